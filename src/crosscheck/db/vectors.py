"""Statements with their embeddings: the matchable statements of some actor types, and claims to cluster."""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Sequence

import duckdb
import numpy as np
import pandas as pd

from crosscheck.config import CLAIM_TYPES
from crosscheck.db.sql import Where, is_claim, marks

# DuckDB warns that Arrow from an execute() result is copied once; that copy is still 2–4× faster than the rows one
# by one, and con.sql(), which avoids it, refuses to run while the transaction's cursor holds another result.
warnings.filterwarnings("ignore", message="Arrow output on a DB-API result", category=UserWarning)


def fetch_vectors(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence = ()) -> tuple[pd.DataFrame, np.ndarray]:
    """Run a query whose columns include `embedding` (never null); return the other columns and an (n, dim) float32 matrix.

    Read through Arrow: the vectors arrive as one flat buffer (424k claims in 3 s, not 12 s row by row); text
    comes as objects with None, dates as datetime64[D] with NaT.
    """
    table = con.execute(sql, list(params)).to_arrow_table()
    frame = pd.DataFrame({name: table.column(name).to_numpy(zero_copy_only=False)
                          for name in table.column_names if name != "embedding"})
    emb = table.column("embedding").combine_chunks()
    if len(emb) == 0:
        return frame, np.zeros((0, 0), dtype=np.float32)
    if emb.null_count:
        raise ValueError("fetch_vectors: a row without an embedding (filter on `embedding IS NOT NULL`)")
    return frame, emb.flatten().to_numpy(zero_copy_only=False).reshape(len(emb), -1).astype(np.float32, copy=False)


def matchable(
    con: duckdb.DuckDBPyConnection,
    kinds: Sequence[str],
    *,
    ids: Sequence[str] | None = None,
    exclude: Sequence[str] | None = None,
    window: tuple[dt.date, dt.date] | None = None,
    dated: tuple[dt.date, dt.date] | None = None,
    undated: bool = False,
    ordered: bool = False,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Embedded statements of these actor types, neither boilerplate nor questions: statement_id, stated_on, side, source, actor_type.

    `side` is the country (else the actor) of a government statement, so pairs on one side can be
    skipped; `source` is document + actor. `ids` keeps only those statements, `exclude` drops them,
    `window` keeps statements dated inside it or undated, `dated` only those dated inside it, `undated` only
    the undated ones; `ordered` sorts by statement_id (ranking
    does not need it: rank_pairs breaks ties by id).
    """
    where = Where().add(f"s.actor_type IN ({marks(kinds)})", *kinds).add("s.embedding IS NOT NULL").add("NOT s.boilerplate")
    where.add("NOT s.is_question")  # a question is neither a claim nor evidence
    if ids is not None:
        where.add("list_contains(?, s.statement_id)", list(ids))
    if exclude:
        where.add("NOT list_contains(?, s.statement_id)", list(exclude))
    if window is not None:
        where.add("s.stated_on IS NULL OR s.stated_on BETWEEN ? AND ?", *window)
    if dated is not None:
        where.add("s.stated_on BETWEEN ? AND ?", *dated)
    if undated:
        where.add("s.stated_on IS NULL")
    head = f"""SELECT s.statement_id, s.stated_on,
                      CASE WHEN s.actor_type IN ({marks(CLAIM_TYPES)}) THEN coalesce(a.country, s.actor, '') END AS side,
                      s.doc_id || '|' || coalesce(s.actor, '') AS source,
                      s.actor_type, s.embedding
               FROM statements s LEFT JOIN actors a ON a.actor = s.actor"""
    sql, params = where.build(head, "ORDER BY s.statement_id" if ordered else "")
    return fetch_vectors(con, sql, [*CLAIM_TYPES, *params])


def claims_with_vectors(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, np.ndarray]:
    """claim_id and text of every embedded claim, with its vector, in claim_id order."""
    sql, params = Where().add(*is_claim("s")).add("s.embedding IS NOT NULL").build(
        "SELECT s.statement_id AS claim_id, s.text, s.embedding FROM statements s", "ORDER BY s.statement_id")
    return fetch_vectors(con, sql, params)


def embedded_count(con: duckdb.DuckDBPyConnection) -> int:
    """How many statements have a vector."""
    return int(con.execute("SELECT count(*) FROM statements WHERE embedding IS NOT NULL").fetchone()[0])


def embedded_batches(con: duckdb.DuckDBPyConnection, size: int, skip: set[str] | frozenset = frozenset()):
    """(ids, vectors) of every embedded statement not in `skip`, `size` rows at a time, in storage order.

    The ids are read first (cheap), the vectors only of the statements wanted, by their row ids."""
    rows = con.execute("SELECT rowid, statement_id FROM statements WHERE embedding IS NOT NULL ORDER BY rowid").fetchall()
    wanted = [(rowid, sid) for rowid, sid in rows if sid not in skip]
    for start in range(0, len(wanted), size):
        chunk = wanted[start:start + size]
        lo, hi = chunk[0][0], chunk[-1][0]
        frame, vecs = fetch_vectors(
            con, "SELECT statement_id, embedding FROM statements WHERE rowid BETWEEN ? AND ? AND embedding IS NOT NULL "
                 "AND list_contains(?, statement_id) ORDER BY rowid", [lo, hi, [sid for _, sid in chunk]])
        yield frame["statement_id"].tolist(), vecs


def sample_vectors(con: duckdb.DuckDBPyConnection, n: int, seed: int = 7) -> np.ndarray:
    """Up to n statement vectors drawn at random (repeatably), to train an index's clusters on."""
    sql = ("SELECT embedding FROM statements WHERE embedding IS NOT NULL "
           "ORDER BY hash(statement_id || ?::VARCHAR) LIMIT ?")
    _, vecs = fetch_vectors(con, sql, [seed, int(n)])
    return vecs


def embedded_stamp(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(count, highest row id) of the embedded statements: changes whenever statements are added or deleted."""
    count, top = con.execute("SELECT count(*), coalesce(max(rowid), -1) FROM statements WHERE embedding IS NOT NULL").fetchone()
    return int(count), int(top)
