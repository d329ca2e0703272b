"""The rules the agenda check, its repair and the offline agenda drafter share.

What the evidence asks of an agenda, and the rules the agenda check, its repair and the
offline agenda drafter share: recent feedback, goals at risk, the employee's topics, thin
history, open questions, and how minutes are split.
"""

from __future__ import annotations

import math
import re
from datetime import timedelta

from agent.lexicon import content_stems, cue_regex, words
from agent.schemas import AgendaItem, AgendaRequest, Source
from tools.views import ConversationView, Evidence, FeedbackView, GoalView

RECENT_FEEDBACK_DAYS = 90
"""Feedback younger than this (relative to ``evidence.now``) counts as recent."""

MAX_ITEMS = 12
"""At most this many agenda items."""

_CLOSED_START = re.compile(r"^\s*(?:" + cue_regex("closed_question_start") + r")\b", re.IGNORECASE)
"""The first word of a yes/no question (``cues.closed_question_start`` of every language's lexicon)."""

# --- what the evidence asks of an agenda --------------------------------------------------------

def latest_conversation(evidence: Evidence) -> ConversationView | None:
    """The most recently held conversation, if any."""
    return max(evidence.conversations, key=lambda c: c.held_at, default=None)


def employee_topics(request: AgendaRequest, evidence: Evidence) -> list[tuple[str, Source | None]]:
    """The employee's own topics: the request's, then the latest conversation's, without repeats.

    Topics from the latest conversation come with that conversation as their source.
    """
    topics: list[tuple[str, Source | None]] = [(t, None) for t in request.topics]
    latest = latest_conversation(evidence)
    if latest is not None:
        cited = Source(type="conversation", id=latest.id)
        topics += [(t.strip(), cited) for t in latest.employee_topics if t.strip()]
    seen: set[str] = set()
    unique: list[tuple[str, Source | None]] = []
    for text, source in topics:
        key = " ".join(words(text))
        if key and key not in seen:
            seen.add(key)
            unique.append((text, source))
    return unique


def goals_at_risk(evidence: Evidence) -> list[GoalView]:
    """The subject's own goals that are at risk or off track."""
    return [g for g in evidence.goals if g.status in ("at_risk", "off_track")]


def recent_feedback(evidence: Evidence) -> list[FeedbackView]:
    """Feedback received within :data:`RECENT_FEEDBACK_DAYS` of ``evidence.now``."""
    since = evidence.now - timedelta(days=RECENT_FEEDBACK_DAYS)
    return [f for f in evidence.feedback if f.created_at >= since]


def recent_constructive_feedback(evidence: Evidence) -> list[FeedbackView]:
    """Recent feedback of kind ``constructive``: it must be surfaced."""
    return [f for f in recent_feedback(evidence) if f.kind == "constructive"]


def is_thin(evidence: Evidence) -> bool:
    """True when there is little history: fewer than two conversations and no feedback.

    Goals are plans, not history: a new hire with one goal and no conversations is still thin.
    """
    return len(evidence.conversations) < 2 and not evidence.feedback


def is_closed_question(question: str) -> bool:
    """True for a yes/no question (starts with an auxiliary verb, EN or NL)."""
    return bool(_CLOSED_START.match(question))


def topic_matches(topic: str, item: AgendaItem) -> bool:
    """True when ``item`` is about ``topic`` (shared content words in its title or why)."""
    text = f"{item.title} {item.why}"
    stems = content_stems(topic)
    if not stems:
        return " ".join(words(topic)) in " ".join(words(text))
    shared = stems & content_stems(text)
    return len(shared) >= max(1, math.ceil(len(stems) / 2))


def allocate_minutes(weights: list[int], total: int) -> list[int]:
    """Split ``total`` minutes over items by ``weights``: at least 1 each, summing exactly to total.

    Largest-remainder rounding; ties go to the earlier item. Needs ``len(weights) <= total``.
    """
    n = len(weights)
    if n == 0 or n > total:
        raise ValueError(f"cannot split {total} minutes over {n} items")
    spare = total - n
    weight_sum = sum(max(w, 1) for w in weights)
    shares = [spare * max(w, 1) / weight_sum for w in weights]
    minutes = [1 + math.floor(s) for s in shares]
    left = total - sum(minutes)
    order = sorted(range(n), key=lambda i: (-(shares[i] - math.floor(shares[i])), i))
    for i in order[:left]:
        minutes[i] += 1
    return minutes
