"""PDF files: text page by page within the limits, title, author and creation date."""

from __future__ import annotations

import datetime as dt
import io
import re

from crosscheck.config import Limits
from crosscheck.errors import IngestError
from crosscheck.ingest.dating import date_from_parts, parse_date
from crosscheck.ingest.document import clean_meta, short_error
from crosscheck.records import Document

# Parser limits for compressed and paged formats, kept well above any real article or report.
MAX_PDF_PAGES = 2_000


def extract_pdf(name: str, data: bytes, limits: Limits) -> Document:
    import pypdf

    if b"%PDF-" not in data[:1024]:
        raise IngestError(name, "not a PDF file (no %PDF header)")
    # pypdf raises many exception types on damaged files; any of them means "cannot read this PDF".
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise IngestError(name, "PDF is encrypted")
        pages = len(reader.pages)
        if pages > MAX_PDF_PAGES:
            raise IngestError(name, f"PDF has {pages:,} pages, more than the limit of {MAX_PDF_PAGES:,}")
        parts, size = [], 0
        for page in reader.pages:
            part = page.extract_text() or ""
            size += len(part)
            limits.check_text(name, size, so_far=True)
            parts.append(_join_pdf_lines(part))
        meta = reader.metadata
        title = meta.title if meta else None
        author = meta.author if meta else None
        created = meta.get("/CreationDate") if meta else None  # raw: pypdf's own parser raises on a bad date
    except IngestError:
        raise
    except Exception as e:  # noqa: BLE001 - hostile input: every parser failure becomes a refusal
        raise IngestError(name, f"cannot read PDF ({type(e).__name__}: {short_error(e)})") from e
    text, title = "\n\n".join(parts), clean_meta(title)
    if title and text.startswith(title + " "):
        text = title + "\n\n" + text[len(title) + 1 :]  # the heading is not part of the first sentence
    doc = Document(text=text, title=title, publisher=clean_meta(author), source_name=name)
    if created is not None:
        if (d := pdf_date(created)) is not None:
            doc.published_on, doc.date_source = d, "metadata"
        else:
            doc.notes.append(f"PDF creation date {clean_meta(created)!s:.40} not understood, not used")
    return doc


_PDF_DATE = re.compile(r"\s*D:(\d{4})(\d{2})(\d{2})")


def pdf_date(value: object) -> dt.date | None:
    """The day of a PDF date ("D:20220216120000+03'00'"), or of a date written another way (ISO, 2022/02/16,
    16 February 2022); None when it names no real day (D:00000000, month 13, only a year or a month)."""
    text = str(value)[:100]
    if m := _PDF_DATE.match(text):
        return date_from_parts({"y": m[1], "m": m[2], "d": m[3]})
    return parse_date(text)


def _join_pdf_lines(text: str) -> str:
    """Undo the hard line breaks of PDF layout: a line that does not end a sentence continues on the next."""
    text = re.sub(r"(\w)-\n(\w)", r"\1\2", text)
    return re.sub(r"(?<![.!?:;”\"])[ \t]*\n(?![ \t]*\n)", " ", text)
