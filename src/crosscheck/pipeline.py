"""Pipeline: documents → statements → vectors → DuckDB → matches → scores, one transaction per document."""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Callable, Iterable

import duckdb
import numpy as np
import pandas as pd

from crosscheck.actors import ActorRegistry, publisher_from_name
from crosscheck.attribute import attribute_sentences
from crosscheck.config import CLAIM_TYPES, REPORT_TYPES, Limits, MatchSettings
from crosscheck.db import connection, reads, schema, writes
from crosscheck.errors import CrosscheckError, IngestError
from crosscheck.ingest.decode import printable_name
from crosscheck.match import find_matches
from crosscheck.models import calibration
from crosscheck.models.embedder import Embedder
from crosscheck.models.stance import StanceScorer
from crosscheck.records import Document, Extraction, Statement
from crosscheck.segment import split_sentences

log = logging.getLogger(__name__)


class Status(StrEnum):
    """What became of one document."""

    ADDED = "added"
    DUPLICATE = "duplicate"  # the same normalised text is already stored
    REFUSED = "refused"


class LineKind(StrEnum):
    """What one summary line reports; pages choose how to show it from this, never from its text."""

    ADDED = "added"
    DUPLICATE = "duplicate"
    REFUSED = "refused"
    WARNING = "warning"  # rows skipped, dates not used
    NOTE = "note"  # columns mapped


@dataclass
class DocResult:
    source: str
    doc_id: str | None
    status: Status
    statements: int = 0
    claims: int = 0
    reports: int = 0
    matches: int | None = 0
    title: str | None = None
    published_on: dt.date | None = None
    message: str = ""
    notes: list[str] = field(default_factory=list)  # e.g. a date that was not used
    unexpected: bool = False  # refused by an error of ours, not of the input; the traceback is in the log


@dataclass
class SummaryLine:
    """One line of an ingest summary; `kind` is what a page branches on."""

    kind: LineKind
    text: str


@dataclass
class IngestSummary:
    results: list[DocResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def added(self) -> list[DocResult]:
        return [r for r in self.results if r.status is Status.ADDED]

    @property
    def refused(self) -> list[DocResult]:
        return [r for r in self.results if r.status is Status.REFUSED]

    def extend(self, other: IngestSummary) -> None:
        """Append another summary's results, notes and warnings."""
        self.results.extend(other.results)
        self.notes.extend(other.notes)
        self.warnings.extend(other.warnings)

    def report(self) -> list[SummaryLine]:
        """One line per document, then warnings and notes, each with its kind."""
        out = []
        for r in self.results:
            if r.status is Status.ADDED:
                date = r.published_on.isoformat() if r.published_on else "no date found"
                extra = "".join(f"; {n}" for n in r.notes)
                pairs = "" if r.matches is None else f", {r.matches} matched pairs"  # None: matched later (the lake engine)
                out.append(SummaryLine(LineKind.ADDED, (
                    f"{r.source}: added {r.doc_id} ({date}{extra}): {r.statements} statements, "
                    f"{r.claims} claims, {r.reports} reports{pairs}"
                )))
            elif r.status is Status.DUPLICATE:
                out.append(SummaryLine(LineKind.DUPLICATE, f"{r.source}: already stored as {r.doc_id}, skipped"))
            else:
                out.append(SummaryLine(LineKind.REFUSED, f"{r.source}: refused: {r.message}"))
        out += [SummaryLine(LineKind.WARNING, w) for w in self.warnings] + [SummaryLine(LineKind.NOTE, n) for n in self.notes]
        # One line each, and nothing in a name (ESC, a newline, bytes that are not UTF-8) acts on the terminal.
        return [SummaryLine(line.kind, printable_name(line.text)) for line in out]

    def lines(self) -> list[str]:
        """The summary as text, for the command line."""
        return [line.text for line in self.report()]


def refusal(source: str, error: BaseException, doc_id: str | None = None) -> DocResult:
    """A refused DocResult: a domain error's own reason, or one line for an unexpected error (logged in full)."""
    source = printable_name(source)
    if isinstance(error, CrosscheckError):
        return DocResult(source, doc_id, Status.REFUSED, message=printable_name(getattr(error, "reason", None) or str(error)))
    log.error("%s: unexpected error, refused", source, exc_info=error)
    detail = printable_name(" ".join(str(error).split())[:160]) or "no details"
    return DocResult(
        source, doc_id, Status.REFUSED, unexpected=True,
        message=f"unexpected error ({type(error).__name__}: {detail}); nothing of it was stored",
    )


def extract_each(jobs: Iterable[tuple[str, Callable[[], Extraction]]]) -> tuple[list[Document], IngestSummary]:
    """Run extraction jobs (source, job); each failure becomes one refused line naming its source."""
    documents: list[Document] = []
    summary = IngestSummary()
    for source, job in jobs:
        try:
            extraction = job()
        except Exception as e:  # noqa: BLE001 - one input must never stop the batch
            source = getattr(e, "source", None) or source
            summary.results.append(refusal(source, e))
            continue
        documents.extend(extraction.documents)
        summary.notes.extend(extraction.notes)
        summary.warnings.extend(extraction.warnings)
    return documents, summary


def score_pairs(con: duckdb.DuckDBPyConnection, pairs: pd.DataFrame, scorer: StanceScorer) -> pd.DataFrame:
    """Add stance, contradiction and support to candidate pairs using the stored texts and dates."""
    if pairs.empty:
        return pairs.assign(stance=None, contradiction=None, support=None, model=None, scored_at=None,
                            raw_contradiction=None, raw_support=None, raw_stance=None, calibration=None)
    ids = list(set(pairs["claim_id"]) | set(pairs["report_id"]))
    # The stored vectors serve passage selection too when they come from the scorer's sentence model.
    reuse = scorer.passage_model is not None and scorer.passage_model == schema.get_meta(con, "embed_model")
    texts = reads.statement_texts(con, ids, with_vectors=reuse)
    known = None
    if reuse:
        known = {t: np.asarray(v, dtype=np.float32) for t, v in zip(texts["text"], texts["embedding"]) if v is not None}
    scores = scorer.score(
        texts.loc[pairs["claim_id"], "text"].tolist(),
        texts.loc[pairs["report_id"], "text"].tolist(),
        texts.loc[pairs["claim_id"], "stated_on"].tolist(),
        texts.loc[pairs["report_id"], "stated_on"].tolist(),
        known_vectors=known,
    )
    out = pairs.reset_index(drop=True).copy()
    for col in ("stance", "contradiction", "support"):
        out[col] = scores[col].to_numpy()
    out = calibration.calibrate_scores(con, out)  # the workspace's calibration from verdicts, if it has one
    out["model"] = scorer.name
    out["scored_at"] = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    return out


def _shown(pairs: pd.DataFrame, per_source: int) -> int:
    """How many of these pairs a page shows: up to per_source sentences of each claim's source."""
    if pairs.empty or "source" not in pairs:
        return len(pairs)
    return int(pairs.groupby(["claim_id", "source"]).size().clip(upper=per_source).sum())


def _stored_soon(con: duckdb.DuckDBPyConnection, sha256: str, wait_s: float = 60.0) -> bool:
    """True when a document with this hash is stored now or within wait_s (a racing transaction committing)."""
    deadline = time.monotonic() + wait_s
    while True:
        if reads.has_document(con, sha256):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


def prepare_statements(doc: Document, registry: ActorRegistry, limits: Limits) -> list[Statement]:
    """The document's attributed statements, within the size limits (IngestError names the file otherwise)."""
    limits.check_text(doc.source_name, len(doc.text))
    if not doc.publisher and (guess := publisher_from_name(doc.source_name, registry)):
        doc.publisher = guess
    statements = attribute_sentences(doc, split_sentences(doc.text), registry)
    if len(statements) > limits.max_statements:
        raise IngestError(doc.source_name, f"{len(statements):,} statements, more than the limit of {limits.max_statements:,}")
    return statements


def prepare_group(
    group: list[Document], registry: ActorRegistry, limits: Limits, embedder: Embedder,
    skip: Callable[[Document], bool] = lambda doc: False,
) -> dict[int, tuple[list[Statement], np.ndarray | None] | BaseException]:
    """Segment and attribute a group of documents, then embed all their statements in one call (as fast as the
    raw model, sorted by length across documents): {index: (statements, vectors) or the error that refuses it}.

    Documents `skip` says are stored already are left out. When the one embedding call fails, the vectors are
    None, so the caller embeds document by document and one bad text refuses one document. The local engine
    (store_documents) and the cluster's preparing stage (crosscheck.lake.engine) both run this.
    """
    prepared: dict[int, list[Statement] | BaseException] = {}
    for k, doc in enumerate(group):
        try:
            if not skip(doc):
                prepared[k] = prepare_statements(doc, registry, limits)
        except Exception as e:  # noqa: BLE001 - the document is refused, the others go on
            prepared[k] = e
    texts = [s.text for v in prepared.values() if isinstance(v, list) for s in v]
    try:
        vectors, at = embedder.embed(texts), 0
    except Exception:  # noqa: BLE001 - each document is embedded on its own by the caller
        return {k: (v, None) if isinstance(v, list) else v for k, v in prepared.items()}
    out: dict[int, tuple | BaseException] = {}
    for k, done in prepared.items():
        if isinstance(done, list):
            out[k], at = (done, vectors[at:at + len(done)]), at + len(done)
        else:
            out[k] = done
    return out


def store_document(
    con: duckdb.DuckDBPyConnection,
    doc: Document,
    *,
    embedder: Embedder,
    scorer: StanceScorer,
    registry: ActorRegistry,
    settings: MatchSettings | None = None,
    limits: Limits | None = None,
    defer_scoring: bool = False,
    prepared: tuple[list[Statement], np.ndarray] | None = None,
) -> DocResult:
    """Segment, attribute, embed and store one document with its matches, all or nothing.

    With defer_scoring the matches are stored unscored (`pending`): the statements are searchable at
    embedding speed and `score_pending` scores the pairs later, in large batches across documents.
    `prepared`: the document's statements and their vectors, when the caller embedded them already.
    """
    limits, settings = limits or Limits(), settings or MatchSettings()
    if reads.has_document(con, doc.sha256):
        return DocResult(doc.source_name, doc.doc_id, Status.DUPLICATE, title=doc.title)
    if prepared is None:
        statements = prepare_statements(doc, registry, limits)
        vectors = embedder.embed([s.text for s in statements])
    else:
        statements, vectors = prepared
    try:
        with connection.transaction(con):
            _, scored = _store(con, [(doc, statements, vectors)], settings, None if defer_scoring else scorer)
    except (duckdb.ConstraintException, duckdb.TransactionException):
        # Another cursor stored the same text after our check above: it is a duplicate, not a failure.
        # Its transaction may still be scoring; wait for it to commit (or roll back) before deciding.
        if _stored_soon(con, doc.sha256):
            return DocResult(doc.source_name, doc.doc_id, Status.DUPLICATE, title=doc.title)
        raise
    return added_result(doc, statements, scored, settings.per_source)


def store_documents(
    con: duckdb.DuckDBPyConnection,
    documents: Iterable[Document],
    *,
    embedder: Embedder,
    scorer: StanceScorer,
    registry: ActorRegistry,
    settings: MatchSettings | None = None,
    limits: Limits | None = None,
    progress: Callable[[int, DocResult], None] | None = None,
    defer_scoring: bool = False,
) -> IngestSummary:
    """Ingest documents one transaction each; a refused document, or an error of ours on one, does not stop the others.

    defer_scoring: store the pairs unscored, for `score_pending` to score after the batch (see store_document).
    """
    summary, limits = IngestSummary(), limits or Limits()
    i = 0
    for group in _embedding_groups(documents):
        prepared = prepare_group(group, registry, limits, embedder, skip=lambda doc: reads.has_document(con, doc.sha256))
        # Each prepared document's statements and vectors (none when the group's embedding failed: one by one below).
        given = {k: v for k, v in prepared.items() if isinstance(v, tuple) and v[1] is not None}
        together = _store_together(con, group, given, settings) if defer_scoring else None
        for k, doc in enumerate(group):
            if together is not None and k in together:
                summary.results.append(together[k])
                if progress:
                    progress(i, together[k])
                i += 1
                continue
            try:
                done = prepared.get(k)
                if isinstance(done, BaseException):
                    raise done
                result = store_document(con, doc, embedder=embedder, scorer=scorer, registry=registry, settings=settings,
                                         limits=limits, defer_scoring=defer_scoring, prepared=given.get(k))
            except Exception as e:  # noqa: BLE001 - one document must never stop the batch; its transaction rolled back
                result = refusal(doc.source_name, e, doc.doc_id)
            summary.results.append(result)
            if progress:
                progress(i, result)
            i += 1
    return summary


def _store(
    con: duckdb.DuckDBPyConnection, items: list[tuple[Document, list[Statement], np.ndarray]], settings: MatchSettings,
    scorer: StanceScorer | None,
) -> tuple[list[list[str]], pd.DataFrame]:
    """Insert documents with their statements and vectors, find the pairs of all their statements in one pass and
    save them, scored by `scorer` or pending (None); the caller holds the transaction. (statement ids per item, pairs)."""
    ids = []
    for doc, statements, vectors in items:
        ids.append(writes.insert_document(con, doc, statements, vectors))
        writes.add_inferred_actors(con, statements)  # unknown speakers' actors appear unconfirmed on the Actors page
    pairs = find_matches(con, [i for part in ids for i in part], settings)
    scored = pairs.assign(pending=True) if scorer is None else score_pairs(con, pairs, scorer)
    writes.save_matches(con, scored, settings.per_source)  # each source shows its most bearing sentence
    if len(scored):  # sources that new reports pushed out of a stored claim's top-k go
        writes.trim_sources(con, scored["claim_id"].unique().tolist(), settings.top_k)
    return ids, scored


def _store_together(
    con: duckdb.DuckDBPyConnection, group: list[Document], given: dict[int, tuple[list[Statement], np.ndarray]],
    settings: MatchSettings | None,
) -> dict[int, DocResult] | None:
    """The group's new documents (`given`: index → statements, vectors) and their pending pairs in one
    transaction, matched in one pass: {index: result}.

    Matching once for the group, not once per document, is what keeps ingest near the embedding's speed
    (each pass loads the window's statements). The pairs are those of storing the documents one after
    another, each new claim ranked against every report of its window and each new report against the
    stored claims. None when there is nothing to store together or anything fails (rolled back): the
    caller then stores document by document, so one bad document refuses only itself.
    """
    settings = settings or MatchSettings()
    order = sorted(given)
    if len(order) < 2:
        return None
    try:
        with connection.transaction(con):
            for k in order:
                if reads.has_document(con, group[k].sha256):  # stored since it was prepared: the one-by-one path says so
                    raise IngestError(group[k].source_name, "already stored")
            ids, pairs = _store(con, [(group[k], *given[k]) for k in order], settings, None)
    except Exception as e:  # noqa: BLE001 - rolled back; document by document now
        log.info("storing %d documents together failed (%s); storing them one by one", len(order), e)
        return None
    results = {}
    for k, mine in zip(order, ids):
        mine = set(mine)
        touching = pairs[pairs["claim_id"].isin(mine) | pairs["report_id"].isin(mine)] if len(pairs) else pairs
        results[k] = added_result(group[k], given[k][0], touching, settings.per_source)
    return results


def added_result(doc: Document, statements: list[Statement], pairs: pd.DataFrame, per_source: int) -> DocResult:
    """The result line of a stored document: its statements, claims, reports and the pairs a page shows."""
    return DocResult(
        doc.source_name, doc.doc_id, Status.ADDED,
        statements=len(statements),
        claims=sum(s.actor_type in CLAIM_TYPES for s in statements),
        reports=sum(s.actor_type in REPORT_TYPES for s in statements),
        matches=_shown(pairs, per_source), title=doc.title, published_on=doc.published_on, notes=list(doc.notes),
    )


EMBED_GROUP_CHARS = 200_000  # text of the documents segmented and embedded together (about 1,500 statements)


def _embedding_groups(documents: Iterable[Document]):
    """The documents in consecutive groups of up to EMBED_GROUP_CHARS characters (one document at least)."""
    group, size = [], 0
    for doc in documents:
        if group and size + len(doc.text) > EMBED_GROUP_CHARS:
            yield group
            group, size = [], 0
        group.append(doc)
        size += len(doc.text)
    if group:
        yield group


SCORE_BATCH = 1024  # pairs scored and committed together by score_pending


def score_pending(
    con: duckdb.DuckDBPyConnection,
    scorer: StanceScorer,
    *,
    settings: MatchSettings | None = None,
    batch_size: int = SCORE_BATCH,
    batches: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    scope: str = "all",
    claim_id: str | None = None,
) -> int:
    """Score the stored pairs waiting for the scorer, one transaction per batch; return how many were scored.

    A crash loses at most the batch in hand: the statements and the other pending pairs stay, and the
    next call resumes with them. `batches` stops after that many (the app's writer takes one batch per
    job, so an analyst's verdict never waits for a whole upload's scoring). progress(done, total).
    scope and claim_id choose which pairs (`reads.PENDING_SCOPES`; monitors' pairs come first in every scope).
    """
    settings = settings or MatchSettings()
    total, done, taken = reads.pending_count(con, claim_id, scope=scope), 0, 0
    while batches is None or taken < batches:
        batch = reads.pending_pairs(con, batch_size, scope=scope, claim_id=claim_id)
        if batch.empty:
            break
        scored = score_pairs(con, batch, scorer)
        with connection.transaction(con):
            writes.save_scores(con, scored, settings.per_source)
        done, taken = done + len(batch), taken + 1
        if progress:
            progress(done, total)
    return done
