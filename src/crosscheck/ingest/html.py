"""HTML pages: the main text and metadata (trafilatura), with no document type declaration ever read."""

from __future__ import annotations

import re

from crosscheck.config import Limits
from crosscheck.errors import IngestError
from crosscheck.ingest.dating import parse_date
from crosscheck.ingest.decode import decode_bytes
from crosscheck.ingest.document import PROLOG_CHARS, short_error
from crosscheck.records import Document

MAX_HTML_CHARS = 5_000_000  # main-text extraction takes seconds per megabyte; real articles are far smaller

_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?([A-Za-z0-9_.:-]{1,40})""", re.I)


def extract_html(
    name: str, data: bytes, limits: Limits, *, url: str | None = None, charset: str | None = None
) -> Document:
    import trafilatura

    declared = _META_CHARSET.search(data[:PROLOG_CHARS])
    html = strip_doctype(decode_bytes(data, name, charset or (declared[1].decode("ascii") if declared else None)))
    if len(html) > MAX_HTML_CHARS:
        raise IngestError(name, f"HTML page has {len(html):,} characters, more than the limit of {MAX_HTML_CHARS:,}")
    try:
        result = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_comments=False, include_images=False, include_links=False
        )
        text = result.text if result is not None and result.text else trafilatura.html2txt(html)
    except Exception as e:  # noqa: BLE001 - hostile input: every parser failure becomes a refusal
        raise IngestError(name, f"cannot parse HTML ({type(e).__name__}: {short_error(e)})") from e
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
    start = html[:PROLOG_CHARS].lower().find("<!doctype")
    if start == -1:
        return html
    close = html.find(">", start)
    subset = html.find("[", start)
    if subset != -1 and (close == -1 or subset < close):
        end = html.find("]", subset)
        close = html.find(">", end) if end != -1 else -1
    # An unterminated declaration swallows the rest of the file: nothing after it is markup to trust.
    return html[:start] if close == -1 else html[:start] + html[close + 1:]
