"""Statements searchable at embedding speed: pairs stored pending, scored after in batches, resumed after a crash."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from crosscheck import match
from crosscheck.config import ROOT
from crosscheck.db import connection, reads
from crosscheck.ingest import extract_text
from crosscheck.models.stance import load_scorer
from crosscheck.pipeline import score_pending, store_documents

TEXTS = [
    ("kremlin.txt", "Kremlin", dt.date(2022, 2, 15),
     "A decision has been taken to partially withdraw forces from the border area. The troops will return to their bases."),
    ("cit.txt", "Conflict Intelligence Team", dt.date(2022, 2, 16),
     "We see no sign that forces are being withdrawn from the border area. Trains with tanks keep arriving near the border."),
    ("rochan.txt", "Rochan Consulting", dt.date(2022, 2, 17),
     "The partial withdrawal announced after the exercises is not happening on the ground. New equipment keeps arriving."),
]


def _docs():
    return [d for name, pub, day, text in TEXTS for d in extract_text(text, source_name=name, publisher=pub, date=day).documents]


class FailingAfter:
    """The real scorer, failing from its n-th call on: a crash in the middle of scoring."""

    def __init__(self, inner, calls: int):
        self.inner, self.calls, self.name = inner, calls, inner.name
        self.passage_model = inner.passage_model

    def score(self, *args, **kwargs):
        self.calls -= 1
        if self.calls < 0:
            raise RuntimeError("scorer died")
        return self.inner.score(*args, **kwargs)


def test_deferred_pairs_are_searchable_uncounted_then_scored_as_eager_ones(db, embedder, registry, tmp_path):
    scorer = load_scorer(embedder=embedder)
    summary = store_documents(db, _docs(), embedder=embedder, scorer=scorer, registry=registry, defer_scoring=True)
    assert [r.status for r in summary.results] == ["added"] * 3
    pending = reads.pending_count(db)
    assert pending > 0
    assert reads.counts(db)["matches"] == 0 and reads.headline_figures(db)["pairs"] == 0  # pages count scored pairs only
    claim = db.execute("SELECT statement_id FROM statements WHERE text LIKE 'A decision%'").fetchone()[0]
    found = match.claim_reports(db, claim)
    assert len(found) and found["stance"].isna().all()  # searchable at once, not scored yet
    assert reads.pending_count(db, claim) > 0
    seen = []
    assert score_pending(db, scorer, batch_size=2, progress=lambda done, total: seen.append((done, total))) == pending
    assert seen[-1] == (pending, pending) and len(seen) == -(-pending // 2)
    assert reads.pending_count(db) == 0 and reads.counts(db)["matches"] > 0

    eager = connection.connect(tmp_path / "eager.duckdb")
    try:
        from crosscheck.db import schema, writes

        schema.ensure_schema(eager, embedder.name, embedder.dim)
        writes.sync_actors(eager, registry)
        store_documents(eager, _docs(), embedder=embedder, scorer=scorer, registry=registry)
        columns = "claim_id, report_id, stance, round(contradiction, 4), round(support, 4), shown"
        assert (db.execute(f"SELECT {columns} FROM matches ORDER BY 1, 2").fetchall()
                == eager.execute(f"SELECT {columns} FROM matches ORDER BY 1, 2").fetchall())
    finally:
        eager.close()


def test_a_crash_mid_scoring_keeps_the_statements_and_resumes(db, embedder, registry):
    scorer = load_scorer(embedder=embedder)
    store_documents(db, _docs(), embedder=embedder, scorer=scorer, registry=registry, defer_scoring=True)
    pending = reads.pending_count(db)
    assert pending > 2
    with pytest.raises(RuntimeError, match="scorer died"):
        score_pending(db, FailingAfter(scorer, 1), batch_size=2)
    assert reads.pending_count(db) == pending - 2  # the first batch landed, the one in hand rolled back
    assert reads.counts(db)["statements"] == 6
    assert score_pending(db, scorer) == pending - 2
    assert reads.pending_count(db) == 0
    assert db.execute("SELECT count(*) FROM matches WHERE model IS NULL").fetchone() == (0,)


def test_ingest_no_wait_then_score(tmp_path):
    files = []
    for name, pub, day, text in TEXTS:
        path = tmp_path / name.replace(".txt", ".md")
        path.write_text(f"---\npublisher: {pub}\ndate: {day.isoformat()}\n---\n{text}\n")
        files.append(str(path))
    db = str(tmp_path / "cli.duckdb")
    run = [sys.executable, "-m", "crosscheck"]
    out = subprocess.run([*run, "ingest", *files, "--db", db, "--no-wait"], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stderr
    assert "0 matched pairs; " in out.stdout and "pairs wait to be scored (`crosscheck score`" in out.stdout
    out = subprocess.run([*run, "score", "--db", db], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stderr
    assert "scored " in out.stdout and "wait to be scored" not in out.stdout
    out = subprocess.run([*run, "matches", "--db", db], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert out.stdout.count("\n") > 1


KYIV = ("kyiv.txt", "Ministry of Foreign Affairs of Ukraine", dt.date(2022, 2, 16),
        "We do not see any withdrawal of Russian forces from our border. The troops remain where they were.")


def test_ingest_waits_for_the_monitors_pairs_and_leaves_other_governments_for_later(tmp_path):
    files = []
    for name, pub, day, text in [*TEXTS, KYIV]:
        path = tmp_path / name.replace(".txt", ".md")
        path.write_text(f"---\npublisher: {pub}\ndate: {day.isoformat()}\n---\n{text}\n")
        files.append(str(path))
    db = str(tmp_path / "cli.duckdb")
    run = [sys.executable, "-m", "crosscheck"]
    out = subprocess.run([*run, "ingest", *files, "--db", db], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stderr
    assert "pairs of monitors' reports in" in out.stdout
    con = connection.connect(db, read_only=True)
    try:
        monitors, governments = (reads.pending_count(con, scope=s) for s in ("monitors", "governments"))
        shown = reads.counts(con)["matches"]
        # Kyiv's statement is evidence against the Kremlin's claim, and the Kremlin's against Kyiv's: those wait.
        queue = reads.pending_pairs(con, 100)
    finally:
        con.close()
    assert monitors == 0 and governments > 0 and shown > 0
    assert len(queue) == governments
    assert "(other governments' statements as evidence) wait to be scored" in out.stdout
    out = subprocess.run([*run, "score", "--db", db], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stderr
    assert f"scored {governments:,} pairs in" in out.stdout and "wait to be scored" not in out.stdout


def test_pending_pairs_put_the_monitors_first_and_select_by_scope_and_claim(db, embedder, registry):
    kyiv = extract_text(KYIV[3], source_name=KYIV[0], publisher=KYIV[1], date=KYIV[2]).documents
    store_documents(db, _docs() + kyiv, embedder=embedder, scorer=load_scorer(embedder=embedder), registry=registry,
                     defer_scoring=True)
    everything = reads.pending_pairs(db, 1000)
    monitors = reads.pending_pairs(db, 1000, scope="monitors")
    governments = reads.pending_pairs(db, 1000, scope="governments")
    assert len(monitors) > 0 and len(governments) > 0
    assert len(everything) == len(monitors) + len(governments) == reads.pending_count(db)
    assert everything.head(len(monitors)).equals(monitors)  # the monitors' pairs come first
    claim = governments["claim_id"].iloc[0]
    mine = reads.pending_pairs(db, 1000, claim_id=claim)
    assert set(mine["claim_id"]) == {claim} and len(mine) == reads.pending_count(db, claim)
    with pytest.raises(ValueError):
        reads.pending_pairs(db, 10, scope="everyone")


def test_an_upload_is_stored_and_matched_together_and_one_failing_document_refuses_only_itself(db, embedder, registry,
                                                                                                 monkeypatch, tmp_path, caplog):
    import logging

    from crosscheck.db import schema, writes

    scorer = load_scorer(embedder=embedder)
    together = store_documents(db, _docs(), embedder=embedder, scorer=scorer, registry=registry, defer_scoring=True)
    # One by one (each its own transaction and matching pass, as a batch of one document each) finds the same pairs.
    apart = connection.connect(tmp_path / "apart.duckdb")
    try:
        schema.ensure_schema(apart, embedder.name, embedder.dim)
        writes.sync_actors(apart, registry)
        for doc in _docs():
            store_documents(apart, [doc], embedder=embedder, scorer=scorer, registry=registry, defer_scoring=True)
        columns = "claim_id, report_id, round(similarity, 5), lag_days, shown, pending"
        assert (db.execute(f"SELECT {columns} FROM matches ORDER BY 1, 2").fetchall()
                == apart.execute(f"SELECT {columns} FROM matches ORDER BY 1, 2").fetchall())
    finally:
        apart.close()
    assert [r.status for r in together.results] == ["added"] * 3 and sum(r.matches for r in together.results) > 0

    # A document whose insert fails: the group's transaction rolls back, the documents are stored one by one,
    # and only the failing one is refused, with its name; nothing of it is half-written.
    fresh = connection.connect(tmp_path / "fresh.duckdb")
    try:
        schema.ensure_schema(fresh, embedder.name, embedder.dim)
        writes.sync_actors(fresh, registry)
        real = writes.insert_document

        def insert(con, doc, *args, **kwargs):
            if doc.source_name == "cit.txt":
                raise OSError("disk hiccup")
            return real(con, doc, *args, **kwargs)

        monkeypatch.setattr(writes, "insert_document", insert)
        with caplog.at_level(logging.INFO, logger="crosscheck.pipeline"):
            summary = store_documents(fresh, _docs(), embedder=embedder, scorer=scorer, registry=registry, defer_scoring=True)
        assert "storing 3 documents together failed" in caplog.text  # the group was tried first, then one by one
        assert [r.status for r in summary.results] == ["added", "refused", "added"]
        assert "cit.txt" in summary.results[1].source and "disk hiccup" in summary.results[1].message
        assert fresh.execute("SELECT count(*) FROM documents").fetchone() == (2,)
        assert fresh.execute("SELECT count(*) FROM statements WHERE text LIKE 'We see no sign%'").fetchone() == (0,)
        assert reads.pending_count(fresh) > 0  # the Kremlin's claim and Rochan's report still pair
    finally:
        fresh.close()


def test_scoring_changes_the_data_version_not_the_claims_version(db, embedder, registry):
    from crosscheck.db import schema, writes

    scorer = load_scorer(embedder=embedder)
    store_documents(db, _docs()[:1], embedder=embedder, scorer=scorer, registry=registry, defer_scoring=True)
    claims = schema.claims_version(db)
    store_documents(db, _docs()[1:], embedder=embedder, scorer=scorer, registry=registry, defer_scoring=True)
    assert schema.claims_version(db) != claims  # new statements
    claims, data = schema.claims_version(db), schema.data_version(db)
    assert score_pending(db, scorer) > 0
    # Pairs scored (as the background scorer does): pages' reads refresh, the claims' storylines stay.
    assert schema.data_version(db) != data and schema.claims_version(db) == claims
    writes.update_actor(db, "Rochan Consulting", actor_type="government")  # which statements are claims changed
    assert schema.claims_version(db) != claims
