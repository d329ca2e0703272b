"""HR's evaluate and activate routes hold no connection while the eval suite runs (issue 9).

On a pool of one connection, with an evaluation that takes three seconds, other requests that
need the database are answered while the evaluation runs, and ``/healthz`` answers. Before
the fix the routes held the request's session (and so the only connection) across the run:
the other requests got 503 after the pool timeout.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

import httpx
import pytest

from agent.evaluation import CaseRun, Evaluator
from agent.prompt_registry import EvalSummary
from agent.prompts import BUILTIN_PROMPTS, PromptSpec
from agent.schemas import Task
from api.app import create_app
from api.deps import get_now
from knowledge.service_models import prompt_hash
from knowledge.settings import Settings
from knowledge.store import Store
from tests.api.conftest import NOW, Api, Template

EVAL_S = 3.0


class SlowEvaluation:
    """An evaluation service whose every run takes :data:`EVAL_S` and passes."""

    def __init__(self) -> None:
        self.running = asyncio.Event()
        self.runs = 0

    def case_ids(self, task: Task) -> set[str]:
        return {"case-1"}

    def fingerprint(self, task: Task) -> tuple[str, str]:
        return "offline", "slow@1"

    def evaluator(self, *, case_ids: Sequence[str] | None = None, slices: Sequence[str] | None = None) -> Evaluator:
        async def evaluate(task: Task, spec: PromptSpec) -> EvalSummary:
            self.runs += 1
            self.running.set()
            await asyncio.sleep(EVAL_S)
            return EvalSummary(task=task, prompt_version=spec.version, prompt_hash=prompt_hash(spec.system),
                               engine="offline", dataset="slow@1", evaluated_at=datetime.now(NOW.tzinfo),
                               cases=1, passed=1)

        return evaluate

    async def preview(self, task: Task, spec: PromptSpec, case_id: str) -> CaseRun:
        raise NotImplementedError


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"db_pool_size": 1, "db_max_overflow": 0, "db_pool_timeout_s": 1.0})


@pytest.fixture
async def slow_api(settings: Settings, store: Store, coach: Any, template: Template) -> AsyncIterator[Api]:
    evaluation = SlowEvaluation()
    app = create_app(settings, coach=coach, store=store, evaluation=evaluation)
    app.dependency_overrides[get_now] = lambda: NOW
    async with app.router.lifespan_context(app):
        await asyncio.to_thread(app.state.reconciler.join)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://coach.test") as client:
            yield Api(app=app, client=client, ids=template.ids, secrets=template.secrets, coach=evaluation,
                      engine=app.state.engine)


async def _while_running(api: Api, call: Any) -> tuple[httpx.Response, list[tuple[int, float]]]:
    """Run ``call`` and, while its evaluation runs, two database reads and a /healthz."""
    evaluation: SlowEvaluation = api.coach
    evaluation.running.clear()
    pending = asyncio.create_task(call)
    await asyncio.wait_for(evaluation.running.wait(), 10)
    seen = []
    for request in (api.get("/v1/prompts", "marieke"), api.get("/v1/goals", "daan"), api.client.get("/healthz")):
        start = time.monotonic()
        r = await request
        seen.append((r.status_code, time.monotonic() - start))
    assert [status for status, _ in seen] == [200, 200, 200], seen
    assert not pending.done(), "the evaluation ended before the other requests were answered"
    return await pending, seen


async def test_evaluate_and_activate_leave_the_pool_to_other_requests(slow_api: Api) -> None:
    body = {"task": "agenda", "system": BUILTIN_PROMPTS["agenda"].system, "note": "slow"}
    version = (await slow_api.post("/v1/prompts", "marieke", json=body)).json()["id"]

    evaluated, seen = await _while_running(slow_api, slow_api.post(f"/v1/prompts/{version}/evaluate", "marieke"))
    assert [status for status, _ in seen] == [200, 200, 200]
    assert all(took < EVAL_S for _, took in seen), seen
    assert evaluated.status_code == 200 and evaluated.json()["passed"] == 1
    stored = (await slow_api.get(f"/v1/prompts/{version}", "marieke")).json()
    assert stored["eval_summary"]["dataset"] == "slow@1"

    # A second version is evaluated inside activate: the same, and it becomes the active one.
    second = (await slow_api.post("/v1/prompts", "marieke", json={**body, "note": "second"})).json()["id"]
    activated, seen = await _while_running(slow_api, slow_api.post(f"/v1/prompts/{second}/activate", "marieke"))
    assert [status for status, _ in seen] == [200, 200, 200]
    assert activated.status_code == 200 and activated.json()["status"] == "active"
    active = (await slow_api.get("/v1/prompts/active/agenda", "marieke")).json()
    assert (active["source"], active["version_id"]) == ("registry", second)
    assert slow_api.coach.runs == 2
