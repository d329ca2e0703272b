"""The model engine: a real ChatOpenAI against respx-mocked HTTP.

Structured output falls back json_schema -> tool call -> JSON mode and remembers what the
server refused; invalid output gets exactly one repair call; HTTP failures become a
ModelFailure with a reason; retries belong to the OpenAI client alone.
"""

from __future__ import annotations

import json
from typing import Any, Literal

import httpx
import pytest
import respx
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from agent.llm import METHODS, ModelFailure, StructuredModel, make_chat_model, make_http_clients
from agent.retry import ModelTransport, SyncModelTransport
from knowledge.settings import Settings
from tests.conftest import COMPLETIONS_URL, TEST_MODEL, FakeLLM, answer, completion, fail, say, timeout

LLAMA_CPP_REFUSAL = (
    "[{'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), "
    "'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema'}]"
)


class Verdict(BaseModel):
    """A tiny schema for the engine tests."""

    verdict: Literal["pass", "fail"]
    note: str = Field(min_length=1, max_length=80)


GOOD = {"verdict": "pass", "note": "fine"}
MESSAGES = [SystemMessage("You judge."), HumanMessage("<request>judge this</request>")]


def structured(model: Any, method: Literal["auto", "json_schema", "function_calling", "json_mode"] = "auto"
               ) -> StructuredModel:
    return StructuredModel(model, method=method)


# --- building the model ---------------------------------------------------------------------

async def test_canary_respx_sees_the_model_call(chat_model: Any) -> None:
    """If this fails, the client bypasses our httpx clients and no other test here means anything."""
    with respx.mock(assert_all_mocked=True) as router:
        route = router.post(COMPLETIONS_URL).mock(return_value=httpx.Response(200, json=completion("hello")))
        reply = await chat_model.ainvoke("hi")
    assert route.call_count == 1
    assert reply.content == "hello"
    sent = json.loads(route.calls.last.request.content)
    assert sent["model"] == TEST_MODEL
    assert route.calls.last.request.headers["authorization"] == "Bearer sk-test"


def test_no_model_configured_means_offline(offline_settings: Settings) -> None:
    assert make_chat_model(offline_settings) is None


def test_default_clients_carry_timeout_pool_limits_and_one_retry_owner(llm_settings: Settings) -> None:
    model = make_chat_model(llm_settings.model_copy(update={"model_max_retries": 3, "model_timeout_s": 7.0}))
    assert model is not None
    assert isinstance(model.http_async_client, httpx.AsyncClient)
    assert isinstance(model.http_client, httpx.Client)
    assert model.http_async_client.timeout.read == 7.0
    assert model.http_async_client.timeout.connect == 7.0
    transport = model.http_async_client._transport  # type: ignore[attr-defined]
    assert isinstance(transport, ModelTransport)
    pool = transport.inner._pool  # type: ignore[attr-defined]  # the httpx pool behind our transport
    assert pool._max_connections == 20 and pool._max_keepalive_connections == 10
    # The transport is the one retry owner; the OpenAI client does not retry at all.
    assert isinstance(transport, ModelTransport) and transport.policy.max_retries == 3
    assert isinstance(model.http_client._transport, SyncModelTransport)  # type: ignore[attr-defined]
    assert model.max_retries == 0
    assert model.root_async_client.max_retries == 0


def test_a_base_url_alone_is_enough(llm_settings: Settings) -> None:
    local = llm_settings.model_copy(update={"openai_api_key": None})
    sync_client, async_client = make_http_clients(local)
    model = make_chat_model(local, http_client=sync_client, http_async_client=async_client)
    assert model is not None and model.http_async_client is async_client
    assert str(model.root_async_client.base_url).rstrip("/") == "http://llm.test/v1"


# --- structured output ----------------------------------------------------------------------

async def test_json_schema_is_tried_first_with_our_schema(chat_model: Any, fake_llm: FakeLLM) -> None:
    fake_llm.then(answer(GOOD))
    result = await structured(chat_model).generate(Verdict, MESSAGES)
    assert result == Verdict(**GOOD)
    sent = fake_llm.requests[0]
    assert sent["response_format"]["type"] == "json_schema"
    spec = sent["response_format"]["json_schema"]
    assert spec["name"] == "Verdict"
    assert set(spec["schema"]["properties"]) == {"verdict", "note"}
    assert "tools" not in sent


async def test_json_schema_answers_are_validated_once_by_us(
    chat_model: Any, fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The SDK's parse path walked our schema to transform it and parsed the answer a second
    time (4-5 ms of loop time per call, issue 9): the happy path sends the same body without it."""
    import openai.resources.chat.completions as completions

    def not_parse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the SDK's parse path was used")

    monkeypatch.setattr(completions.AsyncCompletions, "parse", not_parse)
    fake_llm.then(answer(GOOD)).then(answer(GOOD))
    model = structured(chat_model)
    assert await model.generate(Verdict, MESSAGES) == Verdict(**GOOD)
    assert await model.generate(Verdict, MESSAGES) == Verdict(**GOOD)
    first, second = fake_llm.requests
    assert first == second
    assert first["response_format"]["json_schema"]["schema"] == Verdict.model_json_schema()
    assert [m["role"] for m in first["messages"]] == ["system", "user"]


async def test_a_refused_json_schema_falls_back_to_a_tool_call_and_is_remembered(
    chat_model: Any, fake_llm: FakeLLM
) -> None:
    """llama.cpp's server answers response_format json_schema with HTTP 500.

    (docs/ARCHITECTURE.md, "Testing the model path")
    """
    fake_llm.then(fail(500, LLAMA_CPP_REFUSAL), answer(GOOD), answer(GOOD))
    engine = structured(chat_model)
    assert await engine.generate(Verdict, MESSAGES) == Verdict(**GOOD)
    assert engine.refused == {"json_schema"}
    assert await engine.generate(Verdict, MESSAGES) == Verdict(**GOOD)

    first, second, third = fake_llm.requests
    assert first["response_format"]["type"] == "json_schema"
    for later in (second, third):
        assert "response_format" not in later
        assert later["tool_choice"] == {"type": "function", "function": {"name": "Verdict"}}
        assert later["tools"][0]["function"]["name"] == "Verdict"


@pytest.mark.filterwarnings("ignore:This model does not support OpenAI:UserWarning")
async def test_refused_tools_fall_back_to_json_mode_with_the_schema_in_the_prompt(
    chat_model: Any, fake_llm: FakeLLM
) -> None:
    fake_llm.then(
        fail(400, "'response_format' of type 'json_schema' is not supported with this model"),
        fail(400, "tool_choice and tools are not supported by this server"),
        answer(GOOD),
    )
    engine = structured(chat_model)
    assert await engine.generate(Verdict, MESSAGES) == Verdict(**GOOD)
    assert engine.refused == {"json_schema", "function_calling"}
    assert engine.methods() == ["json_mode"]
    last = fake_llm.requests[-1]
    assert last["response_format"] == {"type": "json_object"}
    system = fake_llm.text_of("system")
    assert "Answer with one JSON object" in system and '"verdict"' in system


async def test_a_server_error_that_is_not_a_refusal_is_a_failure_not_a_fallback(
    chat_model: Any, fake_llm: FakeLLM
) -> None:
    fake_llm.then(fail(500, "CUDA out of memory"))
    engine = structured(chat_model)
    with pytest.raises(ModelFailure) as caught:
        await engine.generate(Verdict, MESSAGES)
    assert caught.value.kind == "provider_error" and caught.value.reason == "provider_error (HTTP 500)"
    assert engine.refused == frozenset() and fake_llm.calls == 1


async def test_a_configured_method_is_the_only_one_used(chat_model: Any, fake_llm: FakeLLM) -> None:
    fake_llm.then(answer(GOOD))
    assert await structured(chat_model, "json_mode").generate(Verdict, MESSAGES) == Verdict(**GOOD)
    assert fake_llm.requests[0]["response_format"] == {"type": "json_object"}


def test_the_fallback_order() -> None:
    assert METHODS == ("json_schema", "function_calling", "json_mode")


# --- invalid output: one repair, then failure -------------------------------------------------

async def test_invalid_json_gets_exactly_one_repair_call(chat_model: Any, fake_llm: FakeLLM) -> None:
    fake_llm.then(answer('{"verdict": "pass", "note": </oops'), answer(GOOD))
    assert await structured(chat_model).generate(Verdict, MESSAGES) == Verdict(**GOOD)
    assert fake_llm.calls == 2
    repair = fake_llm.messages(1)
    assert [m["role"] for m in repair] == ["system", "user"], "the repair extends the user turn"
    text = repair[-1]["content"]
    assert "not valid JSON" in text
    assert "&lt;/oops" in text and "</oops" not in text, "the bad answer is escaped data"


async def test_output_that_misses_the_schema_is_repaired_with_the_field_named(
    chat_model: Any, fake_llm: FakeLLM
) -> None:
    fake_llm.then(answer({"verdict": "maybe", "note": "secret HR text"}), answer(GOOD))
    assert await structured(chat_model).generate(Verdict, MESSAGES) == Verdict(**GOOD)
    problem = fake_llm.messages(1)[-1]["content"].split("<previous_answer>")[0]
    assert "verdict" in problem
    assert "secret HR text" not in problem, "validation messages do not echo input values"


async def test_invalid_twice_is_a_model_failure(chat_model: Any, fake_llm: FakeLLM) -> None:
    fake_llm.then(answer("no json here"), answer("still none"))
    with pytest.raises(ModelFailure) as caught:
        await structured(chat_model).generate(Verdict, MESSAGES)
    assert caught.value.kind == "invalid_output"
    assert fake_llm.calls == 2


async def test_an_answer_cut_off_at_the_length_limit_is_repaired(chat_model: Any, fake_llm: FakeLLM) -> None:
    def cut_off(_body: dict[str, Any]) -> httpx.Response:
        return httpx.Response(200, json=completion('{"verdict": "pa', finish_reason="length"))

    fake_llm.then(cut_off, answer(GOOD))
    assert await structured(chat_model).generate(Verdict, MESSAGES) == Verdict(**GOOD)
    assert "length limit" in fake_llm.messages(1)[-1]["content"]


async def test_a_tool_call_with_broken_arguments_is_repaired(chat_model: Any, fake_llm: FakeLLM) -> None:
    fake_llm.then(fail(500, LLAMA_CPP_REFUSAL), answer('{"verdict": '), answer(GOOD))
    assert await structured(chat_model).generate(Verdict, MESSAGES) == Verdict(**GOOD)
    assert fake_llm.calls == 3
    assert "tools" in fake_llm.requests[2]


# --- HTTP failures and the retry owner --------------------------------------------------------

@pytest.mark.parametrize(
    ("reply", "kind", "reason"),
    [
        (fail(429, "Rate limit reached"), "provider_rate_limited", "provider_rate_limited (HTTP 429)"),
        (fail(500), "provider_error", "provider_error (HTTP 500)"),
        (fail(503, "overloaded"), "provider_error", "provider_error (HTTP 503)"),
        (fail(401, "bad key"), "provider_unauthorized", "provider_unauthorized (HTTP 401)"),
        (fail(400, "bad request"), "provider_rejected", "provider_rejected (HTTP 400)"),
        (timeout(), "provider_timeout", "provider_timeout (no answer within 2 s)"),
    ],
)
async def test_http_failures_become_a_model_failure_with_a_reason(
    chat_model: Any, fake_llm: FakeLLM, reply: Any, kind: str, reason: str
) -> None:
    fake_llm.then(reply)
    with pytest.raises(ModelFailure) as caught:
        await structured(chat_model).generate(Verdict, MESSAGES)
    assert caught.value.kind == kind
    assert caught.value.reason == reason
    assert fake_llm.calls == 1, "no retries at all with max_retries=0"


async def test_plain_text_answers_pass_through(chat_model: Any, fake_llm: FakeLLM) -> None:
    fake_llm.then(say("Hallo"))
    reply = await chat_model.ainvoke([HumanMessage("hoi")])
    assert reply.content == "Hallo"
