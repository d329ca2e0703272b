"""How `coach demo` prints a result: headings, agenda items, SMART verdicts, feedback, actions, keys.

Every word the demo prints itself is in locales/*/demo.yaml: the results' own text is already
in their language; these labels follow it (the header lines follow ``--language``, default English).
"""

from __future__ import annotations

import textwrap
from typing import Any

from agent.schemas import (
    AgendaResult,
    DevelopmentResult,
    FeedbackRequest,
    FeedbackResult,
    Language,
    Result,
    ReviewResult,
    SmartGoalRequest,
    SmartGoalResult,
    Source,
)
from api.demo_cases import Case
from knowledge.i18n import t
from knowledge.models import Person
from knowledge.settings import Settings

WIDTH = 100
"""The width the demo's output is wrapped to."""


def label(key: str, language: Language, **fields: Any) -> str:
    """The demo label ``key`` in ``language``, with ``fields`` filled in."""
    return t(f"demo.{key}", language, **fields)


def wrap(text: str, indent: str, first: str | None = None) -> str:
    """``text`` wrapped to the demo's width, after ``first`` (default: ``indent``) on the first line."""
    return textwrap.fill(" ".join(text.split()), width=WIDTH, initial_indent=first if first is not None else indent,
                         subsequent_indent=indent)


def _short(text: str, width: int = 60) -> str:
    return textwrap.shorten(" ".join(text.split()), width=width, placeholder="…")


def _source_line(sources: list[Source], labels: dict[str, str], language: Language) -> str:
    return "; ".join(f"{label(f'src.{s.type}', language)} “{_short(labels.get(s.id, s.id), 48)}”" for s in sources)


def _heading(title: str, result: Result) -> list[str]:
    lang = result.language
    meta = f"{lang} · {label(f'engine.{result.engine}', lang)}"
    meta += f" {label('degraded', lang)}" if result.degraded else ""
    bar = "━" * max(3, WIDTH - len(title) - len(meta) - 6)
    return ["", f"━━ {title} {bar} {meta}"]


def _footer(result: Result, labels: dict[str, str]) -> list[str]:
    lang = result.language
    records = [s for s in result.sources if s.type not in ("guidance", "policy")]
    passages = [s for s in result.sources if s.type in ("guidance", "policy")]
    lines = []
    if passages:
        lines.append(wrap(_source_line(passages, labels, lang), "     ", f"   {label('guidance', lang)}"))
    cited = label("records.one", lang) if len(records) == 1 else label("records.many", lang, n=len(records))
    lines.append("   " + " · ".join([cited, label("prompt", lang, version=result.prompt_version),
                                      *([label("model", lang, model=result.model)] if result.model else [])]))
    if result.degraded_reason:
        lines.append(f"   {label('degraded_reason', lang, reason=result.degraded_reason)}")
    lines += [wrap(w, "     ", "   ! ") for w in result.warnings]
    return lines


def render_agenda(result: AgendaResult, labels: dict[str, str]) -> list[str]:
    """The lines of an agenda: items with minutes, who leads, why, questions and sources."""
    lang = result.language
    lines = [wrap(result.summary, "   ")]
    if result.little_history:
        lines.append(f"   {label('little_history', lang)}")
    for n, item in enumerate(result.items, 1):
        about = label("item", lang, minutes=item.minutes, who=label(f"who.{item.led_by}", lang))
        lines.append(f"   {n:>2}. {item.title}  [{about}]")
        lines.append(wrap(item.why, "       "))
        lines += [wrap(q, "         ", "       ? ") for q in item.questions]
        if item.sources:
            lines.append(wrap(_source_line(item.sources, labels, lang), "         ", "       ↳ "))
    lines.append(f"   {label('total', lang, used=sum(i.minutes for i in result.items), minutes=result.minutes)}")
    return lines


def render_smart(result: SmartGoalResult, text: str, labels: dict[str, str]) -> list[str]:
    """The lines of a SMART check: the goal as written, a verdict table, the rewrite and proposals."""
    lang = result.language
    criteria = {c: label(f"crit.{c}", lang) for c in ("specific", "measurable", "achievable", "relevant", "time_bound")}
    marks = {m: label(f"mark.{m}", lang) for m in ("pass", "fail", "unclear")}
    crit_w = max(12, 1 + max(len(label("col.criterion", lang)), *map(len, criteria.values())))
    mark_w = max(10, 1 + max(len(label("col.verdict", lang)), *map(len, marks.values())))
    lines = [f"   {label('goal_as_written', lang)}“{text}”", "",
             f"   {label('col.criterion', lang):<{crit_w}} {label('col.verdict', lang):<{mark_w}} "
             f"{label('col.note', lang)}"]
    for v in result.criteria:
        lines.append(wrap(v.note, " " * (crit_w + mark_w + 5),
                           f"   {criteria[v.criterion]:<{crit_w}} {marks[v.verdict]:<{mark_w}} "))
    lines += ["", wrap(result.rewrite, "     ", f"   {label('rewrite', lang)}")]
    lines += [wrap(kr, "       ", f"   {label('key_result', lang)}") for kr in result.key_results]
    lines += [wrap(f"{p.value} — {p.reason}", "       ", f"   {label('proposed', lang)}")
              for p in result.proposed_values]
    lines += [wrap(q, "       ", "   ? ") for q in result.questions]
    if result.parent_goal_id:
        how = label("parent.suggested" if result.parent_goal_suggested else "parent.given", lang)
        lines.append(wrap(f"{labels.get(result.parent_goal_id, result.parent_goal_id)} ({how})", "     ",
                           f"   {label('aligns_to', lang)}"))
    return lines


def render_feedback(result: FeedbackResult, text: str) -> list[str]:
    """The lines of phrased feedback: the notes, the issues found, the SBI parts and the rewrite."""
    lang = result.language
    lines = [wrap(f"“{text}”", "     ", f"   {label('notes', lang)}"), f"   {label('issues', lang)}"]
    lines += [wrap(label(f"issue.{i.kind}", lang) + (f": “{i.words}”" if i.words.strip() else "")
                    + f" → {i.suggestion}", "       ", "     - ")
              for i in result.issues] or [f"     {label('none', lang)}"]
    for part in ("situation", "behaviour", "impact"):
        value = getattr(result.sbi, part)
        lines.append(wrap(value or label("sbi.missing", lang), "                ",
                           f"   {label(f'sbi.{part}', lang):<12} "))
    lines += ["", wrap(result.rewrite, "     ", f"   {label('rewrite', lang)}")]
    lines += [wrap(q, "       ", "   ? ") for q in result.questions]
    lines += [wrap(s, "       ", "   + ") for s in result.strengths]
    lines += [wrap(g, "       ", "   ↗ ") for g in result.growth_areas]
    return lines


def render_development(result: DevelopmentResult, labels: dict[str, str]) -> list[str]:
    """The lines of development actions, each with category, owner, due date and sources."""
    lang = result.language
    lines = [wrap(result.summary, "   ")]
    for n, a in enumerate(result.actions, 1):
        catalogue = label("catalogue", lang, id=a.catalogue_id) if a.catalogue_id else ""
        lines.append(f"   {n}. [{label(f'cat.{a.category}', lang)}] {a.title}")
        lines.append(f"      {label('owner_due', lang, who=label(f'who.{a.owner}', lang), due=f'{a.due:%Y-%m-%d}')}"
                     f"{catalogue}")
        lines.append(wrap(a.why, "        ", f"      {label('why', lang)}"))
        lines.append(wrap(a.success_indicator, "        ", f"      {label('success', lang)}"))
        if a.sources:
            lines.append(wrap(_source_line(a.sources, labels, lang), "        ", "      ↳ "))
    return lines


def render_review(result: ReviewResult, labels: dict[str, str]) -> list[str]:
    """A review draft: each section with the records it cites (named, not by id)."""
    lang = result.language
    period = label("period", lang, start=f"{result.period_start:%Y-%m-%d}", end=f"{result.period_end:%Y-%m-%d}")
    lines = [f"   {period}", wrap(result.summary.text, "   ")]
    lines += [wrap(g.text, "       ", f"   {label('goal', lang)} ") for g in result.goals]
    for key, themes in (("strength", result.strengths), ("growth", result.growth_areas)):
        for theme in themes:
            lines.append(wrap(f"{theme.title}: {theme.text}", "       ", f"   {label(key, lang)} "))
            lines += [wrap(e.text, "         ", "       · ") for e in theme.examples]
            lines.append(wrap(_source_line([e.source for e in theme.examples], labels, lang), "         ", "       ↳ "))
    for statement in (result.conversations, result.development, *result.next_focus):
        lines.append(wrap(statement.text, "     ", "   • "))
    lines += [wrap(q, "       ", "   ? ") for q in result.questions[:3]]
    if result.recency_warning:
        lines.append(wrap(result.recency_warning, "     ", "   ! "))
    return lines


def render(case: Case, result: Result, labels: dict[str, str]) -> str:
    """One result, every label in ``result.language``; ``labels`` name the cited ids in that language."""
    lines = _heading(label(case.title, result.language), result)
    if isinstance(result, AgendaResult):
        lines += render_agenda(result, labels)
    elif isinstance(result, SmartGoalResult):
        lines += render_smart(result, _request_text(case), labels)
    elif isinstance(result, FeedbackResult):
        lines += render_feedback(result, _request_text(case))
    elif isinstance(result, DevelopmentResult):
        lines += render_development(result, labels)
    elif isinstance(result, ReviewResult):
        lines += render_review(result, labels)
    return "\n".join([*lines, *_footer(result, labels)])


def render_web_keys(settings: Settings, keys: list[tuple[str, Person, str]], language: Language) -> list[str]:
    """The web-app sign-in lines: where the app is, and a fresh key per demo role."""
    url = f"http://{settings.host}:{settings.port}/"
    lines = ["", label("hdr.web", language, url=url)]
    lines += [f"  {label(label_id, language):<10} {person.name:<18} {secret}" for label_id, person, secret in keys]
    return lines


def _request_text(case: Case) -> str:
    """The text a SMART-goal or feedback case sent (what its result is printed next to)."""
    if not isinstance(case.request, SmartGoalRequest | FeedbackRequest):
        raise TypeError(f"{case.title}: a {type(case.request).__name__} has no text to show")
    return case.request.text
