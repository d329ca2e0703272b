"""`coach demo`: seed the demo organisation and show the coach at work on it.

Runs the four tasks for three demo people, each in their own language (or ``--language``):
Femke prepares her 1-on-1 with Daan, Priya her check-in with Liam; Sanne's and Liam's vague
goals get a SMART check; Liam's rough notes about Jonas are rephrased; Femke and Priya get
development actions for Sanne and Liam. Works with nothing configured (the offline engine);
with a model configured the same runs go through it, concurrently.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from datetime import datetime
from importlib import resources
from typing import Any

import typer
from sqlalchemy import Engine
from sqlmodel import Session, select

from agent.checks.review import cited_sources
from agent.schemas import (
    AgendaResult,
    DevelopmentResult,
    Language,
    Result,
    ReviewResult,
    Source,
)
from api.demo_cases import Case, demo_cases
from api.demo_render import WIDTH, label, render, render_web_keys, wrap
from knowledge.db import make_engine, session_scope
from knowledge.i18n import DEFAULT_LANGUAGE
from knowledge.keys import create_key, revoke_key
from knowledge.migrations import upgrade
from knowledge.models import ActionItem, Conversation, DevelopmentAction, Feedback, Goal, Person
from knowledge.policy import Principal
from knowledge.queries import principal_for
from knowledge.service_models import AuditEvent
from knowledge.settings import Settings

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
        typer.secho(label("hdr.mismatch", language, error=exc), fg=typer.colors.YELLOW, err=True)
        return None
    if added:
        typer.echo(label("hdr.indexed", language, n=added))
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
            labels[c.id] = label("dated", language, what=label(f"conv.{c.kind.value}", language),
                              date=f"{c.held_at:%Y-%m-%d}")
        for a in s.exec(select(ActionItem).where(ActionItem.id.in_(ids))):  # type: ignore[attr-defined]
            labels[a.id] = a.text
        for f in s.exec(select(Feedback).where(Feedback.id.in_(ids))):  # type: ignore[attr-defined]
            labels[f.id] = label("dated", language, what=label(f"fb.{f.kind.value}", language),
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
    if isinstance(result, ReviewResult):
        out += [s for _, s in cited_sources(result)]
    return out


NUDGE_MANAGERS = ("femke", "priya")
"""The demo managers whose nudges are shown after the task results."""


def render_nudges(engine: Engine, org_id: str, manager: str, language: Language | None, now: datetime) -> str:
    """The nudges of a demo manager, in ``language`` or the manager's own."""
    from tools.nudges import nudges_for

    principal = _principal(engine, org_id, manager)
    with Session(engine) as session:
        me = session.get(Person, principal.person_id)
        lang: Language = language or (me.language if me is not None else DEFAULT_LANGUAGE)
        found = nudges_for(session, principal=principal, today=now.date(), language=lang)
    title = label("case.nudges", lang, name=me.name if me else manager, n=len(found.people),
               days=found.one_on_one_days)
    bar = "━" * max(3, WIDTH - len(title) - 6)
    lines = ["", f"━━ {title} {bar}"]
    names = {n.employee_id: n.employee_name for n in found.nudges}
    current = None
    for nudge in found.nudges:
        if nudge.employee_id != current:
            current = nudge.employee_id
            lines.append(f"   {names[current]}")
        lines.append(wrap(nudge.message, "       ", "     • "))
    if not found.nudges:
        lines.append(f"   {label('nudges.none', lang)}")
    return "\n".join(lines)


# --- the command --------------------------------------------------------------------------

WEB_KEYS: tuple[tuple[str, str], ...] = (("web.manager", "platform_manager"), ("web.employee", "platform_employee"),
                                          ("web.hr", "hr"))
"""The people the demo prints web-app keys for: label id, demo role."""
DEMO_KEY_ACTOR = "demo"


def web_keys(session: Session, *, org_id: str, now: datetime) -> list[tuple[str, Person, str]]:
    """Fresh web-app keys for the demo's manager, employee and HR person.

    Fresh keys for a manager, an employee and HR of the demo organisation (label id, person,
    secret). The keys an earlier demo run made are revoked, so they do not pile up.
    """
    from knowledge.demo import demo_person_id

    earlier = session.exec(select(AuditEvent.target_id).where(
        AuditEvent.org_id == org_id, AuditEvent.actor == DEMO_KEY_ACTOR, AuditEvent.action == "key.create")).all()
    for key_id in earlier:
        if key_id:
            revoke_key(session, org_id=org_id, key_id=key_id, now=now, actor=DEMO_KEY_ACTOR)
    out = []
    for label_id, role in WEB_KEYS:
        person = session.get(Person, demo_person_id(role))
        if person is None:
            continue
        _, secret = create_key(session, org_id=org_id, person_id=person.id, now=now, actor=DEMO_KEY_ACTOR)
        out.append((label_id, person, secret))
    return out


def _engine_line(settings: Settings, language: Language) -> str:
    if not settings.llm_configured:
        return label("hdr.offline", language)
    return label("hdr.llm", language, model=settings.model, where=settings.openai_base_url or "https://api.openai.com/v1",
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
    say: Language = language or DEFAULT_LANGUAGE
    engine = make_engine(settings.effective_database_url)
    try:
        upgrade(engine)  # the demo does all its set-up itself, the schema included
        with session_scope(engine) as session:
            org = seed_demo(session, now=now)
            org_id, org_name, org_slug = org.id, org.name, org.slug
            planted = session.get(Feedback, PLANTED["personality_feedback"])
            rough_notes = " ".join(planted.text.split()) if planted else "Jonas is lazy and always disorganised."
        typer.echo(label("hdr.title", say, org=org_name, slug=org_slug, date=f"{now:%Y-%m-%d}"))
        typer.echo(_engine_line(settings, say))
        if store is None:
            store = _prepare_store(settings, engine, org_id, now, say)
        if store is None:
            typer.echo(label("hdr.no_store", say))
        else:
            typer.echo(label("hdr.store", say, guides=store.count("guidance"), policies=store.count("policy")))
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
        typer.echo("\n" + label("hdr.done", say, n=len(results), seconds=time.perf_counter() - started))
    finally:
        engine.dispose()
