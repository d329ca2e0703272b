"""What a chat message asks for, recognised without a model (English and Dutch).

Rules over the case- and accent-folded message: each intent has cue patterns with weights;
the best score wins, a tie between the best two is *ambiguous* (the chat asks back). Also
read here: the conversation kind, a meeting length ("45 minutes", "een uur"), the text after
a colon (the goal or the feedback notes), and whether the message names someone
("with Daan", "Daan's", "voor Daan"), so that a name nobody matches can be answered without
repeating it. Which person that is, is decided by the chat router among the people the
principal may see, never here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from agent.schemas import ConversationKind

IntentKind = Literal["agenda", "feedback", "smart_goal", "development", "review", "open_items", "notes"]
INTENTS: tuple[IntentKind, ...] = ("agenda", "feedback", "smart_goal", "development", "review", "open_items",
                                   "notes")


def fold(text: str) -> str:
    """Lower case without accents (``Één`` -> ``een``), for matching names and cue words."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_ONE_ON_ONE = r"\b1[-: ]?on[-: ]?1s?\b|\b1:1s?\b|\bone[- ]on[- ]ones?\b|\b1[- ]op[- ]1\b|\been[- ]op[- ]een\b"

# (pattern over the folded text, weight). Several hits add up.
_CUES: dict[IntentKind, tuple[tuple[str, int], ...]] = {
    "agenda": (
        (r"\bprepar\w*|\bprep\b|\bagenda\b|\bvoorbereid\w*|\bvoor te bereiden\b|\bbereid\b.*\bvoor\b", 2),
        (_ONE_ON_ONE, 1),
        (r"\bcheck[- ]?ins?\b|\bmeeting\b|\bconversation\b|\btalk\b|\w*gesprek\w*|\boverleg\b", 1),
    ),
    "feedback": (
        (r"\bfeedback\b|\bsbi\b|\bcompliment\w*|\bkritiek\b|\bcriticism\b", 2),
        (r"\b(?:re)?phras\w*|\b(?:her)?formuler\w*|\bword(?:ing)?\b|\bverwoord\w*|\bverbeter\w*|\bimprove\b", 1),
    ),
    "smart_goal": (
        (r"\bgoals?\b|\bdoel(?:en|stellinge?n?)?\b|\bokrs?\b|\bobjectives?\b|\bkey results?\b|\bkernresultat\w*", 2),
        (r"\bsmart\b|\brewrite\b|\bherschrijf\b|\bherschrijven\b|\bmeasurable\b|\bmeetbaar\b|\bcheck (?:my|this)\b", 1),
    ),
    "development": (
        (r"\bdevelopment\b|\bdevelop\b|\bontwikkel\w*|\bgrowth\b|\bgroei\w*", 2),
        (r"\blearn\w*|\btraining\w*|\bcourses?\b|\bleer\w*|\bleren\b|\bcursus\w*|\bopleiding\w*|\bskills?\b", 1),
    ),
    "review": (
        (r"\b(?:draft|write|writing)\b.{0,40}\breview\b|\breview draft\b|\b(?:year[- ]end|performance|annual|self)"
         r"[- ]review\b|\bjaarbeoordeling\b|\bbeoordeling\b|\bjaarevaluatie\b|\bzelfevaluatie\b", 3),
    ),
    "open_items": (
        (r"\bwhat(?:'?s| is) (?:still |now )?open\b|\bopen (?:action )?items?\b|\baction items?\b"
         r"|\bwhat did we agree\b|\bwhat we agreed\b|\bagreed\b|\bagreements?\b|\bfollow[- ]ups?\b", 3),
        (r"\bafspraken\b|\bafgesproken\b|\bstaat er (?:nog )?open\b|\bopenstaand\w*|\bactiepunt\w*|\bto-?dos?\b", 3),
    ),
    "notes": (
        (r"\b(?:my|the|these|our) notes\b|\bnotes (?:from|of|on)\b|\btranscript\b|\bminutes of\b", 4),
        (r"\b(?:mijn|de|onze|deze) (?:aantekeningen|notities)\b|\baantekeningen\b|\bnotities\b|\bverslag\b"
         r"|\bnotulen\b|\btranscriptie\b", 4),
    ),
}
_COMPILED = {intent: tuple((re.compile(p), w) for p, w in cues) for intent, cues in _CUES.items()}

# Conversation kinds, most specific first.
_KINDS: tuple[tuple[ConversationKind, re.Pattern[str]], ...] = (
    ("development", re.compile(r"\bdevelopment (?:conversation|talk|meeting|chat)\b|\bontwikkelgesprek\w*"
                               r"|\bloopbaangesprek\w*|\bcareer (?:conversation|talk)\b")),
    ("review", re.compile(r"\breview (?:conversation|talk|meeting)\b|\b(?:performance|annual|year[- ]end) review\b"
                          r"|\bbeoordelingsgesprek\w*|\bjaargesprek\w*|\bfunctioneringsgesprek\w*"
                          r"|\bevaluatiegesprek\w*")),
    ("check_in", re.compile(r"\bcheck[- ]?ins?\b|\bvoortgangsgesprek\w*")),
    ("one_on_one", re.compile(_ONE_ON_ONE)),
)
_MINUTES = re.compile(r"\b(\d{1,3})\s*(?:-\s*)?(?:min(?:ute)?s?|minuten|minuut|mins|m)\b")
_HOURS = re.compile(r"\b(?:(an|one|een|1)|(half an|a half|een half|half)|(two|twee|2)"
                    r"|(1[.,]5|anderhalf|one and a half))\s*(?:hours?|uur|uren)\b")
_HOUR_MINUTES = {1: 60, 2: 30, 3: 120, 4: 90}

# Someone named after a preposition, or with a possessive: "with Daan", "Daan's", "voor Daan".
_NAMED = re.compile(
    r"\b(?:with|for|about|of|to|on|met|voor|over|van|aan|bij)\s+(?!I\b)([A-Z][\w'’-]+(?:\s+(?:van\s+der|van|de|el|der|[A-Z][\w'’-]+))*)"
    r"|\b([A-Z][\w-]+)['’]s\b"
)
_NOT_NAMES = frozenset(fold(w) for w in (
    "I", "AI", "OKR", "OKRs", "SMART", "SBI", "GROW", "Q1", "Q2", "Q3", "Q4", "HR", "Monday", "Tuesday",
    "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January", "February", "March", "April", "May",
    "June", "July", "August", "September", "October", "November", "December", "English", "Dutch", "Nederlands",
    "Engels", "Maandag", "Dinsdag", "Woensdag", "Donderdag", "Vrijdag", "Me", "Mij", "My", "Mijn", "Ik", "Jij",
    "You", "Coach", "Hoi", "Hi", "Hello", "Hallo", "Thanks", "Dank", "The", "De", "Het", "Een", "A", "An", "This",
    "That", "Deze", "Dit",
))


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
        return len(self.best) > 1

    @property
    def intent(self) -> IntentKind | None:
        return self.best[0] if len(self.best) == 1 else None


def scores(text: str) -> dict[IntentKind, int]:
    """Each intent's cue score for ``text`` (0 for no cue)."""
    folded = fold(text)
    out: dict[IntentKind, int] = {}
    for intent, cues in _COMPILED.items():
        out[intent] = sum(weight for pattern, weight in cues if pattern.search(folded))
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
    folded = fold(text)
    for kind, pattern in _KINDS:
        if pattern.search(folded):
            return kind
    return None


def meeting_minutes(text: str) -> int | None:
    """The meeting length named in ``text``: "45 minutes", "45 min", "een uur", "half an hour"."""
    folded = fold(text)
    found = _MINUTES.search(folded)
    if found:
        return int(found.group(1))
    hours = _HOURS.search(folded)
    if hours:
        group = next(i for i in range(1, 5) if hours.group(i))
        return _HOUR_MINUTES[group]
    return None


def names_someone(text: str) -> bool:
    """Whether ``text`` names a person: a capitalised word inside a sentence, or after "with",
    "voor", ... or before "'s" (not I, acronyms, days or months)."""
    for found in _NAMED.finditer(text):
        name = (found.group(1) or found.group(2) or "").split()[0]
        if fold(name) not in _NOT_NAMES:
            return True
    for sentence in re.split(r"[.!?\n]+", text):
        for word in re.findall(r"[\w'’-]+", sentence)[1:]:
            if re.fullmatch(r"[A-Z][a-z][\w'’-]*", word) and fold(word) not in _NOT_NAMES:
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
