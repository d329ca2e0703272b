"""The human message of a period review: the budgeted evidence as escaped, tagged data.

Gather already cut the period to a fixed budget (:mod:`agent.review_evidence`); this renders
it: the request, the cadence facts, the goals, the development actions, the per-theme counts
of the whole period and the selected excerpts. Nothing here grows with the period's length
beyond what gather selected.
"""

from __future__ import annotations

from agent.prompts.tags import escape, tag
from agent.schemas import ReviewRequest
from tools.views import Evidence, GoalView


def _number(value: float | None) -> str | None:
    return None if value is None else f"{value:g}"


def _goal(g: GoalView, outcome: str, running: bool) -> str:
    parts = [escape(g.title)]
    parts += [tag("key_result", escape(kr.metric), baseline=_number(kr.baseline), target=_number(kr.target),
                  current=_number(kr.current), unit=kr.unit) for kr in g.key_results]
    return tag("goal", "\n".join(parts), id=g.id, status=g.status, progress=f"{g.progress}%", outcome=outcome,
               running="true" if running else None, start=g.start_date, due=g.due_date)


def render_review(request: ReviewRequest, evidence: Evidence) -> str:
    """The ``<request>`` and ``<records>`` blocks of a review."""
    review = evidence.review
    if review is None:
        raise ValueError("a review needs the review evidence of gather")
    body = tag("focus", escape(review.focus)) if review.focus else ""
    lines = [tag("request", body, task="review", perspective=review.perspective, employee_id=request.employee_id,
                 period_start=review.period_start, period_end=review.period_end)]
    records: list[str] = []
    if evidence.subject is not None:
        records.append(tag("person", escape(evidence.subject.name), id=evidence.subject.id, relation="subject"))
    records.append(tag(
        "cadence", "\n".join(tag("conversation", "", id=c.id, kind=c.kind, held=c.held_at.date())
                             for c in evidence.conversations),
        conversations=review.conversations, one_on_ones=review.one_on_ones, rhythm_days=review.rhythm_days,
        expected_one_on_ones=review.expected_one_on_ones, longest_gap_days=review.longest_gap_days,
        feedback=review.feedback, thin="true" if review.thin else "false"))
    outcomes = {f.goal_id: f for f in review.goal_facts}
    records += [_goal(g, outcomes[g.id].outcome, outcomes[g.id].running) for g in evidence.goals if g.id in outcomes]
    state = {i: "done" for i in review.development_done} | {i: "open" for i in review.development_open} | {
        i: "overdue" for i in review.development_overdue}
    records += [tag("development_action", escape(a.title), id=a.id, category=a.category, progress=state.get(a.id),
                    due=a.due) for a in evidence.development_actions]
    records.append(tag("themes", "\n".join(
        tag("theme", "", key=s.theme, polarity=s.polarity, records=s.records, independent_sources=s.origins,
            first=s.first, last=s.last) for s in review.themes)))
    records.append(tag("excerpts", "\n".join(
        tag("excerpt", escape(e.text), type=e.source.type, id=e.source.id, date=e.day, themes=",".join(e.themes),
            polarity=e.polarity, goals=",".join(e.goal_ids) or None) for e in review.excerpts)))
    lines.append("<records>\n" + "\n".join(records) + "\n</records>")
    return "\n".join(lines)
