"""Limits of policy documents, and the errors ingesting one raises (the API answers them with 4xx)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

if TYPE_CHECKING:
    pass


Format = Literal["markdown", "text", "pdf"]

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
TEXT_SUFFIXES = frozenset({".txt", ".text"})
PDF_SUFFIXES = frozenset({".pdf"})
SUPPORTED_SUFFIXES = MARKDOWN_SUFFIXES | TEXT_SUFFIXES | PDF_SUFFIXES
MAX_DOCUMENT_CHARS = 500_000
MAX_PDF_BYTES = 20_000_000
MAX_PDF_PAGES = 500
MIN_PDF_LETTERS = 20
"""A PDF with fewer letters than this has no real text layer (a scan with a page number)."""

class DocumentError(ValueError):
    """A document that cannot be ingested, with a stable ``code`` to branch on.

    A document that cannot be ingested. ``str()`` is ``"name: detail"``; ``detail`` alone
    does not repeat the name (the API answers with it). ``code`` is a stable slug to branch on.
    """

    code: ClassVar[str | None] = None
    title: ClassVar[str | None] = None

    def __init__(self, name: str, detail: str) -> None:
        super().__init__(f"{name}: {detail}")
        self.name = name
        self.detail = detail


class DocumentTooLarge(DocumentError):
    """Too many bytes, pages or characters."""

    title = "Document too large"


class PdfEncrypted(DocumentError):
    """The PDF is encrypted: its text cannot be read."""

    code = "pdf-encrypted"
    title = "Encrypted PDF"


class PdfWithoutText(DocumentError):
    """The PDF has no text layer (scanned images only)."""

    code = "pdf-without-text"
    title = "PDF without text"


class PdfUnreadable(DocumentError):
    """The file is not a PDF pypdf can read."""

    code = "pdf-unreadable"
    title = "Unreadable PDF"
