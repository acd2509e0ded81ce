"""All or nothing: `crosscheck ingest` killed with SIGKILL at random moments never leaves half a document.

One database is reused across rounds, so later rounds start from whatever the previous kill left.
A first uninterrupted run measures when the process starts writing and how long the writing
lasts; each round then kills either during start-up (imports, model loading) or at a random point
after the first write (actor sync, segmenting, embedding, matching, commits).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crosscheck import store

pytestmark = pytest.mark.slow

ROUNDS = int(os.environ.get("CROSSCHECK_KILL_ROUNDS", "20"))
PLACES = ["Belgorod", "Kursk", "Voronezh", "Bryansk", "Yelnya", "Klintsy", "Valuyki", "Pogonovo"]
THINGS = ["armour", "trucks", "tents", "pontoons", "helicopters", "field kitchens", "rail cars", "artillery"]


def write_batch(folder: Path) -> list[Path]:
    """Eight short monitoring notes, each a government claim and monitor reports about one place."""
    folder.mkdir()
    paths = []
    for i, place in enumerate(PLACES):
        lines = [
            f"Monitoring note {i + 1} on {place}.",
            f'"Units near {place} are returning to their bases after the drills," the Russian Ministry of Defence said.',
        ]
        for j, thing in enumerate(THINGS):
            lines.append(f"The Conflict Intelligence Team said it counted {3 + i + j} more {thing} near {place} on day {j + 1}.")
        path = folder / f"2022-02-{10 + i}-note-{i + 1}.txt"
        path.write_text(" ".join(lines) + "\n")
        paths.append(path)
    return paths


def wal_path(db: Path) -> Path:
    return Path(str(db) + ".wal")


def start_ingest(paths: list[Path], db: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "crosscheck", "ingest", *map(str, paths), "--db", str(db)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )


def wait_first_write(proc: subprocess.Popen, db: Path, limit: float = 300) -> float | None:
    """Seconds until the process first writes (its WAL appears), or None if it exits first."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        if wal_path(db).exists():
            return time.monotonic() - t0
        if proc.poll() is not None:
            return None
        time.sleep(0.002)
    raise AssertionError("the ingest process never wrote")


def check_database(db: Path, expected: dict[str, int] | None) -> dict[str, int]:
    """Open after a crash and check every document is whole; return {sha256: n_statements}."""
    con = store.connect(db)
    try:
        if store.get_meta(con, "schema_version") is None:
            # Killed before the schema transaction committed: nothing at all may be there.
            tables = con.execute("SELECT table_name FROM information_schema.tables").fetchall()
            assert tables in ([], [("meta",)]) and store.get_meta(con, "embed_model") is None
            return {}
        docs = con.execute("SELECT sha256, doc_id, n_statements FROM documents").fetchall()
        assert len(docs) == len({d[0] for d in docs})
        for sha, doc_id, n in docs:
            seqs = [r[0] for r in con.execute("SELECT seq FROM statements WHERE doc_id = ? ORDER BY seq", [doc_id]).fetchall()]
            assert seqs == list(range(n)), f"{doc_id}: {len(seqs)} of {n} statements"
            if expected is not None:
                assert expected.get(sha) == n, f"{doc_id}: {n} statements, a full ingest gives {expected.get(sha)}"
        orphans = con.execute(
            "SELECT count(*) FROM statements s WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.doc_id = s.doc_id)"
        ).fetchone()[0]
        assert orphans == 0
        assert con.execute("SELECT count(*) FROM statements WHERE embedding IS NULL").fetchone()[0] == 0
        dangling = con.execute(
            """SELECT count(*) FROM matches m WHERE
               NOT EXISTS (SELECT 1 FROM statements s WHERE s.statement_id = m.claim_id)
               OR NOT EXISTS (SELECT 1 FROM statements s WHERE s.statement_id = m.report_id)"""
        ).fetchone()[0]
        assert dangling == 0
        return {sha: n for sha, _, n in docs}
    finally:
        con.close()


def forget_documents(db: Path, rng: random.Random, keep: int) -> None:
    """Delete all but `keep` documents (with their statements and matches), so the next round has work."""
    con = store.connect(db)
    try:
        ids = sorted(r[0] for r in con.execute("SELECT doc_id FROM documents").fetchall())
        for doc_id in rng.sample(ids, max(0, len(ids) - keep)):
            with store.transaction(con):
                con.execute(
                    """DELETE FROM matches WHERE claim_id IN (SELECT statement_id FROM statements WHERE doc_id = ?)
                       OR report_id IN (SELECT statement_id FROM statements WHERE doc_id = ?)""",
                    [doc_id, doc_id],
                )
                con.execute("DELETE FROM statements WHERE doc_id = ?", [doc_id])
                con.execute("DELETE FROM documents WHERE doc_id = ?", [doc_id])
    finally:
        con.close()


def test_sigkill_at_random_points_leaves_documents_whole(tmp_path):
    paths = write_batch(tmp_path / "batch")
    db = tmp_path / "kill.duckdb"
    rng = random.Random(20220216)

    # Uninterrupted run: the reference counts and the timeline the kills are drawn from.
    t0 = time.monotonic()
    proc = start_ingest(paths, db)
    first_write = wait_first_write(proc, db)
    out, _ = proc.communicate(timeout=600)
    total = time.monotonic() - t0
    assert proc.returncode == 0, out
    assert first_write is not None
    expected = check_database(db, None)
    assert len(expected) == len(paths)
    writing = total - first_write

    kinds: list[str] = []
    for round_no in range(ROUNDS):
        forget_documents(db, rng, keep=rng.randint(0, 4))
        assert not wal_path(db).exists()  # so the next WAL marks the new process's first write
        proc = start_ingest(paths, db)
        if round_no % 4 == 3:
            kind = "start-up"
            time.sleep(rng.uniform(0, first_write))
        else:
            kind = "writing"
            if wait_first_write(proc, db) is None:
                kind = "finished"
            else:
                time.sleep(rng.uniform(0, writing))
        if proc.poll() is not None:
            kind = "finished"
        proc.kill()
        proc.communicate(timeout=60)
        kinds.append(kind)
        stored = check_database(db, expected)
        assert set(stored) <= set(expected)

    # Most kills must land while the process was alive, in both phases.
    assert kinds.count("start-up") >= ROUNDS // 8
    assert kinds.count("writing") >= ROUNDS // 3

    # Re-ingesting after all that completes the batch, without duplicates.
    proc = start_ingest(paths, db)
    out, _ = proc.communicate(timeout=600)
    assert proc.returncode == 0, out
    assert check_database(db, expected) == expected
