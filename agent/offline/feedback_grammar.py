"""The little grammar the offline feedback cleaning needs: tokens, finite verbs, situations.

The words and word-order features come from each language's ``_grammar.yaml``
(:mod:`agent.offline.grammar_data`); this module only holds the rules that read them, so
nothing here names a language.

Deliberately small: a word that is not listed makes the cleaning fall back to the author's
clause with a marked gap (or keeps the third person), never to a guess.
"""

from __future__ import annotations

import re
from pathlib import Path

from agent.lexicon import Hit
from agent.offline.grammar_data import Grammar, shared

_TOKEN = re.compile(r"\[[^\[\]]*\]|[^\W_]+(?:['’\-][^\W_]+)*|[^\w\s]")


def _set(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _lower(word: str) -> str:
    return word.lower().replace("’", "'")


def _is_placeholder(token: str) -> bool:
    return token.startswith("[") and token.endswith("]")


def _is_who_gap(token: str, root: Path | None = None) -> bool:
    return _is_placeholder(token) and token.endswith(shared(root).who_gap_endings)


def _is_word(token: str) -> bool:
    return bool(re.match(r"[^\W_]", token))


def _tokens(text: str) -> list[str]:
    return [m.group() for m in _TOKEN.finditer(text)]


# --- verbs ---------------------------------------------------------------------------------------

def _second_person(word: str, g: Grammar) -> str | None:
    """The form a 3rd-person-singular present verb takes after "you" ("sends" -> "send"), else None.

    From the irregular ``agreement`` forms, the present forms of the ``inverted`` table
    (unchanged in subject-verb order) or the first matching ``agreement_rules`` suffix rule.
    """
    if word in g.agreement:
        return g.agreement[word]
    if word in g.inverted:
        return word
    if word in g.not_verbs:
        return None
    for pattern, replacement in g.agreement_rules:
        match = pattern.search(word)
        if match:
            return None if replacement is None else match.expand(replacement)
    return None


def _regular_past(word: str, g: Grammar) -> bool:
    return bool(g.past_pattern.match(word))


def _unchanged(word: str, g: Grammar) -> bool:
    """A finite form that is the same after "you": a past tense or a modal ("could", "kwam")."""
    return word in g.unchanged or _regular_past(word, g)


def _finite(word: str, g: Grammar) -> bool:
    return word in g.other_finite or _unchanged(word, g) or _second_person(word, g) is not None


# --- situations ----------------------------------------------------------------------------------

def _situation_phrase(sentence: str, hit: Hit, root: Path | None = None) -> str | None:
    """The situation ``hit`` as a whole phrase, or None when its end is unclear.

    The situation ``hit`` as a phrase: a bare marker ("During", "Tijdens") is extended to the
    phrase it introduces ("Tijdens de sprintdemo van dinsdag"), or None when its end is unclear.
    Where the phrase may end is the marker's kind in its language's ``situation_markers``:
    ``subject`` (before a subject: "During the demo he ..."), ``verb_subject`` (before a verb
    and its subject: "Tijdens de demo was hij ...") or ``clause`` (only at a comma, a
    conjunction or the end; followed by a finite verb it is the adverb "then": "Toen kwam hij").
    """
    every = shared(root)
    marker = every.markers.get(hit.words.lower())
    if marker is None:
        return sentence[hit.start : hit.end]
    kind, own = marker
    tail = list(_TOKEN.finditer(sentence, hit.end))
    if kind == "clause" and tail and tail[0].group().islower() and _finite(tail[0].group(), own):
        return None  # "Toen kwam hij": "then", not "when ..."
    stop = next((k for k, m in enumerate(tail) if m.group() in (".", ";", ":", "!", "?")), len(tail))
    tail = tail[:stop]
    closed = every.determiners | every.prepositions
    conjunctions = every.coordinators

    def starts_subject(k: int) -> bool:
        if k >= len(tail) or not _is_word(tail[k].group()):
            return False
        tok = tail[k].group()
        return (_lower(tok) in every.subject_pronouns or _lower(tok) in every.determiners
                or (tok[:1].isupper() and tok.lower() not in every.calendar))

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
        if kind == "subject" and starts_subject(n):
            return phrase
        if kind == "verb_subject" and _is_word(tail[n].group()) and tail[n].group().islower() \
                and _lower(tail[n].group()) not in closed | conjunctions and starts_subject(n + 1):
            return phrase
    return None
