"""Prompt size of a period review: 3 months against 12 months of records.

A year of records does not fit one prompt; the review's gather cuts it to a fixed budget
(``agent.review_evidence``), so the prompt must stay flat however long the period is. This
benchmark builds one employee with a dense year (a 1-on-1 every week and two pieces of
feedback a week, quarterly goals, development actions), indexes the records in the store,
runs the review through the real model path against a mocked endpoint that records the
request (and then fails, so the offline draft is served), and compares what was sent.

``python -m benchmarks.review_tokens`` prints, for both periods, the characters of the
records in the period (what a naive prompt would hold), the characters and estimated tokens
of the messages sent to the model, and the ratio 12 months / 3 months. Tokens are estimated
as characters / 4 (no tokenizer is downloaded). The target: the prompt ratio within 10% of 1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr
from sqlmodel import Session, select

from agent.llm import make_chat_model
from agent.schemas import ReviewRequest
from agent.service import Coach
from knowledge.db import make_engine, session_scope
from knowledge.index import index_records
from knowledge.migrations import upgrade
from knowledge.models import (
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
    KeyResult,
    Organization,
    Person,
    Role,
)
from knowledge.queries import principal_for
from knowledge.settings import Settings
from knowledge.store import Embedder, open_store

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
ORG = "org_bench_review"
TARGET = 0.10
STRENGTHS = [
    "During the outage of the {s} service she had a rollback ready within an hour and kept support informed.",
    "Her explanation of the {s} design in the knowledge session was clear; two colleagues fixed issues themselves.",
    "The caching change in {s} was backed by measurements before and after; latency went from {a} to {b} ms.",
    "Thanks for the pair session on {s}; it helped me understand the query planner.",
    "Customers trust her: in the {s} health check the sponsor shared numbers nobody else could get.",
]
GROWTH = [
    "The follow-up on the {s} actions came a week later, and the sponsor chased us for it.",
    "In code reviews on {s} she sometimes leaves only a short comment without explanation, which is unclear.",
    "Support heard about the {s} escalation from the customer before hearing it from her; an update would have helped.",
]
SERVICES = ["planner", "geocoder", "billing", "routing", "export", "portal", "ledger", "alerts"]


@dataclass(frozen=True)
class Measure:
    months: int
    records: int
    record_chars: int
    prompt_chars: int

    @property
    def prompt_tokens(self) -> int:
        return self.prompt_chars // 4

    @property
    def record_tokens(self) -> int:
        return self.record_chars // 4


def _sentence(rng: random.Random, strong: bool) -> str:
    template = rng.choice(STRENGTHS if strong else GROWTH)
    a = rng.randint(300, 600)
    return template.format(s=rng.choice(SERVICES), a=a, b=a - rng.randint(40, 200))


def seed(session: Session, *, days: int = 365, seed_value: int = 12) -> None:
    """One manager, one employee with a dense year, four peers; ids are stable."""
    rng = random.Random(seed_value)  # noqa: S311 -- made-up records, not secrets
    session.add(Organization(id=ORG, slug="bench-review", name="Bench BV", created_at=NOW - timedelta(days=900)))
    session.flush()
    session.add(Person(id="per_bm", org_id=ORG, name="Mara Manager", email="m@bench.example", role=Role.manager,
                       created_at=NOW - timedelta(days=800)))
    session.flush()
    session.add(Person(id="per_be", org_id=ORG, name="Eline Visser", email="e@bench.example", manager_id="per_bm",
                       created_at=NOW - timedelta(days=700)))
    peers = [f"per_bp{i}" for i in range(4)]
    for i, pid in enumerate(peers):
        session.add(Person(id=pid, org_id=ORG, name=f"Peer {i}", email=f"p{i}@bench.example",
                           created_at=NOW - timedelta(days=700)))
    session.flush()
    for q in range(4):
        start = (NOW - timedelta(days=days - 91 * q)).date()
        session.add(Goal(id=f"goal_bq{q}", org_id=ORG, level=GoalLevel.individual, owner_person_id="per_be",
                         title=f"Cut the p95 latency of the {SERVICES[q]} API from 500 to 300 ms this quarter",
                         status=GoalStatus.done if q < 3 else GoalStatus.on_track, progress=70 + 10 * (q % 3),
                         key_results=[KeyResult(metric=f"p95 latency of {SERVICES[q]}", baseline=500, target=300,
                                                current=320 + 10 * q, unit="ms").model_dump()],
                         start_date=start, due_date=start + timedelta(days=90)))
        session.add(DevelopmentAction(id=f"dev_bq{q}", org_id=ORG, person_id="per_be", title=f"Mentor a peer on "
                                      f"{SERVICES[q]}", category=DevCategory.social,
                                      status=DevStatus.done if q < 3 else DevStatus.in_progress,
                                      due=start + timedelta(days=80)))
    for week in range(days // 7):
        held = NOW - timedelta(days=days - 7 * week - 1)
        notes = " ".join(_sentence(rng, rng.random() < 0.6) for _ in range(3))
        session.add(Conversation(id=f"conv_b{week:03d}", org_id=ORG, employee_id="per_be", manager_id="per_bm",
                                 kind=ConversationKind.one_on_one, held_at=held, notes=notes))
        for n in range(2):
            strong = rng.random() < 0.6
            session.add(Feedback(id=f"fb_b{week:03d}{n}", org_id=ORG, giver_id=rng.choice(peers),
                                 recipient_id="per_be",
                                 kind=FeedbackKind.praise if strong else FeedbackKind.constructive,
                                 text=" ".join(_sentence(rng, strong) for _ in range(2)),
                                 created_at=held + timedelta(days=2 + n)))


def _record_chars(session: Session, start: date) -> tuple[int, int]:
    since = datetime.combine(start, datetime.min.time(), tzinfo=UTC)
    convs = [c for c in session.exec(select(Conversation).where(Conversation.org_id == ORG)) if c.held_at >= since]
    fbs = [f for f in session.exec(select(Feedback).where(Feedback.org_id == ORG)) if f.created_at >= since]
    return len(convs) + len(fbs), sum(len(c.notes) for c in convs) + sum(len(f.text) for f in fbs)


def _prompt_chars(coach_settings: Settings, engine: Any, store: Any, days: int) -> int:
    """Characters of the messages the review sends to the (mocked, then failing) model."""
    sent: list[dict[str, Any]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(500, json={"error": {"message": "benchmark: request recorded", "type": "bench"}})

    with httpx.Client(transport=httpx.MockTransport(handle)) as sync:
        asyncio.run(_review(coach_settings, engine, store, days, sync, handle))
    if not sent:
        raise RuntimeError("the review sent nothing to the model")
    return sum(len(m.get("content") or "") for m in sent[0]["messages"])


async def _review(coach_settings: Settings, engine: Any, store: Any, days: int, sync: httpx.Client,
                  handle: Any) -> None:
    async_ = httpx.AsyncClient(transport=httpx.MockTransport(handle))
    model = make_chat_model(coach_settings, http_client=sync, http_async_client=async_)
    with Session(engine) as s:
        principal = principal_for(s, org_id=ORG, person_id="per_bm")
    if principal is None:
        raise RuntimeError("the benchmark's manager is missing")
    async with Coach(settings=coach_settings, engine=engine, store=store, chat_model=model) as coach:
        request = ReviewRequest(employee_id="per_be", period_start=NOW.date() - timedelta(days=days - 1),
                                period_end=NOW.date())
        await coach.run("review", request, principal=principal, now=NOW)
    await async_.aclose()


def run(folder: Path, embedder: Embedder | None = None) -> list[Measure]:
    """Seed a dense year in ``folder``, then measure the review prompt for 3 and 12 months."""
    settings = Settings(data_dir=folder, openai_base_url="http://llm.bench/v1", openai_api_key=SecretStr("bench"),
                        model="bench", model_max_retries=0)
    engine = make_engine(settings.effective_database_url)
    upgrade(engine)
    store = open_store(settings, embedder=embedder)
    store.check()
    with session_scope(engine) as session:
        seed(session)
    with Session(engine) as session:
        index_records(store, [*session.exec(select(Conversation)), *session.exec(select(Feedback))])
    out = []
    for months, days in ((3, 92), (12, 365)):
        with Session(engine) as session:
            records, chars = _record_chars(session, NOW.date() - timedelta(days=days - 1))
        out.append(Measure(months, records, chars, _prompt_chars(settings, engine, store, days)))
    engine.dispose()
    return out


def report(measures: list[Measure]) -> dict[str, Any]:
    """The numbers and the two ratios (12 months / 3 months) of records and of the prompt."""
    short, year = measures
    prompt_ratio = year.prompt_chars / short.prompt_chars
    return {
        "periods": [{"months": m.months, "records": m.records, "record_tokens": m.record_tokens,
                     "prompt_chars": m.prompt_chars, "prompt_tokens": m.prompt_tokens} for m in measures],
        "record_ratio": round(year.record_chars / short.record_chars, 3),
        "prompt_ratio": round(prompt_ratio, 3),
        "flat": abs(prompt_ratio - 1) <= TARGET,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, help="write the numbers as JSON here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="coach-bench-review-") as tmp:
        result = report(run(Path(tmp)))
    for p in result["periods"]:
        print(f"{p['months']:>2} months: {p['records']:>4} records (~{p['record_tokens']:>6} tokens of text); "
              f"prompt {p['prompt_chars']:>6} chars (~{p['prompt_tokens']} tokens)")
    print(f"12 / 3 months: records x{result['record_ratio']}, prompt x{result['prompt_ratio']} "
          f"({'flat' if result['flat'] else 'NOT flat'}: target within {TARGET:.0%})")
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
