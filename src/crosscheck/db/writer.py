"""One writer: every write in the app process goes through one queue and one worker thread.

DuckDB allows one writing process; inside it, writes are serialised here while page reads use
their own cursors of the same connection (DuckDB's MVCC lets a reader see the last committed
state while a write transaction is open), so uploads from several sessions queue up instead of
failing, and browsing is never blocked by an ingest.

The dashboard's writer is `guarded`: it takes only writes made as someone (`submit_as`), checks that
person's role for the kind of write before anything is queued, and records every attempt in the
audit table (done, refused, failed) and in the `crosscheck.audit` log. So a hidden button is not the
only thing between a viewer and the database. Over a read-only connection (CROSSCHECK_READ_ONLY)
refusals are logged only.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from typing import Any, Callable, Protocol

import duckdb

from crosscheck.db import writes
from crosscheck.errors import AccessDenied, StoreError

AUDIT_LOG = logging.getLogger("crosscheck.audit")


class Caller(Protocol):
    """Who a write is made for (crosscheck.roles.Identity): the writer asks it, never the page."""

    user_id: str
    name: str | None
    role: str

    def may(self, action: str) -> bool: ...

    def refusal(self, action: str) -> str: ...


def _plain(value: Any) -> Any:
    """An argument as the audit shows it: simple values as they are, lists of them, else the type's name."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)) and all(v is None or isinstance(v, (str, int, float, bool)) for v in value):
        return list(value)
    if isinstance(value, (list, tuple)):
        return f"{len(value)} × {type(value[0]).__name__}" if value else []
    return type(value).__name__


class Writer:
    """Runs submitted write jobs one at a time, each on a fresh cursor of the shared connection.

    Usage::

        writer = Writer(con)
        future = writer.submit(fn, arg)          # fn(cursor, arg) runs on the writer thread
        summary = writer.submit(add_documents, docs, models=models).result()   # crosscheck.workspace
        writer.close()
    """

    def __init__(
        self, con: duckdb.DuckDBPyConnection, *, name: str = "crosscheck-writer", guarded: bool = False, read_only: bool = False
    ):
        self._con = con
        self._guarded = guarded
        self._read_only = read_only  # the connection cannot write: refusals go to the log only
        self._jobs: queue.Queue = queue.Queue()
        self._closed = False
        self._lock = threading.Lock()  # makes "closed?" and "enqueue" one step
        self._unfinished = 0  # queued + running, for busy()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, fn: Callable[..., Any], *args, **kwargs) -> Future:
        """Queue fn(cursor, *args, **kwargs); the Future holds its result or exception.

        A guarded writer refuses: every write in the dashboard says who makes it (submit_as).
        """
        if self._guarded:
            AUDIT_LOG.warning("refused: %s submitted without a caller", getattr(fn, "__name__", fn))
            raise AccessDenied("this workspace takes only writes made by a signed-in person with a role that allows them")
        return self._enqueue(fn, args, kwargs)

    def submit_as(self, caller: Caller, action: str, target: str | None, fn: Callable[..., Any], *args, **kwargs) -> Future:
        """Queue fn(cursor, *args, **kwargs) as a write of kind `action` (crosscheck.roles.REQUIRES) made by `caller`.

        Refused before anything is queued when the caller may not do `action` (AccessDenied); every
        attempt, done, refused or failed, gets an audit row with who, when, what (`target`) and the arguments.
        """
        detail = {"fn": getattr(fn, "__name__", str(fn)), "args": [_plain(a) for a in args],
                  **{k: _plain(v) for k, v in kwargs.items() if not callable(v)}}
        if not caller.may(action):
            raise AccessDenied(self.refuse(caller, action, target, detail))
        who = {"user_id": caller.user_id, "user_name": caller.name, "role": caller.role, "action": action, "target": target}

        def audited(cursor, *a, **kw):
            try:
                result = fn(cursor, *a, **kw)
            except BaseException as e:
                AUDIT_LOG.warning("failed: %s %s %s: %s", caller.user_id, action, target or "", e)
                _audit_quietly(cursor, **who, outcome="failed", detail=detail, reason=str(e)[:500], rollback=True)
                raise
            AUDIT_LOG.info("done: %s (%s) %s %s", caller.user_id, caller.role, action, target or "")
            _audit_quietly(cursor, **who, outcome="done", detail=detail)
            return result

        audited.__name__ = getattr(fn, "__name__", "write")
        return self._enqueue(audited, args, kwargs)

    def refuse(self, caller: Caller, action: str, target: str | None, detail: dict | None = None) -> str:
        """Log and audit a refused attempt at `action` (a write, or a page that exists for one); returns the reason."""
        reason = caller.refusal(action)
        AUDIT_LOG.warning("refused: %s (%s) %s %s: %s", caller.user_id, caller.role, action, target or "", reason)
        if not self._read_only and not self._closed:
            row = {"user_id": caller.user_id, "user_name": caller.name, "role": caller.role, "action": action,
                   "target": target, "outcome": "refused", "detail": detail, "reason": reason}
            self._enqueue(_audit_quietly, (), row)
        return reason

    def _enqueue(self, fn: Callable[..., Any], args: tuple, kwargs: dict) -> Future:
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
                except BaseException as e:  # noqa: BLE001 - handed to the waiting page; the worker lives on
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


def _audit_quietly(cursor: duckdb.DuckDBPyConnection, *, rollback: bool = False, **row) -> None:
    """Record an audit row; a write is never undone, nor a refusal turned into an error, because its row could not be added."""
    if rollback:  # a failed job may have left its transaction open
        try:
            cursor.execute("ROLLBACK")
        except duckdb.Error:
            pass
    try:
        writes.record_audit(cursor, **row)
    except duckdb.Error as e:
        AUDIT_LOG.error("could not record the audit row of %s %s: %s", row.get("action"), row.get("target"), e)
