"""Scorers of the notes task, built on its checks (:mod:`agent.checks.notes`).

Every item cited in the notes, no owner or due date the notes do not give, and the case's
expected items, decisions and topics. Every score explains itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from agent.checks.notes import check_notes
from agent.evaluation import Score
from agent.schemas import NotesDraft, NotesRequest, NotesResult, Request, Result
from tools.errors import NotVisible

if TYPE_CHECKING:
    from evals.scorers import Sample

INVENTED = frozenset({"invented_owner", "invented_due", "unknown_goal", "span_not_in_notes", "instruction_extracted"})


def _ok(name: str, passed: bool, explanation: str) -> Score:
    return Score(name=name, passed=passed, explanation=explanation, value=1.0 if passed else 0.0)


def _notes(sample: Sample) -> tuple[NotesResult, NotesRequest] | None:
    if isinstance(sample.result, NotesResult) and isinstance(sample.request, NotesRequest):
        return sample.result, sample.request
    return None


def notes_cited(sample: Sample) -> Score | None:
    """Every decision, action item and topic quotes the notes exactly where its span says."""
    found = _notes(sample)
    if found is None:
        return None
    result, request = found
    entries = [(d.text, d.span) for d in result.decisions] + [(a.text, a.span) for a in result.action_items]
    entries += [(x.text, x.span) for x in result.employee_topics]
    bad = [text[:40] for text, span in entries
           if span.start is None or span.end is None or request.text[span.start:span.end] != span.quote]
    if bad:
        return _ok("notes_cited", False, f"{len(bad)} item(s) not cited exactly: {', '.join(bad[:3])}")
    return _ok("notes_cited", True, f"all {len(entries)} items cite their span of the notes")


def nothing_invented(sample: Sample) -> Score | None:
    """No invented owner, date or goal and no item outside the notes; every missing value asked for."""
    found = _notes(sample)
    if found is None or sample.evidence is None:
        return None
    result, request = found
    draft = NotesDraft.model_validate(result.model_dump(include=set(NotesDraft.model_fields)))
    issues = [i for i in check_notes(draft, request, sample.evidence) if i.code in INVENTED]
    missing = sum(len(i.missing) for i in result.action_items)
    if issues:
        return _ok("nothing_invented", False, "; ".join(f"{i.code} at {i.path}" for i in issues[:4]))
    if missing > len(result.questions):
        return _ok("nothing_invented", False, f"{missing} missing owner(s)/date(s), {len(result.questions)} asked")
    return _ok("nothing_invented", True, f"no invented owner, date or goal; {missing} missing value(s) asked for")


def notes_expected(sample: Sample) -> Score | None:
    """The case's expected action items (owner, due date, goal), decisions and topics are there."""
    found = _notes(sample)
    expect = sample.case.expect
    if found is None or not (expect.action_items or expect.decisions or expect.topics):
        return None
    result, _ = found
    problems: list[str] = []
    for want in expect.action_items:
        item = next((i for i in result.action_items if want.contains.lower() in i.text.lower()), None)
        if item is None:
            problems.append(f"no action item with '{want.contains}'")
            continue
        owner = item.owner or "missing"
        if want.owner is not None and owner != want.owner:
            problems.append(f"'{want.contains}': owner {owner}, expected {want.owner}")
        due = item.due.isoformat() if item.due else "missing"
        expected_due = want.due if isinstance(want.due, str) else want.due.isoformat() if want.due else None
        if expected_due is not None and due != expected_due:
            problems.append(f"'{want.contains}': due {due}, expected {expected_due}")
        if want.goal is not None and item.goal_id != sample.org.id_of(want.goal):
            problems.append(f"'{want.contains}': serves {item.goal_id}, expected {want.goal}")
    for text in expect.decisions:
        if not any(text.lower() in d.text.lower() for d in result.decisions):
            problems.append(f"no decision with '{text}'")
    for text in expect.topics:
        if not any(text.lower() in x.text.lower() for x in result.employee_topics):
            problems.append(f"no topic with '{text}'")
    if problems:
        return _ok("notes_expected", False, "; ".join(problems[:4]))
    wanted = len(expect.action_items) + len(expect.decisions) + len(expect.topics)
    return _ok("notes_expected", True, f"all {wanted} expected items found as expected")


NOTES_SCORERS = (notes_cited, nothing_invented, notes_expected)
"""The notes task's scorers (None on other tasks)."""


NOBODY = "per_nobody00000000000000"
"""An id no person has: the answer about someone out of scope must be the answer about it."""


async def hidden_like_nobody(run: Callable[[Request], Awaitable[Result]], request: Request) -> Score:
    """The same end for the hidden person as for :data:`NOBODY`: "not visible" (the API's one 404).

    Neither run may answer.
    """
    outcomes = []
    for subject in (None, NOBODY):
        asked = request if subject is None else request.model_copy(update={"employee_id": subject})
        try:
            await run(asked)
            outcomes.append("answered")
        except NotVisible as exc:
            outcomes.append(f"not visible ({exc.kind})")
    passed = outcomes[0] == outcomes[1] and outcomes[0] != "answered"
    return _ok("same_as_nobody", passed, f"hidden person: {outcomes[0]}; nobody: {outcomes[1]}")
