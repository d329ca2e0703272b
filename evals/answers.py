"""What a person reads of a coach result: its texts, its main prose, its sources, its draft part.

The scorers (:mod:`evals.scorers`) judge these; the answer's own quotes of the input (feedback
issues and questions back to the author) are not among the texts a reader is shown.
"""

from __future__ import annotations

from agent.schemas import (
    DRAFT_SCHEMAS,
    AgendaDraft,
    AgendaResult,
    DevelopmentDraft,
    DevelopmentResult,
    Draft,
    FeedbackDraft,
    FeedbackResult,
    NotesDraft,
    NotesResult,
    Result,
    ReviewDraft,
    ReviewResult,
    SmartGoalDraft,
    SmartGoalResult,
    Source,
    Task,
)


def answer_texts(result: Result) -> list[str]:
    """Every string of the answer the subject or recipient reads (and the warnings).

    Left out: quotes of the input that are meant to quote it, i.e. feedback issues (words and
    suggestions) and feedback questions back to the author ("what made you think 'lazy'?").
    """
    texts: list[str] = list(result.warnings)
    if isinstance(result, AgendaResult):
        texts.append(result.summary)
        for item in result.items:
            texts += [item.title, item.why, *item.questions]
    elif isinstance(result, SmartGoalResult):
        texts += [result.rewrite, *result.key_results, *result.questions]
        texts += [c.note for c in result.criteria]
        texts += [p.reason for p in result.proposed_values]
    elif isinstance(result, FeedbackResult):
        texts += [result.rewrite, *result.strengths, *result.growth_areas]
        texts += [t for t in (result.sbi.situation, result.sbi.behaviour, result.sbi.impact) if t]
    elif isinstance(result, DevelopmentResult):
        texts.append(result.summary)
        for action in result.actions:
            texts += [action.title, action.why, action.success_indicator]
    elif isinstance(result, ReviewResult):
        from agent.checks.review import all_texts

        texts += [text for _, text in all_texts(result)]
    elif isinstance(result, NotesResult):
        texts += [result.summary, *result.questions, *(i.text for i in result.action_items)]
        texts += [*(d.text for d in result.decisions), *(x.text for x in result.employee_topics)]
    return [t for t in texts if t]


def main_text(result: Result) -> str:
    """The answer's main prose, for language detection."""
    if isinstance(result, AgendaResult):
        questions = [q for i in result.items for q in i.questions]
        return " ".join([result.summary, *(i.why for i in result.items), *questions])
    if isinstance(result, SmartGoalResult):
        return " ".join([*(c.note for c in result.criteria), *result.questions])
    if isinstance(result, FeedbackResult):
        return " ".join([result.rewrite, *result.questions])
    if isinstance(result, DevelopmentResult):
        return " ".join([result.summary, *(a.why for a in result.actions)])
    if isinstance(result, ReviewResult):
        return " ".join([result.summary.text, result.conversations.text, *(t.text for t in result.strengths),
                         *(t.text for t in result.growth_areas), *result.questions])
    if isinstance(result, NotesResult):
        return " ".join([result.summary, *result.questions])
    return ""


def all_sources(result: Result) -> list[Source]:
    """The envelope's sources plus those of agenda items and development actions."""
    sources = list(result.sources)
    if isinstance(result, AgendaResult):
        sources += [s for item in result.items for s in item.sources]
    if isinstance(result, DevelopmentResult):
        sources += [s for action in result.actions for s in action.sources]
    if isinstance(result, ReviewResult):
        from agent.checks.review import cited_sources

        sources += [s for _, s in cited_sources(result)]
    if isinstance(result, NotesResult):
        sources += [s for item in result.action_items for s in item.sources]
    return sources


def draft_of(task: Task, result: Result) -> Draft:
    """The draft part of a result (what the checks validate)."""
    schema = DRAFT_SCHEMAS[task]
    draft = schema.model_validate(result.model_dump(include=set(schema.model_fields)))
    if not isinstance(draft, AgendaDraft | SmartGoalDraft | FeedbackDraft | DevelopmentDraft | ReviewDraft
                      | NotesDraft):
        raise TypeError(f"no draft schema for a {type(draft).__name__}")
    return draft
