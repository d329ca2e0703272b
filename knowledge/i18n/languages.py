"""The supported languages and what each one needs from the libraries.

A language's settings live in its catalogue folder, ``locales/<code>/_language.yaml``: its
name in English and in itself (the web app's language switch shows the latter), the Babel
locale for dates and numbers, the lingua language for detection and the Snowball stemmer.
Adding a language is adding a folder; no line of code names the languages.
The :data:`Language` type the records, the agent and the API schemas use is a string that
validates against the folders found when it is validated, and its JSON schema (the OpenAPI
document, the model's structured-output schemas) lists them as an ``enum``.

The catalogue root is the shipped ``locales`` folder, or the folder named by the environment
variable ``COACH_LOCALES_DIR`` (read once, when this module is imported: set it before the
coach starts). A translator points it at a copy of the shipped folder with their language
added; it must hold the default language, ``en``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

LOCALES_ENV = "COACH_LOCALES_DIR"
"""The environment variable that names a catalogue root to use instead of the shipped one."""

SHIPPED_LOCALES = Path(__file__).parent / "locales"
"""The catalogue folders shipped with the package, one per language."""

LOCALES = Path(os.environ[LOCALES_ENV]).expanduser() if os.environ.get(LOCALES_ENV) else SHIPPED_LOCALES
"""The catalogue root in use: ``$COACH_LOCALES_DIR`` when set, else :data:`SHIPPED_LOCALES`."""


class _FolderLanguage:
    """Pydantic support of :data:`Language`: validated against the folders, shown as an ``enum``.

    Both are resolved when used, not when a model class is built, so a schema built at import
    still sees the folders of the catalogue root in use. A value that is not a folder's code
    fails as a ``Literal`` of the codes would (``literal_error``, "Input should be 'en' or 'nl'"),
    so the API's 422 problem+json is unchanged.
    """

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_plain_validator_function(
            _validate_language, serialization=core_schema.to_string_ser_schema())

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return {"enum": list(available_languages()), "type": "string"}

    def __repr__(self) -> str:
        return "FolderLanguage()"


Language = Annotated[str, _FolderLanguage()]
"""A supported language code (ISO 639-1): the name of a catalogue folder under :data:`LOCALES`.

For type checkers a ``str``; pydantic fields of this type accept only the codes of
:func:`available_languages`. Outside pydantic, turn a string into one with
:func:`knowledge.vocabulary.as_language`.
"""

DEFAULT_LANGUAGE: Language = "en"
"""The language of last resort: used when neither the text, the thread nor the profile tells."""


def _validate_language(value: Any) -> str:
    codes = available_languages()
    if isinstance(value, str) and value in codes:
        return str(value)
    raise PydanticCustomError("literal_error", "Input should be {expected}", {"expected": _one_of(codes)})


def _one_of(codes: tuple[str, ...]) -> str:
    quoted = [repr(code) for code in codes]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


@dataclass(frozen=True)
class LanguageInfo:
    """What the libraries need to know about one language (from its ``_language.yaml``)."""

    code: str
    """ISO 639-1 code, the folder name (``en``)."""
    name: str
    """English name of the language, for messages to developers and models (``English``)."""
    locale: str
    """Babel locale for dates and numbers (``en_GB`` writes ``30 June 2025``)."""
    detector: str
    """lingua ``Language`` member name (``ENGLISH``)."""
    stemmer: str
    """Snowball stemmer name for PyStemmer (``english``)."""
    date_pattern: str = "d MMMM y"
    """CLDR pattern of a date written out (``30 June 2025``; German would use ``d. MMMM y``). Keep
    the month as a word: the offline drafter's grounding check reads dates back by month name."""
    endonym: str = ""
    """The language's name in itself, shown to people choosing it (``Nederlands``, ``Deutsch``);
    ``_language.yaml`` may leave it out, then it is :attr:`name`."""

    @property
    def bcp47(self) -> str:
        """The locale as a BCP 47 tag, for browsers' ``Intl`` (``en_GB`` -> ``en-GB``)."""
        return self.locale.replace("_", "-")


def language_info(code: str, root: Path | None = None) -> LanguageInfo:
    """The settings of language ``code``.

    The settings of language ``code`` under ``root`` (default :data:`LOCALES`); KeyError when
    it has no folder.
    """
    return _infos(root or LOCALES)[code]


def available_languages(root: Path | None = None) -> tuple[str, ...]:
    """The language codes that have a catalogue folder under ``root`` (default :data:`LOCALES`)."""
    return tuple(sorted(_infos(root or LOCALES)))


@cache
def _infos(root: Path) -> dict[str, LanguageInfo]:
    if not root.is_dir():
        raise FileNotFoundError(f"the catalogue root {root} is not a folder (is {LOCALES_ENV} right?)")
    infos: dict[str, LanguageInfo] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and (p / "_language.yaml").is_file()):
        raw = yaml.safe_load((folder / "_language.yaml").read_text(encoding="utf-8")) or {}
        infos[folder.name] = LanguageInfo(
            code=folder.name, name=str(raw["name"]), locale=str(raw["locale"]),
            detector=str(raw["detector"]), stemmer=str(raw["stemmer"]),
            date_pattern=str(raw.get("date_pattern", LanguageInfo.date_pattern)),
            endonym=str(raw.get("endonym") or raw["name"]),
        )
    return infos
