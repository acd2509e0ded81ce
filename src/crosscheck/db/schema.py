"""Tables and meta: created on first use, versioned, tied to one embedding model; the data version."""

from __future__ import annotations

import duckdb

from crosscheck.errors import ModelError, StoreError

# The analyst of a verdict made without sign-in (an open workspace), and of every verdict stored before version 4.
ANONYMOUS = "anonymous"

SCHEMA_VERSION = 5
# Version 2: statements.is_question (questions are never claims or reports).
# Version 3: matches.shown (each source's sentences are all scored; the one that bears most is shown),
# matches.raw_contradiction/raw_support/raw_stance (the model's own output, before a workspace's
# calibration from verdicts) and matches.calibration (which one scored the pair, null for none),
# matches.pending (stored at embedding speed, waiting for the scorer; pages count only scored pairs),
# verdicts.label/stance_seen (the analyst's stance for the pair, and the one they were shown).
# Version 4: one verdict per pair and analyst (verdicts.analyst is part of the key, `anonymous` without
# sign-in; verdicts.analyst_name the name shown), actors.edited_by/edited_at (the last edit), the audit
# table (every write attempt in the app: who, when, what, done / refused / failed) and role_grants
# (roles an admin gave in the app).
# Version 5: follows (what each analyst follows: a claim, an actor, a storyline or a Claims search) and
# alert_reads (when each analyst last marked What's new read).

# Every column of a stored pair (the lake's pair files have these).
MATCH_COLUMNS = ["claim_id", "report_id", "similarity", "stance", "contradiction", "support", "lag_days", "model", "scored_at",
                 "shown", "raw_contradiction", "raw_support", "raw_stance", "calibration", "pending"]


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
            embedding FLOAT[{dim}],
            is_question BOOLEAN DEFAULT false)""",
        """CREATE TABLE IF NOT EXISTS actors (
            actor VARCHAR PRIMARY KEY,
            actor_type VARCHAR NOT NULL,
            country VARCHAR,
            organisation VARCHAR,
            role VARCHAR,
            aliases VARCHAR[],
            inferred BOOLEAN NOT NULL DEFAULT false,
            confirmed BOOLEAN NOT NULL DEFAULT true,
            edited_by VARCHAR,
            edited_at TIMESTAMP)""",
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
            shown BOOLEAN DEFAULT true,
            raw_contradiction FLOAT,
            raw_support FLOAT,
            raw_stance VARCHAR,
            calibration VARCHAR,
            pending BOOLEAN DEFAULT false,
            PRIMARY KEY (claim_id, report_id))""",
        _VERDICTS.format(name="verdicts"),
        *_ACCESS_TABLES,
        *_FOLLOW_TABLES,
    ]


_VERDICTS = """CREATE TABLE IF NOT EXISTS {name} (
            claim_id VARCHAR NOT NULL,
            report_id VARCHAR NOT NULL,
            verdict VARCHAR NOT NULL,
            analyst VARCHAR NOT NULL,
            note VARCHAR,
            decided_at TIMESTAMP NOT NULL,
            label VARCHAR,
            stance_seen VARCHAR,
            analyst_name VARCHAR,
            PRIMARY KEY (claim_id, report_id, analyst))"""
_ACCESS_TABLES = [
    """CREATE TABLE IF NOT EXISTS audit (
            attempted_at TIMESTAMP NOT NULL,
            user_id VARCHAR NOT NULL,
            user_name VARCHAR,
            role VARCHAR,
            action VARCHAR NOT NULL,
            target VARCHAR,
            detail VARCHAR,
            outcome VARCHAR NOT NULL,
            reason VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS role_grants (
            user_id VARCHAR PRIMARY KEY,
            role VARCHAR NOT NULL,
            granted_by VARCHAR NOT NULL,
            granted_at TIMESTAMP NOT NULL)""",
]


_FOLLOW_TABLES = [
    """CREATE TABLE IF NOT EXISTS follows (
            analyst VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            target VARCHAR NOT NULL,
            label VARCHAR,
            followed_at TIMESTAMP NOT NULL,
            PRIMARY KEY (analyst, kind, target))""",
    """CREATE TABLE IF NOT EXISTS alert_reads (
            analyst VARCHAR PRIMARY KEY,
            read_at TIMESTAMP NOT NULL)""",
]


def get_meta(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    try:
        row = con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    except duckdb.CatalogException:
        return None
    return row[0] if row else None


def set_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])


def delete_meta(con: duckdb.DuckDBPyConnection, key: str) -> None:
    con.execute("DELETE FROM meta WHERE key = ?", [key])


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
    upgrade(con)
    stored_model, stored_dim = get_meta(con, "embed_model"), get_meta(con, "embed_dim")
    if stored_model != embed_model or int(stored_dim or 0) != dim:
        raise ModelError(
            f"database was embedded with {stored_model} ({stored_dim}-d), not {embed_model} ({dim}-d); "
            "use the same CROSSCHECK_EMBED_MODEL or a new database"
        )


def upgrade(con: duckdb.DuckDBPyConnection) -> None:
    """Bring a database of an older schema version up to this one, in one transaction; refuse a newer one.

    1 → 2: statements get `is_question`, set for sentences ending in a question mark (new ingests use the
    attribution's fuller rule), and the stored pairs that involve a question are removed.
    2 → 3: matches get `shown` (true: older databases scored one sentence per source) and the model's raw
    scores (the stored ones: no calibration from verdicts existed); verdicts get `label` (the stance a
    confirmation confirmed) and `stance_seen`.
    3 → 4: verdicts are kept per analyst (the key gains `analyst`; a verdict stored without one was made
    without sign-in and becomes `anonymous`), actors get `edited_by`/`edited_at`, and the audit and
    role_grants tables are created.
    4 → 5: the follows and alert_reads tables are created.
    """
    version = get_meta(con, "schema_version")
    if version is None or int(version) == SCHEMA_VERSION:
        return
    if int(version) > SCHEMA_VERSION:
        raise StoreError(f"database schema version {version} is newer than this Crosscheck ({SCHEMA_VERSION})")
    con.execute("BEGIN")
    try:
        if int(version) < 2:
            con.execute("ALTER TABLE statements ADD COLUMN is_question BOOLEAN DEFAULT false")
            con.execute(r"""UPDATE statements SET is_question = regexp_matches(text, '[?]["”’'')\]»]*\s*$')""")
            con.execute("""DELETE FROM matches WHERE claim_id IN (SELECT statement_id FROM statements WHERE is_question)
                           OR report_id IN (SELECT statement_id FROM statements WHERE is_question)""")
        if int(version) < 3:
            con.execute("ALTER TABLE matches ADD COLUMN shown BOOLEAN DEFAULT true")
            con.execute("ALTER TABLE matches ADD COLUMN raw_contradiction FLOAT")
            con.execute("ALTER TABLE matches ADD COLUMN raw_support FLOAT")
            con.execute("ALTER TABLE matches ADD COLUMN raw_stance VARCHAR")
            con.execute("ALTER TABLE matches ADD COLUMN calibration VARCHAR")
            con.execute("ALTER TABLE matches ADD COLUMN pending BOOLEAN DEFAULT false")
            con.execute("UPDATE matches SET raw_contradiction = contradiction, raw_support = support, raw_stance = stance")
            con.execute("ALTER TABLE verdicts ADD COLUMN label VARCHAR")
            con.execute("ALTER TABLE verdicts ADD COLUMN stance_seen VARCHAR")
            con.execute("""UPDATE verdicts SET stance_seen = m.stance,
                               label = CASE WHEN verdicts.verdict = 'confirmed' AND m.stance IN ('contradicts', 'supports', 'unrelated')
                                            THEN m.stance END
                           FROM matches m WHERE m.claim_id = verdicts.claim_id AND m.report_id = verdicts.report_id""")
        if int(version) < 4:
            # A primary key cannot be altered in place: copy into a table with the new key, then swap.
            con.execute(_VERDICTS.format(name="verdicts_v4"))
            con.execute(f"""INSERT INTO verdicts_v4 (claim_id, report_id, verdict, analyst, note, decided_at, label, stance_seen)
                           SELECT claim_id, report_id, verdict, coalesce(analyst, '{ANONYMOUS}'), note, decided_at, label, stance_seen
                           FROM verdicts""")
            con.execute("DROP TABLE verdicts")
            con.execute("ALTER TABLE verdicts_v4 RENAME TO verdicts")
            con.execute("ALTER TABLE actors ADD COLUMN IF NOT EXISTS edited_by VARCHAR")
            con.execute("ALTER TABLE actors ADD COLUMN IF NOT EXISTS edited_at TIMESTAMP")
            for ddl in _ACCESS_TABLES:
                con.execute(ddl)
        if int(version) < 5:
            for ddl in _FOLLOW_TABLES:
                con.execute(ddl)
        set_meta(con, "schema_version", str(SCHEMA_VERSION))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def has_schema(con: duckdb.DuckDBPyConnection) -> bool:
    """True once the database has its schema (an empty file has none): the one check every reader uses."""
    return get_meta(con, "schema_version") is not None


def data_version(con: duckdb.DuckDBPyConnection) -> str:
    """A string that changes whenever stored data changes (a calibration from verdicts included); cache keys for page reads."""
    if not has_schema(con):
        return "empty"
    row = con.execute(
        """SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM statements),
                  (SELECT count(*) FROM matches), (SELECT max(scored_at) FROM matches),
                  (SELECT count(*) FROM verdicts), (SELECT max(decided_at) FROM verdicts),
                  (SELECT count(*) FROM actors),
                  (SELECT string_agg(actor || actor_type || coalesce(country, '') || confirmed::VARCHAR
                                     || coalesce(array_to_string(aliases, ','), ''), '|' ORDER BY actor)
                     FROM actors)
                  || coalesce((SELECT value FROM meta WHERE key = 'verdict_calibration'), '')"""
    ).fetchone()
    return "/".join("" if v is None else str(v) for v in row[:7]) + f"/{hash(row[7]) & 0xFFFFFFFF:x}"


def claims_version(con: duckdb.DuckDBPyConnection) -> str:
    """A string that changes when the statements or the actors (which statements are claims) change, and not when
    pairs are scored or verdicts given: the key of what depends on the claims alone (their storylines)."""
    if not has_schema(con):
        return "empty"
    row = con.execute(
        """SELECT (SELECT count(*) FROM statements), (SELECT max(statement_id) FROM statements),
                  (SELECT string_agg(actor || actor_type || confirmed::VARCHAR, '|' ORDER BY actor) FROM actors)"""
    ).fetchone()
    return f"{row[0]}/{row[1]}/{hash(row[2]) & 0xFFFFFFFF:x}"
