"""The chat language slice: its dataset and its scorer."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.chat import ChatReply
from evals.chat_language import LanguageMessage, load_language_slice, score_reply
from evals.dataset import DatasetError

CASE = LanguageMessage(id="en-xx", principal="femke", language="en", message="What development actions fit Daan?")


def _reply(text: str, language: str | None) -> ChatReply:
    return ChatReply(thread_id="thr_x", reply=text, engine="offline", language=language)  # type: ignore[arg-type]


def test_the_shipped_slice_has_forty_short_messages_in_both_languages() -> None:
    data = load_language_slice()
    assert len(data.messages) >= 40
    assert {m.language for m in data.messages} == {"en", "nl"}
    assert min(len(m.message.split()) for m in data.messages) >= 5
    assert len({m.id for m in data.messages}) == len(data.messages)


def test_a_message_under_five_words_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "language.yaml"
    messages = "".join(f"  - {{id: m-{i:02d}, principal: femke, language: en, message: 'one two three four five'}}\n"
                       for i in range(40))
    path.write_text("dataset: chat_language\nversion: 1.0.0\ndescription: x\nmessages:\n" + messages
                    + "  - {id: short-1, principal: femke, language: en, message: 'too short'}\n")
    with pytest.raises(DatasetError, match="at least 5 words"):
        load_language_slice(path)


def test_the_scorer_passes_a_reply_in_the_messages_language_even_when_it_quotes_dutch_records() -> None:
    reply = _reply("Open action items for Daan Visser:\n- Alerting-drempels van de geocoder afronden (employee)\n"
                   "Sources: action item act_1", "en")
    assert score_reply(CASE, reply).passed


def test_the_scorer_fails_a_reply_in_the_other_language() -> None:
    reply = _reply("Ik vond niemand met die naam onder de mensen van wie je de gegevens mag zien (jezelf).", "nl")
    score = score_reply(CASE, reply)
    assert not score.passed and "nl" in score.explanation


def test_the_scorer_fails_a_reply_whose_text_contradicts_its_language_label() -> None:
    reply = _reply("Ik vond niemand met die naam onder de mensen van wie je de gegevens mag zien.", "en")
    assert not score_reply(CASE, reply).passed
