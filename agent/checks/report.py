"""The result of the checks (issues for the revise round) and the wording of repair warnings."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from agent.schemas import Language
from knowledge.i18n import t

Severity = Literal["error", "warning"]


class CheckIssue(BaseModel):
    """One problem found in a draft."""

    code: str = Field(description="Stable snake_case id of the rule, e.g. unknown_source.")
    message: str = Field(description="What is wrong and how to fix it, naming the item; for the model.")
    severity: Severity = "error"
    path: str = Field("", description="Where in the draft, e.g. items[2].sources[0]; empty for the whole.")


class CheckReport(BaseModel):
    """All issues of one draft. ``ok`` when there is no error (warnings are allowed)."""

    issues: list[CheckIssue] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no issue is an error."""
        return not self.errors

    @property
    def errors(self) -> list[CheckIssue]:
        """The issues of severity ``error``."""
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[CheckIssue]:
        """The issues of severity ``warning``."""
        return [i for i in self.issues if i.severity == "warning"]

    def codes(self, severity: Severity | None = None) -> set[str]:
        """The distinct codes, optionally of one severity only."""
        return {i.code for i in self.issues if severity is None or i.severity == severity}

    def messages(self, severity: Severity | None = None) -> list[str]:
        """One line per issue, for the revise prompt: ``path: message [code]``."""
        return [
            f"{i.path + ': ' if i.path else ''}{i.message} [{i.code}]"
            for i in self.issues
            if severity is None or i.severity == severity
        ]


def issue(code: str, message: str, path: str = "", severity: Severity = "error") -> CheckIssue:
    """Shorthand constructor used by the check modules."""
    return CheckIssue(code=code, message=message, severity=severity, path=path)


# --- repair warnings: what the user reads, so in the evidence language (locales/*/repair.yaml) ---

def term(key: str, language: Language) -> str:
    """A short user-facing term (criterion names, SBI parts, reasons) in ``language``."""
    return t(f"repair.term.{key}", language)


def warning(key: str, language: Language, **values: object) -> str:
    """The repair warning ``key`` in ``language``, filled with ``values``.

    ``unknown_source`` takes ``type`` (a source type) and ``id``.
    """
    if key == "unknown_source":
        values = {**values, "source": t(f"repair.source.{values['type']}", language)}
    return t(f"repair.warning.{key}", language, **values)
