"""Ingest: file bytes, pasted text or a URL → Documents (text, metadata, sha256).

Interface used by the pipeline, the CLI and the Upload page:
    extract_file(name, data, *, limits=None, title=None, publisher=None, date=None) -> Extraction
    extract_path(path, **same options) -> Extraction
    extract_text(text, *, source_name="pasted text", title=None, publisher=None, date=None, url=None) -> Extraction
    extract_url(url, *, limits=None, title=None, publisher=None, date=None) -> Extraction
    normalise_text(text) -> str, text_sha256(text) -> str, date_from_name(name) -> date | None

Dates: the date= option wins, then metadata (HTML, PDF, DOCX, front matter), a bulk file's date
column, a date near the top of the text, the file name; otherwise published_on stays None. A date
that is not understood ("yesterday", 31/02/2022) or lies outside 1900–2100 (placeholders such as
0001-01-01) is not used: the document is stored undated, or with its next date, and its summary line
says why.

Every refusal is an IngestError whose message names the file (or URL) and the reason.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import logging
import os
import re
import stat
import unicodedata
import zipfile
from pathlib import Path
from typing import Callable

from crosscheck.config import Limits
from crosscheck.dates import EARLIEST, LATEST, as_date, is_plausible
from crosscheck.decode import clean_text, decode_bytes, printable_name
from crosscheck.errors import IngestError
from crosscheck.records import Document, Extraction

log = logging.getLogger(__name__)

FORMATS = {
    ".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html",
    ".pdf": "pdf", ".docx": "docx", ".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl",
}

# Parser limits for compressed and paged formats, kept well above any real article or report.
MAX_PDF_PAGES = 2_000
MAX_HTML_CHARS = 5_000_000  # main-text extraction takes seconds per megabyte; real articles are far smaller
MAX_ZIP_MEMBERS = 2_000
MAX_ZIP_BYTES = 200 * 1024 * 1024
MAX_ZIP_RATIO = 100
MAX_DOCX_XML_BYTES = 30 * 1024 * 1024  # one XML part is parsed whole in memory; images may be larger

# Bulk files: accepted column names per field, compared case-insensitively.
COLUMNS = {
    "text": ("text", "body", "content", "article", "description", "transcript"),
    "title": ("title", "headline"),
    "date": ("date", "published", "published_on", "publication_date", "created_at"),
    "publisher": ("publisher", "source", "site", "outlet", "sitename"),
    "url": ("url", "link"),
    "speaker": ("speaker", "person"),
}
_MAX_LISTED_SKIPS = 20
_MAX_TITLE_CHARS = 200
_DATE_SEARCH_CHARS = 600

_FILE_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_MONTHS = {
    name: i
    for i, full in enumerate(
        ("january", "february", "march", "april", "may", "june", "july",
         "august", "september", "october", "november", "december"), start=1)
    for name in (full, full[:3], full[:4])
}
_MONTH = r"(january|february|march|april|may|june|july|august|september|october|november|december" \
         r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?"
_TEXT_DATES = (
    (re.compile(r"\b((?:19|20)\d\d)-(\d\d)-(\d\d)\b"), ("y", "m", "d")),
    (re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH},?\s+((?:19|20)\d\d)\b", re.I), ("d", "mon", "y")),
    (re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+((?:19|20)\d\d)\b", re.I), ("mon", "d", "y")),
)
# python-docx copies this creation time from its built-in template into every file it makes.
_DOCX_TEMPLATE_CREATED = dt.datetime(2013, 12, 23, 23, 15, tzinfo=dt.timezone.utc)
_PROLOG_CHARS = 65536
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?([A-Za-z0-9_.:-]{1,40})""", re.I)


# ---------------------------------------------------------------- text, hashes, dates


def normalise_text(text: str) -> str:
    """Clean, NFC-normalised text with unified newlines, no trailing spaces and no runs of blank lines."""
    text = unicodedata.normalize("NFC", clean_text(text))
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def text_sha256(text: str) -> str:
    """Hex sha256 of the UTF-8 bytes of (already normalised) text: the document's identity."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def date_from_name(name: str) -> dt.date | None:
    """A YYYY-MM-DD date in a file name, if there is a valid one inside 1900–2100."""
    for m in _FILE_DATE.finditer(name):
        try:
            d = dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            continue
        if is_plausible(d):
            return d
    return None


def implausible_note(value: dt.date) -> str:
    """Why a date outside EARLIEST–LATEST is not used, for the summary."""
    return f"date {value.isoformat()} is outside {EARLIEST.year}–{LATEST.year}"


def date_from_text(text: str) -> dt.date | None:
    """The first date written near the top of the text (2022-02-16, 16 February 2022, February 16, 2022)."""
    head = text[:_DATE_SEARCH_CHARS]
    found: list[tuple[int, dt.date]] = []
    for pattern, order in _TEXT_DATES:
        for m in pattern.finditer(head):
            if (d := _date_from_parts(dict(zip(order, m.groups())))) is not None:
                found.append((m.start(), d))
                break
    return min(found)[1] if found else None


def parse_date(value: object) -> dt.date | None:
    """A date from a metadata or column value: date, datetime, ISO string or a written-out date."""
    if not isinstance(value, str):
        return as_date(value)  # dates, datetimes, Timestamps; None, NaN and NaT are no date
    if not value.strip():
        return None
    value = value.strip()
    if re.match(r"\d{4}-\d{2}-\d{2}(?!\d)", value):  # ISO, perhaps with a time after it
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    m = re.fullmatch(r"(\d{4})[/.]?(\d{1,2})[/.]?(\d{1,2})", value) if len(value) <= 10 else None
    if m:
        return _date_from_parts({"y": m[1], "m": m[2], "d": m[3]})
    return date_from_text(value)


def _date_from_parts(parts: dict[str, str]) -> dt.date | None:
    month = _MONTHS.get(parts["mon"].lower().rstrip(".")) if "mon" in parts else int(parts["m"])
    try:
        return dt.date(int(parts["y"]), month or 0, int(parts["d"]))
    except ValueError:
        return None


def title_from_text(text: str, fallback: str) -> str:
    """The first line of the text when it is short enough to be a title, else the fallback."""
    first = text.lstrip().split("\n", 1)[0].strip().lstrip("#").strip()
    return first if first and len(first) <= _MAX_TITLE_CHARS else fallback


# ---------------------------------------------------------------- documents


def _finish(doc: Document, limits: Limits, *, date: dt.date | None = None, fallback_title: str | None = None) -> Document:
    """Normalise the text, check its size, hash it and fill in title and date fallbacks."""
    doc.text = normalise_text(doc.text)
    if not doc.text:
        raise IngestError(doc.source_name, "no text found")
    if len(doc.text) > limits.max_text_chars:
        raise IngestError(
            doc.source_name,
            f"text has {len(doc.text):,} characters, more than the limit of {limits.max_text_chars:,} "
            "(CROSSCHECK_MAX_TEXT_CHARS)",
        )
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
    return Extraction([_finish(doc, limits or Limits(), date=date)])


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
        return _extract_rows(name, data, fmt, limits=limits, title=title, publisher=publisher, date=date)
    doc = _EXTRACTORS[fmt](name, data, limits)
    doc.format = fmt
    doc.title = title or doc.title
    doc.publisher = publisher or doc.publisher
    return Extraction([_finish(doc, limits, date=date)])


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
    from crosscheck.fetch import fetch_url

    limits = limits or Limits()
    page = fetch_url(url, limits=limits, allow_private=allow_private)
    if page.content_type == "application/pdf":
        doc, doc_format = _extract_pdf(url, page.data, limits), "pdf"
    elif "html" in page.content_type:
        doc, doc_format = _extract_html(url, page.data, limits, url=page.url, charset=page.charset), "html"
    else:
        doc, doc_format = _extract_plain(url, page.data, limits, charset=page.charset), "txt"
    doc.format = doc_format
    doc.url = doc.url or page.url
    doc.title = title or doc.title
    doc.publisher = publisher or doc.publisher
    return Extraction([_finish(doc, limits, date=date)])


# ---------------------------------------------------------------- single-document formats


_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)


def _text_dates_loader():
    """yaml.SafeLoader that keeps dates and numbers as text: parse_date reads them, 2022-02-31 is a bad date and
    a 4,400-digit number a bad value, not bad YAML."""
    import yaml

    class TextScalars(yaml.SafeLoader):
        pass

    as_text = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
    TextScalars.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag not in as_text]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return TextScalars


_FRONT_MATTER_KEY = re.compile(r"([A-Za-z_][\w-]{0,40})[ \t]*:(?:[ \t]|$)")
FRONT_MATTER_FIELDS = ("title", "publisher", "url", "date")


def split_front_matter(text: str) -> tuple[dict, str, list[str]]:
    """A leading YAML front-matter block (title, publisher, date, url), the text after it, and notes on what was dropped.

    When the block as a whole is not safe YAML (a python tag, an alias bomb, a broken line), each top-level
    `key: value` line is read on its own: a bad value is dropped with a note and the others are kept. The
    block never becomes part of the text.
    """
    import yaml

    m = _FRONT_MATTER.match(text[:_PROLOG_CHARS])
    if not m:
        return {}, text, []
    loader = _text_dates_loader()
    try:
        meta = yaml.load(m[1], Loader=loader)  # noqa: S506 - a SafeLoader subclass
    except (yaml.YAMLError, RecursionError, ValueError):
        meta = None
    else:
        return (meta, text[m.end():], []) if isinstance(meta, dict) else ({}, text, [])
    lines = [line for line in m[1].splitlines() if _FRONT_MATTER_KEY.match(line)]
    if not lines:
        return {}, text, []  # not front matter after all: a rule line and some text
    meta, notes = {}, []
    for line in lines:
        key = _FRONT_MATTER_KEY.match(line)[1]
        try:
            value = yaml.load(line, Loader=loader)  # noqa: S506 - a SafeLoader subclass
        except (yaml.YAMLError, RecursionError, ValueError) as e:
            if key.lower() in FRONT_MATTER_FIELDS:
                why = " ".join(str(getattr(e, "problem", None) or _short(e)).split())[:80]
                notes.append(f"front matter {key} dropped: not plain YAML ({why})")
            continue
        if isinstance(value, dict):
            meta.update(value)
    return meta, text[m.end():], notes


def _extract_plain(name: str, data: bytes, limits: Limits, *, charset: str | None = None) -> Document:
    meta, text, notes = split_front_matter(decode_bytes(data, name, charset))
    # Only plain values count: a YAML alias bomb nested under "title" must not be turned into text.
    for key in FRONT_MATTER_FIELDS:
        if meta.get(key) is not None and not isinstance(meta[key], (str, int, float, dt.date)):
            notes.append(f"front matter {key} dropped: not a single value")
    meta = {k: v for k, v in meta.items() if isinstance(v, (str, int, float, dt.date))}
    doc = Document(
        text=text, source_name=name, title=_clean_meta(meta.get("title")),
        publisher=_clean_meta(meta.get("publisher")), url=_clean_meta(meta.get("url")), notes=notes,
    )
    if (d := parse_date(meta.get("date"))) is not None:
        doc.published_on, doc.date_source = d, "metadata"
    elif meta.get("date") is not None:
        doc.notes.append(f"front matter date {str(meta['date'])[:40]!r} not understood, not used")
    return doc


def _extract_html(
    name: str, data: bytes, limits: Limits, *, url: str | None = None, charset: str | None = None
) -> Document:
    import trafilatura

    declared = _META_CHARSET.search(data[:_PROLOG_CHARS])
    html = strip_doctype(decode_bytes(data, name, charset or (declared[1].decode("ascii") if declared else None)))
    if len(html) > MAX_HTML_CHARS:
        raise IngestError(name, f"HTML page has {len(html):,} characters, more than the limit of {MAX_HTML_CHARS:,}")
    try:
        result = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_comments=False, include_images=False, include_links=False
        )
        text = result.text if result is not None and result.text else trafilatura.html2txt(html)
    except Exception as e:  # noqa: BLE001 - hostile input: every parser failure becomes a refusal
        raise IngestError(name, f"cannot parse HTML ({type(e).__name__}: {_short(e)})") from e
    doc = Document(text=text or "", source_name=name)
    if result is not None:
        doc.title = result.title or None
        doc.publisher = result.sitename or None
        doc.url = result.url or url
        if (d := parse_date(result.date)) is not None:
            doc.published_on, doc.date_source = d, "metadata"
    return doc


def strip_doctype(html: str) -> str:
    """Remove the document type declaration, so no entity is ever declared, expanded or fetched (XXE).

    Only the prolog is searched, with plain string scans, so hostile input cannot make this slow.
    """
    start = html[:_PROLOG_CHARS].lower().find("<!doctype")
    if start == -1:
        return html
    close = html.find(">", start)
    subset = html.find("[", start)
    if subset != -1 and (close == -1 or subset < close):
        end = html.find("]", subset)
        close = html.find(">", end) if end != -1 else -1
    # An unterminated declaration swallows the rest of the file: nothing after it is markup to trust.
    return html[:start] if close == -1 else html[:start] + html[close + 1:]


def _extract_pdf(name: str, data: bytes, limits: Limits) -> Document:
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
            if size > limits.max_text_chars:
                raise IngestError(
                    name, f"PDF text is more than the limit of {limits.max_text_chars:,} characters (CROSSCHECK_MAX_TEXT_CHARS)"
                )
            parts.append(_join_pdf_lines(part))
        meta = reader.metadata
        title = meta.title if meta else None
        author = meta.author if meta else None
        created = meta.get("/CreationDate") if meta else None  # raw: pypdf's own parser raises on a bad date
    except IngestError:
        raise
    except Exception as e:  # noqa: BLE001 - hostile input: every parser failure becomes a refusal
        raise IngestError(name, f"cannot read PDF ({type(e).__name__}: {_short(e)})") from e
    text, title = "\n\n".join(parts), _clean_meta(title)
    if title and text.startswith(title + " "):
        text = title + "\n\n" + text[len(title) + 1 :]  # the heading is not part of the first sentence
    doc = Document(text=text, title=title, publisher=_clean_meta(author), source_name=name)
    if created is not None:
        if (d := pdf_date(created)) is not None:
            doc.published_on, doc.date_source = d, "metadata"
        else:
            doc.notes.append(f"PDF creation date {_clean_meta(created)!s:.40} not understood, not used")
    return doc


_PDF_DATE = re.compile(r"\s*D:(\d{4})(\d{2})(\d{2})")


def pdf_date(value: object) -> dt.date | None:
    """The day of a PDF date ("D:20220216120000+03'00'"), or of a date written another way (ISO, 2022/02/16,
    16 February 2022); None when it names no real day (D:00000000, month 13, only a year or a month)."""
    text = str(value)[:100]
    if m := _PDF_DATE.match(text):
        return _date_from_parts({"y": m[1], "m": m[2], "d": m[3]})
    return parse_date(text)


def _join_pdf_lines(text: str) -> str:
    """Undo the hard line breaks of PDF layout: a line that does not end a sentence continues on the next."""
    text = re.sub(r"(\w)-\n(\w)", r"\1\2", text)
    return re.sub(r"(?<![.!?:;”\"])[ \t]*\n(?![ \t]*\n)", " ", text)


def check_zip(name: str, data: bytes) -> zipfile.ZipFile:
    """Open a zip container after checking member count, total size and compression ratio (zip bombs)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as e:
        raise IngestError(name, f"not a valid DOCX file (broken zip: {_short(e)})") from e
    if len(members) > MAX_ZIP_MEMBERS:
        raise IngestError(name, f"DOCX has {len(members):,} parts, more than the limit of {MAX_ZIP_MEMBERS:,}")
    total = sum(m.file_size for m in members)
    if total > MAX_ZIP_BYTES:
        raise IngestError(name, f"DOCX unpacks to {total / 2**20:,.0f} MB, more than the limit of {MAX_ZIP_BYTES / 2**20:.0f} MB")
    for m in members:
        if m.file_size > 1_000_000 and m.file_size > MAX_ZIP_RATIO * max(m.compress_size, 1):
            raise IngestError(name, f"DOCX part {m.filename} is compressed more than {MAX_ZIP_RATIO}:1 (zip bomb)")
        if m.filename.lower().endswith((".xml", ".rels")) and m.file_size > MAX_DOCX_XML_BYTES:
            raise IngestError(
                name, f"DOCX part {m.filename} is {m.file_size / 2**20:,.0f} MB, more than the limit of "
                f"{MAX_DOCX_XML_BYTES / 2**20:.0f} MB"
            )
    if "word/document.xml" not in archive.namelist():
        raise IngestError(name, "not a Word document (no word/document.xml)")
    return archive


def _extract_docx(name: str, data: bytes, limits: Limits) -> Document:
    import docx

    check_zip(name, data)
    # python-docx parses with resolve_entities=False and no network, so entity tricks stay inert.
    try:
        word = docx.Document(io.BytesIO(data))
        parts = [p.text for p in word.paragraphs]
        for table in word.tables:
            parts.extend(" | ".join(cell.text for cell in row.cells) for row in table.rows)
        props = word.core_properties
        title, created, author = props.title, props.created, props.author
        # python-docx gives None for a date it cannot parse; the raw text says whether there was one.
        raw_created = props._element.findtext("{http://purl.org/dc/terms/}created") if created is None else None
        if created == _DOCX_TEMPLATE_CREATED:
            created = None
        if author == "python-docx":  # the library's template default, not a real author
            author = None
    except Exception as e:  # noqa: BLE001 - hostile input: every parser failure becomes a refusal
        if "macroEnabled" in str(e):
            raise IngestError(name, "a macro-enabled Word document (.docm) is not read; save it as a plain .docx") from e
        raise IngestError(name, f"cannot read DOCX ({type(e).__name__}: {_short(e)})") from e
    doc = Document(text="\n\n".join(parts), title=_clean_meta(title), publisher=_clean_meta(author), source_name=name)
    if (d := parse_date(created)) is not None:
        doc.published_on, doc.date_source = d, "metadata"
    elif raw_created and raw_created.strip():
        doc.notes.append(f"DOCX creation date {_clean_meta(raw_created)!s:.40} not understood, not used")
    return doc


_EXTRACTORS: dict[str, Callable[..., Document]] = {
    "txt": _extract_plain, "md": _extract_plain, "html": _extract_html, "pdf": _extract_pdf, "docx": _extract_docx,
}


def _clean_meta(value: object) -> str | None:
    text = normalise_text(str(value)) if value else ""
    return text or None


_OBJECT_REPR = re.compile(r"'?<[\w.]+ object at 0x[0-9a-fA-F]+>'?")


def _short(e: BaseException) -> str:
    """One line of an exception's message, without the reprs of our own objects ("<_io.BytesIO object at 0x…>")."""
    return " ".join(_OBJECT_REPR.sub("the file", str(e)).split())[:120] or "no details"


# ---------------------------------------------------------------- bulk formats: one row = one document


def map_columns(names: list[str]) -> dict[str, str]:
    """Which input column feeds each document field (field → column name as written)."""
    by_key = {}
    for n in names:
        by_key.setdefault(re.sub(r"[\s\-]+", "_", str(n).strip().lower()), n)
    mapping = {}
    for field, candidates in COLUMNS.items():
        for c in candidates:
            if c in by_key:
                mapping[field] = by_key[c]
                break
    return mapping


def _read_csv(text: str) -> tuple[list[str], list[tuple[int, dict]], list[tuple[int, str]]]:
    """Header, (line, row) pairs and skipped-line notes; ragged rows are skipped, not fatal."""
    # The header line decides the delimiter: it rarely contains anything else that could be one.
    header_line = next((line for line in text[:65536].split("\n") if line.strip()), "")
    delimiter = max(",;\t|", key=header_line.count) if any(d in header_line for d in ",;\t|") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header: list[str] | None = None
    rows, skipped, line = [], [], 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            skipped.append((line, _short(e)))
            line = reader.line_num + 1
            continue
        start, line = line, reader.line_num + 1
        if not any(v.strip() for v in values):
            continue
        if header is None:
            header = [v.strip() for v in values]
        elif len(values) != len(header):
            skipped.append((start, f"{len(values)} fields, the header has {len(header)}"))
        else:
            rows.append((start, dict(zip(header, values))))
    return header or [], rows, skipped


def _read_jsonl(text: str) -> tuple[list[str], list[tuple[int, dict]], list[tuple[int, str]]]:
    """Keys seen, (line, object) pairs and skipped-line notes; broken lines are skipped, not fatal."""
    keys: dict[str, None] = {}
    rows, skipped = [], []
    for number, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
        except (ValueError, RecursionError) as e:
            skipped.append((number, f"invalid JSON ({_short(e)})"))
            continue
        if not isinstance(item, dict):
            skipped.append((number, "not a JSON object"))
            continue
        keys.update(dict.fromkeys(item))
        rows.append((number, item))
    return list(keys), rows, skipped


def _extract_rows(
    name: str, data: bytes, fmt: str, *, limits: Limits, title: str | None, publisher: str | None, date: dt.date | None
) -> Extraction:
    text = decode_bytes(data, name)
    columns, rows, skipped = (_read_csv if fmt == "csv" else _read_jsonl)(text)
    if not rows:
        raise IngestError(name, f"no usable rows ({_list_skipped(skipped, 3) or 'no data rows'})")
    if "text" not in map_columns(columns):
        found = ", ".join(str(c) for c in columns[:10]) or "none"
        raise IngestError(name, f"no text column (expected one of {', '.join(COLUMNS['text'])}; found {found})")
    if len(rows) > limits.max_rows:
        raise IngestError(name, f"{len(rows):,} rows, more than the limit of {limits.max_rows:,} (CROSSCHECK_MAX_ROWS)")
    extraction = Extraction()
    used: dict[str, None] = {}
    bad_dates: list[tuple[int, str]] = []
    csv_mapping = map_columns(columns)
    for line, row in rows:
        # CSV rows share one header; each JSON object may name its fields differently.
        mapping = csv_mapping if fmt == "csv" else map_columns(list(row))
        used.update(dict.fromkeys(f"{field} ← {column}" for field, column in mapping.items()))
        try:
            doc, bad_date = _row_document(name, fmt, line, row, mapping, title=title, publisher=publisher)
            if bad_date:
                bad_dates.append((line, bad_date))
            extraction.documents.append(_finish(doc, limits, date=date, fallback_title=f"{Path(name).stem} line {line}"))
        except IngestError as e:
            skipped.append((line, e.reason))
        except Exception as e:  # noqa: BLE001 - one broken row must not cost the file its other rows
            log.exception("%s line %s: unexpected error while reading the row", name, line)
            skipped.append((line, f"unexpected error ({type(e).__name__}: {_short(e)})"))
    extraction.notes.insert(0, f"{name}: columns mapped: {', '.join(used)}")
    twice = sorted({c for c in columns if columns.count(c) > 1}) if fmt == "csv" else []
    if twice:
        extraction.warnings.append(
            f"{name}: column{'s' if len(twice) > 1 else ''} {', '.join(repr(c) for c in twice)} "
            "appear more than once in the header; the last of each is read"
        )
    if bad_dates:
        n = len(bad_dates)
        extraction.warnings.append(
            f"{name}: {n} date{'s' if n != 1 else ''} not used: "
            f"{_list_skipped(bad_dates, _MAX_LISTED_SKIPS)}"
        )
    if skipped:
        n = len(skipped)
        extraction.warnings.append(f"{name}: skipped {n} row{'s' if n != 1 else ''}: {_list_skipped(skipped, _MAX_LISTED_SKIPS)}")
    if not extraction.documents:
        raise IngestError(name, f"no usable rows ({_list_skipped(skipped, 3)})")
    return extraction


def _row_document(
    name: str, fmt: str, line: int, row: dict, mapping: dict[str, str], *, title: str | None, publisher: str | None
) -> tuple[Document, str | None]:
    """The document of one bulk row, and why its date was not used (None when it was, or there was none)."""
    value = {field: _cell(row.get(column)) for field, column in mapping.items()}
    if not isinstance(row.get(mapping.get("text", "")), str):
        value["text"] = None  # a number or a list is not a document
    doc = Document(
        text=value.get("text") or "", title=title or value.get("title"), publisher=publisher or value.get("publisher"),
        url=value.get("url"), speaker=value.get("speaker"), source_name=f"{name} line {line}", format=fmt,
    )
    if not value.get("date"):
        return doc, None
    if (d := parse_date(value["date"])) is None:
        return doc, f"date {value['date'][:40]!r} not understood"
    if not is_plausible(d):
        return doc, implausible_note(d)
    doc.published_on, doc.date_source = d, "column"
    return doc, None


def _list_skipped(skipped: list[tuple[int, str]], most: int) -> str:
    """'line 3: reason; line 7: reason; and 4 more', in line order."""
    ordered = sorted(skipped)
    listed = "; ".join(f"line {line}: {reason}" for line, reason in ordered[:most])
    return listed + (f"; and {len(ordered) - most} more" if len(ordered) > most else "")


def _cell(value: object) -> str | None:
    """A row value as text; nested JSON values are not text and are ignored."""
    if value is None or isinstance(value, (dict, list)):
        return None
    text = clean_text(str(value)).strip()
    return text or None
