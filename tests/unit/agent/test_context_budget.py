"""Gather's context budget: a long history yields a bounded prompt that keeps what matters (issue 9).

With 1,000 goals, conversations and feedback of one employee, the evidence holds at most
the documented number of records of each kind, the goal at risk and the overdue action item
are among them, and the human message sent to the model stays under a fixed size.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from agent import gather as gathering
from agent.prompts.data import human_message
from agent.schemas import AgendaRequest, DevelopmentRequest
from knowledge.models import ActionItem, Conversation, DevelopmentAction, DevStatus, Feedback, Goal, GoalStatus
from knowledge.queries import principal_for
from tests.world import NOW, World
from tools.context import CoachContext

HISTORY = 1000


def _long_history(engine: Engine, world: World) -> None:
    """1,000 of each kind, with ids that sort before the world's own records (the old page by id kept them)."""
    with Session(engine) as s:
        s.add_all([Conversation(id=f"conv_0{i:05d}", org_id=world.org_a, employee_id=world.employee,
                                manager_id=world.manager, held_at=NOW - timedelta(days=2 + i),
                                notes=f"Week {i}: on-call load.") for i in range(HISTORY)])
        s.flush()
        for i in range(HISTORY):
            at = NOW - timedelta(days=2 + i)
            s.add(Goal(id=f"goal_0{i:05d}", org_id=world.org_a, owner_person_id=world.employee,
                       title=f"Keep runbook {i} current", status=GoalStatus.done if i % 2 else GoalStatus.on_track,
                       updated_at=at, created_at=at))
            s.add(ActionItem(id=f"act_0{i:05d}", org_id=world.org_a, conversation_id=f"conv_0{i:05d}",
                             text=f"Follow up {i}", owner_id=world.employee))
            s.add(Feedback(id=f"fb_0{i:05d}", org_id=world.org_a, giver_id=world.giver, recipient_id=world.employee,
                           text=f"Clear write-up {i}.", created_at=at))
            s.add(DevelopmentAction(id=f"dev_0{i:05d}", org_id=world.org_a, person_id=world.employee,
                                    title=f"Course {i}", status=DevStatus.done))
        s.commit()


def _ctx(engine: Engine, world: World) -> CoachContext:
    with Session(engine) as s:
        manager = principal_for(s, org_id=world.org_a, person_id=world.manager)
    assert manager is not None
    return CoachContext(principal=manager, engine=engine, now=NOW)


def test_agenda_context_is_bounded_and_keeps_the_goal_at_risk_and_the_item_due(
    sqlite_engine: Engine, world: World
) -> None:
    small = gathering.gather("agenda", AgendaRequest(employee_id=world.employee), _ctx(sqlite_engine, world))
    small_prompt = human_message(AgendaRequest(employee_id=world.employee), small, language_name="English")
    _long_history(sqlite_engine, world)

    request = AgendaRequest(employee_id=world.employee)
    evidence = gathering.gather("agenda", request, _ctx(sqlite_engine, world))

    assert len(evidence.goals) == gathering.GOALS
    assert evidence.goals[0].id == world.goal  # at risk ranks above 500 goals on track
    assert all(g.status != "done" for g in evidence.goals)  # open goals before done ones
    assert len(evidence.open_action_items) == gathering.OPEN_ACTION_ITEMS
    assert evidence.open_action_items[0].id == world.action_item  # the only one with a due date
    assert len(evidence.conversations) == gathering.CONVERSATIONS
    assert len(evidence.feedback) <= gathering.FEEDBACK
    assert "fb_000000" in {f.id for f in evidence.feedback}  # the newest of the history
    assert len(evidence.development_actions) == gathering.DEVELOPMENT_ACTIONS
    assert evidence.development_actions[0].id == world.development_action  # planned before done

    prompt = human_message(request, evidence, language_name="English")
    assert world.goal in prompt and world.action_item in prompt
    assert prompt.count("<goal ") <= gathering.GOALS + gathering.PARENT_GOALS
    # 4,000 more records add a bounded amount of text (the capped records), not thousands of them.
    assert len(prompt) < len(small_prompt) + 5_000


def test_development_context_is_bounded_too(sqlite_engine: Engine, world: World) -> None:
    _long_history(sqlite_engine, world)
    evidence = gathering.gather("development", DevelopmentRequest(employee_id=world.employee),
                                _ctx(sqlite_engine, world))
    assert [g.id for g in evidence.goals][:1] == [world.goal]
    assert len(evidence.goals) == gathering.GOALS
    assert len(evidence.development_actions) == gathering.DEVELOPMENT_ACTIONS
    assert len(evidence.feedback) == gathering.FEEDBACK


def test_open_items_due_first_then_newest(sqlite_engine: Engine, world: World) -> None:
    with Session(sqlite_engine) as s:
        for i, due in enumerate([None, date(2026, 12, 20), date(2026, 11, 1)]):
            conv = Conversation(id=f"conv_x{i}", org_id=world.org_a, employee_id=world.employee,
                                manager_id=world.manager, held_at=NOW - timedelta(days=10 - i))
            s.add(conv)
            s.flush()
            s.add(ActionItem(id=f"act_x{i}", org_id=world.org_a, conversation_id=conv.id, text=f"Item {i}", due=due))
        s.commit()
    evidence = gathering.gather("agenda", AgendaRequest(employee_id=world.employee), _ctx(sqlite_engine, world))
    order = [a.id for a in evidence.open_action_items]
    # overdue (1 Nov), 5 Dec (the world's item), 20 Dec; then the undated ones, newest conversation first
    assert order == ["act_x2", world.action_item, "act_x1", world.private_action_item, "act_x0"]


def test_an_item_carries_its_conversations_employee_and_date(sqlite_engine: Engine, world: World) -> None:
    held = NOW - timedelta(days=3)
    with Session(sqlite_engine) as s:  # the conversation and its item in one transaction, as the API writes them
        s.add(Conversation(id="conv_copy", org_id=world.org_a, employee_id=world.employee, manager_id=world.manager,
                           held_at=held))
        s.flush()
        s.add(ActionItem(id="act_copy", org_id=world.org_a, conversation_id="conv_copy", text="Send the plan"))
        s.commit()
        item = s.get(ActionItem, "act_copy")
        assert item is not None and item.employee_id == world.employee and item.conversation_held_at == held


def test_the_open_items_are_read_from_their_index_whatever_the_history(sqlite_engine: Engine, world: World) -> None:
    from sqlalchemy import event

    from knowledge import ranked

    _long_history(sqlite_engine, world)
    ctx = _ctx(sqlite_engine, world)
    ran: list[tuple[str, object]] = []

    def seen(_conn: object, _cursor: object, statement: str, parameters: object, *_: object) -> None:
        ran.append((statement, parameters))

    event.listen(sqlite_engine, "before_cursor_execute", seen)
    try:
        with Session(sqlite_engine) as s:
            items = ranked.top_open_action_items(s, principal=ctx.principal, employee_id=world.employee, limit=10)
    finally:
        event.remove(sqlite_engine, "before_cursor_execute", seen)
    assert len(items) == 10 and items[0][0].id == world.action_item  # the dated one, then the newest undated
    assert len(ran) == 2  # the dated items, then the undated ones
    with sqlite_engine.connect() as conn:
        for statement, parameters in ran:
            plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement,
                                                                         parameters))  # type: ignore[arg-type]
            # An index range read of the employee's open items, not a walk of all 1,000 conversations.
            assert "USING INDEX ix_actionitem_employee_open" in plan, plan
            assert "ix_conversation_org_employee_held" not in plan, plan
