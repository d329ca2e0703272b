"""``/v1/coach/notes/record``: save the reviewed notes result as the conversation record.

An explicit step, never a side effect of ``POST /v1/coach/notes``. One transaction: the
conversation, its action items (each with the goal it serves) and their audit events are
committed together or not at all. Authorised as the person, like ``POST /v1/conversations``
(:func:`knowledge.policy.can_write`): the employee's manager, HR, or a service acting for one
of them. An employee the caller may not see gets the same 404 as one that does not exist.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import WriterDep
from api.errors import PROBLEM_RESPONSES, invalid, not_found
from api.routes.conversations import check_goal, conversation_public
from api.schemas import ConversationPublic, NotesRecordBody
from knowledge.i18n import t
from knowledge.models import ActionItem, Conversation, ConversationKind, Person
from knowledge.queries import get_person

router = APIRouter(prefix="/v1/coach/notes", tags=["coach"], responses=PROBLEM_RESPONSES)


def record_notes(body: NotesRecordBody, employee: Person) -> str:
    """The record's notes: the summary and the decisions under headings, then the notes as given."""
    lang = body.language or employee.language
    parts = []
    if body.summary.strip():
        parts.append(f"{t('notes.record.summary', lang)}:\n{body.summary.strip()}")
    if body.decisions:
        parts.append(f"{t('notes.record.decisions', lang)}:\n" + "\n".join(f"- {d}" for d in body.decisions))
    if parts:
        parts.append(f"{t('notes.record.notes', lang)}:\n{body.notes.strip()}")
        return "\n\n".join(parts)
    return body.notes


def _manager_id(w: WriterDep, body: NotesRecordBody, employee: Person) -> str:
    if body.manager_id is not None:
        return body.manager_id
    if w.principal.manages(employee.id):
        return w.me("manager_id")
    return employee.manager_id or w.me("manager_id")


@router.post("/record", status_code=201, summary="Save reviewed notes as the conversation record")
def save_notes(body: NotesRecordBody, w: WriterDep) -> ConversationPublic:
    """Write the conversation with its action items in one transaction. Owners are roles
    (``employee``, ``manager``) of this conversation; a goal must be the employee's own or a
    shared one you may see. Open items appear in the next agenda of the employee."""
    employee = get_person(w.session, principal=w.principal, person_id=body.employee_id)
    if employee is None or not w.principal.sees_person_records(employee.id):
        raise not_found("person")
    manager_id = _manager_id(w, body, employee)
    if manager_id == employee.id:
        raise invalid("manager_id: the manager and the employee must be different people.",
                      loc=["body", "manager_id"])
    w.person(manager_id, field="manager_id")
    text = record_notes(body, employee)
    if len(text) > 20_000:
        raise invalid("notes: the notes with the summary and decisions exceed 20000 characters.",
                      loc=["body", "notes"])
    conv = Conversation(org_id=w.principal.org_id, kind=ConversationKind(body.kind), employee_id=employee.id,
                        manager_id=manager_id, held_at=body.held_at, notes=text, visibility=body.visibility,
                        employee_topics=list(body.employee_topics), created_at=w.now)
    w.authorize(conv)
    owners = {"employee": employee.id, "manager": manager_id}
    items = []
    for i, item in enumerate(body.action_items):
        if item.goal_id is not None:
            check_goal(w, conv, item.goal_id, field=f"action_items.{i}.goal_id")
        row = ActionItem(org_id=conv.org_id, conversation_id=conv.id, text=item.text,
                         owner_id=owners[item.owner] if item.owner else None, due=item.due, goal_id=item.goal_id,
                         done=item.done, done_at=w.now if item.done else None, created_at=w.now)
        w.authorize(row, conversation=conv)
        items.append(row)
    w.save(conv, action="conversation.create", target_type="conversation",
           detail={"action_items": len(items), "from": "notes"})
    w.session.flush()  # the conversation row first: action items point at it
    for row in items:
        w.save(row, action="action_item.create", target_type="action_item")
    w.commit()
    return conversation_public(conv, items)
