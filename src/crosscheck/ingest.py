"""Ingest: file bytes, pasted text or a URL → Documents (text, metadata, sha256).

Interface used by the pipeline, the CLI and the Upload page:
    extract_file(name, data, *, limits=None, title=None, publisher=None, date=None) -> Extraction
    extract_text(text, *, source_name="pasted text", title=None, publisher=None, date=None) -> Extraction
    extract_url(url, *, limits=None, ...) -> Extraction
    normalise_text(text) -> str
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from pathlib import Path

from crosscheck.config import Limits
from crosscheck.errors import IngestError
from crosscheck.records import Document, Extraction

_FILE_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def normalise_text(text: str) -> str:
    """Unicode NFC, unified newlines, no trailing spaces, at most one blank line in a row."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _finish(doc: Document) -> Document:
    doc.text = normalise_text(doc.text)
    if not doc.text:
        raise IngestError(doc.source_name, "no text found")
    doc.sha256 = text_sha256(doc.text)
    return doc


def date_from_name(name: str) -> dt.date | None:
    m = _FILE_DATE.search(name)
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def extract_text(
    text: str,
    *,
    source_name: str = "pasted text",
    title: str | None = None,
    publisher: str | None = None,
    date: dt.date | None = None,
    url: str | None = None,
) -> Extraction:
    """A document from text typed or pasted by the analyst."""
    doc = Document(text=text, title=title, publisher=publisher, url=url, source_name=source_name)
    if date:
        doc.published_on, doc.date_source = date, "option"
    return Extraction([_finish(doc)])


def extract_file(
    name: str,
    data: bytes,
    *,
    limits: Limits | None = None,
    title: str | None = None,
    publisher: str | None = None,
    date: dt.date | None = None,
) -> Extraction:
    """Documents from one uploaded file; the format comes from the extension."""
    limits = limits or Limits()
    if len(data) > limits.max_file_bytes:
        raise IngestError(name, f"file is larger than {limits.max_file_bytes // (1024 * 1024)} MB")
    suffix = Path(name).suffix.lower()
    if suffix not in (".txt", ".md"):
        raise IngestError(name, f"unsupported file type {suffix or '(none)'}")
    text = data.decode("utf-8", errors="replace")
    ext = extract_text(text, source_name=name, title=title or Path(name).stem, publisher=publisher, date=date)
    doc = ext.documents[0]
    doc.format = suffix.lstrip(".")
    if doc.published_on is None and (d := date_from_name(name)):
        doc.published_on, doc.date_source = d, "filename"
    return ext


def extract_path(path: str | Path, **options) -> Extraction:
    """Read a file from disk and extract it."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise IngestError(str(path), f"cannot read file: {e.strerror or e}") from e
    return extract_file(path.name, data, **options)


def extract_url(url: str, *, limits: Limits | None = None, **options) -> Extraction:
    """Fetch a public http(s) page and extract its main text."""
    raise IngestError(url, "URL ingestion is not available yet")
