"""``/v1/conversations``: held conversations and their action items.

``/v1/conversations``: held 1-on-1s, check-ins, reviews and development talks, with their
action items.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel import Session

from api.deps import PageDep, PrincipalDep, SessionDep, WriterDep
from api.errors import PROBLEM_RESPONSES, invalid, not_found
from api.preconditions import PreconditionDep
from api.schemas import (
    ActionItemCreate,
    ActionItemPublic,
    ActionItemUpdate,
    ConversationCreate,
    ConversationPublic,
    ConversationUpdate,
    Page,
)
from knowledge.models import ActionItem, Conversation, ConversationKind, GoalLevel
from knowledge.policy import Principal
from knowledge.queries import get_conversation, list_action_items, list_conversations

router = APIRouter(prefix="/v1/conversations", tags=["conversations"], responses=PROBLEM_RESPONSES)


def conversation_public(conv: Conversation, items: list[ActionItem]) -> ConversationPublic:
    """The conversation with its action items, as a reader gets it."""
    data = conv.model_dump()
    data["action_items"] = [ActionItemPublic.model_validate(i) for i in items]
    return ConversationPublic.model_validate(data)


def _items(session: Session, principal: Principal, conv: Conversation) -> list[ActionItem]:
    return [item for item, _ in list_action_items(session, principal=principal, conversation_id=conv.id)]


def _visible(session: Session, principal: Principal, conversation_id: str) -> Conversation:
    conv = get_conversation(session, principal=principal, conversation_id=conversation_id)
    if conv is None:
        raise not_found("conversation")
    return conv


@router.get("", summary="List conversations")
def list_conversations_route(
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    employee_id: Annotated[str | None, Query(max_length=64)] = None,
    kind: ConversationKind | None = None,
) -> Page[ConversationPublic]:
    """Conversations you may read: yours (unless kept private to the manager), your reports'."""
    items, cursor = page.collect(
        lambda after, limit: list_conversations(
            session, principal=principal, employee_id=employee_id, kind=kind, after=after, limit=limit
        )
    )
    return Page(items=[conversation_public(c, _items(session, principal, c)) for c in items], next_cursor=cursor)


@router.get("/{conversation_id}", summary="Get a conversation")
def get_conversation_route(conversation_id: str, session: SessionDep, principal: PrincipalDep) -> ConversationPublic:
    """One conversation, if you may read it (404 otherwise)."""
    conv = _visible(session, principal, conversation_id)
    return conversation_public(conv, _items(session, principal, conv))


def check_goal(w: WriterDep, conv: Conversation, goal_id: str, *, field: str) -> None:
    """An action item serves a goal you may see that is the employee's own or a shared one (422 else)."""
    goal = w.goal(goal_id, field=field)
    if goal.level == GoalLevel.individual and goal.owner_person_id != conv.employee_id:
        raise invalid(f"{field}: the goal must be the employee's own, or a team or organisation goal.",
                      loc=["body", *(int(p) if p.isdigit() else p for p in field.split("."))])


def _new_item(w: WriterDep, conv: Conversation, body: ActionItemCreate, index: int | None) -> ActionItem:
    prefix = "" if index is None else f"action_items.{index}."
    if body.owner_id is not None:
        w.person(body.owner_id, field=prefix + "owner_id")
    if body.goal_id is not None:
        check_goal(w, conv, body.goal_id, field=prefix + "goal_id")
    item = ActionItem(
        org_id=conv.org_id, conversation_id=conv.id, created_at=w.now,
        done_at=w.now if body.done else None, **body.model_dump(),
    )
    w.authorize(item, conversation=conv)
    return item


@router.post("", status_code=201, summary="Record a conversation")
def create_conversation(body: ConversationCreate, w: WriterDep) -> ConversationPublic:
    """Record a held conversation and its action items; ``manager_id`` defaults to you."""
    data = body.model_dump(exclude={"action_items"})
    data["manager_id"] = body.manager_id or w.me("manager_id")
    if data["manager_id"] == body.employee_id:
        raise invalid("manager_id: the manager and the employee must be different people.",
                      loc=["body", "manager_id"])
    conv = Conversation(org_id=w.principal.org_id, created_at=w.now, **data)
    w.person(conv.employee_id, field="employee_id")
    w.person(conv.manager_id, field="manager_id")
    w.authorize(conv)
    items = [_new_item(w, conv, item, i) for i, item in enumerate(body.action_items)]
    w.save(conv, action="conversation.create", target_type="conversation",
           detail={"action_items": len(items)})
    w.session.flush()  # the conversation row first: action items point at it
    for item in items:
        w.save(item, action="action_item.create", target_type="action_item")
    w.commit()
    return conversation_public(conv, items)


@router.patch("/{conversation_id}", summary="Change a conversation")
def update_conversation(
    conversation_id: str, body: ConversationUpdate, w: WriterDep, pre: PreconditionDep
) -> ConversationPublic:
    """Change a conversation you may write (``If-Match`` optional)."""
    conv = _visible(w.session, w.principal, conversation_id)
    w.authorize(conv)
    pre.check(w.session, conv, lambda: conversation_public(conv, _items(w.session, w.principal, conv)))
    changes = body.changes()
    if "manager_id" in changes:
        if changes["manager_id"] == conv.employee_id:
            raise invalid("manager_id: the manager and the employee must be different people.",
                          loc=["body", "manager_id"])
        w.person(changes["manager_id"], field="manager_id")
    for name, value in changes.items():
        setattr(conv, name, value)
    w.authorize(conv)  # e.g. a manager may not hand a conversation to another manager
    w.save(conv, action="conversation.update", target_type="conversation", detail={"fields": sorted(changes)})
    w.commit()
    return conversation_public(conv, _items(w.session, w.principal, conv))


@router.post("/{conversation_id}/action-items", status_code=201, summary="Add an action item")
def create_action_item(conversation_id: str, body: ActionItemCreate, w: WriterDep) -> ActionItemPublic:
    """Add an action item to a conversation you may write."""
    conv = _visible(w.session, w.principal, conversation_id)
    item = _new_item(w, conv, body, None)
    w.save(item, action="action_item.create", target_type="action_item")
    w.commit()
    return ActionItemPublic.model_validate(item)


@router.patch("/{conversation_id}/action-items/{item_id}", summary="Change an action item (e.g. mark it done)")
def update_action_item(
    conversation_id: str, item_id: str, body: ActionItemUpdate, w: WriterDep, pre: PreconditionDep
) -> ActionItemPublic:
    """Change an action item you may write (``If-Match`` optional)."""
    conv = _visible(w.session, w.principal, conversation_id)
    item = next((i for i in _items(w.session, w.principal, conv) if i.id == item_id), None)
    if item is None:
        raise not_found("action item")
    w.authorize(item, conversation=conv)
    pre.check(w.session, item, lambda: ActionItemPublic.model_validate(item))
    changes = body.changes()
    if changes.get("owner_id") is not None:
        w.person(changes["owner_id"], field="owner_id")
    if changes.get("goal_id") is not None:
        check_goal(w, conv, changes["goal_id"], field="goal_id")
    if "done" in changes and changes["done"] != item.done:
        item.done_at = w.now if changes["done"] else None
    for name, value in changes.items():
        setattr(item, name, value)
    w.save(item, action="action_item.update", target_type="action_item", detail={"fields": sorted(changes)})
    w.commit()
    return ActionItemPublic.model_validate(item)
