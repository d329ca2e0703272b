"""One language detector for the whole product.

lingua, with only the supported languages loaded (so it never answers a language we cannot
serve) and its models loaded lazily at first use. Contract: :func:`detect` returns the
language of ``text``, or None when the text is too short or too uncertain to tell. Callers
then fall back to the thread's language, then to the person's profile language.

Measured on short chat messages (5 words and up) in English and Dutch: see docs/LANGUAGES.md.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import cast

from lingua import Language as LinguaLanguage
from lingua import LanguageDetector, LanguageDetectorBuilder

from knowledge.i18n.languages import Language, available_languages, language_info

MIN_WORDS = 2
"""Fewer words than this (after placeholders and names of digits are dropped) is None."""
MIN_CONFIDENCE = 0.52
"""The winning language's share of the confidence, below which the answer is None: only near
ties are declined. On benchmarks/data/short_messages.yaml, 0.7 declined clear Dutch messages
full of English loanwords ("Hoe geef ik feedback op gemiste deadlines?", 0.54)."""
MAX_CHARS = 10_000
"""Only the start of a longer text is read: a policy document's language shows in its first pages."""

_PLACEHOLDER = re.compile(r"\[[^\[\]]{0,80}\?\s*\]")
_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)


@cache
def _detector() -> tuple[LanguageDetector, dict[LinguaLanguage, str]]:
    codes = {getattr(LinguaLanguage, language_info(code).detector): code for code in available_languages()}
    if len(codes) == 1:  # lingua needs two languages; one alone is always the answer
        return cast(LanguageDetector, None), codes
    return LanguageDetectorBuilder.from_languages(*codes).build(), codes


def detect(text: str, *, min_words: int = MIN_WORDS, min_confidence: float = MIN_CONFIDENCE) -> Language | None:
    """The supported language ``text`` is written in, or None when it cannot tell.

    Explicit gaps (``[target: ?]``) are ignored. None when fewer than ``min_words`` words
    remain, or when the best language has less than ``min_confidence`` of the confidence.
    """
    return decided(_guesses([text], min_words=min_words, parallel=False)[0], min_confidence=min_confidence)


@dataclass(frozen=True, slots=True)
class Guess:
    """lingua's best supported language for one text, its share of the confidence, and the words it read."""

    language: Language
    confidence: float
    words: int


def decided(guess: Guess | None, *, min_words: int = MIN_WORDS,
            min_confidence: float = MIN_CONFIDENCE) -> Language | None:
    """The guess's language if it clears both bars (what :func:`detect` answers with them), else None."""
    if guess is None or guess.words < min_words or guess.confidence < min_confidence:
        return None
    return guess.language


def guess_each(texts: Sequence[str], *, min_words: int = MIN_WORDS) -> list[Guess | None]:
    """The best language of each text (None below ``min_words`` words), in one call.

    lingua reads the texts in parallel on every core and lets go of the GIL meanwhile: the
    language check of a draft (each of its 20 or so fields) held the GIL for about 4 ms, now
    for about 0.3 ms, so the event loop and the other requests' threads run while lingua reads
    (issue 9). Texts with too few words are not read at all.
    """
    return _guesses(texts, min_words=min_words, parallel=True)


def _guesses(texts: Sequence[str], *, min_words: int, parallel: bool) -> list[Guess | None]:
    cleaned = [_PLACEHOLDER.sub(" ", text[:MAX_CHARS]) for text in texts]
    words = [len(_WORD.findall(text)) for text in cleaned]
    read = [i for i, n in enumerate(words) if n >= min_words]
    out: list[Guess | None] = [None] * len(texts)
    if not read:
        return out
    detector, codes = _detector()
    if detector is None:
        for i in read:
            out[i] = Guess(cast(Language, next(iter(codes.values()))), 1.0, words[i])
        return out
    batch = [cleaned[i] for i in read]
    if parallel:
        found = detector.compute_language_confidence_values_in_parallel(batch)
    else:  # one text: the calling thread is quicker than a hand-over to lingua's pool
        found = [detector.compute_language_confidence_values(text) for text in batch]
    for i, values in zip(read, found, strict=True):
        if values:
            out[i] = Guess(cast(Language, codes[values[0].language]), values[0].value, words[i])
    return out
