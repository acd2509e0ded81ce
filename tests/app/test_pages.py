"""Every page under AppTest, on the small database and on an empty one; URLs restore the view."""

from __future__ import annotations

import re

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from app.conftest import APP, HOSTILE, UPLOAD_TEXT, open_page
from crosscheck.db.schema import SCHEMA_VERSION

PAGES = {
    "overview": "Crosscheck",
    "claims": "Claims",
    "claim": "Claim",
    "promises": "Promises",
    "new": "What's new",
    "upload": "Upload",
    "actors": "Actors",
    "data": "Data",
}




def texts(at: AppTest) -> str:
    """All markdown, caption, title and alert text on the page, as one string."""
    parts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption", "info", "error", "warning", "success") for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_on_small_database(app_db, page):
    at = open_page(page)
    assert not at.exception, at.exception
    assert at.title[0].value == PAGES[page]
    assert "database is empty" not in texts(at)


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_on_empty_database(empty_db, page):
    at = open_page(page)
    assert not at.exception, at.exception
    assert at.title[0].value == PAGES[page]
    if page not in ("upload",):
        assert "database is empty" in texts(at) or "Schema version" in str(at.table[0].value if at.table else "")


def test_overview_shows_headline_figures_and_restores_controls(app_db):
    at = open_page("overview", {"freq": "day", "metric": "similarity", "by": "storyline"})
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Government claims"] == "8"
    assert metrics["Monitor reports"] == "5"
    controls = {s.key: s.value for s in at.segmented_control}
    assert controls == {"freq": "day", "metric": "similarity", "by": "storyline", "evidence": "monitors", "view": "timeline"}
    assert at.get("plotly_chart")


def test_overview_events_chart_has_one_row_per_storyline(app_db):
    import json

    at = open_page("overview", {"view": "events"})
    assert not at.exception
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = [t.get("name") for t in figure["data"]]
    assert "claim" in names
    ticks = figure["layout"]["yaxis"]["ticktext"]
    assert ticks and all(" claims · " in t and " contradict" in t for t in ticks)
    assert "Click a mark to open its claim." in texts(at)


def test_overview_point_in_url_lists_claims_behind_it(app_db):
    at = open_page("overview", {"freq": "day", "by": "actors", "period": "2022-02-15",
                                         "group": "Russian government → Conflict Intelligence Team"})
    assert not at.exception
    page = texts(at)
    assert "Claims of 15 Feb 2022" in page
    labels = [link.proto.label for link in at.get("page_link")]
    assert any("withdraw forces" in label for label in labels), labels
    assert not any("Belarus" in label for label in labels)


def test_claims_filters_come_from_the_url(app_db):
    at = open_page("claims", {"actor": "Russian government", "q": "withdraw", "start": "2022-02-14"})
    assert not at.exception
    assert at.multiselect(key="actor").value == ["Russian government"]
    assert at.text_input(key="q").value == "withdraw"
    assert str(at.date_input(key="start").value) == "2022-02-14"
    frame = at.dataframe[0].value
    assert len(frame) == 1
    assert "withdraw forces" in frame["text"].iloc[0]
    assert frame["link"].iloc[0] == f"claim?claim={frame['claim_id'].iloc[0]}"


def test_promises_filters_come_from_the_url_and_rows_link_to_the_claim(app_db):
    at = open_page("promises", {"status": ["broken", "overdue"], "kind": "promise"})
    assert not at.exception
    assert at.multiselect(key="status").value == ["broken", "overdue"]
    assert at.multiselect(key="kind").value == ["promise"]
    frame = at.dataframe[0].value
    belarus = frame[frame["text"].str.contains("Not a single Russian serviceman")]
    assert len(belarus) == 1 and belarus["due_on"].iloc[0] == "2022-02-20"
    assert set(frame["status"]) <= {"broken", "overdue"} and set(frame["kind"]) == {"promise"}
    row = belarus.iloc[0]
    assert row["link"] == f"claim?claim={row['claim_id']}" + (f"&report={row['report_id']}" if row["report_id"] else "")
    # Open-ended promises (the Kremlin's "will return to their permanent bases") are pending, so filtered out.
    assert not frame["text"].str.contains("permanent bases").any()
    assert len(at.get("plotly_chart")) == 1


def test_claims_date_range_reaches_beyond_ten_years_of_today(app_db):
    """An archive link with old dates opens (Streamlit's default range is ten years either side of today)."""
    at = open_page("claims", {"start": "1995-01-01", "end": "2099-12-31"})
    assert not at.exception
    assert str(at.date_input(key="start").value) == "1995-01-01"
    assert len(at.dataframe[0].value) == 8
    assert "claims without a date are left out" in texts(at)


def test_claims_without_filters_lists_every_claim(app_db, claim_ids):
    with duckdb.connect(str(app_db)) as con:  # one claim loses its date, as a document without one stores it
        con.execute("UPDATE statements SET stated_on = NULL WHERE statement_id = ?", [claim_ids["hostile"]])
    at = open_page("claims")
    frame = at.dataframe[0].value
    assert len(frame) == 8
    assert set(frame["actor"]) == {"Russian government", "Belarusian Ministry of Defence"}
    dates = dict(zip(frame["claim_id"], frame["stated_on"]))
    assert dates.pop(claim_ids["hostile"]) == "no date"
    assert all(len(d) == 10 and d[4] == "-" for d in dates.values()), dates  # ISO dates, never "None"


def test_claim_permalink_shows_claim_context_and_reports(app_db, claim_ids):
    at = open_page("claim", {"claim": claim_ids["withdraw"]})
    assert not at.exception
    page = texts(at)
    assert "partially withdraw forces" in page.replace("\\", "")
    assert "Conflict Intelligence Team" in page
    assert re.search(r"Standing: \*\*(contested|corroborated|open)\*\* · \d+ independent monitors contradict", page)
    assert at.number_input(key="window").value == 14
    assert at.subheader[0].value.endswith("matched reports")
    assert int(at.subheader[0].value.split()[0]) >= 1


def test_claim_settings_in_url_change_the_reports(app_db, claim_ids):
    loose = open_page("claim", {"claim": claim_ids["withdraw"], "threshold": "0.0", "top_k": "3"})
    strict = open_page("claim", {"claim": claim_ids["withdraw"], "threshold": "0.95"})
    assert loose.slider(key="threshold").value == 0.0
    assert loose.number_input(key="top_k").value == 3
    assert loose.subheader[0].value == "3 matched reports"
    assert strict.subheader[0].value == "0 matched reports"


def test_claim_text_is_never_markup(app_db, claim_ids):
    at = open_page("claim", {"claim": claim_ids["hostile"]})
    assert not at.exception
    bodies = [m.value for m in at.markdown if "script" in m.value]
    assert bodies, "the hostile claim is shown"
    for body in bodies:
        assert "<script>" not in body and "](" not in body and "**base**" not in body
        assert r"\<script\>" in body and r"\*\*base\*\*" in body
        assert getattr(at.markdown[0].proto, "allow_html", False) is False
    assert HOSTILE.startswith("All units")


def test_verdict_is_stored_and_shown(app_db, claim_ids):
    at = open_page("claim", {"claim": claim_ids["withdraw"]})
    confirm = [b for b in at.button if b.key and b.key.startswith("confirm-")][0]
    report_id = confirm.key.removeprefix("confirm-")
    at = confirm.click().run()
    assert not at.exception
    assert "Analyst verdict: **confirmed**" in texts(at)
    con = duckdb.connect(str(app_db))
    try:
        rows = con.execute("SELECT claim_id, report_id, verdict FROM verdicts").fetchall()
    finally:
        con.close()
    assert rows == [(claim_ids["withdraw"], report_id, "confirmed")]


def test_follow_a_claim_and_a_storyline_through_the_writer_and_see_them_on_whats_new(app_db, claim_ids):
    at = open_page("claim", {"claim": claim_ids["withdraw"]})
    at = at.button(key="follow-claim").click().run()
    assert not at.exception
    assert at.button(key="follow-claim").label == "Unfollow"
    at = open_page("overview", {"view": "events"})
    label = at.selectbox(key="follow_storyline").options[0]
    at = at.selectbox(key="follow_storyline").select(label).run()
    at = at.button(key="follow-storyline").click().run()
    assert not at.exception
    con = duckdb.connect(str(app_db))
    try:
        follows = con.execute("SELECT analyst, kind, target FROM follows ORDER BY kind").fetchall()
        audited = con.execute("SELECT count(*) FROM audit WHERE action = 'follow' AND outcome = 'done'").fetchone()[0]
    finally:
        con.close()
    assert follows == [("anonymous", "claim", claim_ids["withdraw"]), ("anonymous", "storyline", label)]
    assert audited == 2
    at = open_page("new")
    assert not at.exception
    assert "You follow 2" in [e.label for e in at.expander][0]


def test_unknown_claim_id_is_an_error_message(app_db):
    at = open_page("claim", {"claim": "nope"})
    assert not at.exception
    assert "claim nope: no such statement" in at.error[0].value.replace("\\", "")


def test_markup_in_a_link_is_shown_as_text(app_db):
    at = open_page("claim", {"claim": "<img src=x onerror=alert(1)>[x](javascript:alert(1))"})
    assert not at.exception
    message = at.error[0].value
    # Every markup character arrives backslash-escaped, so Markdown shows it as itself.
    assert not re.search(r"(?<!\\)[<>\[\]()]", message), message
    assert r"\<img src\=x onerror\=alert\(1\)\>" in message


def test_upload_through_the_file_uploader_adds_statements(app_db):
    with duckdb.connect(str(app_db)) as con:
        before = con.execute("SELECT count(*) FROM statements").fetchone()[0]
    at = open_page("upload")
    from crosscheck.ingest import FORMATS

    assert {t.lstrip(".") for t in at.file_uploader(key="files").allowed_type} == {e.lstrip(".") for e in FORMATS}
    at.file_uploader(key="files").set_value([("mod-2022-02-22.txt", UPLOAD_TEXT.encode(), "text/plain"),
                                             ("blank.md", b"  \n\n ", "text/markdown")])
    at.text_input(key="publisher").set_value("Russian MoD")
    at = at.button[0].click().run()
    assert not at.exception, at.exception
    con = duckdb.connect(str(app_db))
    after = con.execute("SELECT count(*) FROM statements").fetchone()[0]
    waiting, scored = con.execute(
        "SELECT count(*) FILTER (WHERE pending), count(*) FILTER (WHERE model IS NOT NULL) FROM matches m "
        "JOIN statements r ON r.statement_id = m.report_id WHERE r.actor_type IN ('osint', 'independent_media', 'intl_org')"
    ).fetchone()
    con.close()
    assert after == before + 2
    # Stored at embedding speed, then the monitors' pairs scored batch by batch in the writer before the page returns;
    # other governments' pairs land from the background scorer.
    assert waiting == 0 and scored > 0
    assert _pending_after_background(app_db) == 0
    statuses = [getattr(e, "label", "") for e in at.status]
    assert any(label.startswith("Scored ") and "pairs" in label for label in statuses), statuses
    assert any("mod-2022-02-22.txt: added" in s.value.replace("\\", "") for s in at.success), [s.value for s in at.success]
    assert any(e.value.startswith(r"blank\.md") for e in at.error), [e.value for e in at.error]
    labels = [link.proto.label for link in at.get("page_link")]
    assert any("battalion near Kharkiv" in label.replace("\\", "") for label in labels), labels


def test_actors_filters_come_from_the_url(app_db):
    at = open_page("actors", {"type": "osint"})
    assert not at.exception
    assert at.multiselect(key="type").value == ["osint"]
    table = at.dataframe[0].value if at.dataframe else None
    assert table is not None and set(table["actor_type"]) == {"osint"}


def test_data_page_shows_database_facts(app_db):
    at = open_page("data")
    facts = dict(zip(at.table[0].value.iloc[:, 0], at.table[0].value.iloc[:, 1]))
    assert facts["Schema version"] == str(SCHEMA_VERSION)
    assert facts["Statements"] == "13"
    assert len([b for b in at.get("download_button")]) == 8  # statements, matches, verdicts, audit: CSV and Parquet


def test_sign_in_is_required_when_auth_is_configured(app_db):
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                          "client_id": "id", "client_secret": "secret",
                          "server_metadata_url": "https://id.example.org/.well-known/openid-configuration"}
    at.run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Log in"]
    assert not at.metric and not at.get("plotly_chart")


def test_without_auth_the_app_is_open(app_db):
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert "Log in" not in [b.label for b in at.button]
    assert at.metric


def test_first_upload_creates_the_database(empty_db):
    at = open_page("upload")
    at.text_area(key="text").set_value(UPLOAD_TEXT)
    at.text_input(key="publisher").set_value("Russian MoD")
    at.text_input(key="title").set_value("Barracks")
    at = at.button[0].click().run()
    assert not at.exception, at.exception
    assert any("pasted text: added" in s.value.replace("\\", "") for s in at.success), [s.value for s in at.success]
    overview = open_page("overview")
    metrics = {m.label: m.value for m in overview.metric}
    assert metrics["Documents"] == "1" and metrics["Government claims"] == "2"


def test_actor_edit_goes_through_the_writer_and_retypes_statements(app_db):
    at = open_page("actors", {"actor": "Rochan Consulting"})
    assert not at.exception
    assert at.selectbox(key="actor").value == "Rochan Consulting"
    at.selectbox(key="edit_type-Rochan Consulting").set_value("independent_media")
    at.text_input(key="edit_aliases-Rochan Consulting").set_value("Rochan, Rochan Consulting Sp. z o.o.")
    at = at.button[-1].click().run()
    assert not at.exception, at.exception
    assert any("saved" in s.value for s in at.success)
    con = duckdb.connect(str(app_db))
    try:
        actor = con.execute("SELECT actor_type, aliases FROM actors WHERE actor = 'Rochan Consulting'").fetchone()
        types = con.execute("SELECT DISTINCT actor_type FROM statements WHERE actor = 'Rochan Consulting'").fetchall()
    finally:
        con.close()
    assert actor == ("independent_media", ["Rochan", "Rochan Consulting Sp. z o.o."])
    assert types == [("independent_media",)]


def test_review_answers_become_labelled_verdicts_and_recalibrate(app_db):
    at = open_page("review")
    assert not at.exception
    assert "pairs without a verdict" in " ".join(h.value for h in at.subheader)
    first = [b for b in at.button if b.key and b.key.startswith("contradicts-")][0]
    at = first.click().run()
    assert not at.exception
    con = duckdb.connect(str(app_db))
    try:
        rows = con.execute("SELECT claim_id, report_id, verdict, label, stance_seen FROM verdicts").fetchall()
        stance = con.execute("SELECT stance FROM matches WHERE claim_id = ? AND report_id = ?", rows[0][:2]).fetchone()[0]
    finally:
        con.close()
    assert len(rows) == 1 and rows[0][3] == "contradicts" and rows[0][4] == stance
    assert rows[0][2] == ("confirmed" if stance == "contradicts" else "rejected")
    assert first.key == f"contradicts-{rows[0][0]}-{rows[0][1]}"
    assert "1 verdicts (1 with the analyst's stance)" in " ".join(t.value for t in at.text)
    at = [b for b in at.button if b.label.startswith("Recalibrate from 1 verdicts")][0].click().run()
    assert not at.exception
    assert any("Calibration fitted." in s.value for s in at.success)
    assert any("calibrated on **1** verdicts" in m.value for m in at.markdown)


def _pending_after_background(path, wait_s: float = 120) -> int:
    """Pairs still waiting once the app's background scorer has had up to wait_s seconds."""
    import time

    from crosscheck.ui import upload

    deadline = time.monotonic() + wait_s
    while upload._background.locked() and time.monotonic() < deadline:
        time.sleep(0.2)
    with duckdb.connect(str(path)) as con:
        return con.execute("SELECT count(*) FROM matches WHERE pending").fetchone()[0]


def test_the_pairs_of_an_open_claim_that_wait_are_scored_by_the_background_scorer(app_db, claim_ids):
    """The Claim page only reads: it asks the background scorer for its claim's pairs and draws them when they land."""
    import time

    from crosscheck.ui.resources import open_reader

    claim = claim_ids["withdraw"]
    with duckdb.connect(str(app_db)) as con:
        # As an upload leaves them: stored, waiting for the scorer.
        con.execute("UPDATE matches SET pending = true, scored_at = NULL WHERE claim_id = ?", [claim])
        waiting = con.execute("SELECT count(*) FROM matches WHERE pending AND claim_id = ?", [claim]).fetchone()[0]
    assert waiting > 0
    at = open_page("claim", {"claim": claim})
    assert not at.exception, at.exception
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        left, scored = open_reader().execute(
            "SELECT count(*) FILTER (WHERE pending), count(*) FILTER (WHERE scored_at IS NOT NULL) FROM matches WHERE claim_id = ?",
            [claim]).fetchone()
        if not left:
            break
        time.sleep(0.5)
    assert left == 0 and scored >= waiting
    at = at.run()
    assert not at.exception, at.exception
    assert not any("wait for their scores" in i.value for i in at.info)
    assert any("contradiction" in m.value for m in at.markdown)
