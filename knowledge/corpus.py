"""The shipped coaching corpus: original guides in English and Dutch, and the action catalogue.

Guides live in ``knowledge/corpus/{en,nl}/<key>.md`` with YAML front matter (``key``,
``language``, ``title``, ``topic``, ``audience``); both language versions of a guide share
its ``key``. They are read with :mod:`importlib.resources`, so they work from a wheel.

Guides are cut at their ``##`` headings (see :func:`split_sections`, which HR documents use
too). A chunk's id is a hash of its guide, language, heading and text: the same text always
gets the same id, so loading the corpus twice changes nothing, and an edited section replaces
only its own vector (:func:`sync_corpus`).
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, RootModel, model_validator

from knowledge.i18n.languages import DEFAULT_LANGUAGE, available_languages
from knowledge.store import Store, field_is
from knowledge.vocabulary import Language

MAX_CHUNK_CHARS = 1500
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")


# --- markdown ---------------------------------------------------------------------------------

def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """``(front matter, body)``; a text without front matter has an empty dict."""
    match = _FRONT_MATTER.match(text)
    if match is None:
        return {}, text
    data = yaml.safe_load(match.group(1)) or {}
    if not isinstance(data, dict):
        raise ValueError("front matter must be a YAML mapping")
    return data, text[match.end() :]


@dataclass(frozen=True, slots=True)
class Section:
    """A piece of a markdown text: the heading it sits under (empty before the first) and its text."""

    heading: str
    text: str


def split_sections(body: str, *, levels: Iterable[int] = (2,), max_chars: int = MAX_CHUNK_CHARS) -> list[Section]:
    """Cut ``body`` at headings of the given ``levels``; long sections are cut at paragraphs.

    Headings of other levels stay inside their section's text. Sections with no text are
    dropped (a heading followed directly by a sub-heading keeps the sub-heading's text).
    """
    cut_levels = set(levels)
    sections: list[Section] = []
    heading = ""
    lines: list[str] = []
    in_fence = False
    for line in body.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match and len(match.group(1)) in cut_levels:
            sections.extend(_finish(heading, lines, max_chars))
            heading, lines = match.group(2).strip(), []
        else:
            lines.append(line)
    sections.extend(_finish(heading, lines, max_chars))
    return sections


def _finish(heading: str, lines: list[str], max_chars: int) -> Iterator[Section]:
    text = "\n".join(lines).strip()
    if not text:
        return
    for part in _split_long(text, max_chars):
        yield Section(heading=heading, text=part)


def _split_long(text: str, max_chars: int) -> list[str]:
    if len(text) <= max_chars:
        return [text]
    return pack_paragraphs(text, max_chars)


def pack_paragraphs(text: str, max_chars: int, *, cut_long: bool = False) -> list[str]:
    """The paragraphs of ``text`` packed in order into pieces of at most about ``max_chars``.

    A paragraph longer than ``max_chars`` stays whole, or with ``cut_long`` is cut at a space
    (never before half of ``max_chars``). The guides and the record index both cut this way.
    """
    parts: list[str] = []
    current = ""
    for para in re.split(r"\n\s*\n", text):
        para = para.strip()
        while cut_long and len(para) > max_chars:  # one very long paragraph: cut it at a space
            cut = para.rfind(" ", 0, max_chars)
            cut = cut if cut > max_chars // 2 else max_chars
            if current:
                parts.append(current)
                current = ""
            parts.append(para[:cut].strip())
            para = para[cut:].strip()
        if current and len(current) + len(para) + 2 > max_chars:
            parts.append(current)
            current = ""
        current = f"{current}\n\n{para}" if current else para
    if current:
        parts.append(current)
    return parts


def content_id(prefix: str, *parts: str) -> str:
    """A stable id from content: same parts, same id."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return f"{prefix}_{digest[:24]}"


def text_hash(text: str) -> str:
    """The SHA-256 hex digest of ``text`` (what the store compares to skip unchanged chunks)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- guides -----------------------------------------------------------------------------------

class Guide(BaseModel):
    """One shipped guide in one language."""

    model_config = ConfigDict(frozen=True)

    key: str = Field(min_length=1, max_length=100)
    language: Language
    title: str = Field(min_length=1, max_length=300)
    topic: str = Field(min_length=1, max_length=100)
    audience: tuple[str, ...] = ()
    body: str


class GuideChunk(BaseModel):
    """A section of a guide, as stored in the ``guidance`` collection."""

    model_config = ConfigDict(frozen=True)

    id: str
    doc_key: str
    language: Language
    title: str
    topic: str
    audience: tuple[str, ...]
    heading: str
    position: int = Field(ge=0, description="Order of the section within its guide.")
    text: str

    @property
    def embed_text(self) -> str:
        """What gets embedded: the section with its guide title and heading for context."""
        return contextual_text(self.title, self.heading, self.text)

    def metadata(self) -> dict[str, str | int]:
        """The chunk's metadata in the store: guide, section, language, audience and hash."""
        return {
            "source_type": "guidance",
            "doc_key": self.doc_key,
            "language": self.language,
            "title": self.title,
            "heading": self.heading,
            "topic": self.topic,
            "audience": ",".join(self.audience),
            "position": self.position,
        }


def contextual_text(title: str, heading: str, text: str) -> str:
    """The text to embed for a section: its document title and heading give it context."""
    head = f"{title} — {heading}" if heading and heading != title else title
    return f"{head}\n{text}"


def _corpus_root() -> Traversable:
    return resources.files("knowledge") / "corpus"


def parse_guide(text: str, *, source: str = "<text>") -> Guide:
    """A coaching guide from its Markdown with front matter; ``source`` names it in errors."""
    meta, body = split_front_matter(text)
    audience = meta.get("audience") or ()
    if isinstance(audience, str):
        audience = tuple(a.strip() for a in audience.split(",") if a.strip())
    try:
        return Guide(
            key=meta["key"],
            language=meta["language"],
            title=meta["title"],
            topic=meta["topic"],
            audience=tuple(audience),
            body=body,
        )
    except KeyError as exc:
        raise ValueError(f"{source}: front matter lacks {exc.args[0]!r}") from exc


@functools.cache
def load_guides() -> tuple[Guide, ...]:
    """Every shipped guide, ordered by language and key."""
    guides: list[Guide] = []
    root = _corpus_root()
    for lang in available_languages():
        folder = root / lang
        if not folder.is_dir():
            continue
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".md"):
                guide = parse_guide(entry.read_text(encoding="utf-8"), source=f"corpus/{lang}/{entry.name}")
                if guide.language != lang:
                    raise ValueError(f"corpus/{lang}/{entry.name} says language {guide.language!r}")
                guides.append(guide)
    return tuple(guides)


def chunk_guide(guide: Guide) -> list[GuideChunk]:
    """The guide cut into one chunk per second-level section, with stable ids."""
    chunks: list[GuideChunk] = []
    seen: dict[str, int] = {}
    for position, section in enumerate(split_sections(guide.body, levels=(2,))):
        heading = section.heading or guide.title
        base = content_id("gd", guide.key, guide.language, heading, section.text)
        # Two identical sections in one guide would share an id; number the repeats.
        seen[base] = seen.get(base, 0) + 1
        chunk_id = base if seen[base] == 1 else content_id("gd", base, str(seen[base]))
        chunks.append(
            GuideChunk(
                id=chunk_id,
                doc_key=guide.key,
                language=guide.language,
                title=guide.title,
                topic=guide.topic,
                audience=guide.audience,
                heading=heading,
                position=position,
                text=section.text,
            )
        )
    return chunks


def corpus_chunks() -> list[GuideChunk]:
    """All chunks of the shipped corpus."""
    return [chunk for guide in load_guides() for chunk in chunk_guide(guide)]


class SyncResult(BaseModel):
    """What a sync changed in the store."""

    added: int = 0
    removed: int = 0
    unchanged: int = 0


def sync_corpus(store: Store) -> SyncResult:
    """Make the ``guidance`` collection hold exactly the shipped corpus; embeds only new chunks."""
    chunks = corpus_chunks()
    wanted = {c.id: c for c in chunks}
    present = store.ids("guidance", where=field_is("source_type", "guidance"))
    stale = sorted(present - wanted.keys())
    new = [c for c in chunks if c.id not in present]
    store.delete("guidance", ids=stale)
    store.upsert(
        "guidance",
        ids=[c.id for c in new],
        texts=[c.text for c in new],
        metadatas=[c.metadata() for c in new],
        embed_texts=[c.embed_text for c in new],
    )
    return SyncResult(added=len(new), removed=len(stale), unchanged=len(wanted) - len(new))


# --- development action catalogue -------------------------------------------------------------

class LocalizedText(RootModel[dict[str, str]]):
    """The same text in several languages: language code -> text, the default language required.

    Every key must be a catalogue language (``knowledge/i18n/locales/<code>/``), so a typo is an
    error; a language without its own text reads the default language's.
    """

    model_config = ConfigDict(frozen=True)

    @model_validator(mode="after")
    def _known_languages(self) -> LocalizedText:
        unknown = sorted(set(self.root) - set(available_languages()))
        if unknown:
            raise ValueError(f"no catalogue language {', '.join(unknown)}")
        if not self.root.get(DEFAULT_LANGUAGE, "").strip() or not all(t.strip() for t in self.root.values()):
            raise ValueError(f"a text needs a non-empty {DEFAULT_LANGUAGE!r} version and no empty ones")
        return self

    def get(self, language: str) -> str:
        """The text in ``language`` (the default language's for a language without its own)."""
        return self.root.get(language) or self.root[DEFAULT_LANGUAGE]


class CatalogueAction(BaseModel):
    """A development action the organisation offers (the only actions the coach may propose)."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1, max_length=100)
    category: Literal["experience", "social", "formal"]
    skills: tuple[str, ...] = ()
    """The skills in the shared English vocabulary."""
    keywords: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    """Per language other than English, the skills in that language, in the same order."""
    title: LocalizedText
    description: LocalizedText
    success_indicator: LocalizedText
    typical_weeks: int = Field(ge=1, le=104)
    source: str

    @model_validator(mode="before")
    @classmethod
    def _legacy_keywords(cls, data: Any) -> Any:
        """Accept the older ``keywords_nl: [...]`` as ``keywords: {nl: [...]}``."""
        if isinstance(data, dict) and "keywords_nl" in data:
            data = dict(data)
            data["keywords"] = {"nl": data.pop("keywords_nl"), **(data.get("keywords") or {})}
        return data


@functools.cache
def load_catalogue() -> tuple[CatalogueAction, ...]:
    """The shipped development action catalogue (``knowledge/corpus/catalogue.yaml``)."""
    raw = yaml.safe_load((_corpus_root() / "catalogue.yaml").read_text(encoding="utf-8"))
    items = raw.get("actions", raw) if isinstance(raw, dict) else raw
    if not isinstance(items, list):
        raise ValueError("catalogue.yaml must hold a list of actions")
    actions = tuple(CatalogueAction.model_validate(item) for item in items)
    ids = [a.id for a in actions]
    if len(ids) != len(set(ids)):
        raise ValueError("catalogue.yaml has duplicate action ids")
    return actions
