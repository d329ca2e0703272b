"""Text out of PDF policy documents (pypdf).

Text out of PDF policy documents (pypdf): encrypted, image-only and unreadable files are clear
errors.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from knowledge.document_errors import (
    MAX_DOCUMENT_CHARS,
    MAX_PDF_BYTES,
    MAX_PDF_PAGES,
    MIN_PDF_LETTERS,
    DocumentError,
    DocumentTooLarge,
    PdfEncrypted,
    PdfUnreadable,
    PdfWithoutText,
)

if TYPE_CHECKING:
    from pypdf import PdfReader


# --- PDF --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PdfText:
    """The text of a PDF (pages separated by a blank line) and its metadata title, if any."""

    text: str
    title: str | None
    pages: int


_PDF_CHARS = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
                            "\ufb05": "st", "\ufb06": "st", "\u00ad": "", "\r": "\n"})
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def extract_pdf(data: bytes, *, name: str, max_bytes: int = MAX_PDF_BYTES, max_pages: int = MAX_PDF_PAGES,
                max_chars: int = MAX_DOCUMENT_CHARS, min_letters: int = MIN_PDF_LETTERS) -> PdfText:
    """The text of a PDF, page by page; raises a :class:`DocumentError` saying what is wrong.

    The limits default to :mod:`knowledge.document_errors`'; :mod:`knowledge.documents` passes
    its own (so one place, and a test, can change them).

    A PDF with only an owner password (printing or copying restricted) is read; one that
    needs a password to open is refused, as are scans without a text layer and damaged files.
    """
    from pypdf import PdfReader  # imported here: only PDF ingestion pays for it

    if len(data) > max_bytes:
        raise DocumentTooLarge(name, f"the PDF is larger than {max_bytes // 1_000_000} MB")
    if not data.strip():
        raise PdfUnreadable(name, "the PDF file is empty")
    if b"%PDF-" not in data[:1024]:
        raise PdfUnreadable(name, "this is not a PDF file")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not _unlock(reader):
            raise PdfEncrypted(
                name, "the PDF is encrypted or password-protected; save a copy without protection and upload that"
            )
        if len(reader.pages) > max_pages:
            raise DocumentTooLarge(name, f"the PDF has more than {max_pages} pages")
        pages: list[str] = []
        total = 0
        for page in reader.pages:
            text = _pdf_page_text(page.extract_text())
            total += len(text)
            if total > max_chars:
                raise DocumentTooLarge(name, f"the PDF holds more than {max_chars} characters of text")
            pages.append(text)
        title = _pdf_title(reader)
    except DocumentError:
        raise
    except Exception as exc:  # pypdf raises many kinds of error on damaged input, not only PdfReadError
        raise PdfUnreadable(
            name, "the PDF is damaged or incomplete and cannot be read; export or download it again"
        ) from exc
    text = "\n\n".join(p for p in pages if p)
    if len(re.findall(r"[^\W\d_]", text)) < min_letters:
        raise PdfWithoutText(
            name, "the PDF has no text to extract, only images (a scan?); export it from the original "
            "document as a PDF with text, or as a .txt or .md file, or run text recognition (OCR) first",
        )
    return PdfText(text=text, title=title, pages=len(pages))


def _unlock(reader: PdfReader) -> bool:
    """Open an encrypted PDF that has an empty user password (only an owner password)."""
    try:
        return bool(reader.decrypt(""))
    except Exception:  # DependencyError: AES needs the `cryptography` package
        return False


def _pdf_page_text(raw: str) -> str:
    """Clean text extracted from a PDF page.

    Clean extracted text: ligatures and control characters out, and a blank line after each
    line that ends a sentence, so that long pages can be cut at paragraphs like plain text.
    """
    text = _CONTROL.sub("", raw.translate(_PDF_CHARS))
    text = "\n".join(line.rstrip() for line in text.split("\n")).strip()
    text = re.sub(r"([.!?:;])\n(?=\S)", r"\1\n\n", text)
    return re.sub(r"\n{3,}", "\n\n", text)


def _pdf_title(reader: PdfReader) -> str | None:
    title = reader.metadata.title if reader.metadata is not None else None
    if not isinstance(title, str):
        return None
    title = " ".join(_CONTROL.sub(" ", title).split())
    # Word's "print to PDF" titles the file "Microsoft Word - verlof.docx".
    match = re.fullmatch(r"Microsoft \w+ - (.+?)(?:\.\w{2,4})?", title)
    title = match.group(1).strip() if match else title
    return title[:300] if title and title.lower() not in ("untitled", "document") else None
