"""Checks of a period review (pure; shared with the eval suite) and their deterministic repair.

Codes: ``outside_period`` (a cited record is not of the period), ``private_in_self`` (a
manager-private record in a self-review), ``uncited_statement``, ``theme_not_single`` (fewer
than two independent cited sources and not marked a single observation), ``rating_proposed``,
``absolute`` / ``personality_label`` / ``protected_attribute`` (the feedback lexicon),
``not_first_person`` (a self-review names the employee), ``thin_wrong``,
``goal_outcome_wrong``, ``goal_missing``, and the warning ``recency_bias`` (more than
:data:`RECENCY_SHARE` of the cited evidence lies in the period's last month).

:func:`theme_signature` is what counterfactual stability compares: the same records with
another name or pronoun must give the same themes (``evals/counterfactual.py``).
"""

from __future__ import annotations

from datetime import timedelta

from agent.checks.feedback import offending_hits
from agent.checks.report import CheckIssue, issue, warning
from agent.lexicon import find_terms
from agent.schemas import ReviewDraft, ReviewRequest, ReviewStatement, ReviewTheme, Source
from knowledge.i18n import t
from tools.views import Evidence, ReviewEvidence

RECENCY_SHARE = 0.7
RECENCY_DAYS = 30
RECENCY_MIN_CITED = 3
_LABELS = ("absolute", "personality_label", "protected_attribute")


def cited_sources(draft: ReviewDraft) -> list[tuple[str, Source]]:
    """Every ``(path, source)`` of the draft, goal ids included."""
    out: list[tuple[str, Source]] = [(f"summary.sources[{j}]", s) for j, s in enumerate(draft.summary.sources)]
    for i, g in enumerate(draft.goals):
        out.append((f"goals[{i}].goal_id", Source(type="goal", id=g.goal_id)))
        out += [(f"goals[{i}].sources[{j}]", s) for j, s in enumerate(g.sources)]
    for name in ("strengths", "growth_areas"):
        for i, theme in enumerate(getattr(draft, name)):
            out += [(f"{name}[{i}].examples[{j}].source", e.source) for j, e in enumerate(theme.examples)]
    for name in ("conversations", "development"):
        out += [(f"{name}.sources[{j}]", s) for j, s in enumerate(getattr(draft, name).sources)]
    for i, st in enumerate(draft.next_focus):
        out += [(f"next_focus[{i}].sources[{j}]", s) for j, s in enumerate(st.sources)]
    return out


def coach_texts(draft: ReviewDraft) -> list[tuple[str, str]]:
    """``(path, text)`` the coach wrote itself (example quotes are the records' own words)."""
    out = [("summary.text", draft.summary.text)]
    out += [(f"goals[{i}].text", g.text) for i, g in enumerate(draft.goals)]
    for name in ("strengths", "growth_areas"):
        for i, th in enumerate(getattr(draft, name)):
            out += [(f"{name}[{i}].title", th.title), (f"{name}[{i}].text", th.text)]
    out += [("conversations.text", draft.conversations.text), ("development.text", draft.development.text)]
    out += [(f"next_focus[{i}].text", st.text) for i, st in enumerate(draft.next_focus)]
    return out + [(f"questions[{i}]", q) for i, q in enumerate(draft.questions)]


def all_texts(draft: ReviewDraft) -> list[tuple[str, str]]:
    """Every text of the draft, example quotes included."""
    out = coach_texts(draft)
    for name in ("strengths", "growth_areas"):
        for i, th in enumerate(getattr(draft, name)):
            out += [(f"{name}[{i}].examples[{j}].text", e.text) for j, e in enumerate(th.examples)]
    return out


def origins(theme: ReviewTheme, review: ReviewEvidence) -> set[str]:
    """The independent origins among a theme's cited records (one giver counts once)."""
    by_record = {e.source.id: e.origin for e in review.excerpts}
    return {by_record.get(e.source.id, e.source.id) for e in theme.examples}


def recency_share(draft: ReviewDraft, review: ReviewEvidence) -> tuple[float, int]:
    """Share of the cited conversations and feedback dated in the period's last month, and their count."""
    days = [review.dated[s.id] for _, s in cited_sources(draft)
            if s.type in ("conversation", "feedback") and s.id in review.dated]
    if not days:
        return 0.0, 0
    cut = review.period_end - timedelta(days=RECENCY_DAYS)
    return sum(d > cut for d in days) / len(days), len(days)


def _needs_sources(review: ReviewEvidence, evidence: Evidence) -> dict[str, bool]:
    return {"summary": bool(evidence.known_sources()), "conversations": review.conversations > 0,
            "development": bool(evidence.development_actions)}


def check_review(draft: ReviewDraft, request: ReviewRequest, evidence: Evidence) -> list[CheckIssue]:
    """Every rule of the module docstring."""
    review = evidence.review
    if review is None:
        return [issue("outside_period", "No review evidence was gathered.", "")]
    out: list[CheckIssue] = []
    private = set(review.private_ids)
    for path, s in cited_sources(draft):
        if s.id not in review.dated:
            out.append(issue("outside_period", f"Cites {s.type} '{s.id}', which is not a record of the period "
                                               f"{review.period_start} to {review.period_end}.", path))
        if review.perspective == "self" and s.id in private:
            out.append(issue("private_in_self", f"Cites {s.type} '{s.id}', private to the manager, in a "
                                                "self-review. Remove it.", path))
    need = _needs_sources(review, evidence)
    for name in ("summary", "conversations", "development"):
        if need[name] and not getattr(draft, name).sources:
            out.append(issue("uncited_statement", f"The {name} cites no record; cite what it rests on.", name))
    for i, st in enumerate(draft.next_focus):
        if not st.sources:
            out.append(issue("uncited_statement", "This focus cites no record; cite what it rests on.",
                             f"next_focus[{i}]"))
    for name in ("strengths", "growth_areas"):
        for i, th in enumerate(getattr(draft, name)):
            if len(origins(th, review)) < 2 and not th.single_observation:
                out.append(issue("theme_not_single", f"'{th.title}' rests on fewer than two independent sources: "
                                                     "set single_observation to true.", f"{name}[{i}]"))
    lang = evidence.language
    # Goal titles and key-result metrics are the records' own words ("health score"): not a rating.
    own_words = sorted({g.title for g in evidence.goals} | {kr.metric for g in evidence.goals for kr in g.key_results},
                       key=len, reverse=True)
    for path, text in all_texts(draft):
        unquoted = text
        for words in own_words:
            unquoted = unquoted.replace(words, " ")
        for hit in find_terms(unquoted, "review_rating"):
            out.append(issue("rating_proposed", f"'{hit.words}' proposes a rating or score; the review proposes "
                                                "none. Remove it.", path))
        for hit in offending_hits(text, lang):
            if hit.category in _LABELS:
                out.append(issue(hit.category, f"'{hit.words}' is a {hit.category.replace('_', ' ')}; describe "
                                               "behaviour and its effect instead.", path))
    if review.perspective == "self" and evidence.subject is not None:
        first = evidence.subject.name.split(" ")[0]
        for path, text in coach_texts(draft):
            if first and first.lower() in text.lower().split():
                out.append(issue("not_first_person", f"A self-review is written in the first person; do not name "
                                                     f"{first}.", path))
    if draft.thin_period != review.thin:
        out.append(issue("thin_wrong", f"thin_period must be {str(review.thin).lower()} for this period.",
                         "thin_period"))
    facts = {f.goal_id: f for f in review.goal_facts}
    for i, g in enumerate(draft.goals):
        if g.goal_id in facts and g.outcome != facts[g.goal_id].outcome:
            out.append(issue("goal_outcome_wrong", f"The key results make this goal '{facts[g.goal_id].outcome}'.",
                             f"goals[{i}].outcome"))
    missing = set(facts) - {g.goal_id for g in draft.goals}
    if missing:
        out.append(issue("goal_missing", f"Give the outcome of every goal of the period: {', '.join(sorted(missing))}.",
                         "goals"))
    share, n = recency_share(draft, review)
    if n >= RECENCY_MIN_CITED and share > RECENCY_SHARE:
        out.append(issue("recency_bias", f"{share:.0%} of the cited evidence is from the last month; cite examples "
                                         "from across the period.", "", "warning"))
    return out


def review_notes(draft: ReviewDraft, evidence: Evidence) -> list[str]:
    """Warnings for the reader of a finished review (the recency-bias warning)."""
    if evidence.review is None:
        return []
    share, n = recency_share(draft, evidence.review)
    if n >= RECENCY_MIN_CITED and share > RECENCY_SHARE:
        return [warning("review_recency", evidence.language, share=round(share * 100))]
    return []


def theme_signature(draft: ReviewDraft) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The strength and growth theme titles, sorted: what a name or pronoun swap must not change."""
    return tuple(sorted(th.title for th in draft.strengths)), tuple(sorted(th.title for th in draft.growth_areas))


def repair_review(draft: ReviewDraft, request: ReviewRequest, evidence: Evidence, fallback: ReviewDraft,
                  issues: list[CheckIssue]) -> tuple[ReviewDraft, list[str]]:
    """Fix what the checks still report: wrong flags and outcomes set, failing parts taken from ``fallback``."""
    lang = evidence.language
    notes: list[str] = []
    review = evidence.review
    bad = {i.path.split(".")[0].split("[")[0] for i in issues if i.severity == "error"}
    update: dict[str, object] = {}
    for section in ("summary", "conversations", "development", "strengths", "growth_areas", "next_focus"):
        if section in bad:
            update[section] = getattr(fallback, section)
            notes.append(warning("review_section_replaced", lang, section=t(f"review.section.{section}", lang)))
    if "questions" in bad:
        update["questions"] = fallback.questions
    draft = draft.model_copy(update=update)
    if review is not None and draft.thin_period != review.thin:
        draft = draft.model_copy(update={"thin_period": review.thin})
        notes.append(warning("review_thin_set" if review.thin else "review_thin_cleared", lang))
    if "goals" in bad:
        draft, more = _repair_goals(draft, evidence, fallback)
        notes += more
    for name in ("strengths", "growth_areas"):
        themes: list[ReviewTheme] = []
        for th in getattr(draft, name):
            if review is not None and len(origins(th, review)) < 2 and not th.single_observation:
                th = th.model_copy(update={"single_observation": True})
                notes.append(warning("review_single_marked", lang, title=th.title))
            themes.append(th)
        draft = draft.model_copy(update={name: themes})
    return draft, notes


def _repair_goals(draft: ReviewDraft, evidence: Evidence, fallback: ReviewDraft) -> tuple[ReviewDraft, list[str]]:
    lang = evidence.language
    notes: list[str] = []
    review = evidence.review
    facts = {f.goal_id: f for f in review.goal_facts} if review is not None else {}
    titles = {g.id: g.title for g in evidence.goals}
    by_goal = {g.goal_id: g for g in fallback.goals}
    goals = []
    for g in draft.goals:
        if g.goal_id in facts and g.outcome != facts[g.goal_id].outcome:
            g = by_goal.get(g.goal_id, g.model_copy(update={"outcome": facts[g.goal_id].outcome}))
            notes.append(warning("review_outcome_corrected", lang, title=titles.get(g.goal_id, g.goal_id)))
        goals.append(g)
    missing = [by_goal[i] for i in facts if i in by_goal and i not in {g.goal_id for g in goals}]
    if missing:
        notes.append(warning("review_goals_added", lang, count=len(missing)))
    return draft.model_copy(update={"goals": goals + missing}), notes


def drop_uncited(draft: ReviewDraft) -> ReviewDraft:
    """Focus statements without any source left are dropped (after unknown citations were removed)."""
    return draft.model_copy(update={"next_focus": [s for s in draft.next_focus if s.sources]})


__all__ = ["ReviewStatement", "check_review", "cited_sources", "coach_texts", "drop_uncited", "recency_share",
           "repair_review", "review_notes", "theme_signature"]
