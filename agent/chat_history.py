"""Threads for stateless chat clients: a message history finds the coach thread it continues.

OpenAI-compatible clients (and the chat front-ends built on them) resend the whole
conversation with every request. The coach keeps its own thread (memory, tool results) in the
checkpointer, so each answered turn links a hash of ``(principal, history so far)`` to the
thread; the next request, whose history ends with that turn, finds the thread again. A history
the coach has not seen (edited, or from another client) starts a new thread. Only hashes are
stored, never texts, and a principal only ever finds its own threads.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, delete

from agent.threads import owned_thread
from knowledge.db import session_scope
from knowledge.policy import Principal
from knowledge.service_models import ChatHistoryLink

Turn = tuple[str, str]
"""One message of a history: ``(role, text)``, role ``user`` or ``assistant``."""


def history_key(principal: Principal, history: Sequence[Turn]) -> str:
    """The hash naming ``history`` as seen by ``principal`` (white space at the ends ignored)."""
    who = [principal.org_id, principal.person_id, principal.service]
    turns = [[role, " ".join(text.split())] for role, text in history]
    blob = json.dumps([who, turns], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def find_thread(engine: Engine, *, principal: Principal, history: Sequence[Turn]) -> str | None:
    """The id of ``principal``'s thread that ``history`` continues; None for a new conversation."""
    if not history:
        return None
    with Session(engine) as session:
        link = session.get(ChatHistoryLink, history_key(principal, history))
        if link is None:
            return None
        thread = owned_thread(session, principal=principal, thread_id=link.thread_id)
        return thread.id if thread is not None else None


def link_thread(engine: Engine, *, principal: Principal, history: Sequence[Turn], thread_id: str,
                now: datetime) -> None:
    """Remember that ``history`` (ending with the coach's reply) continues ``thread_id``."""
    key = history_key(principal, history)
    with session_scope(engine) as session:
        if session.get(ChatHistoryLink, key) is None:
            session.add(ChatHistoryLink(key=key, thread_id=thread_id, created_at=now))


def unlink_threads(session: Session, thread_ids: Sequence[str]) -> None:
    """Forget every history link of these threads (they are being deleted)."""
    if thread_ids:
        session.exec(delete(ChatHistoryLink).where(col(ChatHistoryLink.thread_id).in_(list(thread_ids))))  # type: ignore[call-overload]
