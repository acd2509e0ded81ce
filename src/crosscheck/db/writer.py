"""One writer: every write in the app process goes through one queue and one worker thread.

DuckDB allows one writing process; inside it, writes are serialised here while page reads use
their own cursors of the same connection (DuckDB's MVCC lets a reader see the last committed
state while a write transaction is open), so uploads from several sessions queue up instead of
failing, and browsing is never blocked by an ingest.
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from typing import Any, Callable

import duckdb

from crosscheck.errors import StoreError


class Writer:
    """Runs submitted write jobs one at a time, each on a fresh cursor of the shared connection.

    Usage::

        writer = Writer(con)
        future = writer.submit(fn, arg)          # fn(cursor, arg) runs on the writer thread
        summary = writer.submit(ingest_batch, docs, models=models).result()   # crosscheck.workspace
        writer.close()
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, *, name: str = "crosscheck-writer"):
        self._con = con
        self._jobs: queue.Queue = queue.Queue()
        self._closed = False
        self._lock = threading.Lock()  # makes "closed?" and "enqueue" one step
        self._unfinished = 0  # queued + running, for busy()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, fn: Callable[..., Any], *args, **kwargs) -> Future:
        """Queue fn(cursor, *args, **kwargs); the Future holds its result or exception."""
        future: Future = Future()
        with self._lock:
            if self._closed:
                raise StoreError("the database writer is closed; restart the dashboard")
            self._unfinished += 1
            self._jobs.put((future, fn, args, kwargs))
        return future

    def pending(self) -> int:
        """Jobs waiting behind the one running."""
        return self._jobs.qsize()

    def busy(self) -> bool:
        """True while a job runs or waits."""
        return self._unfinished > 0

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self, *, cancel_pending: bool = False, timeout: float | None = 60) -> bool:
        """Stop accepting jobs, finish (or cancel) the queued ones and stop the thread; True when stopped."""
        with self._lock:
            if not self._closed:
                if cancel_pending:
                    self._cancel_queued()
                self._closed = True
                self._jobs.put(None)
        self._thread.join(timeout=timeout)
        return not self._thread.is_alive()

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _cancel_queued(self) -> None:
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                return
            if job is not None:
                job[0].cancel()
                self._unfinished -= 1

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            future, fn, args, kwargs = job
            try:
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    result = self._run_job(fn, args, kwargs)
                except BaseException as e:  # handed to the waiting page; the worker lives on
                    future.set_exception(e)
                else:
                    future.set_result(result)
            finally:
                with self._lock:
                    self._unfinished -= 1

    def _run_job(self, fn: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
        # A fresh cursor per job: a job that fails half-way, leaves a transaction open or closes
        # its cursor cannot affect the next one.
        cursor = self._con.cursor()
        try:
            return fn(cursor, *args, **kwargs)
        finally:
            try:
                cursor.execute("ROLLBACK")  # only does something when the job left a transaction open
            except duckdb.Error:
                pass
            try:
                cursor.close()
            except duckdb.Error:
                pass
