"""Word documents (.docx): paragraphs and tables, after checking the zip container (zip bombs)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from crosscheck.config import Limits
from crosscheck.errors import IngestError
from crosscheck.ingest.dating import parse_date
from crosscheck.ingest.document import clean_meta, short_error
from crosscheck.records import Document

MAX_ZIP_MEMBERS = 2_000

MAX_ZIP_BYTES = 200 * 1024 * 1024

MAX_ZIP_RATIO = 100

MAX_DOCX_XML_BYTES = 30 * 1024 * 1024  # one XML part is parsed whole in memory; images may be larger

# python-docx copies this creation time from its built-in template into every file it makes.
_DOCX_TEMPLATE_CREATED = dt.datetime(2013, 12, 23, 23, 15, tzinfo=dt.timezone.utc)


def check_zip(name: str, data: bytes) -> zipfile.ZipFile:
    """Open a zip container after checking member count, total size and compression ratio (zip bombs)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as e:
        raise IngestError(name, f"not a valid DOCX file (broken zip: {short_error(e)})") from e
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


def extract_docx(name: str, data: bytes, limits: Limits) -> Document:
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
        raise IngestError(name, f"cannot read DOCX ({type(e).__name__}: {short_error(e)})") from e
    doc = Document(text="\n\n".join(parts), title=clean_meta(title), publisher=clean_meta(author), source_name=name)
    if (d := parse_date(created)) is not None:
        doc.published_on, doc.date_source = d, "metadata"
    elif raw_created and raw_created.strip():
        doc.notes.append(f"DOCX creation date {clean_meta(raw_created)!s:.40} not understood, not used")
    return doc
