"""Read queries behind the pages (claims, one claim with its reports, context) and the verdict write.

Everything here is plain DuckDB with parameters; no Streamlit. Reads take a cursor; the one
write, `save_verdict`, is meant to run through the app's Writer.
"""

from __future__ import annotations

import datetime as dt
from typing import Sequence

import duckdb
import pandas as pd

from crosscheck.config import CLAIM_TYPES, REPORT_TYPES, STANCES, MatchSettings
from crosscheck.errors import StoreError
from crosscheck.match import search_reports

VERDICTS = ("confirmed", "rejected")

CLAIM_COLUMNS = [
    "claim_id", "stated_on", "actor", "country", "speaker", "text", "title", "reports",
    "max_contradiction", "contradicting_id", "contradicting_text", "contradicting_actor",
    "supporting_id", "supporting_text", "supporting_actor",
]


def _marks(values: Sequence) -> str:
    return ", ".join("?" for _ in values)


def has_schema(con: duckdb.DuckDBPyConnection) -> bool:
    """True once the database has its tables (an empty file has none)."""
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name IN ('statements', 'matches', 'verdicts')"
    ).fetchone()
    return row[0] == 3


def data_version(con: duckdb.DuckDBPyConnection) -> str:
    """A string that changes whenever stored data changes; cache keys for page reads."""
    if not has_schema(con):
        return "empty"
    row = con.execute(
        """SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM statements),
                  (SELECT count(*) FROM matches), (SELECT max(scored_at) FROM matches),
                  (SELECT count(*) FROM verdicts), (SELECT max(decided_at) FROM verdicts),
                  (SELECT count(*) FROM actors),
                  (SELECT string_agg(actor || actor_type || coalesce(country, '') || confirmed::VARCHAR
                                     || coalesce(array_to_string(aliases, ','), ''), '|' ORDER BY actor)
                     FROM actors)"""
    ).fetchone()
    return "/".join("" if v is None else str(v) for v in row[:7]) + f"/{hash(row[7]) & 0xFFFFFFFF:x}"


def claim_filter_options(con: duckdb.DuckDBPyConnection) -> dict:
    """Values the Claims filters can take: actors, countries, first and last claim date."""
    marks = _marks(CLAIM_TYPES)
    actors = [r[0] for r in con.execute(
        f"SELECT DISTINCT actor FROM statements WHERE actor_type IN ({marks}) AND actor IS NOT NULL ORDER BY 1",
        list(CLAIM_TYPES)).fetchall()]
    countries = [r[0] for r in con.execute(
        f"""SELECT DISTINCT a.country FROM statements s JOIN actors a ON a.actor = s.actor
            WHERE s.actor_type IN ({marks}) AND a.country IS NOT NULL ORDER BY 1""",
        list(CLAIM_TYPES)).fetchall()]
    first, last = con.execute(
        f"SELECT min(stated_on), max(stated_on) FROM statements WHERE actor_type IN ({marks})", list(CLAIM_TYPES)
    ).fetchone()
    return {"actors": actors, "countries": countries, "first": first, "last": last}


def list_claims(
    con: duckdb.DuckDBPyConnection,
    *,
    actors: Sequence[str] = (),
    countries: Sequence[str] = (),
    start: dt.date | None = None,
    end: dt.date | None = None,
    stance: str | None = None,
    min_contradiction: float = 0.0,
    search: str = "",
    claim_ids: Sequence[str] | None = None,
    limit: int = 1000,
) -> pd.DataFrame:
    """Government claims with their strongest contradicting and supporting reports, filtered.

    `stance` keeps claims with at least one pair of that stance; `min_contradiction` keeps claims
    whose strongest contradiction reaches it (claims without scored pairs count as 0).
    """
    if stance is not None and stance not in STANCES:
        raise StoreError(f"unknown stance {stance!r}; expected one of {', '.join(STANCES)}")
    where = [f"s.actor_type IN ({_marks(CLAIM_TYPES)})", "NOT s.boilerplate"]
    params: list = list(CLAIM_TYPES)
    if actors:
        where.append(f"s.actor IN ({_marks(actors)})")
        params += list(actors)
    if countries:
        where.append(f"a.country IN ({_marks(countries)})")
        params += list(countries)
    if start:
        where.append("s.stated_on >= ?")
        params.append(start)
    if end:
        where.append("s.stated_on <= ?")
        params.append(end)
    if search:
        where.append("(s.text ILIKE ? ESCAPE '\\' OR s.speaker ILIKE ? ESCAPE '\\')")
        needle = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        params += [needle, needle]
    if claim_ids is not None:
        if not claim_ids:
            return pd.DataFrame(columns=CLAIM_COLUMNS)
        where.append("list_contains(?, s.statement_id)")
        params.append(list(claim_ids))
    having = ["coalesce(max(m.contradiction), 0) >= ?"]
    params_having: list = [float(min_contradiction)]
    if stance:
        having.append("count(*) FILTER (WHERE m.stance = ?) > 0")
        params_having.append(stance)
    sql = f"""
        WITH claims AS (
            SELECT s.statement_id AS claim_id, s.stated_on, s.actor, a.country, s.speaker, s.text,
                   d.title
            FROM statements s
            JOIN documents d ON d.doc_id = s.doc_id
            LEFT JOIN actors a ON a.actor = s.actor
            WHERE {' AND '.join(where)}
        ),
        pairs AS (
            SELECT m.*, r.text AS report_text, r.actor AS report_actor
            FROM matches m JOIN statements r ON r.statement_id = m.report_id
        )
        SELECT c.claim_id, c.stated_on, c.actor, c.country, c.speaker, c.text, c.title,
               count(m.report_id) AS reports,
               max(m.contradiction) AS max_contradiction,
               arg_max(m.report_id, m.contradiction) FILTER (WHERE m.stance = 'contradicts') AS contradicting_id,
               arg_max(m.report_text, m.contradiction) FILTER (WHERE m.stance = 'contradicts') AS contradicting_text,
               arg_max(m.report_actor, m.contradiction) FILTER (WHERE m.stance = 'contradicts') AS contradicting_actor,
               arg_max(m.report_id, m.support) FILTER (WHERE m.stance = 'supports') AS supporting_id,
               arg_max(m.report_text, m.support) FILTER (WHERE m.stance = 'supports') AS supporting_text,
               arg_max(m.report_actor, m.support) FILTER (WHERE m.stance = 'supports') AS supporting_actor
        FROM claims c LEFT JOIN pairs m ON m.claim_id = c.claim_id
        GROUP BY ALL
        HAVING {' AND '.join(having)}
        ORDER BY max_contradiction DESC NULLS LAST, c.stated_on, c.claim_id
        LIMIT ?"""
    return con.execute(sql, params + params_having + [int(limit)]).df()


def get_statement(con: duckdb.DuckDBPyConnection, statement_id: str) -> dict | None:
    """One statement with its document (title, publisher, url, date) and its actor's country."""
    cur = con.execute(
        """SELECT s.statement_id, s.doc_id, s.seq, s.text, s.start, s."end", s.speaker, s.actor, s.actor_type,
                  s.stated_on, s.is_quote, s.inferred_actor, a.country,
                  d.title, d.publisher, d.url, d.published_on, d.source_name
           FROM statements s JOIN documents d ON d.doc_id = s.doc_id
           LEFT JOIN actors a ON a.actor = s.actor
           WHERE s.statement_id = ?""",
        [statement_id],
    )
    row = cur.fetchone()
    if row is None:
        return None
    return dict(zip([c[0] for c in cur.description], row))


def statement_context(con: duckdb.DuckDBPyConnection, statement_id: str, neighbours: int = 1) -> dict | None:
    """The statement's text with the document text around it: before, sentence, after.

    Context reaches `neighbours` statements either side, cut from the document text by the
    stored character offsets so the sentence can be highlighted where it stands.
    """
    row = con.execute(
        """SELECT d.text, s.start, s."end", s.seq, s.doc_id FROM statements s JOIN documents d ON d.doc_id = s.doc_id
           WHERE s.statement_id = ?""",
        [statement_id],
    ).fetchone()
    if row is None:
        return None
    text, start, end, seq, doc_id = row
    lo, hi = con.execute(
        """SELECT min(start), max("end") FROM statements WHERE doc_id = ? AND seq BETWEEN ? AND ?""",
        [doc_id, seq - neighbours, seq + neighbours],
    ).fetchone()
    lo = min(lo if lo is not None else start, start)
    hi = max(hi if hi is not None else end, end)
    return {
        "before": text[lo:start],
        "sentence": text[start:end],
        "after": text[end:hi],
        "clipped_start": lo > 0,
        "clipped_end": hi < len(text),
    }


REPORT_COLUMNS = [
    "report_id", "text", "speaker", "actor", "actor_type", "stated_on", "title", "publisher", "url", "doc_id",
    "lag_days", "similarity", "stance", "contradiction", "support", "verdict", "analyst", "decided_at",
]


def claim_reports(
    con: duckdb.DuckDBPyConnection,
    claim_id: str,
    settings: MatchSettings | None = None,
) -> pd.DataFrame:
    """Reports (monitors and other governments) for one claim under the given window, threshold and top-k.

    The ranking is match.search_reports over the stored vectors, so other settings can be tried;
    stance and contradiction come from the stored scored pair (null when that pair was never
    scored) and the analyst's verdict, if any, is joined in.
    """
    pairs = search_reports(con, claim_id, settings or MatchSettings())
    details = con.execute(
        """SELECT r.statement_id AS report_id, r.text, r.speaker, r.actor, r.actor_type, r.stated_on,
                  d.title, d.publisher, d.url, d.doc_id,
                  m.stance, m.contradiction, m.support, v.verdict, v.analyst, v.decided_at
           FROM statements r
           JOIN documents d ON d.doc_id = r.doc_id
           LEFT JOIN matches m ON m.claim_id = ? AND m.report_id = r.statement_id
           LEFT JOIN verdicts v ON v.claim_id = ? AND v.report_id = r.statement_id
           WHERE list_contains(?, r.statement_id)""",
        [claim_id, claim_id, pairs["report_id"].tolist()],
    ).df()
    out = pairs[["report_id", "lag_days", "similarity"]].merge(details, on="report_id", how="left")
    return out[REPORT_COLUMNS]


def save_verdict(
    con: duckdb.DuckDBPyConnection,
    claim_id: str,
    report_id: str,
    verdict: str | None,
    analyst: str | None = None,
    note: str | None = None,
) -> None:
    """Store an analyst's verdict on a pair (None clears it); run through the app's Writer."""
    if verdict is not None and verdict not in VERDICTS:
        raise StoreError(f"verdict for {claim_id}/{report_id}: {verdict!r} is not one of {', '.join(VERDICTS)}")
    known = con.execute(
        "SELECT count(*) FROM statements WHERE statement_id = ? OR statement_id = ?", [claim_id, report_id]
    ).fetchone()[0]
    if known != 2:
        raise StoreError(f"verdict for {claim_id}/{report_id}: no such claim and report")
    if verdict is None:
        con.execute("DELETE FROM verdicts WHERE claim_id = ? AND report_id = ?", [claim_id, report_id])
        return
    con.execute(
        "INSERT OR REPLACE INTO verdicts VALUES (?, ?, ?, ?, ?, ?)",
        [claim_id, report_id, verdict, analyst, note, dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)],
    )


def list_verdicts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every analyst verdict with the two texts, newest first."""
    return con.execute(
        """SELECT v.claim_id, v.report_id, v.verdict, v.analyst, v.note, v.decided_at,
                  c.text AS claim_text, r.text AS report_text, m.stance, m.contradiction
           FROM verdicts v
           LEFT JOIN statements c ON c.statement_id = v.claim_id
           LEFT JOIN statements r ON r.statement_id = v.report_id
           LEFT JOIN matches m ON m.claim_id = v.claim_id AND m.report_id = v.report_id
           ORDER BY v.decided_at DESC"""
    ).df()


def claims_of_documents(con: duckdb.DuckDBPyConnection, doc_ids: Sequence[str]) -> pd.DataFrame:
    """Claims found in the given documents (the Upload page links to them)."""
    if not doc_ids:
        return pd.DataFrame(columns=["claim_id", "text", "actor", "stated_on"])
    return con.execute(
        f"""SELECT statement_id AS claim_id, text, actor, stated_on FROM statements
            WHERE list_contains(?, doc_id) AND actor_type IN ({_marks(CLAIM_TYPES)}) AND NOT boilerplate
            ORDER BY doc_id, seq""",
        [list(doc_ids), *CLAIM_TYPES],
    ).df()


def database_facts(con: duckdb.DuckDBPyConnection) -> dict:
    """Schema version, embedding model and dimension, stance models used, and row counts."""
    from crosscheck import store

    if not has_schema(con):
        return {"schema_version": None}
    facts = {
        "schema_version": store.get_meta(con, "schema_version"),
        "embed_model": store.get_meta(con, "embed_model"),
        "embed_dim": store.get_meta(con, "embed_dim"),
        "stance_models": [r[0] for r in con.execute(
            "SELECT DISTINCT model FROM matches WHERE model IS NOT NULL ORDER BY 1").fetchall()],
    }
    row = con.execute(
        f"""SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM statements),
                   (SELECT count(*) FROM statements WHERE actor_type IN ({_marks(CLAIM_TYPES)})),
                   (SELECT count(*) FROM statements WHERE actor_type IN ({_marks(REPORT_TYPES)})),
                   (SELECT count(*) FROM matches), (SELECT count(*) FROM verdicts), (SELECT count(*) FROM actors)""",
        [*CLAIM_TYPES, *REPORT_TYPES],
    ).fetchone()
    facts.update(zip(["documents", "statements", "claims", "reports", "matches", "verdicts", "actors"], row))
    return facts
