"""The approximate index beside the database: right ids, same pairs as exact search, kept up to date, rebuilt
when it does not fit. Real embeddings of real sentences, a real DuckDB file, real faiss."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pytest
from typed_docs import add_document

from crosscheck import ann
from crosscheck.config import MatchSettings
from crosscheck.db import vectors
from crosscheck.match import search_reports

PLACES = ["Kharkiv", "Mariupol", "Kherson", "Mykolaiv", "Chernihiv", "Sumy", "Irpin", "Bucha", "Odesa", "Dnipro"]
EVENTS = ["was shelled overnight", "lost power after a strike", "saw heavy fighting near the station",
          "received a humanitarian convoy", "reported a missile strike on a school", "was encircled by troops"]
WHO = [("Ukrainian General Staff", "government"), ("CIT", "osint"), ("BBC", "independent_media"), ("OSCE", "intl_org")]
DAY = dt.date(2022, 3, 1)


@pytest.fixture
def corpus(db, embedder, monkeypatch):
    """About 220 statements of four actors in 20 documents; the index used from the first statement on."""
    monkeypatch.setenv("CROSSCHECK_ANN_MIN", "0")
    ann._OPEN.clear()
    sentences = [f"{p} {e}." for p, e in itertools.product(PLACES, EVENTS)]
    for d in range(20):
        items = [(f"{s[:-1]}, officials said on day {d}.", *WHO[(d + i) % 4]) for i, s in enumerate(sentences[d * 3:d * 3 + 12])]
        add_document(db, embedder, items, DAY + dt.timedelta(days=d))
    yield db
    ann._OPEN.clear()


def brute_force(con, queries: np.ndarray, k: int) -> list[list[str]]:
    ids, vecs = [], []
    for batch_ids, batch in vectors.embedded_batches(con, 1000):
        ids += batch_ids
        vecs.append(batch)
    order = np.argsort(-(queries @ np.vstack(vecs).T), axis=1, kind="stable")[:, :k]
    return [[ids[i] for i in row] for row in order]


def test_index_returns_the_exact_neighbours_when_it_probes_every_cluster(corpus, embedder):
    index = ann.for_database(corpus)
    assert index is not None and len(index) == vectors.embedded_count(corpus) > 200
    queries = embedder.embed(["Kharkiv was shelled last night.", "A convoy of aid reached Sumy.", "Fighting near Bucha station."])
    found = index.search(queries, 10, nprobe=index.index.nlist)
    exact = brute_force(corpus, queries, 10)
    assert [set(f) for f in found] == [set(e) for e in exact]
    assert [f[0] for f in found] == [e[0] for e in exact]


def test_undated_claim_gets_the_same_reports_through_the_index_as_exactly(corpus, embedder, monkeypatch):
    settings = MatchSettings(window_days=14, top_k=5, threshold=0.2)
    ids, _ = add_document(corpus, embedder, [("Our forces never shelled Kharkiv.", "Russian MoD", "government")], None,
                          settings=settings)
    monkeypatch.setenv("CROSSCHECK_ANN_NPROBE", "1000")  # every cluster: the index must then agree exactly
    through_index = search_reports(corpus, ids[0], settings)
    monkeypatch.setenv("CROSSCHECK_ANN_MIN", str(10**9))  # no index: the whole corpus, exactly
    exact = search_reports(corpus, ids[0], settings)
    assert not exact.empty
    assert through_index.reset_index(drop=True).equals(exact.reset_index(drop=True))


def test_index_follows_new_statements_and_is_saved_and_reloaded(corpus, embedder, tmp_path):
    first = ann.for_database(corpus)
    before = len(first)
    ids, _ = add_document(corpus, embedder, [("Irpin bridge was blown up by retreating units.", "CIT", "osint")], DAY)
    again = ann.for_database(corpus)
    assert again is first and len(again) == before + 1 and ids[0] in again.ids
    again.save()
    ann._OPEN.clear()
    db_path = vectors_path(corpus)
    loaded = ann.VectorIndex.load(db_path, first.dim, first.model)
    assert loaded is not None and loaded.ids == again.ids
    query = embedder.embed(["The bridge in Irpin was destroyed."])
    assert loaded.search(query, 1, nprobe=loaded.index.nlist)[0] == [ids[0]]
    # Another model's index is never used for this database.
    assert ann.VectorIndex.load(db_path, first.dim, "another-model") is None


def test_index_of_a_replaced_database_file_is_not_reused(corpus, tmp_path):
    index = ann.for_database(corpus)
    index.save()
    db_path = vectors_path(corpus)
    stranger = tmp_path / "other.duckdb"
    stranger.write_bytes(b"")
    for src, dst in zip(ann.index_paths(db_path), ann.index_paths(stranger)):
        dst.write_bytes(src.read_bytes())
    assert ann.VectorIndex.load(stranger, index.dim, index.model) is None  # another file (inode) than the index's


def vectors_path(con) -> str:
    from crosscheck.db import connection

    return connection.database_path(con)
