"""The audit of a task run marks private records from what the run read, and reads nothing again (issue 9)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, event
from sqlmodel import Session, col, select

from agent import task_service
from agent.schemas import AgendaRequest
from agent.service import Coach
from knowledge.demo import DEMO_ORG_ID, demo_person_id
from knowledge.models import Conversation, Feedback, FeedbackKind, Visibility
from knowledge.policy import Principal
from knowledge.service_models import AuditEvent
from knowledge.settings import Settings
from tests.conftest import NOW


async def test_private_records_are_marked_and_the_audit_only_writes(
    offline_settings: Settings, demo_engine: Engine, principal_of: Callable[[str], Principal], monkeypatch: Any,
) -> None:
    priya, liam = demo_person_id("priya"), demo_person_id("liam")
    with Session(demo_engine) as session:
        private_note = Feedback(org_id=DEMO_ORG_ID, giver_id=demo_person_id("ana"), recipient_id=liam,
                                kind=FeedbackKind.constructive, text="Kept for the manager: late release notes.",
                                visibility=Visibility.private_to_manager, created_at=NOW - timedelta(hours=1))
        shared = Feedback(org_id=DEMO_ORG_ID, giver_id=priya, recipient_id=liam, kind=FeedbackKind.praise,
                          text="The incident review was calm and clear.", created_at=NOW - timedelta(hours=2))
        session.add_all([private_note, shared])
        session.commit()
        private_id, shared_id = private_note.id, shared.id
        private = set(session.exec(select(Conversation.id).where(
            Conversation.employee_id == liam, Conversation.visibility == Visibility.private_to_manager)).all())
        private |= set(session.exec(select(Feedback.id).where(
            Feedback.recipient_id == liam, Feedback.visibility == Visibility.private_to_manager)).all())

    statements: list[str] = []
    auditing = threading.local()

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if getattr(auditing, "on", False):
            statements.append(statement.split()[0].upper())

    original = task_service.TaskService._audit_run

    def audit(self: Any, *args: Any, **kwargs: Any) -> None:
        auditing.on = True
        try:
            original(self, *args, **kwargs)
        finally:
            auditing.on = False

    monkeypatch.setattr(task_service.TaskService, "_audit_run", audit)
    event.listen(demo_engine, "before_cursor_execute", seen)
    try:
        async with Coach(settings=offline_settings, engine=demo_engine, store=None) as coach:
            await coach.run("agenda", AgendaRequest(employee_id=liam), principal=principal_of("priya"), now=NOW)
    finally:
        event.remove(demo_engine, "before_cursor_execute", seen)

    assert statements and "SELECT" not in statements, statements  # one INSERT (and the commit), no reads
    with Session(demo_engine) as session:
        [run] = session.exec(select(AuditEvent).where(AuditEvent.action == "coach.run")
                             .order_by(col(AuditEvent.at))).all()
    flags = {r["id"]: r["private"] for r in run.detail["records"]}
    assert flags[private_id] is True and flags[shared_id] is False
    assert {i for i, private in flags.items() if private} == private & set(flags)
