"""What an evaluation of a prompt version found, and the activation rule that judges it.

The rule is a pure function of the two summaries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel
from pydantic import Field as PydField

from agent.prompt_contract import LintIssue, lint_prompt
from agent.schemas import Task
from knowledge.service_models import prompt_hash

# --- evaluation summaries -----------------------------------------------------------------

JUDGE_TOLERANCE = 0.1

class CaseFailure(BaseModel):
    """One eval case the prompt failed, with the slices it belongs to and why."""

    case_id: str
    slices: list[str] = PydField(default_factory=list)
    scorers: list[str] = PydField(description="The deterministic scorers that failed.")
    explanation: str = ""


class EvalSummary(BaseModel):
    """What an evaluation of one prompt on one task's dataset found (stored on the version)."""

    task: Task
    prompt_version: str
    prompt_hash: str
    engine: str = PydField(description="offline, llm, or scripted (the respx-replayed instruction-following model).")
    model: str | None = None
    dataset: str = PydField(description="Dataset label: name@version+hash.")
    selection: str = PydField("all cases", description="Which cases: 'all cases', or the ids/slices chosen.")
    evaluated_at: datetime
    cases: int = PydField(ge=0)
    passed: int = PydField(ge=0)
    failures: list[CaseFailure] = PydField(default_factory=list)
    judge_model: str | None = None
    judge_mean: float | None = None
    lint: list[LintIssue] = PydField(default_factory=list)

    @property
    def failed_case_ids(self) -> list[str]:
        """The ids of the failed cases."""
        return [f.case_id for f in self.failures]

    @property
    def ok(self) -> bool:
        """Whether the evaluation ran cases, none failed, and the lint found no error."""
        return self.cases > 0 and not self.failures and not any(i.severity == "error" for i in self.lint)


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a candidate may replace the active version, and why not."""

    allowed: bool
    reasons: list[str]
    failing_cases: list[str]


def judge_activation(
    candidate: EvalSummary, baseline: EvalSummary | None, *, system: str, tolerance: float = JUDGE_TOLERANCE
) -> Verdict:
    """The activation rule (see the module docstring), as a pure function."""
    reasons: list[str] = []
    failing: list[str] = []
    if candidate.prompt_hash != prompt_hash(system):
        reasons.append("the evaluation is of another text of this prompt: evaluate it again")
    for issue in lint_prompt(system):
        if issue.severity == "error":
            reasons.append(issue.message)
    if candidate.cases == 0:
        reasons.append("no case was evaluated")
    if candidate.failures:
        failing = candidate.failed_case_ids
        detail = "; ".join(f"{f.case_id} ({', '.join(f.scorers)})" for f in candidate.failures)
        reasons.append(f"{len(failing)} of {candidate.cases} cases fail deterministic checks: {detail}")
    if baseline is not None and candidate.judge_mean is not None and baseline.judge_mean is not None:
        if candidate.judge_mean < baseline.judge_mean - tolerance:
            reasons.append(
                f"mean judge score {candidate.judge_mean:.2f} is more than {tolerance} below the active "
                f"version's {baseline.judge_mean:.2f}"
            )
    return Verdict(allowed=not reasons, reasons=reasons, failing_cases=failing)
