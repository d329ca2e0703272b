"""The audit log of coach calls, and its two readers: the person it is about, and HR.

Every coach task run leaves one :class:`~knowledge.service_models.AuditEvent` with ``action =
"coach.run"`` (every finished chat turn ``"coach.chat"`` events: :func:`record_chat_turn`),
``target_type = "person"`` and ``target_id`` = the person the run was about
(the employee of an agenda or development run, else the caller). Its ``detail`` holds who
called (``actor``), the task, the ids and types of the records sent to the model (each
marked ``private`` when it is a manager-private note), how many guidance passages, the
engine and model, the prompt version and the token counts. Never any text of a record, a
request or an answer: the log can be exported and kept for years (record-keeping under the
EU AI Act, access requests under the GDPR) without becoming a second copy of the HR data.

* :func:`record_coach_run` writes the event (commits);
* :func:`record_chat_turn` writes the events of one chat turn (commits);
* :func:`coach_activity_about` lists the runs and chat turns about a person, as that person may see them:
  their own records listed, manager-private notes only counted;
* :func:`export_events` yields an organisation's whole audit log, for HR.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, insert, or_
from sqlmodel import Session, col, select

from knowledge.columns import new_id
from knowledge.models import Conversation, Feedback, Visibility
from knowledge.service_models import AuditEvent

COACH_RUN = "coach.run"
COACH_CHAT = "coach.chat"
"""A chat turn whose tools sent records to the model (or, with none, the caller's turn)."""
RECORD_TYPES = frozenset({"goal", "conversation", "action_item", "feedback", "development_action"})


@dataclass(frozen=True, slots=True)
class Tokens:
    """Token counts of one coach run, as the model reported them."""

    input: int = 0
    output: int = 0

    @property
    def total(self) -> int:
        """Input and output tokens together."""
        return self.input + self.output


def _private_ids(session: Session, records: Sequence[tuple[str, str]]) -> set[str]:
    """Which of these conversations and feedback records are private to the manager."""
    conv_ids = [i for t, i in records if t == "conversation"]
    fb_ids = [i for t, i in records if t == "feedback"]
    private: set[str] = set()
    if conv_ids:
        private |= set(session.exec(select(Conversation.id).where(
            col(Conversation.id).in_(conv_ids), Conversation.visibility == Visibility.private_to_manager)).all())
    if fb_ids:
        private |= set(session.exec(select(Feedback.id).where(
            col(Feedback.id).in_(fb_ids), Feedback.visibility == Visibility.private_to_manager)).all())
    return private


def record_coach_run(
    engine: Engine,
    *,
    org_id: str,
    actor: str,
    subject_id: str | None,
    task: str,
    records: Iterable[tuple[str, str]],
    guidance: int,
    engine_name: str,
    model: str | None,
    prompt_version: str,
    degraded: bool,
    tokens: Tokens,
    at: datetime,
    private: Collection[str],
) -> str:
    """Write the audit event of one coach run; returns its id. ``records`` are (type, id) pairs.

    ``private``: which of them are private to the manager, as the run read them (gather's
    evidence knows; reading them again cost every run two statements, issue 9).
    """
    pairs = sorted({(t, i) for t, i in records if t in RECORD_TYPES})
    event_id = new_id("aud")
    # One INSERT, no ORM object: the unit of work (add, flush, commit, the object's state) cost
    # a run three times the statement itself (issue 9). The columns' types still apply.
    with engine.begin() as connection:
        connection.execute(_INSERT_EVENT, {
            "id": event_id, "org_id": org_id, "actor": actor, "action": COACH_RUN, "target_type": "person",
            "target_id": subject_id, "at": at,
            "detail": {
                "task": task,
                "records": [{"type": t, "id": i, "private": i in private} for t, i in pairs],
                "guidance_passages": guidance,
                "engine": engine_name,
                "model": model,
                "prompt_version": prompt_version,
                "degraded": degraded,
                "tokens": {"input": tokens.input, "output": tokens.output, "total": tokens.total},
            },
        })
    return event_id


_INSERT_EVENT = insert(AuditEvent.__table__)  # type: ignore[attr-defined]


def record_chat_turn(
    engine: Engine,
    *,
    org_id: str,
    actor: str,
    caller_id: str | None,
    thread_id: str,
    turn_id: str,
    tools: Sequence[str],
    records: Iterable[tuple[str, str, str]],
    engine_name: str,
    model: str | None,
    degraded: bool,
    tokens: Tokens,
    at: datetime,
) -> list[str]:
    """Write the audit events of one finished chat turn; returns their ids.

    ``records`` are (person id, type, id) of the records the turn's tools sent to the model.
    One event per person whose records went to the model (so each of them finds it in their
    activity), or one about the caller when none did. Every event of a turn carries the same
    ``turn_id``, thread id, tool names, engine, model and the turn's token counts (once per
    turn: group by ``turn_id`` before summing). Never a text.
    """
    by_person: dict[str | None, set[tuple[str, str]]] = {}
    for person, kind, record_id in records:
        if kind in RECORD_TYPES:
            by_person.setdefault(person, set()).add((kind, record_id))
    if not by_person:
        by_person[caller_id] = set()
    ids: list[str] = []
    with Session(engine) as session:
        for about, found in by_person.items():
            pairs = sorted(found)
            private = _private_ids(session, pairs)
            event = AuditEvent(
                org_id=org_id, actor=actor, action=COACH_CHAT, target_type="person", target_id=about,
                detail={
                    "task": "chat", "thread_id": thread_id, "turn_id": turn_id, "tools": list(tools),
                    "records": [{"type": t, "id": i, "private": i in private} for t, i in pairs],
                    "engine": engine_name, "model": model, "degraded": degraded,
                    "tokens": {"input": tokens.input, "output": tokens.output, "total": tokens.total},
                },
                at=at,
            )
            session.add(event)
            ids.append(str(event.id))
        session.commit()
    return ids


def coach_activity_about(
    session: Session, *, org_id: str, person_id: str, before: tuple[datetime, str] | None = None, limit: int = 50
) -> list[AuditEvent]:
    """The coach runs and chat turns about ``person_id``, newest first.

    ``before`` = (at, id) of the last one seen.
    """
    stmt = select(AuditEvent).where(
        AuditEvent.org_id == org_id, col(AuditEvent.action).in_((COACH_RUN, COACH_CHAT)),
        AuditEvent.target_type == "person", AuditEvent.target_id == person_id,
    )
    if before is not None:
        at, event_id = before
        stmt = stmt.where(or_(col(AuditEvent.at) < at, and_(col(AuditEvent.at) == at, col(AuditEvent.id) < event_id)))
    stmt = stmt.order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc()).limit(limit)
    return list(session.exec(stmt).all())


def visible_activity(event: AuditEvent) -> dict[str, Any]:
    """One run as the person it is about sees it: their records, private notes only counted."""
    detail = event.detail or {}
    records = [r for r in detail.get("records", []) if isinstance(r, dict)]
    return {
        "id": event.id,
        "at": event.at,
        "asked_by": event.actor,
        "task": detail.get("task"),
        "tools": [str(name) for name in detail.get("tools", [])],
        "engine": detail.get("engine"),
        "model": detail.get("model"),
        "prompt_version": detail.get("prompt_version"),
        "records": [{"type": r["type"], "id": r["id"]} for r in records if not r.get("private")],
        "private_records": sum(1 for r in records if r.get("private")),
    }


def export_events(
    session: Session, *, org_id: str, since: datetime | None = None, until: datetime | None = None,
    batch: int = 500,
) -> Iterator[AuditEvent]:
    """Every audit event of ``org_id`` (optionally within [since, until)), oldest first, in batches."""
    last: tuple[datetime, str] | None = None
    while True:
        stmt = select(AuditEvent).where(AuditEvent.org_id == org_id)
        if since is not None:
            stmt = stmt.where(col(AuditEvent.at) >= since)
        if until is not None:
            stmt = stmt.where(col(AuditEvent.at) < until)
        if last is not None:
            stmt = stmt.where(or_(col(AuditEvent.at) > last[0], and_(col(AuditEvent.at) == last[0],
                                                                      col(AuditEvent.id) > last[1])))
        rows = list(session.exec(stmt.order_by(col(AuditEvent.at), col(AuditEvent.id)).limit(batch)).all())
        yield from rows
        if len(rows) < batch:
            return
        last = (rows[-1].at, rows[-1].id)


def event_json(event: AuditEvent) -> dict[str, Any]:
    """An audit event as one line of an export."""
    return {
        "id": event.id, "at": event.at.isoformat(), "org_id": event.org_id, "actor": event.actor,
        "action": event.action, "target_type": event.target_type, "target_id": event.target_id,
        "detail": event.detail,
    }


ERASED = "erased"
"""What an erased person's id becomes in the audit log: the fact of each action stays."""


def erased_ref(org_id: str, person_id: str) -> str:
    """The pseudonym of an erased person, as kept in their erasure event.

    The pseudonym of an erased person in their erasure event (lets a repeated erasure be
    recognised without keeping the id).
    """
    import hashlib

    return "erased:" + hashlib.sha256(f"{org_id}:{person_id}".encode()).hexdigest()[:24]


def _scrub(value: Any, person_id: str) -> Any:
    if isinstance(value, str):
        return value.replace(person_id, ERASED)
    if isinstance(value, list):
        return [_scrub(v, person_id) for v in value]
    if isinstance(value, dict):
        return {k.replace(person_id, ERASED): _scrub(v, person_id) for k, v in value.items()}
    return value


def scrub_person(session: Session, *, org_id: str, person_id: str, record_ids: Iterable[str] = ()) -> int:
    """Remove every trace of ``person_id`` from the organisation's audit log.

    Remove ``person_id`` from the organisation's audit log: as actor (also a service acting
    for them), as target and inside details. Events about ``record_ids`` (the records erased
    with them) lose their actor too: that is the link between a giver and their anonymous
    feedback. Flushes; returns how many events changed.
    """
    erased_records = set(record_ids)
    changed = 0
    rows = session.exec(select(AuditEvent).where(AuditEvent.org_id == org_id)).all()
    for event in rows:
        detail = event.detail or {}
        before = (event.actor, event.target_id, detail)
        actor = event.actor.replace(person_id, ERASED)
        if event.target_id in erased_records:
            actor = ERASED
        target = ERASED if event.target_id == person_id else event.target_id
        new_detail = _scrub(detail, person_id) if person_id in json.dumps(detail, default=str) else detail
        if (actor, target, new_detail) != before:
            event.actor, event.target_id, event.detail = actor, target, new_detail
            session.add(event)
            changed += 1
    session.flush()
    return changed
