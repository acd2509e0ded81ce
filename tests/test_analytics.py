from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from typed_docs import add_document, set_stance

from crosscheck import analytics
from crosscheck.config import MatchSettings
from crosscheck.db import connection, reads

FEB15 = dt.date(2022, 2, 15)  # a Tuesday
LOOSE = MatchSettings(window_days=14, top_k=10, threshold=0.2)
WITHDRAW = [
    "Russian forces will partially withdraw from the border after the drills.",
    "Troops are being withdrawn from the border with Ukraine.",
    "The withdrawal of Russian troops from the Ukrainian border has begun.",
]
GRAIN = [
    "The grain corridor will stay open for Ukrainian grain exports.",
    "Grain shipments from Odesa will continue under the grain deal.",
]


@pytest.fixture
def founding(db, embedder):
    """Kremlin claim on 15 Feb, contradicted by CIT and NATO two days later, supported by a newsroom."""
    claim, _ = add_document(db, embedder, [(WITHDRAW[0], "Kremlin", "government")], FEB15, title="Kremlin readout")
    reports, _ = add_document(
        db, embedder,
        [
            ("New armoured columns are moving toward the border, not away from it.", "Conflict Intelligence Team", "osint"),
            ("We see no sign of withdrawal of Russian forces from the border.", "NATO", "intl_org"),
            ("Some Russian units withdrew from the border after the drills, images show.", "The Insider", "independent_media"),
        ],
        FEB15 + dt.timedelta(days=2), title="Monitors", publisher="Monitor Weekly", url="https://example.org/monitors",
        settings=LOOSE,
    )
    set_stance(db, claim[0], reports[0], "contradicts", 0.9)
    set_stance(db, claim[0], reports[1], "contradicts", 0.8)
    set_stance(db, claim[0], reports[2], "supports", 0.1)
    db.execute(
        "INSERT INTO verdicts (claim_id, report_id, verdict, analyst, decided_at) VALUES (?, ?, 'confirmed', 'analyst', now()::TIMESTAMP)", [claim[0], reports[0]]
    )
    return claim, reports


def test_pairs_frame_joins_texts_actors_documents_and_verdicts(db, founding):
    claim, reports = founding
    pairs = analytics.pairs_frame(db)
    assert list(pairs.columns) == reads.PAIR_COLUMNS
    assert sorted(pairs["report_id"]) == sorted(reports)
    row = pairs.set_index("report_id").loc[reports[0]]
    assert row["claim_id"] == claim[0]
    assert row["claim_text"] == WITHDRAW[0]
    assert row["claim_actor"] == "Kremlin" and row["claim_actor_type"] == "government"
    assert row["report_actor"] == "Conflict Intelligence Team" and row["report_actor_type"] == "osint"
    assert row["claim_date"] == pd.Timestamp(FEB15)
    assert row["report_date"] == pd.Timestamp(2022, 2, 17)
    assert row["lag_days"] == 2
    assert row["stance"] == "contradicts" and row["contradiction"] == pytest.approx(0.9)
    assert row["report_title"] == "Monitors" and row["report_url"] == "https://example.org/monitors"
    assert row["report_publisher"] == "Monitor Weekly" and row["claim_title"] == "Kremlin readout"
    assert row["verdict"] == "confirmed"
    assert pd.isna(pairs.set_index("report_id").loc[reports[1], "verdict"])


def test_claim_country_comes_from_the_actor_table(db, founding):
    db.execute("INSERT OR REPLACE INTO actors (actor, actor_type, country) VALUES ('Kremlin', 'government', 'Russia')")
    assert set(analytics.pairs_frame(db)["claim_country"]) == {"Russia"}


def test_headline_figures_count_claims_reports_and_contradicted_claims(db, embedder, founding):
    # Two months later: outside every report's window, so it adds a claim but no pair.
    add_document(db, embedder, [(GRAIN[0], "Kremlin", "government"), ("It rained.", None, None)], FEB15 + dt.timedelta(days=60))
    figures = reads.headline_figures(db)
    assert figures == {
        "documents": 3, "statements": 6, "claims": 2, "reports": 3, "pairs": 3, "contradicted_claims": 1,
        "contested_claims": 1, "corroborated_claims": 0,  # CIT and NATO: two independent sources
    }


def test_a_claim_is_contested_only_when_independent_sources_agree(db, founding):
    claim, reports = founding
    row = reads.list_claims(db).set_index("claim_id").loc[claim[0]]
    assert (row["contradicting_sources"], row["supporting_sources"], row["standing"]) == (2, 1, "contested")
    # One source alone, however confident, leaves the claim open.
    set_stance(db, claim[0], reports[1], "uncertain", 0.4)
    row = reads.list_claims(db).set_index("claim_id").loc[claim[0]]
    assert (row["contradicting_sources"], row["standing"]) == (1, "open")
    assert reads.headline_figures(db)["contested_claims"] == 0
    assert list(reads.list_claims(db, standings=["open"])["claim_id"]) == [claim[0]]
    assert reads.list_claims(db, standings=["contested"]).empty
    # Two supporting sources and no contradiction: corroborated.
    set_stance(db, claim[0], reports[0], "supports", 0.1)
    set_stance(db, claim[0], reports[1], "supports", 0.1)
    assert reads.list_claims(db).set_index("claim_id").loc[claim[0], "standing"] == "corroborated"


def test_empty_and_schemaless_databases_give_empty_results(db):
    bare = connection.connect(":memory:")
    try:
        for con in (db, bare):
            assert reads.headline_figures(con)["claims"] == 0
            assert analytics.pairs_frame(con).empty
            assert analytics.assign_storylines(con).empty
            assert list(analytics.pairs_frame(con).columns) == reads.PAIR_COLUMNS
    finally:
        bare.close()
    empty = analytics.timeline(analytics.pairs_frame(db))
    assert empty.empty and list(empty.columns) == analytics.TIMELINE_COLUMNS


def test_storylines_group_claims_by_topic_and_label_them(db, embedder):
    add_document(db, embedder, [(t, "Kremlin", "government") for t in WITHDRAW], FEB15)
    ids, _ = add_document(db, embedder, [(t, "Russian MoD", "government") for t in GRAIN] + [("Inflation fell to four percent in January.", "Central Bank", "government")], FEB15)
    stories = analytics.assign_storylines(db)
    assert list(stories.columns) == analytics.STORYLINE_COLUMNS
    assert len(stories) == 6
    by_text = dict(db.execute("SELECT statement_id, text FROM statements").fetchall())
    story = {by_text[c]: s for c, s in zip(stories["claim_id"], stories["storyline"])}
    assert len({story[t] for t in WITHDRAW}) == 1
    assert len({story[t] for t in GRAIN}) == 1
    assert story[WITHDRAW[0]] != story[GRAIN[0]]
    assert story[WITHDRAW[0]] == 0  # the largest storyline comes first
    labels = dict(zip(stories["storyline"], stories["storyline_label"]))
    assert "grain" in labels[story[GRAIN[0]]]
    assert any(w in labels[0] for w in ("border", "troops", "withdraw", "withdrawal"))
    again = analytics.assign_storylines(db)
    pd.testing.assert_frame_equal(stories, again)
    forced = analytics.assign_storylines(db, n=2)
    assert forced["storyline"].nunique() == 2


@pytest.mark.parametrize("claims", [1, 2])
def test_storylines_work_on_one_or_two_claims(db, embedder, claims):
    add_document(db, embedder, [(t, "Kremlin", "government") for t in (WITHDRAW[0], GRAIN[0])[:claims]], FEB15)
    stories = analytics.assign_storylines(db)
    assert len(stories) == claims
    assert stories["storyline"].min() == 0
    assert stories["storyline_label"].str.len().gt(0).all()


def hand_pairs() -> pd.DataFrame:
    """Six pairs over two weeks; shares worked out by hand in the tests below."""
    rows = [
        # claim, claim actor, report actor, claim date, similarity, stance
        ("c1", "Kremlin", "CIT", "2022-02-15", 0.8, "contradicts"),
        ("c1", "Kremlin", "NATO", "2022-02-15", 0.6, "supports"),
        ("c2", "Kremlin", "CIT", "2022-02-16", 0.4, "contradicts"),
        ("c2", "Kremlin", "CIT", "2022-02-16", 0.5, None),  # unscored: not in the share's denominator
        ("c3", "Belarus MoD", "CIT", "2022-02-21", 0.7, "discusses"),
        ("c3", "Belarus MoD", "CIT", "2022-02-21", 0.3, "contradicts"),
    ]
    frame = pd.DataFrame(rows, columns=["claim_id", "claim_actor", "report_actor", "claim_date", "similarity", "stance"])
    frame["report_id"] = [f"r{i}" for i in range(len(frame))]
    frame["claim_date"] = pd.to_datetime(frame["claim_date"])
    frame["report_date"] = frame["claim_date"] + pd.Timedelta(days=3)
    return frame


def test_timeline_by_week_and_actor_pair_hand_checked():
    out = analytics.timeline(hand_pairs(), freq="W", by="actor_pair").set_index(["period", "group"])
    week1, week2 = pd.Timestamp("2022-02-14"), pd.Timestamp("2022-02-21")  # Mondays
    assert sorted(out.index) == [(week1, "Kremlin → CIT"), (week1, "Kremlin → NATO"), (week2, "Belarus MoD → CIT")]
    kc = out.loc[(week1, "Kremlin → CIT")]
    assert kc["pairs"] == 3 and kc["claims"] == 2 and kc["scored"] == 2 and kc["contradicting"] == 2
    assert kc["contradiction_share"] == pytest.approx(1.0)
    assert kc["mean_similarity"] == pytest.approx((0.8 + 0.4 + 0.5) / 3)
    assert out.loc[(week1, "Kremlin → NATO"), "contradiction_share"] == 0.0
    assert out.loc[(week2, "Belarus MoD → CIT"), "contradiction_share"] == pytest.approx(0.5)


def test_timeline_by_day_overall_and_by_report_date():
    pairs = hand_pairs()
    daily = analytics.timeline(pairs, freq="D", by=None).set_index("period")
    assert daily.index.tolist() == [pd.Timestamp(d) for d in ("2022-02-15", "2022-02-16", "2022-02-21")]
    assert set(daily["group"]) == {analytics.ALL_GROUP}
    assert daily["contradiction_share"].tolist() == pytest.approx([0.5, 1.0, 0.5])
    assert daily["claims"].tolist() == [1, 1, 1]
    by_report = analytics.timeline(pairs, freq="D", by=None, date="report")
    assert by_report["period"].min() == pd.Timestamp("2022-02-18")


def test_timeline_by_storyline_and_unscored_cells():
    pairs = hand_pairs()
    stories = pd.DataFrame({"claim_id": ["c1", "c2", "c3"], "storyline": [0, 0, 1], "storyline_label": ["withdrawal", "withdrawal", "belarus"]})
    out = analytics.timeline(pairs, freq="W", by="storyline", storylines=stories).set_index("group")
    assert out.loc["withdrawal", "pairs"] == 4
    assert out.loc["withdrawal", "contradiction_share"] == pytest.approx(2 / 3)
    pairs["stance"] = None
    assert analytics.timeline(pairs, by=None)["contradiction_share"].isna().all()
    with pytest.raises(ValueError, match="storylines"):
        analytics.timeline(hand_pairs(), by="storyline")
    with pytest.raises(ValueError, match="frequency"):
        analytics.timeline(hand_pairs(), freq="M")


def test_pairs_at_returns_the_pairs_behind_a_point():
    pairs = hand_pairs()
    point = analytics.pairs_at(pairs, "2022-02-14", "Kremlin → CIT", freq="W", by="actor_pair")
    # In the order of reads.pair_rows: claim date, claim, then the most similar report first.
    assert point["report_id"].tolist() == ["r0", "r3", "r2"]
    assert analytics.pairs_at(pairs, "2022-02-21", None, freq="W", by=None)["claim_id"].unique().tolist() == ["c3"]


def test_claims_frame_picks_strongest_reports(db, founding):
    claim, reports = founding
    table = analytics.claims_frame(analytics.pairs_frame(db)).set_index("claim_id")
    row = table.loc[claim[0]]
    assert row["pairs"] == 3 and row["contradicting"] == 2 and row["supporting"] == 1
    assert row["top_contradicting_id"] == reports[0]  # contradiction 0.9 beats 0.8
    assert row["top_supporting_id"] == reports[2]
    assert row["max_contradiction"] == pytest.approx(0.9)
    assert np.isfinite(row["max_similarity"])


def test_the_headline_series_holds_monitors_and_other_governments_are_apart(db, embedder, founding):
    claim, _ = founding
    ukraine, _ = add_document(db, embedder, [("We see no withdrawal of Russian troops from our border.", "Ukrainian government",
                                               "government")], FEB15 + dt.timedelta(days=1), settings=LOOSE)
    pairs = analytics.pairs_frame(db)

    def of(evidence: str) -> pd.DataFrame:  # every pair of one kind of evidence, week by week (all are dated)
        weeks = analytics.timeline(db, by=None, evidence=evidence)["period"]
        return pd.concat([analytics.pairs_at(db, week, by=None, evidence=evidence) for week in weeks])

    monitors, governments = of("monitors"), of("governments")
    assert set(monitors["report_actor_type"]) == {"osint", "intl_org", "independent_media"}
    # Each government is evidence about the other's claim; neither is in the headline series.
    assert set(governments["report_id"]) == {ukraine[0], claim[0]} and len(monitors) + len(governments) == len(pairs)
    assert analytics.timeline(db, by=None, evidence="monitors")["pairs"].sum() == len(monitors)
    with pytest.raises(ValueError, match="unknown evidence"):
        analytics.timeline(db, evidence="everyone")


def test_storyline_labels_read_like_headlines():
    assert analytics.headline("Defence Ministry spokesman Igor Konashenkov said the Russian armed forces do not strike "
                              "civilian targets in Mariupol.") == "The Russian armed forces do not strike civilian targets in Mariupol."
    assert analytics.headline('Putin said “a decision has been taken to partially withdraw forces” after the talks.') == (
        "A decision has been taken to partially withdraw forces")
    assert analytics.headline("The ministry said on Thursday that the drills had ended.") == "The drills had ended."
    long = analytics.headline("The troops " + "will return to their bases " * 10)
    assert len(long) <= analytics.HEADLINE_CHARS and long.endswith("…")
