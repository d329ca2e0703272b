"""The offline drafter: useful, deterministic, grounded drafts in English and Dutch that pass the
checks, and never echo stored text aimed at an AI."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest

from agent.checks import run_checks
from agent.lexicon import content_stems, has_term, strip_placeholders
from agent.offline import (
    draft_agenda,
    draft_development,
    draft_feedback,
    draft_offline,
    draft_smart,
    suggest_parent_goal,
)
from agent.schemas import (
    AgendaDraft,
    AgendaRequest,
    ConversationKind,
    DevelopmentDraft,
    DevelopmentRequest,
    Draft,
    FeedbackDraft,
    FeedbackRequest,
    Language,
    Request,
    SmartGoalDraft,
    SmartGoalRequest,
    Task,
)
from knowledge.i18n import detect
from tests.unit.agent.test_checks import INJECTION, NOW, evidence_en, evidence_nl, evidence_thin
from tools.views import Evidence, PersonView

EVIDENCE: dict[str, Callable[[Task], Evidence]] = {
    "en": evidence_en,
    "nl": evidence_nl,
    "thin-en": lambda task: evidence_thin("en", task),
    "thin-nl": lambda task: evidence_thin("nl", task),
}
KINDS: tuple[ConversationKind, ...] = ("one_on_one", "check_in", "review", "development")

REQUESTS: dict[str, list[Request]] = {
    "agenda": [
        *[AgendaRequest(employee_id="x", kind=kind, minutes=minutes, topics=topics)
          for kind in KINDS for minutes, topics in ((30, ["Workload in Q3"]), (10, []), (60, ["a", "b", "c", "d"]))],
    ],
    "smart_goal": [
        SmartGoalRequest(text="Improve communication with stakeholders"),
        SmartGoalRequest(text="Ik wil beter worden in testen"),
        SmartGoalRequest(text="Increase NPS from 30 to 40 by Q3 2025"),
        SmartGoalRequest(text="Reduce support tickets within 3 months"),
        SmartGoalRequest(text="Het aantal klachten halveren", parent_goal_id="goal_team_kwaliteit"),
    ],
    "feedback": [
        FeedbackRequest(text="He is always late and lazy. He never sends the agenda.", intent="constructive"),
        FeedbackRequest(text="Great job!", intent="praise"),
        FeedbackRequest(text="During Monday's standup you interrupted Sanne three times, which meant she could "
                             "not finish. Thanks for the clear demo to the sales team.", intent="mixed"),
        FeedbackRequest(text="Hij is lui en komt altijd te laat. Niemand snapt zijn planning. Ze is zwanger dus "
                             "ze is emotioneel."),
        FeedbackRequest(text="Tijdens het overleg van dinsdag gaf je een duidelijke presentatie, waardoor het team "
                             "snel kon beslissen. Wel was je slordig met de notulen.", intent="mixed"),
        FeedbackRequest(text="She is too old for this and her accent is hard to follow; nobody understands her."),
    ],
    "development": [
        DevelopmentRequest(employee_id="x"),
        DevelopmentRequest(employee_id="x", focus="presenting to stakeholders"),
        DevelopmentRequest(employee_id="x", focus="beter feedback geven"),
    ],
}
CASES = [
    pytest.param(task, name, request, id=f"{task}-{name}-{i}")
    for task, requests in REQUESTS.items()
    for name in EVIDENCE
    for i, request in enumerate(requests)
]


@pytest.mark.parametrize(("task", "name", "request_"), CASES)
def test_every_offline_draft_passes_the_checks(task: Task, name: str, request_: Request) -> None:
    evidence = EVIDENCE[name](task)
    draft = draft_offline(task, request_, evidence)
    report = run_checks(task, draft, request_, evidence)
    assert report.errors == [], report.messages()


@pytest.mark.parametrize(("task", "name", "request_"), CASES)
def test_offline_drafts_are_deterministic_and_never_echo_injected_text(
    task: Task, name: str, request_: Request
) -> None:
    first = draft_offline(task, request_, EVIDENCE[name](task))
    second = draft_offline(task, request_, EVIDENCE[name](task))
    assert first == second
    dumped = first.model_dump_json().lower()
    assert "ignore previous instructions" not in dumped and INJECTION.lower() not in dumped
    assert "highest rating" not in dumped


def _prose(draft: Draft) -> str:
    if isinstance(draft, AgendaDraft):
        return " ".join([draft.summary, *(f"{i.why} {' '.join(i.questions)}" for i in draft.items)])
    if isinstance(draft, DevelopmentDraft):
        return " ".join([draft.summary, *(a.why for a in draft.actions)])
    if isinstance(draft, SmartGoalDraft):
        return " ".join([*(c.note for c in draft.criteria), *draft.questions])
    assert isinstance(draft, FeedbackDraft), f"no prose rule for a {type(draft).__name__}"
    return " ".join([*draft.questions, *(i.suggestion for i in draft.issues)])


@pytest.mark.parametrize(("task", "name", "request_"), [c for c in CASES if "thin" not in str(c.values[1])])
def test_offline_prose_is_in_the_evidence_language(task: Task, name: str, request_: Request) -> None:
    evidence = EVIDENCE[name](task)
    text = _prose(draft_offline(task, request_, evidence))
    assert detect(text) in (evidence.language, None)
    if len(text) > 200:
        assert detect(text) == evidence.language


def test_draft_offline_rejects_a_mismatched_request() -> None:
    with pytest.raises(TypeError):
        draft_offline("agenda", SmartGoalRequest(text="Improve things"), evidence_en())


# --- agenda -----------------------------------------------------------------------------------

def test_agenda_puts_the_employee_first_and_carries_everything_over() -> None:
    request = AgendaRequest(employee_id="per_sanne", minutes=30, topics=["Workload in Q3"])
    draft = draft_agenda(request, evidence_en())
    titles = [i.title for i in draft.items]
    assert titles[:3] == ["Check-in: how are you doing?", "Your topic: Workload in Q3", "Your topic: Career path"]
    assert titles[-1] == "Agree next steps"
    assert draft.items[0].led_by == "employee" and not draft.items[0].sources
    cited = {(s.type, s.id) for i in draft.items for s in i.sources}
    assert {("action_item", "act_1"), ("action_item", "act_2"), ("goal", "goal_api"), ("feedback", "fb_label"),
            ("feedback", "fb_inj")} <= cited
    assert sum(i.minutes for i in draft.items) == 30 and not draft.little_history
    assert all(1 <= len(i.questions) <= 3 for i in draft.items)


def test_agenda_summarises_feedback_without_quoting_it() -> None:
    for evidence in (evidence_en(), evidence_nl()):
        draft = draft_agenda(AgendaRequest(employee_id="x"), evidence)
        feedback_items = [i for i in draft.items if any(s.type == "feedback" for s in i.sources)]
        assert len(feedback_items) == 1
        text = f"{feedback_items[0].title} {feedback_items[0].why}".lower()
        for stored in evidence.feedback:
            assert stored.text.lower()[:20] not in text
        assert ("constructive: 2" in text) if evidence.language == "en" else ("opbouwend: 2" in text)


def test_dutch_agenda_reads_naturally() -> None:
    draft = draft_agenda(AgendaRequest(employee_id="per_daan", minutes=45), evidence_nl())
    assert draft.items[1].title == "Jouw onderwerp: Werkdruk in het team"
    assert "1 openstaand actiepunt uit eerdere gesprekken" in draft.items[2].why
    assert draft.items[3].title == "Doel loopt achter: Nieuwe klantportal live zetten"
    assert draft.summary.startswith("Dit één-op-één-gesprek richt zich op")


@pytest.mark.parametrize(("language", "phrase"), [("en", "little history"), ("nl", "weinig geschiedenis")])
def test_thin_evidence_says_little_history(language: Language, phrase: str) -> None:
    draft = draft_agenda(AgendaRequest(employee_id="per_new", minutes=20), evidence_thin(language))
    assert draft.little_history and phrase in draft.summary.lower()
    assert not any(i.sources for i in draft.items)


def test_review_looks_back_and_development_talk_looks_forward() -> None:
    review = draft_agenda(AgendaRequest(employee_id="x", kind="review"), evidence_en())
    look_back = next(i for i in review.items if i.title == "Looking back on the period")
    assert {s.id for s in look_back.sources} == {"goal_api", "goal_docs", "conv_1", "conv_2"}
    development = draft_agenda(AgendaRequest(employee_id="x", kind="development"), evidence_en())
    forward = next(i for i in development.items if i.title == "Development: plans and next steps")
    assert [s.id for s in forward.sources] == ["dev_1"]


def test_a_short_meeting_keeps_every_required_item() -> None:
    request = AgendaRequest(employee_id="x", minutes=10, topics=["a", "b", "c", "d", "e"])
    draft = draft_agenda(request, evidence_en())
    assert len(draft.items) <= 10 and sum(i.minutes for i in draft.items) == 10
    assert run_checks("agenda", draft, request, evidence_en()).ok


# --- SMART goals ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "evidence", "gaps", "deadline"),
    [
        ("Improve communication with stakeholders", evidence_en("smart_goal"), ("[metric: ?]", "[target: ?]"),
         "30 June 2025"),
        ("Ik wil beter worden in testen", evidence_nl("smart_goal"), ("[maatstaf: ?]", "[doel: ?]"), "30 juni 2025"),
    ],
)
def test_a_vague_goal_fails_measurable_and_time_bound_with_questions(
    text: str, evidence: Evidence, gaps: tuple[str, str], deadline: str
) -> None:
    draft = draft_smart(SmartGoalRequest(text=text), evidence)
    verdicts = {v.criterion: v.verdict for v in draft.criteria}
    assert verdicts["measurable"] == "fail" and verdicts["time_bound"] == "fail"
    assert draft.rewrite.startswith(text) and all(g in draft.rewrite for g in gaps)
    assert deadline in draft.rewrite and [p.value for p in draft.proposed_values] == [deadline]
    assert len(draft.questions) >= 2 and any(deadline in q for q in draft.questions)
    assert not any(ch.isdigit() for ch in draft.rewrite.replace(deadline, ""))


def test_the_proposed_deadline_skips_a_quarter_end_that_is_too_close() -> None:
    evidence = evidence_en("smart_goal").model_copy(update={"now": NOW.replace(month=6, day=1)})
    draft = draft_smart(SmartGoalRequest(text="Write the onboarding guide"), evidence)
    assert [p.value for p in draft.proposed_values] == ["30 September 2025"]


def test_a_rough_time_frame_is_turned_into_a_proposed_date() -> None:
    draft = draft_smart(SmartGoalRequest(text="Binnen 3 maanden het aantal klachten halveren"),
                        evidence_nl("smart_goal"))
    assert [p.value for p in draft.proposed_values] == ["14 augustus 2025"]
    assert "binnen 3 maanden" in draft.proposed_values[0].reason.lower()


def test_a_smart_goal_is_kept_as_written() -> None:
    text = "Increase NPS from 30 to 40 by Q3 2025"
    draft = draft_smart(SmartGoalRequest(text=text), evidence_en("smart_goal"))
    assert draft.rewrite == text and draft.key_results == [text] and draft.proposed_values == []
    assert {v.criterion: v.verdict for v in draft.criteria}["measurable"] == "pass"


def test_parent_goal_is_kept_when_given_and_suggested_otherwise() -> None:
    evidence = evidence_en("smart_goal")
    given = draft_smart(SmartGoalRequest(text="Fix flaky tests", parent_goal_id="goal_team_quality"), evidence)
    assert given.parent_goal_id == "goal_team_quality"
    suggested = suggest_parent_goal("Improve communication with stakeholders", evidence)
    assert suggested is not None and suggested.id == "goal_org_stakeholders"
    suggested = suggest_parent_goal("Beter testen", evidence_nl("smart_goal"))
    assert suggested is not None and suggested.id == "goal_team_kwaliteit"
    assert suggest_parent_goal("Learn to juggle", evidence) is None
    unknown = draft_smart(SmartGoalRequest(text="Learn to juggle", parent_goal_id="goal_nope"), evidence)
    assert unknown.parent_goal_id is None


# --- feedback ---------------------------------------------------------------------------------

def test_feedback_uses_the_authors_sentences_without_labels_or_absolutes() -> None:
    request = FeedbackRequest(text="He is always late and lazy. He never sends the agenda.", intent="constructive")
    draft = draft_feedback(request, evidence_thin("en", "feedback"))
    assert draft.rewrite.startswith("[situation: when and where?] You are late. ")  # addressed to the person
    assert "You [never: on which occasions?] send the agenda." in draft.rewrite  # meaning kept, gap marked
    assert draft.growth_areas == ["He is late.", "He [never: on which occasions?] sends the agenda."]
    assert "lazy" not in draft.rewrite and "always" not in draft.rewrite
    assert draft.sbi.situation is None and draft.sbi.impact is None
    assert [i.kind for i in draft.issues] == ["absolute", "personality_label", "absolute", "missing_situation",
                                               "missing_impact"]
    assert any("'lazy'" in q for q in draft.questions) and draft.strengths == []


def test_dutch_feedback_drops_protected_attributes_and_labels() -> None:
    request = FeedbackRequest(text="Hij is lui en komt altijd te laat. Ze is zwanger dus ze is emotioneel.")
    draft = draft_feedback(request, evidence_thin("nl", "feedback"))
    assert draft.rewrite == ("[situatie: wanneer en waar?] Hij komt te laat. [impact: wat was het effect?] "
                             "Ik wil graag met je bespreken wat er de volgende keer beter kan.")
    assert {i.kind for i in draft.issues} >= {"protected_attribute", "personality_label", "absolute"}
    assert draft.questions[0] == "Wanneer en waar gebeurde dit? Beschrijf één concreet moment."


def test_feedback_splits_situation_behaviour_and_impact() -> None:
    request = FeedbackRequest(text="Tijdens het overleg van dinsdag gaf je een duidelijke presentatie, waardoor het "
                                   "team snel kon beslissen.", intent="praise")
    draft = draft_feedback(request, evidence_thin("nl", "feedback"))
    assert draft.sbi.situation == "Tijdens het overleg van dinsdag"
    assert draft.sbi.behaviour == "Tijdens het overleg van dinsdag gaf je een duidelijke presentatie"
    assert draft.sbi.impact == "waardoor het team snel kon beslissen."
    assert draft.questions == [] and draft.issues == []


def test_mixed_feedback_has_strengths_and_growth_areas() -> None:
    request = FeedbackRequest(text="Thanks for the clear demo to the sales team. You interrupted Sanne in the "
                                   "standup.", intent="mixed")
    draft = draft_feedback(request, evidence_thin("en", "feedback"))
    assert draft.strengths == ["Thanks for the clear demo to the sales team."]
    assert draft.growth_areas == ["You interrupted Sanne in the standup."]


def test_vague_praise_becomes_a_question() -> None:
    draft = draft_feedback(FeedbackRequest(text="Goed gedaan!"), evidence_thin("nl", "feedback"))
    assert draft.issues[0].kind == "vague" and "Goed gedaan" not in draft.rewrite
    assert draft.strengths == ["[sterk punt: wat ging er goed?]"]
    assert "Wat ging er precies goed, en welk verschil maakte dat?" in draft.questions


# --- feedback: readable rewrites, addressed to the person, nothing invented -------------------------

_CLOSE = {
    "en": "I would like to talk with you about what could work better next time.",
    "nl": "Ik wil graag met je bespreken wat er de volgende keer beter kan.",
}
_PRAISE = {
    "en": "Thank you; I would like you to keep doing this.",
    "nl": "Dank je; ik zou graag zien dat je dit blijft doen.",
}
_MIXED = {
    "en": "Thank you for what went well; I would also like to talk about what could work better next time.",
    "nl": "Dank je voor wat goed ging; ik wil ook graag bespreken wat er de volgende keer beter kan.",
}
_NO_IMPACT = {"en": "[impact: what was the effect?]", "nl": "[impact: wat was het effect?]"}
_NO_SITUATION = {"en": "[situation: when and where?]", "nl": "[situatie: wanneer en waar?]"}

_ADDRESS_WORDS = {"you", "are", "were", "have", "do", "je", "bent", "ben", "hebt", "heb", "kunt", "kun",
                  "wilt", "zult", "zul"}
"""The only words the drafter may add: the second person and the verb forms that go with it."""


def _evidence_for(language: Language, recipient: str | None) -> Evidence:
    evidence = evidence_thin(language, "feedback")
    if recipient is None:
        return evidence
    return evidence.model_copy(update={"subject": PersonView(id="per_x", name=recipient, role="employee",
                                                            language=language)})


# (language, recipient's name in the profile or None, intent, notes, rewrite, behaviour, situation)
READABLE: list[tuple[Language, str | None, str | None, str, str, str | None, str | None]] = [
    # label + absolute: the label clause carried the subject and the copula
    ("en", None, None,
     "Jonas is lazy and always late to stand-up. Last Tuesday he missed the client demo.",
     f"You are late to stand-up. Last Tuesday you missed the client demo. {_NO_IMPACT['en']} {_CLOSE['en']}",
     "Jonas is late to stand-up; Last Tuesday he missed the client demo", "Last Tuesday"),
    ("nl", None, None,
     "Sanne is lui en altijd te laat bij de stand-up. Afgelopen dinsdag miste ze de klantdemo.",
     f"Je bent te laat bij de stand-up. Afgelopen dinsdag miste je de klantdemo. {_NO_IMPACT['nl']} {_CLOSE['nl']}",
     "Sanne is te laat bij de stand-up; Afgelopen dinsdag miste ze de klantdemo", "bij de stand-up; Afgelopen dinsdag"),
    # never: a marked gap, the verb agrees with "you"/"je"
    ("en", None, None, "He never sends the agenda before the planning meeting.",
     f"{_NO_SITUATION['en']} You [never: on which occasions?] send the agenda before the planning meeting. "
     f"{_NO_IMPACT['en']} {_CLOSE['en']}",
     "He [never: on which occasions?] sends the agenda before the planning meeting", None),
    ("nl", None, None, "Hij is lui en stuurt nooit de agenda.",
     f"{_NO_SITUATION['nl']} Je stuurt [nooit: bij welke gelegenheden?] de agenda. {_NO_IMPACT['nl']} {_CLOSE['nl']}",
     "Hij stuurt [nooit: bij welke gelegenheden?] de agenda", None),
    # nobody + protected attribute: "her" may or may not be the person, so the third person stays
    ("en", None, None, "She is too old for this and her accent is hard to follow; nobody understands her.",
     f"{_NO_SITUATION['en']} [nobody: who exactly?] understands her. {_NO_IMPACT['en']} {_CLOSE['en']}",
     "[nobody: who exactly?] understands her", None),
    # protected attribute that was the only situation: the rest stands on its own, the situation is asked for
    ("en", "Omar Haddad", None,
     "During Ramadan Omar was slower in the afternoon calls with the Acme team and two follow-ups were late.",
     f"{_NO_SITUATION['en']} Two follow-ups were late. {_NO_IMPACT['en']} {_CLOSE['en']}",
     "Two follow-ups were late", None),
    # protected attribute in a fronted clause: the verb-first main clause is put back in order
    ("nl", "Lotte Smit", None,
     "Sinds Lotte zwanger is, mist ze deadlines. Vorige week was het kwartaalrapport twee dagen te laat, "
     "waardoor de directie de cijfers niet had.",
     "Je mist deadlines. Vorige week was het kwartaalrapport twee dagen te laat, waardoor de directie de "
     f"cijfers niet had. {_CLOSE['nl']}",
     "Ze mist deadlines; Vorige week was het kwartaalrapport twee dagen te laat", "Vorige week"),
    # situation present, impact absent; a compound event noun after "tijdens"
    ("nl", "Daan Visser", None, "Tijdens de sprintdemo van dinsdag onderbrak Daan de klant twee keer.",
     f"Tijdens de sprintdemo van dinsdag onderbrak je de klant twee keer. {_NO_IMPACT['nl']} {_CLOSE['nl']}",
     "Tijdens de sprintdemo van dinsdag onderbrak Daan de klant twee keer", "Tijdens de sprintdemo van dinsdag"),
    # Dutch inverted label clause: its fronted part is kept, the verb stays second
    ("nl", None, None, "Gisteren was Daan bazig en onderbrak hij de klant twee keer.",
     f"Gisteren onderbrak je de klant twee keer. {_NO_IMPACT['nl']} {_CLOSE['nl']}",
     "Gisteren onderbrak hij de klant twee keer", "Gisteren"),
    # situation and impact present, praise only
    ("en", "Sara Jansen", "praise",
     "In Monday's partner call Sara explained the beta clearly, which helped the partner sign.",
     f"In Monday's partner call you explained the beta clearly, which helped the partner sign. {_PRAISE['en']}",
     "In Monday's partner call Sara explained the beta clearly", "In Monday's partner call"),
    ("nl", None, "praise", "Top gedaan!",
     f"{_NO_SITUATION['nl']} [gedrag: wat deed of zei diegene precies?] {_NO_IMPACT['nl']} {_PRAISE['nl']}",
     None, None),
    # conservative: no verb to carry over, so the gap is marked instead of guessed
    ("en", None, None, "Jonas has a bad attitude and late to stand-up.",
     f"{_NO_SITUATION['en']} Jonas [what exactly happened?] late to stand-up. {_NO_IMPACT['en']} {_CLOSE['en']}",
     "Jonas [what exactly happened?] late to stand-up", None),
    # conservative: someone else is named, so "he" stays "he"
    ("en", None, None, "Yesterday he was rude and interrupted Sanne.",
     f"Yesterday he interrupted Sanne. {_NO_IMPACT['en']} {_CLOSE['en']}", "Yesterday he interrupted Sanne",
     "Yesterday"),
    # conservative: "zijn" may be his or someone else's, so the third person stays
    ("nl", None, None, "Hij is lui en vergeet altijd zijn taken.",
     f"{_NO_SITUATION['nl']} Hij vergeet zijn taken. {_NO_IMPACT['nl']} {_CLOSE['nl']}", "Hij vergeet zijn taken",
     None),
]


@pytest.mark.parametrize(("language", "recipient", "intent", "notes", "rewrite", "behaviour", "situation"),
                         READABLE, ids=[r[3][:40] for r in READABLE])
def test_offline_rewrite_reads_as_a_message_to_the_person(
    language: Language, recipient: str | None, intent: str | None, notes: str, rewrite: str,
    behaviour: str | None, situation: str | None,
) -> None:
    evidence = _evidence_for(language, recipient)
    request = FeedbackRequest(text=notes, intent=intent)  # type: ignore[arg-type]
    draft = draft_feedback(request, evidence)
    assert draft.rewrite == rewrite
    assert draft.sbi.behaviour == behaviour
    assert draft.sbi.situation == situation
    assert run_checks("feedback", draft, request, evidence).errors == []


def _added_words(notes: str, rewrite: str) -> set[str]:
    body = rewrite
    for fixed in (*_CLOSE.values(), *_PRAISE.values(), *_MIXED.values()):
        body = body.replace(fixed, " ")
    # a verb that agrees with "you" loses its -s ("replies" -> "reply"): that is not a new word
    base_forms = re.sub(r"(\w{3,}?)(?:ies\b)", r"\1y", notes) + " " + re.sub(r"(\w{3,}?)e?s\b", r"\1", notes)
    from_notes = content_stems(notes) | content_stems(base_forms)
    return {w for w in content_stems(strip_placeholders(body)) if w not in from_notes} - content_stems(
        " ".join(_ADDRESS_WORDS))


NO_NEW_FACTS = [(r[0], r[1], r[3]) for r in READABLE] + [
    (r.language or "en", None, r.text) for r in REQUESTS["feedback"] if isinstance(r, FeedbackRequest)
] + [
    ("nl", None, "In het projectoverleg van maandag was Fleur bazig en onderbrak ze iedereen die iets anders "
                 "voorstelde."),
    ("en", None, "He is lazy, and he never replies to the client."),
    ("en", None, "Jonas is lazy and often misses deadlines."),
    ("nl", None, "Ze zijn lui en komen te laat bij het overleg."),
    ("nl", "Ravi", "Klanten begrijpen Ravi slecht door zijn accent, zoals in de demo van dinsdag."),
    ("en", None, "Omar is arrogant with junior colleagues and everyone finds him difficult to work with."),
]


@pytest.mark.parametrize(("language", "recipient", "notes"), NO_NEW_FACTS, ids=[n[2][:40] for n in NO_NEW_FACTS])
def test_offline_rewrite_adds_no_words_beyond_the_notes(language: Language, recipient: str | None, notes: str) -> None:
    """Every content word of the rewrite, placeholders and the fixed closing aside, is the author's;
    the only additions allowed are "you"/"je" and the verb forms that agree with it."""
    for lang in ("en", "nl"):
        request = FeedbackRequest(text=notes)
        evidence = _evidence_for(lang, recipient)  # type: ignore[arg-type]
        draft = draft_feedback(request, evidence)
        assert _added_words(notes, draft.rewrite) == set(), draft.rewrite
        assert run_checks("feedback", draft, request, evidence).errors == []


@pytest.mark.parametrize(("language", "notes", "situation"), [
    ("nl", "Tijdens de sprintdemo van dinsdag onderbrak Daan de klant twee keer.", "Tijdens de sprintdemo van dinsdag"),
    ("en", "During the all-hands he interrupted the CEO twice.", "During the all-hands"),
    ("en", "During lunch, he complained about the release.", "During lunch"),
    ("nl", "Hij onderbrak Daan tijdens de demo.", "tijdens de demo"),
    ("nl", "In de sprint van vorige week rondde hij twee tickets af.", "In de sprint van vorige week"),
    ("nl", "Toen kwam hij te laat.", None),  # "toen" = "then": no situation, and never the bare word
])
def test_situation_is_a_whole_phrase_or_nothing(language: Language, notes: str, situation: str | None) -> None:
    draft = draft_feedback(FeedbackRequest(text=notes), evidence_thin(language, "feedback"))
    assert draft.sbi.situation == situation
    if situation is None:
        assert draft.rewrite.startswith("[situatie: wanneer en waar?]")
        assert "Wanneer en waar gebeurde dit? Beschrijf één concreet moment." in draft.questions


@pytest.mark.parametrize(("language", "notes", "expected"), [
    # notes already addressed to the person: nothing to swap, a generic "you" also blocks the swap
    ("en", "You never update your tickets.", "You [never: on which occasions?] update your tickets."),
    ("nl", "Daan laat vaak alleen 'kan beter' achter, dus je moet raden wat hij bedoelt.",
     "Daan laat vaak alleen 'kan beter' achter, dus je moet raden wat hij bedoelt."),
    # two people could be meant by the pronouns
    ("en", "Pieter said he was late to the demo.", "Pieter said he was late to the demo."),
    # "they" may be a group
    ("en", "Liam tells support about escalations too late, so they are caught off guard when customers call.",
     "Liam tells support about escalations too late, so they are caught off guard when customers call."),
    # a verb form the drafter does not know in Dutch inverted order
    ("nl", "Volgens mij is Sanne lui en komt ze te laat.", "Volgens mij komt ze te laat."),
])
def test_third_person_is_kept_when_the_swap_is_not_safe(language: Language, notes: str, expected: str) -> None:
    draft = draft_feedback(FeedbackRequest(text=notes), evidence_thin(language, "feedback"))
    assert expected in draft.rewrite


def test_the_rewrite_swap_is_symmetric_across_genders() -> None:
    he = draft_feedback(FeedbackRequest(text="Jonas is lazy. He never listens in stand-up."),
                        evidence_thin("en", "feedback"))
    she = draft_feedback(FeedbackRequest(text="Ana is lazy. She never listens in stand-up."),
                         evidence_thin("en", "feedback"))
    assert he.rewrite == she.rewrite
    assert "You [never: on which occasions?] listen in stand-up." in he.rewrite
    him = draft_feedback(FeedbackRequest(text="Nobody understands him."), evidence_thin("en", "feedback"))
    her = draft_feedback(FeedbackRequest(text="Nobody understands her."), evidence_thin("en", "feedback"))
    assert him.rewrite.replace("him", "her") == her.rewrite  # both kept in the third person


# --- development ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["en", "nl"])
def test_development_actions_come_from_the_catalogue_and_serve_the_evidence(name: str) -> None:
    evidence = EVIDENCE[name]("development")
    draft = draft_development(DevelopmentRequest(employee_id="x"), evidence)
    catalogue = {c.id: c for c in evidence.catalogue}
    assert 2 <= len(draft.actions) <= 5 and len({a.category for a in draft.actions}) >= 2
    for a in draft.actions:
        entry = catalogue[a.catalogue_id or ""]
        assert a.title == entry.title[evidence.language] and a.category == entry.category
        assert a.success_indicator == entry.success_indicator[evidence.language]
        assert a.due > NOW.date() and a.due == NOW.date().fromordinal(
            NOW.date().toordinal() + 7 * entry.typical_weeks)
        assert any(s.type in ("goal", "feedback") for s in a.sources)


def test_development_matches_goals_feedback_and_focus() -> None:
    draft = draft_development(DevelopmentRequest(employee_id="x"), evidence_en("development"))
    by_id = {a.catalogue_id: a for a in draft.actions}
    assert [s.id for s in by_id["cat_stretch_api"].sources] == ["goal_api"]
    assert [s.id for s in by_id["cat_review_mentor"].sources] == ["fb_label"]  # not the injection text
    focused = draft_development(DevelopmentRequest(employee_id="x", focus="presenting"), evidence_en("development"))
    assert "cat_presenting" in {a.catalogue_id for a in focused.actions}
    dutch = draft_development(DevelopmentRequest(employee_id="x"), evidence_nl("development"))
    testing = next(a for a in dutch.actions if a.catalogue_id == "cat_testing")
    assert testing.why == "Helpt bij je doel 'Nieuwe klantportal live zetten' (testen)."


def test_development_skips_actions_the_person_already_has() -> None:
    evidence = evidence_en("development")
    has_it = evidence.model_copy(update={"development_actions": [
        *evidence.development_actions,
        evidence.development_actions[0].model_copy(update={"id": "dev_2", "title": "Lead the design of an API"}),
    ]})
    assert "cat_stretch_api" not in {a.catalogue_id for a in draft_development(DevelopmentRequest(employee_id="x"),
                                                                                  has_it).actions}


def test_development_without_a_catalogue_builds_on_records_and_guides() -> None:
    evidence = evidence_en("development").model_copy(update={"catalogue": []})
    request = DevelopmentRequest(employee_id="x")
    draft = draft_development(request, evidence)
    assert [a.title for a in draft.actions] == ["Continue: Pair with a senior on API design",
                                                "Read and apply: Situation-Behaviour-Impact"]
    assert run_checks("development", draft, request, evidence).ok
    with pytest.raises(ValueError, match="catalogue is empty"):
        draft_development(request, evidence_thin("en", "development").model_copy(update={"catalogue": []}))


def test_development_with_the_shipped_catalogue() -> None:
    corpus = pytest.importorskip("knowledge.corpus")
    from tools.views import CatalogueActionView

    shipped = [CatalogueActionView.model_validate(a.model_dump()) for a in corpus.load_catalogue()]
    for language, focus, expected in (("en", "presenting to stakeholders", "presentation-skills-course"),
                                      ("nl", "beter feedback geven", "feedback-conversations-workshop")):
        evidence = evidence_thin(language, "development").model_copy(update={"catalogue": shipped})  # type: ignore[arg-type]
        request = DevelopmentRequest(employee_id="x", focus=focus)
        draft = draft_development(request, evidence)
        assert expected in {a.catalogue_id for a in draft.actions}
        assert run_checks("development", draft, request, evidence).ok
        assert all(a.due >= date(2025, 5, 15) for a in draft.actions)


def test_offline_feedback_has_no_invented_markers() -> None:
    """The rewrite never claims a situation or impact the notes did not give."""
    request = FeedbackRequest(text="You interrupt colleagues.")
    draft = draft_feedback(request, evidence_thin("en", "feedback"))
    stripped = draft.rewrite.replace("[situation: when and where?]", "").replace("[impact: what was the effect?]", "")
    assert not has_term(stripped, "situation") and not has_term(stripped, "impact_claim")
