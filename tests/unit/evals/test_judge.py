"""The LLM judge on fixed coach outputs, its model mocked over HTTP with respx (no network)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx
from pydantic import SecretStr

from evals.judge import (
    JUDGE_SYSTEM,
    RUBRICS,
    Judge,
    JudgeNotConfigured,
    JudgeScore,
    judge_settings,
    make_judge_model,
    parse_score,
)
from evals.report import Thresholds
from evals.runner import EvalConfig, run_eval
from knowledge.settings import Settings

JUDGE_URL = "http://judge.test/v1"


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "openai_api_key": None, "openai_base_url": None, "model": "coach-model",
        "judge_model": "judge-small", "judge_base_url": JUDGE_URL, "judge_api_key": SecretStr("judge-key"),
        "model_max_retries": 0,
    }
    return Settings(**{**values, **overrides})


def completion(content: str) -> httpx.Response:
    return httpx.Response(200, json={
        "id": "chatcmpl-judge", "object": "chat.completion", "created": 0, "model": "judge-small",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    })


FEEDBACK_EN = {
    "language": "en", "rewrite": "In Tuesday's stand-up you interrupted Lee twice, which meant he could not finish.",
    "issues": [{"kind": "personality_label", "words": "rude", "suggestion": "Describe what happened."}],
    "sbi": {"situation": "Tuesday's stand-up", "behaviour": "interrupted Lee twice", "impact": "Lee could not finish"},
    "questions": [], "strengths": [], "growth_areas": ["Let colleagues finish"],
}
FEEDBACK_NL = {
    "language": "nl", "rewrite": "Je bent lui en altijd te laat.", "issues": [],
    "sbi": {"situation": None, "behaviour": "lui", "impact": None},
    "questions": [], "strengths": [], "growth_areas": [],
}
CASE_INPUT = {"task": "feedback", "request": {"text": "Tom is rude in stand-ups."}}


@pytest.fixture
def judge_api():  # type: ignore[no-untyped-def]
    with respx.mock(base_url=JUDGE_URL, assert_all_mocked=True, assert_all_called=False) as router:
        yield router


def sent(route: respx.Route, index: int = -1) -> dict[str, Any]:
    return json.loads(route.calls[index].request.content)


async def test_the_judge_sends_the_rubric_to_its_own_model_and_reads_reasoning_then_score(judge_api) -> None:  # type: ignore[no-untyped-def]
    route = judge_api.post("/chat/completions").mock(return_value=completion(json.dumps(
        {"reasoning": "Situation, behaviour and impact are all from the notes.", "score": 5})))
    model = make_judge_model(settings())
    assert model is not None
    judge = Judge(model, model_name="judge-small")
    rubric = RUBRICS["feedback"][0]

    outcome = await judge.grade(rubric, CASE_INPUT, FEEDBACK_EN)

    assert (outcome.score, outcome.error) == (5, None)
    assert outcome.reasoning.startswith("Situation, behaviour")
    assert route.called  # canary: respx saw the judge's HTTP call
    body = sent(route)
    assert body["model"] == "judge-small"  # the judge's model, not the coach's
    assert route.calls[0].request.headers["authorization"] == "Bearer judge-key"
    assert body["response_format"] == {"type": "json_object"}
    system, user = body["messages"][0]["content"], body["messages"][1]["content"]
    assert system == JUDGE_SYSTEM and "reasoning before deciding the score" in system.lower()
    assert f"<criterion>{rubric.criterion}</criterion>" in user
    assert all(f"{n}: {rubric.anchors[n]}" in user for n in range(1, 6))
    assert "interrupted Lee twice" in user and "<coach_output>" in user and "<case_input>" in user


async def test_a_fenced_dutch_answer_is_parsed(judge_api) -> None:  # type: ignore[no-untyped-def]
    judge_api.post("/chat/completions").mock(return_value=completion(
        '```json\n{"reasoning": "Het label lui blijft staan en er is geen situatie.", "score": 1}\n```'))
    judge = Judge(make_judge_model(settings()), model_name="judge-small")  # type: ignore[arg-type]
    outcomes = await judge.grade_all("feedback", CASE_INPUT, FEEDBACK_NL)
    assert [o.criterion for o in outcomes] == [r.criterion for r in RUBRICS["feedback"]]
    assert {o.score for o in outcomes} == {1}
    assert "lui" in outcomes[0].reasoning


async def test_an_invalid_answer_gets_one_repair_turn(judge_api) -> None:  # type: ignore[no-untyped-def]
    route = judge_api.post("/chat/completions").mock(side_effect=[
        completion('{"reasoning": "fine", "score": 9}'),
        completion('{"reasoning": "Fine after all.", "score": 4}'),
    ])
    judge = Judge(make_judge_model(settings()), model_name="judge-small")  # type: ignore[arg-type]
    outcome = await judge.grade(RUBRICS["agenda"][1], {"task": "agenda"}, {"items": []})
    assert outcome.score == 4 and route.call_count == 2
    repair = sent(route, 1)["messages"]
    assert repair[-2]["role"] == "assistant" and "not valid" in repair[-1]["content"]


async def test_two_invalid_answers_give_no_score_rather_than_a_made_up_one(judge_api) -> None:  # type: ignore[no-untyped-def]
    judge_api.post("/chat/completions").mock(return_value=completion("I would say four."))
    judge = Judge(make_judge_model(settings()), model_name="judge-small")  # type: ignore[arg-type]
    outcome = await judge.grade(RUBRICS["smart_goal"][0], {}, {})
    assert outcome.score is None and "invalid judge answer twice" in (outcome.error or "")


async def test_a_failing_judge_endpoint_is_an_error_not_a_score(judge_api) -> None:  # type: ignore[no-untyped-def]
    judge_api.post("/chat/completions").mock(return_value=httpx.Response(500, json={"error": {"message": "down"}}))
    judge = Judge(make_judge_model(settings()), model_name="judge-small")  # type: ignore[arg-type]
    outcome = await judge.grade(RUBRICS["development"][0], {}, {})
    assert outcome.score is None and "judge call failed" in (outcome.error or "")


def test_the_judge_needs_its_own_model_and_may_share_the_coach_endpoint() -> None:
    with pytest.raises(JudgeNotConfigured):
        judge_settings(settings(judge_model=None))
    shared = judge_settings(settings(judge_base_url=None, judge_api_key=None, openai_base_url="http://llm.test/v1",
                                     openai_api_key=SecretStr("coach-key")))
    assert (shared.model, shared.openai_base_url) == ("judge-small", "http://llm.test/v1")
    assert shared.openai_api_key is not None and shared.openai_api_key.get_secret_value() == "coach-key"
    own = judge_settings(settings(openai_base_url="http://llm.test/v1"))
    assert own.openai_base_url == JUDGE_URL and own.model == "judge-small"


def test_every_task_has_rubrics_with_five_distinct_anchors_and_reasoning_comes_first() -> None:
    for task, rubrics in RUBRICS.items():
        assert len(rubrics) >= 3, task
        assert len({r.criterion for r in rubrics}) == len(rubrics)
        for rubric in rubrics:
            assert sorted(rubric.anchors) == [1, 2, 3, 4, 5]
            assert len(set(rubric.anchors.values())) == 5 and all(rubric.anchors.values())
    assert list(JudgeScore.model_json_schema()["properties"]) == ["reasoning", "score"]
    with pytest.raises(ValueError):
        parse_score('{"reasoning": "x", "score": 0}')


async def test_the_runner_reports_judge_scores_per_criterion_and_fails_below_the_threshold(judge_api) -> None:  # type: ignore[no-untyped-def]
    route = judge_api.post("/chat/completions").mock(return_value=completion(
        json.dumps({"reasoning": "Generic and not grounded in the notes.", "score": 2})))
    config = EvalConfig(tasks=["feedback"], case_ids=["fb-en-fx-great-job", "fb-nl-fx-top-gedaan"], judge=True,
                        thresholds=Thresholds(min_judge_mean=3.5))
    report = await run_eval(config, settings(), judge_model=make_judge_model(settings()))

    assert route.call_count == 2 * len(RUBRICS["feedback"])
    summary = report.summary["feedback"]
    assert summary.judge == {r.criterion: 2.0 for r in RUBRICS["feedback"]} and summary.judge_mean == 2.0
    assert summary.cases.rate == 1.0  # the deterministic scorers pass ...
    assert not report.verdict.passed  # ... but the judge mean is below the threshold
    assert "mean judge score 2.00 is below 3.5" in report.verdict.reasons[0]
    assert report.config.judge_model == "judge-small"
    first = sent(route, 0)["messages"][1]["content"]
    assert "Great job!" in first  # the judge sees the case input and the coach's answer
