"""Coach results rendered as chat text (English and Dutch), and the offline chat's own texts.

Plain text only: numbered lines and dashes, no markdown links or markup. Every rendering
ends with the sources it rests on, as ``type id`` pairs the client can look up. All texts a
person reads live in :data:`TEXT`, one table for this module.
"""

from __future__ import annotations

from collections.abc import Sequence

from agent.lexicon import format_date
from agent.schemas import (
    AgendaResult,
    ConversationKind,
    DevelopmentResult,
    FeedbackResult,
    Language,
    Result,
    SmartGoalResult,
    Source,
    SourceType,
)
from tools.views import ActionItemView, PersonView

TEXT: dict[str, dict[Language, str]] = {
    "help": {
        "en": "I can help with: preparing a conversation (\"prepare my 1-on-1 with [name]\"), phrasing "
              "feedback (\"improve my feedback for [name]: ...\"), checking a goal against SMART (\"my goal "
              "is ...\"), development actions (\"what development actions fit [name]?\"), drafting a review, "
              "what is still open (\"what did we agree with [name]?\") and turning your notes of a "
              "conversation into a record (\"here are my notes from the 1:1 with [name]: ...\").",
        "nl": "Ik help je met: een gesprek voorbereiden (\"bereid mijn 1-op-1 met [naam] voor\"), feedback "
              "formuleren (\"verbeter mijn feedback voor [naam]: ...\"), een doel toetsen aan SMART (\"mijn "
              "doel is ...\"), ontwikkelacties (\"welke ontwikkelacties passen bij [naam]?\"), een beoordeling "
              "opstellen, wat er nog openstaat (\"wat hebben we met [naam] afgesproken?\") en je aantekeningen "
              "van een gesprek vastleggen (\"hier zijn mijn aantekeningen van de 1-op-1 met [naam]: ...\").",
    },
    "degraded": {
        "en": "The coach's language model is not available right now; this answer comes from the offline coach.",
        "nl": "Het taalmodel van de coach is nu niet beschikbaar; dit antwoord komt van de offline coach.",
    },
    "which_intent": {
        "en": "Do you want me to {options}?",
        "nl": "Wil je dat ik {options}?",
    },
    "or": {"en": "or", "nl": "of"},
    "which_person": {
        "en": "Who do you mean: {names}?",
        "nl": "Wie bedoel je: {names}?",
    },
    "who_for": {
        "en": "Who is it about? You can ask about: {names}.",
        "nl": "Over wie gaat het? Je kunt vragen naar: {names}.",
    },
    "nobody_found": {
        "en": "I found nobody by that name among the people whose records you may see ({names}).",
        "nl": "Ik vond niemand met die naam onder de mensen van wie je de gegevens mag zien ({names}).",
    },
    "yourself": {"en": "yourself", "nl": "jezelf"},
    "feedback_notes": {
        "en": "What happened? Write your rough feedback after a colon, e.g. \"improve my feedback: in "
              "Tuesday's stand-up you ...\", and I will phrase it.",
        "nl": "Wat is er gebeurd? Schrijf je ruwe feedback na een dubbele punt, bijvoorbeeld \"verbeter mijn "
              "feedback: in de stand-up van dinsdag ...\", dan formuleer ik het.",
    },
    "goal_text": {
        "en": "Which goal? Write it after a colon, e.g. \"check my goal: ...\".",
        "nl": "Welk doel? Schrijf het na een dubbele punt, bijvoorbeeld \"toets mijn doel: ...\".",
    },
    "not_available": {
        "en": "Drafting a review is not available in this version of the coach yet. Meanwhile I can "
              "prepare the review conversation (\"prepare the review conversation with {name}\") or show "
              "what is still open.",
        "nl": "Een beoordeling opstellen kan in deze versie van de coach nog niet. Intussen kan ik het "
              "beoordelingsgesprek voorbereiden (\"bereid het beoordelingsgesprek met {name} voor\") of laten "
              "zien wat er nog openstaat.",
    },
    "invalid": {
        "en": "I could not run that: {problem}.",
        "nl": "Dat lukte niet: {problem}.",
    },
    "minutes_range": {
        "en": "a meeting lasts between 10 and 180 minutes",
        "nl": "een gesprek duurt tussen de 10 en 180 minuten",
    },
    "agenda_head": {
        "en": "Agenda for the {kind} with {name} ({minutes} minutes):",
        "nl": "Agenda voor het {kind} met {name} ({minutes} minuten):",
    },
    "agenda_item": {
        "en": "{n}. {title} ({minutes} min, led by the {led_by})",
        "nl": "{n}. {title} ({minutes} min, geleid door de {led_by})",
    },
    "little_history": {
        "en": "Little recorded history: this agenda builds on what there is.",
        "nl": "Weinig vastgelegde geschiedenis: deze agenda bouwt op wat er is.",
    },
    "follow_up_agenda": {
        "en": "Say \"make it 45 minutes\" or \"as a check-in\" to change it.",
        "nl": "Zeg \"maak er 45 minuten van\" of \"als check-in\" om het aan te passen.",
    },
    "smart_head": {"en": "SMART check of your goal:", "nl": "SMART-toets van je doel:"},
    "rewrite": {"en": "Rewrite:", "nl": "Herschreven:"},
    "key_results": {"en": "Key results:", "nl": "Kernresultaten:"},
    "proposed": {"en": "Proposed (please confirm): {value}: {reason}", "nl": "Voorstel (graag bevestigen): "
                                                                          "{value}: {reason}"},
    "questions": {"en": "Questions for you:", "nl": "Vragen aan jou:"},
    "feedback_head": {"en": "Your feedback, phrased (situation, behaviour, impact):",
                      "nl": "Je feedback, geformuleerd (situatie, gedrag, impact):"},
    "flagged": {"en": "Flagged: \"{words}\": {suggestion}", "nl": "Let op: \"{words}\": {suggestion}"},
    "strengths": {"en": "Strengths:", "nl": "Sterke punten:"},
    "growth": {"en": "Growth areas:", "nl": "Groeipunten:"},
    "development_head": {"en": "Development actions for {name}:", "nl": "Ontwikkelacties voor {name}:"},
    "development_item": {
        "en": "{n}. {title} ({category}; owner: {owner}; due {due})",
        "nl": "{n}. {title} ({category}; eigenaar: {owner}; uiterlijk {due})",
    },
    "success": {"en": "Success: {indicator}", "nl": "Succes: {indicator}"},
    "open_head": {"en": "Open action items for {name}:", "nl": "Openstaande actiepunten van {name}:"},
    "open_none": {"en": "Nothing is open for {name}: no action items without a done mark.",
                  "nl": "Er staat niets open voor {name}: geen actiepunten die nog niet af zijn."},
    "open_item": {"en": "- {text} ({owner}{due})", "nl": "- {text} ({owner}{due})"},
    "due": {"en": ", due {date}", "nl": ", uiterlijk {date}"},
    "no_owner": {"en": "no owner yet", "nl": "nog geen eigenaar"},
    "notes_label": {"en": "Note: {warning}", "nl": "Let op: {warning}"},
    "sources": {"en": "Sources: {list}", "nl": "Bronnen: {list}"},
}

_KIND: dict[ConversationKind, dict[Language, str]] = {
    "one_on_one": {"en": "one-on-one", "nl": "één-op-één-gesprek"},
    "check_in": {"en": "check-in", "nl": "check-in-gesprek"},
    "review": {"en": "review conversation", "nl": "beoordelingsgesprek"},
    "development": {"en": "development conversation", "nl": "ontwikkelgesprek"},
}
_ROLE: dict[str, dict[Language, str]] = {
    "employee": {"en": "employee", "nl": "medewerker"},
    "manager": {"en": "manager", "nl": "manager"},
    "other": {"en": "someone else", "nl": "iemand anders"},
}
_CATEGORY: dict[str, dict[Language, str]] = {
    "experience": {"en": "on the job", "nl": "in het werk"},
    "social": {"en": "with others", "nl": "met anderen"},
    "formal": {"en": "course", "nl": "cursus"},
}
_VERDICT = {"pass": "✓", "fail": "✗", "unclear": "?"}
_CRITERION: dict[Language, dict[str, str]] = {
    "en": {"specific": "Specific", "measurable": "Measurable", "achievable": "Achievable", "relevant": "Relevant",
           "time_bound": "Time-bound"},
    "nl": {"specific": "Specifiek", "measurable": "Meetbaar", "achievable": "Haalbaar", "relevant": "Relevant",
           "time_bound": "Tijdgebonden"},
}
_SOURCE: dict[SourceType, dict[Language, str]] = {
    "goal": {"en": "goal", "nl": "doel"},
    "conversation": {"en": "conversation", "nl": "gesprek"},
    "action_item": {"en": "action item", "nl": "actiepunt"},
    "feedback": {"en": "feedback", "nl": "feedback"},
    "development_action": {"en": "development action", "nl": "ontwikkelactie"},
    "guidance": {"en": "guide", "nl": "gids"},
    "policy": {"en": "policy", "nl": "beleid"},
}


def t(key: str, language: Language, **values: object) -> str:
    """The text ``key`` in ``language`` with its placeholders filled."""
    text = TEXT[key][language]
    for name, value in values.items():
        text = text.replace("{" + name + "}", str(value))
    return text


def kind_name(kind: ConversationKind, language: Language) -> str:
    return _KIND[kind][language]


def names_list(people: Sequence[PersonView], language: Language, *, me: str | None) -> str:
    """The people's names, the principal as "yourself"."""
    return ", ".join(t("yourself", language) if p.id == me else p.name for p in people)


def sources_line(sources: Sequence[Source], language: Language) -> str:
    listed = ", ".join(f"{_SOURCE[s.type][language]} {s.id}" for s in dict.fromkeys(sources))
    return t("sources", language, list=listed) if listed else ""


def _tail(result: Result, language: Language) -> list[str]:
    lines = [t("notes_label", language, warning=w) for w in result.warnings]
    line = sources_line(result.sources, language)
    return [*lines, *([line] if line else [])]


def render_agenda(result: AgendaResult, subject: PersonView) -> str:
    lang = result.language
    lines = [t("agenda_head", lang, kind=kind_name(result.kind, lang), name=subject.name, minutes=result.minutes)]
    for n, item in enumerate(result.items, 1):
        lines.append(t("agenda_item", lang, n=n, title=item.title, minutes=item.minutes,
                       led_by=_ROLE[item.led_by][lang]))
        lines.append(f"   {item.why}")
        lines += [f"   - {q}" for q in item.questions]
    if result.summary:
        lines += ["", result.summary]
    if result.little_history:
        lines.append(t("little_history", lang))
    lines += [t("follow_up_agenda", lang), *_tail(result, lang)]
    return "\n".join(lines)


def render_smart(result: SmartGoalResult) -> str:
    lang = result.language
    names = _CRITERION[lang]
    lines = [t("smart_head", lang)]
    lines += [f"{_VERDICT[c.verdict]} {names[c.criterion]}: {c.note}" for c in result.criteria]
    lines += ["", t("rewrite", lang), result.rewrite]
    if result.key_results:
        lines += [t("key_results", lang), *(f"- {kr}" for kr in result.key_results)]
    lines += [t("proposed", lang, value=p.value, reason=p.reason) for p in result.proposed_values]
    if result.questions:
        lines += [t("questions", lang), *(f"- {q}" for q in result.questions)]
    return "\n".join([*lines, *_tail(result, lang)])


def render_feedback(result: FeedbackResult) -> str:
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
    lang = result.language
    lines = [t("development_head", lang, name=subject.name)]
    for n, action in enumerate(result.actions, 1):
        lines.append(t("development_item", lang, n=n, title=action.title, category=_CATEGORY[action.category][lang],
                       owner=_ROLE[action.owner][lang], due=format_date(action.due, lang)))
        lines += [f"   {action.why}", "   " + t("success", lang, indicator=action.success_indicator)]
    if result.summary:
        lines += ["", result.summary]
    return "\n".join([*lines, *_tail(result, lang)])


def render_open_items(items: Sequence[ActionItemView], subject: PersonView, language: Language) -> str:
    if not items:
        return t("open_none", language, name=subject.name)
    lines = [t("open_head", language, name=subject.name)]
    for item in items:
        owner = _ROLE[item.owner][language] if item.owner else t("no_owner", language)
        due = t("due", language, date=format_date(item.due, language)) if item.due else ""
        lines.append(t("open_item", language, text=item.text, owner=owner, due=due))
    sources = [Source(type="action_item", id=i.id) for i in items]
    sources += [Source(type="conversation", id=i.conversation_id) for i in items]
    return "\n".join([*lines, sources_line(sources, language)])
