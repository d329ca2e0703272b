"""Offline agenda: the conversation prep composed from the records with fixed rules.

Order: check-in, the employee's own topics, open action items, goals that need attention,
progress or the kind-specific look back/forward, recent feedback, next steps. Stored feedback
is only counted and cited, never quoted: its text is data and may be aimed at an AI.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from agent.checks.agenda_rules import (
    MAX_ITEMS,
    allocate_minutes,
    employee_topics,
    goals_at_risk,
    is_thin,
    recent_feedback,
)
from agent.schemas import AgendaDraft, AgendaItem, AgendaRequest, ConversationKind, Language, Source
from knowledge.i18n import format_date, t, texts
from knowledge.plain_text import clip
from tools.views import ActionItemView, Evidence, GoalView

Slot = Literal["checkin", "topic", "actions", "goal", "progress", "feedback", "review",
               "development", "baseline", "close"]

_WEIGHTS: dict[Slot, int] = {"checkin": 2, "topic": 4, "actions": 3, "goal": 4, "progress": 3,
                             "feedback": 3, "review": 5, "development": 5, "baseline": 5, "close": 2}
_DROP_ORDER: tuple[Slot, ...] = ("progress", "close", "checkin")
"""Optional slots, dropped in this order when a short meeting cannot hold every item."""
# The built-in GROW question bank per slot (after knowledge/corpus grow-question-bank) is
# agenda.questions.<slot> in locales/*/agenda.yaml.


def _count(n: int, noun: str, lang: Language) -> str:
    return t(f"agenda.count.{noun}", lang, count=n)


def _t(key: str, lang: Language, **values: object) -> str:
    return t(f"agenda.{key}", lang, **values)


def _clip(text: str, limit: int) -> str:
    return clip(" ".join(text.split()), limit)


@dataclass
class _Planned:
    slot: Slot
    title: str
    why: str
    led_by: Literal["employee", "manager"]
    sources: list[Source] = field(default_factory=list)
    questions: tuple[str, ...] = ()


def draft_agenda(request: AgendaRequest, evidence: Evidence) -> AgendaDraft:
    """A complete agenda for ``request`` from ``evidence``, in ``evidence.language``.

    Deterministic; minutes add up to ``request.minutes``; says "little history" when thin.
    """
    lang = evidence.language
    planned = [_Planned("checkin", _t("checkin_title", lang), _t("checkin_why", lang), "employee")]
    planned += _topics(request, evidence)
    if evidence.open_action_items:
        planned.append(_actions(evidence.open_action_items, evidence))
    planned += _goals(goals_at_risk(evidence), lang)
    if is_thin(evidence):
        planned.append(_Planned("baseline", _t("baseline_title", lang), _t("baseline_why", lang), "employee"))
    kind_item = _kind_item(request.kind, evidence)
    if kind_item is not None:
        planned.append(kind_item)
    feedback = recent_feedback(evidence)
    if feedback:
        planned.append(_feedback(evidence))
    planned.append(_Planned("close", _t("close_title", lang), _t("close_why", lang), "manager"))
    planned = _fit(planned, request.minutes)
    minutes = allocate_minutes([_WEIGHTS[p.slot] for p in planned], request.minutes)
    items = [
        AgendaItem(
            title=_clip(p.title, 200), why=_clip(p.why, 600), minutes=m, led_by=p.led_by,
            questions=list(p.questions or texts(f"agenda.questions.{p.slot}", lang)[:3]), sources=p.sources,
        )
        for p, m in zip(planned, minutes, strict=True)
    ]
    return AgendaDraft(items=items, summary=_summary(request, evidence, planned), little_history=is_thin(evidence))


def _fit(planned: list[_Planned], minutes: int) -> list[_Planned]:
    limit = min(MAX_ITEMS, minutes)
    for slot in _DROP_ORDER:
        if len(planned) <= limit:
            break
        planned = [p for p in planned if p.slot != slot]
    return planned[:limit]


def _topics(request: AgendaRequest, evidence: Evidence) -> list[_Planned]:
    lang = evidence.language
    topics = employee_topics(request, evidence)
    single = topics if len(topics) <= 3 else topics[:2]
    planned: list[_Planned] = []
    latest = max(evidence.conversations, key=lambda c: c.held_at, default=None)
    for text, source in single:
        why = (_t("topic_why_last", lang, date=format_date(latest.held_at.date(), lang))
               if source is not None and latest is not None else _t("topic_why", lang))
        planned.append(_Planned("topic", _t("topic_title", lang, topic=_clip(text, 120)), why, "employee",
                                [source] if source else []))
    rest = topics[len(single):]
    if rest:
        sources = list(dict.fromkeys(s for _, s in rest if s is not None))
        listed = "; ".join(_clip(t, 80) for t, _ in rest)
        planned.append(_Planned("topic", _t("topics_title", lang), _t("topics_why", lang, topics=listed),
                                "employee", sources))
    return planned


def _actions(open_items: list[ActionItemView], evidence: Evidence) -> _Planned:
    lang = evidence.language
    described = []
    sources: list[Source] = []
    for a in open_items:
        due = f" ({_t('due', lang, date=format_date(a.due, lang))})" if a.due else ""
        described.append(f"'{_clip(a.text, 80)}'{due}")
        sources += [Source(type="action_item", id=a.id), Source(type="conversation", id=a.conversation_id)]
    known = evidence.known_sources()
    sources = [s for s in dict.fromkeys(sources) if (s.type, s.id) in known]
    led_by: Literal["employee", "manager"] = (
        "manager" if all(a.owner == "manager" for a in open_items) else "employee")
    why = _t("actions_why", lang, count=_count(len(open_items), "action_item", lang), list="; ".join(described))
    return _Planned("actions", _t("actions_title", lang), why, led_by, sources)


def _goal_why(goal: GoalView, lang: Language) -> str:
    due = f", {_t('due', lang, date=format_date(goal.due_date, lang))}" if goal.due_date else ""
    return _t("goal_why", lang, title=_clip(goal.title, 120), status=_t(f"status.{goal.status}", lang),
              progress=goal.progress, due=due)


def _goals(goals: list[GoalView], lang: Language) -> list[_Planned]:
    if len(goals) <= 2:
        return [
            _Planned("goal", _t(f"goal_title_{g.status}", lang, title=_clip(g.title, 150)), _goal_why(g, lang),
                     "employee", [Source(type="goal", id=g.id)])
            for g in goals
        ]
    return [_Planned("goal", _t("goals_title", lang), " ".join(_goal_why(g, lang) for g in goals),
                     "employee", [Source(type="goal", id=g.id) for g in goals])]


def _kind_item(kind: ConversationKind, evidence: Evidence) -> _Planned | None:
    lang = evidence.language
    if kind == "review":
        if not evidence.goals and not evidence.conversations:
            return None
        since = min((c.held_at.date() for c in evidence.conversations), default=evidence.now.date())
        counts: dict[str, int] = {}
        for g in evidence.goals:
            counts[g.status] = counts.get(g.status, 0) + 1
        goals = ", ".join(f"{n} {_t(f'status.{s}', lang)}" for s, n in sorted(counts.items()))
        key = "review_why" if goals else "review_why_no_goals"
        why = _t(key, lang, goals=goals, conversations=_count(len(evidence.conversations), "conversation", lang),
                 date=format_date(since, lang))
        sources = [Source(type="goal", id=g.id) for g in evidence.goals]
        sources += [Source(type="conversation", id=c.id) for c in evidence.conversations]
        return _Planned("review", _t("review_title", lang), why, "employee", sources)
    if kind == "development":
        active = [d for d in evidence.development_actions if d.status in ("planned", "in_progress")]
        if active:
            listed = "; ".join(f"'{_clip(d.title, 80)}' ({_t(f'status.{d.status}', lang)})" for d in active)
            return _Planned("development", _t("development_title", lang),
                            _t("development_why", lang, actions=listed), "employee",
                            [Source(type="development_action", id=d.id) for d in active])
        if evidence.goals:
            titles = "; ".join(f"'{_clip(g.title, 80)}'" for g in evidence.goals[:3])
            return _Planned("development", _t("development_title", lang),
                            _t("development_why_goals", lang, titles=titles), "employee",
                            [Source(type="goal", id=g.id) for g in evidence.goals[:3]])
        return _Planned("development", _t("development_title", lang), _t("development_why_empty", lang),
                        "employee")
    on_track = [g for g in evidence.goals if g.status == "on_track"][:3]
    if not on_track:
        return None
    titles = "; ".join(f"'{_clip(g.title, 80)}' ({g.progress}%)" for g in on_track)
    return _Planned("progress", _t("progress_title", lang), _t("progress_why", lang, titles=titles), "employee",
                    [Source(type="goal", id=g.id) for g in on_track])


def _feedback(evidence: Evidence) -> _Planned:
    lang = evidence.language
    recent = recent_feedback(evidence)
    counts: dict[str, int] = {}
    for f in recent:
        counts[f.kind] = counts.get(f.kind, 0) + 1
    kinds = ", ".join(f"{_t(f'feedback_kind.{k}', lang)}: {n}" for k, n in sorted(counts.items()))
    since = min(f.created_at.date() for f in recent)
    why = _t("feedback_why", lang, count=_count(len(recent), "feedback", lang), date=format_date(since, lang),
             kinds=kinds)
    return _Planned("feedback", _t("feedback_title", lang), why, "manager",
                    [Source(type="feedback", id=f.id) for f in recent])


def _summary(request: AgendaRequest, evidence: Evidence, planned: list[_Planned]) -> str:
    lang = evidence.language
    slots = [p.slot for p in planned]
    parts: list[str] = []
    if "topic" in slots:
        parts.append(_t("summary.topics", lang, n=len(employee_topics(request, evidence))))
    if "actions" in slots:
        parts.append(_count(len(evidence.open_action_items), "action_item", lang))
    if "goal" in slots:
        parts.append(_count(len(goals_at_risk(evidence)), "goal", lang))
    for slot in ("review", "development", "feedback"):
        if slot in slots:
            parts.append(_t(f"summary.{slot}", lang))
    if not parts:
        parts.append(_t("summary.default", lang))
    joined = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} {_t('summary.and', lang)} {parts[-1]}"
    text = _t("summary.start", lang, kind=_t(f"kind_name.{request.kind}", lang), parts=joined)
    if is_thin(evidence):
        text = f"{_t('summary.thin', lang)} {text}"
    if "close" in slots:
        text = f"{text} {_t('summary.close', lang)}"
    return clip(text, 1000)
