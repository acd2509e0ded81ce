"""Plain text and Markdown, with an optional YAML front-matter block (title, publisher, date, url)."""

from __future__ import annotations

import datetime as dt
import re

from crosscheck.config import Limits
from crosscheck.ingest.dating import parse_date
from crosscheck.ingest.decode import decode_bytes
from crosscheck.ingest.document import PROLOG_CHARS, clean_meta, short_error
from crosscheck.records import Document

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

    m = _FRONT_MATTER.match(text[:PROLOG_CHARS])
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
                why = " ".join(str(getattr(e, "problem", None) or short_error(e)).split())[:80]
                notes.append(f"front matter {key} dropped: not plain YAML ({why})")
            continue
        if isinstance(value, dict):
            meta.update(value)
    return meta, text[m.end():], notes


def extract_plain(name: str, data: bytes, limits: Limits, *, charset: str | None = None) -> Document:
    meta, text, notes = split_front_matter(decode_bytes(data, name, charset))
    # Only plain values count: a YAML alias bomb nested under "title" must not be turned into text.
    for key in FRONT_MATTER_FIELDS:
        if meta.get(key) is not None and not isinstance(meta[key], (str, int, float, dt.date)):
            notes.append(f"front matter {key} dropped: not a single value")
    meta = {k: v for k, v in meta.items() if isinstance(v, (str, int, float, dt.date))}
    doc = Document(
        text=text, source_name=name, title=clean_meta(meta.get("title")),
        publisher=clean_meta(meta.get("publisher")), url=clean_meta(meta.get("url")), notes=notes,
    )
    if (d := parse_date(meta.get("date"))) is not None:
        doc.published_on, doc.date_source = d, "metadata"
    elif meta.get("date") is not None:
        doc.notes.append(f"front matter date {str(meta['date'])[:40]!r} not understood, not used")
    return doc
