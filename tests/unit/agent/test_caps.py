"""Each request's model tokens and record context are capped (issue 11.4)."""

from __future__ import annotations

from typing import Any

from agent.prompts.data import RECORD_TEXT_CHARS, human_message
from agent.schemas import FeedbackRequest
from tests.conftest import FakeLLM, say


async def test_every_model_call_carries_the_token_cap(chat_model: Any, fake_llm: FakeLLM) -> None:
    fake_llm.then(say("ok"))
    await chat_model.ainvoke("hi")
    body = fake_llm.requests[0]
    assert body.get("max_completion_tokens", body.get("max_tokens")) == 2000


def test_long_record_text_is_clipped_in_the_prompt() -> None:
    from datetime import UTC, datetime

    from tools.views import Evidence, FeedbackView

    long_text = "word " * 3000
    fb = FeedbackView.model_validate({
        "id": "fb_1", "text": long_text, "kind": "praise", "anonymous": False, "giver_name": "Sanne",
        "created_at": datetime(2026, 11, 1, tzinfo=UTC), "recipient_id": "per_1", "giver_id": "per_2",
        "visibility": "shared",
    })
    evidence = Evidence(task="agenda", language="en", now=datetime(2026, 11, 2, tzinfo=UTC), feedback=[fb])
    text = human_message(FeedbackRequest(text="Fine work on the release."), evidence, language_name="English")
    assert long_text not in text
    assert RECORD_TEXT_CHARS // 5 - 2 <= text.count("word ") <= RECORD_TEXT_CHARS // 5  # clipped, not dropped
    assert len(text) < RECORD_TEXT_CHARS + 2000
