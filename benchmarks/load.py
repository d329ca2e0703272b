"""Load benchmark (issue 9): a whole organisation at once, against a stub model and a ReAct baseline.

Run ``python -m benchmarks.load`` (``make bench``). ``--levels 50,200,500`` sets the
concurrency levels (``--quick``: 20,50 and smaller data); ``--out FILE`` writes the JSON;
``--no-postgres`` skips PostgreSQL (used when COACH_BENCH_POSTGRES_URL or
COACH_TEST_POSTGRES_URL is set). Sections, all in one run:

1. concurrency: N concurrent calls on each coach endpoint and N SSE chat streams, against a
   real ``uvicorn`` server in a subprocess (SQLite, then PostgreSQL), the model a stub on
   loopback (``--call-s`` per call, ``--token-s`` per token). Errors by status, throughput,
   p50/p95 latency minus the stub's time, p95 time to first token, peak RSS of the server,
   ``/healthz`` p95 during the load;
2. service overhead per task at 10..10,000 records per employee (stub at 0 s; minus the time the
   stub spent in its handler, which it reports; the heap settled as the server settles it);
3. model calls and tokens against LangGraph's prebuilt ReAct agent with the same tools,
   system prompt, stub and checks;
4. context growth: prompt tokens per task from 10 to 10,000 records;
5. retrieval p50/p95 at 1,000 / 10,000 / 100,000 policy chunks of one organisation;
6. CPU limit: offline tasks per second at concurrency 1 and N, against 1 x cores.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import httpx

from agent.schemas import Draft, Task
from benchmarks.stub_model import CHAT_TOKENS, StubProcess

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
TASKS: tuple[Task, ...] = ("agenda", "smart_goal", "feedback", "development")
PATHS = {"agenda": "/v1/coach/agenda", "smart_goal": "/v1/coach/smart-goal", "feedback": "/v1/coach/feedback",
         "development": "/v1/coach/development"}
SCHEMAS = {"agenda": "AgendaDraft", "smart_goal": "SmartGoalDraft", "feedback": "FeedbackDraft",
           "development": "DevelopmentDraft"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ms(seconds: float) -> float | None:
    return None if seconds != seconds else round(seconds * 1000)  # NaN: no successful call


def pct(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# --- the world ------------------------------------------------------------------------------

@dataclass
class World:
    data_dir: Path
    database_url: str | None
    secrets: dict[str, str]
    people: dict[str, str]


def bodies(world: World) -> dict[Task, dict[str, Any]]:
    daan = world.people["daan"]
    return {
        "agenda": {"employee_id": daan, "minutes": 30},
        "smart_goal": {"text": "Get better at presenting our quarterly results to clients", "language": "en"},
        "feedback": {"text": "Daan always rushes the demo and the client got lost in the details",
                     "recipient_id": daan, "intent": "constructive", "language": "en"},
        "development": {"employee_id": daan},
    }


def build_world(root: Path, database_url: str | None, *, extra_records: int = 0) -> World:
    """The demo organisation, keys for femke (manager) and daan, the corpus in the store."""
    from sqlmodel import Session

    from knowledge.corpus import sync_corpus
    from knowledge.db import make_engine
    from knowledge.demo import DEMO_ORG_ID, demo_person_id, seed_demo
    from knowledge.keys import create_key
    from knowledge.migrations import upgrade
    from knowledge.settings import Settings
    from knowledge.store import open_store

    settings = Settings(data_dir=root, database_url=database_url)
    engine = make_engine(settings.effective_database_url)
    upgrade(engine)
    people = {k: demo_person_id(k) for k in ("daan", "femke")}
    with Session(engine, expire_on_commit=False) as session:
        seed_demo(session, now=NOW)
        secrets = {k: create_key(session, org_id=DEMO_ORG_ID, person_id=pid, now=NOW)[1] for k, pid in people.items()}
        session.commit()
    if extra_records:
        add_records(engine, people["daan"], people["femke"], extra_records)
    engine.dispose()
    store = open_store(settings)
    store.check()
    sync_corpus(store)
    return World(root, database_url, secrets, people)


def add_records(engine: Any, employee: str, manager: str, n: int) -> None:
    """``n`` more records about ``employee``: goals, conversations (with action items) and feedback."""
    from sqlmodel import Session

    from knowledge.demo import DEMO_ORG_ID
    from knowledge.models import ActionItem, Conversation, Feedback, Goal

    with Session(engine) as session:
        for i in range(n):
            at = NOW - timedelta(days=1 + i % 700, minutes=i)
            kind = i % 10
            if kind == 0:
                session.add(Goal(org_id=DEMO_ORG_ID, owner_person_id=employee, title=f"Improve runbook {i}",
                                 description="Keep the runbooks current.", created_at=at, updated_at=at))
            elif kind < 5:
                conv = Conversation(org_id=DEMO_ORG_ID, employee_id=employee, manager_id=manager, held_at=at,
                                    notes=f"Talked about on-call load and the migration, week {i}.", created_at=at)
                session.add(conv)
                session.flush()
                session.add(ActionItem(org_id=DEMO_ORG_ID, conversation_id=conv.id, text=f"Follow up item {i}",
                                       owner_id=employee, created_at=at))
            else:
                session.add(Feedback(org_id=DEMO_ORG_ID, giver_id=manager, recipient_id=employee,
                                     text=f"Clear incident write-up in week {i}; the team could follow it.",
                                     created_at=at))
            if i % 500 == 499:
                session.commit()
        session.commit()


def offline_drafts(world: World) -> dict[str, str]:
    """The offline drafter's draft of each task's benchmark request: the stub's answers."""
    from sqlmodel import Session

    from agent.gather import gather
    from agent.offline import draft_offline
    from knowledge.db import make_engine
    from knowledge.demo import DEMO_ORG_ID
    from knowledge.queries import principal_for
    from knowledge.settings import Settings
    from knowledge.store import open_store
    from tools.context import CoachContext

    settings = Settings(data_dir=world.data_dir, database_url=world.database_url)
    engine = make_engine(settings.effective_database_url)
    store = open_store(settings)
    out = {}
    with Session(engine) as session:
        femke = principal_for(session, org_id=DEMO_ORG_ID, person_id=world.people["femke"])
    assert femke is not None
    ctx = CoachContext(principal=femke, engine=engine, now=NOW, store=store)
    for task, body in bodies(world).items():
        request = request_of(task, body)
        out[SCHEMAS[task]] = draft_offline(task, request, gather(task, request, ctx)).model_dump_json()
    engine.dispose()
    return out


def request_of(task: str, body: dict[str, Any]) -> Any:
    from agent.task_service import REQUEST_TYPES

    return REQUEST_TYPES[task].model_validate(body)  # type: ignore[index]


# --- the server under test ------------------------------------------------------------------

SERVER = """
import uvicorn
from api.serve import app_from_env
# As `coach serve` runs it (api/cli.py): its logging, tracing and access log, the eval suite wired in.
uvicorn.run(app_from_env(), host="127.0.0.1", port={port}, access_log=False, log_config=None, backlog=4096)
"""


class Server:
    def __init__(self, world: World, *, model_url: str | None, extra: dict[str, str] | None = None) -> None:
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_") and "OPENAI" not in k}
        # All calls come through two keys: per-principal rate limits (their own tests) would
        # answer most of them 429 and measure the limiter, not the service.
        env.update({"COACH_DATA_DIR": str(world.data_dir), "COACH_MODEL_MAX_RETRIES": "0",
                    "COACH_MODEL_TIMEOUT_S": "120", "COACH_RATE_LIMIT_API": "off", "COACH_RATE_LIMIT_COACH": "off"})
        if world.database_url:
            env["COACH_DATABASE_URL"] = world.database_url
        if model_url:
            env.update({"COACH_OPENAI_BASE_URL": model_url, "COACH_OPENAI_API_KEY": "sk-bench"})
        env.update(extra or {})
        self.log = world.data_dir / f"server-{self.port}.log"
        with self.log.open("wb") as log:  # the server's own log lines stay out of the benchmark's output
            self.proc = subprocess.Popen([sys.executable, "-c", SERVER.format(port=self.port)], env=env,
                                         stdout=log, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}"

    def wait(self) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError(f"server did not start; its log: {self.log}")

    def rss_mib(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def cpu_s(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# --- section 1: concurrency -----------------------------------------------------------------

async def one_call(client: httpx.AsyncClient, world: World, task: str) -> tuple[int, float, float | None]:
    start = time.perf_counter()
    if task == "chat":
        headers = {"Authorization": f"Bearer {world.secrets['daan']}", "Accept": "text/event-stream"}
        first: float | None = None
        status, done = 0, False
        try:
            async with client.stream("POST", "/v1/coach/chat", headers=headers,
                                     json={"message": "How do I prepare for my next 1-on-1?"}) as r:
                status = r.status_code
                async for line in r.aiter_lines():
                    if line.startswith("event: token") and first is None:
                        first = time.perf_counter() - start
                    if line.startswith("event: done"):
                        done = True
                    if line.startswith("event: error"):
                        status = 599
        except httpx.HTTPError:
            status = -1
        if status == 200 and not done:
            status = 598
        return status, time.perf_counter() - start, first
    try:
        r = await client.post(PATHS[task], headers={"Authorization": f"Bearer {world.secrets['femke']}"},
                              json=bodies(world)[cast(Task, task)])
        status = r.status_code
        if status == 200 and r.json().get("degraded"):
            status = 597
    except httpx.HTTPError:
        status = -1
    return status, time.perf_counter() - start, None


PROBE = """
import sys, time, json, httpx
url, out = sys.argv[1], []
with httpx.Client(base_url=url, timeout=30) as client:
    while sys.stdin.readline().strip() != "stop":
        t = time.perf_counter()
        try:
            client.get("/healthz")
        except httpx.HTTPError:
            pass
        out.append(time.perf_counter() - t)
        print(json.dumps(len(out)), flush=True)
print(json.dumps(out), flush=True)
"""


class HealthProbe:
    """``/healthz`` timed from its own process every 50 ms, so the load generator's work never delays it.

    (Timed from the benchmark's own event loop, a probe waited behind the parsing of hundreds
    of responses: its latency was partly the client's.)
    """

    def __init__(self, url: str) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", PROBE, url], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        self._task: asyncio.Task[None] | None = None
        self._done = asyncio.Event()

    async def _tick(self) -> None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        while not self._done.is_set():
            self.proc.stdin.write("go\n")
            self.proc.stdin.flush()
            await asyncio.to_thread(self.proc.stdout.readline)
            await asyncio.sleep(0.05)

    def start(self) -> None:
        self._task = asyncio.create_task(self._tick())

    async def stop(self) -> list[float]:
        self._done.set()
        if self._task is not None:
            await self._task
        out, _ = await asyncio.to_thread(self.proc.communicate, "stop\n", 30)
        return [float(x) for x in json.loads(out.strip().splitlines()[-1])]


async def load(server: Server, world: World, task: str, n: int, stub_s: float) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=n + 20, max_keepalive_connections=n + 20)
    probe = HealthProbe(server.url)
    async with httpx.AsyncClient(base_url=server.url, timeout=300, limits=limits) as client:
        probe.start()
        start = time.perf_counter()
        results = await asyncio.gather(*(one_call(client, world, task) for _ in range(n)))
        wall = time.perf_counter() - start
        health = await probe.stop()
    ok = [lat for status, lat, _ in results if status == 200]
    ttft = [f for status, _, f in results if status == 200 and f is not None]
    statuses = Counter(str(status) for status, _, _ in results if status != 200)
    return {
        "task": task, "n": n, "errors": dict(statuses), "wall_s": round(wall, 2),
        "throughput_per_s": round(len(ok) / wall, 1),
        "p50_ms_minus_stub": _ms(pct(ok, 0.5) - stub_s), "p95_ms_minus_stub": _ms(pct(ok, 0.95) - stub_s),
        "ttft_p95_ms": round(pct(ttft, 0.95) * 1000) if ttft else None,
        "rss_peak_mib": round(server.rss_mib()), "healthz_p95_ms": round(pct(health, 0.95) * 1000, 1),
        "healthz_max_ms": round(max(health, default=float("nan")) * 1000, 1), "healthz_probes": len(health),
    }


async def concurrency(stub: StubProcess, root: Path, db_name: str, database_url: str | None, levels: Sequence[int],
                      call_s: float, token_s: float, tasks: Sequence[str] = (*TASKS, "chat"),
                      server_env: dict[str, str] | None = None) -> list[dict[str, Any]]:
    world = build_world(root / db_name, database_url)
    stub.model.drafts = offline_drafts(world)
    stub.model.call_s, stub.model.token_s = call_s, token_s
    server = Server(world, model_url=stub.url, extra=server_env)
    rows = []
    try:
        server.wait()
        async with httpx.AsyncClient(base_url=server.url, timeout=300) as client:
            for task in (*TASKS, "chat"):  # warm-up: the embedder loads its model on first use
                await one_call(client, world, task)
        for task in tasks:
            stub_s = call_s + (len(CHAT_TOKENS) * token_s if task == "chat" else 0.0)
            for n in levels:
                stub.model.reset()
                row = await load(server, world, task, n, stub_s)
                row["db"] = db_name
                row["model_calls_per_task"] = round(stub.model.stats.calls / n, 2)
                rows.append(row)
                print(f"  {db_name:8} {task:11} n={n:<4} errors={row['errors']} p95-stub={row['p95_ms_minus_stub']}ms "
                      f"healthz p95={row['healthz_p95_ms']}ms rss={row['rss_peak_mib']}MiB", flush=True)
    finally:
        server.stop()
    return rows


# --- sections 2 and 4: overhead and context growth ------------------------------------------

async def overhead(stub: StubProcess, root: Path, sizes: Sequence[int], repeat: int) -> list[dict[str, Any]]:
    from sqlmodel import Session

    from agent.service import Coach
    from knowledge.db import make_engine
    from knowledge.demo import DEMO_ORG_ID
    from knowledge.offload import settle_heap, unsettle_heap
    from knowledge.queries import principal_for
    from knowledge.settings import Settings
    from knowledge.store import open_store

    rows = []
    stub.model.call_s, stub.model.token_s = 0.0, 0.0
    for size in sizes:
        world = build_world(root / f"records-{size}", None, extra_records=size)
        stub.model.drafts = offline_drafts(world)
        settings = Settings(data_dir=world.data_dir, openai_base_url=stub.url, openai_api_key="sk-bench",
                            model_max_retries=0)
        engine = make_engine(settings.effective_database_url)
        store = open_store(settings)
        with Session(engine) as session:
            femke = principal_for(session, org_id=DEMO_ORG_ID, person_id=world.people["femke"])
        assert femke is not None
        async with Coach(settings=settings, engine=engine, store=store) as coach:
            for task in TASKS:
                request = request_of(task, bodies(world)[task])
                await coach.run(task, request, principal=femke, now=NOW)  # warm-up
            settle_heap()  # as the server does once it has started (knowledge.offload)
            for task in TASKS:
                request = request_of(task, bodies(world)[task])
                stub.model.reset()
                times, cpu, calls, prompt_tokens = [], [], 0, 0
                for _ in range(repeat):
                    t, c = time.perf_counter(), time.process_time()
                    await coach.run(task, request, principal=femke, now=NOW)
                    wall, cpu_s = time.perf_counter() - t, time.process_time() - c
                    stats = stub.model.reset()  # between runs: the stub's own time of this run
                    times.append(wall - stats.busy_s)
                    cpu.append(cpu_s)
                    calls, prompt_tokens = calls + stats.calls, prompt_tokens + stats.prompt_tokens
                rows.append({"records": size, "task": task, "p50_ms": round(pct(times, 0.5) * 1000, 1),
                             "p95_ms": round(pct(times, 0.95) * 1000, 1),
                             # The service's own CPU per run (every thread of this process; the stub is
                             # another process): what a slow, shared machine does not inflate.
                             "cpu_p50_ms": round(pct(cpu, 0.5) * 1000, 1),
                             "prompt_tokens_per_task": prompt_tokens // max(1, calls),
                             "calls_per_task": round(calls / repeat, 2)})
            unsettle_heap()
        engine.dispose()
        print(f"  records={size}: " + ", ".join(f"{r['task']} p95={r['p95_ms']}ms cpu p50={r['cpu_p50_ms']}ms "
                                                f"tokens={r['prompt_tokens_per_task']}"
                                                for r in rows if r["records"] == size), flush=True)
    return rows


# --- section 3: the ReAct baseline ----------------------------------------------------------

async def react_baseline(stub: StubProcess, root: Path, repeat: int) -> list[dict[str, Any]]:
    from langchain_openai import ChatOpenAI
    from langgraph.prebuilt import create_react_agent  # the baseline the issue names (deprecated alias)
    from sqlmodel import Session

    from agent.checks import run_checks
    from agent.gather import gather
    from agent.prompt_registry import BUILTIN_PROMPTS
    from agent.prompts import render_system
    from agent.schemas import DRAFT_SCHEMAS
    from agent.service import Coach
    from knowledge.db import make_engine
    from knowledge.demo import DEMO_ORG_ID
    from knowledge.queries import principal_for
    from knowledge.settings import Settings
    from knowledge.store import open_store
    from tools.chat_tools import record_tools
    from tools.context import CoachContext

    world = build_world(root / "react", None)
    stub.model.drafts = offline_drafts(world)
    stub.model.call_s, stub.model.token_s = 0.0, 0.0
    settings = Settings(data_dir=world.data_dir, openai_base_url=stub.url, openai_api_key="sk-bench",
                        model_max_retries=0)
    engine = make_engine(settings.effective_database_url)
    store = open_store(settings)
    with Session(engine) as session:
        femke = principal_for(session, org_id=DEMO_ORG_ID, person_id=world.people["femke"])
    assert femke is not None
    ctx = CoachContext(principal=femke, engine=engine, now=NOW, store=store)
    model = ChatOpenAI(model="stub", base_url=stub.url, api_key="sk-bench", max_retries=0)  # type: ignore[arg-type]
    # The record tools the baseline's model calls for each task: the chat tools' real names
    # (tools/chat_tools.py), covering what gather reads for the task. (The stub calls only
    # offered tools: the names "goals", "conversations", "action_items" of an earlier plan
    # matched none, so that baseline read no goals and no action items.)
    plans = {
        "agenda": ["list_goals", "team_goals", "open_action_items", "recent_feedback", "development_actions",
                   "search_coaching_guidance"],
        "smart_goal": ["list_goals", "team_goals", "search_coaching_guidance"],
        "feedback": ["search_coaching_guidance"],
        "development": ["list_goals", "team_goals", "recent_feedback", "development_actions",
                        "search_coaching_guidance"],
    }
    rows = []
    async with Coach(settings=settings, engine=engine, store=store) as coach:
        for task in TASKS:
            request = request_of(task, bodies(world)[task])
            evidence = gather(task, request, ctx)
            schema = DRAFT_SCHEMAS[task]  # type: ignore[index]
            calls: list[dict[str, Any]] = []
            for name in plans[task]:
                calls.append({name: {"query": "coaching guidance"} if name.startswith("search")
                              else {"person": world.people["daan"]}})
            stub.model.react_calls = {task: calls}
            ours_pass = base_pass = 0
            stub.model.reset()
            for _ in range(repeat):
                result = await coach.run(task, request, principal=femke, now=NOW)
                draft = cast(Draft, schema.model_validate(result.model_dump(mode="json")))
                ours_pass += run_checks(task, draft, request, evidence).ok
            ours = stub.model.reset()
            system = render_system(BUILTIN_PROMPTS[task], language=evidence.language, today=NOW.date())
            agent = create_react_agent(model, tools=record_tools(ctx), prompt=system, response_format=schema)
            for _ in range(repeat):
                out = await agent.ainvoke({"messages": [("user", json.dumps(bodies(world)[task]))]})
                base_pass += run_checks(task, cast(Draft, out["structured_response"]), request, evidence).ok
            base = stub.model.reset()
            rows.append({
                "task": task, "ours_calls": ours.calls / repeat, "react_calls": base.calls / repeat,
                "ours_prompt_tokens": ours.prompt_tokens // repeat, "react_prompt_tokens": base.prompt_tokens // repeat,
                "ours_completion_tokens": ours.completion_tokens // repeat,
                "react_completion_tokens": base.completion_tokens // repeat,
                "prompt_tokens_react_over_ours": round(base.prompt_tokens / max(1, ours.prompt_tokens), 2),
                "ours_check_pass": ours_pass / repeat, "react_check_pass": base_pass / repeat,
            })
            print(f"  {task}: calls {rows[-1]['ours_calls']} vs {rows[-1]['react_calls']}, prompt tokens "
                  f"{rows[-1]['ours_prompt_tokens']} vs {rows[-1]['react_prompt_tokens']}", flush=True)
    engine.dispose()
    return rows


# --- section 5: retrieval -------------------------------------------------------------------

def retrieval(root: Path, sizes: Sequence[int], queries: int) -> list[dict[str, Any]]:
    from knowledge.corpus import sync_corpus
    from knowledge.retrieval import search_guidance
    from knowledge.settings import Settings
    from knowledge.store import open_store
    from tests.api.conftest import HashEmbedder

    words = ("leave", "budget", "travel", "laptop", "training", "overtime", "remote", "allowance", "sick", "bonus",
             "parental", "holiday", "expense", "mentor", "course", "conference", "pension", "lease", "bicycle")
    rows = []
    for size in sizes:
        store = open_store(Settings(data_dir=root / f"store-{size}"), embedder=HashEmbedder())
        store.check()
        sync_corpus(store)
        org = "org_bench" + uuid.uuid4().hex[:15]
        batch = 2000
        for start in range(0, size, batch):
            ids = [f"pol-{i}" for i in range(start, min(size, start + batch))]
            texts = [f"Policy section {i}: {words[i % len(words)]} {words[(i * 7) % len(words)]} rules, article {i}."
                     for i in range(start, min(size, start + batch))]
            metas = [{"org_id": org, "source_type": "policy", "doc_key": f"doc-{i // 20}", "title": "Handbook",
                      "heading": f"Section {i}", "language": "en"} for i in range(start, min(size, start + batch))]
            store.upsert("policy", ids=ids, texts=texts, metadatas=metas)
        t = time.perf_counter()
        search_guidance(store, org_id=org, query="first query builds the lexical index", k=5)
        cold = time.perf_counter() - t
        # Distinct queries (pairs of words, none twice): each is searched, not remembered. The
        # same queries again are the remembered answers (knowledge.retrieval), reported apart.
        pairs = list(itertools.combinations(words, 2))
        asked = [f"{a} {b} policy" for a, b in (pairs[(q * 7) % len(pairs)] for q in range(queries))]
        assert len(set(asked)) == len(asked)
        times: list[float] = []
        again: list[float] = []
        for timed in (times, again):
            for query in asked:
                t = time.perf_counter()
                search_guidance(store, org_id=org, query=query, k=5)
                timed.append(time.perf_counter() - t)
        rows.append({"chunks": size, "p50_ms": round(pct(times, 0.5) * 1000, 1),
                     "p95_ms": round(pct(times, 0.95) * 1000, 1), "first_query_ms": round(cold * 1000),
                     "remembered_p95_ms": round(pct(again, 0.95) * 1000, 2)})
        print(f"  chunks={size}: p50={rows[-1]['p50_ms']}ms p95={rows[-1]['p95_ms']}ms "
              f"cold={rows[-1]['first_query_ms']}ms remembered p95={rows[-1]['remembered_p95_ms']}ms",
              flush=True)
    return rows


# --- section 6: CPU limit -------------------------------------------------------------------

async def cpu_limit(root: Path, n: int, count: int) -> dict[str, Any]:
    world = build_world(root / "cpu", None)
    server = Server(world, model_url=None)
    try:
        server.wait()
        async with httpx.AsyncClient(base_url=server.url, timeout=300) as client:
            for _ in range(3):
                await one_call(client, world, "agenda")
            cpu0, t = server.cpu_s(), time.perf_counter()
            for _ in range(count):
                await one_call(client, world, "agenda")
            serial = count / (time.perf_counter() - t)
            cpu_per_task = (server.cpu_s() - cpu0) / count
            t = time.perf_counter()
            sem = asyncio.Semaphore(n)

            async def bounded() -> None:
                async with sem:
                    await one_call(client, world, "agenda")

            await asyncio.gather(*(bounded() for _ in range(count * 2)))
            parallel = count * 2 / (time.perf_counter() - t)
    finally:
        server.stop()
    cores = os.cpu_count() or 1
    return {"tasks_per_s_c1": round(serial, 1), f"tasks_per_s_c{n}": round(parallel, 1), "cores": cores,
            "ratio_to_ideal": round(parallel / (serial * cores), 2),
            "cpu_ms_per_offline_task": round(cpu_per_task * 1000, 1)}


# --- the run --------------------------------------------------------------------------------

def postgres_database(base: str) -> tuple[str, Any]:
    from sqlalchemy import create_engine, text

    admin = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    name = f"coach_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return f"{base.rsplit('/', 1)[0]}/{name}", drop


def targets(data: dict[str, Any], levels: Sequence[int]) -> list[tuple[str, str, str, bool | None]]:
    out: list[tuple[str, str, str, bool | None]] = []
    at = 200 if 200 in levels else max(levels)
    rows = [r for r in data["concurrency"] if r["n"] == at]
    errors = sum(sum(r["errors"].values()) for r in rows)
    health = max((r["healthz_p95_ms"] for r in rows), default=float("nan"))
    out.append((f"{at} concurrent calls/streams: errors (SQLite+PostgreSQL)", "0", str(errors), errors == 0))
    out.append((f"/healthz p95 during the load (n={at}, worst)", "<= 50 ms", f"{health} ms", health <= 50))
    agenda = next((r for r in rows if r["task"] == "agenda" and r["db"] == "sqlite"), None)
    if agenda is not None and "one_task_s" in data and data["cpu"]:
        cpu = data["cpu"]["cpu_ms_per_offline_task"] / 1000
        bound = 1.5 * (data["one_task_s"] + at * cpu)
        out.append((f"{at} agenda tasks at {data['call_s']} s/call: wall", f"<= {bound:.1f} s",
                    f"{agenda['wall_s']} s", agenda["wall_s"] <= bound))
    over = [r for r in data["overhead"] if r["records"] == 1000]
    if over:
        worst = max(r["p95_ms"] for r in over)
        out.append(("service overhead p95 at 1,000 records (worst task)", "<= 30 ms", f"{worst} ms", worst <= 30))
    calls = max((r["model_calls_per_task"] for r in data["concurrency"] if r["task"] != "chat"), default=0)
    out.append(("model calls per task (happy path, worst)", "<= 1.2", str(calls), calls <= 1.2))
    for r in data["react"]:
        ok = r["prompt_tokens_react_over_ours"] >= 2 and r["ours_check_pass"] >= r["react_check_pass"]
        out.append((f"{r['task']}: ReAct / ours prompt tokens; check pass ours vs ReAct", ">= 2x, >=",
                    f"{r['prompt_tokens_react_over_ours']}x; "
                    f"{r['ours_check_pass']:.0%} vs {r['react_check_pass']:.0%}", ok))
    sizes = sorted({r["records"] for r in data["overhead"]})
    if 1000 in sizes and sizes[-1] > 1000:
        for task in TASKS:
            a = next(r for r in data["overhead"] if r["records"] == 1000 and r["task"] == task)
            b = next(r for r in data["overhead"] if r["records"] == sizes[-1] and r["task"] == task)
            growth = b["prompt_tokens_per_task"] / max(1, a["prompt_tokens_per_task"]) - 1
            out.append((f"{task}: prompt tokens 1,000 -> {sizes[-1]:,} records", "within 10%", f"{growth:+.1%}",
                        abs(growth) <= 0.10))
    ret = {r["chunks"]: r for r in data["retrieval"]}
    if 1000 in ret and max(ret) > 1000:
        ratio = ret[max(ret)]["p95_ms"] / ret[1000]["p95_ms"]
        out.append((f"retrieval p95 {max(ret):,} / 1,000 chunks", "<= 5x", f"{ratio:.2f}x", ratio <= 5))
    if data["cpu"]:
        out.append(("CPU: tasks/s at c=N over ideal (c=1 x cores)", "report", str(data["cpu"]["ratio_to_ideal"]),
                    None))
    return out


async def run(args: argparse.Namespace) -> dict[str, Any]:
    levels = [int(x) for x in args.levels.split(",")]
    root = Path(tempfile.mkdtemp(prefix="coach-load-"))
    data: dict[str, Any] = {"benchmark": "load", "levels": levels, "call_s": args.call_s, "token_s": args.token_s,
                            "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
                            "concurrency": [], "overhead": [], "react": [], "retrieval": [], "cpu": {},
                            "sections_s": {}}
    pg = None if args.no_postgres else (os.environ.get("COACH_BENCH_POSTGRES_URL")
                                        or os.environ.get("COACH_TEST_POSTGRES_URL"))
    want = set(args.sections.split(","))
    with StubProcess(free_port()) as stub:
        t = time.perf_counter()
        if "concurrency" in want:
            print("1. concurrency", flush=True)
            tasks = args.tasks.split(",")
            data["concurrency"] += await concurrency(stub, root, "sqlite", None, levels, args.call_s, args.token_s,
                                                     tasks=tasks)
            single = await concurrency(stub, root, "sqlite-1", None, [1], args.call_s, args.token_s, tasks=["agenda"])
            data["one_task_s"] = next(r["wall_s"] for r in single if r["task"] == "agenda")
            if pg:
                url, drop = postgres_database(pg)
                try:
                    data["concurrency"] += await concurrency(stub, root, "postgres", url, levels, args.call_s,
                                                             args.token_s, tasks=tasks)
                finally:
                    drop()
            data["sections_s"]["concurrency"] = round(time.perf_counter() - t)
        t = time.perf_counter()
        if "overhead" in want:
            print("2+4. overhead and context growth", flush=True)
            data["overhead"] = await overhead(stub, root, args.records, args.repeat)
            data["sections_s"]["overhead"] = round(time.perf_counter() - t)
        t = time.perf_counter()
        if "react" in want:
            print("3. ReAct baseline", flush=True)
            data["react"] = await react_baseline(stub, root, max(1, min(5, args.repeat // 4)))
            data["sections_s"]["react"] = round(time.perf_counter() - t)
    t = time.perf_counter()
    if "retrieval" in want:
        print("5. retrieval", flush=True)
        data["retrieval"] = retrieval(root, args.chunks, args.queries)
        data["sections_s"]["retrieval"] = round(time.perf_counter() - t)
    t = time.perf_counter()
    if "cpu" in want:
        print("6. CPU limit", flush=True)
        data["cpu"] = await cpu_limit(root, args.cpu_n, args.cpu_count)
        data["sections_s"]["cpu"] = round(time.perf_counter() - t)
    data["targets"] = [{"target": a, "goal": b, "measured": c, "met": d} for a, b, c, d in targets(data, levels)]
    return data


def table(data: dict[str, Any]) -> str:
    lines = ["| db | endpoint | n | errors | req/s | p50-stub ms | p95-stub ms | TTFT p95 ms | RSS MiB "
             "| /healthz p95 ms |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in data["concurrency"]:
        lines.append(f"| {r['db']} | {r['task']} | {r['n']} | {r['errors'] or 0} | {r['throughput_per_s']} | "
                     f"{r['p50_ms_minus_stub']} | {r['p95_ms_minus_stub']} | {r['ttft_p95_ms'] or '-'} | "
                     f"{r['rss_peak_mib']} | {r['healthz_p95_ms']} |")
    if data["overhead"]:
        lines += ["", "| records | task | overhead p50 ms | p95 ms | CPU p50 ms | prompt tokens |",
                  "|---|---|---|---|---|---|"]
        lines += [f"| {r['records']} | {r['task']} | {r['p50_ms']} | {r['p95_ms']} | {r['cpu_p50_ms']} | "
                  f"{r['prompt_tokens_per_task']} |" for r in data["overhead"]]
    lines += ["", "| target | goal | measured | met |", "|---|---|---|---|"]
    for t in data["targets"]:
        met = "-" if t["met"] is None else ("yes" if t["met"] else "**no**")
        lines.append(f"| {t['target']} | {t['goal']} | {t['measured']} | {met} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--levels", default="50,200,500")
    parser.add_argument("--call-s", type=float, default=1.0)
    parser.add_argument("--token-s", type=float, default=0.01)
    parser.add_argument("--records", type=lambda s: [int(x) for x in s.split(",")], default=[10, 100, 1000, 10000])
    parser.add_argument("--chunks", type=lambda s: [int(x) for x in s.split(",")], default=[1000, 10000, 100000])
    parser.add_argument("--repeat", type=int, default=60,
                        help="runs per task and size in the overhead section (a p95 of 20 runs is their second worst)")
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--cpu-n", type=int, default=8)
    parser.add_argument("--cpu-count", type=int, default=30)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--sections", default="concurrency,overhead,react,retrieval,cpu",
                        help="which sections to run (comma-separated; default all)")
    parser.add_argument("--tasks", default=",".join((*TASKS, "chat")),
                        help="endpoints of the concurrency section (comma-separated; default all and chat)")
    parser.add_argument("--quick", action="store_true", help="levels 20,50; 10..1,000 records; 1k/10k chunks")
    parser.add_argument("--out", default="benchmarks/load.json")
    args = parser.parse_args(argv)
    if args.quick:
        args.levels, args.records, args.chunks, args.repeat, args.queries, args.cpu_count = (
            "20,50", [10, 100, 1000], [1000, 10000], 6, 10, 10)
    start = time.perf_counter()
    data = asyncio.run(run(args))
    data["seconds"] = round(time.perf_counter() - start)
    data["quick"] = args.quick
    Path(args.out).write_text(json.dumps(data, indent=2), encoding="utf-8")
    print()
    print(table(data))
    print(f"\n{data['seconds']} s; JSON: {args.out}; stub {args.call_s} s/call, {args.token_s} s/token")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
