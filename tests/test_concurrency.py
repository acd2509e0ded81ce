"""Several sessions ingesting at once: every upload queues, none fails, nothing is stored twice."""

from __future__ import annotations

import random
import threading

import numpy as np
import pytest

from crosscheck.db.writer import Writer
from crosscheck.ingest import extract_text
from crosscheck.models.embedder import Embedder
from crosscheck.models.stance import StanceScorer
from crosscheck.pipeline import store_documents
from crosscheck.workspace import add_documents

PLACES = ["Belgorod", "Kursk", "Voronezh", "Bryansk", "Yelnya", "Klintsy", "Valuyki", "Pogonovo", "Soloti", "Gomel"]


def make_docs(n: int):
    docs = []
    for i in range(n):
        text = (
            f"The Conflict Intelligence Team said on Tuesday that a convoy was filmed near {PLACES[i]}. "
            f"The Russian Ministry of Defence said units near {PLACES[i]} were returning to base. "
            f"Satellite images showed {i + 2} new field hospitals near {PLACES[i]}."
        )
        docs.append(extract_text(text, source_name=f"report-{i}.txt").documents[0])
    return docs


def assert_consistent(con, expected_docs) -> None:
    """Each text stored once, each document with exactly its statements, each with a vector."""
    c = con.cursor()
    stored = c.execute("SELECT sha256, doc_id, n_statements FROM documents").fetchall()
    assert sorted(r[0] for r in stored) == sorted({d.sha256 for d in expected_docs})
    for _, doc_id, n in stored:
        rows = c.execute("SELECT seq FROM statements WHERE doc_id = ? ORDER BY seq", [doc_id]).fetchall()
        assert [r[0] for r in rows] == list(range(n))
    assert c.execute("SELECT count(*) FROM statements WHERE embedding IS NULL").fetchone()[0] == 0
    assert c.execute(
        "SELECT count(*) FROM statements s WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.doc_id = s.doc_id)"
    ).fetchone()[0] == 0


def test_overlapping_batches_from_several_sessions(db, embedder, registry):
    docs = make_docs(10)
    rng = random.Random(6)
    batches = [rng.sample(docs, 6) for _ in range(5)]
    writer = Writer(db)
    start = threading.Barrier(len(batches))
    futures: list = [None] * len(batches)

    def session(k):
        start.wait()
        futures[k] = writer.submit(add_documents, batches[k], embedder=embedder, scorer=StanceScorer(), registry=registry)

    threads = [threading.Thread(target=session, args=(k,)) for k in range(len(batches))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    summaries = [f.result(timeout=300) for f in futures]
    writer.close()
    results = [r for s in summaries for r in s.results]
    assert {r.status for r in results} <= {"added", "duplicate"}
    distinct = {d.sha256 for b in batches for d in b}
    assert sum(r.status == "added" for r in results) == len(distinct)
    assert len(results) == sum(len(b) for b in batches)
    assert_consistent(db, [d for b in batches for d in b])


def test_same_document_twice_at_once_through_the_writer(db, embedder, registry):
    doc = make_docs(1)[0]
    writer = Writer(db)
    start = threading.Barrier(2)
    futures: list = [None, None]

    def session(k):
        start.wait()
        futures[k] = writer.submit(add_documents, [doc], embedder=embedder, scorer=StanceScorer(), registry=registry)

    threads = [threading.Thread(target=session, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(f.result(timeout=120).results[0].status for f in futures)
    writer.close()
    assert statuses == ["added", "duplicate"]
    assert_consistent(db, [doc])


class BarrierEmbedder(Embedder):
    """The real embedder, but every caller waits for the others first: both pass the duplicate check together."""

    def __init__(self, inner: Embedder, parties: int):
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.barrier = threading.Barrier(parties)

    def embed(self, texts):
        self.barrier.wait(timeout=60)
        return self.inner.embed(texts)


def test_same_document_on_two_cursors_is_stored_once(db, embedder, registry):
    # Pages are meant to write through the Writer; if two cursors race anyway, the loser of the
    # commit sees a duplicate, not an error.
    doc = make_docs(1)[0]
    racing = BarrierEmbedder(embedder, 2)
    results: list = [None, None]
    errors: list = []

    def session(k):
        try:
            results[k] = store_documents(db.cursor(), [doc], embedder=racing, scorer=StanceScorer(), registry=registry)
        except Exception as e:  # noqa: BLE001 - collected for the assertion below
            errors.append(e)

    threads = [threading.Thread(target=session, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert sorted(r.results[0].status for r in results) == ["added", "duplicate"]
    assert_consistent(db, [doc])


def test_embedder_shared_by_threads_gives_the_same_vectors(embedder):
    texts = [f"Column {i} of armour was seen near {PLACES[i % len(PLACES)]} on day {i}." for i in range(24)]
    expected = embedder.embed(texts)
    out: dict = {}

    def worker(k):
        order = list(range(len(texts)))
        random.Random(k).shuffle(order)
        vectors = embedder.embed([texts[i] for i in order])
        out[k] = vectors[np.argsort(order)]

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(out) == [0, 1, 2, 3]
    for vectors in out.values():
        np.testing.assert_allclose(vectors, expected, atol=1e-5)


def test_stance_scorer_shared_by_threads_gives_the_same_scores(embedder):
    from crosscheck.models.stance import load_scorer

    scorer = load_scorer(embedder=embedder)
    if type(scorer) is StanceScorer:
        pytest.skip("no trained stance model in data/models/stance yet")
    claims = [f"Russian forces are pulling back from {p}." for p in PLACES[:6]]
    reports = [f"New armour was filmed moving toward {p} two days later." for p in PLACES[:6]]
    expected = scorer.score(claims, reports)
    out: dict = {}

    def worker(k):
        out[k] = scorer.score(claims, reports)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert sorted(out) == [0, 1, 2]
    for frame in out.values():
        assert frame["stance"].tolist() == expected["stance"].tolist()
        np.testing.assert_allclose(frame["contradiction"].astype(float), expected["contradiction"].astype(float), atol=1e-5)
