"""`coach demo`: seed the demo organisation and show the coach at work on it.

Runs the four tasks for three demo people, each in their own language (or ``--language``):
Femke prepares her 1-on-1 with Daan, Priya her check-in with Liam; Sanne's and Liam's vague
goals get a SMART check; Liam's rough notes about Jonas are rephrased; Femke and Priya get
development actions for Sanne and Liam. Works with nothing configured (the offline engine);
with a model configured the same runs go through it, concurrently.
"""

from __future__ import annotations

import asyncio
import textwrap
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

import typer
from sqlalchemy import Engine
from sqlmodel import Session, select

from agent.schemas import (
    AgendaRequest,
    AgendaResult,
    DevelopmentRequest,
    DevelopmentResult,
    FeedbackRequest,
    FeedbackResult,
    Language,
    Request,
    Result,
    SmartGoalRequest,
    SmartGoalResult,
    Source,
    Task,
)
from knowledge.db import make_engine, session_scope
from knowledge.i18n import t
from knowledge.keys import create_key, revoke_key
from knowledge.migrations import upgrade
from knowledge.models import ActionItem, Conversation, DevelopmentAction, Feedback, Goal, Person
from knowledge.policy import Principal
from knowledge.queries import principal_for
from knowledge.service_models import AuditEvent
from knowledge.settings import Settings

WIDTH = 100

# Every word the demo prints itself is in locales/*/demo.yaml: the results' own text is already
# in their language; these labels follow it (the header lines follow ``--language``, default English).


def _t(key: str, language: Language, **fields: Any) -> str:
    """The label ``key`` in ``language``, with ``fields`` filled in."""
    return t(f"demo.{key}", language, **fields)


@dataclass(frozen=True)
class Case:
    """One demo run: who asks, which task, about whom."""

    title: str  # a label id: the title is printed in the result's language
    actor: str
    task: Task
    request: Request


def demo_cases(language: Language | None, *, rough_notes: str) -> list[Case]:
    """The demo runs; ``language`` overrides each person's own; ``rough_notes`` are Liam's about Jonas."""
    from knowledge.demo import demo_person_id

    daan, liam, sanne = demo_person_id("daan"), demo_person_id("liam"), demo_person_id("sanne")
    return [
        Case("case.agenda_daan", "femke", "agenda",
             AgendaRequest(employee_id=daan, kind="one_on_one", minutes=30, language=language)),
        Case("case.agenda_liam", "priya", "agenda",
             AgendaRequest(employee_id=liam, kind="check_in", minutes=20, language=language)),
        Case("case.smart_sanne", "sanne", "smart_goal",
             SmartGoalRequest(text="Word beter in testen", language=language)),
        Case("case.smart_liam", "liam", "smart_goal",
             SmartGoalRequest(text="Improve communication with stakeholders", language=language)),
        Case("case.feedback_jonas", "liam", "feedback",
             FeedbackRequest(text=rough_notes, recipient_id=demo_person_id("jonas"),
                             intent="constructive", language=language)),
        Case("case.development_sanne", "femke", "development",
             DevelopmentRequest(employee_id=sanne, language=language)),
        Case("case.development_liam", "priya", "development",
             DevelopmentRequest(employee_id=liam, focus="stakeholder communication", language=language)),
    ]


# --- set-up -------------------------------------------------------------------------------

def _prepare_store(settings: Settings, engine: Engine, org_id: str, now: datetime, language: Language) -> Any:
    """The configured store, with the shipped corpus and the demo's HR policies in it."""
    from knowledge.corpus import sync_corpus
    from knowledge.documents import ingest_text
    from knowledge.store import EmbeddingMismatchError, open_store

    store = open_store(settings)
    try:
        store.check()
        added = sync_corpus(store).added
    except EmbeddingMismatchError as exc:
        typer.secho(_t("hdr.mismatch", language, error=exc), fg=typer.colors.YELLOW, err=True)
        return None
    if added:
        typer.echo(_t("hdr.indexed", language, n=added))
    policies = resources.files("knowledge.demo") / "policies"
    with session_scope(engine) as session:
        for entry in sorted(policies.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".md"):
                ingest_text(session, store, org_id=org_id, name=entry.name,
                            text=entry.read_text(encoding="utf-8"), now=now)
    return store


def _principal(engine: Engine, org_id: str, key: str) -> Principal:
    from knowledge.demo import demo_person_id

    with Session(engine) as session:
        principal = principal_for(session, org_id=org_id, person_id=demo_person_id(key))
    if principal is None:
        raise RuntimeError(f"demo person {key!r} is missing: the demo organisation is incomplete")
    return principal


def _labels(engine: Engine, store: Any, results: Iterable[Result], language: Language) -> dict[str, str]:
    """Short readable names, in ``language``, of every cited id (goal titles, action item texts, ...)."""
    ids = {s.id for r in results for s in _all_sources(r)}
    labels: dict[str, str] = {}
    with Session(engine) as s:
        for g in s.exec(select(Goal).where(Goal.id.in_(ids))):  # type: ignore[attr-defined]
            labels[g.id] = g.title
        for c in s.exec(select(Conversation).where(Conversation.id.in_(ids))):  # type: ignore[attr-defined]
            labels[c.id] = _t("dated", language, what=_t(f"conv.{c.kind.value}", language),
                              date=f"{c.held_at:%Y-%m-%d}")
        for a in s.exec(select(ActionItem).where(ActionItem.id.in_(ids))):  # type: ignore[attr-defined]
            labels[a.id] = a.text
        for f in s.exec(select(Feedback).where(Feedback.id.in_(ids))):  # type: ignore[attr-defined]
            labels[f.id] = _t("dated", language, what=_t(f"fb.{f.kind.value}", language),
                              date=f"{f.created_at:%Y-%m-%d}")
        for d in s.exec(select(DevelopmentAction).where(DevelopmentAction.id.in_(ids))):  # type: ignore[attr-defined]
            labels[d.id] = d.title
    passage_ids = sorted(i for i in ids if i not in labels)
    if store is not None and passage_ids:
        for kind in ("guidance", "policy"):
            for chunk in store.get(kind, ids=passage_ids):
                title, heading = chunk.metadata.get("title", ""), chunk.metadata.get("heading")
                labels[chunk.id] = f"{title} › {heading}" if heading and heading != title else title
    return labels


def _all_sources(result: Result) -> list[Source]:
    out = list(result.sources)
    if isinstance(result, AgendaResult):
        out += [s for item in result.items for s in item.sources]
    if isinstance(result, DevelopmentResult):
        out += [s for a in result.actions for s in a.sources]
    return out


# --- printing -----------------------------------------------------------------------------

def _wrap(text: str, indent: str, first: str | None = None) -> str:
    return textwrap.fill(" ".join(text.split()), width=WIDTH, initial_indent=first if first is not None else indent,
                         subsequent_indent=indent)


def _short(text: str, width: int = 60) -> str:
    return textwrap.shorten(" ".join(text.split()), width=width, placeholder="…")


def _source_line(sources: list[Source], labels: dict[str, str], language: Language) -> str:
    return "; ".join(f"{_t(f'src.{s.type}', language)} “{_short(labels.get(s.id, s.id), 48)}”" for s in sources)


def _heading(title: str, result: Result) -> list[str]:
    lang = result.language
    meta = f"{lang} · {_t(f'engine.{result.engine}', lang)}" + (f" {_t('degraded', lang)}" if result.degraded else "")
    bar = "━" * max(3, WIDTH - len(title) - len(meta) - 6)
    return ["", f"━━ {title} {bar} {meta}"]


def _footer(result: Result, labels: dict[str, str]) -> list[str]:
    lang = result.language
    records = [s for s in result.sources if s.type not in ("guidance", "policy")]
    passages = [s for s in result.sources if s.type in ("guidance", "policy")]
    lines = []
    if passages:
        lines.append(_wrap(_source_line(passages, labels, lang), "     ", f"   {_t('guidance', lang)}"))
    cited = _t("records.one", lang) if len(records) == 1 else _t("records.many", lang, n=len(records))
    lines.append("   " + " · ".join([cited, _t("prompt", lang, version=result.prompt_version),
                                      *([_t("model", lang, model=result.model)] if result.model else [])]))
    if result.degraded_reason:
        lines.append(f"   {_t('degraded_reason', lang, reason=result.degraded_reason)}")
    lines += [_wrap(w, "     ", "   ! ") for w in result.warnings]
    return lines


def render_agenda(result: AgendaResult, labels: dict[str, str]) -> list[str]:
    lang = result.language
    lines = [_wrap(result.summary, "   ")]
    if result.little_history:
        lines.append(f"   {_t('little_history', lang)}")
    for n, item in enumerate(result.items, 1):
        about = _t("item", lang, minutes=item.minutes, who=_t(f"who.{item.led_by}", lang))
        lines.append(f"   {n:>2}. {item.title}  [{about}]")
        lines.append(_wrap(item.why, "       "))
        lines += [_wrap(q, "         ", "       ? ") for q in item.questions]
        if item.sources:
            lines.append(_wrap(_source_line(item.sources, labels, lang), "         ", "       ↳ "))
    lines.append(f"   {_t('total', lang, used=sum(i.minutes for i in result.items), minutes=result.minutes)}")
    return lines


def render_smart(result: SmartGoalResult, text: str, labels: dict[str, str]) -> list[str]:
    lang = result.language
    criteria = {c: _t(f"crit.{c}", lang) for c in ("specific", "measurable", "achievable", "relevant", "time_bound")}
    marks = {m: _t(f"mark.{m}", lang) for m in ("pass", "fail", "unclear")}
    crit_w = max(12, 1 + max(len(_t("col.criterion", lang)), *map(len, criteria.values())))
    mark_w = max(10, 1 + max(len(_t("col.verdict", lang)), *map(len, marks.values())))
    lines = [f"   {_t('goal_as_written', lang)}“{text}”", "",
             f"   {_t('col.criterion', lang):<{crit_w}} {_t('col.verdict', lang):<{mark_w}} {_t('col.note', lang)}"]
    for v in result.criteria:
        lines.append(_wrap(v.note, " " * (crit_w + mark_w + 5),
                           f"   {criteria[v.criterion]:<{crit_w}} {marks[v.verdict]:<{mark_w}} "))
    lines += ["", _wrap(result.rewrite, "     ", f"   {_t('rewrite', lang)}")]
    lines += [_wrap(kr, "       ", f"   {_t('key_result', lang)}") for kr in result.key_results]
    lines += [_wrap(f"{p.value} — {p.reason}", "       ", f"   {_t('proposed', lang)}")
              for p in result.proposed_values]
    lines += [_wrap(q, "       ", "   ? ") for q in result.questions]
    if result.parent_goal_id:
        how = _t("parent.suggested" if result.parent_goal_suggested else "parent.given", lang)
        lines.append(_wrap(f"{labels.get(result.parent_goal_id, result.parent_goal_id)} ({how})", "     ",
                           f"   {_t('aligns_to', lang)}"))
    return lines


def render_feedback(result: FeedbackResult, text: str) -> list[str]:
    lang = result.language
    lines = [_wrap(f"“{text}”", "     ", f"   {_t('notes', lang)}"), f"   {_t('issues', lang)}"]
    lines += [_wrap(_t(f"issue.{i.kind}", lang) + (f": “{i.words}”" if i.words.strip() else "")
                    + f" → {i.suggestion}", "       ", "     - ")
              for i in result.issues] or [f"     {_t('none', lang)}"]
    for part in ("situation", "behaviour", "impact"):
        value = getattr(result.sbi, part)
        lines.append(_wrap(value or _t("sbi.missing", lang), "                ",
                           f"   {_t(f'sbi.{part}', lang):<12} "))
    lines += ["", _wrap(result.rewrite, "     ", f"   {_t('rewrite', lang)}")]
    lines += [_wrap(q, "       ", "   ? ") for q in result.questions]
    lines += [_wrap(s, "       ", "   + ") for s in result.strengths]
    lines += [_wrap(g, "       ", "   ↗ ") for g in result.growth_areas]
    return lines


def render_development(result: DevelopmentResult, labels: dict[str, str]) -> list[str]:
    lang = result.language
    lines = [_wrap(result.summary, "   ")]
    for n, a in enumerate(result.actions, 1):
        catalogue = _t("catalogue", lang, id=a.catalogue_id) if a.catalogue_id else ""
        lines.append(f"   {n}. [{_t(f'cat.{a.category}', lang)}] {a.title}")
        lines.append(f"      {_t('owner_due', lang, who=_t(f'who.{a.owner}', lang), due=f'{a.due:%Y-%m-%d}')}"
                     f"{catalogue}")
        lines.append(_wrap(a.why, "        ", f"      {_t('why', lang)}"))
        lines.append(_wrap(a.success_indicator, "        ", f"      {_t('success', lang)}"))
        if a.sources:
            lines.append(_wrap(_source_line(a.sources, labels, lang), "        ", "      ↳ "))
    return lines


def render(case: Case, result: Result, labels: dict[str, str]) -> str:
    """One result, every label in ``result.language``; ``labels`` name the cited ids in that language."""
    lines = _heading(_t(case.title, result.language), result)
    if isinstance(result, AgendaResult):
        lines += render_agenda(result, labels)
    elif isinstance(result, SmartGoalResult):
        assert isinstance(case.request, SmartGoalRequest)
        lines += render_smart(result, case.request.text, labels)
    elif isinstance(result, FeedbackResult):
        assert isinstance(case.request, FeedbackRequest)
        lines += render_feedback(result, case.request.text)
    elif isinstance(result, DevelopmentResult):
        lines += render_development(result, labels)
    return "\n".join([*lines, *_footer(result, labels)])


NUDGE_MANAGERS = ("femke", "priya")
"""The demo managers whose nudges are shown after the task results."""


def render_nudges(engine: Engine, org_id: str, manager: str, language: Language | None, now: datetime) -> str:
    """The nudges of a demo manager, in ``language`` or the manager's own."""
    from tools.nudges import nudges_for

    principal = _principal(engine, org_id, manager)
    with Session(engine) as session:
        me = session.get(Person, principal.person_id)
        lang: Language = language or (me.language if me is not None else "en")
        found = nudges_for(session, principal=principal, today=now.date(), language=lang)
    title = _t("case.nudges", lang, name=me.name if me else manager, n=len(found.people),
               days=found.one_on_one_days)
    bar = "━" * max(3, WIDTH - len(title) - 6)
    lines = ["", f"━━ {title} {bar}"]
    names = {n.employee_id: n.employee_name for n in found.nudges}
    current = None
    for nudge in found.nudges:
        if nudge.employee_id != current:
            current = nudge.employee_id
            lines.append(f"   {names[current]}")
        lines.append(_wrap(nudge.message, "       ", "     • "))
    if not found.nudges:
        lines.append(f"   {_t('nudges.none', lang)}")
    return "\n".join(lines)


# --- the command --------------------------------------------------------------------------

WEB_KEYS: tuple[tuple[str, str], ...] = (("web.manager", "platform_manager"), ("web.employee", "platform_employee"),
                                          ("web.hr", "hr"))
"""The people the demo prints web-app keys for: label id, demo role."""
DEMO_KEY_ACTOR = "demo"


def web_keys(session: Session, *, org_id: str, now: datetime) -> list[tuple[str, Person, str]]:
    """Fresh keys for a manager, an employee and HR of the demo organisation (label id, person,
    secret). The keys an earlier demo run made are revoked, so they do not pile up."""
    from knowledge.demo import demo_person_id

    earlier = session.exec(select(AuditEvent.target_id).where(
        AuditEvent.org_id == org_id, AuditEvent.actor == DEMO_KEY_ACTOR, AuditEvent.action == "key.create")).all()
    for key_id in earlier:
        if key_id:
            revoke_key(session, org_id=org_id, key_id=key_id, now=now, actor=DEMO_KEY_ACTOR)
    out = []
    for label, role in WEB_KEYS:
        person = session.get(Person, demo_person_id(role))
        if person is None:
            continue
        _, secret = create_key(session, org_id=org_id, person_id=person.id, now=now, actor=DEMO_KEY_ACTOR)
        out.append((label, person, secret))
    return out


def render_web_keys(settings: Settings, keys: list[tuple[str, Person, str]], language: Language) -> list[str]:
    url = f"http://{settings.host}:{settings.port}/"
    lines = ["", _t("hdr.web", language, url=url)]
    lines += [f"  {_t(label, language):<10} {person.name:<18} {secret}" for label, person, secret in keys]
    return lines


def _engine_line(settings: Settings, language: Language) -> str:
    if not settings.llm_configured:
        return _t("hdr.offline", language)
    return _t("hdr.llm", language, model=settings.model, where=settings.openai_base_url or "https://api.openai.com/v1",
              structured=settings.structured_output)


async def _run_all(settings: Settings, engine: Engine, store: Any, org_id: str, cases: list[Case],
                   now: datetime) -> list[Result]:
    from agent.service import Coach

    principals = {key: _principal(engine, org_id, key) for key in {c.actor for c in cases}}
    async with Coach(settings=settings, engine=engine, store=store) as coach:
        return list(await asyncio.gather(*(
            coach.run(c.task, c.request, principal=principals[c.actor], now=now) for c in cases
        )))


def run_demo(settings: Settings, *, language: Language | None, now: datetime, store: Any = None) -> None:
    """Seed the demo organisation, run the coach on it and print the results.

    Each result is printed in its own language; the lines around them in ``language``
    (English when it is None). ``store``, when given, is used as it is (tests); by default
    the configured store is opened and brought in step with the shipped corpus and the
    demo's HR policies.
    """
    from knowledge.demo import PLANTED, seed_demo

    started = time.perf_counter()
    say: Language = language or "en"
    engine = make_engine(settings.effective_database_url)
    try:
        upgrade(engine)  # the demo does all its set-up itself, the schema included
        with session_scope(engine) as session:
            org = seed_demo(session, now=now)
            org_id, org_name, org_slug = org.id, org.name, org.slug
            planted = session.get(Feedback, PLANTED["personality_feedback"])
            rough_notes = " ".join(planted.text.split()) if planted else "Jonas is lazy and always disorganised."
        typer.echo(_t("hdr.title", say, org=org_name, slug=org_slug, date=f"{now:%Y-%m-%d}"))
        typer.echo(_engine_line(settings, say))
        if store is None:
            store = _prepare_store(settings, engine, org_id, now, say)
        if store is None:
            typer.echo(_t("hdr.no_store", say))
        else:
            typer.echo(_t("hdr.store", say, guides=store.count("guidance"), policies=store.count("policy")))
        cases = demo_cases(language, rough_notes=rough_notes)
        results = asyncio.run(_run_all(settings, engine, store, org_id, cases, now))
        with Session(engine) as session:
            names = dict(session.exec(select(Person.id, Person.name).where(Person.org_id == org_id)).all())
        labels = {lang: _labels(engine, store, [r for r in results if r.language == lang], lang) | names
                  for lang in {r.language for r in results}}
        for case, result in zip(cases, results, strict=True):
            typer.echo(render(case, result, labels[result.language]))
        for manager in NUDGE_MANAGERS:
            typer.echo(render_nudges(engine, org_id, manager, language, now))
        with session_scope(engine) as session:
            keys = web_keys(session, org_id=org_id, now=now)
        typer.echo("\n".join(render_web_keys(settings, keys, say)))
        typer.echo("\n" + _t("hdr.done", say, n=len(results), seconds=time.perf_counter() - started))
    finally:
        engine.dispose()
