"""Opening the database (lock conflicts become a clear error) and one transaction per unit of work."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from crosscheck.errors import DatabaseBusyError, StoreError


def connect(path: str | Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open a database file (or ":memory:"), turning lock conflicts into a clear error."""
    path = str(path)
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    try:
        return duckdb.connect(path, read_only=read_only)
    except duckdb.IOException as e:
        if "lock" in str(e).lower():
            holder = re.search(r"\(PID (\d+)\)", str(e))
            who = f"another process, PID {holder[1]}" if holder else "another process"
            # DuckDB lets a process that holds the file for writing keep every other process out,
            # readers included, so a read-only command gets the same refusal.
            advice = (
                "while it runs no other process can open the file, even read-only: "
                "stop it, or export from the dashboard"
                if read_only
                else "stop it, or upload through the dashboard"
            )
            raise DatabaseBusyError(
                f"{path}: the database is held by {who} (is the dashboard running?); {advice}"
            ) from e
        raise StoreError(f"{path}: cannot open database: {e}") from e
    except duckdb.Error as e:
        raise StoreError(f"{path}: cannot open database: {e}") from e


def transaction(con: duckdb.DuckDBPyConnection):
    """Context manager: BEGIN … COMMIT, ROLLBACK on any error."""
    return _Tx(con)


class _Tx:
    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def __enter__(self):
        self.con.execute("BEGIN TRANSACTION")
        return self.con

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.con.execute("COMMIT")
        else:
            try:
                self.con.execute("ROLLBACK")
            except duckdb.Error:
                pass
        return False


def database_path(con: duckdb.DuckDBPyConnection) -> str | None:
    """The file of the connection's current database, or None for an in-memory one."""
    row = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return row[0] if row and row[0] else None
