"""Offline period review: an extractive review built from the same evidence the model gets.

Goal outcomes come from the key-result numbers (:func:`agent.review_evidence.goal_outcome`);
themes from the reduce step's summaries (most independent sources first), each with quoted
examples from different records and different parts of the period; the conversations and
development counts from the facts gather counted. Every statement about the person cites the
records it rests on; a theme with fewer than two independent cited sources is marked a single
observation; a thin period says so. ``perspective="self"`` writes in the first person. No
rating or score, ever. Quotes are record text (data): sentences that read as instructions were
never excerpted (:func:`agent.review_evidence.map_record`).
"""

from __future__ import annotations

from agent.schemas import (
    GoalOutcome,
    Language,
    ReviewDraft,
    ReviewExample,
    ReviewRequest,
    ReviewStatement,
    ReviewTheme,
    Source,
)
from knowledge.i18n import format_date, format_number, t, texts
from knowledge.plain_text import clip
from tools.views import Evidence, GoalView, ReviewEvidence, ReviewExcerpt, ThemeSummary

MAX_STRENGTHS = 3
MAX_GROWTH = 2
MAX_EXAMPLES = 3
QUOTE_CHARS = 220
CADENCE_CITES = 4


def _num(value: float | None, lang: Language) -> str:
    return "?" if value is None else format_number(value, lang)


def _results(goal: GoalView, lang: Language) -> str:
    parts = []
    for kr in goal.key_results:
        unit = f" {kr.unit}" if kr.unit and kr.unit not in ("%",) else (kr.unit or "")
        key = "review.key_result" if kr.baseline is not None else "review.key_result_no_baseline"
        parts.append(t(key, lang, metric=kr.metric, current=_num(kr.current, lang), target=_num(kr.target, lang),
                       baseline=_num(kr.baseline, lang), unit=unit))
    return ("; ".join(parts) + ".") if parts else t("review.no_key_results", lang, progress=goal.progress)


def _goals(evidence: Evidence, review: ReviewEvidence) -> list[GoalOutcome]:
    lang = evidence.language
    by_id = {g.id: g for g in evidence.goals}
    out = []
    for facts in review.goal_facts:
        goal = by_id[facts.goal_id]
        linked = [Source(type=e.source.type, id=e.source.id) for e in review.excerpts if goal.id in e.goal_ids]
        key = "review.goal_running" if facts.running else "review.goal"
        text = t(key, lang, title=clip(goal.title, 160), outcome=t(f"review.outcome.{facts.outcome}", lang),
                 results=_results(goal, lang))
        out.append(GoalOutcome(goal_id=goal.id, outcome=facts.outcome, text=clip(text, 600),
                               sources=list(dict.fromkeys([Source(type="goal", id=goal.id), *linked[:2]]))))
    return out


def _examples(summary: ThemeSummary, review: ReviewEvidence, lang: Language) -> list[ReviewExcerpt]:
    """Up to three excerpts of the theme from different records, other origins and times first."""
    group = [e for e in review.excerpts if summary.theme in e.themes and e.polarity == summary.polarity]
    group.sort(key=lambda e: (e.day, e.source.id))
    picked: list[ReviewExcerpt] = []
    for pool in (group[-1:], group[:1], group[len(group) // 2:len(group) // 2 + 1], group):
        for e in pool:
            if len(picked) == MAX_EXAMPLES:
                break
            if any(p.source.id == e.source.id for p in picked):
                continue
            if pool is not group or e.origin not in {p.origin for p in picked} or len(picked) < 2:
                picked.append(e)
    return sorted(picked, key=lambda e: e.day)


def _kind(e: ReviewExcerpt, evidence: Evidence, lang: Language) -> str:
    if e.source.type == "feedback":
        kind = next((f.kind for f in evidence.feedback if f.id == e.source.id), "praise")
    else:
        kind = next((c.kind for c in evidence.conversations if c.id == e.source.id), "one_on_one")
    return t(f"review.kind.{kind}", lang)


def _theme(summary: ThemeSummary, evidence: Evidence, review: ReviewEvidence, voice: str) -> ReviewTheme | None:
    lang = evidence.language
    picked = _examples(summary, review, lang)
    if not picked:
        return None
    examples = [ReviewExample(text=clip(t("review.example", lang, kind=_kind(e, evidence, lang),
                                          date=format_date(e.day, lang), quote=clip(e.text, QUOTE_CHARS)), 400),
                              source=Source(type=e.source.type, id=e.source.id)) for e in picked]
    single = len({e.origin for e in picked}) < 2
    text = t(f"review.{voice}.{summary.polarity}", lang, records=summary.records, origins=summary.origins,
             first=format_date(summary.first, lang), last=format_date(summary.last, lang))
    if single:
        text = f"{text} {t('review.single', lang)}"
    return ReviewTheme(title=t(f"review.theme.{summary.theme}", lang), text=clip(text, 600), examples=examples,
                       single_observation=single)


def _themes(evidence: Evidence, review: ReviewEvidence, voice: str, polarity: str, limit: int
            ) -> tuple[list[ReviewTheme], list[ThemeSummary]]:
    out: list[ReviewTheme] = []
    used: list[ThemeSummary] = []
    for summary in review.themes:
        if summary.polarity != polarity or len(out) == limit:
            continue
        theme = _theme(summary, evidence, review, voice)
        if theme is not None:
            out.append(theme)
            used.append(summary)
    return out, used


def _conversations(evidence: Evidence, review: ReviewEvidence, voice: str) -> ReviewStatement:
    lang = evidence.language
    one_on_ones = [c for c in evidence.conversations if c.kind == "one_on_one"]
    if not review.one_on_ones:
        text = t(f"review.{voice}.no_one_on_one", lang, rhythm=review.rhythm_days)
    else:
        text = t(f"review.{voice}.conversations", lang, conversations=review.conversations,
                 one_on_ones=review.one_on_ones, rhythm=review.rhythm_days, expected=review.expected_one_on_ones)
        if review.longest_gap_days is not None and review.longest_gap_days > review.rhythm_days:
            text += t("review.gap", lang, days=review.longest_gap_days)
    shown = one_on_ones or evidence.conversations
    step = max(1, len(shown) // CADENCE_CITES)
    cites = [Source(type="conversation", id=c.id) for c in shown[::step][:CADENCE_CITES]]
    return ReviewStatement(text=clip(text, 600), sources=cites)


def _development(evidence: Evidence, review: ReviewEvidence) -> ReviewStatement:
    lang = evidence.language
    actions = evidence.development_actions
    if not actions:
        return ReviewStatement(text=t("review.development.none", lang))
    titles = {a.id: clip(a.title, 80) for a in actions}
    text = t("review.development.summary", lang, done=len(review.development_done), open=len(review.development_open),
             overdue=len(review.development_overdue))
    if review.development_done:
        text += t("review.development.done", lang, titles="; ".join(titles[i] for i in review.development_done[:3]))
    if review.development_overdue:
        text += t("review.development.overdue", lang,
                  titles="; ".join(titles[i] for i in review.development_overdue[:3]))
    return ReviewStatement(text=clip(text, 600), sources=[Source(type="development_action", id=a.id)
                                                          for a in actions])


def _focus(evidence: Evidence, review: ReviewEvidence, voice: str, growth: list[ReviewTheme],
           strengths: list[ReviewTheme]) -> list[ReviewStatement]:
    lang = evidence.language
    out = [ReviewStatement(text=t(f"review.{voice}.focus_growth", lang, theme=th.title.lower()),
                           sources=[e.source for e in th.examples]) for th in growth]
    goals = {g.id: g for g in evidence.goals}
    out += [ReviewStatement(text=t(f"review.{voice}.focus_goal", lang, title=clip(goals[f.goal_id].title, 160)),
                            sources=[Source(type="goal", id=f.goal_id)]) for f in review.goal_facts if f.running][:1]
    titles = {a.id: a.title for a in evidence.development_actions}
    out += [ReviewStatement(text=t(f"review.{voice}.focus_overdue", lang, title=clip(titles[i], 160)),
                            sources=[Source(type="development_action", id=i)]) for i in review.development_overdue][:1]
    if not out and strengths:
        out.append(ReviewStatement(text=t(f"review.{voice}.focus_strength", lang, theme=strengths[0].title.lower()),
                                   sources=[e.source for e in strengths[0].examples]))
    return out[:4]


def _questions(review: ReviewEvidence, voice: str, growth: list[ReviewTheme], lang: Language) -> list[str]:
    bank = list(texts(f"review.questions.{voice}", lang))
    out = [t(f"review.question_thin.{voice}", lang)] if review.thin else []
    if review.focus:
        out.append(t(f"review.question_focus.{voice}", lang, focus=clip(review.focus, 120)))
    out += [t(f"review.question_growth.{voice}", lang, theme=th.title.lower()) for th in growth[:1]]
    out += bank
    return list(dict.fromkeys(out))[:5]


def draft_review(request: ReviewRequest, evidence: Evidence) -> ReviewDraft:
    """The extractive review of ``evidence`` (see the module docstring)."""
    review = evidence.review
    if review is None:
        raise ValueError("a review needs the review evidence of gather")
    lang = evidence.language
    voice = "self" if review.perspective == "self" else "manager"
    name = evidence.subject.name.split(" ")[0] if evidence.subject else ""
    strengths, _ = _themes(evidence, review, voice, "strength", MAX_STRENGTHS)
    growth, _ = _themes(evidence, review, voice, "growth", MAX_GROWTH)
    goals = _goals(evidence, review)
    values = {"name": name, "start": format_date(review.period_start, lang),
              "end": format_date(review.period_end, lang), "conversations": review.conversations,
              "feedback": review.feedback}
    if review.thin:
        summary_text = t(f"review.{voice}.thin", lang, **values)
    else:
        summary_text = t(f"review.{voice}.summary", lang, goals=len(goals),
                         achieved=sum(g.outcome == "achieved" for g in goals),
                         partly=sum(g.outcome == "partly" for g in goals), **values)
    summary_sources = [Source(type="goal", id=g.goal_id) for g in goals]
    summary_sources += [e.source for th in strengths[:1] + growth[:1] for e in th.examples[:1]]
    if not summary_sources and evidence.conversations:
        summary_sources = [Source(type="conversation", id=evidence.conversations[-1].id)]
    return ReviewDraft(
        summary=ReviewStatement(text=clip(summary_text, 600), sources=list(dict.fromkeys(summary_sources))),
        thin_period=review.thin,
        goals=goals,
        strengths=strengths,
        growth_areas=growth,
        conversations=_conversations(evidence, review, voice),
        development=_development(evidence, review),
        next_focus=_focus(evidence, review, voice, growth, strengths),
        questions=_questions(review, voice, growth, lang),
    )
