"""The command line against a database held by another process (the running dashboard)."""

from __future__ import annotations

import subprocess
import sys

import pytest

# Opens the database the way the dashboard does and keeps it until its stdin closes.
HOLDER = """
import sys
from crosscheck.db import connection
con = connection.connect(sys.argv[1])
con.execute("CREATE TABLE IF NOT EXISTS held (i INTEGER)")
print("ready", flush=True)
sys.stdin.read()
"""


def crosscheck(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crosscheck", *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def held_db(tmp_path):
    path = tmp_path / "held.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "ready"
    yield path, holder
    if holder.poll() is None:
        holder.stdin.close()
        holder.wait(30)
    holder.stdin.close()  # a no-op when already closed
    holder.stdout.close()


def assert_one_clear_line(result: subprocess.CompletedProcess, path, holder_pid: int) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert str(path) in line
    assert "held by another process" in line and "dashboard" in line
    assert f"PID {holder_pid}" in line
    return line


@pytest.mark.parametrize("command", ["statements", "matches"])
def test_reading_commands_say_the_file_is_held(held_db, command):
    path, holder = held_db
    result = crosscheck(command, "--db", str(path))
    line = assert_one_clear_line(result, path, holder.pid)
    assert "even read-only" in line
    assert result.stdout == ""


def test_ingest_says_the_file_is_held_then_works_once_released(held_db, tmp_path):
    path, holder = held_db
    doc = tmp_path / "2022-02-16-cit.txt"
    doc.write_text("The Conflict Intelligence Team said new armour arrived near Belgorod on Wednesday.\n")
    result = crosscheck("ingest", str(doc), "--db", str(path))
    line = assert_one_clear_line(result, path, holder.pid)
    assert "upload through the dashboard" in line
    holder.stdin.close()
    assert holder.wait(30) == 0
    # Nothing was written while refused, and the same command succeeds once the file is free.
    result = crosscheck("ingest", str(doc), "--db", str(path))
    assert result.returncode == 0, result.stderr
    assert "added" in result.stdout and "1 documents" in result.stdout
    listed = crosscheck("statements", "--db", str(path), "--format", "json")
    assert listed.returncode == 0 and "Belgorod" in listed.stdout
