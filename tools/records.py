"""Scoped read tools: records as views, always through the principal-taking queries.

Every read goes through :mod:`knowledge.queries`, which enforces :mod:`knowledge.policy`;
this module only shapes rows into :mod:`tools.views`. Asking about a subject whose records
the principal may not read raises :class:`~tools.errors.NotVisible` (the API answers 404).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import Session

from knowledge import queries, ranked
from knowledge.models import (
    ActionItem,
    Conversation,
    DevelopmentAction,
    Feedback,
    Goal,
    GoalLevel,
    Person,
    Visibility,
)
from knowledge.policy import Principal
from tools.errors import NotVisible
from tools.views import (
    ActionItemView,
    ConversationView,
    DevelopmentActionView,
    FeedbackView,
    GoalView,
    KeyResultView,
    PersonView,
)

MAX_PARENT_DEPTH = 4


# --- people -------------------------------------------------------------------------------

def person_view(person: Person) -> PersonView:
    """The model-facing view of ``person``."""
    return PersonView(
        id=person.id,
        name=person.name,
        role=person.role.value,
        language=person.language,
        job_title=person.job_title,
        team_id=person.team_id,
        manager_id=person.manager_id,
    )


def directory_person(session: Session, *, principal: Principal, person_id: str) -> PersonView:
    """A person from the directory (names and roles are visible organisation-wide)."""
    person = queries.get_person(session, principal=principal, person_id=person_id)
    if person is None:
        raise NotVisible("person", person_id)
    return person_view(person)


def subject_person(session: Session, *, principal: Principal, person_id: str) -> PersonView:
    """The person a task is about; the principal must be allowed to read their records."""
    person = queries.get_person(session, principal=principal, person_id=person_id)
    if person is None or not principal.sees_person_records(person.id):
        raise NotVisible("person", person_id)
    return person_view(person)


def directory(session: Session, *, principal: Principal) -> list[PersonView]:
    """Everyone in the principal's organisation (names and roles are visible organisation-wide)."""
    people: list[Person] = []
    after: str | None = None
    while True:
        page = queries.list_people(session, principal=principal, after=after, limit=queries.MAX_LIMIT)
        people += page
        if len(page) < queries.MAX_LIMIT:
            return [person_view(p) for p in people]
        after = page[-1].id


def visible_subjects(session: Session, *, principal: Principal) -> list[PersonView]:
    """The people whose records the principal may read: themselves and their direct reports (HR: all)."""
    if principal.is_hr:
        return [p for p in directory(session, principal=principal) if principal.sees_person_records(p.id)]
    ids = [i for i in (principal.person_id, *sorted(principal.reports)) if i]
    found = (queries.get_person(session, principal=principal, person_id=i) for i in ids)
    return [person_view(p) for p in found if p is not None and principal.sees_person_records(p.id)]


# --- goals --------------------------------------------------------------------------------

def goal_view(goal: Goal) -> GoalView:
    """The model-facing view of ``goal`` with its key results."""
    return GoalView(
        id=goal.id,
        level=goal.level.value,
        title=goal.title,
        description=goal.description,
        status=goal.status.value,
        progress=goal.progress,
        key_results=[KeyResultView(**kr.model_dump()) for kr in goal.key_result_models()],
        parent_id=goal.parent_id,
        owner_person_id=goal.owner_person_id,
        owner_team_id=goal.owner_team_id,
        start_date=goal.start_date,
        due_date=goal.due_date,
    )


def goals_of(session: Session, *, principal: Principal, person_id: str, limit: int = 50) -> list[GoalView]:
    """A person's goals the principal may read, those needing attention first.

    The individual goals owned by ``person_id`` that the principal may read, at most ``limit``:
    off track and at risk first, then by due date (:func:`knowledge.ranked.top_goals`).
    """
    rows = ranked.top_goals(session, principal=principal, owner_person_id=person_id, limit=limit)
    return [goal_view(g) for g in rows]


def goal(session: Session, *, principal: Principal, goal_id: str) -> GoalView:
    """One goal the principal may read; :class:`~tools.errors.NotVisible` otherwise."""
    found = queries.get_goal(session, principal=principal, goal_id=goal_id)
    if found is None:
        raise NotVisible("goal", goal_id)
    return goal_view(found)


def parent_goals(
    session: Session, *, principal: Principal, goals: list[GoalView], limit: int = queries.MAX_LIMIT
) -> list[GoalView]:
    """The team and organisation goals above ``goals``, nearest first, each once, at most ``limit``."""
    seen = {g.id for g in goals}
    out: list[GoalView] = []
    frontier = [g.parent_id for g in goals if g.parent_id]
    for _ in range(MAX_PARENT_DEPTH):
        next_frontier: list[str] = []
        for parent_id in frontier:
            if parent_id in seen:
                continue
            seen.add(parent_id)
            found = queries.get_goal(session, principal=principal, goal_id=parent_id)
            if found is None:
                continue
            out.append(goal_view(found))
            if len(out) >= limit:
                return out
            if found.parent_id:
                next_frontier.append(found.parent_id)
        frontier = next_frontier
    return out


def shared_goals(
    session: Session, *, principal: Principal, team_id: str | None, limit: int = 50
) -> list[GoalView]:
    """The shared goals a new goal may serve, the team's before the organisation's.

    Candidate parents for a new goal, not done yet: the team's goals, then the organisation's,
    at most ``limit`` (ranked like :func:`goals_of`).
    """
    rows: list[Goal] = []
    if team_id is not None:
        rows += ranked.top_shared_goals(session, principal=principal, level=GoalLevel.team, owner_team_id=team_id,
                                        limit=limit)
    if len(rows) < limit:
        rows += ranked.top_shared_goals(session, principal=principal, level=GoalLevel.organization,
                                        limit=limit - len(rows))
    return [goal_view(g) for g in rows]


# --- conversations and action items -------------------------------------------------------

def _owner(item: ActionItem, conv: Conversation) -> str | None:
    if item.owner_id is None:
        return None
    if item.owner_id == conv.employee_id:
        return "employee"
    if item.owner_id == conv.manager_id:
        return "manager"
    return "other"


def action_item_view(item: ActionItem, conv: Conversation) -> ActionItemView:
    """The model-facing view of ``item``, owner named relative to ``conv`` (employee or manager)."""
    return ActionItemView(
        id=item.id,
        conversation_id=item.conversation_id,
        text=item.text,
        owner=_owner(item, conv),  # type: ignore[arg-type]
        due=item.due,
        done=item.done,
        goal_id=item.goal_id,
    )


def recent_conversations(
    session: Session, *, principal: Principal, employee_id: str, limit: int = 3
) -> list[ConversationView]:
    """The employee's latest conversations with their action items, newest first."""
    convs = queries.latest_conversations(session, principal=principal, employee_id=employee_id, limit=limit)
    by_conversation: dict[str, list[tuple[ActionItem, Conversation]]] = {c.id: [] for c in convs}
    if convs:
        for item, owner in queries.list_action_items(session, principal=principal,
                                                     conversation_ids=list(by_conversation)):
            by_conversation[owner.id].append((item, owner))
    out: list[ConversationView] = []
    for conv in convs:
        items = by_conversation[conv.id]
        out.append(
            ConversationView(
                id=conv.id,
                kind=conv.kind.value,
                held_at=conv.held_at,
                notes=conv.notes,
                employee_topics=list(conv.employee_topics),
                private_to_manager=conv.visibility.value == "private_to_manager",
                action_items=[action_item_view(i, c) for i, c in items],
            )
        )
    return out


def open_action_items(
    session: Session, *, principal: Principal, employee_id: str, limit: int = queries.MAX_LIMIT
) -> list[ActionItemView]:
    """The employee's open action items, the most pressing first.

    Action items not done yet from the employee's conversations, at most ``limit``: the ones
    due first (most overdue first), then undated ones of the newest conversations.
    """
    rows = ranked.top_open_action_items(session, principal=principal, employee_id=employee_id, limit=limit)
    return [action_item_view(i, c) for i, c in rows]


# --- feedback -----------------------------------------------------------------------------

def feedback_view(session: Session, *, principal: Principal, fb: Feedback,
                  givers: Mapping[str, Person] | None = None) -> FeedbackView:
    """The model-facing view of ``fb``; the giver is named only when the principal may know them.

    ``givers``: the people the principal may read, by id, when the caller read them at once.
    """
    giver_name = None
    if fb.giver_id is not None:  # already None when anonymous to this reader
        giver = (givers.get(fb.giver_id) if givers is not None
                 else queries.get_person(session, principal=principal, person_id=fb.giver_id))
        giver_name = giver.name if giver is not None else None
    return FeedbackView(
        id=fb.id,
        kind=fb.kind.value,
        text=fb.text,
        created_at=fb.created_at,
        giver_name=giver_name,
        anonymous=fb.anonymous,
        private_to_manager=fb.visibility == Visibility.private_to_manager,
    )


def recent_feedback(
    session: Session, *, principal: Principal, recipient_id: str, limit: int = 8
) -> list[FeedbackView]:
    """The newest feedback about the recipient that the principal may read, newest first."""
    rows = queries.recent_feedback(session, principal=principal, recipient_id=recipient_id, limit=limit)
    # The givers in one read (one per giver before).
    givers = queries.people_by_id(session, principal=principal, person_ids={f.giver_id for f in rows if f.giver_id})
    return [feedback_view(session, principal=principal, fb=f, givers=givers) for f in rows]


# --- development actions ------------------------------------------------------------------

def development_action_view(action: DevelopmentAction) -> DevelopmentActionView:
    """The model-facing view of a development action."""
    return DevelopmentActionView(
        id=action.id,
        title=action.title,
        category=action.category.value,
        goal_id=action.goal_id,
        due=action.due,
        status=action.status.value,
        success_indicator=action.success_indicator,
    )


def development_actions(
    session: Session, *, principal: Principal, person_id: str, limit: int = 50
) -> list[DevelopmentActionView]:
    """The person's development actions, at most ``limit``: in progress, then planned, then the rest."""
    rows = ranked.top_development_actions(session, principal=principal, person_id=person_id, limit=limit)
    return [development_action_view(a) for a in rows]
