"""The little English and Dutch grammar the offline feedback cleaning needs.

Word lists, tokens and finite verbs.

Deliberately small: a word that is not listed makes the cleaning fall back to the author's
clause with a marked gap (or keeps the third person), never to a guess.
"""

from __future__ import annotations

import re

from agent.lexicon import Hit
from agent.schemas import Language

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


def _situation_phrase(sentence: str, hit: Hit) -> str | None:
    """The situation ``hit`` as a whole phrase, or None when its end is unclear.

    The situation ``hit`` as a phrase: a bare marker ("During", "Tijdens") is extended to the
    phrase it introduces ("Tijdens de sprintdemo van dinsdag"), or None when its end is unclear.
    """
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
