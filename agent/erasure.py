"""Erasure of a person: their records in one transaction, then the data derived from them.

Deleted: their individual goals, conversations in which they are the employee (with action
items), feedback they gave or received, development actions and API keys. Kept, with the
reference to them removed: reports' ``manager_id``, teams' ``manager_id``, action items they
owned in others' conversations, team/organisation goals they owned. A person who still is the
manager of someone else's conversations cannot be erased (:class:`ErasureBlocked`) until those
conversations get another ``manager_id``: they are the reports' history.

Derived data (search vectors of their records, chat threads) is erased after the records
commit; if that fails (:class:`DerivedDataPending`), repeating the erasure finishes it:
:func:`was_erased` tells a repeat from an unknown id. The HTTP route is ``DELETE
/v1/people/{id}`` (:mod:`api.routes.people`); authorisation (HR only, never oneself) is
checked there, before anything here runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from sqlmodel import Session, SQLModel, col, select

from knowledge.audit import erased_ref, scrub_person
from knowledge.idempotency import forget_person
from knowledge.index import remove_person
from knowledge.models import ActionItem, Conversation, DevelopmentAction, Feedback, Goal, GoalLevel, Person, Team
from knowledge.offload import run_sync
from knowledge.purge import LocalFiles, compact_local_files
from knowledge.service_models import ApiKey, AuditEvent
from knowledge.store import Store

log = logging.getLogger(__name__)

ERASE_ACTION = "person.erase"
"""The audit action of an erasure (its detail holds counts, never texts)."""

M = TypeVar("M", bound=SQLModel)


class ErasureBlocked(Exception):
    """The person still manages other people's conversations; nothing was deleted."""

    def __init__(self, conversations: int) -> None:
        self.conversations = conversations
        super().__init__(f"the person is the manager of {conversations} conversation(s) of other people")


class DerivedDataPending(Exception):
    """The records are erased, but search vectors or chat threads are not yet: repeat the erasure."""


class ThreadEraser(Protocol):
    """What erasure needs of the chat service (:class:`agent.service.Coach`)."""

    async def delete_threads_of(self, *, org_id: str, person_id: str) -> int:
        """Delete every chat thread of the person; returns how many."""
        ...


class Auditor(Protocol):
    """Writes an audit event for the acting principal (:class:`api.deps.RecordWriter`)."""

    def audit(self, *, action: str, target_type: str, target_id: str | None,
              detail: dict[str, Any] | None = None) -> None:
        """Record one audit event as the acting principal."""
        ...


def was_erased(session: Session, *, org_id: str, person_id: str) -> bool:
    """Whether ``person_id`` of ``org_id`` was erased before (its audit event exists)."""
    return session.exec(
        select(AuditEvent.id).where(
            AuditEvent.org_id == org_id, AuditEvent.action == ERASE_ACTION,
            col(AuditEvent.target_id).in_([person_id, erased_ref(org_id, person_id)]),
        )
    ).first() is not None


def erase_records(session: Session, person: Person, *, auditor: Auditor) -> dict[str, int]:
    """Delete or unlink every record of ``person`` and stage the audit event; the caller commits.

    Raises :class:`ErasureBlocked` before changing anything. Returns the counts (as audited).
    """
    pid, org_id = person.id, person.org_id

    def rows(model: type[M], *where: Any) -> list[M]:
        return list(session.exec(select(model).where(model.org_id == org_id, *where)).all())  # type: ignore[attr-defined]

    led = rows(Conversation, Conversation.manager_id == pid, Conversation.employee_id != pid)
    if led:
        raise ErasureBlocked(len(led))
    goals = rows(Goal, Goal.level == GoalLevel.individual, Goal.owner_person_id == pid)
    goal_ids = {g.id for g in goals}
    conversations = rows(Conversation, Conversation.employee_id == pid)
    conv_ids = {c.id for c in conversations}
    items = rows(ActionItem, col(ActionItem.conversation_id).in_(conv_ids)) if conv_ids else []
    feedback = rows(Feedback, (Feedback.giver_id == pid) | (Feedback.recipient_id == pid))
    actions = rows(DevelopmentAction, DevelopmentAction.person_id == pid)
    keys = rows(ApiKey, ApiKey.person_id == pid)

    # First cut every reference to what goes (row by row: the record index follows ORM
    # changes, not bulk statements), then delete children before parents.
    unlink: list[tuple[object, str]] = [
        *((p, "manager_id") for p in rows(Person, Person.manager_id == pid)),
        *((t, "manager_id") for t in rows(Team, Team.manager_id == pid)),
        *((a, "owner_id") for a in rows(ActionItem, ActionItem.owner_id == pid)),
        *((g, "owner_person_id") for g in rows(Goal, Goal.owner_person_id == pid) if g.id not in goal_ids),
    ]
    if goal_ids:
        unlink += [(g, "parent_id") for g in rows(Goal, col(Goal.parent_id).in_(goal_ids))]
        unlink += [(a, "goal_id") for a in rows(DevelopmentAction, col(DevelopmentAction.goal_id).in_(goal_ids))]
        unlink += [(a, "goal_id") for a in rows(ActionItem, col(ActionItem.goal_id).in_(goal_ids))
                   if a.conversation_id not in conv_ids]
    for record, attr in unlink:
        setattr(record, attr, None)
        session.add(record)
    session.flush()
    for batch in (items, [*conversations, *feedback, *actions, *keys], goals, [person]):
        for record in batch:
            session.delete(record)
        session.flush()
    counts = {
        "goals": len(goals), "conversations": len(conversations), "action_items": len(items),
        "feedback": len(feedback), "development_actions": len(actions), "api_keys": len(keys),
        "unlinked": len(unlink),
        "idempotency_records": forget_person(session, org_id=org_id, person_id=pid),
    }
    erased_ids = [*(g.id for g in goals), *(c.id for c in conversations), *(i.id for i in items),
                  *(f.id for f in feedback), *(a.id for a in actions), *(k.id for k in keys)]
    counts["audit_events_scrubbed"] = scrub_person(session, org_id=org_id, person_id=pid, record_ids=erased_ids)
    auditor.audit(action=ERASE_ACTION, target_type="person", target_id=erased_ref(org_id, pid), detail=counts)
    return counts


ForgetHook = Callable[[str, str], None]
"""``hook(org_id, person_id)``: forgets what another part keeps about a person (e.g. the rate
limiter's counters keyed by principal). Register it in ``app.state.erasure_hooks``."""


async def erase_derived(
    store: Store,
    threads: ThreadEraser,
    *,
    org_id: str,
    person_id: str,
    files: LocalFiles | None = None,
    hooks: Sequence[ForgetHook] = (),
) -> None:
    """Remove what was derived from the person's records, after the records are erased.

    Remove the person's search vectors, chat threads and everything else derived (after the
    records are erased): ``hooks`` run (rate-limit keys ...), then the local files are purged
    and compacted (Chroma's log, SQLite free pages and WAL: :mod:`knowledge.purge`).

    Raises :class:`DerivedDataPending` when the store or the checkpointer cannot do it now.
    """

    def live(vector_ids: list[str]) -> set[str]:
        return {c.id for c in store.get("records", ids=vector_ids)} if vector_ids else set()

    try:
        await run_sync(remove_person, store, org_id=org_id, person_id=person_id)
        await threads.delete_threads_of(org_id=org_id, person_id=person_id)
        for hook in hooks:
            await run_sync(hook, org_id, person_id)
        if files is not None:
            await run_sync(compact_local_files, files, person_id=person_id, live=live)
    except Exception as exc:  # the store or checkpointer is down: the client must retry
        log.error("erase of %s: records erased, derived data not (%s)", person_id, type(exc).__name__)
        raise DerivedDataPending(person_id) from exc
