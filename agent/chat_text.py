"""Coach results rendered as chat text (English and Dutch), and the offline chat's own texts.

Plain text only: numbered lines and dashes, no markdown links or markup. Every rendering
ends with the sources it rests on, as ``type id`` pairs the client can look up. The texts are
messages ``chat.*`` of the catalogue (``knowledge/i18n/locales/<lang>/chat.yaml``).
"""

from __future__ import annotations

from collections.abc import Sequence

from agent.schemas import (
    AgendaResult,
    ConversationKind,
    DevelopmentResult,
    FeedbackResult,
    Language,
    Result,
    ReviewResult,
    SmartGoalResult,
    Source,
)
from knowledge.i18n import format_date
from knowledge.i18n import t as _t
from tools.views import ActionItemView, PersonView

_VERDICT = {"pass": "✓", "fail": "✗", "unclear": "?"}


def t(key: str, language: Language, **values: object) -> str:
    """The chat text ``chat.<key>`` in ``language`` with its placeholders filled."""
    return _t(f"chat.{key}", language, **values)


def kind_name(kind: ConversationKind, language: Language) -> str:
    """The name of a conversation kind in ``language`` ("1-on-1", "één-op-één")."""
    return t(f"kind.{kind}", language)


def names_list(people: Sequence[PersonView], language: Language, *, me: str | None) -> str:
    """The people's names, the principal as "yourself"."""
    return ", ".join(t("yourself", language) if p.id == me else p.name for p in people)


def sources_line(sources: Sequence[Source], language: Language) -> str:
    """The line listing ``sources`` (each once), or "" when there are none."""
    listed = ", ".join(f"{t('source.' + s.type, language)} {s.id}" for s in dict.fromkeys(sources))
    return t("sources", language, list=listed) if listed else ""


def _tail(result: Result, language: Language) -> list[str]:
    lines = [t("notes_label", language, warning=w) for w in result.warnings]
    line = sources_line(result.sources, language)
    return [*lines, *([line] if line else [])]


def render_agenda(result: AgendaResult, subject: PersonView) -> str:
    """An agenda as a chat reply: head, numbered items with minutes and leader, sources."""
    lang = result.language
    lines = [t("agenda_head", lang, kind=kind_name(result.kind, lang), name=subject.name, minutes=result.minutes)]
    for n, item in enumerate(result.items, 1):
        lines.append(t("agenda_item", lang, n=n, title=item.title, minutes=item.minutes,
                       led_by=t("role." + item.led_by, lang)))
        lines.append(f"   {item.why}")
        lines += [f"   - {q}" for q in item.questions]
    if result.summary:
        lines += ["", result.summary]
    if result.little_history:
        lines.append(t("little_history", lang))
    lines += [t("follow_up_agenda", lang), *_tail(result, lang)]
    return "\n".join(lines)


def render_smart(result: SmartGoalResult) -> str:
    """A SMART check as a chat reply: verdicts, rewrite, key results, proposals and questions."""
    lang = result.language
    lines = [t("smart_head", lang)]
    lines += [f"{_VERDICT[c.verdict]} {t('criterion.' + c.criterion, lang)}: {c.note}" for c in result.criteria]
    lines += ["", t("rewrite", lang), result.rewrite]
    if result.key_results:
        lines += [t("key_results", lang), *(f"- {kr}" for kr in result.key_results)]
    lines += [t("proposed", lang, value=p.value, reason=p.reason) for p in result.proposed_values]
    if result.questions:
        lines += [t("questions", lang), *(f"- {q}" for q in result.questions)]
    return "\n".join([*lines, *_tail(result, lang)])


def render_feedback(result: FeedbackResult) -> str:
    """Phrased feedback as a chat reply: the SBI rewrite, flagged words and questions."""
    lang = result.language
    lines = [t("feedback_head", lang), result.rewrite]
    lines += [t("flagged", lang, words=i.words, suggestion=i.suggestion) for i in result.issues if i.words]
    if result.strengths:
        lines += [t("strengths", lang), *(f"- {s}" for s in result.strengths)]
    if result.growth_areas:
        lines += [t("growth", lang), *(f"- {g}" for g in result.growth_areas)]
    if result.questions:
        lines += [t("questions", lang), *(f"- {q}" for q in result.questions)]
    return "\n".join([*lines, *_tail(result, lang)])


def render_development(result: DevelopmentResult, subject: PersonView) -> str:
    """Development actions as a chat reply, one per line with category, due date and indicator."""
    lang = result.language
    lines = [t("development_head", lang, name=subject.name)]
    for n, action in enumerate(result.actions, 1):
        lines.append(t("development_item", lang, n=n, title=action.title,
                       category=t("category." + action.category, lang), owner=t("role." + action.owner, lang),
                       due=format_date(action.due, lang)))
        lines += [f"   {action.why}", "   " + t("success", lang, indicator=action.success_indicator)]
    if result.summary:
        lines += ["", result.summary]
    return "\n".join([*lines, *_tail(result, lang)])


def render_open_items(items: Sequence[ActionItemView], subject: PersonView, language: Language) -> str:
    """The open action items of ``subject`` as a chat reply (or that there are none)."""
    if not items:
        return t("open_none", language, name=subject.name)
    lines = [t("open_head", language, name=subject.name)]
    for item in items:
        owner = t("role." + item.owner, language) if item.owner else t("no_owner", language)
        due = t("due", language, date=format_date(item.due, language)) if item.due else ""
        lines.append(t("open_item", language, text=item.text, owner=owner, due=due))
    sources = [Source(type="action_item", id=i.id) for i in items]
    sources += [Source(type="conversation", id=i.conversation_id) for i in items]
    return "\n".join([*lines, sources_line(sources, language)])


def render_review(result: ReviewResult, subject: PersonView) -> str:
    """A review draft as chat text: every section, each theme with its dated examples, then the sources."""
    lang = result.language
    period = {"start": format_date(result.period_start, lang), "end": format_date(result.period_end, lang)}
    head = t("review_head_self", lang, **period) if result.perspective == "self" else t(
        "review_head", lang, name=subject.name, **period)
    lines = [head, result.summary.text]
    if result.goals:
        lines += ["", t("review_goals", lang), *(f"- {g.text}" for g in result.goals)]
    for label, themes in (("review_strengths", result.strengths), ("review_growth", result.growth_areas)):
        if themes:
            lines += ["", t(label, lang)]
            for theme in themes:
                single = f" {t('review_single', lang)}" if theme.single_observation else ""
                lines.append(f"- {theme.title}{single}: {theme.text}")
                lines += [f"   · {e.text}" for e in theme.examples]
    lines += ["", result.conversations.text, result.development.text]
    if result.next_focus:
        lines += ["", t("review_focus", lang), *(f"- {f.text}" for f in result.next_focus)]
    lines += ["", t("review_questions", lang), *(f"- {q}" for q in result.questions)]
    if result.recency_warning:
        lines.append(t("review_recency", lang, warning=result.recency_warning))
    return "\n".join([*lines, *_tail(result, lang)])
