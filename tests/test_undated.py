"""Documents without dates, with bad dates and with far dates, through the whole pipeline and real models.

A document or pair without a date is stored and scored (without the time note); a date that is not
understood is not used and the summary says so; one broken document never stops its batch.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import shared_data
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crosscheck import analytics, charts, cli, export, match
from crosscheck.dates import EARLIEST, LATEST, as_date, shift, to_days
from crosscheck.db import connection, reads, schema, writes
from crosscheck.ingest import extract_file, extract_text, text_sha256
from crosscheck.match import find_matches, rematch, search_reports
from crosscheck.models.stance import load_scorer
from crosscheck.models.timing import apply_time_rule, when_note
from crosscheck.pipeline import extract_each, score_pairs, store_documents
from crosscheck.records import Document, Statement

ROOT = Path(__file__).resolve().parents[1]

CLAIM = "The Russian Defence Ministry said units are returning to their garrisons after the drills."
REPORT = "The Conflict Intelligence Team said it saw new armoured columns moving toward the border."

# Values a date arrives as from DuckDB, pandas, CSV cells and JSON: missing ones of every kind, far ones, text.
MISSING = [None, float("nan"), pd.NaT, np.datetime64("NaT"), np.datetime64("NaT", "D"), "", "NaT", "nan", "not a date",
           "31/02/2022", "2022-02-31", 20220216]
any_day = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))
date_like = st.one_of(
    st.sampled_from(MISSING), any_day,
    any_day.map(lambda d: dt.datetime(d.year, d.month, d.day, 12)),
    any_day.map(pd.Timestamp), any_day.map(lambda d: np.datetime64(d, "D")), any_day.map(dt.date.isoformat),
    st.text(max_size=12),
)


@pytest.fixture(scope="module")
def scorer(embedder):
    return load_scorer("bundled", embedder=embedder)


# ---------------------------------------------------------------- every reader of a date


def _expected_day(value) -> dt.date | None:
    """What a date-like value means, worked out separately from as_date."""
    if value is None or value is pd.NaT or isinstance(value, (float, int)):
        return None
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else dt.date.fromisoformat(str(value.astype("datetime64[D]")))
    if isinstance(value, dt.datetime):
        return dt.date(value.year, value.month, value.day)
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value[:10]) if len(value.strip()) >= 10 and value == value.strip() else None
    except ValueError:
        return None


@given(date_like)
def test_as_date_reads_every_form_of_a_date_or_of_no_date(value):
    day = as_date(value)
    assert day is None or type(day) is dt.date
    if not isinstance(value, str) or value == value.strip():
        assert day == _expected_day(value)


@given(date_like, date_like)
def test_time_note_and_time_rule_never_fail_and_skip_undated_pairs(claim_date, report_date):
    note = when_note(claim_date, report_date)
    c, r = as_date(claim_date), as_date(report_date)
    assert (note == "") == (c is None or r is None)
    frame = pd.DataFrame({"stance": ["contradicts"], "contradiction": [0.9], "support": [0.05]})
    out = apply_time_rule(frame, ["Troops will return to their bases."], [claim_date], [report_date])
    if c is None or r is None:
        assert pd.isna(out.loc[0, "lag_days"]) and out.loc[0, "stance"] == "contradicts"
    else:
        assert out.loc[0, "lag_days"] == (r - c).days
        # A report dated before a forward-looking claim cannot refute it.
        assert (out.loc[0, "stance"] == "contradicts") == ((r - c).days >= 0)


@given(any_day, st.integers(-100_000, 100_000))
def test_shift_stays_inside_the_calendar(day, days):
    moved = shift(day, days)
    assert dt.date.min <= moved <= dt.date.max
    if dt.date.min.toordinal() <= day.toordinal() + days <= dt.date.max.toordinal():
        assert (moved - day).days == days


def test_to_days_marks_missing_dates_as_nat():
    days = to_days([dt.date(1, 1, 1), None, pd.NaT, "2022-02-16", dt.date(9999, 12, 31), float("nan")])
    assert days.dtype == np.dtype("datetime64[D]")
    assert np.isnat(days).tolist() == [False, True, True, False, False, True]
    assert str(days[0]) == "0001-01-01" and str(days[4]) == "9999-12-31"


# ---------------------------------------------------------------- the stance model on undated pairs


def test_pairs_with_an_undated_side_are_scored_without_the_time_note(scorer):
    claims = [CLAIM] * 4
    reports = [REPORT] * 4
    claim_dates = [dt.date(2022, 2, 15), None, pd.NaT, None]
    report_dates = [dt.date(2022, 2, 17), dt.date(2022, 2, 17), np.datetime64("NaT"), float("nan")]
    scored = scorer.score(claims, reports, claim_dates, report_dates)
    undated = scorer.score([CLAIM], [REPORT])  # no dates at all: the reference for an undated pair
    assert scored["lag_days"].isna().tolist() == [False, True, True, True]
    assert scored.loc[0, "lag_days"] == 2
    for i in (1, 2, 3):
        assert scored.loc[i, "stance"] == undated.loc[0, "stance"]
        assert scored.loc[i, "contradiction"] == pytest.approx(undated.loc[0, "contradiction"], abs=1e-6)
    assert set(scored["stance"]) <= {"supports", "contradicts", "discusses", "unrelated"}


# ---------------------------------------------------------------- whole pipeline, every input format


def _csv(date_cells: list[str]) -> bytes:
    lines = ["title,date,text"]
    for i, cell in enumerate(date_cells):
        text = f"The Russian Defence Ministry said battalion {i} returned to its base near Belgorod."
        lines.append(f'Row {i},"{cell}","{text}"')
    return ("\n".join(lines) + "\n").encode()


def _jsonl(dates: list) -> bytes:
    rows = [{"text": f"Rochan Consulting said convoy {i} was still moving toward Kharkiv.", "date": d}
            for i, d in enumerate(dates)]
    return "\n".join(json.dumps(r) for r in rows).encode()


def _markdown(date_value: str | None, body: str) -> bytes:
    head = f"---\ntitle: Briefing\ndate: {date_value}\n---\n" if date_value is not None else ""
    return (head + body).encode()


bad_cell = st.sampled_from(["31/02/2022", "not a date", "0001-01-01", "9999-12-31", "", "yesterday", "2022-13-01",
                            "2022-02-16", "16 February 2022"])
bad_json = st.sampled_from([None, 20220216, 0, 1.5, "2022-02-30", "2022-02-17", "sometime", [2022, 2, 16], {"d": 1}])
front = st.sampled_from([None, "yesterday", "2022-02-31", "0001-01-01", "9999-12-31", "2022-02-16", "[1, 2]", "''"])
names = st.sampled_from(["article.txt", "notes-2022-02-18.txt", "0001-01-01-report.txt", "undated.md"])
bodies = st.sampled_from([
    CLAIM, REPORT,
    "Bellingcat said \u200fit geolocated the convoy\x00 moving toward Ukraine. NATO said it saw no withdrawal.",
    "Kremlin spokesman Dmitry Peskov said the troops are returning to their bases on Tuesday.",
])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    csv_dates=st.lists(bad_cell, min_size=1, max_size=3),
    json_dates=st.lists(bad_json, min_size=1, max_size=3),
    md_date=front, name=names, body=bodies, body2=bodies,
)
def test_any_batch_ingests_or_refuses_each_document(embedder, registry, scorer, tmp_path_factory,
                                                    csv_dates, json_dates, md_date, name, body, body2):
    con = connection.connect(tmp_path_factory.mktemp("batch") / "batch.duckdb")
    try:
        schema.ensure_schema(con, embedder.name, embedder.dim)
        writes.sync_actors(con, registry)
        files = [("rows.csv", _csv(csv_dates)), ("rows.jsonl", _jsonl(json_dates)),
                 ("brief.md", _markdown(md_date, body)), (name, body2.encode()), ("empty.txt", b"")]
        jobs = [(n, lambda n=n, d=d: extract_file(n, d)) for n, d in files]
        jobs.append(("pasted text", lambda: extract_text(body + " " + body2)))
        documents, summary = extract_each(jobs)
        summary.extend(store_documents(con, documents, embedder=embedder, scorer=scorer, registry=registry))

        refused = {r.source for r in summary.refused}
        assert "empty.txt" in refused  # a bad file is refused in one line that names it ...
        for result, line in zip(summary.results, summary.report()):
            assert line.text.startswith(result.source + ": ") and "\n" not in line.text
        assert all(w.split(":")[0] in {"rows.csv", "rows.jsonl"} for w in summary.warnings)
        assert not any(r.unexpected for r in summary.results), summary.lines()
        # ... and every other document went in, dated or not.
        assert {r.status for r in summary.results if r.source != "empty.txt"} <= {"added", "duplicate"}
        added = summary.added
        stored = con.execute("SELECT doc_id, published_on, n_statements FROM documents").df()
        assert sorted(stored["doc_id"]) == sorted({r.doc_id for r in added})
        for day in stored["published_on"].dropna():
            assert EARLIEST <= day.date() <= LATEST  # placeholders such as 0001-01-01 are not used as dates
        counts = con.execute("SELECT doc_id, count(*) FROM statements GROUP BY doc_id").fetchall()
        assert dict(counts) == dict(zip(stored["doc_id"], stored["n_statements"]))
        # A pair's lag is known exactly when both of its statements are dated.
        pairs = con.execute(
            """SELECT m.lag_days, c.stated_on AS c, r.stated_on AS r, m.stance FROM matches m
               JOIN statements c ON c.statement_id = m.claim_id JOIN statements r ON r.statement_id = m.report_id"""
        ).df()
        assert (pairs["lag_days"].isna() == (pairs["c"].isna() | pairs["r"].isna())).all()
        assert pairs["stance"].notna().all()
        _every_reader_works(con)
    finally:
        con.close()


def _every_reader_works(con) -> None:
    """Analytics, charts, exports and page queries over whatever dates are stored."""
    frame = analytics.pairs_frame(con)
    for freq in ("D", "W"):
        for date in ("claim", "report"):
            line = analytics.timeline(frame, freq=freq, by=None, date=date)
            assert line["pairs"].sum() + analytics.undated_pairs(frame, date) == len(frame)
            charts.timeline_figure(line, freq=freq, date=date)
            if not line.empty:
                first = line.iloc[0]
                assert len(analytics.pairs_at(frame, first["period"], freq=freq, by=None, date=date)) == first["pairs"]
    charts.lag_histogram(frame)
    analytics.claims_frame(frame)
    export.to_csv_text(frame)
    export.to_parquet_bytes(frame)
    options = reads.claim_filter_options(con)
    claims = reads.list_claims(con)
    reads.list_claims(con, start=options["first"], end=options["last"])
    for claim_id in claims["claim_id"][:3]:
        reports = match.claim_reports(con, claim_id)
        assert reports["lag_days"].isna().sum() <= len(reports)
    export.to_csv_text(reads.list_statements(con))


# ---------------------------------------------------------------- far dates already in a database


def _statement(text: str, actor: str, actor_type: str, day: dt.date | None) -> Statement:
    return Statement(text=text, start=0, end=len(text), speaker=actor, actor=actor, actor_type=actor_type, stated_on=day)


@pytest.mark.parametrize("far", [dt.date(1, 1, 1), dt.date(9999, 12, 31)])
def test_far_dates_stored_in_a_database_are_matched_scored_and_shown(db, embedder, scorer, far, capsys):
    """Dates at the ends of the calendar (an older database, a direct import) break no reader."""
    days = [far, None, dt.date(2022, 2, 16)]
    claim_ids = []
    for i, day in enumerate(days):
        text = f"{CLAIM} ({i})"
        report = f"{REPORT} ({i})"
        doc = Document(text=text + " " + report, published_on=day, source_name=f"far-{i}.txt",
                       sha256=text_sha256(f"{text} {report} {far}"))
        statements = [_statement(text, "Russian Ministry of Defence", "government", day),
                      _statement(report, "Conflict Intelligence Team", "osint", day)]
        statements[1].start, statements[1].end = len(text) + 1, len(doc.text)
        with connection.transaction(db):
            ids = writes.insert_document(db, doc, statements, embedder.embed([s.text for s in statements]))
            writes.save_matches(db, score_pairs(db, find_matches(db, ids), scorer))
        claim_ids.append(ids[0])
    pairs = db.execute("SELECT claim_id, report_id, lag_days FROM matches").df()
    assert len(pairs) > 0
    # The far claim pairs with its own-day report (lag 0) and the undated ones (no lag); 2022 is out of its window.
    far_claim = claim_ids[0]
    lags = pairs[pairs["claim_id"] == far_claim]["lag_days"]
    assert 0 in set(lags.dropna()) and lags.dropna().abs().max() <= 14 and lags.isna().any()
    assert len(rematch(db)) >= len(pairs[pairs["claim_id"] == far_claim])
    assert len(search_reports(db, far_claim)) == len(lags)
    _every_reader_works(db)
    cli._print_frame(reads.list_statements(db), "json")
    printed = json.loads(capsys.readouterr().out)
    assert far.isoformat() in {row["stated_on"] for row in printed} and None in {row["stated_on"] for row in printed}


# ---------------------------------------------------------------- one broken document in a batch


class FailOn:
    """The real embedder, except that it fails on texts containing a marker (an error of ours, not of the input)."""

    def __init__(self, inner, marker: str):
        self.inner, self.marker = inner, marker
        self.name, self.dim = inner.name, inner.dim

    def embed(self, texts):
        if any(self.marker in t for t in texts):
            raise RuntimeError("simulated failure inside the pipeline")
        return self.inner.embed(texts)


class FailWhileScoring:
    """The real scorer, except that it fails for claims containing a marker: after the document is written."""

    def __init__(self, inner, marker: str):
        self.inner, self.marker = inner, marker
        self.name, self.passage_model = inner.name, inner.passage_model

    def score(self, claims, evidences, *args, **kwargs):
        if any(self.marker in t for t in [*claims, *evidences]):
            raise ZeroDivisionError("simulated failure while scoring")
        return self.inner.score(claims, evidences, *args, **kwargs)


def test_an_unexpected_error_refuses_one_document_and_the_batch_goes_on(db, embedder, registry, scorer, caplog):
    before = reads.counts(db)
    docs = [
        *extract_text(CLAIM, source_name="good-1.txt").documents,
        *extract_text("Unknown official Ivan Broken said BOOM the troops left. " + REPORT, source_name="bad-embed.txt").documents,
        *extract_text(REPORT + " Rochan Consulting said more tanks arrived.", source_name="good-2.txt").documents,
    ]
    with caplog.at_level(logging.ERROR, logger="crosscheck"):
        summary = store_documents(db, docs, embedder=FailOn(embedder, "BOOM"), scorer=scorer, registry=registry)
    assert [r.status for r in summary.results] == ["added", "refused", "added"]
    line = summary.lines()[1]
    assert line.startswith("bad-embed.txt: refused: unexpected error (RuntimeError: simulated failure")
    assert "nothing of it was stored" in line and "\n" not in line
    assert "Traceback" in caplog.text and "bad-embed.txt" in caplog.text
    assert reads.counts(db)["documents"] == before["documents"] + 2

    # Failing after the document and its statements were written inside the transaction: all rolled back.
    late = extract_text(
        "Igor Konashenkov said MARKER units are returning to their garrisons after the drills. "
        f"{REPORT} Colonel Pavel Lastovsky said the convoy was seen at dawn.", source_name="late.txt",
    ).documents
    actors_before = db.execute("SELECT count(*) FROM actors").fetchone()[0]
    statements_before = reads.counts(db)["statements"]
    summary = store_documents(db, late, embedder=embedder, scorer=FailWhileScoring(scorer, "MARKER"), registry=registry)
    assert summary.results[0].status == "refused" and "ZeroDivisionError" in summary.results[0].message
    assert not reads.has_document(db, late[0].sha256)
    assert reads.counts(db)["statements"] == statements_before
    assert db.execute("SELECT count(*) FROM actors").fetchone()[0] == actors_before


def test_the_command_line_answers_an_unexpected_error_in_one_line(monkeypatch, tmp_path, capsys):
    log = tmp_path / "crosscheck.log"
    monkeypatch.setenv("CROSSCHECK_LOG", str(log))

    def broken(args):
        raise KeyError("a bug of ours")

    monkeypatch.setattr(cli, "cmd_statements", broken)  # the parser binds the command when main() builds it
    assert cli.main(["statements", "--db", str(tmp_path / "none.duckdb")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: unexpected KeyError") and str(log) in err
    for handler in logging.getLogger("crosscheck").handlers:
        handler.flush()
    assert "Traceback" in log.read_text()


# ---------------------------------------------------------------- the command line over a mixed folder


def test_ingest_of_a_folder_with_bad_dates_stores_every_good_file_and_prints_no_traceback(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    seed = shared_data("seed", "moscow_times_2022-02-16_withdrawal_skepticism.txt")
    # The founding article with no date in its name; the text has none either.
    (folder / "article.txt").write_bytes(seed.read_bytes())
    (folder / "bad.csv").write_bytes(_csv(["31/02/2022", "not a date"]))
    (folder / "bad.jsonl").write_bytes(_jsonl([None, 20220216]))
    (folder / "yesterday.md").write_bytes(_markdown("yesterday", CLAIM))
    (folder / "bidi.txt").write_bytes("Bellingcat said \u200fit geolocated the convoy\x00 moving to Ukraine.".encode())
    (folder / "empty.txt").write_bytes(b"")
    (folder / "good-2022-02-17.txt").write_text(REPORT, encoding="utf-8")
    db = tmp_path / "cli.duckdb"
    out = subprocess.run(
        [sys.executable, "-m", "crosscheck", "ingest", *sorted(map(str, folder.iterdir())), "--db", str(db), "--all-pairs"],
        capture_output=True, text=True, cwd=ROOT, env={**_env(), "CROSSCHECK_LOG": str(tmp_path / "cli.log")},
    )
    assert "Traceback" not in out.stdout + out.stderr
    assert out.returncode == 1  # empty.txt was refused
    lines = out.stdout.splitlines()
    assert any(line.startswith("empty.txt: refused: file is empty") for line in lines)
    added = [line for line in lines if ": added " in line]
    assert len(added) == 8, out.stdout  # article, 2 CSV rows, 2 JSONL rows, md, bidi, good
    assert any(line.startswith("article.txt: added") and "(no date found)" in line for line in added)
    assert any("yesterday.md: added" in line and "front matter date 'yesterday' not understood" in line for line in added)
    assert any(line.startswith("bad.csv: 2 dates not used: line 2: date '31/02/2022' not understood") for line in lines)
    con = connection.connect(db, read_only=True)
    try:
        article = con.execute("SELECT doc_id, published_on FROM documents WHERE source_name = 'article.txt'").fetchone()
        assert article[1] is None
        claims = con.execute(
            "SELECT statement_id FROM statements WHERE doc_id = ? AND actor_type = 'government'", [article[0]]
        ).fetchall()
        assert claims
        scored = con.execute(
            "SELECT count(*), count(stance) FROM matches WHERE list_contains(?, claim_id)", [[c[0] for c in claims]]
        ).fetchone()
        assert scored[0] > 0 and scored[0] == scored[1]  # the undated claims were matched and scored
    finally:
        con.close()


def _env() -> dict:
    import os

    return {**os.environ, "HF_HUB_OFFLINE": "1"}
