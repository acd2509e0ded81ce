"""The model worker: the same vectors and scores as the models in-process, at lower priority, and a killed
worker loses nothing (crosscheck.models.worker)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import threading

import numpy as np
import pytest

from crosscheck.errors import ModelError
from crosscheck.ingest import extract_text
from crosscheck.models.worker import ModelWorker
from crosscheck.pipeline import store_documents

CLAIM = "A decision has been taken to partially withdraw forces from the border area."
REPORT = "Satellite images show armoured units moving toward the border rather than away from it."


@pytest.fixture(scope="module")
def worker():
    w = ModelWorker()
    yield w
    w.close()


def test_the_worker_embeds_and_scores_as_the_models_in_process(worker, embedder):
    from crosscheck.models.stance import load_scorer

    remote = worker.models(None)
    assert (remote.embedder.name, remote.embedder.dim) == (embedder.name, embedder.dim)
    texts = [CLAIM, REPORT, "The exercises will finish on 20 February as planned."]
    np.testing.assert_allclose(remote.embedder.embed(texts), embedder.embed(texts), atol=1e-6)
    assert remote.embedder.embed([]).shape == (0, embedder.dim)

    local = load_scorer(embedder=embedder)
    args = ([CLAIM, CLAIM], [REPORT, "Troops are loading onto trains to return to their bases."],
            [dt.date(2022, 2, 15)] * 2, [dt.date(2022, 2, 17), None])
    here, there = local.score(*args), remote.scorer.score(*args)
    assert list(there["stance"]) == list(here["stance"])
    np.testing.assert_allclose(there["contradiction"].astype(float), here["contradiction"].astype(float), atol=1e-6)
    assert remote.scorer.name == local.name


def test_the_worker_runs_below_the_dashboards_priority(worker):
    own = os.getpriority(os.PRIO_PROCESS, 0)
    assert os.getpriority(os.PRIO_PROCESS, worker.pid) == min(19, own + 10)


def test_an_error_in_the_worker_fails_the_call_not_the_worker(worker):
    pid = worker.pid
    with pytest.raises(ModelError, match="model worker: ValueError: 2 claims but 1 evidences"):
        worker.models(None).scorer.score([CLAIM, CLAIM], [REPORT])
    assert worker.pid == pid
    assert worker.models(None).embedder.embed([CLAIM]).shape[0] == 1


def test_a_killed_worker_fails_its_call_and_the_next_call_starts_a_new_one():
    worker = ModelWorker()
    try:
        embedder, first = worker.models(None).embedder, worker.pid
        many = [f"{REPORT} Entry {i} of the watch." for i in range(6000)]
        killer = threading.Timer(1.0, os.kill, (first, signal.SIGKILL))
        killer.start()
        with pytest.raises(ModelError, match=r"the model worker stopped \(exit status -9\)"):
            embedder.embed(many)
        killer.join()
        assert embedder.embed([CLAIM]).shape == (1, embedder.dim)
        assert worker.pid != first
    finally:
        worker.close()


def test_a_worker_killed_during_an_ingest_leaves_no_half_document(db, registry):
    """The group's embedding fails with the worker; each document is then embedded on its own by a new worker:
    every document is stored whole or refused with the reason, never half."""
    worker = ModelWorker()
    try:
        models = worker.models(registry)
        texts = [
            f"Monitoring note {k}. " + " ".join(f"The Conflict Intelligence Team counted {k + j} trucks near Kursk on day {j}."
                                                for j in range(400))
            for k in range(6)
        ]
        docs = [d for k, t in enumerate(texts)
                for d in extract_text(t, source_name=f"note-{k}.txt", publisher="Conflict Intelligence Team",
                                      date=dt.date(2022, 2, 10 + k)).documents]
        victim = worker.pid
        killer = threading.Timer(0.5, os.kill, (victim, signal.SIGKILL))
        killer.start()
        summary = store_documents(db, docs, embedder=models.embedder, scorer=models.scorer, registry=registry,
                                  defer_scoring=True)
        killer.join()
        assert worker.pid != victim  # it was killed and a new one did the rest
        statuses = {r.source: r.status for r in summary.results}
        assert set(statuses) == {f"note-{k}.txt" for k in range(6)}
        for doc in docs:
            stored = db.execute("SELECT count(*), count(embedding) FROM statements WHERE doc_id = ?", [doc.doc_id]).fetchone()
            if statuses[doc.source_name] == "added":
                assert stored[0] > 400 and stored[0] == stored[1]
            else:
                assert stored == (0, 0)
        assert "added" in statuses.values()
    finally:
        worker.close()
