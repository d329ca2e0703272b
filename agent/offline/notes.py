"""Offline notes to record: extractive and rule-based (:mod:`agent.lexicon.notes`).

Every sentence of the notes is classified (action item, decision, topic for next time,
context, or an instruction aimed at the coach, which is skipped). Action items get the owner
their sentence names and the first date it names (resolved against the conversation day),
else nothing: a missing owner or date becomes a question back, never a guess. The goal an
item serves is the employee's goal whose title shares the most content words with it.
"""

from __future__ import annotations

from agent.checks.notes import held_on, missing_of, questions_for, who
from agent.lexicon import content_stems
from agent.lexicon.notes import (
    Segment,
    classify,
    due_dates,
    first_due,
    item_text,
    owner_of,
    segments,
)
from agent.schemas import (
    NoteActionItem,
    NoteDecision,
    NotesDraft,
    NoteSpan,
    NotesRequest,
    NoteTopic,
    Source,
)
from knowledge.i18n import format_date, t
from knowledge.plain_text import clip
from tools.views import Evidence, GoalView

GOAL_OVERLAP = 2
"""Content words an action item must share with a goal's title to be linked to it."""
MAX_CONTEXT = 2
"""Context sentences quoted in the summary."""


def span_of(segment: Segment) -> NoteSpan:
    """The span of the notes a segment covers, as cited in the result."""
    return NoteSpan(quote=segment.text, start=segment.start, end=segment.end)


def goal_for(text: str, goals: list[GoalView]) -> GoalView | None:
    """The goal ``text`` serves, if any.

    The goal ``text`` serves: the most content words in common (at least :data:`GOAL_OVERLAP`),
    the employee's own goal before a team or organisation goal on a tie.
    """
    stems = content_stems(text)
    best: tuple[int, bool, GoalView | None] = (0, False, None)
    for g in goals:
        if g.status == "done":
            continue
        words = " ".join([g.title, g.description, *(k.metric for k in g.key_results)])
        score = (len(stems & content_stems(words)), g.level == "individual", g)
        if score[:2] > best[:2]:
            best = score
    return best[2] if best[0] >= GOAL_OVERLAP else None


def summary_of(draft: NotesDraft, request: NotesRequest, evidence: Evidence, context: list[str]) -> str:
    """The summary of the notes: the conversation, its decisions and action items, in one or two sentences."""
    lang = evidence.language
    name = evidence.subject.name if evidence.subject is not None else ""
    head = t("notes.summary", lang, kind=t(f"chat.kind.{request.kind}", lang), name=name,
             date=format_date(held_on(request, evidence), lang), decisions=len(draft.decisions),
             actions=len(draft.action_items), topics=len(draft.employee_topics))
    head = head[:1].upper() + head[1:]
    if context:
        head += " " + t("notes.discussed", lang, points="; ".join(clip(c, 200) for c in context))
    return clip(head, 1000)


def draft_notes(request: NotesRequest, evidence: Evidence) -> NotesDraft:
    """The offline notes draft (see the module docstring)."""
    day, people_ = held_on(request, evidence), who(evidence)
    goals = [*evidence.goals, *evidence.parent_goals]
    decisions: list[NoteDecision] = []
    actions: list[NoteActionItem] = []
    topics: list[NoteTopic] = []
    context: list[str] = []
    for segment in segments(request.text):
        owner = owner_of(segment, people_)
        due = first_due(segment.text, day)
        kind = classify(segment.text, has_owner=owner is not None, has_date=bool(due_dates(segment.text, day)))
        text = clip(item_text(segment), 300)
        if kind == "action" and len(actions) < 30:
            goal = goal_for(text, goals)
            actions.append(NoteActionItem(
                text=text, owner=owner, due=due, goal_id=goal.id if goal else None, span=span_of(segment),
                missing=missing_of(owner, due),  # type: ignore[arg-type]
                sources=[Source(type="goal", id=goal.id)] if goal else [],
            ))
        elif kind == "decision" and len(decisions) < 20:
            decisions.append(NoteDecision(text=text, span=span_of(segment)))
        elif kind == "topic" and len(topics) < 10:
            topics.append(NoteTopic(text=text, span=span_of(segment)))
        elif kind == "context" and len(context) < MAX_CONTEXT and len(segment.text.split()) >= 3:
            context.append(text)
    draft = NotesDraft(summary="-", decisions=decisions, action_items=actions, employee_topics=topics,
                       questions=questions_for(actions, evidence.language))
    return draft.model_copy(update={"summary": summary_of(draft, request, evidence, context)})

