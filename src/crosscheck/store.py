"""DuckDB storage: schema, one transaction per document, reads as DataFrames."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Iterable, Sequence

import duckdb
import numpy as np
import pandas as pd

from crosscheck.errors import DatabaseBusyError, ModelError, StoreError
from crosscheck.records import Document, Statement

SCHEMA_VERSION = 1


def _schema(dim: int) -> list[str]:
    return [
        "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
        """CREATE TABLE IF NOT EXISTS documents (
            doc_id VARCHAR PRIMARY KEY,
            sha256 VARCHAR NOT NULL UNIQUE,
            title VARCHAR, publisher VARCHAR, url VARCHAR,
            published_on DATE, date_source VARCHAR,
            source_name VARCHAR, format VARCHAR,
            text VARCHAR NOT NULL,
            n_statements INTEGER NOT NULL,
            ingested_at TIMESTAMP NOT NULL)""",
        f"""CREATE TABLE IF NOT EXISTS statements (
            statement_id VARCHAR PRIMARY KEY,
            doc_id VARCHAR NOT NULL,
            seq INTEGER NOT NULL,
            text VARCHAR NOT NULL,
            start INTEGER NOT NULL, "end" INTEGER NOT NULL,
            speaker VARCHAR, actor VARCHAR, actor_type VARCHAR,
            stated_on DATE,
            is_quote BOOLEAN NOT NULL DEFAULT false,
            boilerplate BOOLEAN NOT NULL DEFAULT false,
            inferred_actor BOOLEAN NOT NULL DEFAULT false,
            embedding FLOAT[{dim}])""",
        """CREATE TABLE IF NOT EXISTS actors (
            actor VARCHAR PRIMARY KEY,
            actor_type VARCHAR NOT NULL,
            country VARCHAR,
            organisation VARCHAR,
            role VARCHAR,
            aliases VARCHAR[],
            inferred BOOLEAN NOT NULL DEFAULT false,
            confirmed BOOLEAN NOT NULL DEFAULT true)""",
        """CREATE TABLE IF NOT EXISTS matches (
            claim_id VARCHAR NOT NULL,
            report_id VARCHAR NOT NULL,
            similarity FLOAT NOT NULL,
            stance VARCHAR,
            contradiction FLOAT,
            support FLOAT,
            lag_days INTEGER,
            model VARCHAR,
            scored_at TIMESTAMP,
            PRIMARY KEY (claim_id, report_id))""",
        """CREATE TABLE IF NOT EXISTS verdicts (
            claim_id VARCHAR NOT NULL,
            report_id VARCHAR NOT NULL,
            verdict VARCHAR NOT NULL,
            analyst VARCHAR,
            note VARCHAR,
            decided_at TIMESTAMP NOT NULL,
            PRIMARY KEY (claim_id, report_id))""",
    ]


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


def get_meta(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    try:
        row = con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    except duckdb.CatalogException:
        return None
    return row[0] if row else None


def set_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])


def ensure_schema(con: duckdb.DuckDBPyConnection, embed_model: str, dim: int) -> None:
    """Create the schema on first use; refuse a database embedded with another model."""
    version = get_meta(con, "schema_version")
    if version is None:
        con.execute("BEGIN")
        for ddl in _schema(dim):
            con.execute(ddl)
        set_meta(con, "schema_version", str(SCHEMA_VERSION))
        set_meta(con, "embed_model", embed_model)
        set_meta(con, "embed_dim", str(dim))
        con.execute("COMMIT")
        return
    if int(version) > SCHEMA_VERSION:
        raise StoreError(f"database schema version {version} is newer than this Crosscheck ({SCHEMA_VERSION})")
    stored_model, stored_dim = get_meta(con, "embed_model"), get_meta(con, "embed_dim")
    if stored_model != embed_model or int(stored_dim or 0) != dim:
        raise ModelError(
            f"database was embedded with {stored_model} ({stored_dim}-d), not {embed_model} ({dim}-d); "
            "use the same CROSSCHECK_EMBED_MODEL or a new database"
        )


def has_document(con: duckdb.DuckDBPyConnection, sha256: str) -> bool:
    """True when a document with this normalised-text hash is stored."""
    return con.execute("SELECT 1 FROM documents WHERE sha256 = ?", [sha256]).fetchone() is not None


def statement_id(doc_id: str, seq: int) -> str:
    return f"{doc_id}-{seq:04d}"


def insert_document(
    con: duckdb.DuckDBPyConnection,
    doc: Document,
    statements: Sequence[Statement],
    vectors: np.ndarray | None,
) -> list[str]:
    """Insert one document and its statements (inside the caller's transaction); return statement ids."""
    con.execute(
        "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            doc.doc_id, doc.sha256, doc.title, doc.publisher, doc.url, doc.published_on,
            doc.date_source, doc.source_name, doc.format, doc.text, len(statements),
            dt.datetime.now(dt.timezone.utc).replace(tzinfo=None),
        ],
    )
    ids = [statement_id(doc.doc_id, i) for i in range(len(statements))]
    if not statements:
        return ids
    rows = pd.DataFrame(
        {
            "statement_id": ids,
            "doc_id": doc.doc_id,
            "seq": range(len(statements)),
            "text": [s.text for s in statements],
            "start": [s.start for s in statements],
            "end": [s.end for s in statements],
            "speaker": [s.speaker for s in statements],
            "actor": [s.actor for s in statements],
            "actor_type": [s.actor_type for s in statements],
            "stated_on": pd.array([s.stated_on for s in statements], dtype="object"),
            "is_quote": [s.is_quote for s in statements],
            "boilerplate": [s.boilerplate for s in statements],
            "inferred_actor": [s.inferred_actor for s in statements],
            "embedding": list(vectors.astype(np.float32)) if vectors is not None else [None] * len(statements),
        }
    )
    con.register("_new_statements", rows)
    try:
        dim = get_meta(con, "embed_dim")
        con.execute(
            f"""INSERT INTO statements SELECT statement_id, doc_id, seq, text, start, "end", speaker,
                actor, actor_type, CAST(stated_on AS DATE), is_quote, boilerplate, inferred_actor,
                CAST(embedding AS FLOAT[{int(dim)}]) FROM _new_statements"""
        )
    finally:
        con.unregister("_new_statements")
    return ids


def save_matches(con: duckdb.DuckDBPyConnection, matches: pd.DataFrame) -> int:
    """Upsert scored pairs (columns as the matches table); return how many."""
    if matches.empty:
        return 0
    cols = ["claim_id", "report_id", "similarity", "stance", "contradiction", "support", "lag_days", "model", "scored_at"]
    frame = matches.reindex(columns=cols)
    con.register("_new_matches", frame)
    try:
        con.execute("INSERT OR REPLACE INTO matches SELECT * FROM _new_matches")
    finally:
        con.unregister("_new_matches")
    return len(frame)


def list_statements(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """All statements in document order, with the columns of `crosscheck statements`."""
    return con.execute(
        """SELECT statement_id, doc_id, text, speaker, actor, actor_type, stated_on, start, "end"
           FROM statements ORDER BY doc_id, seq"""
    ).df()


def list_matches(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """All scored pairs, strongest contradiction first."""
    return con.execute(
        """SELECT claim_id, report_id, similarity, stance, contradiction
           FROM matches ORDER BY contradiction DESC NULLS LAST, similarity DESC"""
    ).df()


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Headline figures for summaries and the overview."""
    row = con.execute(
        """SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM statements),
                  (SELECT count(*) FROM matches)"""
    ).fetchone()
    return {"documents": row[0], "statements": row[1], "matches": row[2]}


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


def iter_chunks(items: Sequence, size: int) -> Iterable[Sequence]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def empty_statements() -> pd.DataFrame:
    return pd.DataFrame(columns=["statement_id", "doc_id", "text", "speaker", "actor", "actor_type", "stated_on", "start", "end"])


def empty_matches() -> pd.DataFrame:
    return pd.DataFrame(columns=["claim_id", "report_id", "similarity", "stance", "contradiction"])


def sync_actors(con: duckdb.DuckDBPyConnection, registry) -> int:
    """Add registry actors the database does not know yet (edits made in the app are kept)."""
    added = 0
    for a in registry.actors.values():
        exists = con.execute("SELECT 1 FROM actors WHERE actor = ?", [a.name]).fetchone()
        if exists:
            continue
        con.execute(
            "INSERT INTO actors VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [a.name, a.actor_type, a.country, a.organisation, a.role, list(a.aliases), a.inferred, not a.inferred],
        )
        added += 1
    return added
