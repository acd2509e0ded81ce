"""Writes: a document with its statements and vectors, scored pairs, actors, verdicts, the audit, role grants.

Run inside the caller's transaction (a document) or the app's one writer (verdicts, actor edits).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Iterable, Sequence

import duckdb
import numpy as np
import pandas as pd

from crosscheck.config import check_actor_type
from crosscheck.db.schema import ANONYMOUS, MATCH_COLUMNS, get_meta
from crosscheck.errors import InputError, StoreError
from crosscheck.records import Document, Statement

VERDICTS = ("confirmed", "rejected")
# The stances an analyst can give a pair: `unrelated` is "neither: the report does not settle the claim".
VERDICT_LABELS = ("contradicts", "supports", "unrelated")
# Columns update_actor may set; names come from this tuple, never from the caller.
ACTOR_COLUMNS = ("actor_type", "country", "aliases", "confirmed")
ACTOR_INSERT = "INSERT INTO actors (actor, actor_type, country, organisation, role, aliases, inferred, confirmed)"
# What an audit row says happened to a write attempt.
OUTCOMES = ("done", "refused", "failed")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def statement_id(doc_id: str, seq: int) -> str:
    return f"{doc_id}-{seq:04d}"


def document_record(doc: Document, n_statements: int) -> dict:
    """A document as a row of the documents table, in its column order (the lake's document files have these columns)."""
    return {
        "doc_id": doc.doc_id, "sha256": doc.sha256, "title": doc.title, "publisher": doc.publisher, "url": doc.url,
        "published_on": doc.published_on, "date_source": doc.date_source, "source_name": doc.source_name,
        "format": doc.format, "text": doc.text, "n_statements": n_statements, "ingested_at": _now(),
    }


def insert_document(
    con: duckdb.DuckDBPyConnection,
    doc: Document,
    statements: Sequence[Statement],
    vectors: np.ndarray | None,
) -> list[str]:
    """Insert one document and its statements (inside the caller's transaction); return statement ids."""
    con.execute("INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                list(document_record(doc, len(statements)).values()))
    ids = [statement_id(doc.doc_id, i) for i in range(len(statements))]
    if not statements:
        return ids
    insert_statement_rows(con, statement_frame(doc.doc_id, statements, vectors))
    return ids


def statement_frame(doc_id: str, statements: Sequence[Statement], vectors: np.ndarray | None) -> pd.DataFrame:
    """A document's statements as rows of the statements table (the lake's statement files have the same columns)."""
    return pd.DataFrame(
        {
            "statement_id": [statement_id(doc_id, i) for i in range(len(statements))],
            "doc_id": doc_id,
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
            "is_question": [s.is_question for s in statements],
            "embedding": list(vectors.astype(np.float32)) if vectors is not None else [None] * len(statements),
        }
    )


def insert_statement_rows(con: duckdb.DuckDBPyConnection, rows) -> None:
    """Insert statement rows (a DataFrame or Arrow table with the columns of statement_frame) as they are."""
    con.register("_new_statements", rows)
    try:
        dim = get_meta(con, "embed_dim")
        con.execute(
            f"""INSERT INTO statements (statement_id, doc_id, seq, text, start, "end", speaker, actor, actor_type,
                    stated_on, is_quote, boilerplate, inferred_actor, embedding, is_question)
                SELECT statement_id, doc_id, seq, text, start, "end", speaker, actor, actor_type,
                    CAST(stated_on AS DATE), is_quote, boilerplate, inferred_actor,
                    CAST(embedding AS FLOAT[{int(dim)}]), is_question FROM _new_statements"""
        )
    finally:
        con.unregister("_new_statements")


def save_matches(con: duckdb.DuckDBPyConnection, matches: pd.DataFrame, per_source: int = 1) -> int:
    """Upsert scored pairs (columns as the matches table), then choose what their claims show; return how many."""
    if matches.empty:
        return 0
    cols = ["claim_id", "report_id", "similarity", "stance", "contradiction", "support", "lag_days", "model", "scored_at",
            "raw_contradiction", "raw_support", "raw_stance", "calibration", "pending"]
    frame = matches.reindex(columns=cols)
    frame["pending"] = frame["pending"].astype("boolean").fillna(False).astype(bool)
    con.register("_new_matches", frame)
    try:
        con.execute(f"INSERT OR REPLACE INTO matches ({', '.join(cols)}) SELECT * FROM _new_matches")
    finally:
        con.unregister("_new_matches")
    choose_shown(con, frame["claim_id"].unique().tolist(), per_source)
    return len(frame)


def trim_sources(con: duckdb.DuckDBPyConnection, claim_ids: Sequence[str], top_k: int) -> int:
    """Remove the stored pairs of sources that newer reports pushed out of these claims' top-k (sources ranked by
    their most similar sentence, ties by source key, as match.cap_sources), except pairs an analyst gave a verdict on; how many.

    So a claim's stored pairs stay those of ranking it against every stored report at once, whatever the order
    the documents came in (the lake engine computes exactly that, crosscheck.lake.engine)."""
    if not len(claim_ids):
        return 0
    gone = con.execute(
        """DELETE FROM matches USING (
               SELECT m.claim_id, m.report_id
               FROM matches m JOIN statements r ON r.statement_id = m.report_id
               JOIN (SELECT claim_id, source, row_number() OVER (PARTITION BY claim_id ORDER BY best DESC, source) AS rank
                     FROM (SELECT m.claim_id, r.doc_id || '|' || coalesce(r.actor, '') AS source,
                                  max(m.similarity) AS best
                           FROM matches m JOIN statements r ON r.statement_id = m.report_id
                           WHERE list_contains(?, m.claim_id) GROUP BY ALL)) ranked
                 ON ranked.claim_id = m.claim_id AND ranked.source = r.doc_id || '|' || coalesce(r.actor, '')
               WHERE ranked.rank > ?
                 AND NOT EXISTS (SELECT 1 FROM verdicts v WHERE v.claim_id = m.claim_id AND v.report_id = m.report_id)) out
           WHERE matches.claim_id = out.claim_id AND matches.report_id = out.report_id""",
        [list(claim_ids), int(top_k)],
    ).fetchone()
    return int(gone[0]) if gone else 0


def import_lake(con: duckdb.DuckDBPyConnection, documents, statements, pairs) -> dict[str, int]:
    """Import a lake's documents, statements and pairs (Arrow tables with the tables' columns) in the caller's
    transaction: documents and statements not stored yet are added (a document stored before, by hash, keeps
    its own), the lake's pairs replace the stored ones of the same claim and report, and the stored pairs
    between lake statements that the lake no longer has (pushed out of a top-k) go, unless an analyst gave
    a verdict on them. Verdicts and actor edits are never touched. Returns how many of each changed."""
    cols = ", ".join(MATCH_COLUMNS)
    con.register("_lake_documents", documents)
    con.register("_lake_statements", statements)
    con.register("_lake_pairs", pairs)
    try:
        dim = int(get_meta(con, "embed_dim"))
        docs = con.execute(
            """INSERT INTO documents SELECT doc_id, sha256, title, publisher, url, published_on, date_source, source_name,
                                            format, text, n_statements, ingested_at
               FROM _lake_documents d
               WHERE NOT EXISTS (SELECT 1 FROM documents x WHERE x.doc_id = d.doc_id OR x.sha256 = d.sha256)""").fetchone()[0]
        stmts = con.execute(
            f"""INSERT INTO statements (statement_id, doc_id, seq, text, start, "end", speaker, actor, actor_type,
                    stated_on, is_quote, boilerplate, inferred_actor, embedding, is_question)
                SELECT statement_id, doc_id, seq, text, start, "end", speaker, actor, actor_type, stated_on, is_quote,
                       boilerplate, inferred_actor, CAST(embedding AS FLOAT[{dim}]), is_question
                FROM _lake_statements s
                WHERE NOT EXISTS (SELECT 1 FROM statements x WHERE x.statement_id = s.statement_id)
                  AND EXISTS (SELECT 1 FROM documents d WHERE d.doc_id = s.doc_id)""").fetchone()[0]
        gone = con.execute(
            """DELETE FROM matches m
               WHERE m.claim_id IN (SELECT statement_id FROM _lake_statements)
                 AND m.report_id IN (SELECT statement_id FROM _lake_statements)
                 AND NOT EXISTS (SELECT 1 FROM _lake_pairs p WHERE p.claim_id = m.claim_id AND p.report_id = m.report_id)
                 AND NOT EXISTS (SELECT 1 FROM verdicts v WHERE v.claim_id = m.claim_id AND v.report_id = m.report_id)"""
        ).fetchone()[0]
        kept = con.execute(
            f"""INSERT OR REPLACE INTO matches ({cols}) SELECT {cols} FROM _lake_pairs p
                WHERE EXISTS (SELECT 1 FROM statements c WHERE c.statement_id = p.claim_id)
                  AND EXISTS (SELECT 1 FROM statements r WHERE r.statement_id = p.report_id)""").fetchone()[0]
    finally:
        for name in ("_lake_documents", "_lake_statements", "_lake_pairs"):
            con.unregister(name)
    return {"documents": int(docs), "statements": int(stmts), "pairs": int(kept), "pairs_removed": int(gone)}


def save_scores(con: duckdb.DuckDBPyConnection, scored: pd.DataFrame, per_source: int = 1) -> int:
    """Put the scores of pending pairs in place (they are no longer pending), then choose what their claims show."""
    if scored.empty:
        return 0
    cols = ["claim_id", "report_id", "stance", "contradiction", "support", "model", "scored_at",
            "raw_contradiction", "raw_support", "raw_stance", "calibration"]
    frame = scored.reindex(columns=cols)
    con.register("_scored", frame)
    try:
        con.execute(
            """UPDATE matches SET stance = s.stance, contradiction = s.contradiction, support = s.support, model = s.model,
                                  scored_at = s.scored_at, raw_contradiction = s.raw_contradiction, raw_support = s.raw_support,
                                  raw_stance = s.raw_stance, calibration = s.calibration, pending = false
               FROM _scored s WHERE matches.claim_id = s.claim_id AND matches.report_id = s.report_id""")
    finally:
        con.unregister("_scored")
    choose_shown(con, frame["claim_id"].unique().tolist(), per_source)
    return len(frame)


def rescore(con: duckdb.DuckDBPyConnection, scores: pd.DataFrame) -> int:
    """Replace the stance, contradiction, support and calibration of stored pairs (claim_id, report_id, …), then
    choose again what each claim shows; return how many pairs."""
    if scores.empty:
        return 0
    frame = scores.reindex(columns=["claim_id", "report_id", "stance", "contradiction", "support", "calibration"])
    con.register("_rescored", frame)
    try:
        con.execute(
            """UPDATE matches SET stance = r.stance, contradiction = r.contradiction, support = r.support,
                                  calibration = r.calibration
               FROM _rescored r WHERE matches.claim_id = r.claim_id AND matches.report_id = r.report_id""")
    finally:
        con.unregister("_rescored")
    choose_shown(con, frame["claim_id"].unique().tolist())
    return len(frame)


def choose_shown(con: duckdb.DuckDBPyConnection, claim_ids: Sequence[str], per_source: int = 1) -> None:
    """Per claim and source (report document + actor), show the `per_source` sentences that bear most on the
    claim: highest contradiction or support, then similarity (unscored pairs by similarity alone)."""
    con.execute(
        """UPDATE matches SET shown = ranked.rank <= ?
           FROM (SELECT m.claim_id, m.report_id,
                        row_number() OVER (
                            PARTITION BY m.claim_id, r.doc_id, r.actor
                            ORDER BY greatest(coalesce(m.contradiction, 0), coalesce(m.support, 0)) DESC,
                                     m.similarity DESC, m.report_id) AS rank
                 FROM matches m JOIN statements r ON r.statement_id = m.report_id
                 WHERE list_contains(?, m.claim_id)) ranked
           WHERE matches.claim_id = ranked.claim_id AND matches.report_id = ranked.report_id""",
        [int(per_source), list(claim_ids)],
    )


def sync_actors(con: duckdb.DuckDBPyConnection, registry) -> int:
    """Add registry actors the database does not know yet (edits made in the app are kept). Every upload runs it:
    one query finds what is known."""
    added = 0
    known = {row[0] for row in con.execute("SELECT actor FROM actors").fetchall()}
    for a in registry.actors.values():
        if a.name in known:
            continue
        con.execute(
            f"{ACTOR_INSERT} VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [a.name, a.actor_type, a.country, a.organisation, a.role, list(a.aliases), a.inferred, not a.inferred],
        )
        added += 1
    return added


def save_verdict(
    con: duckdb.DuckDBPyConnection,
    claim_id: str,
    report_id: str,
    verdict: str | None,
    analyst: str | None = None,
    note: str | None = None,
    label: str | None = None,
    analyst_name: str | None = None,
) -> None:
    """Store one analyst's verdict on a pair (None clears theirs); run through the app's Writer.

    Each analyst has their own verdict on a pair (`analyst`: the signed-in person's email,
    `anonymous` without sign-in); a new one from the same analyst replaces theirs, and never another's.
    `label` is the analyst's stance for the pair (contradicts, supports, unrelated); a confirmation
    without one confirms the stance shown. The stance shown is kept beside it (`stance_seen`), so a
    rejection says which label was wrong: verdicts are labelled pairs (crosscheck.review).
    """
    analyst = (analyst or "").strip() or ANONYMOUS
    if verdict is not None and verdict not in VERDICTS:
        raise StoreError(f"verdict for {claim_id}/{report_id}: {verdict!r} is not one of {', '.join(VERDICTS)}")
    if label is not None and label not in VERDICT_LABELS:
        raise StoreError(f"verdict for {claim_id}/{report_id}: label {label!r} is not one of {', '.join(VERDICT_LABELS)}")
    known = con.execute(
        "SELECT count(*) FROM statements WHERE statement_id = ? OR statement_id = ?", [claim_id, report_id]
    ).fetchone()[0]
    if known != 2:
        raise StoreError(f"verdict for {claim_id}/{report_id}: no such claim and report")
    if verdict is None:
        con.execute("DELETE FROM verdicts WHERE claim_id = ? AND report_id = ? AND analyst = ?", [claim_id, report_id, analyst])
        return
    row = con.execute("SELECT stance FROM matches WHERE claim_id = ? AND report_id = ?", [claim_id, report_id]).fetchone()
    seen = row[0] if row else None
    if label is None and verdict == "confirmed" and seen in VERDICT_LABELS:
        label = seen
    con.execute(
        """INSERT OR REPLACE INTO verdicts (claim_id, report_id, verdict, analyst, note, decided_at, label, stance_seen, analyst_name)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [claim_id, report_id, verdict, analyst, note, _now(), label, seen, analyst_name],
    )


def update_actor(
    con: duckdb.DuckDBPyConnection,
    actor: str,
    *,
    actor_type: str | None = None,
    country: str | None = None,
    aliases: list[str] | None = None,
    confirmed: bool | None = None,
    by: str | None = None,
) -> int:
    """Edit one actor; a new type also re-types its statements and its people. Returns statements re-typed.

    `by` (who made the edit: an email, `anonymous` without sign-in) and the time are kept on the actor.
    """
    if actor_type is not None:
        check_actor_type(actor_type)
    if aliases is not None and not all(isinstance(a, str) for a in aliases):
        raise InputError("aliases must be a list of names")
    if not con.execute("SELECT 1 FROM actors WHERE actor = ?", [actor]).fetchone():
        raise InputError(f"no actor named {actor!r}")
    values = dict(zip(ACTOR_COLUMNS, (actor_type, country, aliases, confirmed)))
    changes = {k: v for k, v in values.items() if v is not None}
    retyped = 0
    con.execute("BEGIN TRANSACTION")
    try:
        for column, value in changes.items():  # column names come from ACTOR_COLUMNS
            con.execute(f"UPDATE actors SET {column} = ? WHERE actor = ?", [value, actor])
        if changes:
            con.execute("UPDATE actors SET edited_by = ?, edited_at = ? WHERE actor = ?",
                        [(by or "").strip() or ANONYMOUS, _now(), actor])
        if actor_type is not None:
            retyped = con.execute(
                "SELECT count(*) FROM statements WHERE actor = ? AND actor_type IS DISTINCT FROM ?", [actor, actor_type]
            ).fetchone()[0]
            con.execute("UPDATE statements SET actor_type = ? WHERE actor = ?", [actor_type, actor])
            con.execute("UPDATE actors SET actor_type = ? WHERE organisation = ? AND role IS NOT NULL", [actor_type, actor])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return retyped


def add_inferred_actors(con: duckdb.DuckDBPyConnection, statements: Iterable) -> int:
    """Add actors inferred during attribution to the actors table, unconfirmed; returns how many were new."""
    added = 0
    for s in statements:
        if not getattr(s, "inferred_actor", False) or not s.actor:
            continue
        if con.execute("SELECT 1 FROM actors WHERE actor = ?", [s.actor]).fetchone():
            continue
        con.execute(
            f"{ACTOR_INSERT} VALUES (?, ?, NULL, NULL, NULL, ?, true, false)",
            [s.actor, s.actor_type or "other", [s.speaker] if s.speaker and s.speaker != s.actor else []],
        )
        added += 1
    return added




def record_audit(
    con: duckdb.DuckDBPyConnection,
    *,
    user_id: str,
    action: str,
    outcome: str,
    user_name: str | None = None,
    role: str | None = None,
    target: str | None = None,
    detail: dict | None = None,
    reason: str | None = None,
) -> None:
    """Add one row to the audit: who tried which write on what, and whether it was done, refused or failed."""
    if outcome not in OUTCOMES:
        raise StoreError(f"audit outcome {outcome!r} is not one of {', '.join(OUTCOMES)}")
    con.execute(
        "INSERT INTO audit (attempted_at, user_id, user_name, role, action, target, detail, outcome, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [_now(), user_id, user_name, role, action, target,
         json.dumps(detail, sort_keys=True, default=str) if detail else None, outcome, reason],
    )


def grant_role(con: duckdb.DuckDBPyConnection, user_id: str, role: str | None, *, by: str, roles: Sequence[str]) -> None:
    """Give `user_id` (an email) a role in this workspace, or remove their grant (role None); `roles` are the assignable ones."""
    user_id = (user_id or "").strip().lower()
    if "@" not in user_id[1:]:
        raise InputError(f"{user_id!r} is not an email address")
    if role is None:
        con.execute("DELETE FROM role_grants WHERE user_id = ?", [user_id])
        return
    if role not in roles:
        raise InputError(f"unknown role {role!r}; choose one of {', '.join(roles)}")
    con.execute("INSERT OR REPLACE INTO role_grants (user_id, role, granted_by, granted_at) VALUES (?, ?, ?, ?)",
                [user_id, role, by, _now()])


FOLLOW_KINDS = ("claim", "actor", "storyline", "search")


def follow(con: duckdb.DuckDBPyConnection, analyst: str, kind: str, target: str, label: str | None = None) -> None:
    """The analyst follows a claim (its id), an actor (its name), a storyline (its label) or a Claims search (its
    query string); following again keeps the first time. A claim or actor that does not exist is an InputError."""
    analyst = (analyst or "").strip() or ANONYMOUS
    if kind not in FOLLOW_KINDS:
        raise InputError(f"cannot follow a {kind!r}; follow one of {', '.join(FOLLOW_KINDS)}")
    target = (target or "").strip()
    if not target:
        raise InputError(f"follow {kind}: say which one")
    if kind == "claim" and not con.execute("SELECT 1 FROM statements WHERE statement_id = ?", [target]).fetchone():
        raise InputError(f"follow claim {target}: no such statement in this database")
    if kind == "actor" and not con.execute("SELECT 1 FROM actors WHERE actor = ?", [target]).fetchone():
        raise InputError(f"follow actor {target!r}: no such actor (the Actors page lists them)")
    con.execute(
        "INSERT INTO follows (analyst, kind, target, label, followed_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [analyst, kind, target, label, _now()],
    )


def unfollow(con: duckdb.DuckDBPyConnection, analyst: str, kind: str, target: str) -> bool:
    """The analyst stops following it; False when they did not follow it."""
    analyst = (analyst or "").strip() or ANONYMOUS
    found = con.execute("SELECT 1 FROM follows WHERE analyst = ? AND kind = ? AND target = ?", [analyst, kind, target]).fetchone()
    con.execute("DELETE FROM follows WHERE analyst = ? AND kind = ? AND target = ?", [analyst, kind, target])
    return found is not None


def mark_read(con: duckdb.DuckDBPyConnection, analyst: str, at: dt.datetime | None = None) -> None:
    """What's new is read up to `at` (default now) for this analyst."""
    analyst = (analyst or "").strip() or ANONYMOUS
    con.execute("INSERT OR REPLACE INTO alert_reads (analyst, read_at) VALUES (?, ?)", [analyst, at or _now()])
