"""``coach eval compare A B``: what got worse (and better) from run A to run B.

A **regression** is any of: a case that passed in A and fails in B (all its repeats must
pass to count as passed); a scorer whose pass rate dropped on a task; a judge criterion
whose mean dropped by more than the tolerance. Cases only in one run are listed, not
counted, and differences in configuration (model, prompt, dataset) are shown first, since
they are usually the reason.
"""

from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel, Field

from evals.report import CaseRun, RunReport


class CaseChange(BaseModel):
    """A case that passed in one run and failed in the other."""

    task: str
    case_id: str
    slices: list[str]
    why: str = ""


class MetricChange(BaseModel):
    """A scorer pass rate or judge mean of a task, before and after."""

    task: str
    name: str
    before: float
    after: float


class Comparison(BaseModel):
    """Two eval runs compared: config changes, regressed and fixed cases, metric drops."""

    config_changes: list[str] = Field(default_factory=list)
    regressed_cases: list[CaseChange] = Field(default_factory=list)
    fixed_cases: list[CaseChange] = Field(default_factory=list)
    scorer_drops: list[MetricChange] = Field(default_factory=list)
    judge_drops: list[MetricChange] = Field(default_factory=list)
    only_in_baseline: list[str] = Field(default_factory=list)
    only_in_candidate: list[str] = Field(default_factory=list)

    @property
    def regressed(self) -> bool:
        """Whether the second run is worse: a case regressed, or a scorer or the judge dropped."""
        return bool(self.regressed_cases or self.scorer_drops or self.judge_drops)


def _by_case(report: RunReport) -> dict[tuple[str, str], list[CaseRun]]:
    out: dict[tuple[str, str], list[CaseRun]] = defaultdict(list)
    for run in report.cases:
        out[(run.task, run.case_id)].append(run)
    return out


def _why(runs: list[CaseRun]) -> str:
    reasons: list[str] = []
    for run in runs:
        if run.error:
            reasons.append(f"error: {run.error}")
        reasons += [f"{s.name}: {s.explanation}" for s in run.scores if not s.passed]
    return " | ".join(dict.fromkeys(reasons))[:600]


def _config_changes(a: RunReport, b: RunReport) -> list[str]:
    changes = []
    ca, cb = a.config, b.config
    for name in ("engine", "model", "judge_model", "repeat", "replay", "selection"):
        va, vb = getattr(ca, name), getattr(cb, name)
        if va != vb:
            changes.append(f"{name}: {va} -> {vb}")
    for task in sorted(set(ca.prompts) | set(cb.prompts)):
        pa, pb = ca.prompts.get(task), cb.prompts.get(task)
        if pa != pb:
            fa = f"{pa['version']} ({pa['hash']})" if pa else "-"
            fb = f"{pb['version']} ({pb['hash']})" if pb else "-"
            changes.append(f"prompt {task}: {fa} -> {fb}")
    for task in sorted(set(ca.datasets) | set(cb.datasets)):
        if ca.datasets.get(task) != cb.datasets.get(task):
            changes.append(f"dataset {task}: {ca.datasets.get(task, '-')} -> {cb.datasets.get(task, '-')}")
    return changes


def compare_reports(a: RunReport, b: RunReport, *, judge_tolerance: float = 0.1) -> Comparison:
    """What changed from baseline ``a`` to candidate ``b``."""
    out = Comparison(config_changes=_config_changes(a, b))
    runs_a, runs_b = _by_case(a), _by_case(b)
    for key in sorted(set(runs_a) | set(runs_b)):
        ra, rb = runs_a.get(key), runs_b.get(key)
        if ra is None:
            out.only_in_candidate.append("/".join(key))
            continue
        if rb is None:
            out.only_in_baseline.append("/".join(key))
            continue
        passed_a, passed_b = all(r.passed for r in ra), all(r.passed for r in rb)
        if passed_a and not passed_b:
            out.regressed_cases.append(CaseChange(task=key[0], case_id=key[1], slices=rb[0].slices, why=_why(rb)))
        elif passed_b and not passed_a:
            out.fixed_cases.append(CaseChange(task=key[0], case_id=key[1], slices=rb[0].slices))
    for task, sb in b.summary.items():
        sa = a.summary.get(task)
        if sa is None:
            continue
        for name, rate_b in sb.scorers.items():
            rate_a = sa.scorers.get(name)
            if rate_a is not None and rate_b.rate < rate_a.rate:
                out.scorer_drops.append(MetricChange(task=task, name=name, before=rate_a.rate, after=rate_b.rate))
        for name, mean_b in sb.judge.items():
            mean_a = sa.judge.get(name)
            if mean_a is not None and mean_b < mean_a - judge_tolerance:
                out.judge_drops.append(MetricChange(task=task, name=name, before=mean_a, after=mean_b))
    return out


def render_comparison(c: Comparison) -> str:
    """The comparison as Markdown."""
    lines = ["REGRESSED" if c.regressed else "NO REGRESSION", ""]
    if c.config_changes:
        lines += ["Configuration changes:", *(f"  {x}" for x in c.config_changes), ""]
    if c.regressed_cases:
        lines.append(f"Cases that passed before and fail now ({len(c.regressed_cases)}):")
        lines += [f"  {x.task}/{x.case_id} [{', '.join(x.slices)}]: {x.why}" for x in c.regressed_cases]
        lines.append("")
    if c.scorer_drops:
        lines.append("Scorers whose pass rate dropped:")
        lines += [f"  {x.task}/{x.name}: {x.before:.0%} -> {x.after:.0%}" for x in c.scorer_drops]
        lines.append("")
    if c.judge_drops:
        lines.append("Judge criteria whose mean dropped beyond the tolerance:")
        lines += [f"  {x.task}/{x.name}: {x.before:.2f} -> {x.after:.2f}" for x in c.judge_drops]
        lines.append("")
    if c.fixed_cases:
        fixed = ", ".join(f"{x.task}/{x.case_id}" for x in c.fixed_cases)
        lines.append(f"Cases fixed ({len(c.fixed_cases)}): {fixed}")
    if c.only_in_baseline or c.only_in_candidate:
        lines.append(f"Only in baseline: {len(c.only_in_baseline)}; only in candidate: {len(c.only_in_candidate)}")
    return "\n".join(lines).rstrip() + "\n"
