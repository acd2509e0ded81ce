"""A Document from extracted text: normalised, hashed, titled and dated by the fallbacks; shared helpers of the formats."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from pathlib import Path

from crosscheck.config import Limits
from crosscheck.dates import is_plausible
from crosscheck.errors import IngestError
from crosscheck.ingest.dating import date_from_name, date_from_text, implausible_note
from crosscheck.ingest.decode import clean_text
from crosscheck.records import Document

_MAX_TITLE_CHARS = 200

PROLOG_CHARS = 65536

_OBJECT_REPR = re.compile(r"'?<[\w.]+ object at 0x[0-9a-fA-F]+>'?")


def normalise_text(text: str) -> str:
    """Clean, NFC-normalised text with unified newlines, no trailing spaces and no runs of blank lines."""
    text = unicodedata.normalize("NFC", clean_text(text))
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def text_sha256(text: str) -> str:
    """Hex sha256 of the UTF-8 bytes of (already normalised) text: the document's identity."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def title_from_text(text: str, fallback: str) -> str:
    """The first line of the text when it is short enough to be a title, else the fallback."""
    first = text.lstrip().split("\n", 1)[0].strip().lstrip("#").strip()
    return first if first and len(first) <= _MAX_TITLE_CHARS else fallback


def finish_document(doc: Document, limits: Limits, *, date: dt.date | None = None, fallback_title: str | None = None) -> Document:
    """Normalise the text, check its size, hash it and fill in title and date fallbacks."""
    doc.text = normalise_text(doc.text)
    if not doc.text:
        raise IngestError(doc.source_name, "no text found")
    limits.check_text(doc.source_name, len(doc.text))
    doc.sha256 = text_sha256(doc.text)
    if date is not None:
        doc.published_on, doc.date_source = date, "option"
    if doc.published_on is not None and not is_plausible(doc.published_on):
        doc.notes.append(f"{doc.date_source or 'document'} {implausible_note(doc.published_on)}, not used")
        doc.published_on, doc.date_source = None, None
    if doc.published_on is None and (d := date_from_text(doc.text)):
        doc.published_on, doc.date_source = d, "text"
    if doc.published_on is None and (d := date_from_name(doc.source_name)):
        doc.published_on, doc.date_source = d, "filename"
    fallback_title = fallback_title or Path(doc.source_name).stem or doc.source_name
    doc.title = (doc.title or "").strip() or title_from_text(doc.text, fallback_title)
    doc.publisher = (doc.publisher or "").strip() or None
    return doc


def clean_meta(value: object) -> str | None:
    text = normalise_text(str(value)) if value else ""
    return text or None


def short_error(e: BaseException) -> str:
    """One line of an exception's message, without the reprs of our own objects ("<_io.BytesIO object at 0x…>")."""
    return " ".join(_OBJECT_REPR.sub("the file", str(e)).split())[:120] or "no details"
