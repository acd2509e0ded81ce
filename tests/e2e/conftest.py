"""A real `streamlit run` on a free port, over a database built with the real pipeline, and Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from app.conftest import build_database

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CROSSCHECK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
APP_IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


@dataclass
class Server:
    url: str
    hostile_claim: str
    withdraw_claim: str


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    db: Path, log: Path, *, port: int | None = None, env: dict | None = None, args: tuple[str, ...] = ()
) -> tuple[subprocess.Popen, str]:
    """Start the dashboard on a free port (or `port`) and wait until /_stcore/health answers.

    `env` adds environment variables (CROSSCHECK_READ_ONLY …), `args` Streamlit options (--secrets.files …).
    """
    port = port or free_port()
    env = {**os.environ, "CROSSCHECK_DB": str(db), "HF_HUB_OFFLINE": "1", **(env or {})}
    # The child keeps its own copy of the log's descriptor; ours is closed once it has started.
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false", *args],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise RuntimeError(f"streamlit did not answer on {url}: {log.read_text()[-2000:]}")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def statement_like(db: Path, pattern: str) -> str:
    """The id of the first statement whose text is LIKE pattern (read before a server holds the file)."""
    from crosscheck.db import connection

    con = connection.connect(db)
    try:
        return con.execute("SELECT statement_id FROM statements WHERE text LIKE ?", [pattern]).fetchone()[0]
    finally:
        con.close()


def fresh_database(tmp_path_factory, name: str, embedder, registry) -> tuple[Path, Path]:
    """A new temporary folder and the small test database built in it: (folder, database file)."""
    folder = tmp_path_factory.mktemp(name)
    db = folder / "crosscheck.duckdb"
    build_database(db, embedder, registry)
    return folder, db


@pytest.fixture(scope="session")
def server(tmp_path_factory, embedder, registry):
    """The dashboard serving a fresh copy of the small test database."""
    folder, db = fresh_database(tmp_path_factory, "e2e", embedder, registry)
    # Read before the server starts: from then on its process holds the database file.
    hostile, withdraw = statement_like(db, "%<script>%"), statement_like(db, "%withdraw forces%")
    proc, url = start_server(db, folder / "streamlit.log")
    yield Server(url, hostile, withdraw)
    stop_server(proc)


def wait_idle(page, timeout_ms: int = 120_000) -> None:
    """Wait until the app has connected and finished its script run."""
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']", timeout=timeout_ms)
    # Every page has a title: before it shows, the first run has not started yet.
    page.wait_for_selector("[data-testid='stMain'] h1", timeout=timeout_ms)
    page.wait_for_timeout(300)  # let a rerun triggered by the last action start
    page.wait_for_selector(APP_IDLE, timeout=timeout_ms)
