"""Addressing the recipient in the second person, only where that is safe.

"He", "she" or the name become "you"/"je" with the verb agreeing (see :mod:`agent.offline.feedback`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from agent.lexicon import (
    find_terms,
    sentences,
    strip_placeholders,
    words,
)
from agent.offline.feedback_grammar import (
    _TOKEN,
    _finite,
    _is_placeholder,
    _is_word,
    _lower,
    _second_person,
    _situation_phrase,
    _tokens,
    _unchanged,
)
from agent.offline.grammar_data import Grammar, shared

# --- addressing the recipient --------------------------------------------------------------------

def _name_tokens(names: Iterable[str]) -> set[str]:
    return {t for n in names for t in n.split()[:1] if t[:1].isupper()}


def _other_names(notes: str, names: set[str], g: Grammar) -> bool:
    """True when the notes name someone (or something) other than the recipient."""
    known = shared(g.root).known
    for sentence in sentences(strip_placeholders(notes)):
        toks = [t for t in _tokens(sentence) if _is_word(t)]
        for i, tok in enumerate(toks):
            base = re.sub(r"['’]s?$", "", tok)
            if not tok[:1].isupper() or base in names or base.lower() in known:
                continue  # lower case, the recipient, a weekday or month, or a capitalised "He"
            if i > 0:
                return True
            if (len(toks) > 1 and toks[1].islower()
                    and _finite(_lower(toks[1]), g)
                    and not (g.verb_second and len(toks) > 2 and _lower(toks[2]) in g.subject_pronouns)
                    and not any(h.start == 0 for h in find_terms(sentence, "situation"))):
                return True  # "Pieter said ...", but not "Vandaag was hij ..."
    return False


def _leading_situation_end(sentence: str, root: Path | None = None) -> int:
    hits = find_terms(sentence, "situation")
    if not hits or hits[0].start != 0:
        return 0
    phrase = _situation_phrase(sentence, hits[0], root)
    return len(phrase) if phrase else 0


def _address_sentence(sentence: str, family: str | None, names: set[str], g: Grammar) -> str | None:
    """``sentence`` with the recipient as "you"/"je", or None when one mention cannot be swapped."""
    matches = list(_TOKEN.finditer(sentence))
    toks = [m.group() for m in matches]
    low = [_lower(t) for t in toks]
    forms = g.families.get(family or "", frozenset())
    subject_forms = g.family_subjects.get(family or "", frozenset())
    either = g.family_number.get(family or "") == "either"  # "they": one person or several
    you = g.you[:1].upper() + g.you[1:]
    situation_end = _leading_situation_end(sentence, g.root)
    replace: dict[int, str] = {}
    for i, tok in enumerate(toks):
        word = low[i]
        is_name = tok in names
        if not is_name and any(tok.startswith(n + q) for n in names for q in "'’"):
            return None  # "Jonas's"
        if word in g.ambiguous_references:
            return None  # a possessive or reflexive that may or may not be the recipient's
        if not is_name and word not in forms:
            continue
        if not is_name and word not in subject_forms:
            if word.endswith(g.kept_contractions) and word.split("'")[0] in subject_forms:
                replace[i] = (you if i == 0 else g.you) + tok[len(word.split("'")[0]) :]
                continue
            return None  # him, his, her, their, hem, haar, he's: not a safe swap
        prev = low[i - 1] if i > 0 else None
        at_start = (prev is None or prev in g.coordinators or prev == ","
                    or (not g.verb_second and situation_end > 0 and matches[i].start() >= situation_end
                        and all(m.end() <= situation_end or m.group() == "," for m in matches[:i])))
        if not g.verb_second:
            they = either and word in subject_forms
            if (is_name or they) and not at_start:
                return None
            j = i + 1
            while j < len(toks) and (low[j] in g.adverbs or _is_placeholder(toks[j])):
                j += 1
            if j >= len(toks) or not _is_word(toks[j]):
                return None
            if j < len(toks) and toks[j][:1].isupper():
                return None  # a surname or another name follows
            verb = low[j]
            if not they:
                if _unchanged(verb, g):
                    pass
                elif (base := _second_person(verb, g)) is not None:
                    replace[j] = base.replace("'", "’") if "’" in toks[j] else base
                else:
                    return None
            elif not _finite(verb, g):  # "they" keeps its (plural) verb
                return None
        else:  # verb-second: "hij komt" -> "je komt", "komt hij" -> "kom je", "kwam hij" -> "kwam je"
            if at_start and i + 1 < len(toks):
                verb = low[i + 1]
                if not _is_word(toks[i + 1]) or (verb.endswith(g.plural_endings) and len(verb) > 3):
                    return None
                if not (_finite(verb, g) or verb.endswith(g.singular_endings)):
                    return None
                if verb in g.agreement:
                    replace[i + 1] = g.agreement[verb]
            elif prev is not None and _unchanged(prev, g):
                pass
            elif prev is not None and prev in g.inverted and word in g.inverted_subjects:
                replace[i - 1] = g.inverted[prev]
            else:
                return None
        replace[i] = you if i == 0 else g.you
    out = sentence
    for i in sorted(replace, reverse=True):
        out = out[: matches[i].start()] + replace[i] + out[matches[i].end() :]
    return out


def address_recipient(texts: list[str], notes: str, g: Grammar, names: Iterable[str], *,
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
    if not g.you or vocabulary & g.second_person:
        return texts  # a language without a "you" word is never rewritten
    families = [f for f, forms in g.families.items() if vocabulary & forms]
    if len(families) > 1:
        return texts
    family = families[0] if families else None
    present = {n for n in _name_tokens(names) if re.search(rf"(?<!\w){re.escape(n)}(?!\w)", notes)}
    if family is None and not present:
        return texts
    number = g.family_number.get(family or "", "singular")
    if number == "plural" or ((family or not certain) and _other_names(notes, present, g)):
        return texts
    if number == "either" and (present or g.plural_hint.search(notes)):
        return texts
    swapped: list[str] = []
    for text in texts:
        new = _address_sentence(text, family, present, g)
        if new is None:
            return texts
        swapped.append(new)
    return swapped
