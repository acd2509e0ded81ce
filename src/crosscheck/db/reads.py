"""Reads: statements, pairs, claims with their strongest reports, actors, verdicts, counts.

Every function takes a connection or cursor and returns plain Python or a DataFrame; optional
filters are built with `sql.Where`, and "a claim" is always `sql.is_claim`.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from typing import Sequence

import duckdb
import pandas as pd

from crosscheck.config import REPORT_TYPES, STANCES
from crosscheck.db.schema import MATCH_COLUMNS, get_meta, has_schema
from crosscheck.db.sql import STANDINGS, Where, is_claim, is_report, marks, standing, visible
from crosscheck.errors import StoreError

CLAIM_COLUMNS = [
    "claim_id", "stated_on", "actor", "country", "speaker", "text", "title", "reports",
    "max_contradiction", "contradicting_id", "contradicting_text", "contradicting_actor",
    "supporting_id", "supporting_text", "supporting_actor",
    "contradicting_sources", "supporting_sources", "standing",
]
PAIR_COLUMNS = [
    "claim_id", "report_id", "claim_text", "report_text",
    "claim_actor", "claim_actor_type", "claim_country", "claim_speaker",
    "report_actor", "report_actor_type", "report_speaker",
    "claim_date", "report_date", "lag_days", "similarity", "stance", "contradiction", "support",
    "claim_doc_id", "claim_title", "report_doc_id", "report_title", "report_url", "report_publisher",
    "verdict",
]


# ---------------------------------------------------------------- documents and statements


def has_document(con: duckdb.DuckDBPyConnection, sha256: str) -> bool:
    """True when a document with this normalised-text hash is stored."""
    return con.execute("SELECT 1 FROM documents WHERE sha256 = ?", [sha256]).fetchone() is not None


def list_statements(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """All statements in document order, with the columns of `crosscheck statements`."""
    return con.execute(
        """SELECT statement_id, doc_id, text, speaker, actor, actor_type, stated_on, start, "end"
           FROM statements ORDER BY doc_id, seq"""
    ).df()


def list_matches(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """All scored pairs, strongest contradiction first."""
    return con.execute(
        f"""SELECT claim_id, report_id, similarity, stance, contradiction
           FROM matches WHERE {visible("")} ORDER BY contradiction DESC NULLS LAST, similarity DESC"""
    ).df()


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Headline figures for summaries and the overview."""
    row = con.execute(
        f"""SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM statements),
                  (SELECT count(*) FROM matches WHERE {visible("")}),
                  (SELECT count(*) FROM matches WHERE pending)"""
    ).fetchone()
    return {"documents": row[0], "statements": row[1], "matches": row[2], "pending": row[3]}


def stored_pairs(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every stored pair with all its columns (the lake's pair files), in claim and report order."""
    return con.execute(f"SELECT {', '.join(MATCH_COLUMNS)} FROM matches ORDER BY claim_id, report_id").df()


def statement_texts(con: duckdb.DuckDBPyConnection, ids: Sequence[str], *, with_vectors: bool = False) -> pd.DataFrame:
    """text and stated_on (and embedding) of the given statements, indexed by statement_id."""
    columns = "s.statement_id, s.text, s.stated_on" + (", s.embedding" if with_vectors else "")
    sql, params = Where().add("list_contains(?, s.statement_id)", list(ids)).build(f"SELECT {columns} FROM statements s")
    return con.execute(sql, params).df().set_index("statement_id")


def empty_statements() -> pd.DataFrame:
    return pd.DataFrame(columns=["statement_id", "doc_id", "text", "speaker", "actor", "actor_type", "stated_on", "start", "end"])


def empty_matches() -> pd.DataFrame:
    return pd.DataFrame(columns=["claim_id", "report_id", "similarity", "stance", "contradiction"])


# ---------------------------------------------------------------- claims and their reports


def claim_filter_options(con: duckdb.DuckDBPyConnection) -> dict:
    """Values the Claims filters can take: actors, countries, first and last claim date."""
    sql, params = Where().add(*is_claim("s")).add("s.actor IS NOT NULL").build(
        "SELECT DISTINCT s.actor FROM statements s", "ORDER BY 1")
    actors = [r[0] for r in con.execute(sql, params).fetchall()]
    sql, params = Where().add(*is_claim("s")).add("a.country IS NOT NULL").build(
        "SELECT DISTINCT a.country FROM statements s JOIN actors a ON a.actor = s.actor", "ORDER BY 1")
    countries = [r[0] for r in con.execute(sql, params).fetchall()]
    sql, params = Where().add(*is_claim("s")).build("SELECT min(s.stated_on), max(s.stated_on) FROM statements s")
    first, last = con.execute(sql, params).fetchone()
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
    standings: Sequence[str] = (),
    limit: int = 1000,
) -> pd.DataFrame:
    """Government claims with their strongest contradicting and supporting reports and their standing, filtered.

    A claim's standing combines its pairs across independent monitors (distinct report actors of the
    monitor types; other governments' statements are shown, not counted):
    `contested` when at least sql.INDEPENDENT_SOURCES contradict it, `corroborated` when as many support
    it and none contradicts, `open` otherwise. Claims are ranked by their strongest (calibrated)
    contradiction probability among monitors' reports, and show their strongest contradicting and
    supporting monitor reports: other governments' statements are evidence of another kind (the Claim page lists them).

    `stance` keeps claims with at least one pair of that stance; `min_contradiction` keeps claims
    whose strongest contradiction reaches it (claims without scored pairs count as 0).
    """
    if stance is not None and stance not in STANCES:
        raise StoreError(f"unknown stance {stance!r}; expected one of {', '.join(STANCES)}")
    if unknown := [v for v in standings if v not in STANDINGS]:
        raise StoreError(f"unknown standing {unknown[0]!r}; expected one of {', '.join(STANDINGS)}")
    if claim_ids is not None and not claim_ids:
        return pd.DataFrame(columns=CLAIM_COLUMNS)
    where = Where().add(*is_claim("s")).add_in("s.actor", actors).add_in("a.country", countries)
    if start:
        where.add("s.stated_on >= ?", start)
    if end:
        where.add("s.stated_on <= ?", end)
    if search:
        needle = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.add("s.text ILIKE ? ESCAPE '\\' OR s.speaker ILIKE ? ESCAPE '\\'", needle, needle)
    if claim_ids is not None:
        where.add("list_contains(?, s.statement_id)", list(claim_ids))
    having = Where().add("coalesce(max(m.contradiction) FILTER (WHERE m.by_monitor), 0) >= ?", float(min_contradiction))
    if stance:
        having.add("count(*) FILTER (WHERE m.stance = ?) > 0", stance)
    having.add_in("standing", list(standings))
    # Numbers first, over the filtered claims' pairs (ids only); texts are joined for the page's rows alone.
    claims_sql, claims_params = where.build(
        """SELECT s.statement_id AS claim_id, s.stated_on FROM statements s LEFT JOIN actors a ON a.actor = s.actor""")
    contradicting = "m.stance = 'contradicts' AND m.by_monitor"
    supporting = "m.stance = 'supports' AND m.by_monitor"
    sql = f"""
        WITH claims AS ({claims_sql}),
        pairs AS (
            SELECT m.claim_id, m.report_id, m.stance, m.contradiction, m.support, r.actor AS report_actor,
                   r.actor_type IN ({marks(REPORT_TYPES)}) AS by_monitor
            FROM matches m JOIN statements r ON r.statement_id = m.report_id
            WHERE {visible("m")} AND m.claim_id IN (SELECT claim_id FROM claims)
        ),
        ranked AS (
            SELECT c.claim_id, c.stated_on,
                   count(m.report_id) AS reports,
                   max(m.contradiction) FILTER (WHERE m.by_monitor) AS max_contradiction,
                   arg_max(m.report_id, m.contradiction) FILTER (WHERE {contradicting}) AS contradicting_id,
                   arg_max(m.report_id, m.support) FILTER (WHERE {supporting}) AS supporting_id,
                   count(DISTINCT m.report_actor) FILTER (WHERE {contradicting}) AS contradicting_sources,
                   count(DISTINCT m.report_actor) FILTER (WHERE {supporting}) AS supporting_sources,
                   {standing("contradicting_sources", "supporting_sources")} AS standing
            FROM claims c LEFT JOIN pairs m ON m.claim_id = c.claim_id
            GROUP BY ALL
            {having.sql("HAVING")}
            ORDER BY max_contradiction DESC NULLS LAST, c.stated_on, c.claim_id
            LIMIT ?
        )
        SELECT k.claim_id, k.stated_on, s.actor, a.country, s.speaker, s.text, d.title, k.reports, k.max_contradiction,
               k.contradicting_id, rc.text AS contradicting_text, rc.actor AS contradicting_actor,
               k.supporting_id, rs.text AS supporting_text, rs.actor AS supporting_actor,
               k.contradicting_sources, k.supporting_sources, k.standing
        FROM ranked k
        JOIN statements s ON s.statement_id = k.claim_id
        JOIN documents d ON d.doc_id = s.doc_id
        LEFT JOIN actors a ON a.actor = s.actor
        LEFT JOIN statements rc ON rc.statement_id = k.contradicting_id
        LEFT JOIN statements rs ON rs.statement_id = k.supporting_id
        ORDER BY k.max_contradiction DESC NULLS LAST, k.stated_on, k.claim_id"""
    return con.execute(sql, [*claims_params, *REPORT_TYPES, *having.params, int(limit)]).df()[CLAIM_COLUMNS]


def get_statement(con: duckdb.DuckDBPyConnection, statement_id: str) -> dict | None:
    """One statement with its document (title, publisher, url, date) and its actor's country."""
    cur = con.execute(
        """SELECT s.statement_id, s.doc_id, s.seq, s.text, s.start, s."end", s.speaker, s.actor, s.actor_type,
                  s.stated_on, s.is_quote, s.inferred_actor, s.is_question, a.country,
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


def report_details(con: duckdb.DuckDBPyConnection, claim_id: str, report_ids: Sequence[str]) -> pd.DataFrame:
    """Texts, documents, stored scores and the latest verdict (with its analyst and time) of the given reports of one claim."""
    return con.execute(
        """SELECT r.statement_id AS report_id, r.text, r.speaker, r.actor, r.actor_type, r.stated_on,
                  d.title, d.publisher, d.url, d.doc_id,
                  m.stance, m.contradiction, m.support, m.shown, m.pending, v.verdict, v.analyst, v.decided_at
           FROM statements r
           JOIN documents d ON d.doc_id = r.doc_id
           LEFT JOIN matches m ON m.claim_id = ? AND m.report_id = r.statement_id
           LEFT JOIN (SELECT report_id, arg_max(verdict, decided_at) AS verdict, arg_max(analyst, decided_at) AS analyst,
                             max(decided_at) AS decided_at
                      FROM verdicts WHERE claim_id = ? GROUP BY report_id) v ON v.report_id = r.statement_id
           WHERE list_contains(?, r.statement_id)""",
        [claim_id, claim_id, list(report_ids)],
    ).df()


def claim_verdicts(con: duckdb.DuckDBPyConnection, claim_id: str) -> pd.DataFrame:
    """Every analyst's verdict on the pairs of one claim (report_id, analyst, analyst_name, verdict, label,
    stance_seen, decided_at), oldest first: several analysts' verdicts on one pair stay apart."""
    return con.execute(
        """SELECT report_id, analyst, analyst_name, verdict, label, stance_seen, decided_at, note
           FROM verdicts WHERE claim_id = ? ORDER BY report_id, decided_at, analyst""",
        [claim_id],
    ).df()


def stored_sources(con: duckdb.DuckDBPyConnection, claim_ids: Sequence[str]) -> pd.DataFrame:
    """claim_id, source (report document + actor, as db.vectors.matchable) and its best similarity, per stored source of these claims."""
    return con.execute(
        """SELECT m.claim_id, r.doc_id || '|' || coalesce(r.actor, '') AS source, max(m.similarity) AS similarity
           FROM matches m JOIN statements r ON r.statement_id = m.report_id
           WHERE list_contains(?, m.claim_id) GROUP BY ALL""", [list(claim_ids)]
    ).df()


# Which pending pairs: those whose evidence is a monitor (what the headline series, the Claims page and a
# claim's standing count, scored first), those of other governments (scored after), or all.
PENDING_SCOPES = ("monitors", "governments", "all")


def _pending_where(scope: str, claim_id: str | None) -> Where:
    if scope not in PENDING_SCOPES:
        raise ValueError(f"unknown scope {scope!r}; one of {', '.join(PENDING_SCOPES)}")
    where = Where().add("m.pending")
    if scope == "monitors":
        where.add(f"r.actor_type IN ({marks(REPORT_TYPES)})", *REPORT_TYPES)
    elif scope == "governments":
        where.add(f"r.actor_type NOT IN ({marks(REPORT_TYPES)})", *REPORT_TYPES)
    if claim_id:
        where.add("m.claim_id = ?", claim_id)
    return where


def pending_pairs(con: duckdb.DuckDBPyConnection, limit: int, *, scope: str = "all", claim_id: str | None = None) -> pd.DataFrame:
    """Up to `limit` stored pairs waiting for the scorer (claim_id, report_id, similarity, lag_days) of this
    scope (see PENDING_SCOPES) and claim: monitors' pairs first, then in a stable order."""
    sql, params = _pending_where(scope, claim_id).build(
        "SELECT m.claim_id, m.report_id, m.similarity, m.lag_days FROM matches m JOIN statements r ON r.statement_id = m.report_id",
        f"ORDER BY r.actor_type IN ({marks(REPORT_TYPES)}) DESC, m.claim_id, m.report_id LIMIT ?", [*REPORT_TYPES, int(limit)])
    return con.execute(sql, params).df()


def pending_count(con: duckdb.DuckDBPyConnection, claim_id: str | None = None, *, scope: str = "all") -> int:
    """How many stored pairs (of one claim, when given; of this scope, see PENDING_SCOPES) wait for the scorer."""
    if not has_schema(con):
        return 0
    sql, params = _pending_where(scope, claim_id).build(
        "SELECT count(*) FROM matches m JOIN statements r ON r.statement_id = m.report_id")
    return int(con.execute(sql, params).fetchone()[0])


def verdict_pairs(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every verdict on a stored pair with the pair's current and raw scores: the labelled pairs of crosscheck.review."""
    return con.execute(
        """SELECT v.claim_id, v.report_id, v.verdict, v.label, v.stance_seen, v.analyst, v.analyst_name, v.decided_at,
                  m.stance, m.contradiction, m.support, m.raw_contradiction, m.raw_support, m.calibration
           FROM verdicts v JOIN matches m ON m.claim_id = v.claim_id AND m.report_id = v.report_id
           ORDER BY v.claim_id, v.report_id, v.analyst"""
    ).df()


def raw_scores(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """claim_id, report_id, stance and the model's own output of every scored pair."""
    return con.execute(
        """SELECT claim_id, report_id, stance, raw_contradiction, raw_support, raw_stance FROM matches
           WHERE raw_contradiction IS NOT NULL AND raw_support IS NOT NULL ORDER BY claim_id, report_id"""
    ).df()


def list_verdicts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every analyst's verdict with the two texts, newest first (one row per pair and analyst)."""
    return con.execute(
        """SELECT v.claim_id, v.report_id, v.verdict, v.label, v.stance_seen, v.analyst, v.analyst_name, v.note, v.decided_at,
                  c.text AS claim_text, r.text AS report_text, m.stance, m.contradiction
           FROM verdicts v
           LEFT JOIN statements c ON c.statement_id = v.claim_id
           LEFT JOIN statements r ON r.statement_id = v.report_id
           LEFT JOIN matches m ON m.claim_id = v.claim_id AND m.report_id = v.report_id
           ORDER BY v.decided_at DESC, v.analyst"""
    ).df()


def list_audit(con: duckdb.DuckDBPyConnection, limit: int | None = None) -> pd.DataFrame:
    """The audit of write attempts, newest first: attempted_at, user_id, user_name, role, action, target, detail, outcome, reason."""
    if not has_schema(con):
        return pd.DataFrame(columns=["attempted_at", "user_id", "user_name", "role", "action", "target", "detail", "outcome", "reason"])
    sql = ("SELECT attempted_at, user_id, user_name, role, action, target, detail, outcome, reason FROM audit "
           "ORDER BY attempted_at DESC")
    if limit is None:
        return con.execute(sql).df()
    return con.execute(sql + " LIMIT ?", [int(limit)]).df()


def role_grants(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Roles admins gave in this workspace: user_id, role, granted_by, granted_at (empty before the schema exists)."""
    if not has_schema(con):
        return pd.DataFrame(columns=["user_id", "role", "granted_by", "granted_at"])
    return con.execute("SELECT user_id, role, granted_by, granted_at FROM role_grants ORDER BY user_id").df()


def claims_of_documents(con: duckdb.DuckDBPyConnection, doc_ids: Sequence[str]) -> pd.DataFrame:
    """Claims found in the given documents (the Upload page links to them)."""
    if not doc_ids:
        return pd.DataFrame(columns=["claim_id", "text", "actor", "stated_on"])
    sql, params = Where().add("list_contains(?, s.doc_id)", list(doc_ids)).add(*is_claim("s")).build(
        "SELECT s.statement_id AS claim_id, s.text, s.actor, s.stated_on FROM statements s", "ORDER BY s.doc_id, s.seq")
    return con.execute(sql, params).df()


# ---------------------------------------------------------------- pairs and figures for analytics


_PAIRS_SQL = f"""
    SELECT m.claim_id, m.report_id, c.text AS claim_text, r.text AS report_text,
           c.actor AS claim_actor, c.actor_type AS claim_actor_type, ca.country AS claim_country,
           c.speaker AS claim_speaker,
           r.actor AS report_actor, r.actor_type AS report_actor_type, r.speaker AS report_speaker,
           coalesce(c.stated_on, cd.published_on) AS claim_date,
           coalesce(r.stated_on, rd.published_on) AS report_date,
           coalesce(m.lag_days, date_diff('day', coalesce(c.stated_on, cd.published_on),
                                                 coalesce(r.stated_on, rd.published_on))) AS lag_days,
           m.similarity, m.stance, m.contradiction, m.support,
           c.doc_id AS claim_doc_id, cd.title AS claim_title,
           r.doc_id AS report_doc_id, rd.title AS report_title, rd.url AS report_url,
           rd.publisher AS report_publisher, v.verdict
    FROM matches m
    JOIN statements c ON c.statement_id = m.claim_id
    JOIN statements r ON r.statement_id = m.report_id AND {visible("m")}
    LEFT JOIN documents cd ON cd.doc_id = c.doc_id
    LEFT JOIN documents rd ON rd.doc_id = r.doc_id
    LEFT JOIN actors ca ON ca.actor = c.actor
    LEFT JOIN (SELECT claim_id, report_id, arg_max(verdict, decided_at) AS verdict FROM verdicts GROUP BY ALL) v
           ON v.claim_id = m.claim_id AND v.report_id = m.report_id"""


@contextmanager
def pair_relation(source, report_types: Sequence[str] | None = None):
    """Yields (cursor, relation, params): the pairs as one SQL relation with PAIR_COLUMNS' names, for aggregating in SQL.

    `source` is a connection or cursor (its stored pairs that pages show, `sql.visible`, read on a cursor of
    its own) or a DataFrame with some of PAIR_COLUMNS (the same SQL then runs over its rows in an in-memory
    DuckDB; missing columns are null); `report_types` keeps the pairs whose report actor is of those types.
    Use the relation as a subquery: `f"FROM {relation} p"`.
    """
    where = Where().add_in("p.report_actor_type", list(report_types or ()))
    if isinstance(source, pd.DataFrame):
        con = duckdb.connect()
        try:
            missing = [c for c in PAIR_COLUMNS if c not in source.columns]  # a frame may hold only the columns it needs
            con.register("given_pairs", source.assign(**dict.fromkeys(missing)) if missing else source)
            sql, params = where.build("SELECT * FROM given_pairs p")
            yield con, f"({sql})", params
        finally:
            con.close()
        return
    sql, params = where.build(f"SELECT * FROM ({_PAIRS_SQL if has_schema(source) else _empty_pairs_sql()}) p")
    with source.cursor() as cursor:  # its own cursor: frames registered for a query stay with it
        yield cursor, f"({sql})", params


def _empty_pairs_sql() -> str:
    """A relation with PAIR_COLUMNS and no rows (a database before its schema)."""
    dates = ("claim_date", "report_date")
    numbers = ("lag_days", "similarity", "contradiction", "support")
    cols = ", ".join(f"NULL::{'DATE' if c in dates else 'DOUBLE' if c in numbers else 'VARCHAR'} AS {c}" for c in PAIR_COLUMNS)
    return f"SELECT {cols} WHERE false"


# SQL of analytics.actor_pair: a group is computed and filtered where the pairs are.
ACTOR_PAIR_SQL = "coalesce(p.claim_actor, 'unknown') || ' → ' || coalesce(p.report_actor, 'unknown')"
_TRUNC = {"D": "day", "W": "week"}  # DuckDB's weeks start on Monday (ISO)


def _period_sql(freq: str, date: str) -> str:
    if freq not in _TRUNC or date not in ("claim", "report"):
        raise ValueError(f"unknown frequency {freq!r} or date {date!r}")
    return f"date_trunc('{_TRUNC[freq]}', CAST(p.{date}_date AS TIMESTAMP))"


def timeline_cells(source, freq: str, date: str, by: str | None, report_types: Sequence[str] = ()) -> pd.DataFrame:
    """The timeline's counts per period (`freq` D or W, by the claim's or report's `date`) and group, dated pairs only.

    by: None (one group), "actor_pair" (column grp = ACTOR_PAIR_SQL, with claim_actor and report_actor) or
    "claim" (column claim_id, for groupings made after, such as storylines). Columns: period, the group's,
    similarity_sum, similarity_n, pairs, claims, contradicting, scored (stance not null).
    """
    keys = {None: "", "actor_pair": f", {ACTOR_PAIR_SQL} AS grp", "claim": ", p.claim_id"}[by]
    actors = ", any_value(p.claim_actor) AS claim_actor, any_value(p.report_actor) AS report_actor" if by == "actor_pair" else ""
    with pair_relation(source, report_types) as (con, relation, params):
        return con.execute(
            f"""SELECT {_period_sql(freq, date)} AS period{keys},
                       sum(p.similarity) AS similarity_sum, count(p.similarity) AS similarity_n,
                       count(*) AS pairs, count(DISTINCT p.claim_id) AS claims,
                       count(*) FILTER (WHERE p.stance = 'contradicts') AS contradicting, count(p.stance) AS scored{actors}
                FROM {relation} p WHERE p.{date}_date IS NOT NULL
                GROUP BY ALL ORDER BY ALL""", params,
        ).df()


def undated_count(source, date: str = "claim", report_types: Sequence[str] = ()) -> int:
    """How many pairs have no claim (or report) date."""
    _period_sql("D", date)
    with pair_relation(source, report_types) as (con, relation, params):
        return int(con.execute(f"SELECT count(*) FROM {relation} p WHERE p.{date}_date IS NULL", params).fetchone()[0])


def pairs_in_period(
    source, period: dt.datetime, freq: str, date: str, report_types: Sequence[str] = (),
    *, actor_pair: str | None = None, claim_ids: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The pairs of one timeline period (and actor pair, or of these claims), in the order of pair_rows."""
    where = Where().add(f"{_period_sql(freq, date)} = ?", period)
    if actor_pair is not None:
        where.add(f"{ACTOR_PAIR_SQL} = ?", actor_pair)
    if claim_ids is not None:
        where.add("list_contains(?, p.claim_id)", list(claim_ids))
    with pair_relation(source, report_types) as (con, relation, params):
        sql, where_params = where.build(f"SELECT p.* FROM {relation} p",
                                        "ORDER BY p.claim_date NULLS LAST, p.claim_id, p.similarity DESC, p.report_id")
        return con.execute(sql, [*params, *where_params]).df()


EVENT_COLUMNS = ["claim_id", "report_id", "claim_date", "report_date", "stance", "contradiction", "support",
                 "claim_text", "report_text", "claim_actor", "report_actor"]


def storyline_events(
    source, storylines: pd.DataFrame, report_types: Sequence[str], max_rows: int, max_claims: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows, events) of the events chart, over the pairs whose claim and report are dated.

    rows: the `max_rows` storylines (of `storylines`: claim_id, storyline, storyline_label) with the most
    such pairs: storyline, label, claims, pairs, scored, contradicting, supporting, over all their pairs.
    events: EVENT_COLUMNS and storyline of the pairs of each row's `max_claims` claims with the most pairs.
    """
    with pair_relation(source, report_types) as (con, relation, params):
        con.register("event_storylines", storylines[["claim_id", "storyline", "storyline_label"]])
        try:
            dated = f"""SELECT p.*, l.storyline, l.storyline_label FROM {relation} p
                        JOIN event_storylines l ON l.claim_id = p.claim_id
                        WHERE p.claim_date IS NOT NULL AND p.report_date IS NOT NULL"""
            rows = con.execute(
                f"""SELECT storyline, any_value(storyline_label) AS label, count(DISTINCT claim_id) AS claims,
                           count(*) AS pairs, count(*) FILTER (WHERE stance IS NOT NULL AND stance <> 'unscored') AS scored,
                           count(*) FILTER (WHERE stance = 'contradicts') AS contradicting,
                           count(*) FILTER (WHERE stance = 'supports') AS supporting
                    FROM ({dated}) GROUP BY storyline ORDER BY pairs DESC, storyline LIMIT ?""",
                [*params, int(max_rows)],
            ).df()
            events = con.execute(
                f"""WITH dated AS ({dated} AND list_contains(?, l.storyline)),
                    drawn AS (SELECT claim_id FROM (
                        SELECT claim_id, row_number() OVER (PARTITION BY storyline ORDER BY count(*) DESC, claim_id) AS n
                        FROM dated GROUP BY claim_id, storyline) WHERE n <= ?)
                    SELECT {", ".join(EVENT_COLUMNS)}, storyline FROM dated WHERE claim_id IN (SELECT claim_id FROM drawn)""",
                [*params, rows["storyline"].astype(int).tolist(), int(max_claims)],
            ).df()
        finally:
            con.unregister("event_storylines")
    return rows, events


def review_queue(source, order: str, targets: Sequence[str], uncertain: str, limit: int | None = None) -> pd.DataFrame:
    """Pairs without a verdict in review order (crosscheck.review.queue explains the orders), at most `limit`."""
    bearing = "coalesce(greatest(coalesce(p.contradiction, p.support), coalesce(p.support, p.contradiction)), 0)"
    labelled = f"p.stance IN ({marks(targets)})"
    if order == "uncertain":
        keys, key_params = (f"CASE WHEN p.stance = ? THEN 0 WHEN {labelled} THEN 1 ELSE 2 END, "
                            f"CASE WHEN {labelled} THEN {bearing} ELSE -{bearing} END"), [uncertain, *targets, *targets]
    else:
        keys, key_params = f"CASE WHEN {labelled} THEN 0 ELSE 1 END, -{bearing}", [*targets]
    with pair_relation(source) as (con, relation, params):
        sql = (f"SELECT p.* FROM {relation} p WHERE p.verdict IS NULL ORDER BY {keys}, p.claim_id, p.report_id"
               + (" LIMIT ?" if limit is not None else ""))
        return con.execute(sql, [*params, *key_params, *([int(limit)] if limit is not None else [])]).df()


def unreviewed_count(source) -> int:
    """How many pairs have no verdict yet."""
    with pair_relation(source) as (con, relation, params):
        return int(con.execute(f"SELECT count(*) FROM {relation} p WHERE p.verdict IS NULL", params).fetchone()[0])


def pair_rows(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per stored match (PAIR_COLUMNS): both texts, actors, dates, documents and the latest verdict on it."""
    if not has_schema(con):
        return pd.DataFrame(columns=PAIR_COLUMNS)
    frame = con.execute(f"{_PAIRS_SQL} ORDER BY claim_date NULLS LAST, m.claim_id, m.similarity DESC, m.report_id").df()
    return frame[PAIR_COLUMNS]


def headline_figures(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Documents, statements, claims, reports, matched pairs; claims with ≥1 contradicting pair, contested and
    corroborated claims (their standing across independent sources, as list_claims)."""
    keys = ("documents", "statements", "claims", "reports", "pairs", "contradicted_claims", "contested_claims",
            "corroborated_claims")
    if not has_schema(con):
        return dict.fromkeys(keys, 0)
    claim, *claim_params = is_claim("s")
    report, *report_params = is_report("s")
    row = con.execute(
        f"""WITH by_claim AS (
                SELECT {standing("count(DISTINCT r.actor) FILTER (WHERE m.stance = 'contradicts')",
                                 "count(DISTINCT r.actor) FILTER (WHERE m.stance = 'supports')")} AS standing
                FROM matches m JOIN statements r ON r.statement_id = m.report_id
                WHERE {visible("m")} AND r.actor_type IN ({marks(REPORT_TYPES)}) GROUP BY m.claim_id)
            SELECT (SELECT count(*) FROM documents),
                   (SELECT count(*) FROM statements),
                   (SELECT count(*) FROM statements s WHERE {claim}),
                   (SELECT count(*) FROM statements s WHERE {report}),
                   (SELECT count(*) FROM matches WHERE {visible("")}),
                   (SELECT count(DISTINCT m.claim_id) FROM matches m WHERE {visible("m")} AND m.stance = 'contradicts'),
                   (SELECT count(*) FILTER (WHERE standing = 'contested') FROM by_claim),
                   (SELECT count(*) FILTER (WHERE standing = 'corroborated') FROM by_claim)""",
        [*REPORT_TYPES, *claim_params, *report_params],
    ).fetchone()
    return {k: int(v) for k, v in zip(keys, row)}


def database_facts(con: duckdb.DuckDBPyConnection) -> dict:
    """Schema version, embedding model and dimension, stance models used, and the headline counts."""
    if not has_schema(con):
        return {"schema_version": None}
    facts = {
        "schema_version": get_meta(con, "schema_version"),
        "embed_model": get_meta(con, "embed_model"),
        "embed_dim": get_meta(con, "embed_dim"),
        "stance_models": [r[0] for r in con.execute(
            "SELECT DISTINCT m.model FROM matches m WHERE m.model IS NOT NULL ORDER BY 1").fetchall()],
    }
    figures = headline_figures(con)  # the same counts as the Overview
    verdicts, actors = con.execute("SELECT (SELECT count(*) FROM verdicts), (SELECT count(*) FROM actors)").fetchone()
    facts.update(
        documents=figures["documents"], statements=figures["statements"], claims=figures["claims"],
        reports=figures["reports"], matches=figures["pairs"], verdicts=verdicts, actors=actors,
    )
    return facts


# ---------------------------------------------------------------- actors


def list_actors(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """All actors with how many statements each has, unconfirmed ones first."""
    return con.execute(
        """SELECT a.actor, a.actor_type, a.country, a.organisation, a.role, a.aliases, a.inferred, a.confirmed,
                  count(s.statement_id) AS statements, a.edited_by, a.edited_at
           FROM actors a LEFT JOIN statements s ON s.actor = a.actor
           GROUP BY ALL
           ORDER BY a.confirmed, statements DESC, a.actor"""
    ).df()


def claims_with_cue(
    con: duckdb.DuckDBPyConnection, cue: str, *, ids: Sequence[str] | None = None,
    between: tuple[dt.date, dt.date] | None = None, dated: bool = False,
) -> pd.DataFrame:
    """Claims (not boilerplate, not questions) whose text matches the regular expression `cue` (case-insensitive),
    among `ids` or stated `between` two days: claim_id, actor, speaker, text, stated_on, doc_id, seq; by date."""
    where = Where().add(*is_claim("s")).add("regexp_matches(s.text, ?, 'i')", cue)
    if ids is not None:
        where.add("list_contains(?, s.statement_id)", list(ids))
    if between is not None:
        where.add("s.stated_on BETWEEN ? AND ?", *between)
    if dated:
        where.add("s.stated_on IS NOT NULL")
    sql, params = where.build(
        "SELECT s.statement_id AS claim_id, s.actor, s.speaker, s.text, s.stated_on, s.doc_id, s.seq FROM statements s",
        "ORDER BY s.stated_on NULLS LAST, s.statement_id")
    return con.execute(sql, params).df()


def neighbour_texts(con: duckdb.DuckDBPyConnection, doc_id: str, seq: int, around: int = 3) -> list[str]:
    """The texts of the statements around one in its document, nearest first."""
    rows = con.execute(
        "SELECT text FROM statements WHERE doc_id = ? AND seq BETWEEN ? AND ? AND seq <> ? ORDER BY abs(seq - ?), seq",
        [doc_id, int(seq) - around, int(seq) + around, int(seq), int(seq)],
    ).fetchall()
    return [r[0] for r in rows]


def monitor_evidence(con: duckdb.DuckDBPyConnection, claim_ids: Sequence[str]) -> pd.DataFrame:
    """The scored pairs of these claims with a monitor's report: claim_id, report_id, report_actor, report_text,
    report_on, stance, and verdict_label (the latest analyst's stance label on the pair, if any)."""
    return con.execute(
        f"""SELECT m.claim_id, m.report_id, r.actor AS report_actor, r.text AS report_text, r.stated_on AS report_on,
                   m.stance,
                   (SELECT v.label FROM verdicts v WHERE v.claim_id = m.claim_id AND v.report_id = m.report_id
                      AND v.label IS NOT NULL ORDER BY v.decided_at DESC LIMIT 1) AS verdict_label
            FROM matches m JOIN statements r ON r.statement_id = m.report_id
            WHERE list_contains(?, m.claim_id) AND NOT coalesce(m.pending, false)
              AND r.actor_type IN ({marks(REPORT_TYPES)})""",
        [list(claim_ids), *REPORT_TYPES],
    ).df()


def pair_models(con: duckdb.DuckDBPyConnection, claim_id: str, report_ids: Sequence[str]) -> list[str]:
    """The models (and calibrations) that scored these pairs of a claim, as "model · calibration NAME"."""
    rows = con.execute(
        """SELECT DISTINCT coalesce(model, 'not scored') || coalesce(' · calibration ' || calibration, '')
           FROM matches WHERE claim_id = ? AND list_contains(?, report_id) ORDER BY 1""",
        [claim_id, list(report_ids)],
    ).fetchall()
    return [r[0] for r in rows]


def follows(con: duckdb.DuckDBPyConnection, analyst: str) -> pd.DataFrame:
    """What one analyst follows: kind, target, label, followed_at (oldest first)."""
    return con.execute(
        "SELECT kind, target, label, followed_at FROM follows WHERE analyst = ? ORDER BY followed_at, kind, target",
        [analyst],
    ).df()


def alerts_read_at(con: duckdb.DuckDBPyConnection, analyst: str) -> dt.datetime | None:
    """When the analyst last marked What's new read (None: never)."""
    row = con.execute("SELECT read_at FROM alert_reads WHERE analyst = ?", [analyst]).fetchone()
    return row[0] if row else None


def claim_ids_of_actor(con: duckdb.DuckDBPyConnection, actor: str) -> list[str]:
    """The ids of an actor's claims."""
    where = Where().add(*is_claim("s")).add("s.actor = ?", actor)
    sql, params = where.build("SELECT s.statement_id FROM statements s", "ORDER BY s.statement_id")
    return [r[0] for r in con.execute(sql, params).fetchall()]


def pair_events(con: duckdb.DuckDBPyConnection, claim_ids: Sequence[str], since: dt.datetime) -> pd.DataFrame:
    """Scored pairs of these claims that are new since `since` (their report's document stored after it) or scored
    again after it (a new model): claim and report text, actor and date, stance, contradiction, scored_at,
    report_stored_at."""
    return con.execute(
        """SELECT m.claim_id, c.text AS claim_text, c.actor AS claim_actor, m.report_id, r.text AS report_text,
                  r.actor AS report_actor, r.stated_on AS report_on, m.stance, m.contradiction, m.scored_at,
                  d.ingested_at AS report_stored_at
           FROM matches m JOIN statements c ON c.statement_id = m.claim_id
                JOIN statements r ON r.statement_id = m.report_id JOIN documents d ON d.doc_id = r.doc_id
           WHERE list_contains(?, m.claim_id) AND NOT coalesce(m.pending, false) AND coalesce(m.shown, true)
             AND (d.ingested_at > ? OR m.scored_at > ?)""",
        [list(claim_ids), since, since],
    ).df()


def verdict_events(con: duckdb.DuckDBPyConnection, claim_ids: Sequence[str], since: dt.datetime) -> pd.DataFrame:
    """Verdicts on pairs of these claims made after `since`, with the pair's texts."""
    return con.execute(
        """SELECT v.claim_id, c.text AS claim_text, c.actor AS claim_actor, v.report_id, r.text AS report_text,
                  r.actor AS report_actor, r.stated_on AS report_on, coalesce(v.label, v.verdict) AS stance,
                  m.contradiction, v.decided_at, coalesce(v.analyst_name, v.analyst) AS analyst, v.verdict
           FROM verdicts v JOIN statements c ON c.statement_id = v.claim_id
                JOIN statements r ON r.statement_id = v.report_id
                LEFT JOIN matches m ON m.claim_id = v.claim_id AND m.report_id = v.report_id
           WHERE list_contains(?, v.claim_id) AND v.decided_at > ?""",
        [list(claim_ids), since],
    ).df()


def claims_stored_since(con: duckdb.DuckDBPyConnection, claim_ids: Sequence[str], since: dt.datetime) -> pd.DataFrame:
    """Those of these claims whose document was stored after `since`: claim_id, claim_text, claim_actor, stored_at."""
    return con.execute(
        """SELECT s.statement_id AS claim_id, s.text AS claim_text, s.actor AS claim_actor, d.ingested_at AS stored_at
           FROM statements s JOIN documents d ON d.doc_id = s.doc_id
           WHERE list_contains(?, s.statement_id) AND d.ingested_at > ?""",
        [list(claim_ids), since],
    ).df()


def follow_marker(con: duckdb.DuckDBPyConnection, analyst: str) -> str:
    """Changes when the analyst follows, unfollows or marks What's new read: with the data version, the key of her
    cached What's new."""
    row = con.execute(
        """SELECT (SELECT count(*) || '/' || coalesce(max(followed_at)::VARCHAR, '') FROM follows WHERE analyst = ?),
                  (SELECT read_at::VARCHAR FROM alert_reads WHERE analyst = ?)""",
        [analyst, analyst],
    ).fetchone()
    return f"{row[0]}/{row[1] or ''}"
