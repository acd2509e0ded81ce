"""Hostile input, third round: what a hostile tester still got through, one class of fault per test."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from crosscheck.config import Limits
from crosscheck.decode import printable_name
from crosscheck.errors import IngestError
from crosscheck.ingest import extract_path
from crosscheck.pipeline import DocResult, IngestSummary, Status

pytestmark = pytest.mark.timeout(180)

ARTICLE = b"On 16 February 2022 the ministry said the troops were returning to their bases after the drills.\n"


# ---------------------------------------------------------------- file names (faults 6 and 7)


def test_printable_name_escapes_what_acts_on_a_terminal():
    assert printable_name("report.txt") == "report.txt"
    assert printable_name("Доклад 2022.pdf") == "Доклад 2022.pdf"
    assert printable_name("a\x1b[2Jb.txt") == "a\\x1b[2Jb.txt"
    assert printable_name("one\ntwo\r.txt") == "one\\x0atwo\\x0d.txt"
    assert printable_name("bidi\u202egnp.exe") == "bidi\\u202egnp.exe"
    assert printable_name(os.fsdecode(b"bad\xff\xfe.txt")) == "bad\\xff\\xfe.txt"
    assert printable_name(printable_name("a\x1bb")) == printable_name("a\x1bb")  # shown twice, escaped once


def test_summary_lines_are_one_line_each_and_inert():
    summary = IngestSummary()
    summary.results.append(DocResult("evil\x1b[2J\nname.txt", "abc", Status.REFUSED, message="bad\nreason"))
    summary.warnings.append("evil\x1b]0;title\x07.csv: skipped 1 row")
    lines = summary.lines()
    assert len(lines) == 2
    for line in lines:
        assert "\n" not in line and "\x1b" not in line and "\x07" not in line
    assert lines[0].startswith("evil\\x1b[2J\\x0aname.txt: refused")


def test_a_file_name_with_bytes_that_are_not_utf8_is_stored_and_shown_escaped(tmp_path, db, embedder, registry):
    from crosscheck.pipeline import ingest_documents

    name = os.fsdecode(b"report\xff\xfe.txt")
    (tmp_path / name).write_bytes(ARTICLE)
    extraction = extract_path(tmp_path / name)
    assert extraction.documents[0].source_name == "report\\xff\\xfe.txt"
    summary = ingest_documents(db, extraction.documents, embedder=embedder, scorer=None, registry=registry,
                               defer_scoring=True)
    assert [r.status for r in summary.results] == [Status.ADDED]
    stored = [row[0] for row in db.execute("SELECT source_name FROM documents").fetchall()]
    assert stored == ["report\\xff\\xfe.txt"]


def test_the_log_file_takes_names_that_are_not_utf8(tmp_path, monkeypatch):
    from crosscheck import cli

    log_file = tmp_path / "crosscheck.log"
    monkeypatch.setenv("CROSSCHECK_LOG", str(log_file))
    logger = logging.getLogger("crosscheck")
    before = list(logger.handlers)
    errors = io.StringIO()
    monkeypatch.setattr(sys, "stderr", errors)
    try:
        cli._log_to_file()
        logging.getLogger("crosscheck.pipeline").error("%s: unexpected error", os.fsdecode(b"bad\xff.txt"))
        for h in logger.handlers:
            h.flush()
    finally:
        for h in logger.handlers[len(before):]:
            h.close()
            logger.removeHandler(h)
    assert "Logging error" not in errors.getvalue()
    assert "bad\\udcff.txt: unexpected error" in log_file.read_text(encoding="utf-8")


@pytest.mark.timeout(300)
def test_command_line_names_are_escaped_one_line_each(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    names = [os.fsdecode(b"bad\xff\xfename.txt"), "esc\x1b[2Jname\nsecond.txt"]
    for i, n in enumerate(names):
        (folder / n).write_bytes(ARTICLE + f"Item {i}.\n".encode())
    env = {**os.environ, "CROSSCHECK_LOG": str(tmp_path / "log.txt")}
    run = subprocess.run(
        [sys.executable, "-m", "crosscheck", "ingest", "--db", str(tmp_path / "w.duckdb"), "--no-wait",
         *[str(folder / n) for n in names]],
        capture_output=True, env=env, timeout=280,
    )
    out, err = run.stdout.decode("utf-8"), run.stderr.decode("utf-8", "replace")
    assert run.returncode == 0, out + err
    assert "Logging error" not in err and "Traceback" not in err
    assert "\x1b" not in out
    added = [line for line in out.splitlines() if ": added " in line]
    assert len(added) == 2, out
    assert any(line.startswith("bad\\xff\\xfename.txt: added") for line in added)
    assert any(line.startswith("esc\\x1b[2Jname\\x0asecond.txt: added") for line in added)


# ---------------------------------------------------------------- special files (fault 8)


@pytest.mark.timeout(30)
def test_a_link_to_a_device_is_refused_not_read(tmp_path):
    (tmp_path / "zero.txt").symlink_to("/dev/zero")
    with pytest.raises(IngestError, match="not a regular file"):
        extract_path(tmp_path / "zero.txt")


@pytest.mark.timeout(30)
def test_a_fifo_is_refused_without_waiting(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    done = []
    worker = threading.Thread(target=lambda: done.append(_refusal(tmp_path / "pipe.txt")), daemon=True)
    worker.start()
    worker.join(10)
    assert done and "not a regular file" in done[0]


def test_a_folder_named_like_a_file_is_refused(tmp_path):
    (tmp_path / "folder.txt").mkdir()
    assert "not a regular file" in _refusal(tmp_path / "folder.txt")


def test_the_size_limit_holds_whatever_stat_says(tmp_path, monkeypatch):
    big = tmp_path / "big.txt"
    big.write_bytes(ARTICLE * 2000)
    limits = Limits(max_file_bytes=10_000)
    real_stat = os.stat
    # A file whose size the file system misreports (as /proc and some network mounts do) is read only up to the limit.
    monkeypatch.setattr(os, "stat", lambda *a, **k: os.stat_result((*real_stat(*a, **k)[:6], 0, 0, 0, 0)))
    with pytest.raises(IngestError, match="larger than the limit"):
        extract_path(big, limits=limits)


def _refusal(path: Path) -> str:
    try:
        extract_path(path)
    except IngestError as e:
        return str(e)
    return "read"
