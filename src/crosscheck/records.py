"""The records that flow through the pipeline."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass
class Document:
    """One source document, as extracted by ingest."""

    text: str
    title: str | None = None
    publisher: str | None = None
    url: str | None = None
    published_on: dt.date | None = None
    date_source: str | None = None  # where published_on came from: metadata, text, filename, column, option
    source_name: str = ""  # file name, "pasted text" or the URL
    format: str = "txt"
    speaker: str | None = None  # a bulk row may name who speaks for the whole text
    sha256: str = ""
    notes: list[str] = field(default_factory=list)  # what ingest noticed (a date it could not use), for the summary

    @property
    def doc_id(self) -> str:
        return self.sha256[:16]


@dataclass
class Sentence:
    """A span of the document text; start/end are character offsets into Document.text."""

    text: str
    start: int
    end: int


@dataclass
class Statement:
    """A sentence (or a quotation spanning sentences) with who said it and when."""

    text: str
    start: int
    end: int
    speaker: str | None = None  # as written in the source
    actor: str | None = None  # canonical actor from the registry
    actor_type: str | None = None
    stated_on: dt.date | None = None
    is_quote: bool = False
    boilerplate: bool = False
    inferred_actor: bool = False
    is_question: bool = False  # a question (a journalist's, or a rhetorical one): never a claim


@dataclass
class Extraction:
    """What ingest made of one input: documents, notes (columns mapped) and warnings (rows skipped, dates not used)."""

    documents: list[Document] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
