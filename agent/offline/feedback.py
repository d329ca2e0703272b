"""Offline feedback phrasing: the author's own sentences, cleaned, in a Situation-Behaviour-Impact
frame with explicit gaps where the notes say nothing.

Cleaning never adds facts: clauses with personality labels or protected attributes are dropped,
absolutes such as "always" are cut, and negating or sweeping ones ("never", "nobody") become a
marked gap such as ``[never: on which occasions?]`` so that the meaning is not flipped.

What is left must still read as a sentence. When a dropped clause carried the subject (and the
verb) of the clause that is kept, they are carried over: "Jonas is lazy and always late" gives
"Jonas is late", "Sanne is lui en komt altijd te laat" gives "Sanne komt te laat", and a Dutch
clause left verb-first by a dropped fronted clause is put back in subject-verb order. When the
words on hand cannot make a sentence, the author's clause is kept with a marked gap such as
``[what exactly happened?]`` rather than a guessed word.

The rewrite is addressed to the recipient: "he", "she", the recipient's name (and Dutch "hij",
"ze", ...) become "you"/"je" with the verb agreeing, but only when every mention of the person
in the kept text is a subject whose verb form is known and nobody else could be meant;
otherwise the whole rewrite stays in the third person. Deterministic throughout.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from agent.checks.feedback import (
    IMPACT_QUESTION,
    SITUATION_QUESTION,
    lint_feedback_text,
    offending_hits,
    text_languages,
)
from agent.lexicon import (
    LANGUAGES,
    STOPWORDS,
    Hit,
    find_terms,
    has_term,
    sentences,
    strip_placeholders,
    words,
)
from agent.schemas import FeedbackDraft, FeedbackIssue, FeedbackRequest, Language, SBIParts
from knowledge.i18n import detect, t
from tools.views import Evidence

Intent = Literal["praise", "constructive", "mixed"]

_NEGATING = re.compile(
    r"^(?:never(?:\s+ever)?|not\s+once|nooit(?:\s+eens)?|geen\s+enkele\s+keer)$", re.IGNORECASE)
_SWEEPING = re.compile(r"^(?:nobody|no[\s-]one|everyone|everybody|iedereen|niemand)$", re.IGNORECASE)
_CLAUSE_SPLIT = re.compile(r"(\s*[,;:]\s*|\s+(?:and|but|en|maar)\s+)", re.IGNORECASE)
_LEADING_CONJUNCTION = re.compile(r"^(?:and|but|so|or|en|maar|dus|of)\s+", re.IGNORECASE)

# --- word lists for the small amount of grammar the cleaning needs --------------------------------
# Deliberately small: a word that is not listed makes the cleaning fall back to the author's
# clause with a marked gap (or keeps the third person), never to a guess.

_TOKEN = re.compile(r"\[[^\[\]]*\]|[^\W_]+(?:['’\-][^\W_]+)*|[^\w\s]")


def _set(text: str) -> frozenset[str]:
    return frozenset(text.split())


_SUBJECT_PRONOUNS: dict[Language, frozenset[str]] = {
    "en": _set("i you he she we they it"),
    "nl": _set("ik jij je hij zij ze wij we u jullie men"),
}
_DETERMINERS: dict[Language, frozenset[str]] = {
    "en": _set("the a an his her their my our your its this that these those some any no every each all "
               "both several many most few one two three four five six seven eight nine ten"),
    "nl": _set("de het een zijn haar hun mijn jouw onze ons uw deze die dit dat elke iedere alle veel "
               "weinig twee drie vier vijf zes zeven acht negen tien sommige enkele beide"),
}
_PREPOSITIONS: dict[Language, frozenset[str]] = {
    "en": _set("of on in at to for with without about from by into onto over under after before "
               "during between behind than as"),
    "nl": _set("van op in aan voor met zonder over uit bij naar door tijdens na tot onder tussen om "
               "achter dan als"),
}
_COORDINATORS: dict[Language, frozenset[str]] = {
    "en": _set("and but so or because when while after before since as that if then until although "
               "though where"),
    "nl": _set("en maar want dus of"),
}
_ADVERBS: dict[Language, frozenset[str]] = {
    "en": _set("often usually sometimes also still just really rarely frequently regularly repeatedly "
               "again already then only even hardly barely seldom occasionally typically generally "
               "mostly simply actually not now later recently"),
    "nl": _set("vaak ook soms nog wel niet echt erg heel zeer best nogal gewoon regelmatig meestal "
               "weer eigenlijk"),
}
_DEGREE: dict[Language, frozenset[str]] = {
    "en": _set("so very really quite too rather pretty extremely a bit just always often sometimes "
               "generally also such kind sort of being"),
    "nl": _set("zo erg heel nogal best echt te wat een beetje vaak altijd ook gewoon soms behoorlijk "
               "ontzettend enorm nou eenmaal toch wel"),
}
_COPULAS: dict[Language, tuple[tuple[str, ...], ...]] = {
    "en": (("comes", "across", "as"), ("came", "across", "as"), ("tends", "to", "be"),
           ("seems", "to", "be"), ("seemed", "to", "be"), ("can", "be"), ("could", "be"),
           ("has", "been"), ("had", "been"), ("have", "been"), ("is", "being"), ("was", "being"),
           *((w,) for w in "is was are were seems seemed appears appeared looks looked gets got became "
                           "becomes".split())),
    "nl": tuple((w,) for w in "is was bent ben zijn waren lijkt leek lijken leken wordt werd worden werden "
                              "blijft bleef blijven bleven".split()),
}
_PLURAL_COPULAS = _set("are were zijn waren lijken leken worden werden blijven bleven")
_SUBORDINATORS_NL = _set("sinds omdat doordat als toen nadat hoewel terwijl zodra wanneer aangezien "
                         "voordat tenzij zolang")

# English verb forms
_EN_AGREE = {"is": "are", "was": "were", "has": "have", "does": "do", "isn't": "aren't",
             "wasn't": "weren't", "hasn't": "haven't", "doesn't": "don't", "goes": "go"}
_EN_INVARIANT = _set("can could will would should must may might shall had did didn't couldn't wouldn't "
                     "won't can't cannot shouldn't hadn't mustn't used ought")
_EN_AUX = _set("is are was were has have had will would can could should did does do got isn't aren't wasn't "
               "weren't hasn't haven't didn't doesn't don't can't won't couldn't wouldn't shouldn't")
_EN_IRREGULAR_PAST = _set(
    "forgot came went left sent gave took made said told spoke wrote ran broke brought thought got lost "
    "found kept let put set shut hit cut began knew saw led paid sold spent stood understood woke won "
    "drove fell felt held heard meant met sat slept taught threw wore overslept misunderstood "
    "overlooked undertook forgave withdrew became bought caught fought sought built dealt chose "
    "froze rode rose shook sang swam tore beat bit hid")
_EN_NOT_VERBS = _set("always sometimes towards afterwards less unless perhaps yes its his hers this thus "
                     "us news series lots various previous means")
_EN_COMPLEMENTS = _set("late early absent unavailable unreachable offline silent quiet slow behind "
                       "overdue busy unprepared unclear vague defensive short curt dismissive too very "
                       "so quite rather more less")
_EN_ADJ_SUFFIXES = ("ful", "ous", "ive", "able", "ible", "al", "ic", "ent", "ant", "less", "ish",
                    "ary", "ory", "ing")
_EN_PARTICIPLE_ADJECTIVES = _set(
    "interested involved engaged focused committed dedicated prepared stuck based experienced qualified "
    "motivated skilled scared worried concerned tired bored excited stressed overwhelmed distracted "
    "annoyed frustrated confused surprised disappointed upset absent-minded")
_EN_AFTER_VERB = _set("late early twice again back up out off down away yesterday today last")

# Dutch verb forms: (3rd person singular present, 2nd person singular when inverted, past singular)
_NL_VERBS: tuple[tuple[str, str, str], ...] = tuple(
    (v.split("/")[0], v.split("/")[1], v.split("/")[2]) for v in (
        "is/ben/was heeft/heb/had komt/kom/kwam gaat/ga/ging doet/doe/deed geeft/geef/gaf zegt/zeg/zei "
        "neemt/neem/nam ziet/zie/zag staat/sta/stond laat/laat/liet houdt/houd/hield vindt/vind/vond "
        "weet/weet/wist kan/kun/kon wil/wil/wilde moet/moet/moest mag/mag/mocht zal/zul/zou "
        "wordt/word/werd blijft/blijf/bleef begint/begin/begon vergeet/vergeet/vergat mist/mis/miste "
        "levert/lever/leverde stuurt/stuur/stuurde maakt/maak/maakte werkt/werk/werkte "
        "reageert/reageer/reageerde luistert/luister/luisterde onderbreekt/onderbreek/onderbrak "
        "belt/bel/belde schrijft/schrijf/schreef spreekt/spreek/sprak praat/praat/praatte "
        "antwoordt/antwoord/antwoordde leest/lees/las loopt/loop/liep pakt/pak/pakte rondt/rond/rondde "
        "legt/leg/legde zet/zet/zette zit/zit/zat plant/plan/plande vraagt/vraag/vroeg helpt/help/hielp "
        "krijgt/krijg/kreeg brengt/breng/bracht denkt/denk/dacht zoekt/zoek/zocht belooft/beloof/beloofde "
        "negeert/negeer/negeerde ontbreekt/ontbreek/ontbrak deelt/deel/deelde toont/toon/toonde "
        "presenteert/presenteer/presenteerde test/test/testte meldt/meld/meldde stelt/stel/stelde "
        "kijkt/kijk/keek wacht/wacht/wachtte verstuurt/verstuur/verstuurde beantwoordt/beantwoord/beantwoordde"
    ).split()
)
_NL_PRESENT_INVERTED = {present: inverted for present, inverted, _ in _NL_VERBS}
_NL_PAST = frozenset(past for _, _, past in _NL_VERBS) | _set("wou had")
_NL_NORMAL_2SG = {"is": "bent", "heeft": "hebt", "kan": "kunt", "wil": "wilt", "zal": "zult"}
_NL_AUX = _set("is was zijn waren heeft hebben had hadden wordt worden werd werden kan kon konden")
_NL_WEAK_PAST = re.compile(r"^[a-z]{3,}(?:te|de)$")
_NL_COMPLEMENTS = _set("te op bij in met zonder afwezig moe stil traag laat")
_NL_ADJ_SUFFIXES = ("ig", "lijk", "baar", "loos", "isch", "ief", "eel", "end", "zaam")

# address: who the notes talk about
_SECOND_PERSON: dict[Language, frozenset[str]] = {
    "en": _set("you your yours yourself yourselves you're you've you'll you'd"),
    "nl": _set("je jij jou jouw jullie u uw jezelf jouzelf"),
}
_FAMILIES: dict[Language, dict[str, frozenset[str]]] = {
    "en": {"he": _set("he him his himself he's he'd he'll"),
           "she": _set("she her hers herself she's she'd she'll"),
           "they": _set("they them their theirs themselves themself they're they've they'd they'll")},
    "nl": {"hij": _set("hij hem"), "zij": _set("zij ze haar"), "hun": _set("hun hen")},
}
_SUBJECT_FORM: dict[str, frozenset[str]] = {
    "he": _set("he"), "she": _set("she"), "they": _set("they"), "hij": _set("hij"), "zij": _set("zij ze"),
}
_PLURAL_HINT = re.compile(
    r"\b(?:team|teams|clients|customers|colleagues|people|others|stakeholders|users|juniors|members|"
    r"partners|everyone|everybody|both)\b|\b(?:the|our|their|all|other|these|those|some|many|several|"
    r"two|three|four|five|\d+)\s+[\w-]+s\b", re.IGNORECASE)
_CALENDAR = _set(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june july "
    "august september october november december maandag dinsdag woensdag donderdag vrijdag zaterdag zondag "
    "januari februari maart mei juni juli augustus oktober")
_SITUATION_MARKERS = _set("during tijdens toen")
_STANDALONE = _set("thanks thank sorry bedankt dank")


def _lower(word: str) -> str:
    return word.lower().replace("’", "'")


def _is_placeholder(token: str) -> bool:
    return token.startswith("[") and token.endswith("]")


def _is_who_gap(token: str) -> bool:
    return _is_placeholder(token) and token.endswith(("who exactly?]", "wie precies?]"))


def _is_word(token: str) -> bool:
    return bool(re.match(r"[^\W_]", token))


def _tokens(text: str) -> list[str]:
    return [m.group() for m in _TOKEN.finditer(text)]


# --- verbs ---------------------------------------------------------------------------------------

def _en_base(word: str) -> str | None:
    """The form of a 3rd-person-singular present verb after "you" ("sends" -> "send"), else None."""
    if word in _EN_AGREE:
        return _EN_AGREE[word]
    if word in _EN_NOT_VERBS or len(word) < 4 or not word.endswith("s"):
        return None
    if word.endswith("ies") and word[-4] not in "aeiou":
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zzes")):
        return word[:-2]
    if word.endswith(("ss", "us", "is", "'s")):
        return None
    return word[:-1]


def _en_past_or_modal(word: str) -> bool:
    return word in _EN_INVARIANT or word in _EN_IRREGULAR_PAST or (word.endswith("ed") and len(word) > 3)


def _en_finite(word: str) -> bool:
    return word in _EN_AUX or _en_past_or_modal(word) or _en_base(word) is not None


def _nl_past(word: str) -> bool:
    return word in _NL_PAST or bool(_NL_WEAK_PAST.match(word))


def _nl_finite(word: str) -> bool:
    return word in _NL_PRESENT_INVERTED or _nl_past(word)


def _finite(word: str, grammar: Language) -> bool:
    return _en_finite(word) if grammar == "en" else _nl_finite(word)


# --- cleaning a sentence -------------------------------------------------------------------------

@dataclass(frozen=True)
class _Dropped:
    """What a dropped clause leaves for the clause that follows it."""

    subject: str | None = None
    """The subject it carried ("Jonas", "he", "hij"), if one was found."""
    copular: str | None = None
    """Its words up to and including the copula ("Jonas is", "Vandaag was hij"), when the
    dropped words were the complement of that copula."""
    verbal: str | None = None
    """Its words without the copula ("Jonas", "Yesterday he"), to put before a verb."""
    lead: str | None = None
    """What came before the subject: in Dutch the fronted part before an inverted verb."""
    inverted: bool = False
    """Dutch: lead, copula, subject ("Vandaag was hij lui")."""
    fronted: bool = False
    """Dutch: a fronted clause or phrase ("Sinds ..."), so the next main clause starts with its verb."""
    plural: bool = False
    """The copula is plural ("they are", "ze zijn"), so a plain verb form follows it."""


def _strip_degree(prefix: str, grammar: Language) -> str:
    toks = prefix.split()
    while toks and _lower(toks[-1]) in _DEGREE[grammar]:
        toks.pop()
    return " ".join(toks)


def _analyse_dropped(clause: str, hit: Hit, grammar: Language) -> _Dropped:
    """Subject, copula and fronted part of a dropped ``clause`` whose first offending words are ``hit``."""
    prefix = _strip_degree(clause[: hit.start].strip(" ,"), grammar)
    toks = prefix.split()
    low = [_lower(t) for t in toks]
    pronouns = _SUBJECT_PRONOUNS[grammar]

    function_words = (_PREPOSITIONS[grammar] | _DETERMINERS[grammar] | _COORDINATORS[grammar] | _ADVERBS[grammar]
                      | _SUBORDINATORS_NL)

    def subject_like(tok: str) -> bool:
        word = _lower(tok)
        return word in pronouns or (tok[:1].isupper() and _is_word(tok) and word not in function_words)

    for cop in _COPULAS[grammar]:
        n = len(cop)
        if len(low) <= n or tuple(low[-n:]) != cop:
            continue
        before = toks[:-n]
        plural = cop[0] in _PLURAL_COPULAS
        if grammar == "en" and subject_like(before[-1]):
            return _Dropped(subject=before[-1], copular=prefix, verbal=" ".join(before),
                            lead=" ".join(before[:-1]) or None, plural=plural)
        if grammar == "nl" and 1 <= len(before) <= 2 and all(subject_like(t) for t in before):
            return _Dropped(subject=" ".join(before), copular=prefix, verbal=" ".join(before), plural=plural)
        break
    # Dutch inverted: <lead> <copula> <subject>
    if grammar == "nl" and len(toks) >= 3 and (low[-2],) in _COPULAS["nl"] and subject_like(toks[-1]):
        return _Dropped(subject=toks[-1], copular=prefix, lead=" ".join(toks[:-2]), inverted=True,
                        plural=low[-2] in _PLURAL_COPULAS)
    m = re.match(r"\s*(?P<subj>he|she|they|you|I|we|it)(?P<cop>['’](?:s|re|m))\s*$", prefix, re.IGNORECASE)
    if grammar == "en" and m:
        return _Dropped(subject=m.group("subj"), copular=prefix, verbal=m.group("subj"))
    return _Dropped(subject=_find_subject(clause, grammar),
                    fronted=grammar == "nl" and bool(low) and (low[0] in _SUBORDINATORS_NL
                                                                or low[0] in _PREPOSITIONS["nl"]))


def _find_subject(clause: str, grammar: Language) -> str | None:
    """A third-person subject of ``clause``: a pronoun, or a name next to a finite verb."""
    toks = [t for t in _tokens(clause) if _is_word(t)]
    third = {"en": _set("he she they"), "nl": _set("hij zij")}[grammar]
    for i, tok in enumerate(toks):
        if _lower(tok) in third:
            return tok
        if tok[:1].isupper() and i + 1 < len(toks) and toks[i + 1].islower() and _finite(toks[i + 1], grammar):
            return tok
    return None


_Kind = Literal["own", "own_inverted", "verb", "complement", "unknown"]


def _classify(clause: str, grammar: Language, dropped: _Dropped) -> _Kind:
    """What the kept ``clause`` needs in front of it: nothing (own subject), a subject, or a
    subject and copula; ``unknown`` when that cannot be told."""
    toks = [t for t in _tokens(clause) if _is_word(t) or _is_placeholder(t)]
    if not toks:
        return "unknown"
    if _is_who_gap(toks[0]) or (toks[0][:1].isupper() and _is_word(toks[0])):
        return "own"
    i = 0
    while i < len(toks) and (_is_placeholder(toks[i]) or _lower(toks[i]) in _ADVERBS[grammar]):
        i += 1
    if i == len(toks):
        return "unknown"
    head = _lower(toks[i])
    if head in _STANDALONE:
        return "own"  # "..., but thanks for the demo"
    nxt = _lower(toks[i + 1]) if i + 1 < len(toks) else ""
    after = toks[i + 1] if i + 1 < len(toks) else ""
    if head in _SUBJECT_PRONOUNS[grammar] or head in _DETERMINERS[grammar] or head.isdigit():
        return "own"
    if grammar == "en":
        if nxt in _EN_AUX and not _en_finite(head):
            return "own"
        if head in _EN_PARTICIPLE_ADJECTIVES or (head.startswith("un") and head.endswith("ed")):
            return "complement"
        if head.endswith("ed") and len(head) > 3:
            if not after:
                return "complement" if dropped.copular else "verb"
            if nxt in ("for", "about", "by", "of", "with"):
                return "complement"  # "distracted by", "unprepared for"
            if (nxt in _DETERMINERS["en"] or nxt in _SUBJECT_PRONOUNS["en"] or after[:1].isupper()
                    or nxt in _EN_AFTER_VERB or nxt in _PREPOSITIONS["en"] or nxt[:1].isdigit()):
                return "verb"
            return "unknown"
        if head in _EN_AGREE or _en_past_or_modal(head):
            return "verb"
        if _en_base(head) is not None:  # "misses" after "Jonas is lazy and", but "customers" after "Because of ..."
            return "verb" if dropped.subject else "own"
        if (head in _EN_COMPLEMENTS or head in _PREPOSITIONS["en"] or head.endswith(_EN_ADJ_SUFFIXES)
                or (head.startswith("un") and len(head) > 4)):
            return "complement"
        if dropped.plural and head.isalpha() and (nxt in _DETERMINERS["en"] or nxt in _PREPOSITIONS["en"]):
            return "verb"  # "they are lazy and miss the stand-up"
        return "unknown"
    if nxt in _NL_AUX and not _nl_finite(head):
        return "own"
    if dropped.plural and head.endswith("en") and len(head) > 4 and head not in _PREPOSITIONS["nl"]:
        return "verb"  # "ze zijn lui en komen te laat"
    if (dropped.fronted and i == 0 and head.isalpha() and head not in _NL_COMPLEMENTS
            and head not in _PREPOSITIONS["nl"] and (_nl_finite(head) or head.endswith(("t", "en")))
            and (nxt in _SUBJECT_PRONOUNS["nl"] or nxt in _DETERMINERS["nl"] or after[:1].isupper())):
        return "own_inverted"  # "Door zijn accent, begrijpen de klanten hem slecht": verb, then subject
    if _nl_finite(head):
        if i > 0:  # "vaak komt ...": not a main clause this cleaning can rebuild
            return "unknown" if dropped.inverted or dropped.fronted else "verb"
        if nxt in _set("hij ik jij wij we"):
            return "own_inverted"
        if (nxt in _set("ze zij je u") or after[:1].isupper()) and (dropped.inverted or dropped.fronted):
            return "own_inverted"
        return "verb"
    if (head in _NL_COMPLEMENTS or head in _PREPOSITIONS["nl"] or head.endswith(_NL_ADJ_SUFFIXES)
            or (head.startswith("on") and len(head) > 4)
            or (head.startswith("ge") and head.endswith(("d", "t")) and len(head) > 5)):
        return "complement"
    return "unknown"


def _subject_first(clause: str) -> str:
    """A Dutch verb-first ``clause`` in subject-verb order: "mist ze deadlines" -> "ze mist deadlines"."""
    verb, _, rest = clause.partition(" ")
    words_ = rest.split(" ")
    size = 2 if _lower(words_[0]) in _DETERMINERS["nl"] and len(words_) > 1 else 1
    subject, remainder = " ".join(words_[:size]), " ".join(words_[size:])
    return f"{subject} {verb} {remainder}".strip()


def _is_situation(text: str) -> bool:
    hits = find_terms(text, "situation")
    return bool(hits) and hits[0].start == 0 and hits[-1].end >= len(text.rstrip(" ,"))


def _rejoin(dropped: _Dropped, clause: str, lang: Language, grammar: Language, *, at_start: bool,
            linked: bool) -> str:
    """``clause`` with what it needs from the ``dropped`` clause before it, or with a marked gap.

    ``linked``: the two were joined by "and" or a comma (not ";"), so a fronted part of the
    dropped clause ("Yesterday", "In de demo") also belongs to ``clause``.
    """
    kind = _classify(clause, grammar, dropped)
    continuing = not at_start and not dropped.subject  # the clause goes on with the earlier subject
    if kind == "own":
        if linked and grammar == "en" and dropped.lead and _is_situation(dropped.lead):
            return f"{dropped.lead} {clause}"
        return clause
    if kind == "own_inverted":
        if linked and dropped.lead:
            return f"{dropped.lead} {clause}"
        return _subject_first(clause)
    if continuing:
        return clause
    if kind == "verb":
        if grammar == "nl" and dropped.inverted and dropped.lead and dropped.subject:
            verb, _, rest = clause.partition(" ")
            return f"{dropped.lead} {verb} {dropped.subject} {rest}".strip()
        if dropped.verbal or dropped.subject:
            return f"{dropped.verbal or dropped.subject} {clause}"
        return f"{t('feedback.offline.gap.subject', lang)} {clause}"
    if kind == "complement" and dropped.copular:
        return f"{dropped.copular} {clause}"
    if dropped.subject and not dropped.inverted:
        return f"{dropped.verbal or dropped.subject} {t('feedback.offline.gap.what', lang)} {clause}"
    return f"{t('feedback.offline.gap.what', lang)} {clause}"


def _clean_clause(clause: str, lang: Language) -> str:
    """``clause`` with absolutes cut or marked as gaps (right to left, so offsets stay valid)."""
    for hit in reversed(find_terms(clause, "absolute")):
        if _NEGATING.match(hit.words):
            clause = clause[: hit.start] + t("feedback.offline.gap.occasions", lang, w=hit.words) + clause[hit.end :]
        elif _SWEEPING.match(hit.words):
            clause = clause[: hit.start] + t("feedback.offline.gap.who", lang, w=hit.words) + clause[hit.end :]
        else:
            clause = clause[: hit.start] + clause[hit.end :]
    return " ".join(clause.split())


def _clause_list(sentence: str, lang: Language) -> list[tuple[str, str, list[Hit]]]:
    """``(separator, clause, offending hits)`` of ``sentence``; a clause that is only a situation
    ("Yesterday, he was rude") is joined to a following dropped clause, whose lead it is."""
    parts = _CLAUSE_SPLIT.split(sentence)
    items = [(sep, clause, [h for h in offending_hits(clause, lang, LANGUAGES) if h.category != "absolute"])
             for sep, clause in zip(["", *parts[1::2]], parts[0::2], strict=True)]
    merged: list[tuple[str, str, list[Hit]]] = []
    for sep, clause, bad in items:
        if merged and bad and not merged[-1][2] and "," in sep and _is_situation(merged[-1][1]):
            lead_sep, lead, _ = merged.pop()
            joined = lead + sep + clause
            clause, bad = joined, [h for h in offending_hits(joined, lang, LANGUAGES) if h.category != "absolute"]
            sep = lead_sep
        merged.append((sep, clause, bad))
    return merged


def _clean(sentence: str, lang: Language, grammar: Language) -> tuple[str | None, list[str]]:
    """The cleaned sentence (None when nothing observable is left) and the subjects of the
    dropped personality-label clauses (the person the notes are about)."""
    kept: list[str] = []
    dropped: tuple[str, _Dropped] | None = None  # separator and analysis of the first dropped clause in a run
    labelled: list[str] = []
    for separator, clause, bad in _clause_list(sentence, lang):
        if bad:
            analysis = _analyse_dropped(clause, bad[0], grammar)
            if any(h.category == "personality_label" for h in bad) and analysis.subject:
                labelled.append(analysis.subject)
            dropped = dropped or (separator, analysis)
            continue
        cleaned = _clean_clause(clause, lang).strip(" ,;:")
        conjunction = _LEADING_CONJUNCTION.match(cleaned)
        joiner = conjunction.group() if conjunction else ""
        cleaned = cleaned[len(joiner) :]
        if not cleaned:
            continue
        if dropped is not None:
            dropped_separator, analysis = dropped
            linked = not re.search(r"[;:]", separator)
            cleaned = _rejoin(analysis, cleaned, lang, grammar, at_start=not kept, linked=linked)
            if kept and analysis.subject:  # a new subject: it goes where the dropped clause began
                separator = dropped_separator
            dropped = None
        if not kept:  # "..., and he was late": the clause now opens the sentence
            joiner = ""
        kept.append((separator if kept else "") + joiner + cleaned)
    if not kept:
        return None, labelled
    text = "".join(kept).strip(" ,;:")
    text = text[0].upper() + text[1:]
    return (text if text[-1] in ".!?" else text + "."), labelled


# --- addressing the recipient --------------------------------------------------------------------

def _name_tokens(names: Iterable[str]) -> set[str]:
    return {t for n in names for t in n.split()[:1] if t[:1].isupper()}


def _other_names(notes: str, names: set[str], grammar: Language) -> bool:
    """True when the notes name someone (or something) other than the recipient."""
    known = STOPWORDS["en"] | STOPWORDS["nl"] | _CALENDAR
    for sentence in sentences(strip_placeholders(notes)):
        toks = [t for t in _tokens(sentence) if _is_word(t)]
        for i, tok in enumerate(toks):
            base = re.sub(r"['’]s?$", "", tok)
            if not tok[:1].isupper() or base in names or base.lower() in known:
                continue  # lower case, the recipient, a weekday or month, or a capitalised "He"
            if i > 0:
                return True
            if (len(toks) > 1 and toks[1].islower()
                    and _finite(_lower(toks[1]), grammar)
                    and not (grammar == "nl" and len(toks) > 2 and _lower(toks[2]) in _SUBJECT_PRONOUNS["nl"])
                    and not any(h.start == 0 for h in find_terms(sentence, "situation"))):
                return True  # "Pieter said ...", but not "Vandaag was hij ..."
    return False


def _leading_situation_end(sentence: str) -> int:
    hits = find_terms(sentence, "situation")
    if not hits or hits[0].start != 0:
        return 0
    phrase = _situation_phrase(sentence, hits[0])
    return len(phrase) if phrase else 0


def _address_sentence(sentence: str, family: str | None, names: set[str], grammar: Language) -> str | None:
    """``sentence`` with the recipient as "you"/"je", or None when one mention cannot be swapped."""
    matches = list(_TOKEN.finditer(sentence))
    toks = [m.group() for m in matches]
    low = [_lower(t) for t in toks]
    forms = _FAMILIES[grammar].get(family or "", frozenset())
    subject_forms = _SUBJECT_FORM.get(family or "", frozenset())
    situation_end = _leading_situation_end(sentence)
    replace: dict[int, str] = {}
    for i, tok in enumerate(toks):
        word = low[i]
        is_name = tok in names
        if not is_name and any(tok.startswith(n + q) for n in names for q in "'’"):
            return None  # "Jonas's"
        if grammar == "nl" and word in _set("zijn zich zichzelf hun hen"):
            return None  # a possessive or reflexive that may or may not be the recipient's
        if not is_name and word not in forms:
            continue
        if not is_name and word not in subject_forms:
            if grammar == "en" and word.endswith(("'ll", "'d")) and word.split("'")[0] in subject_forms:
                replace[i] = ("You" if i == 0 else "you") + tok[len(word.split("'")[0]) :]
                continue
            return None  # him, his, her, their, hem, haar, he's: not a safe swap
        prev = low[i - 1] if i > 0 else None
        at_start = (prev is None or prev in _COORDINATORS[grammar] or prev == ","
                    or (grammar == "en" and situation_end > 0 and matches[i].start() >= situation_end
                        and all(m.end() <= situation_end or m.group() == "," for m in matches[:i])))
        if grammar == "en":
            if (is_name or word == "they") and not at_start:
                return None
            j = i + 1
            while j < len(toks) and (low[j] in _ADVERBS["en"] or _is_placeholder(toks[j])):
                j += 1
            if j >= len(toks) or not _is_word(toks[j]):
                return None
            if j < len(toks) and toks[j][:1].isupper():
                return None  # a surname or another name follows
            verb = low[j]
            if word != "they":
                if _en_past_or_modal(verb):
                    pass
                elif (base := _en_base(verb)) is not None:
                    replace[j] = base.replace("'", "’") if "’" in toks[j] else base
                else:
                    return None
            elif not (_en_finite(verb) or verb in _set("are were have do")):
                return None
        else:
            if at_start and i + 1 < len(toks):
                verb = low[i + 1]
                if not _is_word(toks[i + 1]) or (verb.endswith("en") and len(verb) > 3):
                    return None
                if not (_nl_finite(verb) or verb.endswith("t")):
                    return None
                if verb in _NL_NORMAL_2SG:
                    replace[i + 1] = _NL_NORMAL_2SG[verb]
            elif prev is not None and _nl_past(prev):
                pass
            elif prev is not None and prev in _NL_PRESENT_INVERTED and word == "hij":
                replace[i - 1] = _NL_PRESENT_INVERTED[prev]
            else:
                return None
        replace[i] = ("You" if grammar == "en" else "Je") if i == 0 else ("you" if grammar == "en" else "je")
    out = sentence
    for i in sorted(replace, reverse=True):
        out = out[: matches[i].start()] + replace[i] + out[matches[i].end() :]
    return out


def address_recipient(texts: list[str], notes: str, grammar: Language, names: Iterable[str], *,
                      certain: bool = True) -> list[str]:
    """``texts`` (cleaned sentences of ``notes``) in the second person when that is a safe swap
    for every one of them, else unchanged.

    Safe: the notes do not already say "you"; they refer to one person with one set of
    pronouns, name nobody else, and every mention in ``texts`` is a subject ("he", "she", a
    sentence-initial "they", the recipient's ``names``) with a verb whose form is known.
    ``certain``: the names are the recipient's (from the profile), not a guess from the notes,
    so other names in the notes do not matter as long as no pronoun could point at them.
    """
    vocabulary = set(words(notes))
    if vocabulary & _SECOND_PERSON[grammar]:
        return texts
    families = [f for f, forms in _FAMILIES[grammar].items() if vocabulary & forms]
    if len(families) > 1:
        return texts
    family = families[0] if families else None
    present = {n for n in _name_tokens(names) if re.search(rf"(?<!\w){re.escape(n)}(?!\w)", notes)}
    if family is None and not present:
        return texts
    if family == "hun" or ((family or not certain) and _other_names(notes, present, grammar)):
        return texts
    if family == "they" and (present or _PLURAL_HINT.search(notes)):
        return texts
    swapped: list[str] = []
    for text in texts:
        new = _address_sentence(text, family, present, grammar)
        if new is None:
            return texts
        swapped.append(new)
    return swapped


# --- situation, behaviour, impact ------------------------------------------------------------------

def _situation_phrase(sentence: str, hit: Hit) -> str | None:
    """The situation ``hit`` as a phrase: a bare marker ("During", "Tijdens") is extended to the
    phrase it introduces ("Tijdens de sprintdemo van dinsdag"), or None when its end is unclear."""
    if hit.words.lower() not in _SITUATION_MARKERS:
        return sentence[hit.start : hit.end]
    tail = list(_TOKEN.finditer(sentence, hit.end))
    if hit.words.lower() == "toen" and tail and tail[0].group().islower() and _nl_finite(tail[0].group()):
        return None  # "Toen kwam hij": "then", not "when ..."
    stop = next((k for k, m in enumerate(tail) if m.group() in (".", ";", ":", "!", "?")), len(tail))
    tail = tail[:stop]
    closed = _DETERMINERS["en"] | _DETERMINERS["nl"] | _PREPOSITIONS["en"] | _PREPOSITIONS["nl"]
    conjunctions = _COORDINATORS["en"] | _COORDINATORS["nl"]
    subjects = _SUBJECT_PRONOUNS["en"] | _SUBJECT_PRONOUNS["nl"]

    def starts_subject(k: int) -> bool:
        if k >= len(tail) or not _is_word(tail[k].group()):
            return False
        tok = tail[k].group()
        return (_lower(tok) in subjects or _lower(tok) in _DETERMINERS["en"] | _DETERMINERS["nl"]
                or (tok[:1].isupper() and tok.lower() not in _CALENDAR))

    for n in range(1, min(len(tail), 9) + 1):
        last = tail[n - 1].group()
        if not _is_word(last) or _lower(last) in closed or _lower(last) in conjunctions:
            if last == ",":
                break
            continue
        if any(not _is_word(m.group()) and m.group() not in "-'’" for m in tail[: n - 1]):
            break
        end = tail[n - 1].end()
        phrase = sentence[hit.start : end]
        if n == len(tail) or tail[n].group() == "," or _lower(tail[n].group()) in conjunctions:
            return phrase
        if hit.words.lower() == "during" and starts_subject(n):
            return phrase
        if hit.words.lower() == "tijdens" and _is_word(tail[n].group()) and tail[n].group().islower() \
                and _lower(tail[n].group()) not in closed | conjunctions and starts_subject(n + 1):
            return phrase
    return None


def _situations(sentence: str, languages: list[Language]) -> str | None:
    """The situation phrases of ``sentence``, adjacent ones merged, in the author's words."""
    spans: list[tuple[int, int]] = []
    for hit in find_terms(sentence, "situation", languages):
        phrase = _situation_phrase(sentence, hit)
        if not phrase:
            continue
        start, end = hit.start, hit.start + len(phrase)
        if spans and re.fullmatch(r"\s*(?:(?:van|of|on|op|in|at)\s+)?", sentence[spans[-1][1] : start]):
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        elif not spans or start >= spans[-1][1]:
            spans.append((start, end))
    return "; ".join(sentence[a:b].strip(" ,") for a, b in spans) or None


def split_sbi(sentence: str, languages: list[Language]) -> tuple[str | None, str | None, str | None]:
    """``(situation, behaviour, impact)`` words of one sentence, each None when absent.

    The impact runs from the first impact marker ("which meant", "waardoor") to the end; the
    behaviour is what comes before it; the situation is the marked phrase ("during the demo"),
    never a bare marker word.
    """
    impact_hits = find_terms(sentence, "impact", languages)
    cut = impact_hits[0].start if impact_hits else len(sentence)
    before = sentence[:cut].strip(" ,;:.")
    impact = sentence[cut:].strip() or None
    return _situations(before, languages), before or None, impact


# --- the draft -------------------------------------------------------------------------------------

def infer_intent(text: str, language: Language) -> Intent:
    """``mixed`` when the notes hold both appreciation and criticism, else the one they hold."""
    langs = text_languages(text, language)
    positive = negative = False
    for sentence in sentences(text):
        praise = has_term(sentence, "positive", langs) or has_term(sentence, "vague_praise", langs)
        critical = has_term(sentence, "negative", langs) or any(
            h.category in ("personality_label", "absolute") for h in offending_hits(sentence, language)
        )
        positive |= praise and not critical
        negative |= critical
    if positive and negative:
        return "mixed"
    return "praise" if positive else "constructive"


def draft_feedback(request: FeedbackRequest, evidence: Evidence) -> FeedbackDraft:
    """A balanced SBI phrasing of ``request.text`` in ``evidence.language``, addressed to the
    recipient where that is safe; deterministic, invents nothing."""
    lang = evidence.language
    text = request.text
    langs = text_languages(text, lang)
    grammar = detect(text) or lang
    issues = lint_feedback_text(text, lang)
    intent: Intent = request.intent or infer_intent(text, lang)
    rows: list[tuple[str, str]] = []  # (original, cleaned)
    situations: list[str] = []
    behaviours: list[str] = []
    impacts: list[str] = []
    labelled: list[str] = []
    for original in sentences(text):
        cleaned, subjects = _clean(original, lang, grammar)
        labelled += subjects
        if cleaned is None:
            continue
        rows.append((original, cleaned))
        situation, behaviour, impact = split_sbi(cleaned, langs)
        situations += [situation] if situation else []
        behaviours += [behaviour] if behaviour else []
        impacts += [impact] if impact else []
    has_situation = bool(situations) or any(_situations(c, langs) for _, c in rows)
    has_impact = has_term(" ".join(c for _, c in rows), "impact", langs)

    names, certain = _recipient_names(evidence, text, labelled)
    parts = address_recipient([c for _, c in rows], text, grammar, names, certain=certain)
    parts = parts or [t("feedback.offline.gap.behaviour", lang)]
    if not has_situation:
        parts.insert(0, t("feedback.offline.gap.situation", lang))
    if not has_impact:
        parts.append(t("feedback.offline.gap.impact", lang))
    rewrite = " ".join([*parts, t(f"feedback.offline.closing.{intent}", lang)])

    strengths, growth = _balance(rows, intent, langs, lang)
    return FeedbackDraft(
        issues=issues,
        sbi=SBIParts(
            situation=_join(situations),
            behaviour=_join(behaviours),
            impact=_join(impacts) if has_impact else None,
        ),
        rewrite=rewrite[:3000],
        questions=_questions(has_situation, has_impact, issues, lang),
        strengths=strengths,
        growth_areas=growth,
    )


def _recipient_names(evidence: Evidence, notes: str, labelled: list[str]) -> tuple[list[str], bool]:
    """The recipient's name as the notes may write it, and whether that is certain: from the
    profile when the notes use it, else (a guess) the named subject of a personality label
    ("Jonas is lazy")."""
    if evidence.subject is not None:
        first = evidence.subject.name.split()[0] if evidence.subject.name.split() else ""
        if first and re.search(rf"(?<!\w){re.escape(first)}(?!\w)", notes):
            return [first], True
    names = {n for n in labelled if n[:1].isupper() and _lower(n) not in _SUBJECT_PRONOUNS["en"]
             | _SUBJECT_PRONOUNS["nl"]}
    return (sorted(names) if len(names) == 1 else []), False


def _join(texts: list[str]) -> str | None:
    return "; ".join(texts)[:600] or None


def _balance(
    rows: list[tuple[str, str]], intent: Intent, langs: list[Language], lang: Language
) -> tuple[list[str], list[str]]:
    praise = [c for o, c in rows if has_term(o, "positive", langs) and not has_term(o, "negative", langs)]
    other = [c for _, c in rows if c not in praise]
    if intent == "praise":
        strengths, growth = [c for _, c in rows], []
    elif intent == "constructive":
        strengths, growth = [], [c for _, c in rows]
    else:
        strengths, growth = praise, other
    if intent != "constructive" and not strengths:
        strengths = [t("feedback.offline.gap.strength", lang)]
    if intent != "praise" and not growth:
        growth = [t("feedback.offline.gap.growth", lang)]
    return [s[:300] for s in strengths[:5]], [g[:300] for g in growth[:5]]


def _questions(has_situation: bool, has_impact: bool, issues: list[FeedbackIssue], lang: Language) -> list[str]:
    questions: list[str] = []
    if not has_situation:
        questions.append(t(SITUATION_QUESTION, lang))
    if not has_impact:
        questions.append(t(IMPACT_QUESTION, lang))
    label = next((i.words for i in issues if i.kind == "personality_label"), None)
    if label:
        questions.append(t("feedback.offline.question.label", lang, w=label))
    if any(i.kind == "absolute" for i in issues):
        questions.append(t("feedback.offline.question.absolute", lang))
    if any(i.kind == "vague" for i in issues):
        questions.append(t("feedback.offline.question.vague", lang))
    return questions[:6]
