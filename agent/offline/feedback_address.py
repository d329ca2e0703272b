"""Addressing the recipient in the second person, only where that is safe.

"He", "she" or the name become "you"/"je" with the verb agreeing (see :mod:`agent.offline.feedback`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from agent.lexicon import (
    STOPWORDS,
    find_terms,
    sentences,
    strip_placeholders,
    words,
)
from agent.offline.feedback_grammar import (
    _ADVERBS,
    _CALENDAR,
    _COORDINATORS,
    _FAMILIES,
    _NL_NORMAL_2SG,
    _NL_PRESENT_INVERTED,
    _PLURAL_HINT,
    _SECOND_PERSON,
    _SUBJECT_FORM,
    _SUBJECT_PRONOUNS,
    _TOKEN,
    _en_base,
    _en_finite,
    _en_past_or_modal,
    _finite,
    _is_placeholder,
    _is_word,
    _lower,
    _nl_finite,
    _nl_past,
    _set,
    _situation_phrase,
    _tokens,
)
from agent.schemas import Language

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
    """``texts`` in the second person, or unchanged when that is not safe for all of them.

    ``texts`` (cleaned sentences of ``notes``) in the second person when that is a safe swap
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
