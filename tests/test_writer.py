"""The writer queue: one job at a time, failures stay inside their job, readers are never blocked."""

from __future__ import annotations

import threading
import time
from concurrent.futures import CancelledError

import pytest

from crosscheck import pipeline
from crosscheck.attribute import attribute_sentences
from crosscheck.db import connection, reads, schema, writes
from crosscheck.db.writer import Writer
from crosscheck.errors import StoreError
from crosscheck.ingest import extract_text
from crosscheck.models.stance import StanceScorer
from crosscheck.segment import split_sentences
from crosscheck.workspace import add_documents


def make_doc(n: int, extra: str = ""):
    text = (
        f"Report {n}: the Conflict Intelligence Team said armour column {n} moved toward Belgorod. "
        f"The ministry said unit {n} had returned to its base. {extra}"
    )
    return extract_text(text, source_name=f"doc{n}.txt").documents[0]


def count(con, sql: str, params=()) -> int:
    return con.execute(sql, list(params)).fetchone()[0]


@pytest.fixture
def writer(db):
    w = Writer(db)
    yield w
    w.close(cancel_pending=True)


def test_jobs_run_on_one_thread_one_at_a_time(writer):
    active, peak, threads = [0], [0], set()
    guard = threading.Lock()

    def job(cursor, i):
        with guard:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
            threads.add(threading.current_thread().name)
        cursor.execute("SELECT sum(range) FROM range(200000)").fetchone()
        with guard:
            active[0] -= 1
        return i * 2

    futures: list = []
    lock = threading.Lock()

    def submit_many(base):
        for i in range(base, base + 10):
            f = writer.submit(job, i)
            with lock:
                futures.append((i, f))

    submitters = [threading.Thread(target=submit_many, args=(k * 10,)) for k in range(4)]
    for t in submitters:
        t.start()
    for t in submitters:
        t.join()
    assert sorted(f.result(timeout=60) for _, f in futures) == [i * 2 for i in range(40)]
    assert peak[0] == 1
    assert threads == {"crosscheck-writer"}
    assert not writer.busy()


def test_failing_job_reaches_its_future_and_the_worker_lives_on(writer, db):
    def half_write_then_fail(cursor):
        cursor.execute("BEGIN TRANSACTION")
        cursor.execute("INSERT INTO meta VALUES ('probe', 'half')")
        raise RuntimeError("boom in the middle of a write")

    def forgets_to_commit(cursor):
        cursor.execute("BEGIN TRANSACTION")
        cursor.execute("INSERT INTO meta VALUES ('probe', 'open')")
        return "returned"

    def closes_its_cursor(cursor):
        cursor.close()

    def write_probe(cursor, value):
        cursor.execute("INSERT OR REPLACE INTO meta VALUES ('probe', ?)", [value])
        return schema.get_meta(cursor, "probe")

    failed = writer.submit(half_write_then_fail)
    with pytest.raises(RuntimeError, match="boom"):
        failed.result(timeout=30)
    # The failed job's open transaction was rolled back, not left to the next job.
    assert schema.get_meta(db.cursor(), "probe") is None
    # A job must commit what it opens: writes left in an open transaction are discarded.
    assert writer.submit(forgets_to_commit).result(timeout=30) == "returned"
    assert schema.get_meta(db.cursor(), "probe") is None
    writer.submit(closes_its_cursor).result(timeout=30)
    assert writer.submit(write_probe, "after").result(timeout=30) == "after"
    assert schema.get_meta(db.cursor(), "probe") == "after"


def test_reader_sees_last_committed_state_while_a_write_is_open(writer, db, embedder, registry):
    first = make_doc(1)
    pipeline.store_documents(db, [first], embedder=embedder, scorer=StanceScorer(), registry=registry)
    before = reads.counts(db.cursor())
    doc = make_doc(2)
    statements = attribute_sentences(doc, split_sentences(doc.text), registry)
    vectors = embedder.embed([s.text for s in statements])
    inside, release = threading.Event(), threading.Event()

    def long_write(cursor):
        with connection.transaction(cursor):
            writes.insert_document(cursor, doc, statements, vectors)
            inside.set()
            assert release.wait(60)
        return reads.counts(cursor)

    future = writer.submit(long_write)
    assert inside.wait(60)
    seen: dict = {}

    def read():
        seen["counts"] = reads.counts(db.cursor())
        seen["has_new"] = reads.has_document(db.cursor(), doc.sha256)

    reader = threading.Thread(target=read)
    reader.start()
    reader.join(30)
    # The reader finished while the write transaction is still open, and saw the state before it.
    assert not reader.is_alive()
    assert not future.done()
    assert seen == {"counts": before, "has_new": False}
    release.set()
    after = future.result(timeout=30)
    assert after["documents"] == before["documents"] + 1
    assert reads.counts(db.cursor()) == after
    assert after["statements"] == before["statements"] + len(statements)


def test_submit_ingest_returns_the_summary_and_reports_progress(writer, db, embedder, registry):
    docs = [make_doc(i) for i in range(3)]
    calls: list = []
    future = writer.submit(add_documents,
        docs + [docs[0]], embedder=embedder, scorer=StanceScorer(), registry=registry,
        progress=lambda i, r: calls.append((i, r.status, threading.current_thread().name)),
    )
    summary = future.result(timeout=120)
    assert [r.status for r in summary.results] == ["added", "added", "added", "duplicate"]
    assert calls == [(0, "added", "crosscheck-writer"), (1, "added", "crosscheck-writer"),
                     (2, "added", "crosscheck-writer"), (3, "duplicate", "crosscheck-writer")]
    c = db.cursor()
    assert count(c, "SELECT count(*) FROM documents") == 3
    assert count(c, "SELECT count(*) FROM statements") == sum(r.statements for r in summary.added)


def test_submit_ingest_creates_the_schema_of_a_new_database(tmp_path, embedder, registry):
    con = connection.connect(tmp_path / "fresh.duckdb")
    try:
        with Writer(con) as w:
            summary = w.submit(add_documents, [make_doc(7)], embedder=embedder, scorer=StanceScorer(), registry=registry).result(timeout=120)
        assert [r.status for r in summary.results] == ["added"]
        assert reads.counts(con)["documents"] == 1
    finally:
        con.close()


def test_crash_in_one_document_rolls_back_only_that_document(writer, db, embedder, registry, monkeypatch):
    docs = [make_doc(1), make_doc(2, "POISON"), make_doc(3)]
    poisoned = docs[1].doc_id
    real_find_matches = pipeline.find_matches

    def find_matches_or_crash(con, ids, settings=None):
        # Fails inside the document's transaction, after its rows were inserted.
        assert count(con, "SELECT count(*) FROM statements WHERE list_contains(?, statement_id)", [ids]) == len(ids)
        if any(i.startswith(poisoned) for i in ids):
            raise RuntimeError("crash while matching")
        return real_find_matches(con, ids, settings)

    monkeypatch.setattr(pipeline, "find_matches", find_matches_or_crash)
    future = writer.submit(add_documents, docs, embedder=embedder, scorer=StanceScorer(), registry=registry)
    # The crash refuses that document in one line; the batch goes on with the next.
    first = future.result(timeout=120)
    assert [r.status for r in first.results] == ["added", "refused", "added"]
    assert "RuntimeError: crash while matching" in first.results[1].message
    c = db.cursor()
    assert reads.has_document(c, docs[0].sha256)
    assert not reads.has_document(c, docs[1].sha256)
    assert count(c, "SELECT count(*) FROM statements WHERE doc_id = ?", [poisoned]) == 0
    assert count(c, "SELECT count(*) FROM statements WHERE doc_id = ?", [docs[0].doc_id]) == count(
        c, "SELECT n_statements FROM documents WHERE doc_id = ?", [docs[0].doc_id])
    # The worker survived; once the fault is gone the same batch completes without duplicates.
    monkeypatch.setattr(pipeline, "find_matches", real_find_matches)
    summary = writer.submit(add_documents, docs, embedder=embedder, scorer=StanceScorer(), registry=registry).result(timeout=120)
    assert [r.status for r in summary.results] == ["duplicate", "added", "duplicate"]
    assert count(c, "SELECT count(*) FROM documents") == 3


def test_close_finishes_queued_jobs_then_refuses_new_ones(db):
    w = Writer(db)
    gate = threading.Event()
    first = w.submit(lambda cur: gate.wait(30))
    queued = [w.submit(lambda cur, i=i: i) for i in range(3)]
    gate.set()
    assert w.close(timeout=30)
    assert first.result() is True
    assert [f.result() for f in queued] == [0, 1, 2]
    with pytest.raises(StoreError, match="closed"):
        w.submit(lambda cur: None)


def test_close_can_cancel_queued_jobs(db):
    w = Writer(db)
    started, gate = threading.Event(), threading.Event()
    running = w.submit(lambda cur: started.set() or gate.wait(30))
    assert started.wait(30)
    queued = [w.submit(lambda cur, i=i: i) for i in range(3)]

    def open_gate_once_closed():
        while not w.closed:
            time.sleep(0.01)
        gate.set()

    opener = threading.Thread(target=open_gate_once_closed)
    opener.start()
    assert w.close(cancel_pending=True, timeout=30)
    opener.join(30)
    assert running.result() is True
    for f in queued:
        with pytest.raises(CancelledError):
            f.result(timeout=5)
    assert w.closed and not w.busy()
