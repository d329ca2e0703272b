"""Nudges: what keeps the conversation cycle going, per person, each with its sources.

For a manager, for each current direct report (and for the manager themselves); for anyone
else, their own. Everything is read through :mod:`knowledge.queries` as the principal, so a
nudge can only cite what the principal may see. The rules (``today`` is passed in):

* ``one_on_one_overdue``: the last 1-on-1 is more than the organisation's rhythm ago (HR sets
  it; monthly by default), or there never was one and the person joined longer ago than that;
* ``goal_without_check_in``: a goal at risk or off track with no conversation held since it
  was last updated (the update that set its status: goals keep no status history);
* ``action_item_overdue``: an open action item past its due date;
* ``development_action_overdue``: a planned or running development action past its due date;
* ``feedback_not_discussed``: feedback the manager gave the report with no conversation
  between them since (so it cannot have been talked through). Only in the manager's list.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field
from sqlmodel import Session

from knowledge import queries
from knowledge.i18n import t
from knowledge.models import Conversation, ConversationKind, DevStatus, GoalLevel, GoalStatus, Person
from knowledge.policy import Principal
from knowledge.rhythm import Rhythm, get_rhythm
from knowledge.vocabulary import Language, Source

NudgeKind = Literal[
    "one_on_one_overdue",
    "goal_without_check_in",
    "action_item_overdue",
    "development_action_overdue",
    "feedback_not_discussed",
]
KIND_ORDER: tuple[NudgeKind, ...] = (
    "one_on_one_overdue",
    "goal_without_check_in",
    "action_item_overdue",
    "development_action_overdue",
    "feedback_not_discussed",
)
TEXT_CHARS = 120
"""Record text quoted in a nudge is cut to this length."""

class Nudge(BaseModel):
    """One thing to follow up, about one person, with the records it rests on."""

    kind: NudgeKind
    employee_id: str = Field(description="Whom the nudge is about.")
    employee_name: str
    message: str = Field(description="What to follow up, in the list's language.")
    since: date | None = Field(None, description="The date the clock started: last 1-on-1, due date, feedback.")
    days: int = Field(description="Days overdue, or days since the clock started.")
    sources: list[Source] = Field(default_factory=list)


class NudgeList(BaseModel):
    """The nudges of one principal on one day."""

    language: Language
    today: date
    one_on_one_days: int = Field(description="The organisation's 1-on-1 rhythm the list was checked against.")
    people: list[str] = Field(description="Ids of the people checked: the principal and their current reports.")
    nudges: list[Nudge]


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TEXT_CHARS else text[: TEXT_CHARS - 1].rstrip() + "…"


def _day(value: datetime) -> date:
    return value.date()


def people_checked(session: Session, *, principal: Principal) -> list[Person]:
    """The principal first, then their current direct reports by name (records they may read)."""
    if principal.person_id is None:
        return []
    ids = [principal.person_id, *sorted(principal.reports)]
    found = [queries.get_person(session, principal=principal, person_id=i) for i in ids]
    people = [p for p in found if p is not None and principal.sees_person_records(p.id)]
    return people[:1] + sorted(people[1:], key=lambda p: (p.name, p.id))


def nudges_for(session: Session, *, principal: Principal, today: date, language: Language) -> NudgeList:
    """Every nudge of ``principal`` on ``today``, ordered by person, then kind, then most overdue."""
    rhythm = get_rhythm(session, principal=principal)
    people = people_checked(session, principal=principal)
    found: list[Nudge] = []
    for person in people:
        found += _person_nudges(session, principal, person, today, language, rhythm)
    order = {p.id: i for i, p in enumerate(people)}
    found.sort(key=lambda n: (order[n.employee_id], KIND_ORDER.index(n.kind), -n.days, n.message))
    return NudgeList(language=language, today=today, one_on_one_days=rhythm.one_on_one_days,
                     people=[p.id for p in people], nudges=found)


def _conversations(session: Session, principal: Principal, person_id: str) -> list[Conversation]:
    return queries.latest_conversations(session, principal=principal, employee_id=person_id,
                                        limit=queries.MAX_LIMIT)


def _person_nudges(session: Session, principal: Principal, person: Person, today: date, lang: Language,
                   rhythm: Rhythm) -> list[Nudge]:
    name = person.name
    convs = _conversations(session, principal, person.id)
    out: list[Nudge] = []

    def nudge(kind: NudgeKind, message: str, since: date | None, days: int, sources: list[Source]) -> None:
        out.append(Nudge(kind=kind, employee_id=person.id, employee_name=name, message=message, since=since,
                         days=days, sources=sources))

    # A person without a manager has nobody to hold 1-on-1s with.
    if person.manager_id is not None:
        one_on_ones = [c for c in convs if c.kind == ConversationKind.one_on_one]
        if one_on_ones:
            last = max(one_on_ones, key=lambda c: c.held_at)
            gap = (today - _day(last.held_at)).days
            if gap > rhythm.one_on_one_days:
                nudge("one_on_one_overdue", t("nudges.one_on_one_overdue", lang,
                    name=name, days=gap, rhythm=rhythm.one_on_one_days, last=_day(last.held_at).isoformat()),
                    _day(last.held_at), gap, [Source(type="conversation", id=last.id)])
        else:
            tenure = (today - _day(person.created_at)).days
            if tenure > rhythm.one_on_one_days:
                nudge("one_on_one_overdue", t("nudges.one_on_one_never", lang,
                    name=name, days=tenure, rhythm=rhythm.one_on_one_days), _day(person.created_at), tenure, [])

    goals = queries.list_goals(session, principal=principal, owner_person_id=person.id, level=GoalLevel.individual,
                               limit=queries.MAX_LIMIT)
    for goal in goals:
        if goal.status not in (GoalStatus.at_risk, GoalStatus.off_track):
            continue
        if any(c.held_at > goal.updated_at for c in convs):
            continue
        since = _day(goal.updated_at)
        nudge("goal_without_check_in", t("nudges.goal_without_check_in", lang,
            title=_clip(goal.title), name=name, status=t(f"nudges.term.{goal.status.value}", lang),
            since=since.isoformat()),
            since, (today - since).days, [Source(type="goal", id=goal.id)])

    for item, conv in queries.list_action_items(session, principal=principal, employee_id=person.id, open_only=True):
        if item.due is None or item.due >= today:
            continue
        if item.owner_id == conv.employee_id:
            owner = t("nudges.term.owner_employee", lang, name=name)
        elif item.owner_id is not None:
            owner = t("nudges.term.owner_manager", lang)
        else:
            owner = t("nudges.term.owner_none", lang)
        days = (today - item.due).days
        nudge("action_item_overdue", t("nudges.action_item_overdue", lang,
            title=_clip(item.text), owner=owner, due=item.due.isoformat(), days=days), item.due, days,
            [Source(type="action_item", id=item.id), Source(type="conversation", id=conv.id)])

    for action in queries.list_development_actions(session, principal=principal, person_id=person.id,
                                                   limit=queries.MAX_LIMIT):
        if action.status not in (DevStatus.planned, DevStatus.in_progress) or action.due is None:
            continue
        if action.due >= today:
            continue
        days = (today - action.due).days
        nudge("development_action_overdue", t("nudges.development_action_overdue", lang,
            title=_clip(action.title), name=name, due=action.due.isoformat(), days=days), action.due, days,
            [Source(type="development_action", id=action.id)])

    if principal.manages(person.id) and principal.person_id is not None:
        given = queries.list_feedback(session, principal=principal, recipient_id=person.id,
                                      giver_id=principal.person_id, limit=queries.MAX_LIMIT)
        for fb in given:
            if any(c.held_at >= fb.created_at for c in convs):
                continue
            since = _day(fb.created_at)
            nudge("feedback_not_discussed", t("nudges.feedback_not_discussed", lang,
                name=name, since=since.isoformat()), since, (today - since).days,
                [Source(type="feedback", id=fb.id)])
    return out
