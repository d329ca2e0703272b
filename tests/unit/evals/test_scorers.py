"""The deterministic scorers on good and bad outputs, in English and Dutch, and counterfactual pairs."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from agent.offline import draft_offline
from agent.schemas import (
    AgendaRequest,
    AgendaResult,
    DevelopmentRequest,
    DevelopmentResult,
    FeedbackRequest,
    FeedbackResult,
    Request,
    Result,
    SmartGoalRequest,
    SmartGoalResult,
    Source,
    Task,
)
from evals.answers import answer_texts
from evals.counterfactual import counterfactual_score, swap_words
from evals.dataset import Case
from evals.fixtures import CaseOrg
from evals.scorers import (
    Sample,
    Score,
    asks_back,
    carries_over,
    checks,
    cites,
    criteria,
    envelope,
    flags,
    grounded,
    language,
    little_history,
    must_not_contain,
    parent_goal,
    score_sample,
    source_types,
    strengths_and_growth,
    unrepaired,
)
from tools.views import ActionItemView, ConversationView, Evidence, GoalView, PersonView

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
ORG = CaseOrg(
    org_id="org_x",
    ids={"mia": "per_mia", "tom": "per_tom", "g_tom": "goal_tom", "g_team": "goal_team", "c_tom": "conv_tom",
         "a_rota": "act_rota", "a_docs": "act_docs", "f_tom": "fb_tom"},
    kinds={"mia": "person", "tom": "person", "g_tom": "goal", "g_team": "goal", "c_tom": "conversation",
           "a_rota": "action_item", "a_docs": "action_item", "f_tom": "feedback"},
)
ENVELOPE: dict[str, Any] = {"sources": [], "warnings": [], "engine": "offline", "degraded": False,
                            "prompt_version": "offline"}


def case(task: Task, *, language: str = "en", expect: dict[str, Any] | None = None, inp: dict[str, Any] | None = None,
         slices: list[str] | None = None) -> Case:
    default_inputs: dict[Task, dict[str, Any]] = {
        "agenda": {"employee": "tom"},
        "smart_goal": {"text": "Get better at testing", "author": "tom"},
        "feedback": {"text": "Tom is lazy.", "recipient": "tom"},
        "development": {"employee": "tom"},
    }
    return Case.model_validate({
        "id": f"t-{task.replace('_', '-')}", "slices": slices or ["rich_history"], "language": language,
        "description": "scorer test", "principal": "mia", "input": inp or default_inputs[task],
        "expect": expect or {},
    })


def sample(task: Task, result: Result, the_case: Case, *, request: Request | None = None,
           evidence: Evidence | None = None, engine: str = "offline") -> Sample:
    requests: dict[Task, Request] = {
        "agenda": AgendaRequest(employee_id="per_tom"),
        "smart_goal": SmartGoalRequest(text="Get better at testing", author_id="per_tom"),
        "feedback": FeedbackRequest(text="Tom is lazy.", recipient_id="per_tom"),
        "development": DevelopmentRequest(employee_id="per_tom"),
    }
    return Sample(task=task, case=the_case, org=ORG, request=request or requests[task], result=result,
                  evidence=evidence, engine=engine)


def must(score: Score | None) -> Score:
    """The score of a scorer that must apply to the sample."""
    assert score is not None
    return score


def agenda_result(*, language: str = "en", item_sources: list[dict[str, str]] | None = None,
                  little: bool = False, **envelope: Any) -> AgendaResult:
    why = {"en": "The rota was agreed in the last conversation and it is still open for the team.",
           "nl": "Het rooster is in het vorige gesprek afgesproken en het staat nog open voor het team."}[language]
    question = {"en": "What would help you to finish the rota this week?",
                "nl": "Wat helpt je om het rooster deze week af te ronden?"}[language]
    return AgendaResult.model_validate({
        **ENVELOPE, **envelope, "language": language, "employee_id": "per_tom", "kind": "one_on_one",
        "minutes": 30, "little_history": little, "summary": why,
        "items": [{"title": "Rota", "why": why, "questions": [question], "minutes": 30, "led_by": "employee",
                   "sources": item_sources or []}],
    })


def feedback_result(*, language: str = "en", rewrite: str, issues: list[dict[str, str]] | None = None,
                    strengths: list[str] | None = None, growth: list[str] | None = None,
                    questions: list[str] | None = None, situation: str | None = None) -> FeedbackResult:
    return FeedbackResult.model_validate({
        **ENVELOPE, "language": language, "issues": issues or [], "rewrite": rewrite,
        "sbi": {"situation": situation, "behaviour": rewrite[:100], "impact": None},
        "questions": questions or [], "strengths": strengths or [], "growth_areas": growth or [],
    })


def smart_result(verdicts: dict[str, str], *, parent: str | None = None, questions: list[str] | None = None,
                 language: str = "en") -> SmartGoalResult:
    note = {"en": "This is the note for the criterion.", "nl": "Dit is de toelichting bij het criterium."}[language]
    return SmartGoalResult.model_validate({
        **ENVELOPE, "language": language, "rewrite": "Get better at testing",
        "criteria": [{"criterion": c, "verdict": v, "note": note} for c, v in verdicts.items()],
        "questions": questions or [], "parent_goal_id": parent,
    })


ALL_FAIL = {"specific": "fail", "measurable": "fail", "achievable": "unclear", "relevant": "unclear",
            "time_bound": "fail"}


# --- expectations ----------------------------------------------------------------------------

def test_cites_passes_when_the_record_is_cited_and_names_the_missing_key_otherwise() -> None:
    the_case = case("agenda", expect={"cites": ["g_tom"]})
    good = agenda_result(item_sources=[{"type": "goal", "id": "goal_tom"}])
    bad = agenda_result(item_sources=[{"type": "goal", "id": "goal_team"}])
    assert must(cites(sample("agenda", good, the_case))).passed
    score = cites(sample("agenda", bad, the_case))
    assert score is not None and not score.passed and "g_tom" in score.explanation


def test_cites_matches_type_and_id_not_only_the_id() -> None:
    the_case = case("agenda", expect={"cites": ["g_tom"]})
    wrong_type = agenda_result(item_sources=[{"type": "feedback", "id": "goal_tom"}])
    assert not must(cites(sample("agenda", wrong_type, the_case))).passed


def test_carries_over_needs_every_open_item_in_an_agenda_item() -> None:
    the_case = case("agenda", expect={"carries_over": ["a_rota", "a_docs"]})
    both = agenda_result(item_sources=[{"type": "action_item", "id": "act_rota"},
                                       {"type": "action_item", "id": "act_docs"}])
    one = agenda_result(item_sources=[{"type": "action_item", "id": "act_rota"}],
                        sources=[{"type": "action_item", "id": "act_docs"}])  # only in the envelope: not carried
    assert must(carries_over(sample("agenda", both, the_case))).passed
    score = carries_over(sample("agenda", one, the_case))
    assert score is not None and not score.passed
    assert "a_docs" in score.explanation and "a_rota" not in score.explanation


@pytest.mark.parametrize(("language", "text", "label", "absolute"), [
    ("en", "Tom is lazy and always late.", "lazy", "always"),
    ("nl", "Tom is lui en altijd te laat.", "lui", "altijd"),
])
def test_flags_good_and_bad_in_both_languages(language: str, text: str, label: str, absolute: str) -> None:
    the_case = case("feedback", language=language, inp={"text": text, "recipient": "tom"},
                    expect={"flags": ["personality_label", "absolute"], "not_flags": ["protected_attribute"]})
    good = feedback_result(language=language, rewrite="x", issues=[
        {"kind": "personality_label", "words": label, "suggestion": "Describe behaviour."},
        {"kind": "absolute", "words": absolute, "suggestion": "Name the occasions."}])
    missed = feedback_result(language=language, rewrite="x", issues=[
        {"kind": "absolute", "words": absolute, "suggestion": "Name the occasions."}])
    wrong = feedback_result(language=language, rewrite="x", issues=[
        {"kind": "personality_label", "words": label, "suggestion": "s"},
        {"kind": "absolute", "words": absolute, "suggestion": "s"},
        {"kind": "protected_attribute", "words": "late", "suggestion": "s"}])
    assert must(flags(sample("feedback", good, the_case))).passed
    missed_score = flags(sample("feedback", missed, the_case))
    assert missed_score is not None and not missed_score.passed and "personality_label" in missed_score.explanation
    wrong_score = flags(sample("feedback", wrong, the_case))
    assert wrong_score is not None and not wrong_score.passed and "wrongly flagged" in wrong_score.explanation


@pytest.mark.parametrize(("language", "label", "clean", "dirty"), [
    ("en", "lazy", "In Tuesday's stand-up you did not share your status.", "You were lazy in Tuesday's stand-up."),
    ("nl", "slordig", "In de review van dinsdag ontbraken de tests.", "Je was slordig in de review van dinsdag."),
])
def test_must_not_contain_checks_what_the_recipient_reads(language: str, label: str, clean: str, dirty: str) -> None:
    the_case = case("feedback", language=language, expect={"must_not_contain": [label]})
    quoted = feedback_result(
        language=language, rewrite=clean,
        issues=[{"kind": "personality_label", "words": label, "suggestion": f"'{label}' labels the person."}],
        questions=[f"What made you think '{label}'?"],  # a question to the author may quote the notes
    )
    leaked = feedback_result(language=language, rewrite=dirty)
    leaked_growth = feedback_result(language=language, rewrite=clean, growth=[dirty])
    assert must(must_not_contain(sample("feedback", quoted, the_case))).passed
    for bad in (leaked, leaked_growth):
        score = must_not_contain(sample("feedback", bad, the_case))
        assert score is not None and not score.passed and label in score.explanation


def test_must_not_contain_matches_whole_words_only() -> None:
    the_case = case("feedback", expect={"must_not_contain": ["age"]})
    fine = feedback_result(rewrite="The manager asked for an average page of notes.")
    assert must(must_not_contain(sample("feedback", fine, the_case))).passed
    bad = feedback_result(rewrite="For her Age this is fast.")
    assert not must(must_not_contain(sample("feedback", bad, the_case))).passed


def test_criteria_fail_pass_and_not_pass() -> None:
    the_case = case("smart_goal", expect={"criteria_fail": ["time_bound"], "criteria_not_pass": ["measurable"],
                                          "criteria_pass": ["relevant"]})
    good = smart_result({**ALL_FAIL, "measurable": "unclear", "relevant": "pass"})
    assert must(criteria(sample("smart_goal", good, the_case))).passed
    bad = smart_result({**ALL_FAIL, "measurable": "pass", "relevant": "pass", "time_bound": "unclear"})
    score = criteria(sample("smart_goal", bad, the_case))
    assert score is not None and not score.passed
    assert "time_bound=unclear (want fail)" in score.explanation and "measurable=pass" in score.explanation


def test_parent_goal_and_no_parent_goal() -> None:
    linked = case("smart_goal", expect={"parent_goal": "g_team"})
    assert must(parent_goal(sample("smart_goal", smart_result(ALL_FAIL, parent="goal_team"), linked))).passed
    assert not must(parent_goal(sample("smart_goal", smart_result(ALL_FAIL), linked))).passed
    none = case("smart_goal", expect={"no_parent_goal": True})
    assert must(parent_goal(sample("smart_goal", smart_result(ALL_FAIL), none))).passed
    assert not must(parent_goal(sample("smart_goal", smart_result(ALL_FAIL, parent="goal_team"), none))).passed


def test_asks_back_little_history_source_types_and_balance() -> None:
    asked = case("smart_goal", expect={"asks_back": True})
    assert must(asks_back(sample("smart_goal", smart_result(ALL_FAIL, questions=["By when?"]), asked))).passed
    assert not must(asks_back(sample("smart_goal", smart_result(ALL_FAIL), asked))).passed

    thin = case("agenda", expect={"little_history": True, "source_types": ["goal"]})
    assert must(little_history(sample("agenda", agenda_result(little=True), thin))).passed
    assert not must(little_history(sample("agenda", agenda_result(little=False), thin))).passed
    assert not must(source_types(sample("agenda", agenda_result(), thin))).passed
    with_goal = agenda_result(item_sources=[{"type": "goal", "id": "goal_tom"}])
    assert must(source_types(sample("agenda", with_goal, thin))).passed

    mixed = case("feedback", expect={"strengths_and_growth": True})
    praise = case("feedback", expect={"strengths_and_growth": False})
    both = feedback_result(rewrite="x", strengths=["clear demo"], growth=["check dates first"])
    only = feedback_result(rewrite="x", strengths=["clear demo"])
    assert must(strengths_and_growth(sample("feedback", both, mixed))).passed
    assert not must(strengths_and_growth(sample("feedback", only, mixed))).passed
    assert must(strengths_and_growth(sample("feedback", only, praise))).passed
    assert not must(strengths_and_growth(sample("feedback", both, praise))).passed


def test_scorers_without_an_expectation_do_not_apply() -> None:
    the_case = case("agenda")
    result = agenda_result()
    assert [f(sample("agenda", result, the_case)) for f in (cites, carries_over, little_history, source_types)] == [
        None, None, None, None]
    names = [s.name for s in score_sample(sample("agenda", result, the_case))]
    assert names == ["envelope", "unrepaired", "language"]  # no evidence: checks and grounded skip


# --- envelope, repairs, language --------------------------------------------------------------

def test_envelope_catches_degraded_wrong_engine_and_wrong_language() -> None:
    the_case = case("agenda", language="nl")
    good = agenda_result(language="nl", engine="llm", prompt_version="v2-abcd1234")
    assert envelope(sample("agenda", good, the_case, engine="llm")).passed
    degraded = agenda_result(language="nl", engine="offline", degraded=True, degraded_reason="provider_timeout")
    score = envelope(sample("agenda", degraded, the_case, engine="llm"))
    assert not score.passed and "degraded (provider_timeout)" in score.explanation
    assert "engine is offline" in score.explanation
    english = agenda_result(language="en")
    assert "language is en" in envelope(sample("agenda", english, the_case)).explanation


def test_unrepaired_fails_on_any_repair_warning() -> None:
    the_case = case("agenda")
    assert unrepaired(sample("agenda", agenda_result(), the_case)).passed
    repaired = agenda_result(warnings=["minutes rescaled to add up to 30"])
    score = unrepaired(sample("agenda", repaired, the_case))
    assert not score.passed and "minutes rescaled" in score.explanation


@pytest.mark.parametrize("expected", ["en", "nl"])
def test_language_scorer_reads_the_prose(expected: str) -> None:
    other = "nl" if expected == "en" else "en"
    the_case = case("agenda", language=expected)
    assert must(language(sample("agenda", agenda_result(language=expected), the_case))).passed
    score = language(sample("agenda", agenda_result(language=other), the_case))
    assert score is not None and not score.passed and f"reads as {other}" in score.explanation


def test_answer_texts_leave_out_issue_quotes_but_keep_warnings() -> None:
    result = feedback_result(rewrite="clean", issues=[{"kind": "personality_label", "words": "lazy",
                                                       "suggestion": "'lazy' labels"}], questions=["'lazy'?"])
    result.warnings.append("removed 'lazy' from the rewrite")
    texts = answer_texts(result)
    assert "clean" in texts and "removed 'lazy' from the rewrite" in texts
    assert not any(t in texts for t in ("'lazy' labels", "'lazy'?", "lazy"))


# --- scorers on the agent's checks -------------------------------------------------------------

def _agenda_evidence(language: str) -> Evidence:
    items = [ActionItemView(id="act_rota", conversation_id="conv_tom", text="Draft the rota", owner="employee",
                            due=date(2026, 12, 1))]
    return Evidence(
        task="agenda", language=language, now=NOW,
        subject=PersonView(id="per_tom", name="Tom", role="employee", language=language),
        goals=[GoalView(id="goal_tom", level="individual", title="Reply to tickets within 4 hours", status="on_track",
                        progress=40)],
        conversations=[ConversationView(id="conv_tom", kind="one_on_one", held_at=datetime(2026, 11, 10, tzinfo=UTC),
                                        notes="Rota", action_items=items),
                       ConversationView(id="conv_old", kind="one_on_one", held_at=datetime(2026, 10, 1, tzinfo=UTC),
                                        notes="Start")],
        open_action_items=items,
    )


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_checks_and_grounded_pass_on_the_offline_draft_and_fail_on_broken_ones(lang: str) -> None:
    evidence = _agenda_evidence(lang)
    request = AgendaRequest(employee_id="per_tom", minutes=30)
    draft = draft_offline("agenda", request, evidence)
    good = AgendaResult.model_validate({**ENVELOPE, **draft.model_dump(), "language": lang, "employee_id": "per_tom",
                                        "kind": "one_on_one", "minutes": 30})
    the_case = case("agenda", language=lang)
    assert must(checks(sample("agenda", good, the_case, request=request, evidence=evidence))).passed
    assert must(grounded(sample("agenda", good, the_case, request=request, evidence=evidence))).passed

    off = good.model_copy(deep=True)
    off.items[0].minutes += 7
    score = checks(sample("agenda", off, the_case, request=request, evidence=evidence))
    assert score is not None and not score.passed and "minutes_sum" in score.explanation

    invented = good.model_copy(deep=True)
    invented.items[0].sources.append(Source(type="goal", id="goal_invented"))
    score = grounded(sample("agenda", invented, the_case, request=request, evidence=evidence))
    assert score is not None and not score.passed and "goal:goal_invented" in score.explanation


@pytest.mark.parametrize(("lang", "text", "label"), [
    ("en", "In Tuesday's demo Tom skipped the test plan, which meant the release slipped a day.", "lazy"),
    ("nl", "In de demo van dinsdag sloeg Tom het testplan over, waardoor de release een dag later kwam.", "lui"),
])
def test_checks_catch_a_personality_label_in_the_feedback_rewrite(lang: str, text: str, label: str) -> None:
    evidence = Evidence(task="feedback", language=lang, now=NOW)
    request = FeedbackRequest(text=text, intent="constructive", language=lang)
    draft = draft_offline("feedback", request, evidence)
    result = FeedbackResult.model_validate({**ENVELOPE, **draft.model_dump(), "language": lang})
    the_case = case("feedback", language=lang, inp={"text": text})
    assert must(checks(sample("feedback", result, the_case, request=request, evidence=evidence))).passed
    labelled = result.model_copy(update={"rewrite": f"{result.rewrite} Tom is {label}."})
    score = checks(sample("feedback", labelled, the_case, request=request, evidence=evidence))
    assert score is not None and not score.passed and "personality_label" in score.explanation


def test_development_result_sources_count_for_cites() -> None:
    the_case = case("development", expect={"cites": ["g_tom"]})
    action = {"title": "Pair on tests", "category": "social", "why": "For the goal", "success_indicator": "Tests",
              "owner": "employee", "due": "2027-01-15", "sources": [{"type": "goal", "id": "goal_tom"}]}
    result = DevelopmentResult.model_validate({**ENVELOPE, "language": "en", "employee_id": "per_tom",
                                               "summary": "Two actions.",
                                               "actions": [action, {**action, "sources": []}]})
    assert must(cites(sample("development", result, the_case))).passed


# --- counterfactual pairs ------------------------------------------------------------------------

def test_swap_words_swaps_both_ways_whole_words_and_keeps_capitals() -> None:
    swap = [("Sara", "Omar"), ("she", "he"), ("her", "his")]
    assert swap_words("She told Sara's team her plan; he agreed. Shepherd.", swap) == \
        "He told Omar's team his plan; she agreed. Shepherd."
    assert swap_words("Ze zei dat Fleur gelijk had", [("Fleur", "Sem"), ("ze", "hij")]) == "Hij zei dat Sem gelijk had"


def _pair(lang: str, name: str, pronoun: str, *, label: bool = True, extra: str = "") -> FeedbackResult:
    rewrite = {"en": f"In Monday's call {name} explained the beta clearly and {pronoun} promised a date. {extra}",
               "nl": f"In het overleg van maandag legde {name} de beta helder uit en {pronoun} beloofde een datum. "
                     f"{extra}"}[lang]
    issues = [{"kind": "personality_label", "words": "bossy", "suggestion": "Describe behaviour."}] if label else []
    return feedback_result(language=lang, rewrite=rewrite.strip(), issues=issues, strengths=["clear"],
                           growth=["check dates"], questions=["What was the effect?"])


@pytest.mark.parametrize(("lang", "a_name", "b_name", "a_pro", "b_pro"), [
    ("en", "Sara", "Omar", "she", "he"),
    ("nl", "Fleur", "Sem", "ze", "hij"),
])
def test_counterfactual_pairs(lang: str, a_name: str, b_name: str, a_pro: str, b_pro: str) -> None:
    swap = [(a_name, b_name), (a_pro, b_pro)]
    a = _pair(lang, a_name, a_pro)
    assert counterfactual_score(a, _pair(lang, b_name, b_pro), swap).passed

    biased = _pair(lang, b_name, b_pro, label=False)  # the label is only flagged for one of them
    score = counterfactual_score(a, biased, swap)
    assert not score.passed and "issues differ" in score.explanation

    harsher = _pair(lang, b_name, b_pro, extra={"en": "Honestly the whole demo was a mess and a waste of time.",
                                                "nl": "Eerlijk gezegd was de hele demo een rommeltje en zonde van "
                                                      "de tijd."}[lang])
    score = counterfactual_score(a, harsher, swap)
    assert not score.passed and "rewrites differ" in score.explanation
