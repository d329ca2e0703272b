"""The OpenAI-compatible endpoint, driven by the official ``openai`` client over a real uvicorn server.

Two servers: one on the offline engine (no model configured) and one whose coach calls a real
``ChatOpenAI`` against a respx-mocked model that streams its answer word by word. The test's
own client talks to the server on loopback (passed through respx).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import openai
import pytest
import respx
from pydantic import SecretStr

from api.app import create_app
from knowledge.settings import Settings
from knowledge.store import Store
from tests.api.conftest import Template
from tests.api.test_streaming import LLM, WORDS, Upstream
from tests.servers import serving


@dataclass
class Served:
    url: str
    template: Template
    upstream: Upstream

    def client(self, actor: str, **headers: str) -> openai.OpenAI:
        return openai.OpenAI(api_key=self.template.secrets[actor], base_url=f"{self.url}/v1", max_retries=0,
                             default_headers=headers or None, timeout=30)

    def person(self, key: str) -> str:
        return self.template.ids.people[key]


def _serve(settings: Settings, store: Store, template: Template, upstream: Upstream) -> Iterator[Served]:
    app = create_app(settings, store=store)
    with respx.mock(assert_all_called=False) as mock:
        mock.post(f"{LLM}/chat/completions").mock(side_effect=upstream)
        mock.route(host="127.0.0.1").pass_through()
        with serving(app) as url:
            yield Served(url, template, upstream)


@pytest.fixture
def offline(settings: Settings, store: Store, template: Template) -> Iterator[Served]:
    """The coach on its offline engine: nothing is configured."""
    yield from _serve(settings, store, template, Upstream())


@pytest.fixture
def with_model(settings: Settings, store: Store, template: Template) -> Iterator[Served]:
    """The coach with a (mocked) model that streams WORDS."""
    llm = settings.model_copy(update={"openai_base_url": LLM, "openai_api_key": SecretStr("sk-test"),
                                      "model_max_retries": 0})
    yield from _serve(llm, store, template, Upstream())


def test_models_lists_the_chat_and_every_task(offline: Served) -> None:
    names = {m.id for m in offline.client("daan").models.list()}
    assert {"coach", "coach-agenda", "coach-smart-goal", "coach-feedback", "coach-development"} <= names


def test_a_refused_key_is_an_authentication_error_in_openais_shape(offline: Served) -> None:
    client = openai.OpenAI(api_key="coach_not-a-real-key", base_url=f"{offline.url}/v1", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as info:
        client.chat.completions.create(model="coach", messages=[{"role": "user", "content": "hello there"}])
    assert info.value.status_code == 401
    body = info.value.body
    assert isinstance(body, dict) and body["type"] == "authentication_error" and body["code"] == "invalid_api_key"
    with pytest.raises(openai.AuthenticationError):
        client.models.list()


def test_an_unknown_model_is_not_found(offline: Served) -> None:
    with pytest.raises(openai.NotFoundError) as info:
        offline.client("daan").chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "hello"}])
    assert isinstance(info.value.body, dict) and info.value.body["code"] == "model_not_found"


def test_bad_requests_are_400_before_the_coach_runs(offline: Served) -> None:
    client = offline.client("daan")
    with pytest.raises(openai.BadRequestError):  # the last message is not the user's
        client.chat.completions.create(model="coach", messages=[{"role": "assistant", "content": "hi"}])
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="coach", messages=[])
    with pytest.raises(openai.BadRequestError):  # a task model needs the task's JSON request
        client.chat.completions.create(model="coach-agenda", messages=[{"role": "user", "content": "prep me"}])


def test_a_conversation_continues_the_same_coach_thread(offline: Served) -> None:
    client = offline.client("daan")
    first = [{"role": "user", "content": "My goal is to present better"}]
    raw = client.chat.completions.with_raw_response.create(model="coach", messages=first)  # type: ignore[arg-type]
    answer = raw.parse()
    thread_id = raw.headers["x-coach-thread-id"]
    reply = answer.choices[0].message.content
    assert reply and answer.choices[0].finish_reason == "stop"

    follow_up = [*first, {"role": "assistant", "content": reply},
                 {"role": "user", "content": "Make it about client demos by the end of Q1"}]
    raw2 = client.chat.completions.with_raw_response.create(model="coach", messages=follow_up)  # type: ignore[arg-type]
    assert raw2.headers["x-coach-thread-id"] == thread_id

    thread = httpx.get(f"{offline.url}/v1/coach/threads/{thread_id}",
                       headers={"Authorization": f"Bearer {offline.template.secrets['daan']}"}).json()
    users = [m["content"] for m in thread["messages"] if m["role"] == "user"]
    assert users == ["My goal is to present better", "Make it about client demos by the end of Q1"]

    # The same history from someone else starts a thread of theirs: threads never cross principals.
    other = offline.client("sanne").chat.completions.with_raw_response.create(
        model="coach", messages=follow_up)  # type: ignore[arg-type]
    assert other.headers["x-coach-thread-id"] != thread_id


def test_a_task_model_answers_with_the_tasks_json(offline: Served) -> None:
    request = {"employee_id": offline.person("daan"), "minutes": 30, "language": "en"}
    answer = offline.client("femke").chat.completions.create(
        model="coach-agenda", messages=[{"role": "user", "content": json.dumps(request)}])
    agenda = json.loads(answer.choices[0].message.content or "")
    assert agenda["employee_id"] == offline.person("daan") and agenda["minutes"] == 30
    assert sum(item["minutes"] for item in agenda["items"]) == 30 and agenda["sources"]


def test_an_out_of_scope_task_is_not_found_like_a_missing_one(offline: Served) -> None:
    client = offline.client("priya")  # another manager: Daan is not her report
    errors = []
    for employee in (offline.person("daan"), "per_doesnotexist00000000"):
        with pytest.raises(openai.NotFoundError) as info:
            client.chat.completions.create(model="coach-agenda", messages=[
                {"role": "user", "content": json.dumps({"employee_id": employee, "minutes": 30})}])
        errors.append(info.value.body)
    assert errors[0] == errors[1]


def test_an_out_of_scope_chat_question_reveals_nothing(with_model: Served) -> None:
    """Asked about someone outside her scope, the coach's tools find nothing: no record reaches the model."""
    answer = with_model.client("priya").chat.completions.create(
        model="coach", messages=[{"role": "user", "content": "What feedback did Daan get?"}])
    assert answer.choices[0].message.content
    sent = json.dumps(with_model.upstream.requests)
    assert "Daan" in sent  # the question itself reaches the model ...
    assert "on-call" not in sent.lower() and "alerting" not in sent.lower()  # ... none of his records do


def test_streaming_arrives_in_pieces_and_ends_with_done(with_model: Served) -> None:
    stream = with_model.client("daan").chat.completions.create(
        model="coach", stream=True, messages=[{"role": "user", "content": "Tell me something"}])
    pieces = [c.choices[0].delta.content for c in stream if c.choices and c.choices[0].delta.content]
    assert len(pieces) >= len(WORDS) // 2
    assert "".join(pieces) == "".join(WORDS)
    with httpx.stream("POST", f"{with_model.url}/v1/chat/completions",
                      headers={"Authorization": f"Bearer {with_model.template.secrets['daan']}"},
                      json={"model": "coach", "stream": True,
                            "messages": [{"role": "user", "content": "Once more"}]}) as raw:
        lines = [line for line in raw.iter_lines() if line.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"
    assert json.loads(lines[-2][6:])["choices"][0]["finish_reason"] == "stop"


def test_a_task_model_streams_too(offline: Served) -> None:
    request = {"text": "Get better at presenting to clients", "language": "en"}
    stream = offline.client("daan").chat.completions.create(
        model="coach-smart-goal", stream=True, messages=[{"role": "user", "content": json.dumps(request)}])
    content = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert json.loads(content)["criteria"]


def test_a_model_failure_mid_stream_raises_in_the_client(with_model: Served) -> None:
    with_model.upstream.fail = "drop"
    stream = with_model.client("daan").chat.completions.create(
        model="coach", stream=True, messages=[{"role": "user", "content": "Tell me something"}])
    with pytest.raises(openai.APIError):
        for _ in stream:
            pass
