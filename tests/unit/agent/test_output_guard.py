"""The prompt-leak guard: what leaks, and that a system prompt is read once however often it is checked."""

from __future__ import annotations

from typing import Any

from agent import output_guard
from agent.output_guard import CANARY, CANARY_LINE, QUOTE_WORDS, leaks

SYSTEM_A = ("You are a coach for managers. Ground every agenda item in the records you were given and ask "
            "open questions that start with what or how. Never invent a goal, a date or a name. "
            f"{CANARY_LINE}")
SYSTEM_B = ("You rewrite goals so that they are specific, measurable, achievable, relevant and time-bound, and "
            "you ask for every fact the author did not give instead of making one up.")


def words(text: str, start: int, n: int) -> str:
    return " ".join(text.split()[start:start + n])


def test_a_run_of_quote_words_of_the_prompt_leaks_and_a_shorter_one_does_not() -> None:
    quote = words(SYSTEM_A, 3, QUOTE_WORDS)
    assert leaks(f"Sure. {quote.upper()} and more.", SYSTEM_A)  # case does not hide a quote
    assert not leaks(f"Sure. {words(SYSTEM_A, 3, QUOTE_WORDS - 1)} and more.", SYSTEM_A)
    assert leaks({"items": [{"text": f"the marker is {CANARY}"}]}, SYSTEM_B)  # the canary, in any prompt
    # The kept shingles belong to one prompt's text: a quote of A is nothing against B.
    assert not leaks(quote, SYSTEM_B)
    assert leaks(words(SYSTEM_B, 0, QUOTE_WORDS), SYSTEM_B)
    assert not leaks(words(SYSTEM_B, 0, QUOTE_WORDS), SYSTEM_A)


def test_a_growing_answer_checked_token_by_token_reads_the_prompt_once(monkeypatch: Any) -> None:
    output_guard._prompt_shingles.cache_clear()
    read: list[str] = []
    original = output_guard._shingles

    def shingles(text: str, n: int) -> set[tuple[str, ...]]:
        read.append(text)
        return original(text, n)

    monkeypatch.setattr(output_guard, "_shingles", shingles)
    seen = ""
    for token in ("Here ", "is ", "an ", "agenda ", "for ", "your ", "one-on-one ", "with ", "Bram. ") * 20:
        seen += token
        assert not leaks(seen, SYSTEM_A)
    prompt_reads = [t for t in read if "coach for managers" in t]
    assert len(prompt_reads) == 1, "the system prompt is shingled once, not per token"
    assert len(read) == 1 + 180  # and the answer once per check


def pieces(text: str, sizes: tuple[int, ...]) -> list[str]:
    """``text`` cut into pieces of the given sizes, over and over (mid-word cuts included)."""
    out, i, k = [], 0, 0
    while i < len(text):
        out.append(text[i:i + sizes[k % len(sizes)]])
        i, k = i + sizes[k % len(sizes)], k + 1
    return out


def test_a_streamed_answer_is_judged_as_leaks_judges_every_prefix() -> None:
    quote = words(SYSTEM_A, 5, QUOTE_WORDS)
    answers = [
        "Here is an agenda for your one-on-one with Bram, about the migration and on-call load. " * 8,
        "Start with his goals. " * 5 + quote + " Then close with the action items.",
        "Start with his goals. " * 5 + quote.upper(),  # the quote ends the answer: its last word is unfinished
        "Almost: " + words(SYSTEM_A, 5, QUOTE_WORDS - 1) + " but not quite.",
        "The marker: " + CANARY + " and on.",
        "Dag Bram! Wat ging er goed deze week, en wat kan beter? " * 6,
    ]
    for answer in answers:
        for sizes in ((1,), (3,), (7, 2), (len(CANARY) // 2,), (len(answer),)):
            watch, seen = output_guard.LeakWatch(SYSTEM_A), ""
            verdicts, expected = [], []
            for piece in pieces(answer, sizes):
                seen += piece
                verdicts.append(watch.feed(piece))
                expected.append(leaks(seen, SYSTEM_A))
                if verdicts[-1]:
                    break
            assert verdicts == expected[:len(verdicts)], (answer[:40], sizes)
            assert verdicts[-1] == leaks(answer, SYSTEM_A), (answer[:40], sizes)
    assert leaks(answers[1], SYSTEM_A) and leaks(answers[2], SYSTEM_A) and leaks(answers[4], SYSTEM_A)
    assert not leaks(answers[0], SYSTEM_A) and not leaks(answers[3], SYSTEM_A)
