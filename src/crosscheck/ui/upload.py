"""The Upload handler: inputs → documents → ingest in the writer, with progress for the page; scoring the pairs after."""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Callable, Sequence

from crosscheck import ingest, roles
from crosscheck.pipeline import IngestSummary, extract_each, refusal
from crosscheck.records import Document
from crosscheck.ui.access import submit
from crosscheck.ui.resources import get_models, get_writer
from crosscheck.workspace import add_documents

log = logging.getLogger(__name__)


def collect_documents(
    files: Sequence[tuple[str, bytes]] = (),
    text: str = "",
    url: str = "",
    *,
    title: str | None = None,
    publisher: str | None = None,
    date: dt.date | None = None,
) -> tuple[list[Document], IngestSummary]:
    """Extract documents from uploaded files, pasted text and a URL; each refusal is one refused result."""
    options = {"title": title or None, "publisher": publisher or None, "date": date}
    jobs: list[tuple[str, Callable]] = [(name, lambda n=name, d=data: ingest.extract_file(n, d, **options)) for name, data in files]
    if text.strip():
        jobs.append(("pasted text", lambda: ingest.extract_text(text, **options)))
    if url.strip():
        jobs.append((url.strip(), lambda: ingest.extract_url(url.strip(), **options)))
    return extract_each(jobs)


def ingest_in_writer(
    documents: Sequence[Document],
    on_progress: Callable[[int, int, object], None] | None = None,
    poll_s: float = 0.2,
) -> IngestSummary:
    """Ingest through the app's one writer; on_progress(done, total, result) runs on this thread.

    Never raises for the page: a batch that cannot start (models, database, a role without upload) comes back
    as one refused line.
    """
    events: queue.Queue = queue.Queue()
    try:
        future = submit(
            "upload", f"{len(documents)} documents", add_documents, list(documents), get_models(),
            progress=lambda i, result: events.put((i, result)),
            defer_scoring=True,  # searchable at embedding speed; score_in_writer scores the pairs after
        )
    except Exception as e:  # noqa: BLE001 - the page shows one line, the log has the traceback
        return IngestSummary(results=[refusal("this upload", e)])
    total = len(documents)

    def drain() -> None:
        while True:
            try:
                i, result = events.get_nowait()
            except queue.Empty:
                return
            if on_progress:
                on_progress(i + 1, total, result)

    while True:
        try:
            summary = future.result(timeout=poll_s)
        except FutureTimeout:
            drain()
            continue
        except Exception as e:  # noqa: BLE001 - store_documents refuses per document; this is the batch itself
            drain()
            return IngestSummary(results=[refusal("this upload", e)])
        drain()
        return summary


def score_in_writer(on_progress: Callable[[int, int], None] | None = None, scope: str = "monitors") -> int:
    """Score the workspace's waiting pairs of this scope (reads.PENDING_SCOPES) through the writer, one batch per
    job, so other writes (a verdict) are not held up behind a whole upload; on_progress(done, total) after each
    batch. Returns pairs scored. The Upload page waits for the monitors' pairs, what its pages count."""
    from crosscheck.db import reads
    from crosscheck.pipeline import score_pending
    from crosscheck.ui.resources import open_reader

    with open_reader() as con:
        total = reads.pending_count(con, scope=scope)
    done = 0
    while total:
        scored = submit("upload", "pending pairs", score_pending, get_models().scorer, batches=1, scope=scope).result()
        if not scored:
            break
        done += scored
        if on_progress:
            on_progress(min(done, total), total)
    return done


_background = threading.Lock()  # one background scorer per server process
# Pairs per background job: an upload or a verdict queued behind one waits a fraction of a second, not a whole batch.
BACKGROUND_BATCH = 128
# Claims whose Claim page is open: the background scorer scores their waiting pairs before the next batch.
_watched: list[str] = []
_watched_lock = threading.Lock()


def watch_claim(claim_id: str) -> None:
    """Ask the background scorer to score this claim's waiting pairs next (a page reads; it writes nothing)."""
    with _watched_lock:
        if claim_id not in _watched:
            _watched.append(claim_id)


def _next_watched() -> str | None:
    with _watched_lock:
        return _watched.pop(0) if _watched else None


def score_in_background() -> bool:
    """Score every pair still waiting (other governments' evidence, after the monitors') in a thread of its own,
    one writer job per batch as the dashboard itself (as `submit_upkeep("score")`), so the page returns at once and
    an analyst's verdict never waits behind it; the claims an analyst has open (watch_claim) go first. False when a
    background scorer already runs."""
    from crosscheck.pipeline import score_pending

    if not _background.acquire(blocking=False):
        return False
    # Resolved on the page's thread, where Streamlit's resource cache lives; the thread only queues jobs.
    try:
        scorer, writer, dashboard = get_models().scorer, get_writer(), roles.system_identity(roles.read_only_mode())
    except BaseException:
        _background.release()
        raise

    def run() -> None:
        try:
            while True:
                if (claim := _next_watched()) is not None:
                    writer.submit_as(dashboard, "score", claim, score_pending, scorer, claim_id=claim,
                                     batch_size=BACKGROUND_BATCH).result()
                elif not writer.submit_as(dashboard, "score", "pending pairs", score_pending, scorer, batches=1,
                                          batch_size=BACKGROUND_BATCH).result():
                    return
        except Exception:  # noqa: BLE001 - the writer logs and audits the failure; the next upload resumes
            log.exception("background scoring stopped")
        finally:
            with _watched_lock:
                _watched.clear()  # all scored, or the scorer stopped: a page asks again
                _background.release()

    threading.Thread(target=run, name="crosscheck-background-scoring", daemon=True).start()
    return True


def keep_scoring(pending: int) -> None:
    """At the start of every run: pairs still waiting (after a restart, or a claim page asking) have a background
    scorer on them. Never raises for the page: a read-only workspace or models that cannot load score nothing."""
    if not pending or roles.read_only_mode():
        return
    try:
        score_in_background()
    except Exception as e:  # noqa: BLE001 - the pages still show what is stored
        log.warning("background scoring could not start: %s", e)


def waiting_pairs() -> int:
    """Pairs of this workspace that wait for the scorer (0 when it cannot be read yet); cached per data version, so
    the check every run makes costs a query only after a write."""
    from crosscheck.ui import cache
    from crosscheck.ui.resources import data_version, db_path

    try:
        return cache.pending_count(db_path(), data_version())
    except Exception:  # noqa: BLE001 - no database yet, or a busy one: nothing to start now
        return 0
