"""The word rules of the notes task: sentences, their kind, owners and dates.

The rules of the notes task: sentences with their place in the notes, what kind each one is,
who it names as owner and which dates it names (absolute, or relative to the conversation).

Shared by the offline drafter (which extracts with them) and the checks (which hold a model's
answer to them: an owner or a due date is only accepted when these rules find it in the very
span the item cites). The words are data: ``locales/<lang>/_notes.yaml`` of every language
(notes are often mixed, so all languages' cues apply).
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Literal

from agent.lexicon.terms import LANGUAGES
from knowledge.i18n import word_data

Kind = Literal["instruction", "topic", "action", "decision", "context"]
Role = Literal["employee", "manager"]


def fold(text: str) -> str:
    """Lower case without accents; the same length as ``text`` is not promised."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# --- sentences ----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Segment:
    """One sentence of the notes: ``notes[start:end] == text``."""

    start: int
    end: int
    text: str
    speaker: str | None = None
    """The speaker of a transcript line ("Daan: ..."), when the line starts with one."""


_BULLET = re.compile(r"^[\s\-*•·–—>]*(?:\d{1,2}[.)]\s+)?")
_SPEAKER = re.compile(r"^([A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)?)\s*:\s+(?=\S)")
_SENTENCE = re.compile(r"[^.!?]+(?:[.!?]+(?=\s|$)|$)|[.!?]+")


def segments(notes: str) -> list[Segment]:
    """The sentences of ``notes`` (split at line breaks and at . ! ?), bullets left out."""
    out: list[Segment] = []
    offset = 0
    for line in notes.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        lead = _BULLET.match(body)
        pos = lead.end() if lead else 0
        speaker = None
        found = _SPEAKER.match(body, pos)
        if found and not _is_cue_label(found.group(1)):
            speaker, pos = found.group(1), found.end()
        for piece in _SENTENCE.finditer(body, pos):
            raw = piece.group(0)
            stripped = raw.strip()
            if len(stripped) < 3 or not re.search(r"\w", stripped):
                continue
            start = offset + piece.start() + (len(raw) - len(raw.lstrip()))
            out.append(Segment(start=start, end=start + len(stripped), text=stripped, speaker=speaker))
        offset += len(line)
    return out


def _is_cue_label(word: str) -> bool:
    """"Action: ..." and "Besluit: ..." are labels, not speakers."""
    return any(_compiled_cues(k).search(fold(word) + ":") for k in ("action_marker", "decision", "topic"))


def locate(notes: str, quote: str) -> tuple[int, int] | None:
    """Where ``quote`` stands in ``notes``: exact, else with any run of whitespace matching any other."""
    quote = quote.strip()
    if not quote:
        return None
    at = notes.find(quote)
    if at >= 0:
        return at, at + len(quote)
    pattern = r"\s+".join(re.escape(part) for part in quote.split())
    found = re.search(pattern, notes)
    return (found.start(), found.end()) if found else None


# --- cues ---------------------------------------------------------------------------------

def _entries(section: str, key: str) -> list[str]:
    return [str(p) for lang in LANGUAGES for p in (word_data(lang, "notes").get(section) or {}).get(key) or ()]


@cache
def _compiled_cues(key: str) -> re.Pattern[str]:
    patterns = _entries("cues", key)
    return re.compile("|".join(f"(?:{p})" for p in patterns) if patterns else r"(?!x)x")


@cache
def _owner_words(key: str) -> re.Pattern[str]:
    patterns = _entries("owner", key)
    return re.compile("|".join(f"(?:{p})" for p in patterns) if patterns else r"(?!x)x")


def has_cue(text: str, key: str) -> bool:
    """Whether ``text`` carries a cue of ``key`` (action_marker, action, decision, topic, instruction)."""
    return bool(_compiled_cues(key).search(fold(text)))


def classify(text: str, *, has_owner: bool, has_date: bool) -> Kind:
    """What one sentence of notes is. Instructions first: they are skipped, never extracted."""
    if has_cue(text, "instruction"):
        return "instruction"
    if has_cue(text, "topic"):
        return "topic"
    if has_cue(text, "action_marker") or (has_cue(text, "action") and (has_owner or has_date)):
        return "action"
    if has_cue(text, "decision"):
        return "decision"
    return "context"


def item_text(segment: Segment) -> str:
    """The sentence as an item: without a leading label ("Action:", "Besluit:") or checkbox.

    The labels are the anchored cues of the word data (those that end in ``:`` or ``-``).
    """
    text = segment.text
    for key in ("action_marker", "decision", "topic"):
        found = _compiled_cues(key).match(fold(text))
        label = found.group(0) if found else ""
        if label and fold(text[: len(label)]) == label and label.rstrip()[-1:] in ":-]":
            return text[len(label):].strip() or text
    return text


# --- owners -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class People:
    """Who the notes are about and who wrote them, for finding owners."""

    employee_names: tuple[str, ...]
    manager_names: tuple[str, ...] = ()
    author: Role | None = None
    """The role of whoever wrote the notes (their "I"); None when they are neither (HR)."""

    def role_of_speaker(self, speaker: str | None) -> Role | None:
        """Whether ``speaker`` is the employee or the manager (by full or first name); None otherwise."""
        if speaker is None:
            return None
        name = fold(speaker)
        if any(name == fold(n) or name == fold(n).split(" ")[0] for n in self.employee_names):
            return "employee"
        if any(name == fold(n) or name == fold(n).split(" ")[0] for n in self.manager_names):
            return "manager"
        return None


def people(employee: str, manager: str | None, author: Role | None) -> People:
    """:class:`People` from full names (the first names count too)."""
    def both(name: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys([name, name.split(" ")[0]]))

    return People(employee_names=both(employee), manager_names=both(manager) if manager else (), author=author)


def _name_hits(folded: str, names: Iterable[str]) -> list[int]:
    hits = []
    for name in names:
        hits += [m.start() for m in re.finditer(r"(?<!\w)" + re.escape(fold(name)) + r"(?!\w)", folded)]
    return hits


def owner_mentions(segment: Segment, who: People) -> list[Role | Literal["shared"]]:
    """The owners ``segment`` names, in order: employee, manager, or ``shared`` ("we")."""
    folded = fold(item_text(segment))
    author = who.role_of_speaker(segment.speaker) or who.author
    hits: list[tuple[int, Role | Literal["shared"]]] = [(p, "employee") for p in _name_hits(folded, who.employee_names)]
    hits += [(p, "manager") for p in _name_hits(folded, who.manager_names)]
    hits += [(m.start(), "manager") for m in _owner_words("manager").finditer(folded)]
    if author is not None:
        hits += [(m.start(), author) for m in _owner_words("author").finditer(folded)]
    hits += [(m.start(), "shared") for m in _owner_words("shared").finditer(folded)]
    return [role for _, role in sorted(hits, key=lambda h: h[0])]


def owner_roles(segment: Segment, who: People) -> set[Role]:
    """The roles a model may name as owner of an item citing ``segment``: those it mentions."""
    return {r for r in owner_mentions(segment, who) if r != "shared"}


def owner_of(segment: Segment, who: People) -> Role | None:
    """The owner the offline drafter reads: the first person named; None when nobody or only "we"."""
    named = [r for r in owner_mentions(segment, who) if r != "shared"]
    return named[0] if named else None


# --- dates --------------------------------------------------------------------------------

@cache
def _date_words() -> tuple[dict[str, int], dict[str, int], dict[str, int], tuple[tuple[re.Pattern[str], str], ...]]:
    months: dict[str, int] = {}
    weekdays: dict[str, int] = {}
    numbers: dict[str, int] = {}
    relative: list[tuple[str, str]] = []
    for lang in LANGUAGES:
        data = word_data(lang, "notes").get("dates") or {}
        for key in ("months", "month_abbreviations"):
            months.update({fold(str(m)): i + 1 for i, m in enumerate(data.get(key) or ())})
        weekdays.update({fold(str(d)): i for i, d in enumerate(data.get("weekdays") or ())})
        numbers.update({str(k): int(v) for k, v in (data.get("numbers") or {}).items()})
        relative += [(str(p), str(r)) for p, r in data.get("relative") or ()]
    n = r"(?P<n>\d{1,2}|" + "|".join(sorted(numbers, key=len, reverse=True)) + ")" if numbers else r"(?P<n>\d{1,2})"
    day = r"(?P<weekday>" + "|".join(sorted(map(re.escape, weekdays), key=len, reverse=True)) + ")"
    compiled = tuple((re.compile(p.replace("{n}", n).replace("{weekday}", day)), rule) for p, rule in relative)
    return months, weekdays, numbers, compiled


def _number(raw: str, numbers: dict[str, int]) -> int:
    if raw.isdigit():
        return int(raw)
    return next((v for k, v in numbers.items() if re.fullmatch(k, raw)), 1)


def _end_of_month(day: date, months_ahead: int = 0) -> date:
    year, month = divmod(day.month - 1 + months_ahead, 12)
    y, m = day.year + year, month + 1
    return date(y, m, calendar.monthrange(y, m)[1])


def _resolve(rule: str, found: re.Match[str], held: date, numbers: dict[str, int], weekdays: dict[str, int]
             ) -> date | None:
    name, _, arg = rule.partition(":")
    count = _number(found.group("n"), numbers) if arg == "n" else int(arg or 0)
    friday = held + timedelta(days=(4 - held.weekday()) % 7)
    rules = {
        "days": lambda: held + timedelta(days=count),
        "weeks": lambda: held + timedelta(weeks=count),
        "end_of_week": lambda: friday,
        "end_of_next_week": lambda: held + timedelta(days=4 - held.weekday() + 7),
        "end_of_month": lambda: _end_of_month(held),
        "end_of_next_month": lambda: _end_of_month(held, 1),
        "weekday": lambda: held + timedelta(days=(weekdays[found.group("weekday")] - held.weekday() - 1) % 7 + 1),
    }
    make = rules.get(name)
    return make() if make is not None else None


def _month_names(months: dict[str, int]) -> str:
    return "|".join(sorted(map(re.escape, months), key=len, reverse=True))


@cache
def _absolute() -> tuple[re.Pattern[str], ...]:
    months = _month_names(_date_words()[0])
    return (
        re.compile(r"(?<!\d)(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?!\d)"),
        re.compile(r"(?<![\d/-])(?P<d>\d{1,2})[/-](?P<m>\d{1,2})(?:[/-](?P<y>\d{4}|\d{2}))?(?![\d/-])"),
        re.compile(r"(?<!\d)(?P<d>\d{1,2})(?:st|nd|rd|th|e)?\s+(?P<mn>" + months + r")\.?(?:\s+(?P<y>\d{4}))?\b"),
        re.compile(r"\b(?P<mn>" + months + r")\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?(?!\d)(?:,?\s+(?P<y>\d{4}))?"),
    )


def _absolute_date(found: re.Match[str], held: date, months: dict[str, int]) -> date | None:
    groups = found.groupdict()
    month = months[groups["mn"]] if groups.get("mn") else int(groups["m"])
    year = groups.get("y")
    try:
        if year:
            return date(int(year) + (2000 if len(year) == 2 else 0), month, int(groups["d"]))
        day = date(held.year, month, int(groups["d"]))
        return day if day >= held else date(held.year + 1, month, int(groups["d"]))
    except ValueError:
        return None


def due_dates(text: str, held: date) -> list[date]:
    """Every date ``text`` names, absolute or relative to the conversation.

    Every date ``text`` names, in order: absolute ("15 December", "2026-12-15", "15/12") or
    relative to the conversation date ``held`` ("by Friday", "next week", "over twee weken").
    """
    months, weekdays, numbers, relative = _date_words()
    folded = fold(text)
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, date]] = []

    def free(m: re.Match[str]) -> bool:
        return all(m.end() <= a or m.start() >= b for a, b in taken)

    for pattern in _absolute():
        for m in pattern.finditer(folded):
            day = _absolute_date(m, held, months) if free(m) else None
            if day is not None:
                taken.append(m.span())
                found.append((m.start(), day))
    for pattern, rule in relative:
        for m in pattern.finditer(folded):
            day = _resolve(rule, m, held, numbers, weekdays) if free(m) else None
            if day is not None:
                taken.append(m.span())
                found.append((m.start(), day))
    return list(dict.fromkeys(d for _, d in sorted(found, key=lambda f: f[0])))


def first_due(text: str, held: date) -> date | None:
    """The due date the offline drafter reads: the first date named on or after the conversation."""
    return next((d for d in due_dates(text, held) if d >= held), None)

