"""``/v1/coach/notes/record``: save the reviewed notes result as the conversation record.

An explicit step, never a side effect of ``POST /v1/coach/notes``. The write itself is
:func:`tools.notes_record.save_notes_record` (shared with the chat's "save" turn): one
transaction, authorised as the person; an employee the caller may not see gets the same 404
as one that does not exist.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import NowDep, PrincipalDep, SessionDep
from api.errors import PROBLEM_RESPONSES, ApiError, forbidden, invalid, not_found
from api.routes.conversations import conversation_public
from api.schemas import ConversationPublic, NotesRecordBody
from tools.errors import NotVisible
from tools.notes_record import NotesRecord, RecordItem, RecordRefused, save_notes_record

router = APIRouter(prefix="/v1/coach/notes", tags=["coach"], responses=PROBLEM_RESPONSES)


def as_record(body: NotesRecordBody) -> NotesRecord:
    """The body as the record to write."""
    return NotesRecord(
        employee_id=body.employee_id, manager_id=body.manager_id, kind=body.kind, held_at=body.held_at,
        notes=body.notes, summary=body.summary, decisions=tuple(body.decisions),
        action_items=tuple(RecordItem(text=i.text, owner=i.owner, due=i.due, goal_id=i.goal_id, done=i.done)
                           for i in body.action_items),
        employee_topics=tuple(body.employee_topics), visibility=body.visibility.value, language=body.language,
    )


@router.post("/record", status_code=201, summary="Save reviewed notes as the conversation record")
def save_notes(body: NotesRecordBody, session: SessionDep, principal: PrincipalDep, now: NowDep
               ) -> ConversationPublic:
    """Save reviewed conversation notes as a conversation with its action items.

    Write the conversation with its action items in one transaction (all or nothing). Owners
    are roles (``employee``, ``manager``) of this conversation; ``manager_id`` defaults to you
    when you are the employee's manager, else to the employee's manager. A goal must be the
    employee's own or a shared one you may see. Open items appear in the employee's next agenda.
    """
    try:
        conv, items = save_notes_record(session, principal=principal, record=as_record(body), now=now)
    except NotVisible:
        raise not_found("person") from None
    except RecordRefused as refused:
        if refused.status == 403:
            raise forbidden(refused.message) from None
        if refused.status == 409:
            raise ApiError(409, refused.message) from None
        raise invalid(refused.message, loc=["body", *refused.loc]) from None
    return conversation_public(conv, items)
