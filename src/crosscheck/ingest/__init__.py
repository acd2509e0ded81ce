"""Ingest: file bytes, pasted text or a URL → Documents (text, metadata, sha256).

Interface used by the pipeline, the CLI and the Upload page:
    extract_file(name, data, *, limits=None, title=None, publisher=None, date=None) -> Extraction
    extract_path(path, **same options) -> Extraction
    extract_text(text, *, source_name="pasted text", title=None, publisher=None, date=None, url=None) -> Extraction
    extract_url(url, *, limits=None, title=None, publisher=None, date=None) -> Extraction
    normalise_text(text) -> str, text_sha256(text) -> str, date_from_name(name) -> date | None

One module per format (plain, html, pdf, word, rows), fetching URLs (fetch), decoding bytes (decode),
finding a document's date (dating) and finishing a Document (document).

Dates: the date= option wins, then metadata (HTML, PDF, DOCX, front matter), a bulk file's date
column, a date near the top of the text, the file name; otherwise published_on stays None. A date
that is not understood ("yesterday", 31/02/2022) or lies outside 1900–2100 (placeholders such as
0001-01-01) is not used: the document is stored undated, or with its next date, and its summary line
says why.

Every refusal is an IngestError whose message names the file (or URL) and the reason.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path
from typing import Callable

from crosscheck.config import Limits
from crosscheck.errors import IngestError
from crosscheck.ingest.dating import date_from_name, date_from_text, parse_date
from crosscheck.ingest.decode import printable_name
from crosscheck.ingest.document import finish_document, normalise_text, text_sha256
from crosscheck.ingest.html import extract_html
from crosscheck.ingest.pdf import extract_pdf
from crosscheck.ingest.plain import extract_plain
from crosscheck.ingest.rows import extract_rows, map_columns
from crosscheck.ingest.word import extract_docx
from crosscheck.records import Document, Extraction

__all__ = ["FORMATS", "date_from_name", "date_from_text", "extract_file", "extract_path", "extract_text", "extract_url",
           "map_columns", "normalise_text", "parse_date", "text_sha256"]

FORMATS = {
    ".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html",
    ".pdf": "pdf", ".docx": "docx", ".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl",
}


EXTRACTORS: dict[str, Callable[..., Document]] = {
    "txt": extract_plain, "md": extract_plain, "html": extract_html, "pdf": extract_pdf, "docx": extract_docx,
}


def extract_text(
    text: str,
    *,
    source_name: str = "pasted text",
    title: str | None = None,
    publisher: str | None = None,
    date: dt.date | None = None,
    url: str | None = None,
    limits: Limits | None = None,
) -> Extraction:
    """A document from text typed or pasted by the analyst."""
    doc = Document(text=text, title=title, publisher=publisher, url=url, source_name=printable_name(source_name))
    return Extraction([finish_document(doc, limits or Limits(), date=date)])


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
    name = printable_name(name)
    fmt = FORMATS.get(Path(name).suffix.lower())
    if fmt is None:
        suffix = Path(name).suffix.lower() or "(none)"
        raise IngestError(name, f"unsupported file type {suffix}; expected one of {', '.join(sorted(set(FORMATS)))}")
    if len(data) > limits.max_file_bytes:
        raise IngestError(
            name, f"file is {len(data) / 2**20:.1f} MB, more than the limit of {limits.max_file_bytes / 2**20:.0f} MB "
            "(CROSSCHECK_MAX_FILE_MB)",
        )
    if not data:
        raise IngestError(name, "file is empty")
    if fmt in ("csv", "jsonl"):
        return extract_rows(name, data, fmt, limits=limits, title=title, publisher=publisher, date=date)
    doc = EXTRACTORS[fmt](name, data, limits)
    doc.format = fmt
    doc.title = title or doc.title
    doc.publisher = publisher or doc.publisher
    return Extraction([finish_document(doc, limits, date=date)])


def extract_path(path: str | Path, **options) -> Extraction:
    """Read a regular file from disk (never a device, FIFO or socket, whatever a link points at) and extract it.

    The file is opened without blocking and read up to one byte past the limit, so neither a FIFO nor a
    file that grows (or a size that `stat` misreports) can make this wait or fill memory.
    """
    path = Path(path)
    shown = printable_name(str(path))
    limits = options.get("limits") or Limits()
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as e:
        raise IngestError(shown, f"cannot read file: {e.strerror or e}") from e
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise IngestError(shown, "not a regular file (a device, pipe, socket or folder); only files are read")
        chunks, size = [], 0
        while size <= limits.max_file_bytes and (chunk := os.read(fd, min(1 << 20, limits.max_file_bytes + 1 - size))):
            chunks.append(chunk)
            size += len(chunk)
    except OSError as e:
        raise IngestError(shown, f"cannot read file: {e.strerror or e}") from e
    finally:
        os.close(fd)
    if size > limits.max_file_bytes:
        raise IngestError(shown, f"file is larger than the limit of {limits.max_file_bytes / 2**20:.0f} MB (CROSSCHECK_MAX_FILE_MB)")
    return extract_file(path.name, b"".join(chunks), **options)


def extract_url(
    url: str,
    *,
    limits: Limits | None = None,
    title: str | None = None,
    publisher: str | None = None,
    date: dt.date | None = None,
    allow_private: bool = False,
) -> Extraction:
    """Fetch a public http(s) page or PDF and extract its main text.

    allow_private exists for tests only: it lets a test fetch from a server on the loopback address.
    """
    from crosscheck.ingest.fetch import fetch_url

    limits = limits or Limits()
    page = fetch_url(url, limits=limits, allow_private=allow_private)
    if page.content_type == "application/pdf":
        doc, doc_format = extract_pdf(url, page.data, limits), "pdf"
    elif "html" in page.content_type:
        doc, doc_format = extract_html(url, page.data, limits, url=page.url, charset=page.charset), "html"
    else:
        doc, doc_format = extract_plain(url, page.data, limits, charset=page.charset), "txt"
    doc.format = doc_format
    doc.url = doc.url or page.url
    doc.title = title or doc.title
    doc.publisher = publisher or doc.publisher
    return Extraction([finish_document(doc, limits, date=date)])
