"""English and Dutch word lists behind the checks and the offline drafter.

Every term is a small regular expression, matched case-insensitively on word boundaries
(``never`` does not match ``nevertheless``; ``lui`` does not match ``luister``). Dutch
adjectives list their inflected forms (``lui``/``luie``, ``slordig``/``slordige``). A term may
contain a named group ``w``: then only that group is reported as the offending words, while the
rest of the pattern is context (``is difficult`` flags ``difficult``, ``a difficult project``
does not).

The lists favour precision over recall: a check that fires on harmless text sends the model
into pointless revise rounds, so ambiguous words are only listed in the contexts that make
them a problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Literal

from agent.schemas import Language
from knowledge.i18n import match_key

Category = Literal[
    "absolute",
    "personality_label",
    "vague_praise",
    "protected_attribute",
    "situation",
    "impact",
    "impact_claim",
    "purpose",
    "deadline",
    "relative_time",
    "metric",
    "baseline",
    "positive",
    "negative",
]
"""What a term signals. ``impact_claim`` is the subset of ``impact`` that asserts an effect
happened (``which meant``), as opposed to a purpose (``so that``)."""

LANGUAGES: tuple[Language, ...] = ("en", "nl")

# --- term lists -------------------------------------------------------------------------------
# Each entry: (group, regex). The group names the sub-kind (only used for protected attributes).

_APOS = "['’]"
_WEEKDAYS_EN = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_WEEKDAYS_NL = r"(?:maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag)"
_MONTHS_EN = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)
_MONTHS_NL = (
    "januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
    "oktober", "november", "december",
)
_MONTH_ABBR = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_ABBR_NL = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
_EVENTS_EN = (
    r"(?:meeting|stand-?up|retro(?:spective)?|review|demo|call|workshop|presentation|session|"
    r"planning|sprint|1-on-1|one-on-one|kick-?off|offsite|training|conference|interview|"
    r"visit|pitch)s?"
    r"(?:\s+(?:on|of)\s+(?:" + _WEEKDAYS_EN + r"|\d{1,2}(?:st|nd|rd|th)?\s+[a-z]+|[a-z]+\s+\d{1,2}))?"
)
_EVENTS_NL = (
    r"(?:overleg|vergadering|stand-?up|retro(?:spectieve)?|review|demo|presentatie|sessie|"
    r"planning|sprint|workshop|training|gesprek|call|klantafspraak|afspraak|kick-?off|"
    r"heidag|pitch|bijeenkomst)(?:en|s)?"
    r"(?:\s+(?:van|op)\s+(?:" + _WEEKDAYS_NL + r"|\d{1,2}\s+[a-z]+))?"
)

_EN_PERSON = (r"(?:\b(?:he|she|they|you|who)(?:" + _APOS + r"s|" + _APOS + r"re|\s+(?:is|are|was|were|can\s+be|"
              r"seems?))\s+(?:so\s+|very\s+|really\s+|quite\s+|a\s+bit\s+|too\s+)?)")
"""Context that makes an adjective a judgement of a person: "she is (so) ..."."""
_NL_PERSON = (r"(?:\b(?:hij|zij|ze|je|jij|die)\s+(?:is|was|bent|kan\s+zijn)\s+"
              r"(?:zo\s+|erg\s+|heel\s+|nogal\s+|best\s+|echt\s+|te\s+)?)")
"""Dutch counterpart of ``_EN_PERSON``: "hij is (zo) ..."."""

_TERMS: dict[Category, dict[Language, list[tuple[str, str]]]] = {
    "absolute": {
        "en": [
            ("", r"always"), ("", r"never(?:\s+ever)?"), ("", r"constantly"), ("", r"continually"),
            ("", r"continuously"), ("", r"every\s+(?:single\s+)?time"), ("", r"all\s+the\s+time"),
            ("", r"nobody"), ("", r"no[\s-]one"), ("", r"everyone"), ("", r"everybody"),
            ("", r"not\s+once"), ("", r"each\s+and\s+every"), ("", r"without\s+exception"),
        ],
        "nl": [
            ("", r"altijd(?:\s+weer)?"), ("", r"nooit(?:\s+eens)?"), ("", r"steeds(?:\s+weer)?"),
            ("", r"telkens(?:\s+weer)?"), ("", r"iedereen"), ("", r"niemand"), ("", r"continu"),
            ("", r"constant"), ("", r"voortdurend"), ("", r"(?:elke|iedere)\s+keer"),
            ("", r"de\s+hele\s+tijd"), ("", r"geen\s+enkele\s+keer"), ("", r"keer\s+op\s+keer"),
        ],
    },
    "personality_label": {
        "en": [
            ("", r"lazy"), ("", r"laziness"), ("", r"arrogan(?:t|ce)"), ("", r"bossy"),
            ("", r"abrasive"), ("", r"(?:over-?)?emotional(?!\s+intelligence)"),
            ("", r"aggressive"), ("", r"passive(?:[\s-]aggressive)?"), ("", r"sloppy"),
            ("", r"disorgani[sz]ed"), ("", r"chaotic"), ("", r"(?:negative|bad|poor)\s+attitude"),
            ("", r"attitude\s+problem"), ("", r"not\s+a\s+team\s+player"), ("", r"rude"),
            ("", r"careless"), ("", r"stubborn"), ("", r"selfish"), ("", r"incompetent"),
            ("", r"unprofessional"), ("", r"hysterical"), ("", r"drama\s+queen"),
            ("", r"moody"), ("", r"toxic"), ("", _EN_PERSON + r"(?P<w>annoying)"), ("", r"useless"),
            ("", r"clueless"), ("", r"pushy"), ("", r"whiny"), ("", r"hot-?headed"),
            ("", r"uncooperative"), ("", r"unmotivated"), ("", r"unreliable"),
            ("", r"know-it-all"), ("", r"slacker"),
            ("", r"(?:\b(?:is|are|was|being|so|very|really|too|quite|such\s+a|a)\s+)(?P<w>difficult)"
                 r"(?!\s+(?:project|task|topic|problem|situation|question|decision|period|time|"
                 r"quarter|client|customer|conversation))"),
            ("", r"(?:\b(?:is|are|was|being|so|very|really|too|quite|always)\s+)(?P<w>negative)"),
        ],
        "nl": [
            ("", r"lui(?:e|er|ste)?"), ("", r"luiheid"), ("", r"arrogant(?:e|er|ie)?"),
            ("", r"bazig(?:e|er)?"), ("", r"emotione(?:el|le|ler)"), ("", r"agressie(?:f|ve)"),
            ("", r"slordig(?:e|er|heid)?"), ("", r"chaotisch(?:e)?"), ("", r"geen\s+teamspeler"),
            ("", r"onbeleefd(?:e)?"), ("", r"brutaal|brutale"), ("", r"koppig(?:e)?"),
            ("", r"ego[iï]stisch(?:e)?"), ("", r"incompetent(?:e)?"),
            ("", r"onprofessione(?:el|le)"), ("", r"hysterisch(?:e)?"), ("", r"passie(?:f|ve)"),
            ("", r"humeurig(?:e)?"), ("", r"ongeorganiseerd(?:e)?"), ("", r"onverschillig(?:e)?"),
            ("", r"betweterig(?:e)?|betweter"), ("", _NL_PERSON + r"(?P<w>irritant|vervelend)"),
            ("", r"(?:irritante|vervelende)\s+(?:collega|persoon|medewerker|man|vrouw)"),
            ("", r"onbetrouwbaar|onbetrouwbare"), ("", r"ongemotiveerd(?:e)?"), ("", r"drammerig(?:e)?"),
            ("", r"negatieve\s+(?:houding|instelling|persoon|collega|medewerker)"),
            ("", r"(?:\b(?:is|was|zijn|zo|erg|heel|nogal|best|echt|te|vaak|altijd)\s+)(?P<w>negatief)"),
            ("", _NL_PERSON + r"(?P<w>lastig)"),
            ("", r"lastige\s+(?:collega|persoon|medewerker|man|vrouw)"),
        ],
    },
    "vague_praise": {
        "en": [
            ("", r"(?:great|good|nice|excellent|awesome)\s+(?:job|work|stuff)"), ("", r"well\s+done"),
            ("", r"nice"), ("", r"great(?!\s+deal)"), ("", r"amazing"), ("", r"awesome"), ("", r"fantastic"),
            ("", r"excellent"), ("", r"brilliant"), ("", r"superb"), ("", r"outstanding"),
            ("", r"keep\s+it\s+up"), ("", r"keep\s+up\s+the\s+good\s+work"), ("", r"you\s+rock"),
        ],
        "nl": [
            ("", r"goed\s+(?:gedaan|bezig|werk)"), ("", r"lekker\s+bezig"), ("", r"top(?:per|pie)?"),
            ("", r"prima"), ("", r"super"), ("", r"leuk(?:e)?"), ("", r"geweldig(?:e)?"),
            ("", r"fantastisch(?:e)?"), ("", r"uitstekend(?:e)?"), ("", r"knap(?:\s+gedaan)?"),
            ("", r"ga\s+zo\s+door"), ("", r"netjes"), ("", r"mooi\s+(?:werk|gedaan)"),
            ("", r"klasse"),
        ],
    },
    "protected_attribute": {
        "en": [
            ("age", r"(?:too\s+)?(?:young|old)(?:er)?\s+(?:man|woman|men|women|guy|lady|girl|boy|"
                    r"colleague|person|people|employee|worker)s?"),
            ("age", r"too\s+(?:old|young)"), ("age", r"young(?:er|est)?"),
            ("age", r"(?:\b(?:is|are|was|so|very|quite|rather|bit|getting)\s+)(?P<w>old(?:er)?)"),
            ("age", r"(?:at|for)\s+(?:his|her|their|your)\s+age"), ("age", r"age(?:d|ing)?"),
            ("age", r"(?:baby\s+)?boomers?"), ("age", r"millennials?"), ("age", r"gen(?:eration)?[\s-]?z"),
            ("age", r"\d{2}[\s-]?(?:years?|yrs?)[\s-]?old"), ("age", r"over\s+the\s+hill"),
            ("gender", r"(?:as|for)\s+a\s+(?:woman|man|girl|guy|lady|mother|mom|mum|father|dad)"),
            ("gender", r"(?:he|she)(?:" + _APOS + r"s|\s+is)\s+a\s+(?:woman|man|girl|guy|lady)"),
            ("gender", r"like\s+a\s+girl"), ("gender", r"(?:women|men|girls|guys)\s+are"),
            ("gender", r"typical(?:ly)?\s+(?:female|male|woman|man|women|men)"),
            ("gender", r"female"), ("gender", r"male"), ("gender", r"gender"),
            ("gender", r"feminine"), ("gender", r"masculine"),
            ("pregnancy", r"pregnan(?:t|cy)"), ("pregnancy", r"maternity(?:\s+leave)?"),
            ("pregnancy", r"paternity(?:\s+leave)?"), ("pregnancy", r"parental\s+leave"),
            ("pregnancy", r"expecting\s+a\s+baby"),
            ("ethnicity", r"ethnic(?:ity)?"), ("ethnicity", r"racial"),
            ("ethnicity", r"race(?!\s+(?:conditions?|against))"), ("ethnicity", r"accent"),
            ("ethnicity", r"nationality"), ("ethnicity", r"foreign(?:er|ers)"),
            ("ethnicity", r"immigrants?"), ("ethnicity", r"skin\s+colou?r"),
            ("ethnicity", r"(?:migration|migrant|cultural|ethnic)\s+background"),
            ("religion", r"religio(?:n|us)"), ("religion", r"head\s?scar(?:f|ves)"),
            ("religion", r"hijab"), ("religion", r"muslims?"), ("religion", r"islam(?:ic)?"),
            ("religion", r"christians?|christianity"), ("religion", r"jew(?:s|ish)?"),
            ("religion", r"hindus?"), ("religion", r"buddhists?"), ("religion", r"ramadan"),
            ("religion", r"pray(?:s|ing|ers?)?"),
            ("health", r"sick(?:ness|ly)?"), ("health", r"illness(?:es)?"),
            ("health", r"disab(?:led|ility|ilities)"), ("health", r"handicap(?:ped)?"),
            ("health", r"burn(?:ed|t)?[\s-]?out"), ("health", r"depress(?:ed|ion)"),
            ("health", r"anxiety"), ("health", r"adhd"), ("health", r"autis(?:m|tic)"),
            ("health", r"cancer"), ("health", r"medical"), ("health", r"mental\s+health"),
            ("health", r"chronic(?:ally)?"), ("health", r"therap(?:y|ist)"),
            ("health", r"diagnos(?:is|ed)"), ("health", r"medication"),
            ("orientation", r"gay"), ("orientation", r"lesbian"), ("orientation", r"homosexual"),
            ("orientation", r"transgender"),
        ],
        "nl": [
            ("age", r"leeftijd"), ("age", r"jong(?:e|er|ere|ste)?"), ("age", r"te\s+oud"),
            ("age", r"(?:\b(?:is|zijn|was|erg|heel|vrij|best|wat|nogal|al)\s+)(?P<w>oud(?:er)?)"),
            ("age", r"oude\s+(?:man|vrouw|collega|medewerker|rot)"),
            ("age", r"op\s+(?:zijn|haar|die|jouw|je)\s+leeftijd"),
            ("age", r"(?:baby)?boomers?"), ("age", r"millennials?"), ("age", r"generatie\s+z"),
            ("age", r"\d{2}[\s-]?jarige?n?"),
            ("gender", r"als\s+(?:vrouw|man|moeder|vader|meisje|meid)"),
            ("gender", r"voor\s+een\s+(?:vrouw|man|meisje|meid)"),
            ("gender", r"(?:hij|zij|ze)\s+is\s+(?:nu\s+eenmaal\s+)?een\s+(?:vrouw|man|meid|meisje|kerel)"),
            ("gender", r"(?:vrouwen|mannen|meiden)\s+zijn"),
            ("gender", r"typisch\s+(?:vrouw(?:elijk)?|man(?:nelijk)?|vrouwen|mannen)"),
            ("gender", r"vrouwelijke?"), ("gender", r"mannelijke?"), ("gender", r"geslacht"),
            ("gender", r"gender"),
            ("pregnancy", r"zwanger(?:e|schap)?"), ("pregnancy", r"zwangerschaps\w+"),
            ("pregnancy", r"bevallingsverlof"), ("pregnancy", r"ouderschapsverlof"),
            ("pregnancy", r"in\s+verwachting"), ("pregnancy", r"kinderwens"),
            ("ethnicity", r"etnisch(?:e)?|etniciteit"), ("ethnicity", r"afkomst"),
            ("ethnicity", r"accent"), ("ethnicity", r"nationaliteit"),
            ("ethnicity", r"buitenlands(?:e)?|buitenlanders?"), ("ethnicity", r"allochto(?:on|ne|nen)"),
            ("ethnicity", r"migratieachtergrond"), ("ethnicity", r"huidskleur"), ("ethnicity", r"ras"),
            ("religion", r"religie"), ("religion", r"(?:zijn|haar|hun|het|diens)\s+geloof"),
            ("religion", r"geloofsovertuiging"), ("religion", r"gelovig(?:e)?"),
            ("religion", r"hoofddoek(?:je|jes|en)?"), ("religion", r"moslims?"),
            ("religion", r"islam(?:itisch(?:e)?)?"), ("religion", r"christen(?:en|elijk(?:e)?)?"),
            ("religion", r"jood|joden|joods(?:e)?"), ("religion", r"hindoes?"),
            ("religion", r"ramadan"), ("religion", r"bidt|bidden"),
            ("health", r"ziek(?:e|er|te|tes|gemeld|melding)?"), ("health", r"ziekte\w*"),
            ("health", r"handicap"), ("health", r"gehandicapt(?:e)?"), ("health", r"beperking(?:en)?"),
            ("health", r"burn-?out"), ("health", r"overspannen(?:heid)?"),
            ("health", r"depressi(?:e|ef|eve)"), ("health", r"angststoornis"), ("health", r"adhd"),
            ("health", r"autis(?:me|tisch(?:e)?)"), ("health", r"kanker"), ("health", r"medisch(?:e)?"),
            ("health", r"psychisch(?:e)?"), ("health", r"chronisch(?:e)?"), ("health", r"therapie"),
            ("health", r"diagnose"), ("health", r"medicijnen|medicatie"), ("health", r"verzuim"),
            ("orientation", r"homo(?:seksue(?:el|le))?"), ("orientation", r"lesbisch(?:e)?|lesbienne"),
            ("orientation", r"transgender"),
        ],
    },
    "situation": {
        "en": [
            ("", r"during"),
            ("", r"(?:in|at|during)\s+(?:the|our|this|that|last|yesterday" + _APOS + r"s|today" + _APOS
                 + r"s|\w+day" + _APOS + r"s)\s+(?:[\w-]+\s+){0,2}" + _EVENTS_EN),
            ("", r"(?:on|last|this|next)\s+" + _WEEKDAYS_EN), ("", _WEEKDAYS_EN + _APOS + "s"),
            ("", r"(?:last|this)\s+(?:week|month|quarter|sprint)"), ("", r"yesterday"),
            ("", r"this\s+(?:morning|afternoon)"), ("", r"earlier\s+today"), ("", r"today"),
            ("", r"\w+\s+(?:days?|weeks?|months?)\s+ago"),
            ("", r"on\s+\d{1,2}(?:st|nd|rd|th)?\s+(?:" + "|".join(_MONTHS_EN) + ")"),
            ("", r"on\s+(?:" + "|".join(_MONTHS_EN) + r")\s+\d{1,2}"),
        ],
        "nl": [
            ("", r"tijdens"),
            ("", r"(?:in|bij|op|tijdens)\s+(?:de|het|onze|ons|deze|die|dat|vorige|de\s+vorige|het\s+vorige)"
                 r"\s+(?:[\w-]+\s+){0,2}" + _EVENTS_NL),
            ("", r"(?:op|afgelopen|vorige)\s+" + _WEEKDAYS_NL),
            ("", r"(?:vorige|afgelopen|deze)\s+(?:week|maand|sprint|kwartaal)"), ("", r"gisteren"),
            ("", r"eergisteren"), ("", r"vandaag"), ("", r"vanochtend"), ("", r"vanmorgen"),
            ("", r"vanmiddag"), ("", r"\w+\s+(?:dagen|weken|maanden)\s+geleden"), ("", r"toen"),
            ("", r"op\s+\d{1,2}\s+(?:" + "|".join(_MONTHS_NL) + ")"),
        ],
    },
    "impact": {
        "en": [
            ("", r"(?:which|that|this|it)\s+meant"), ("", r"as\s+a\s+result"), ("", r"so\s+that"),
            ("", r"the\s+(?:effect|impact|result|consequence)"), ("", r"result(?:ed|ing)?\s+in"),
            ("", r"led\s+to"), ("", r"leading\s+to"), ("", r"caus(?:ed|ing)"),
            ("", r"because\s+of\s+(?:this|that)"), ("", r"consequently"), ("", r"meaning\s+that"),
            ("", r"which\s+(?:made|helped|saved|cost|delayed|gave)"),
        ],
        "nl": [
            ("", r"waardoor"), ("", r"met\s+als\s+(?:gevolg|resultaat)"),
            ("", r"het\s+(?:gevolg|effect|resultaat)\s+(?:was|is)"), ("", r"het\s+effect"),
            ("", r"de\s+impact"), ("", r"daardoor"), ("", r"hierdoor"),
            ("", r"(?:wat|dat|dit)\s+betekende"), ("", r"zodat"), ("", r"leidde\s+tot"),
            ("", r"als\s+gevolg"), ("", r"wat\s+(?:zorgde|scheelde|kostte|hielp)"),
        ],
    },
    "purpose": {
        "en": [("", r"so\s+that"), ("", r"in\s+order\s+to"), ("", r"because"), ("", r"to\s+support"),
               ("", r"to\s+help"), ("", r"contribut(?:e|es|ing)\s+to")],
        "nl": [("", r"zodat"), ("", r"omdat"), ("", r"om\s+\w+(?:\s+\w+){0,5}\s+te"),
               ("", r"ter\s+ondersteuning"), ("", r"bij\s+te\s+dragen"), ("", r"draagt\s+bij")],
    },
    "deadline": {
        "en": [("", r"(?:by\s+|before\s+)?(?:the\s+)?end\s+of\s+(?:the|this)\s+year"),
               ("", r"by\s+(?:the\s+)?end\s+of"), ("", r"before\s+the\s+end\s+of"), ("", r"year-?end"),
               ("", r"deadline")],
        "nl": [("", r"(?:voor\s+)?(?:het\s+)?eind(?:e)?\s+(?:van\s+)?(?:dit|het)\s+jaar"),
               ("", r"voor\s+(?:het\s+)?eind(?:e)?\s+van"), ("", r"uiterlijk"), ("", r"jaareinde"),
               ("", r"deadline")],
    },
    "relative_time": {
        "en": [("", r"within\s+(?:\d+|a|one|two|three|six)\s+(?:days?|weeks?|months?)"),
               ("", r"next\s+(?:week|month|quarter|year)"), ("", r"this\s+(?:year|month|quarter)"),
               ("", r"soon"), ("", r"asap")],
        "nl": [("", r"binnen\s+(?:\d+|een|twee|drie|zes)\s+(?:dagen|dag|weken|week|maanden|maand)"),
               ("", r"volgende?\s+(?:week|maand|kwartaal|jaar)"), ("", r"dit\s+(?:jaar|kwartaal)"),
               ("", r"deze\s+maand"), ("", r"binnenkort"), ("", r"zo\s+snel\s+mogelijk")],
    },
    "metric": {
        "en": [
            ("", r"increas(?:e|es|ing)"), ("", r"reduc(?:e|es|ing)"), ("", r"decreas(?:e|es|ing)"),
            ("", r"rais(?:e|es|ing)"), ("", r"grow(?:s|ing)?"), ("", r"improve\s+by"), ("", r"cut"),
            ("", r"lower"), ("", r"double"), ("", r"halve"), ("", r"at\s+(?:least|most)"),
            ("", r"no\s+more\s+than"), ("", r"per\s+(?:day|week|month|quarter|sprint|year)"),
            ("", r"number\s+of"), ("", r"percent(?:age)?"), ("", r"rate"), ("", r"scores?"),
            ("", r"nps"), ("", r"csat"), ("", r"kpis?"), ("", r"conversion"), ("", r"revenue"),
            ("", r"(?:response|lead|cycle|turnaround|resolution)\s+time"), ("", r"coverage"),
            ("", r"satisfaction"), ("", r"hours"), ("", r"days"), ("", r"customers"),
            ("", r"tickets"), ("", r"errors"), ("", r"bugs"), ("", r"defects"), ("", r"sessions"),
            ("", r"euros?"), ("", r"dollars?"), ("", r"from\s+\d+(?:[.,]\d+)?\s*%?\s+to\s+\d+"),
        ],
        "nl": [
            ("", r"verhog(?:en|t)"), ("", r"verlag(?:en|t)"), ("", r"verminder(?:en|t)"),
            ("", r"verbeteren\s+met"), ("", r"verdubbel(?:en|t)"), ("", r"halver(?:en|t)"),
            ("", r"stijg(?:en|t)"), ("", r"dal(?:en|t)"), ("", r"groei(?:en|t)?"),
            ("", r"minstens"), ("", r"minimaal"), ("", r"maximaal"), ("", r"ten\s+minste"),
            ("", r"per\s+(?:dag|week|maand|kwartaal|sprint|jaar)"), ("", r"aantal"),
            ("", r"procent"), ("", r"percentage"), ("", r"scores?"), ("", r"nps"), ("", r"omzet"),
            ("", r"(?:doorloop|reactie|afhandel|respons)tijd"), ("", r"dekking"),
            ("", r"(?:klant)?tevredenheid"), ("", r"uren"), ("", r"dagen"), ("", r"klanten"),
            ("", r"tickets"), ("", r"fouten"), ("", r"bugs"), ("", r"sessies"), ("", r"euro"),
            ("", r"van\s+\d+(?:[.,]\d+)?\s*%?\s+naar\s+\d+"),
        ],
    },
    "baseline": {
        "en": [("", r"from\s+\d+"), ("", r"baseline"), ("", r"currently"), ("", r"today\s+at"),
               ("", r"now\s+at")],
        "nl": [("", r"van\s+\d+"), ("", r"nulmeting"), ("", r"momenteel"), ("", r"op\s+dit\s+moment"),
               ("", r"nu\s+(?:op|nog)\s+\d+"), ("", r"huidige")],
    },
    "positive": {
        "en": [("", r"thank(?:s|\s+you)"), ("", r"appreciat(?:e|ed)"), ("", r"helped"),
               ("", r"impressed"), ("", r"proud"), ("", r"strong"), ("", r"clear(?:ly)?"),
               ("", r"(?:did|does|went)\s+(?:very\s+)?well"), ("", r"good"), ("", r"saved")],
        "nl": [("", r"bedankt"), ("", r"dank(?:\s+je(?:\s+wel)?)?"), ("", r"waardeer"),
               ("", r"geholpen"), ("", r"hielp"), ("", r"trots"), ("", r"sterk(?:e)?"),
               ("", r"duidelijk(?:e)?"), ("", r"goed"), ("", r"fijn(?:e)?")],
    },
    "negative": {
        "en": [("", r"but"), ("", r"however"), ("", r"missed"), ("", r"late"), ("", r"interrupt\w*"),
               ("", r"forgot"), ("", r"did\s*n[o']?t"), ("", r"should(?:\s+have)?"), ("", r"could\s+have"),
               ("", r"problem"), ("", r"mistake"), ("", r"complain\w*"), ("", r"ignor\w+")],
        "nl": [("", r"maar"), ("", r"echter"), ("", r"gemist"), ("", r"te\s+laat"), ("", r"onderbr\w+"),
               ("", r"vergat|vergeten"), ("", r"niet"), ("", r"geen"), ("", r"moet(?:\s+je)?"),
               ("", r"probleem"), ("", r"fout"), ("", r"klach\w+"), ("", r"negeer\w*|genegeerd")],
    },
}

_IMPACT_PURPOSE_ONLY = {r"so\s+that", r"zodat"}


@dataclass(frozen=True)
class Hit:
    """One match of a term in a text."""

    category: Category
    group: str
    language: Language
    words: str
    start: int
    end: int


@cache
def _compiled(category: Category, language: Language) -> tuple[tuple[str, re.Pattern[str]], ...]:
    source = category if category != "impact_claim" else "impact"
    terms = [
        (group, regex) for group, regex in _TERMS[source][language]
        if category != "impact_claim" or regex not in _IMPACT_PURPOSE_ONLY
    ]
    return tuple(
        (group, re.compile(r"(?<!\w)(?:" + regex + r")(?!\w)", re.IGNORECASE)) for group, regex in terms
    )


def find_terms(text: str, category: Category, languages: Iterable[Language] = LANGUAGES) -> list[Hit]:
    """Every non-overlapping hit of ``category`` in ``text``, longest first, sorted by position."""
    hits: list[Hit] = []
    for language in dict.fromkeys(languages):
        for group, pattern in _compiled(category, language):
            for m in pattern.finditer(text):
                start, end = m.span("w") if "w" in pattern.groupindex else m.span()
                hits.append(Hit(category, group, language, text[start:end], start, end))
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    kept: list[Hit] = []
    for hit in hits:
        if kept and hit.start < kept[-1].end:
            continue
        kept.append(hit)
    return kept


def has_term(text: str, category: Category, languages: Iterable[Language] = LANGUAGES) -> bool:
    """True when ``text`` contains at least one term of ``category``."""
    return bool(find_terms(text, category, languages))


# --- placeholders, sentences, words -----------------------------------------------------------

PLACEHOLDER = re.compile(r"\[[^\[\]]{0,80}\?\s*\]")
"""An explicit gap left for the user to fill, e.g. ``[target: ?]`` or ``[situatie: wanneer?]``."""


def strip_placeholders(text: str) -> str:
    """``text`` without ``[...?]`` placeholders, so that their words are not linted."""
    return PLACEHOLDER.sub(" ", text)


def has_placeholder(text: str) -> bool:
    """True when ``text`` leaves an explicit ``[...?]`` gap."""
    return bool(PLACEHOLDER.search(text))


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def sentences(text: str) -> list[str]:
    """``text`` split into trimmed, non-empty sentences (on . ! ? and line breaks)."""
    return [s.strip(" \t-•*") for s in _SENTENCE_END.split(text) if s.strip(" \t-•*")]


_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)

STOPWORDS: dict[Language, frozenset[str]] = {
    "en": frozenset(
        "the a an and or but is are was were be been being to of in on at for with by from as "
        "that this these those it its i you he she we they me my your his her our their them us "
        "do does did have has had will would can could should shall may might must not no so "
        "if then than there here what which who whom how when where why all any some more most "
        "very also just into about over out up down only own same too again further once want "
        "get make better improve work working".split()
    ),
    "nl": frozenset(
        "de het een en of maar is zijn was waren ben bent te van in op aan voor met door bij "
        "als dat die dit deze het ik je jij u hij zij ze wij we jullie hun haar zijn mijn jouw "
        "ons onze me mij hem hen er hier daar wat welke wie hoe wanneer waar waarom niet geen "
        "wel ook nog al dan toch zo heel erg meer meest om tot uit over naar kan kunnen wil "
        "willen moet moeten zal zullen heb hebt heeft hebben word wordt worden graag beter "
        "worden verbeteren werk werken".split()
    ),
}
"""Words ignored when comparing texts by content (includes vague goal verbs such as improve)."""

def words(text: str) -> list[str]:
    """The lower-cased words of ``text`` (letters only; digits and punctuation dropped)."""
    return [w.lower() for w in _WORD.findall(text)]


def content_stems(text: str) -> set[str]:
    """Snowball match keys (:func:`knowledge.i18n.match_key`) of the words of ``text`` that are
    not stopwords in either language."""
    stop = STOPWORDS["en"] | STOPWORDS["nl"]
    return {match_key(w) for w in words(text) if w not in stop and len(w) > 2}


# --- values: numbers, dates, quarters, months -------------------------------------------------

_MONTH_NUMBER: dict[str, int] = {
    **{m: i + 1 for i, m in enumerate(_MONTHS_EN)},
    **{m: i + 1 for i, m in enumerate(_MONTHS_NL)},
    **{m: i + 1 for i, m in enumerate(_MONTH_ABBR)},
    **{m: i + 1 for i, m in enumerate(_MONTH_ABBR_NL)},
    "sept": 9, "maa": 3,
}
_FULL_MONTHS = "|".join(sorted({*_MONTHS_EN, *_MONTHS_NL} - {"may"}, key=len, reverse=True))
_ABBR_MONTHS = "|".join(sorted({*_MONTH_ABBR, *_MONTH_ABBR_NL, "sept", "may"}, key=len, reverse=True))
_ORDINAL_Q = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4,
              "eerste": 1, "tweede": 2, "derde": 3, "vierde": 4, "1e": 1, "2e": 2, "3e": 3, "4e": 4}

_VALUE = re.compile(
    r"(?<![\w.,])(?:"
    r"(?P<skip>\d+-(?:on|op)-\d+s?|24/7|70-20-10|360(?=[-\s°]*(?:degrees?|graden)?[-\s]*feedback))"
    r"|(?P<iso>(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2}))"
    r"|(?P<dmy>(?P<dd>\d{1,2})[/-](?P<dm>\d{1,2})[/-](?P<dy>\d{2,4}))"
    r"|(?P<q>[QK](?P<qn>[1-4])(?:\s*['’]?(?P<qy>\d{4}|\d{2}))?)"
    r"|(?P<qw>(?P<qo>first|second|third|fourth|1st|2nd|3rd|4th|eerste|tweede|derde|vierde|[1-4]e)"
    r"\s+(?:quarter|kwartaal)(?:\s+(?:of\s+|van\s+)?(?P<qwy>\d{4}))?)"
    r"|(?P<kq>kwartaal\s+(?P<kqn>[1-4])(?:\s+(?P<kqy>\d{4}))?)"
    r"|(?P<md>(?:(?P<mdd>\d{1,2})(?:st|nd|rd|th|e)?\s+)?(?P<mdm>" + _FULL_MONTHS + r")"
    r"(?:\s+(?P<mdd2>\d{1,2})(?:st|nd|rd|th)?(?!\d))?(?:,?\s+(?P<mdy>\d{4}))?)"
    r"|(?P<ab>(?:(?P<abd>\d{1,2})\s+(?P<abm>" + _ABBR_MONTHS + r")\.?(?:\s+(?P<aby>\d{4}))?)"
    r"|(?:(?P<abm2>" + _ABBR_MONTHS + r")\.?\s+(?P<abd2>\d{1,2})(?!\d)(?:,?\s+(?P<aby2>\d{4}))?)"
    r"|(?:(?:by|in|end\s+of|before|until|from|eind)\s+(?P<abm3>may)(?:\s+(?P<aby3>\d{4}))?))"
    r"|(?P<num>\d+(?:[.,]\d+)*)"
    r")(?![\w])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Value:
    """A number, date, quarter or month found in a text, with comparable keys.

    ``keys`` are normalised parts (``"30"``, ``"month:6"``, ``"2025"``, ``"q:2"``); a value is
    grounded in another text when all its keys occur among that text's keys.
    """

    text: str
    kind: Literal["number", "date", "quarter", "month"]
    keys: frozenset[str]
    start: int = 0
    end: int = 0


def _num_key(raw: str) -> str:
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", raw):
        raw = re.sub(r"[.,]", "", raw)
    raw = raw.replace(",", ".")
    if "." in raw:
        raw = raw.rstrip("0").rstrip(".")
    return raw.lstrip("0") or "0"


def _month(name: str) -> str:
    return f"month:{_MONTH_NUMBER[name.lower().rstrip('.')]}"


def values(text: str) -> list[Value]:
    """Every number, date, quarter and month name in ``text``, in order of appearance.

    Names that merely contain digits (``1-on-1``, ``1-op-1``, ``24/7``, ``70-20-10``,
    ``360 feedback``) are not values.
    """
    found: list[Value] = []
    for m in _VALUE.finditer(text):
        g = m.groupdict()
        if g["skip"]:  # names that contain digits ("1-on-1", "70-20-10"), not values
            continue
        raw = m.group(0)
        keys: set[str]
        kind: Literal["number", "date", "quarter", "month"]
        if g["iso"]:
            kind, keys = "date", {_num_key(g["iy"]), _num_key(g["im"]), _num_key(g["id"]),
                                  f"month:{int(g['im'])}"}
        elif g["dmy"]:
            kind, keys = "date", {_num_key(g["dd"]), _num_key(g["dm"]), _num_key(g["dy"]),
                                  f"month:{int(g['dm'])}"}
        elif g["q"] or g["qw"] or g["kq"]:
            n = g["qn"] or g["kqn"] or str(_ORDINAL_Q[(g["qo"] or "").lower()])
            year = g["qy"] or g["qwy"] or g["kqy"]
            kind, keys = "quarter", {f"q:{n}"} | ({_year_key(year)} if year else set())
        elif g["md"]:
            day, year = g["mdd"] or g["mdd2"], g["mdy"]
            kind = "date" if day else "month"
            keys = {_month(g["mdm"])} | ({_num_key(day)} if day else set()) | (
                {_num_key(year)} if year else set())
        elif g["ab"]:
            name = g["abm"] or g["abm2"] or g["abm3"]
            day, year = g["abd"] or g["abd2"], g["aby"] or g["aby2"] or g["aby3"]
            kind = "date" if day else "month"
            keys = {_month(name)} | ({_num_key(day)} if day else set()) | (
                {_num_key(year)} if year else set())
        else:
            kind, keys = "number", {_num_key(g["num"])}
        found.append(Value(raw, kind, frozenset(keys), m.start(), m.end()))
    return found


def _year_key(year: str) -> str:
    return _num_key(year if len(year) == 4 else "20" + year)


def value_keys(text: str) -> set[str]:
    """All keys of all values in ``text`` (see :class:`Value`)."""
    return {k for v in values(text) for k in v.keys}


_YEAR = re.compile(r"^(?:19|20)\d{2}$")


def is_year(value: Value) -> bool:
    """True for a bare four-digit year such as 2025."""
    return value.kind == "number" and bool(_YEAR.match(value.text))


def has_real_date(text: str) -> bool:
    """True when ``text`` names a date, a quarter, a month, a year or an end-of-year deadline."""
    if any(v.kind != "number" or is_year(v) for v in values(text)):
        return True
    return any("year" in h.words.lower() or "jaar" in h.words.lower() for h in find_terms(text, "deadline"))


def targets(text: str) -> list[Value]:
    """Numbers in ``text`` that can serve as a target: not dates, quarters, years or time frames
    (the 3 in "within 3 months")."""
    frames = find_terms(text, "relative_time")
    return [
        v for v in values(text)
        if v.kind == "number" and not is_year(v) and not any(f.start <= v.start < f.end for f in frames)
    ]
