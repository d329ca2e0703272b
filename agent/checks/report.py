"""The result of the checks (issues for the revise round) and the wording of repair warnings."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from agent.schemas import Language

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


# --- repair warnings: what the user reads, so in the evidence language --------------------------

_SOURCE_NAMES: dict[Language, dict[str, str]] = {
    "en": {
        "goal": "unknown goal", "conversation": "unknown conversation",
        "action_item": "unknown action item", "feedback": "unknown feedback",
        "development_action": "unknown development action", "guidance": "unknown guidance passage",
        "policy": "unknown policy passage",
    },
    "nl": {
        "goal": "onbekend doel", "conversation": "onbekend gesprek", "action_item": "onbekend actiepunt",
        "feedback": "onbekende feedback", "development_action": "onbekende ontwikkelactie",
        "guidance": "onbekende passage uit de richtlijnen", "policy": "onbekende beleidspassage",
    },
}

WARNINGS: dict[str, dict[Language, str]] = {
    "unknown_source": {
        "en": "removed citation to {source} {id}",
        "nl": "verwijzing naar {source} {id} verwijderd",
    },
    "unknown_parent_goal": {
        "en": "removed link to unknown parent goal {id}",
        "nl": "koppeling aan onbekend bovenliggend doel {id} verwijderd",
    },
    "minutes_rescaled": {
        "en": "minutes rescaled to add up to {minutes}",
        "nl": "minuten aangepast zodat ze optellen tot {minutes}",
    },
    "items_trimmed": {
        "en": "dropped {count} agenda item(s) that did not fit in {minutes} minutes",
        "nl": "{count} agendapunt(en) weggelaten die niet in {minutes} minuten pasten",
    },
    "action_items_added": {
        "en": "added {count} open action item(s) that were not carried over",
        "nl": "{count} openstaand(e) actiepunt(en) toegevoegd die niet waren meegenomen",
    },
    "goals_added": {
        "en": "added {count} goal(s) at risk that were not on the agenda",
        "nl": "{count} doel(en) met risico toegevoegd die niet op de agenda stonden",
    },
    "feedback_added": {
        "en": "added {count} piece(s) of recent feedback that were not on the agenda",
        "nl": "{count} recente feedback toegevoegd die niet op de agenda stond",
    },
    "topics_moved": {
        "en": "moved the employee's own topics to the start",
        "nl": "eigen onderwerpen van de medewerker naar voren gehaald",
    },
    "topics_added": {
        "en": "added {count} of the employee's own topic(s) that were missing",
        "nl": "{count} ontbrekend(e) eigen onderwerp(en) van de medewerker toegevoegd",
    },
    "employee_led_set": {
        "en": "set item '{title}' to be led by the employee",
        "nl": "agendapunt '{title}' wordt nu door de medewerker geleid",
    },
    "questions_replaced": {
        "en": "replaced closed or missing questions in {count} item(s)",
        "nl": "gesloten of ontbrekende vragen vervangen in {count} agendapunt(en)",
    },
    "little_history_set": {
        "en": "marked as little history: there are few records to build on",
        "nl": "gemarkeerd als weinig geschiedenis: er zijn weinig gegevens om op voort te bouwen",
    },
    "little_history_cleared": {
        "en": "unmarked little history: there are records to build on",
        "nl": "markering weinig geschiedenis weggehaald: er zijn gegevens om op voort te bouwen",
    },
    "look_back_added": {
        "en": "added a look back over the period",
        "nl": "terugblik op de periode toegevoegd",
    },
    "look_forward_added": {
        "en": "added a look at development plans",
        "nl": "vooruitblik op ontwikkelplannen toegevoegd",
    },
    "criteria_fixed": {
        "en": "completed the SMART verdicts",
        "nl": "SMART-beoordeling aangevuld",
    },
    "verdict_corrected": {
        "en": "corrected the verdict for {criterion}: the goal as written does not meet it",
        "nl": "oordeel over {criterion} aangepast: het doel zoals geschreven voldoet er niet aan",
    },
    "value_proposed": {
        "en": "listed '{value}' as a proposed value to confirm",
        "nl": "'{value}' als voorgestelde waarde opgenomen, ter bevestiging",
    },
    "question_added": {
        "en": "added a question about {criterion}",
        "nl": "vraag over {criterion} toegevoegd",
    },
    "placeholder_added": {
        "en": "marked the missing {what} in the rewrite",
        "nl": "ontbrekende {what} in de herschrijving gemarkeerd",
    },
    "issues_added": {
        "en": "added {count} issue(s) found in the notes",
        "nl": "{count} aandachtspunt(en) uit de notities toegevoegd",
    },
    "words_removed": {
        "en": "removed '{words}' from the rewrite",
        "nl": "'{words}' uit de herschrijving verwijderd",
    },
    "rewrite_replaced": {
        "en": "replaced the rewrite by a rule-based version",
        "nl": "herschrijving vervangen door een versie op basis van vaste regels",
    },
    "sbi_cleared": {
        "en": "removed the {part}: it was not in the notes",
        "nl": "{part} weggehaald: dat stond niet in de notities",
    },
    "balance_added": {
        "en": "added the missing {what}",
        "nl": "ontbrekende {what} toegevoegd",
    },
    "action_dropped": {
        "en": "dropped action '{title}': {reason}",
        "nl": "actie '{title}' weggelaten: {reason}",
    },
    "action_added": {
        "en": "added action '{title}' from the catalogue",
        "nl": "actie '{title}' uit de catalogus toegevoegd",
    },
    "due_moved": {
        "en": "moved the due date of '{title}' to {due}",
        "nl": "streefdatum van '{title}' verschoven naar {due}",
    },
    "indicator_added": {
        "en": "added a success indicator to '{title}'",
        "nl": "succesindicator toegevoegd aan '{title}'",
    },
    "evidence_linked": {
        "en": "linked '{title}' to the goal or feedback it serves",
        "nl": "'{title}' gekoppeld aan het doel of de feedback waar het bij hoort",
    },
    "offline_served": {
        "en": "served the rule-based draft: {reason}",
        "nl": "versie op basis van vaste regels getoond: {reason}",
    },
}

TERMS: dict[str, dict[Language, str]] = {
    "specific": {"en": "specific", "nl": "specifiek"},
    "measurable": {"en": "measurable", "nl": "meetbaar"},
    "achievable": {"en": "achievable", "nl": "haalbaar"},
    "relevant": {"en": "relevant", "nl": "relevant"},
    "time_bound": {"en": "time-bound", "nl": "tijdgebonden"},
    "target": {"en": "target", "nl": "streefwaarde"},
    "deadline": {"en": "deadline", "nl": "deadline"},
    "situation": {"en": "situation", "nl": "situatie"},
    "impact": {"en": "impact", "nl": "impact"},
    "strengths": {"en": "strengths", "nl": "sterke punten"},
    "growth_areas": {"en": "growth areas", "nl": "groeipunten"},
    "unknown_catalogue": {"en": "not in the catalogue", "nl": "staat niet in de catalogus"},
    "invented_resource": {"en": "not based on the catalogue or the guides",
                          "nl": "niet gebaseerd op de catalogus of de handleidingen"},
    "too_many": {"en": "at most five actions", "nl": "hoogstens vijf acties"},
    "wrong_language": {"en": "the model answered in the wrong language",
                       "nl": "het model antwoordde in de verkeerde taal"},
}


def term(key: str, language: Language) -> str:
    """A short user-facing term (criterion names, SBI parts, reasons) in ``language``."""
    return TERMS[key][language]


def warning(key: str, language: Language, **values: object) -> str:
    """The repair warning ``key`` in ``language``, filled with ``values``.

    ``unknown_source`` takes ``type`` (a source type) and ``id``.
    """
    if key == "unknown_source":
        values = {**values, "source": _SOURCE_NAMES[language][str(values["type"])]}
    return WARNINGS[key][language].format(**values)
