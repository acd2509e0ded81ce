"""The Upload handler: inputs → documents → ingest in the writer, with progress for the page."""

from __future__ import annotations

import datetime as dt
import queue
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Callable, Sequence

from crosscheck import ingest
from crosscheck.pipeline import IngestSummary, extract_each, refusal
from crosscheck.records import Document
from crosscheck.ui.access import submit
from crosscheck.ui.resources import get_models
from crosscheck.workspace import ingest_batch


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
            "upload", f"{len(documents)} documents", ingest_batch, list(documents), get_models(),
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
        except Exception as e:  # noqa: BLE001 - ingest_documents refuses per document; this is the batch itself
            drain()
            return IngestSummary(results=[refusal("this upload", e)])
        drain()
        return summary


def score_in_writer(on_progress: Callable[[int, int], None] | None = None) -> int:
    """Score the workspace's waiting pairs through the writer, one batch per job, so other writes (a verdict)
    are not held up behind a whole upload; on_progress(done, total) after each batch. Returns pairs scored."""
    from crosscheck.db import reads
    from crosscheck.pipeline import score_pending
    from crosscheck.ui.resources import open_reader

    with open_reader() as con:
        total = reads.pending_count(con)
    done = 0
    while total:
        scored = submit("upload", "pending pairs", score_pending, get_models().scorer, batches=1).result()
        if not scored:
            break
        done += scored
        if on_progress:
            on_progress(min(done, total), total)
    return done
