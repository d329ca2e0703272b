r"""Text from records is data: what comes in loses its invisible characters, what goes out is plain.

* :func:`clean_input` (every text field on the way in): drops invisible and bidi control
  characters: C0/C1 controls except tab and newlines, bidi embeddings, overrides and isolates,
  zero-width characters, Unicode tag characters and the variation selectors supplement (both
  used to smuggle hidden text), invisible fillers. Joiners stay where writing needs them
  (emoji sequences, non-Latin scripts), tag characters only in emoji flag sequences.
* :func:`plain` (every output string): :func:`clean_input`, then markdown images removed,
  markdown links and bare URLs kept only for allowed hosts (a removed link keeps its label),
  HTML tags removed (``script``/``style`` with their content), HTML comments removed.
* :func:`clip`: truncation at a grapheme-cluster boundary (never inside an emoji, a flag or
  a letter with its accents), with an ellipsis.
* :class:`PlainStream`: :func:`plain` over streamed text, holding back an unfinished link or tag.

Uses the ``regex`` module for grapheme clusters (``\X``) and Unicode properties.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from html.parser import HTMLParser
from urllib.parse import urlsplit

import regex

_DROP = (
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # C0 (but tab, LF, CR) and C1 controls
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e"  # soft hyphen, CGJ, ALM, fillers, Mongolian VS
    "\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f"  # zero width, bidi marks/embeddings/isolates
    "\u3164\ufeff\uffa0\ufff9-\ufffb"  # Hangul filler, BOM, halfwidth filler, annotations
    "\U000e0100-\U000e01ef"  # variation selectors supplement
)
_DROP_RE = regex.compile(f"[{_DROP}]")
_JOINER_RE = regex.compile("[\u200c\u200d]")
_EMOJI_RE = regex.compile(r"[\p{Extended_Pictographic}\p{Emoji_Modifier}\ufe0f]")
_NON_LATIN_LETTER_RE = regex.compile(r"[[\p{L}\p{M}]--[\p{Latin}\p{Common}\p{Inherited}]]", regex.V1)
_FLAG_RE = regex.compile("\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f")
_TAG_RE = regex.compile("[\U000e0000-\U000e007f]")
_SEPARATORS = {"\u2028": "\n", "\u2029": "\n\n", "\x85": "\n"}


def clean_input(text: str) -> str:
    """``text`` without invisible or bidi control characters (tab and newlines stay)."""
    if text.isascii():
        return _DROP_RE.sub("", text) if not text.isprintable() else text
    for sep, replacement in _SEPARATORS.items():
        text = text.replace(sep, replacement)
    flags = _FLAG_RE.findall(text)
    if flags:
        parts = _FLAG_RE.split(text)
        cleaned = [_TAG_RE.sub("", part) for part in parts]
        text = "".join(c + (flags[i] if i < len(flags) else "") for i, c in enumerate(cleaned))
    else:
        text = _TAG_RE.sub("", text)
    text = _DROP_RE.sub("", text)
    return _JOINER_RE.sub(lambda m: _joiner(text, m.start()), text) if "\u200c" in text or "\u200d" in text else text


def _joiner(text: str, i: int) -> str:
    """A joiner stays between two emoji or two letters of a non-Latin script; elsewhere it hides text."""
    prev, nxt = text[i - 1 : i], text[i + 1 : i + 2]
    if not prev or not nxt:
        return ""
    if _EMOJI_RE.match(prev) and _EMOJI_RE.match(nxt):
        return text[i]
    if _NON_LATIN_LETTER_RE.match(prev) and _NON_LATIN_LETTER_RE.match(nxt):
        return text[i]
    return ""


def clean_value(value: object) -> object:
    """:func:`clean_input` on every string in parsed JSON (strings, lists, dicts, keys too)."""
    if isinstance(value, str):
        return clean_input(value)
    if isinstance(value, list):
        return [clean_value(v) for v in value]
    if isinstance(value, dict):
        return {clean_value(k): clean_value(v) for k, v in value.items()}
    return value


def clip(text: str, limit: int, *, ellipsis: str = "…") -> str:
    """``text`` cut to at most ``limit`` characters at a grapheme boundary, with ``ellipsis``."""
    if len(text) <= limit:
        return text
    room = max(0, limit - len(ellipsis))
    out, used = [], 0
    for cluster in regex.findall(r"\X", text):
        if used + len(cluster) > room:
            break
        out.append(cluster)
        used += len(cluster)
    # A bidi control left open by the cut would reorder what follows the text: none survive.
    return clean_input("".join(out)).rstrip() + ellipsis


# --- outputs ----------------------------------------------------------------------------------

_IMAGE_RE = regex.compile(r"!\[(?:[^\[\]]|\[[^\[\]]*\])*\]\([^()\s]*(?:\([^()\s]*\)[^()\s]*)*(?:\s+\"[^\"]*\")?\)")
_LINK_RE = regex.compile(
    r"\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*<?([^()\s>]*(?:\([^()\s]*\)[^()\s>]*)*)>?(?:\s+\"[^\"]*\")?\s*\)"
)
_REF_IMAGE_RE = regex.compile(r"!\[([^\[\]]*)\]\[[^\[\]]*\]")
_REF_DEF_RE = regex.compile(r"^[ \t]{0,3}\[[^\[\]]+\]:[ \t]*<?\S+>?(?:[ \t]+(?:\"[^\"]*\"|'[^']*'|\([^()]*\)))?[ \t]*$",
                            regex.MULTILINE)
_AUTOLINK_RE = regex.compile(r"<((?:[a-zA-Z][a-zA-Z0-9+.-]{1,31}:|www\.)[^<>\s]*)>")
_URL_RE = regex.compile(
    r"(?i)\b(?:(?:https?|ftp|file|javascript|data|vbscript):|www\.)[^\s<>\"'`]*[^\s<>\"'`.,;:!?)\]}]"
)
# A host name with a path ("evil.example/collect?x=1"): renderers that linkify turn it into a link.
_BARE_HOST_RE = regex.compile(
    r"(?<![\w@./-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,24}(?::\d+)?/[^\s<>\"'`]*", regex.IGNORECASE
)
_TAG_START_RE = regex.compile(r"<[a-zA-Z!/?]")
_DROP_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "template", "noscript", "svg", "math"})


def _host_allowed(url: str, allowed: frozenset[str]) -> bool:
    if not allowed:
        return False
    target = url if "://" in url else "http://" + url.removeprefix("//")
    try:
        parts = urlsplit(target)
    except ValueError:
        return False
    if parts.scheme not in ("http", "https"):
        return False
    host = (parts.hostname or "").lower().rstrip(".")
    return any(host == h or host.endswith("." + h) for h in allowed)


class _TextOnly(HTMLParser):
    """Keeps the text of an HTML fragment; drops tags, comments and script-like content."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP_CONTENT:
            self._skip += 1
        elif tag in ("br", "p", "div", "li", "tr"):
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "hr"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP_CONTENT and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


_OPEN_TAG_AT_END_RE = regex.compile(r"<[a-zA-Z!/?][^>]*$")


def _strip_html(text: str) -> str:
    if not _TAG_START_RE.search(text):
        return text
    parser = _TextOnly()
    parser.feed(text)
    parser.close()
    # An unfinished tag at the end ("<img src=x onerror=...") is not a tag to the parser.
    return _OPEN_TAG_AT_END_RE.sub("", "".join(parser.parts))


def plain(text: str, *, allowed_hosts: Iterable[str] = ()) -> str:
    """``text`` as plain text: no invisible characters, markdown images, foreign links or HTML."""
    out = _plain(text, frozenset(h.lower().strip(".") for h in allowed_hosts if h))
    return text if out == text else out.strip()


def _may_hold_markup(text: str) -> bool:
    """Whether any of the patterns below could match: most output strings hold none of their cues.

    ``www.`` in any case (the URL pattern ignores case): screening for a lower-case ``w`` sent
    nearly every English text down the slow path and let ``WWW.EVIL.EXAMPLE`` through (issue 9).
    """
    return any(c in text for c in "<[!:&/") or "www." in text.casefold()


def _plain(text: str, allowed: frozenset[str]) -> str:
    text = clean_input(text)
    if not _may_hold_markup(text):
        return text
    original = text
    # Plain text has no entities: decode them first, so that "&lt;script&gt;" is markup too.
    if "&" in text:
        text = clean_input(html.unescape(text))
    text = _strip_html(text)
    text = _IMAGE_RE.sub("", text)
    text = _REF_IMAGE_RE.sub("", text)
    text = _REF_DEF_RE.sub("", text)

    def link(m: regex.Match[str]) -> str:
        label, url = m.group(1), m.group(2)
        return m.group(0) if _host_allowed(url, allowed) else label

    text = _LINK_RE.sub(link, text)
    text = _AUTOLINK_RE.sub(lambda m: m.group(0) if _host_allowed(m.group(1), allowed) else "", text)
    text = _URL_RE.sub(lambda m: m.group(0) if _host_allowed(m.group(0), allowed) else "", text)
    text = _BARE_HOST_RE.sub(lambda m: m.group(0) if _host_allowed(m.group(0), allowed) else "", text)
    if text == original:
        return text
    # Close the gaps the removed markup left (text without markup keeps its spacing).
    text = regex.sub(r"[ \t]{2,}", " ", text)
    return regex.sub(r"\n{3,}", "\n\n", text)


def has_markup(text: str, *, allowed_hosts: Iterable[str] = ()) -> bool:
    """Whether :func:`plain` would change ``text`` beyond whitespace."""
    return regex.sub(r"\s+", " ", plain(text, allowed_hosts=allowed_hosts)) != regex.sub(r"\s+", " ", text).strip()


_SCHEMES = ("http", "https", "www", "ftp", "file", "javascript", "data", "vbscript")


class PlainStream:
    """:func:`plain` over streamed text: feed pieces, get safe plain text back.

    Text after an unfinished ``[``, ``<`` or URL is held back until it is finished (or the
    buffer passes ``max_hold`` characters), so a link split over two tokens is still removed.
    """

    def __init__(self, *, allowed_hosts: Iterable[str] = (), max_hold: int = 2000) -> None:
        self._allowed = frozenset(h.lower().strip(".") for h in allowed_hosts if h)
        self._buffer = ""
        self._max_hold = max_hold

    def _cut(self) -> int:
        """How much of the buffer may be sent now.

        How much of the buffer may go now: all of it, but an unfinished link, tag, URL or
        entity (and what follows it) is held back.
        """
        buf = self._buffer
        word_start = max(buf.rfind(" "), buf.rfind("\n"), buf.rfind("\t")) + 1
        tail = buf[word_start:].lower()
        cut = len(buf)
        if tail and (any(c in tail for c in ".:/&") or any(p.startswith(tail) for p in _SCHEMES)):
            cut = word_start
        head = buf[:cut]
        for opener, closer in (("[", ")"), ("<", ">"), ("(", ")")):
            start = head.rfind(opener)
            if start >= 0 and head.find(closer, start) < 0:
                cut = min(cut, start)
        if buf[:cut].endswith("!"):  # the start of an image
            cut -= 1
        return cut

    def feed(self, piece: str) -> str:
        """Plain text for what can be sent now ("" while a link or tag may be unfinished)."""
        self._buffer += piece
        cut = len(self._buffer) if len(self._buffer) > self._max_hold else self._cut()
        if cut <= 0:
            return ""
        ready, self._buffer = self._buffer[:cut], self._buffer[cut:]
        return _plain(ready, self._allowed)

    def flush(self) -> str:
        """The rest, at the end of the stream."""
        rest, self._buffer = self._buffer, ""
        return _plain(rest, self._allowed) if rest else ""
