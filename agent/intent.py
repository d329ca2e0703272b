"""What a chat message asks for, recognised without a model (English and Dutch).

Rules over the case- and accent-folded message: each intent has cue patterns with weights;
the best score wins, a tie between the best two is *ambiguous* (the chat asks back). Also
read here: the conversation kind, a meeting length ("45 minutes", "een uur"), the text after
a colon (the goal or the feedback notes), and whether the message names someone
("with Daan", "Daan's", "voor Daan"), so that a name nobody matches can be answered without
repeating it. Which person that is, is decided by the chat router among the people the
principal may see, never here.

The words are data, one file per language: ``knowledge/i18n/locales/<lang>/_intents.yaml``
(cue patterns with weights, conversation kinds, minute and hour words, the prepositions
before a name and the capitalised words that are not names). Every language's cues apply to
every message; adding a language is adding its file (docs/LANGUAGES.md).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, cast, get_args

from agent.schemas import ConversationKind
from knowledge.i18n import supported_languages, word_data

IntentKind = Literal["agenda", "feedback", "smart_goal", "development", "review", "open_items", "notes", "confirm"]
INTENTS: tuple[IntentKind, ...] = get_args(IntentKind)


def fold(text: str) -> str:
    """Lower case without accents (``Één`` -> ``een``), for matching names and cue words."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# --- the word data of every language (locales/<lang>/_intents.yaml) -------------------------

def _data() -> list[dict[str, Any]]:
    return [word_data(lang, "intents") for lang in supported_languages()]


def _any(patterns: Sequence[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns) if patterns else r"(?!x)x")


@cache
def _cues() -> dict[str, tuple[tuple[re.Pattern[str], int], ...]]:
    """Intent -> (pattern, weight) over the folded text, from every language. Several hits add up."""
    cues: dict[str, list[tuple[re.Pattern[str], int]]] = {}
    for data in _data():
        for intent, entries in (data.get("intents") or {}).items():
            cues.setdefault(str(intent), []).extend((re.compile(str(p)), int(w)) for w, p in entries)
    return {intent: tuple(found) for intent, found in cues.items()}


@cache
def _kinds() -> tuple[tuple[ConversationKind, re.Pattern[str]], ...]:
    """Conversation kinds, most specific first (the first language's order)."""
    merged: dict[str, list[str]] = {}
    for data in _data():
        for kind, patterns in (data.get("kinds") or {}).items():
            merged.setdefault(str(kind), []).extend(str(p) for p in patterns)
    return tuple((as_kind(kind), _any(patterns)) for kind, patterns in merged.items())


def as_kind(value: str) -> ConversationKind:
    """``value`` as a :data:`ConversationKind`; ValueError when it is none."""
    for kind in get_args(ConversationKind):
        if kind == value:
            return cast(ConversationKind, kind)
    raise ValueError(f"_intents.yaml names an unknown conversation kind {value!r}")


@cache
def _lengths() -> tuple[re.Pattern[str], tuple[tuple[re.Pattern[str], int], ...]]:
    words = sorted({str(w) for data in _data() for w in data.get("minutes") or ()}, key=len, reverse=True)
    minutes = re.compile(r"\b(\d{1,3})\s*(?:-\s*)?(?:" + "|".join(map(re.escape, words)) + r")\b")
    hours = tuple((re.compile(str(p)), int(m)) for data in _data() for p, m in data.get("hours") or ())
    return minutes, hours


@cache
def _names() -> tuple[re.Pattern[str], frozenset[str]]:
    """Someone named after a preposition, or with a possessive: "with Daan", "Daan's", "voor Daan"."""
    words = [str(w) for data in _data() for w in (data.get("names") or {}).get("prepositions") or ()]
    particles = [r"\s+".join(map(re.escape, str(p).split()))
                 for data in _data() for p in (data.get("names") or {}).get("particles") or ()]
    named = re.compile(
        r"\b(?:" + "|".join(map(re.escape, words)) + r")\s+(?!I\b)"
        r"([A-Z][\w'’-]+(?:\s+(?:" + "".join(p + "|" for p in particles) + r"[A-Z][\w'’-]+))*)|\b([A-Z][\w-]+)['’]s\b"
    )
    not_names = frozenset(fold(str(w)) for data in _data() for w in (data.get("names") or {}).get("not_names") or ())
    return named, not_names


@dataclass(frozen=True, slots=True)
class Ask:
    """What one chat message asks for."""

    intents: tuple[IntentKind, ...]
    """The recognised intents, best first; none when nothing matched."""
    best: tuple[IntentKind, ...]
    """The intents with the best score; more than one is ambiguous: ask which one is meant."""
    kind: ConversationKind | None
    """The conversation kind the message names, if any."""
    minutes: int | None
    """The meeting length the message names, if any (not yet range-checked)."""
    payload: str | None
    """The text after the first colon (a goal, feedback notes, meeting notes), if any."""
    names_someone: bool
    """True when the message names a person ("with Daan"), matched or not."""

    @property
    def ambiguous(self) -> bool:
        """Whether more than one intent scores best."""
        return len(self.best) > 1

    @property
    def intent(self) -> IntentKind | None:
        """The single best intent; None when there is none or a tie."""
        return self.best[0] if len(self.best) == 1 else None


def scores(text: str) -> dict[IntentKind, int]:
    """Each intent's cue score for ``text`` (0 for no cue)."""
    folded = fold(text)
    cues = _cues()
    out: dict[IntentKind, int] = {}
    for intent in INTENTS:
        out[intent] = sum(weight for pattern, weight in cues.get(intent, ()) if pattern.search(folded))
    kind = conversation_kind(text)
    if kind is not None and out["agenda"]:
        out["agenda"] += 2  # "development conversation", "review meeting": prepare a conversation
    if out["notes"] and out["agenda"]:
        out["agenda"] = 0  # "notes from the 1:1": the 1:1 is where the notes come from
    if out["open_items"] and out["agenda"] < 2:
        out["agenda"] = 0  # "what did we agree in the last 1:1"
    if out["review"] and kind == "review" and out["agenda"] >= 4:
        out["review"] = 0  # "prepare the review conversation": an agenda of kind review
    return out


def conversation_kind(text: str) -> ConversationKind | None:
    """The conversation kind ``text`` asks for ("check-in", "review", ...); None when it names none."""
    folded = fold(text)
    for kind, pattern in _kinds():
        if pattern.search(folded):
            return kind
    return None


def meeting_minutes(text: str) -> int | None:
    """The meeting length named in ``text``: "45 minutes", "45 min", "een uur", "half an hour"."""
    folded = fold(text)
    minutes, hours = _lengths()
    found = minutes.search(folded)
    if found:
        return int(found.group(1))
    return next((length for pattern, length in hours if pattern.search(folded)), None)


def names_someone(text: str) -> bool:
    """Whether ``text`` names a person.

    Whether ``text`` names a person: a capitalised word inside a sentence, or after "with",
    "voor", ... or before "'s" (not I, acronyms, days or months).
    """
    named, not_names = _names()
    for found in named.finditer(text):
        name = (found.group(1) or found.group(2) or "").split()[0]
        if fold(name) not in not_names:
            return True
    for sentence in re.split(r"[.!?\n]+", text):
        for word in re.findall(r"[\w'’-]+", sentence)[1:]:
            if re.fullmatch(r"[A-Z][a-z][\w'’-]*", word) and fold(word) not in not_names:
                return True
    return False


def payload_of(text: str) -> str | None:
    """The text after the first colon that is not part of a time or a "1:1"."""
    for found in re.finditer(r":", text):
        before, after = text[: found.start()], text[found.end():]
        if before[-1:].isdigit() and after[:1].isdigit():
            continue
        rest = after.strip()
        return rest or None
    return None


def recognise(text: str) -> Ask:
    """What ``text`` asks for."""
    scored = sorted(((s, i) for i, s in scores(text).items() if s > 0), key=lambda pair: -pair[0])
    return Ask(
        intents=tuple(i for _, i in scored),
        best=tuple(i for s, i in scored if s == scored[0][0]),
        kind=conversation_kind(text),
        minutes=meeting_minutes(text),
        payload=payload_of(text),
        names_someone=names_someone(text),
    )
