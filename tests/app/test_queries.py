"""The page queries on the small database: filters, reports under settings, context, verdicts."""

from __future__ import annotations

import pandas as pd
import pytest

from app.conftest import HOSTILE
from crosscheck import match
from crosscheck.config import MatchSettings
from crosscheck.db import connection, reads, schema, writes
from crosscheck.errors import StoreError
from crosscheck.ui.widgets import actor_changes, escape_markdown


@pytest.fixture
def con(app_db):
    con = connection.connect(app_db)
    yield con
    con.close()


def claim_id(con, word: str) -> str:
    return con.execute(
        "SELECT statement_id FROM statements WHERE actor_type = 'government' AND text LIKE ? ORDER BY 1", [f"%{word}%"]
    ).fetchone()[0]


def test_claims_are_filtered_by_actor_country_dates_and_text(con):
    every = reads.list_claims(con)
    assert len(every) == 8 and set(every["actor"]) == {"Russian government", "Belarusian Ministry of Defence"}
    assert set(reads.list_claims(con, countries=["Belarus"])["actor"]) == {"Belarusian Ministry of Defence"}
    day = pd.Timestamp("2022-02-15").date()
    on_day = reads.list_claims(con, start=day, end=day)
    expected = con.execute(
        "SELECT count(*) FROM statements WHERE actor_type = 'government' AND stated_on = ?", [day]).fetchone()[0]
    assert len(on_day) == expected >= 1
    assert (pd.to_datetime(on_day["stated_on"]).dt.date == day).all()
    found = reads.list_claims(con, search="WITHDRAW forces")
    assert list(found["claim_id"]) == [claim_id(con, "withdraw forces")]
    # LIKE wildcards in the search are literal characters.
    assert reads.list_claims(con, search="%").empty
    assert reads.list_claims(con, claim_ids=[]).empty


def test_claims_show_strongest_contradiction_and_filter_on_stance(con):
    claim = claim_id(con, "withdraw forces")
    report = con.execute(
        """SELECT m.report_id FROM matches m JOIN statements r ON r.statement_id = m.report_id
           WHERE m.claim_id = ? AND r.actor = 'Conflict Intelligence Team' ORDER BY m.similarity DESC""", [claim]
    ).fetchone()[0]
    # Scores set by hand, so the expectations do not depend on the stance model of the day.
    con.execute("UPDATE matches SET stance = 'unrelated', contradiction = 0.0, support = 0.0")
    con.execute("UPDATE matches SET stance = 'contradicts', contradiction = 0.9 WHERE claim_id = ? AND report_id = ?", [claim, report])
    contradicted = reads.list_claims(con, stance="contradicts")
    assert list(contradicted["claim_id"]) == [claim]
    assert contradicted["contradicting_id"].iloc[0] == report
    assert contradicted["contradicting_actor"].iloc[0] == "Conflict Intelligence Team"
    assert list(reads.list_claims(con, min_contradiction=0.5)["claim_id"]) == [claim]
    assert reads.list_claims(con, min_contradiction=0.95).empty
    with pytest.raises(StoreError, match="unknown stance"):
        reads.list_claims(con, stance="maybe")


def test_claim_reports_follow_window_threshold_and_top_k(con):
    claim = claim_id(con, "withdraw forces")
    default = match.claim_reports(con, claim)
    assert "Conflict Intelligence Team" in set(default["actor"])
    assert (default["similarity"] >= MatchSettings().threshold).all()
    loose = match.claim_reports(con, claim, MatchSettings(window_days=30, top_k=50, threshold=-1.0, per_source=50, source_sentences=50))
    # Every monitor statement and every statement of another country's government in the small database.
    evidence = con.execute(
        """SELECT count(*) FROM statements s LEFT JOIN actors a ON a.actor = s.actor
           WHERE NOT s.boilerplate AND (s.actor_type IN ('osint', 'independent_media', 'intl_org')
              OR (s.actor_type = 'government' AND a.country <> (
                  SELECT a2.country FROM statements c JOIN actors a2 ON a2.actor = c.actor WHERE c.statement_id = ?)))""",
        [claim],
    ).fetchone()[0]
    assert len(loose) == evidence > 5
    # By default one sentence per source (document and actor) is shown; up to three are candidates.
    one_each = match.claim_reports(con, claim, MatchSettings(window_days=30, top_k=50, threshold=-1.0))
    sources = len(set(zip(loose["doc_id"], loose["actor"])))
    assert one_each["shown"].sum() == sources == one_each["source"].nunique()
    assert (one_each.groupby("source").size() <= MatchSettings().source_sentences).all()
    best = loose.groupby("source", sort=False)["similarity"].max().tolist()
    assert best == sorted(best, reverse=True)  # sources in the order of their most similar sentence
    two = match.claim_reports(con, claim, MatchSettings(window_days=30, top_k=2, threshold=-1.0))
    assert two["shown"].sum() == 2 == two["source"].nunique()
    # Rochan's reports come 6 days after the claim: a 3-day window leaves them out.
    near = match.claim_reports(con, claim, MatchSettings(window_days=3, top_k=50, threshold=-1.0, source_sentences=50))
    assert "Rochan Consulting" in set(loose["actor"])
    assert "Rochan Consulting" not in set(near["actor"])
    assert "Conflict Intelligence Team" in set(near["actor"])
    assert (near["lag_days"].abs() <= 3).all()


def test_statement_context_cuts_the_document_at_the_sentence(con):
    claim = claim_id(con, "withdraw forces")
    context = reads.statement_context(con, claim, neighbours=1)
    assert context["sentence"] == "A decision has been taken to partially withdraw forces from the border area."
    assert context["before"].startswith("Units of the Western")
    assert context["after"].strip().startswith("The troops are loading")
    assert reads.statement_context(con, "missing") is None


def test_verdicts_are_validated_saved_replaced_and_cleared(con):
    claim = claim_id(con, "withdraw forces")
    report = con.execute("SELECT report_id FROM matches WHERE claim_id = ?", [claim]).fetchone()[0]
    with pytest.raises(StoreError, match="not one of confirmed, rejected"):
        writes.save_verdict(con, claim, report, "maybe")
    with pytest.raises(StoreError, match="no such claim and report"):
        writes.save_verdict(con, claim, "nope", "confirmed")
    version, claims = schema.data_version(con), schema.claims_version(con)
    writes.save_verdict(con, claim, report, "confirmed", analyst="ana@newsroom.test", analyst_name="Ana")
    assert schema.data_version(con) != version
    assert schema.claims_version(con) == claims  # a verdict changes no claim: their storylines stay cached
    writes.save_verdict(con, claim, report, "rejected", analyst="ana@newsroom.test", analyst_name="Ana")
    verdicts = reads.list_verdicts(con)
    assert list(verdicts[["claim_id", "report_id", "verdict", "analyst", "analyst_name"]].itertuples(index=False, name=None)) == [
        (claim, report, "rejected", "ana@newsroom.test", "Ana")]
    # Another analyst's verdict on the same pair is kept apart; without sign-in the analyst is anonymous.
    writes.save_verdict(con, claim, report, "confirmed")
    assert sorted(reads.list_verdicts(con)["analyst"]) == ["ana@newsroom.test", "anonymous"]
    assert sorted(reads.claim_verdicts(con, claim)["verdict"]) == ["confirmed", "rejected"]
    writes.save_verdict(con, claim, report, None, analyst="ana@newsroom.test")
    assert list(reads.list_verdicts(con)["analyst"]) == ["anonymous"]
    writes.save_verdict(con, claim, report, None)
    assert reads.list_verdicts(con).empty


def test_an_empty_file_has_no_schema(tmp_path):
    con = connection.connect(tmp_path / "new.duckdb")
    assert not schema.has_schema(con)
    assert schema.data_version(con) == schema.claims_version(con) == "empty"
    assert reads.database_facts(con) == {"schema_version": None}
    con.close()


def test_escaped_text_keeps_every_character_and_loses_all_markup():
    escaped = escape_markdown(HOSTILE + "\n\n    # heading")
    assert "<script>" not in escaped and "**" not in escaped and "](" not in escaped and ":red[" not in escaped
    assert "\n" not in escaped
    assert escaped.replace("\\", "") == HOSTILE + " # heading"


def test_actor_editor_changes_become_update_arguments():
    before = pd.DataFrame({"actor": ["CIT", "Kremlin"], "actor_type": ["osint", "government"], "country": [None, "Russia"],
                           "aliases": ["", "Moscow"], "confirmed": [False, True]})
    after = before.copy()
    after.loc[0, ["actor_type", "confirmed", "aliases"]] = ["osint", True, "CITeam, Conflict Intelligence"]
    after.loc[1, "country"] = "Russia"
    assert actor_changes(before, after) == [{"actor": "CIT", "aliases": ["CITeam", "Conflict Intelligence"], "confirmed": True}]
