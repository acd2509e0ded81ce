"""One writer: every write in the app process goes through one queue and one worker thread.

DuckDB allows one writing process; inside it, writes are serialised here while page reads use
their own cursors, so uploads from several sessions neither fail nor block browsing.
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from typing import Any, Callable

import duckdb


class Writer:
    """Runs submitted write jobs one at a time on a cursor of the shared connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self._con = con
        self._jobs: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="crosscheck-writer", daemon=True)
        self._thread.start()

    def submit(self, fn: Callable[..., Any], *args, **kwargs) -> Future:
        """Queue fn(cursor, *args, **kwargs); the Future holds its result or exception."""
        future: Future = Future()
        self._jobs.put((future, fn, args, kwargs))
        return future

    def pending(self) -> int:
        """Jobs waiting behind the one running."""
        return self._jobs.qsize()

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join(timeout=60)

    def _run(self) -> None:
        cursor = self._con.cursor()
        while True:
            job = self._jobs.get()
            if job is None:
                return
            future, fn, args, kwargs = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn(cursor, *args, **kwargs))
            except BaseException as e:  # handed to the waiting page
                future.set_exception(e)
