"""Saving a reviewed notes result as the conversation record, authorised as the person.

One write, used by ``POST /v1/coach/notes/record`` and by the chat's explicit "save" turn:
the conversation, its action items (each with the goal it serves) and their audit events in
one transaction, all or nothing. The rules are those of ``POST /v1/conversations``
(:func:`knowledge.policy.can_write`: the employee's manager, or HR; a service acting for a
person has that person's rights). An employee the principal may not see raises
:class:`~tools.errors.NotVisible`, exactly as one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from knowledge import queries
from knowledge.i18n import t
from knowledge.models import ActionItem, Conversation, ConversationKind, GoalLevel, Person, Visibility
from knowledge.policy import Principal, can_write
from knowledge.service_models import AuditEvent
from knowledge.vocabulary import Language
from tools.errors import NotVisible

NOTES_COLUMN_CHARS = 20_000
"""The conversation record's notes column."""


class RecordRefused(Exception):
    """The record cannot be saved: ``status`` 403 (may read, not write), 409 or 422 (``loc`` names the field)."""

    def __init__(self, status: Literal[403, 409, 422], message: str, loc: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.status, self.message, self.loc = status, message, loc


@dataclass(frozen=True)
class RecordItem:
    """One reviewed action item to save: text, owner, due date, goal, done."""

    text: str
    owner: Literal["employee", "manager"] | None = None
    due: date | None = None
    goal_id: str | None = None
    done: bool = False


@dataclass(frozen=True)
class NotesRecord:
    """What is saved: the reviewed notes result and the conversation's facts."""

    employee_id: str
    held_at: datetime
    notes: str
    kind: str = "one_on_one"
    manager_id: str | None = None
    summary: str = ""
    decisions: tuple[str, ...] = ()
    action_items: tuple[RecordItem, ...] = ()
    employee_topics: tuple[str, ...] = ()
    visibility: str = "shared"
    language: Language | None = None


def record_text(record: NotesRecord, language: Language) -> str:
    """The record's notes: the summary and the decisions under headings, then the notes as given."""
    parts = []
    if record.summary.strip():
        parts.append(f"{t('notes.record.summary', language)}:\n{record.summary.strip()}")
    if record.decisions:
        parts.append(f"{t('notes.record.decisions', language)}:\n" + "\n".join(f"- {d}" for d in record.decisions))
    if not parts:
        return record.notes
    parts.append(f"{t('notes.record.notes', language)}:\n{record.notes.strip()}")
    return "\n\n".join(parts)


def _manager_id(principal: Principal, record: NotesRecord, employee: Person) -> str | None:
    if record.manager_id is not None:
        return record.manager_id
    if principal.manages(employee.id):
        return principal.person_id
    return employee.manager_id or principal.person_id


def _check_goal(session: Session, principal: Principal, employee_id: str, goal_id: str, index: int) -> None:
    loc = ("action_items", index, "goal_id")
    goal = queries.get_goal(session, principal=principal, goal_id=goal_id)
    if goal is None:
        raise RecordRefused(422, f"action_items.{index}.goal_id: no such goal.", loc)
    if goal.level == GoalLevel.individual and goal.owner_person_id != employee_id:
        raise RecordRefused(422, f"action_items.{index}.goal_id: the goal must be the employee's own, or a team "
                                 "or organisation goal.", loc)


def save_notes_record(session: Session, *, principal: Principal, record: NotesRecord, now: datetime
                      ) -> tuple[Conversation, list[ActionItem]]:
    """Write ``record`` in one transaction (committed here) and return what was written."""
    employee = queries.get_person(session, principal=principal, person_id=record.employee_id)
    if employee is None or not principal.sees_person_records(employee.id):
        raise NotVisible("person", record.employee_id)
    manager_id = _manager_id(principal, record, employee)
    if manager_id is None:
        raise RecordRefused(422, "manager_id is required for a service key without X-On-Behalf-Of.",
                            ("manager_id",))
    if manager_id == employee.id:
        raise RecordRefused(422, "manager_id: the manager and the employee must be different people.",
                            ("manager_id",))
    if queries.get_person(session, principal=principal, person_id=manager_id) is None:
        raise RecordRefused(422, "manager_id: no such person.", ("manager_id",))
    text = record_text(record, record.language or employee.language)
    if len(text) > NOTES_COLUMN_CHARS:
        raise RecordRefused(422, f"notes: the notes with the summary and decisions exceed {NOTES_COLUMN_CHARS} "
                                 "characters.", ("notes",))
    conv = Conversation(org_id=principal.org_id, kind=ConversationKind(record.kind), employee_id=employee.id,
                        manager_id=manager_id, held_at=record.held_at, notes=text,
                        visibility=Visibility(record.visibility), employee_topics=list(record.employee_topics),
                        created_at=now)
    if not can_write(principal, conv):
        raise RecordRefused(403, "You may read this, but not write it.")
    owners = {"employee": employee.id, "manager": manager_id}
    items = []
    for i, item in enumerate(record.action_items):
        if item.goal_id is not None:
            _check_goal(session, principal, employee.id, item.goal_id, i)
        items.append(ActionItem(org_id=conv.org_id, conversation_id=conv.id, text=item.text,
                                owner_id=owners[item.owner] if item.owner else None, due=item.due,
                                goal_id=item.goal_id, done=item.done, done_at=now if item.done else None,
                                created_at=now))

    def audit(action: str, target_type: str, target_id: str, detail: dict[str, Any]) -> None:
        session.add(AuditEvent(org_id=principal.org_id, actor=principal.actor, action=action,
                               target_type=target_type, target_id=target_id, detail=detail, at=now))

    session.add(conv)
    audit("conversation.create", "conversation", conv.id, {"action_items": len(items), "from": "notes"})
    session.flush()  # the conversation row first: action items point at it
    for row in items:
        session.add(row)
        audit("action_item.create", "action_item", row.id, {})
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise RecordRefused(409, "This conflicts with an existing record.") from None
    return conv, items
