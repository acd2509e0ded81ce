"""Bulk files (CSV, JSON Lines): one row, one document; a broken row is skipped and named, the others kept."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import re
from pathlib import Path

from crosscheck.config import Limits
from crosscheck.dates import is_plausible
from crosscheck.errors import IngestError
from crosscheck.ingest.dating import implausible_note, parse_date
from crosscheck.ingest.decode import clean_text, decode_bytes
from crosscheck.ingest.document import finish_document, short_error
from crosscheck.records import Document, Extraction

log = logging.getLogger(__name__)

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
            skipped.append((line, short_error(e)))
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
            skipped.append((number, f"invalid JSON ({short_error(e)})"))
            continue
        if not isinstance(item, dict):
            skipped.append((number, "not a JSON object"))
            continue
        keys.update(dict.fromkeys(item))
        rows.append((number, item))
    return list(keys), rows, skipped


def extract_rows(
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
            extraction.documents.append(finish_document(doc, limits, date=date, fallback_title=f"{Path(name).stem} line {line}"))
        except IngestError as e:
            skipped.append((line, e.reason))
        except Exception as e:  # noqa: BLE001 - one broken row must not cost the file its other rows
            log.exception("%s line %s: unexpected error while reading the row", name, line)
            skipped.append((line, f"unexpected error ({type(e).__name__}: {short_error(e)})"))
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
