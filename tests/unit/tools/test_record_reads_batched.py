"""Gather's record reads are batched: a fixed number of statements, not one per row (issue 9).

Before, the action items of each listed conversation were one statement each, and every
feedback giver was looked up on their own. The views must not change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event
from sqlmodel import Session

from knowledge.demo import demo_person_id
from knowledge.policy import Principal
from tools import records


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_conversations_and_their_items_are_two_statements(
    demo_engine: Engine, principal_of: Callable[[str], Principal],
) -> None:
    femke, daan = principal_of("femke"), demo_person_id("daan")
    with Session(demo_engine) as session, statements(demo_engine) as seen:
        convs = records.recent_conversations(session, principal=femke, employee_id=daan, limit=3)
    assert len(convs) == 3 and any(c.action_items for c in convs)
    assert len(seen) == 2, seen
    with Session(demo_engine) as session:  # the same views as one read per conversation
        for conv in convs:
            from knowledge import queries

            one = queries.list_action_items(session, principal=femke, conversation_id=conv.id)
            assert [a.id for a in conv.action_items] == [item.id for item, _ in one]


def test_feedback_givers_are_read_in_one_statement(
    demo_engine: Engine, principal_of: Callable[[str], Principal],
) -> None:
    femke, daan = principal_of("femke"), demo_person_id("daan")
    with Session(demo_engine) as session, statements(demo_engine) as seen:
        views = records.recent_feedback(session, principal=femke, recipient_id=daan, limit=8)
    givers = {v.giver_name for v in views if v.giver_name}
    assert len(givers) >= 2, "the demo has feedback on Daan from several people"
    assert len(seen) <= 2, seen
    anonymous = [v for v in views if v.anonymous]
    assert all(v.giver_name is None for v in anonymous)
