"""The prompt registry: versions, the contract lint, the activation gate, rollback, audit, the API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import respx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlmodel import Session, select

from agent.prompt_lifecycle import activate, evaluate, inline, preview
from agent.prompt_registry import (
    ActivationRefused,
    CaseFailure,
    EvalSummary,
    Forbidden,
    PromptStatus,
    VersionNotFound,
    active_prompt,
    create_version,
    get_version,
    judge_activation,
    lint_prompt,
    list_versions,
    prompt_resolver,
    rollback,
    spec_of,
    summary_of,
)
from agent.prompts import BUILTIN_PROMPTS, PromptSpec
from agent.prompts.common import DATA_RULES, SOURCES_RULES
from api.deps import get_now
from api.errors import install_error_handlers
from api.routes import prompts as prompts_routes
from evals.judge import make_judge_model
from evals.prompt_evaluation import preview_case, prompt_evaluator
from evals.service import SuiteEvaluation
from knowledge.db import make_engine, session_scope
from knowledge.demo import seed_demo
from knowledge.keys import create_key
from knowledge.models import Organization, Person, Role
from knowledge.policy import Principal
from knowledge.queries import principal_for
from knowledge.service_models import AuditEvent, prompt_hash
from tests.db import init_db

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
AGENDA = BUILTIN_PROMPTS["agenda"].system
GOOD_AGENDA = AGENDA + "\n\nKeep every question short: one sentence, at most twenty words."
BROKEN_AGENDA = AGENDA.replace(SOURCES_RULES, "")
SUBSET = ["ag-en-fx-five-open-items", "ag-nl-fx-overdue-items", "ag-en-fx-new-hire"]


@dataclass
class World:
    engine: Engine
    hr: Principal
    employee: Principal
    other_hr: Principal


@pytest.fixture
def settings() -> Any:
    from knowledge.settings import Settings

    return Settings(openai_api_key=None, openai_base_url=None, judge_model=None)


@pytest.fixture
def world(tmp_path) -> Iterator[World]:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'coach.db'}")
    init_db(engine)  # importing agent.prompt_registry registered the prompt_version table
    with session_scope(engine) as session:
        demo = seed_demo(session, now=NOW)
        other = Organization(slug="other", name="Other", created_at=NOW)
        session.add(other)
        session.flush()
        session.add(Person(id="per_other_hr", org_id=other.id, name="Olga", email="olga@other.example", role=Role.hr))
        session.flush()
        hr_id = session.exec(select(Person.id).where(Person.org_id == demo.id, Person.role == Role.hr)).one()
        daan = session.exec(select(Person.id).where(Person.email == "daan@noordlicht.example")).one()
        hr = principal_for(session, org_id=demo.id, person_id=hr_id)
        employee = principal_for(session, org_id=demo.id, person_id=daan)
        other_hr = principal_for(session, org_id=other.id, person_id="per_other_hr")
    assert hr and employee and other_hr
    yield World(engine=engine, hr=hr, employee=employee, other_hr=other_hr)
    engine.dispose()


def audit_actions(engine: Engine, org_id: str) -> list[tuple[str, dict[str, Any]]]:
    with Session(engine) as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.org_id == org_id,
                                                     AuditEvent.target_type == "prompt_version")).all()
        return [(r.action, r.detail) for r in sorted(rows, key=lambda r: r.at)]


# --- the contract and the rule ----------------------------------------------------------------

def test_the_contract_lint() -> None:
    for spec in BUILTIN_PROMPTS.values():
        assert lint_prompt(spec.system) == []
    no_sources = lint_prompt(BROKEN_AGENDA)
    assert [(i.clause, i.severity) for i in no_sources] == [("sources", "error")]
    assert "Cite only ids from the data" in no_sources[0].message
    assert [i.clause for i in lint_prompt(AGENDA.replace(DATA_RULES, ""))] == ["data"]
    no_language = lint_prompt(AGENDA.replace("{language_name}", "English"))
    assert [(i.clause, i.severity) for i in no_language] == [("language", "warning")]


def summary(*, hash_of: str = GOOD_AGENDA, failures: list[str] | None = None, judge: float | None = None,
            cases: int = 10) -> EvalSummary:
    return EvalSummary(task="agenda", prompt_version="v", prompt_hash=prompt_hash(hash_of), engine="scripted",
                       dataset="agenda@1.0.0+x", evaluated_at=NOW, cases=cases, passed=cases - len(failures or []),
                       failures=[CaseFailure(case_id=c, scorers=["cites"]) for c in failures or []],
                       judge_mean=judge)


def test_the_activation_rule() -> None:
    assert judge_activation(summary(), None, system=GOOD_AGENDA).allowed
    verdict = judge_activation(summary(failures=["ag-x", "ag-y"]), None, system=GOOD_AGENDA)
    assert not verdict.allowed and verdict.failing_cases == ["ag-x", "ag-y"]
    assert "2 of 10 cases fail" in verdict.reasons[0]
    assert not judge_activation(summary(hash_of=AGENDA), None, system=GOOD_AGENDA).allowed  # stale evaluation
    assert not judge_activation(summary(hash_of=BROKEN_AGENDA), None, system=BROKEN_AGENDA).allowed  # lint
    assert not judge_activation(summary(cases=0), None, system=GOOD_AGENDA).allowed
    # the judge: not more than 0.1 below the active version
    assert judge_activation(summary(judge=3.95), summary(judge=4.0), system=GOOD_AGENDA).allowed
    low = judge_activation(summary(judge=3.85), summary(judge=4.0), system=GOOD_AGENDA)
    assert not low.allowed and "more than 0.1 below" in low.reasons[0]


# --- the registry -------------------------------------------------------------------------------

def test_create_list_get_are_hr_only_and_per_organisation(world: World) -> None:
    with session_scope(world.engine) as session:
        v1 = create_version(session, principal=world.hr, task="agenda", system=GOOD_AGENDA, now=NOW, note="shorter")
        v2 = create_version(session, principal=world.hr, task="agenda", system=BROKEN_AGENDA, now=NOW)
        assert (v1.version, v2.version, v1.status) == ("v1", "v2", PromptStatus.draft)
        assert spec_of(v1).version == f"v1-{prompt_hash(GOOD_AGENDA)[:8]}"
        assert [r.version for r in list_versions(session, principal=world.hr, task="agenda")] == ["v1", "v2"]
        with pytest.raises(Forbidden):
            create_version(session, principal=world.employee, task="agenda", system=GOOD_AGENDA, now=NOW)
        with pytest.raises(Forbidden):
            list_versions(session, principal=world.employee)
        with pytest.raises(VersionNotFound):
            get_version(session, principal=world.other_hr, version_id=v1.id)
        assert list_versions(session, principal=world.other_hr) == []
        v1_id = v1.id
    assert [a for a, _ in audit_actions(world.engine, world.hr.org_id)] == ["prompt.create", "prompt.create"]
    assert audit_actions(world.engine, world.hr.org_id)[1][1]["lint"] == ["sources"]
    with Session(world.engine) as session:
        row = session.exec(select(AuditEvent).where(AuditEvent.target_id == v1_id)).one()
        assert row.actor == world.hr.person_id and "system" not in row.detail  # the text is not audited


async def test_preview_runs_one_case_with_the_version(world: World, settings: Any) -> None:
    with session_scope(world.engine) as session:
        row = create_version(session, principal=world.hr, task="agenda", system=GOOD_AGENDA, now=NOW)

        async def run(spec: PromptSpec) -> Any:
            return await preview_case(settings, "agenda", spec, "ag-en-fx-five-open-items")

        result = await preview(inline(session), principal=world.hr, version_id=row.id, run=run)
        spec_version = spec_of(row).version
    assert result.case_id == "ag-en-fx-five-open-items" and result.passed
    assert result.engine == "llm" and result.prompt_version == spec_version  # the result names the version


async def test_a_broken_prompt_is_refused_and_the_failing_cases_are_named(world: World, settings: Any) -> None:
    evaluator = prompt_evaluator(settings)  # the whole agenda dataset, on the scripted model
    with session_scope(world.engine) as session:
        row = create_version(session, principal=world.hr, task="agenda", system=BROKEN_AGENDA, now=NOW,
                             note="shorter prompt without the sources section")
        with pytest.raises(ActivationRefused) as refused:
            await activate(inline(session), principal=world.hr, version_id=row.id, evaluator=evaluator, now=NOW)
        assert row.status == PromptStatus.draft
        stored = summary_of(row)
        assert stored is not None and stored.engine == "scripted" and stored.cases >= 25
        assert active_prompt(session, org_id=world.hr.org_id, task="agenda") == BUILTIN_PROMPTS["agenda"]
    exc = refused.value
    assert "ag-en-fx-five-open-items" in exc.failing_cases and "ag-nl-daan-rich" in exc.failing_cases
    assert "ag-en-fx-new-hire" not in exc.failing_cases  # cites nothing, so it does not depend on the rule
    assert any("missing the sources rule" in r for r in exc.reasons)
    assert any("cases fail deterministic checks" in r and "ag-en-fx-five-open-items" in r for r in exc.reasons)
    actions = audit_actions(world.engine, world.hr.org_id)
    assert [a for a, _ in actions] == ["prompt.create", "prompt.evaluate", "prompt.activate_refused"]
    assert "ag-en-fx-five-open-items" in actions[2][1]["failing_cases"]


async def test_a_data_rule_drop_is_caught_by_the_injection_cases(world: World, settings: Any) -> None:
    evaluator = prompt_evaluator(settings, slices=["injection"])
    with session_scope(world.engine) as session:
        row = create_version(session, principal=world.hr, task="agenda", system=AGENDA.replace(DATA_RULES, ""),
                             now=NOW)
        result = await evaluate(inline(session), principal=world.hr, version_id=row.id, evaluator=evaluator, now=NOW)
    failing = {f.case_id: f.scorers for f in result.failures}
    assert set(failing) == {"ag-nl-daan-rich", "ag-en-daan-injection", "ag-en-fx-injection-notes",
                            "ag-nl-fx-injection-feedback"}
    assert all(s == ["must_not_contain"] for s in failing.values())


async def test_activate_good_versions_then_roll_back_one_call_at_a_time(world: World, settings: Any) -> None:
    evaluator = prompt_evaluator(settings, case_ids=SUBSET)
    later = NOW + timedelta(hours=1)
    with session_scope(world.engine) as session:
        v1 = create_version(session, principal=world.hr, task="agenda", system=GOOD_AGENDA, now=NOW)
        v2 = create_version(session, principal=world.hr, task="agenda", system=GOOD_AGENDA + "\nBe brief.", now=NOW)
        await activate(inline(session), principal=world.hr, version_id=v1.id, evaluator=evaluator, now=NOW)
        await activate(inline(session), principal=world.hr, version_id=v2.id, evaluator=evaluator, now=later)
        assert (v1.status, v2.status) == (PromptStatus.retired, PromptStatus.active)
        assert active_prompt(session, org_id=world.hr.org_id, task="agenda") == spec_of(v2)
        assert active_prompt(session, org_id=world.other_hr.org_id, task="agenda") == BUILTIN_PROMPTS["agenda"]
        session.commit()
        resolve = prompt_resolver(world.engine)  # what the Coach asks on every run
        assert resolve(world.hr.org_id, "agenda") == spec_of(v2)
        assert resolve(world.hr.org_id, "feedback") == BUILTIN_PROMPTS["feedback"]

        assert rollback(session, principal=world.hr, task="agenda", now=later) == spec_of(v1)
        assert active_prompt(session, org_id=world.hr.org_id, task="agenda") == spec_of(v1)
        assert rollback(session, principal=world.hr, task="agenda", now=later) == BUILTIN_PROMPTS["agenda"]
        with pytest.raises(VersionNotFound):
            rollback(session, principal=world.hr, task="agenda", now=later)
        with pytest.raises(Forbidden):
            rollback(session, principal=world.employee, task="agenda", now=later)
    actions = [a for a, _ in audit_actions(world.engine, world.hr.org_id)]
    assert actions.count("prompt.activate") == 2 and actions.count("prompt.rollback") == 2
    assert actions.count("prompt.evaluate") == 2


async def test_with_a_judge_a_lower_mean_than_the_active_version_is_refused(world: World, settings: Any) -> None:
    judged = settings.model_copy(update={"judge_model": "judge-small", "judge_base_url": "http://judge.test/v1",
                                         "judge_api_key": SecretStr("k"), "model_max_retries": 0})
    scores = iter([3, 3, 3] + [4] * 100)  # the candidate is graded first, then the active (built-in) one

    def answer(request: httpx.Request) -> httpx.Response:
        content = json.dumps({"reasoning": "Graded against the anchors.", "score": next(scores)})
        return httpx.Response(200, json={"id": "c", "object": "chat.completion", "created": 0, "model": "judge-small",
                                         "choices": [{"index": 0, "finish_reason": "stop",
                                                      "message": {"role": "assistant", "content": content}}]})

    with respx.mock(base_url="http://judge.test/v1", assert_all_mocked=True) as judge_api:
        route = judge_api.post("/chat/completions").mock(side_effect=answer)
        evaluator = prompt_evaluator(judged, case_ids=["ag-en-fx-new-hire"], judge_model=make_judge_model(judged))
        with session_scope(world.engine) as session:
            row = create_version(session, principal=world.hr, task="agenda", system=GOOD_AGENDA, now=NOW)
            with pytest.raises(ActivationRefused) as refused:
                await activate(inline(session), principal=world.hr, version_id=row.id, evaluator=evaluator, now=NOW)
    assert route.call_count == 6
    assert refused.value.failing_cases == []
    assert refused.value.reasons == ["mean judge score 3.00 is more than 0.1 below the active version's 4.00"]


# --- the API ------------------------------------------------------------------------------------

@pytest.fixture
def api(world: World, settings: Any) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(prompts_routes.router)
    app.state.settings = settings
    app.state.evaluation = SuiteEvaluation(settings)
    app.state.engine = world.engine
    app.dependency_overrides[get_now] = lambda: NOW
    with session_scope(world.engine) as session:
        keys = {
            name: {"Authorization": f"Bearer {create_key(session, org_id=p.org_id, person_id=p.person_id, now=NOW)[1]}"}
            for name, p in (("hr", world.hr), ("employee", world.employee), ("other_hr", world.other_hr))
        }
    with TestClient(app) as client:
        yield client, keys


def test_api_hr_only_and_other_organisations_see_nothing(api: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    client, keys = api
    created = client.post("/v1/prompts", json={"task": "agenda", "system": BROKEN_AGENDA}, headers=keys["hr"])
    assert created.status_code == 201
    body = created.json()
    assert body["version"] == "v1" and body["status"] == "draft" and body["lint"][0]["clause"] == "sources"

    forbidden = client.post("/v1/prompts", json={"task": "agenda", "system": GOOD_AGENDA}, headers=keys["employee"])
    assert forbidden.status_code == 403 and forbidden.headers["content-type"] == "application/problem+json"
    assert client.get("/v1/prompts", headers=keys["employee"]).status_code == 403
    assert client.get("/v1/prompts").status_code == 401
    missing = client.get(f"/v1/prompts/{body['id']}", headers=keys["other_hr"])
    unknown = client.get("/v1/prompts/pv_doesnotexist", headers=keys["other_hr"])
    assert missing.status_code == unknown.status_code == 404 and missing.content == unknown.content
    assert client.get("/v1/prompts", headers=keys["other_hr"]).json() == []
    bad_case = client.post(f"/v1/prompts/{body['id']}/preview", json={"case_id": "fb-en-fx-great-job"},
                           headers=keys["hr"])
    assert bad_case.status_code == 422  # a case of another task's dataset


def test_api_refuses_a_broken_version_naming_the_cases_then_activates_and_rolls_back_a_good_one(
    api: tuple[TestClient, dict[str, dict[str, str]]], world: World
) -> None:
    client, keys = api
    hr = keys["hr"]
    broken = client.post("/v1/prompts", json={"task": "agenda", "system": BROKEN_AGENDA}, headers=hr).json()
    refused = client.post(f"/v1/prompts/{broken['id']}/activate", headers=hr)
    assert refused.status_code == 409 and refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["type"].endswith("prompt-regression") and "ag-en-fx-five-open-items" in problem["detail"]
    failing = {tuple(e["loc"]) for e in problem["errors"]}
    assert ("cases", "ag-en-fx-five-open-items") in failing
    assert all(e["type"] == "case_failed" and e["msg"] for e in problem["errors"])

    good = client.post("/v1/prompts", json={"task": "agenda", "system": GOOD_AGENDA, "note": "shorter questions"},
                       headers=hr).json()
    preview_body = client.post(f"/v1/prompts/{good['id']}/preview", json={"case_id": "ag-en-fx-new-hire"},
                               headers=hr).json()
    assert preview_body["passed"] and preview_body["prompt_version"] == good["prompt_version"]
    evaluated = client.post(f"/v1/prompts/{good['id']}/evaluate", json={"case_ids": SUBSET}, headers=hr).json()
    assert evaluated["cases"] == len(SUBSET) and evaluated["passed"] == len(SUBSET)

    activated = client.post(f"/v1/prompts/{good['id']}/activate", headers=hr)
    assert activated.status_code == 200, activated.json()
    assert activated.json()["status"] == "active"
    active = client.get("/v1/prompts/active/agenda", headers=hr).json()
    assert active["source"] == "registry" and active["prompt_version"] == good["prompt_version"]

    rolled = client.post("/v1/prompts/rollback", json={"task": "agenda"}, headers=hr).json()
    assert rolled["source"] == "builtin" and rolled["prompt_version"] == BUILTIN_PROMPTS["agenda"].version
    again = client.post("/v1/prompts/rollback", json={"task": "agenda"}, headers=hr)
    assert again.status_code == 409
    actions = [a for a, _ in audit_actions(world.engine, world.hr.org_id)]
    # the subset evaluation does not count for activation: activating evaluated every case again
    assert actions == ["prompt.create", "prompt.evaluate", "prompt.activate_refused", "prompt.create",
                       "prompt.evaluate", "prompt.evaluate", "prompt.activate", "prompt.rollback"]


async def test_a_stored_evaluation_counts_only_for_the_same_text_cases_engine_and_dataset(
    world: World, settings: Any
) -> None:
    evaluator = prompt_evaluator(settings, case_ids=SUBSET)
    with session_scope(world.engine) as session:
        row = create_version(session, principal=world.hr, task="agenda", system=GOOD_AGENDA, now=NOW)
        stale = summary(failures=["ag-en-fx-five-open-items"]).model_copy(update={"engine": "llm"})
        row.eval_summary = stale.model_dump(mode="json")
        with pytest.raises(ActivationRefused) as refused:  # reused as is: same text, all cases, any engine
            await activate(inline(session), principal=world.hr, version_id=row.id, evaluator=evaluator, now=NOW)
        assert refused.value.failing_cases == ["ag-en-fx-five-open-items"]
        # an evaluation on another engine (or dataset) is stale: activating evaluates again
        await activate(inline(session), principal=world.hr, version_id=row.id, evaluator=evaluator, now=NOW,
                       engine="scripted", dataset="agenda@9.9.9+new")
        assert row.status == PromptStatus.active and summary_of(row).engine == "scripted"  # type: ignore[union-attr]
