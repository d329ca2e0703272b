"""The records an eval run works on: the demo organisation plus each case's inline fixtures.

One run gets one fresh database. The demo organisation is seeded into it once; every case
with inline ``fixtures`` gets an organisation of its own, so no case can see another's
records. All ids are stable (``stable_id``), and all dates derive from one fixed ``now``:
two runs of the same dataset see identical records, which is what makes recorded model
responses replayable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from sqlalchemy import Engine
from sqlmodel import Session

from agent.schemas import (
    AgendaRequest,
    DevelopmentRequest,
    FeedbackRequest,
    NotesRequest,
    Request,
    ReviewRequest,
    SmartGoalRequest,
    Task,
)
from evals.dataset import (
    AgendaInput,
    Case,
    DevelopmentInput,
    FeedbackInput,
    Fixtures,
    NotesInput,
    ReviewInput,
    SmartGoalInput,
)
from knowledge.columns import stable_id
from knowledge.db import session_scope
from knowledge.demo import demo_id, demo_spec, seed_demo
from knowledge.demo.seed import PREFIXES
from knowledge.migrations import upgrade
from knowledge.models import (
    ActionItem,
    Conversation,
    ConversationKind,
    DevCategory,
    DevelopmentAction,
    DevStatus,
    Feedback,
    FeedbackKind,
    Goal,
    GoalLevel,
    GoalStatus,
    Organization,
    Person,
    Role,
    Team,
    Visibility,
)
from knowledge.policy import Principal
from knowledge.queries import principal_for

EVAL_NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
"""The fixed `now` of every eval run: demo dates and recorded responses depend on it."""


class UnknownKey(KeyError):
    """A case refers to a record key its organisation does not have."""


@dataclass(frozen=True, slots=True)
class CaseOrg:
    """One organisation as a case sees it: its id and its record keys -> ids and kinds."""

    org_id: str
    ids: Mapping[str, str]
    kinds: Mapping[str, str]

    def id_of(self, key: str) -> str:
        """The id of the record with YAML key ``key`` (a readable error for an unknown key)."""
        try:
            return self.ids[key]
        except KeyError:
            raise UnknownKey(f"no record with key {key!r} in this organisation") from None

    def key_of(self, record_id: str) -> str | None:
        """The key of a record id (for readable reports), or None."""
        return _reverse(self.ids).get(record_id)


@lru_cache(maxsize=64)
def _reverse_cached(items: tuple[tuple[str, str], ...]) -> dict[str, str]:
    return {v: k for k, v in items}


def _reverse(ids: Mapping[str, str]) -> dict[str, str]:
    return _reverse_cached(tuple(sorted(ids.items())))


def demo_org() -> CaseOrg:
    """Every key of ``knowledge/demo/org.yaml`` with its stable id and kind."""
    spec = demo_spec()
    pairs: list[tuple[str, str]] = [("team", t.key) for t in spec.teams]
    pairs += [("person", p.key) for p in spec.people]
    pairs += [("goal", g.key) for g in spec.goals]
    for c in spec.conversations:
        pairs.append(("conversation", c.key))
        pairs += [("action_item", a.key) for a in c.actions]
    pairs += [("feedback", f.key) for f in spec.feedback]
    pairs += [("development_action", d.key) for d in spec.development_actions]
    ids = {key: demo_id(PREFIXES[kind], key) for kind, key in pairs}
    kinds = dict((key, kind) for kind, key in pairs)
    for role, key in spec.roles.items():  # role names ("platform_manager") resolve too
        if key in ids:
            ids.setdefault(role, ids[key])
            kinds.setdefault(role, kinds[key])
    return CaseOrg(org_id=demo_id(PREFIXES["org"], spec.org.key), ids=ids, kinds=kinds)


def fixture_org_id(case_id: str) -> str:
    """The stable id of the inline organisation of case ``case_id``."""
    return stable_id("org", "eval", case_id)


def _fid(case_id: str, kind: str, key: str) -> str:
    return stable_id(PREFIXES[kind], "eval", case_id, key)


def fixture_org(case_id: str, fixtures: Fixtures) -> CaseOrg:
    """Keys -> ids of a case's inline fixtures (the same ids :func:`create_fixtures` writes)."""
    kinds = fixtures.keys()
    ids = {key: _fid(case_id, kind, key) for key, kind in kinds.items()}
    return CaseOrg(org_id=fixture_org_id(case_id), ids=ids, kinds=kinds)


def create_fixtures(session: Session, case_id: str, fixtures: Fixtures, *, now: datetime) -> CaseOrg:
    """Write a case's fixtures as an organisation of its own. Only flushes; the caller commits."""
    org = fixture_org(case_id, fixtures)
    ids = org.ids
    today = now.date()

    def due(days: int | None) -> date | None:
        return None if days is None else today + timedelta(days=days)

    slug = f"eval-{org.org_id.split('_', 1)[1][:20]}"
    session.add(Organization(id=org.org_id, slug=slug, name=f"Eval case {case_id}", created_at=now))
    team_id = stable_id("team", "eval", case_id, "team")
    session.add(Team(id=team_id, org_id=org.org_id, name="Team", created_at=now))
    session.flush()
    # Managers before their reports (foreign keys point backwards).
    pending = list(fixtures.people)
    while pending:
        ready = [p for p in pending if p.manager is None or p.manager not in {q.key for q in pending}]
        if not ready:
            raise ValueError(f"case {case_id}: the fixtures' managers form a cycle")
        for p in ready:
            session.add(
                Person(
                    id=ids[p.key],
                    org_id=org.org_id,
                    name=p.name,
                    email=f"{p.key}@{slug}.example",
                    role=Role(p.role),
                    manager_id=ids[p.manager] if p.manager else None,
                    team_id=team_id,
                    language=p.language,
                    job_title=p.job_title,
                    created_at=now - timedelta(days=365),
                )
            )
            pending.remove(p)
        session.flush()
    goal_keys = {g.key for g in fixtures.goals}
    written: set[str] = set()
    while len(written) < len(goal_keys):
        before = len(written)
        for g in fixtures.goals:
            if g.key in written or (g.parent is not None and g.parent not in written):
                continue
            session.add(
                Goal(
                    id=ids[g.key],
                    org_id=org.org_id,
                    level=GoalLevel(g.level),
                    owner_person_id=ids[g.owner] if g.owner else None,
                    owner_team_id=team_id if g.level == "team" else None,
                    parent_id=ids[g.parent] if g.parent else None,
                    title=g.title,
                    description=g.description,
                    key_results=[kr.model_dump() for kr in g.key_results],
                    progress=g.progress,
                    status=GoalStatus(g.status),
                    start_date=today - timedelta(days=60),
                    due_date=due(g.due_in_days),
                    created_at=now - timedelta(days=60),
                    updated_at=now - timedelta(days=7),
                )
            )
            written.add(g.key)
        if len(written) == before:
            raise ValueError(f"case {case_id}: the fixtures' goal parents form a cycle")
        session.flush()
    for c in fixtures.conversations:
        held = now - timedelta(days=c.days_ago)
        session.add(
            Conversation(
                id=ids[c.key],
                org_id=org.org_id,
                kind=ConversationKind(c.kind),
                employee_id=ids[c.employee],
                manager_id=ids[c.manager],
                held_at=held,
                notes=c.notes,
                visibility=Visibility.private_to_manager if c.private_to_manager else Visibility.shared,
                employee_topics=list(c.employee_topics),
                created_at=held,
            )
        )
        session.flush()
        for a in c.action_items:
            session.add(
                ActionItem(
                    id=ids[a.key],
                    org_id=org.org_id,
                    conversation_id=ids[c.key],
                    text=a.text,
                    owner_id=ids[a.owner] if a.owner else None,
                    due=due(a.due_in_days),
                    done=a.done,
                    done_at=held if a.done else None,
                    created_at=held,
                )
            )
    for f in fixtures.feedback:
        session.add(
            Feedback(
                id=ids[f.key],
                org_id=org.org_id,
                giver_id=ids[f.giver] if f.giver else None,
                recipient_id=ids[f.recipient],
                kind=FeedbackKind(f.kind),
                text=f.text,
                visibility=Visibility.private_to_manager if f.private_to_manager else Visibility.shared,
                anonymous=f.anonymous,
                created_at=now - timedelta(days=f.days_ago),
            )
        )
    for d in fixtures.development_actions:
        session.add(
            DevelopmentAction(
                id=ids[d.key],
                org_id=org.org_id,
                person_id=ids[d.person],
                title=d.title,
                category=DevCategory(d.category),
                goal_id=ids[d.goal] if d.goal else None,
                due=due(d.due_in_days),
                status=DevStatus(d.status),
                success_indicator=d.success_indicator,
                created_at=now - timedelta(days=30),
            )
        )
    session.flush()
    return org


@dataclass
class EvalWorld:
    """The database of one run and the organisation of every case in it."""

    engine: Engine
    now: datetime
    demo: CaseOrg
    orgs: dict[str, CaseOrg] = field(default_factory=dict)

    def org_for(self, case: Case, *, twin: bool = False) -> CaseOrg:
        """The case's organisation; ``twin``: the copy with names and pronouns swapped (review pairs)."""
        if twin:
            return self.orgs[twin_id(case.id)]
        return self.demo if case.fixtures is None else self.orgs[case.id]

    def principal(self, case: Case, *, key: str | None = None, twin: bool = False) -> Principal:
        """The principal a case runs as (its ``principal`` key, or ``key``)."""
        org = self.org_for(case, twin=twin)
        person_id = org.id_of(key or case.principal)
        with Session(self.engine) as session:
            principal = principal_for(session, org_id=org.org_id, person_id=person_id)
        if principal is None:
            raise UnknownKey(f"case {case.id}: principal {key or case.principal!r} is not a person of its org")
        return principal


def build_world(engine: Engine, cases: Iterable[Case], *, now: datetime = EVAL_NOW) -> EvalWorld:
    """Migrate ``engine`` (a fresh database), then seed the demo org and every case's fixtures."""
    upgrade(engine)
    world = EvalWorld(engine=engine, now=now, demo=demo_org())
    with session_scope(engine) as session:
        seed_demo(session, now=now)
        for case in cases:
            if case.fixtures is not None and case.id not in world.orgs:
                world.orgs[case.id] = create_fixtures(session, case.id, case.fixtures, now=now)
                if case.counterfactual is not None and "text" not in case.input:  # a review pair
                    swapped = swapped_fixtures(case.fixtures, case.counterfactual.swap)
                    if swapped is not None:
                        world.orgs[twin_id(case.id)] = create_fixtures(session, twin_id(case.id), swapped, now=now)
    return world


def twin_id(case_id: str) -> str:
    """The fixture organisation of a review case's counterfactual twin."""
    return f"{case_id}-swap"


_KEY_FIELDS = frozenset({"key", "employee", "manager", "recipient", "giver", "person", "owner", "goal", "parent",
                         "role", "language", "kind", "status", "category", "level"})


def swapped_fixtures(fixtures: Fixtures, swap: Iterable[tuple[str, str]]) -> Fixtures | None:
    """The fixtures with the words of ``swap`` exchanged in every text (names, notes, feedback), keys kept."""
    from evals.counterfactual import swap_words  # it imports the scorers, which import this module

    pairs = list(swap)

    def walk(value: object, field_name: str = "") -> object:
        if isinstance(value, dict):
            return {k: walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, field_name) for v in value]
        if isinstance(value, str) and field_name not in _KEY_FIELDS:
            return swap_words(value, pairs)
        return value

    data = walk(fixtures.model_dump(mode="json"))
    return Fixtures.model_validate(data)


def build_request(task: Task, case: Case, org: CaseOrg, *, text: str | None = None,
                  recipient: str | None = None) -> Request:
    """The task request of ``case``, its keys turned into ids.

    The task request of ``case`` with keys turned into ids (``text``/``recipient`` override,
    for counterfactual variants).
    """
    inp = case.typed_input(task)
    if isinstance(inp, AgendaInput):
        return AgendaRequest(
            employee_id=org.id_of(inp.employee), kind=inp.kind, minutes=inp.minutes,
            language=inp.language, topics=list(inp.topics),
        )
    if isinstance(inp, SmartGoalInput):
        return SmartGoalRequest(
            text=inp.text,
            author_id=org.id_of(inp.author) if inp.author else None,
            parent_goal_id=org.id_of(inp.parent_goal) if inp.parent_goal else None,
            language=inp.language,
        )
    if isinstance(inp, FeedbackInput):
        who = recipient or inp.recipient
        return FeedbackRequest(
            text=text if text is not None else inp.text,
            recipient_id=org.id_of(who) if who else None,
            intent=inp.intent,
            language=inp.language,
        )
    if isinstance(inp, DevelopmentInput):
        return DevelopmentRequest(employee_id=org.id_of(inp.employee), focus=inp.focus, language=inp.language)
    if isinstance(inp, ReviewInput):
        end = EVAL_NOW.date()  # the run's fixed now
        start = end - timedelta(days=inp.period_days - 1) if inp.period_days else None
        return ReviewRequest(employee_id=org.id_of(inp.employee), perspective=inp.perspective,
                             period_start=start, period_end=end if start else None, language=inp.language,
                             focus=inp.focus)
    if isinstance(inp, NotesInput):
        return NotesRequest(employee_id=org.id_of(inp.employee), text=inp.text, kind=inp.kind, held_on=inp.held_on,
                            language=inp.language)
    raise TypeError(f"no request for {type(inp).__name__}")
