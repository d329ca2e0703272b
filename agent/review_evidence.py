"""Gather for the period review: a year of records, mapped, reduced and cut to a fixed budget.

A year of notes and feedback does not fit in one prompt, and should not have to. Gather runs
in four steps, all deterministic, all on what :func:`tools.review.period_records` let the
principal read:

1. **map**: every sentence of a conversation's notes or a feedback text that names a review
   theme (the ``review_theme`` word lists) becomes a :class:`~tools.views.ReviewExcerpt`, with
   its polarity (strength or growth, from cue words and the feedback's kind). Sentences that
   read as instructions to an AI are never excerpted.
2. **search**: per goal and per theme, a semantic search over the record index
   (:func:`tools.review.search_period`) scores the period's records; a goal's records must
   also share words with it. Without a store the lexical map alone decides.
3. **reduce**: per theme and polarity a :class:`~tools.views.ThemeSummary` counts every record
   and independent origin of the whole period (a fixed size per theme).
4. **select**: excerpts are taken round-robin over the themes and over four parts of the
   period, best score first, until :data:`BUDGET_CHARS` is used.

So the prompt grows with the period until the budget is full and then stays flat, however
long the year was (``benchmarks/review_tokens.py`` measures it).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Literal

from sqlmodel import Session

from agent.lexicon import Category, content_stems, find_terms, sentences
from knowledge.i18n import t
from knowledge.plain_text import clip
from knowledge.vocabulary import Source
from tools.context import CoachContext
from tools.review import PeriodRecords, cadence, search_period
from tools.views import (
    ConversationView,
    Evidence,
    GoalFacts,
    GoalView,
    ReviewEvidence,
    ReviewExcerpt,
    ThemeSummary,
)

BUDGET_CHARS = 9000
"""Characters of goals, conversations and excerpts sent to the model (with a fixed cost per item)."""
ITEM_COST = 120
"""What one item costs beyond its text: tags, ids, dates."""
EXCERPT_CHARS = 300
MAX_GOALS = 8
MAX_CADENCE = 12
MAX_DEVELOPMENT = 8
PER_THEME = 6
PER_GOAL = 3
PARTS = 4
THIN_RECORDS = 3
"""Fewer conversations and feedback records than this in the period: a thin period."""

Polarity = Literal["strength", "growth", "neutral"]
_NEVER_QUOTED: tuple[Category, ...] = (
    "instruction", "review_skip", "review_rating", "personality_label", "protected_attribute", "absolute")
"""Sentences with these terms are never excerpted: instructions to an AI, workload and health,
ratings, and what the review may not say (labels, protected attributes, absolutes)."""


def theme_keys(text: str) -> list[str]:
    """The review themes ``text`` names (theme keys, in order of first mention)."""
    return list(dict.fromkeys(h.group for h in find_terms(text, "review_theme")))


def polarity_of(sentence: str, *, kind: str | None) -> Polarity:
    """Strength or growth area: cue words first, then the feedback kind (praise, constructive)."""
    growth = bool(find_terms(sentence, "review_growth"))
    strength = bool(find_terms(sentence, "review_strength"))
    if growth and not strength:
        return "growth"
    if strength and not growth:
        return "strength"
    if kind == "praise":
        return "strength"
    if kind == "constructive" or growth:
        return "growth"
    return "neutral"


def map_record(source: Source, day: date, text: str, *, kind: str | None, origin: str) -> list[ReviewExcerpt]:
    """The excerpts of one record: each sentence that names a theme (never an instruction-like one)."""
    out: list[ReviewExcerpt] = []
    for sentence in sentences(text):
        if any(find_terms(sentence, c) for c in _NEVER_QUOTED):
            continue
        themes = theme_keys(sentence)
        if not themes:
            continue
        out.append(ReviewExcerpt(source=source, day=day, text=clip(sentence, EXCERPT_CHARS), themes=themes,
                                 polarity=polarity_of(sentence, kind=kind), origin=origin))
    return out


def goal_outcome(goal: GoalView) -> Literal["achieved", "partly", "not_achieved"]:
    """From the key results: every target reached -> achieved; any progress -> partly; else not."""
    reached, moved = [], []
    for kr in goal.key_results:
        if kr.target is None or kr.current is None:
            continue
        base = kr.baseline if kr.baseline is not None else (0.0 if kr.target >= 0 else kr.current)
        lower_better = kr.target < base
        reached.append(kr.current <= kr.target if lower_better else kr.current >= kr.target)
        moved.append(kr.current < base if lower_better else kr.current > base)
    if reached and all(reached):
        return "achieved"
    if not reached:
        return "achieved" if goal.status == "done" and goal.progress >= 100 else (
            "partly" if goal.progress > 0 else "not_achieved")
    return "partly" if any(moved) or goal.progress > 0 else "not_achieved"


def _parts(excerpts: list[ReviewExcerpt], start: date, end: date) -> list[list[ReviewExcerpt]]:
    span = max(1, (end - start).days + 1)
    parts: list[list[ReviewExcerpt]] = [[] for _ in range(PARTS)]
    for e in excerpts:
        parts[min(PARTS - 1, (e.day - start).days * PARTS // span)].append(e)
    return [sorted(p, key=lambda e: (-e.score, e.day, e.source.id)) for p in parts]


def _spread(excerpts: list[ReviewExcerpt], start: date, end: date) -> list[ReviewExcerpt]:
    """Best first within each part of the period, taking the parts in turn (the newest first)."""
    parts = _parts(excerpts, start, end)
    out: list[ReviewExcerpt] = []
    while any(parts):
        for part in reversed(parts):
            if part:
                out.append(part.pop(0))
    return out


def reduce_themes(excerpts: list[ReviewExcerpt]) -> list[ThemeSummary]:
    """Per theme and polarity: how many records and independent origins, and the dates they span."""
    groups: dict[tuple[str, str], list[ReviewExcerpt]] = defaultdict(list)
    for e in excerpts:
        if e.polarity != "neutral":
            for theme in e.themes:
                groups[(theme, e.polarity)].append(e)
    out = [ThemeSummary(theme=theme, polarity=pol, records=len({e.source.id for e in group}),  # type: ignore[arg-type]
                        origins=len({e.origin for e in group}), first=min(e.day for e in group),
                        last=max(e.day for e in group)) for (theme, pol), group in groups.items()]
    return sorted(out, key=lambda s: (-s.origins, -s.records, s.theme, s.polarity))


def _goal_cost(goal: GoalView) -> int:
    return ITEM_COST + len(goal.title) + sum(len(kr.metric) + 40 for kr in goal.key_results)


def _select(excerpts: list[ReviewExcerpt], themes: list[ThemeSummary], budget: int, start: date,
            end: date) -> list[ReviewExcerpt]:
    """Round-robin over the themes (most independent origins first), spread over the period."""
    queues = []
    for summary in themes:
        group = [e for e in excerpts if summary.theme in e.themes and e.polarity == summary.polarity]
        queues.append(_spread(group, start, end))
    goal_only = [e for e in excerpts if e.polarity == "neutral" and e.goal_ids]
    queues.append(_spread(goal_only, start, end))
    chosen: list[ReviewExcerpt] = []
    seen: set[tuple[str, str]] = set()
    used = 0
    while any(queues):
        for queue in queues:
            while queue and (queue[0].source.id, queue[0].text) in seen:
                queue.pop(0)
            if not queue:
                continue
            e = queue.pop(0)
            cost = ITEM_COST + len(e.text)
            if used + cost > budget:
                return sorted(chosen, key=lambda x: (x.day, x.source.id))
            used += cost
            seen.add((e.source.id, e.text))
            chosen.append(e)
    return sorted(chosen, key=lambda x: (x.day, x.source.id))


def _evenly(items: list[ConversationView], n: int) -> list[ConversationView]:
    if len(items) <= n:
        return items
    step = (len(items) - 1) / (n - 1)
    return [items[round(i * step)] for i in range(n)]


def review_evidence(session: Session, period: PeriodRecords, ctx: CoachContext, *, language: str,
                    today: date, focus: str | None = None) -> Evidence:
    """The review's evidence (see the module docstring); ``session`` is gather's one session."""
    start, end, subject = period.start, period.end, period.subject
    excerpts: list[ReviewExcerpt] = []
    for c in period.conversations:
        src = Source(type="conversation", id=c.id)
        excerpts += map_record(src, c.held_at.date(), c.notes, kind=None, origin=f"conversation:{c.id}")
    for f in period.feedback:
        src = Source(type="feedback", id=f.id)
        excerpts += map_record(src, f.created_at.date(), f.text, kind=f.kind, origin=period.givers[f.id])
    allowed = frozenset({c.id for c in period.conversations} | {f.id for f in period.feedback})
    semantic = ctx.store is not None

    def search(query: str, k: int) -> dict[str, float]:
        return dict(search_period(session, ctx.store, principal=ctx.principal, subject_id=subject.id, query=query,
                                  allowed=allowed, k=k))

    theme_scores = {key: search(t(f"review.query.{key}", language), PER_THEME)
                    for key in dict.fromkeys(k for e in excerpts for k in e.themes)}
    goals = period.goals[:MAX_GOALS]
    texts = {e.source.id: e.text for e in excerpts}
    links: dict[str, list[str]] = defaultdict(list)
    for g in goals:
        words = content_stems(" ".join([g.title, *(kr.metric for kr in g.key_results)]))
        hits = search(g.title, PER_GOAL) if semantic else {i: 0.0 for i in texts}
        for record_id in hits:
            if len(words & content_stems(texts.get(record_id, ""))) >= 2:
                links[record_id].append(g.id)
    excerpts = [e.model_copy(update={
        "goal_ids": links.get(e.source.id, []),
        "score": max([theme_scores.get(k, {}).get(e.source.id, 0.0) for k in e.themes] or [0.0]),
    }) for e in excerpts]
    themes = reduce_themes(excerpts)
    budget = BUDGET_CHARS - sum(_goal_cost(g) for g in goals) - ITEM_COST * MAX_CADENCE
    chosen = _select(excerpts, themes, budget, start, end)
    shown = {e.source.id for e in chosen}
    cadence_convs = _evenly([c for c in period.conversations if c.kind == "one_on_one"], MAX_CADENCE)
    convs = [c.model_copy(update={"notes": "", "action_items": []}) for c in period.conversations
             if c.id in shown or c in cadence_convs]
    feedback = [f for f in period.feedback if f.id in shown]
    actions = period.development_actions[:MAX_DEVELOPMENT]
    effective_end = min(end, today)
    dated = {c.id: c.held_at.date() for c in period.conversations} | {
        f.id: f.created_at.date() for f in period.feedback}
    dated |= {g.id: max(g.start_date or start, start) for g in goals}
    dated |= {a.id: min(max(a.due or effective_end, start), end) for a in actions}
    facts = cadence(period, today=today)
    review = ReviewEvidence(
        period_start=start, period_end=end, perspective=period.perspective, focus=focus, rhythm_days=period.rhythm_days,
        conversations=len(period.conversations), feedback=len(period.feedback), **facts,
        development_done=[a.id for a in actions if a.status == "done"],
        development_open=[a.id for a in actions if a.status != "done" and (a.due is None or a.due >= effective_end)],
        development_overdue=[a.id for a in actions if a.status != "done" and a.due is not None
                             and a.due < effective_end],
        goal_facts=[GoalFacts(goal_id=g.id, outcome=goal_outcome(g), running=bool(g.due_date and g.due_date > end
                                                                                    and g.status != "done"))
                    for g in goals],
        excerpts=chosen, themes=themes, dated=dated, private_ids=sorted(period.private_ids & allowed),
        thin=len(period.conversations) + len(period.feedback) < THIN_RECORDS,
        retrieval="semantic" if semantic else "lexical", candidates=len(excerpts),
    )
    return Evidence(task="review", language=language, now=ctx.now, subject=subject,  # type: ignore[arg-type]
                    goals=goals, conversations=convs, feedback=feedback, development_actions=actions, review=review)
