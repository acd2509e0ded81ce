"""All or nothing: `crosscheck ingest` killed with SIGKILL at random moments never leaves half a document.

One database is reused across rounds, so later rounds start from whatever the previous kill left.
Uninterrupted runs measure when the process starts writing and how long the writing lasts; each
round then kills either during start-up (imports, model loading) or at a random point after the
first write (actor sync, segmenting, embedding, matching, commits).

Importing torch and sentence-transformers takes most of a process's start on a small machine, so
most rounds fork the ingest from a process that has imported them once and then runs the same
`crosscheck.cli.main(["ingest", ...])`; some rounds and the first and last runs are plain
`python -m crosscheck ingest` processes.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crosscheck.db import connection, schema

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


# Imports the heavy libraries once, then forks one `crosscheck ingest` per request line (JSON:
# argument list and log file); answers with the child's pid, then with its wait status.
FORK_SERVER = """
import json, os, sys
import torch, sentence_transformers  # the slow part of every start
from crosscheck import cli
print("ready", flush=True)
for line in sys.stdin:
    request = json.loads(line)
    pid = os.fork()
    if pid == 0:
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(log, 1)
        os.dup2(log, 2)
        code = 1
        try:
            code = cli.main(request["args"])
        except BaseException:
            import traceback
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code or 0)
    print(pid, flush=True)
    print(os.waitpid(pid, 0)[1], flush=True)
"""


def wal_path(db: Path) -> Path:
    return Path(str(db) + ".wal")


class CliRun:
    """`python -m crosscheck ingest PATHS --db DB` as its own process."""

    def __init__(self, paths: list[Path], db: Path):
        self.log = db.parent / "ingest.log"
        with self.log.open("w") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "crosscheck", "ingest", *map(str, paths), "--db", str(db)],
                stdout=log, stderr=subprocess.STDOUT,
            )

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        self.proc.kill()

    def wait(self) -> int:
        """Exit code; negative for a signal."""
        return self.proc.wait(timeout=600)


class ForkedRun:
    """The same command line, forked from the fork server."""

    def __init__(self, server: subprocess.Popen, paths: list[Path], db: Path):
        self.server = server
        self.log = db.parent / "ingest.log"
        request = {"args": ["ingest", *map(str, paths), "--db", str(db)], "log": str(self.log)}
        server.stdin.write(json.dumps(request) + "\n")
        server.stdin.flush()
        self.pid = int(server.stdout.readline())
        self.status: int | None = None

    def alive(self) -> bool:
        try:
            # A zombie still answers kill(0); its /proc state tells the difference.
            return Path(f"/proc/{self.pid}/stat").read_text().split(") ")[1][0] != "Z"
        except (FileNotFoundError, ProcessLookupError, IndexError):  # gone, or reaped between open and read
            return False

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def wait(self) -> int:
        if self.status is None:
            self.status = int(self.server.stdout.readline())
        return -os.WTERMSIG(self.status) if os.WIFSIGNALED(self.status) else os.WEXITSTATUS(self.status)


def wait_first_write(run, db: Path, limit: float = 300) -> float | None:
    """Seconds until the process first writes (its WAL appears), or None if it ends first."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        if wal_path(db).exists():
            return time.monotonic() - t0
        if not run.alive():
            return None
        time.sleep(0.002)
    raise AssertionError("the ingest process never wrote")


def timed_full_run(run, db: Path) -> tuple[float, float]:
    """Let a run finish; return (seconds to first write, seconds of writing)."""
    t0 = time.monotonic()
    first = wait_first_write(run, db)
    assert run.wait() == 0, run.log.read_text()[-3000:]
    assert first is not None
    return first, time.monotonic() - t0 - first


def check_database(db: Path, expected: dict[str, int] | None) -> dict[str, int]:
    """Open after a crash and check every document is whole; return {sha256: n_statements}."""
    con = connection.connect(db)
    try:
        if schema.get_meta(con, "schema_version") is None:
            # Killed before the schema transaction committed: nothing at all may be there.
            tables = con.execute("SELECT table_name FROM information_schema.tables").fetchall()
            assert tables in ([], [("meta",)]) and schema.get_meta(con, "embed_model") is None
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


def forget_documents(db: Path, rng: random.Random, keep: int) -> int:
    """Delete all but `keep` documents (with their statements and matches), so the next round has work; how many are left."""
    con = connection.connect(db)
    try:
        ids = sorted(r[0] for r in con.execute("SELECT doc_id FROM documents").fetchall())
        for doc_id in rng.sample(ids, max(0, len(ids) - keep)):
            with connection.transaction(con):
                con.execute(
                    """DELETE FROM matches WHERE claim_id IN (SELECT statement_id FROM statements WHERE doc_id = ?)
                       OR report_id IN (SELECT statement_id FROM statements WHERE doc_id = ?)""",
                    [doc_id, doc_id],
                )
                con.execute("DELETE FROM statements WHERE doc_id = ?", [doc_id])
                con.execute("DELETE FROM documents WHERE doc_id = ?", [doc_id])
        return min(keep, len(ids))
    finally:
        con.close()


@pytest.fixture
def fork_server():
    server = subprocess.Popen(
        [sys.executable, "-c", FORK_SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert server.stdout.readline().strip() == "ready"
    yield server
    server.stdin.close()
    server.wait(60)
    server.stdout.close()


def test_sigkill_at_random_points_leaves_documents_whole(tmp_path, fork_server):
    paths = write_batch(tmp_path / "batch")
    db = tmp_path / "kill.duckdb"
    rng = random.Random(20220216)

    # Uninterrupted runs: the reference counts and the timelines the kills are drawn from.
    cli_first_write, _ = timed_full_run(CliRun(paths, db), db)
    expected = check_database(db, None)
    assert len(expected) == len(paths)
    forget_documents(db, rng, keep=0)
    fork_first_write, fork_writing = timed_full_run(ForkedRun(fork_server, paths, db), db)
    assert check_database(db, expected) == expected

    kinds: list[str] = []
    for round_no in range(ROUNDS):
        missing = len(paths) - forget_documents(db, rng, keep=rng.randint(0, 4))
        assert not wal_path(db).exists()  # so the next WAL marks the new process's first write
        if round_no % 10 == 9:
            run, kind = CliRun(paths, db), "start-up"
            time.sleep(rng.uniform(0, cli_first_write))
        elif round_no % 5 == 0:
            run, kind = ForkedRun(fork_server, paths, db), "model loading"
            time.sleep(rng.uniform(0, fork_first_write))
        else:
            run, kind = ForkedRun(fork_server, paths, db), "writing"
            if wait_first_write(run, db) is not None:
                # Writing takes about as long as the documents left to ingest.
                time.sleep(rng.uniform(0, fork_writing * missing / len(paths)))
        if not run.alive():
            kind = "finished"
        run.kill()
        code = run.wait()
        assert code in (0, -signal.SIGKILL), run.log.read_text()[-3000:]
        kinds.append(kind)
        stored = check_database(db, expected)
        assert set(stored) <= set(expected)

    print("kill rounds:", {k: kinds.count(k) for k in sorted(set(kinds))})
    # Most kills must land while the process was alive, in every phase.
    assert kinds.count("writing") >= ROUNDS // 3, kinds
    assert kinds.count("start-up") + kinds.count("model loading") >= ROUNDS // 8, kinds

    # Re-ingesting after all that completes the batch, without duplicates.
    final = CliRun(paths, db)
    assert final.wait() == 0, final.log.read_text()[-3000:]
    assert check_database(db, expected) == expected
