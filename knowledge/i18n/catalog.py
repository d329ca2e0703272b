"""Message catalogues: ``t(msgid, lang, **values)``.

Each language has a folder ``locales/<lang>/`` with one YAML file per domain
(``agenda.yaml``, ``feedback.yaml``, ...). A file maps keys to messages; nested mappings are
joined with dots, and the file name is the first part of every id: ``msgid`` ``agenda.item.due``
is key ``item: {due: ...}`` (or ``item.due: ...``) in ``agenda.yaml``. Splitting a language into
domain files keeps edits by different people apart; the files are merged at load.

Messages use named placeholders (``"Due {date}"``), so each language orders its words freely.
A message may depend on a number: then it is a mapping of CLDR plural categories (``one``,
``other``; Dutch and English need only these) and ``t`` picks the form by the ``count`` value.
A YAML list is a set of alternatives (a question bank), read with :func:`texts`.
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from babel import Locale

from knowledge.i18n import languages
from knowledge.i18n.languages import DEFAULT_LANGUAGE, available_languages, language_info

PLURAL_CATEGORIES = frozenset({"zero", "one", "two", "few", "many", "other"})
"""CLDR plural categories; a mapping of only these keys (with ``other``) is one plural message."""

Message = str | dict[str, str] | tuple[str, ...]
"""A plain message, its plural forms by CLDR category, or a list of alternatives (:func:`texts`)."""


class MissingMessage(KeyError):
    """A message id that no catalogue defines: a programming error, not a user error."""


@dataclass(frozen=True)
class Catalog:
    """The messages of every language found under one ``locales`` folder."""

    root: Path
    messages: Mapping[str, Mapping[str, Message]]
    """Language code -> message id -> message."""

    @classmethod
    def load(cls, root: Path | None = None) -> Catalog:
        """The catalogue of every language folder under ``root``.

        Read every ``<lang>/*.yaml`` domain file under ``root`` (default: the shipped
        ``locales``; ``_*.yaml`` files are settings, not messages).
        """
        root = root or languages.LOCALES
        return cls(root, {lang: _load_language(root / lang) for lang in available_languages(root)})

    @property
    def languages(self) -> tuple[str, ...]:
        """The language codes of this catalogue."""
        return tuple(self.messages)

    def has(self, msgid: str, lang: str) -> bool:
        """True when ``lang`` defines ``msgid``."""
        return msgid in self.messages.get(lang, {})

    def message(self, msgid: str, lang: str) -> tuple[str, Message]:
        """(language found in, raw message): ``lang``, else the default language, else MissingMessage."""
        for code in (lang, DEFAULT_LANGUAGE):
            found = self.messages.get(code, {}).get(msgid)
            if found is not None:
                return code, found
        raise MissingMessage(msgid)

    def t(self, msgid: str, lang: str, /, **values: Any) -> str:
        """Message ``msgid`` in ``lang`` with its placeholders filled from ``values``."""
        code, message = self.message(msgid, lang)
        if isinstance(message, tuple):
            raise TypeError(f"{msgid} is a list of texts: use texts()")
        if isinstance(message, dict):
            count = values.get("count")
            if not isinstance(count, int | float):
                raise TypeError(f"{msgid} is a plural message: pass count=<number>")
            message = message.get(_plural_form(language_info(code, self.root).locale, count), message["other"])
        return message.format_map(values)


    def texts(self, msgid: str, lang: str, /, **values: Any) -> tuple[str, ...]:
        """The list message ``msgid`` in ``lang``, each text with its placeholders filled."""
        _, message = self.message(msgid, lang)
        if not isinstance(message, tuple):
            raise TypeError(f"{msgid} is not a list of texts: use t()")
        return tuple(text.format_map(values) for text in message)


def placeholders(message: Message) -> frozenset[str]:
    """The named placeholders of a message (of all its plural forms or list items)."""
    parts = message.values() if isinstance(message, dict) else message if isinstance(message, tuple) else [message]
    return frozenset(name for text in parts for _, name, _, _ in string.Formatter().parse(text) if name)


@cache
def catalog() -> Catalog:
    """The shipped catalogue, loaded once."""
    return Catalog.load()


def t(msgid: str, lang: str, /, **values: Any) -> str:
    """Message ``msgid`` of the shipped catalogue in ``lang``, placeholders filled from ``values``.

    ``t("agenda.item.due", "nl", date="30 juni 2025")``. An id that no catalogue defines raises
    :class:`MissingMessage`; the completeness test makes sure every language has every id.
    """
    return catalog().t(msgid, lang, **values)


def texts(msgid: str, lang: str, /, **values: Any) -> tuple[str, ...]:
    """The list message ``msgid`` of the shipped catalogue in ``lang`` (e.g. a question bank)."""
    return catalog().texts(msgid, lang, **values)


def supported_languages() -> tuple[str, ...]:
    """The language codes that ship a catalogue."""
    return catalog().languages


@cache
def _plural_form(locale: str, count: float) -> str:
    return str(Locale.parse(locale).plural_form(count))


def _load_language(folder: Path) -> dict[str, Message]:
    merged: dict[str, Message] = {}
    for file in sorted(folder.glob("*.yaml")):
        if file.name.startswith("_"):
            continue
        raw = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        if not isinstance(raw, dict):
            raise ValueError(f"{file}: a catalogue file must be a mapping of keys to messages")
        for msgid, message in _flatten(file.stem, raw, file):
            if msgid in merged:
                raise ValueError(f"{file}: message {msgid!r} is defined twice")
            merged[msgid] = message
    return merged


def _flatten(prefix: str, node: Mapping[Any, Any], file: Path) -> Iterator[tuple[str, Message]]:
    for key, value in node.items():
        msgid = f"{prefix}.{key}"
        if isinstance(value, str):
            yield msgid, value
        elif isinstance(value, dict) and value and set(value) <= PLURAL_CATEGORIES and "other" in value:
            yield msgid, {str(k): str(v) for k, v in value.items()}
        elif isinstance(value, dict):
            yield from _flatten(msgid, value, file)
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            yield msgid, tuple(value)
        else:
            raise ValueError(f"{file}: {msgid} must be a text, a list of texts, or a mapping of keys or plural forms")


def all_messages(cat: Catalog | None = None) -> Iterator[tuple[str, str, Message]]:
    """Every (language, msgid, message) of ``cat`` (default: the shipped catalogue)."""
    cat = cat or catalog()
    for lang, messages in cat.messages.items():
        for msgid, message in messages.items():
            yield lang, msgid, message
