from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crosscheck import analytics, charts


def frame() -> pd.DataFrame:
    pairs = pd.DataFrame({
        "claim_id": ["c1", "c1", "c2", "c3"],
        "report_id": ["r1", "r2", "r3", "r4"],
        "claim_actor": ["Kremlin", "Kremlin", "Kremlin", "Belarus MoD"],
        "report_actor": ["CIT", "CIT", "CIT", "CIT"],
        "claim_date": pd.to_datetime(["2022-02-15", "2022-02-15", "2022-02-22", "2022-02-16"]),
        "report_date": pd.to_datetime(["2022-02-17", "2022-02-17", "2022-02-23", "2022-02-18"]),
        "similarity": [0.8, 0.6, 0.4, 0.5],
        "stance": ["contradicts", "supports", "contradicts", None],
        "lag_days": [2, 2, 1, -3],
    })
    return pairs


def test_timeline_figure_has_one_trace_per_group_with_points_and_customdata():
    table = analytics.timeline(frame(), freq="W", by="actor_pair")
    fig = charts.timeline_figure(table, metric="contradiction_share")
    assert [t.name for t in fig.data] == ["Belarus MoD → CIT", "Kremlin → CIT"]
    kremlin = fig.data[1]
    assert kremlin.mode == "lines+markers"
    assert [pd.Timestamp(x) for x in kremlin.x] == [pd.Timestamp("2022-02-14"), pd.Timestamp("2022-02-21")]
    assert list(kremlin.y) == pytest.approx([0.5, 1.0])
    # customdata: period, group, pairs, claims, contradicting, scored — enough to open the claims behind a point —
    # and the group escaped for the hover label
    assert [list(c) for c in kremlin.customdata] == [["2022-02-14", "Kremlin → CIT", 2, 1, 1, 2, "Kremlin → CIT"],
                                                     ["2022-02-21", "Kremlin → CIT", 1, 1, 1, 1, "Kremlin → CIT"]]
    assert "pairs" in kremlin.hovertemplate and "claims" in kremlin.hovertemplate
    belarus = fig.data[0]
    assert pd.isna(belarus.y[0])  # nothing scored: no share, rather than a made-up 0


def test_timeline_figure_mean_similarity_and_bad_metric():
    table = analytics.timeline(frame(), freq="D", by=None)
    fig = charts.timeline_figure(table, metric="mean_similarity", freq="D")
    assert len(fig.data) == 1
    y = pd.Series(fig.data[0].y)
    assert list(y.dropna()) == pytest.approx([0.7, 0.5, 0.4])
    # Days without pairs are gaps (NaN breaks the line), not points joined across them.
    assert y.isna().any() and fig.data[0].connectgaps is False
    assert fig.layout.yaxis.title.text == "Mean similarity"
    with pytest.raises(ValueError, match="metric"):
        charts.timeline_figure(table, metric="nonsense")


def test_empty_frames_give_a_figure_with_a_message():
    fig = charts.timeline_figure(analytics.timeline(frame().iloc[0:0]))
    assert len(fig.data) == 0
    assert "No matched pairs" in fig.layout.annotations[0].text
    assert len(charts.lag_histogram(frame().iloc[0:0]).data) == 0


def test_lag_histogram_stacks_lags_by_stance():
    fig = charts.lag_histogram(frame())
    by_name = {t.name: sorted(t.x) for t in fig.data}
    assert by_name == {"contradicts": [1, 2], "supports": [2], "unscored": [-3]}
    assert fig.layout.barmode == "stack"


def test_charts_module_does_not_import_streamlit():
    import crosscheck.charts as module

    source = Path(module.__file__).read_text()
    assert "import streamlit" not in source


def test_contradiction_shares_carry_their_wilson_interval():
    low, high = analytics.wilson_interval(np.array([1, 10, 0]), np.array([2, 20, 0]))
    assert low[0] < 0.2 and high[0] > 0.8  # one of two: almost anything
    assert 0.29 < low[1] < 0.3 and 0.7 < high[1] < 0.71  # ten of twenty: narrower
    assert np.isnan(low[2]) and np.isnan(high[2])
    table = analytics.timeline(frame(), freq="W", by="actor_pair")
    fig = charts.timeline_figure(table, metric="contradiction_share")
    kremlin = fig.data[1]
    assert kremlin.error_y.array[0] > 0 and kremlin.error_y.arrayminus[0] > 0
    assert kremlin.marker.size[0] > kremlin.marker.size[1]  # two scored pairs against one


def _with_texts(pairs: pd.DataFrame) -> pd.DataFrame:
    return pairs.assign(
        contradiction=[0.9, 0.2, 0.6, None], support=[0.05, 0.7, 0.1, None],
        claim_text=["We are pulling back.", "We are pulling back.", "<b>No</b> strikes on towns.", "Drills end."],
        report_text=["No pullback seen.", "Units left.", "A strike hit a town.", "Troops stay."],
    )


def test_storyline_events_count_each_row_with_its_interval_and_thread_each_claim():
    lines = pd.DataFrame({"claim_id": ["c1", "c2", "c3"], "storyline": [0, 1, 0],
                          "storyline_label": ["Withdrawal", "Strikes", "Withdrawal"]})
    events, rows = analytics.storyline_events(_with_texts(frame()), lines)
    assert rows["label"].tolist() == ["Withdrawal", "Strikes"]  # most pairs first
    first = rows.iloc[0]
    assert (first["claims"], first["pairs"], first["scored"], first["contradicting"], first["supporting"]) == (2, 3, 2, 1, 1)
    low, high = analytics.wilson_interval(np.array([1]), np.array([2]))
    assert (first["share"], first["share_low"], first["share_high"]) == pytest.approx((0.5, low[0], high[0]))
    # A claim's reports share its thread (its y); two claims of one row get two threads inside the row's band.
    y = events.groupby("claim_id")["y"].agg(["min", "max"])
    assert (y["min"] == y["max"]).all()
    assert y.loc["c1", "min"] != y.loc["c3", "min"] and abs(y.loc["c1", "min"] - y.loc["c3", "min"]) < 1
    assert events.loc[events["report_id"] == "r1", "bearing"].item() == pytest.approx(0.9)
    # Only rows kept: max_rows=1 keeps the storyline with the most pairs.
    few, kept = analytics.storyline_events(_with_texts(frame()), lines, max_rows=1)
    assert kept["label"].tolist() == ["Withdrawal"] and set(few["claim_id"]) == {"c1", "c3"}


def test_events_figure_marks_claims_and_reports_and_escapes_user_text():
    lines = pd.DataFrame({"claim_id": ["c1", "c2", "c3"], "storyline": [0, 1, 0],
                          "storyline_label": ["Withdrawal", "<a href='x'>Strikes</a>", "Withdrawal"]})
    fig = charts.events_figure(*analytics.storyline_events(_with_texts(frame()), lines))
    names = [t.name for t in fig.data]
    assert "claim" in names and "contradicts" in names and "supports" in names
    claim = fig.data[names.index("claim")]
    assert claim.marker.symbol == "diamond" and len(claim.x) == 3
    red = fig.data[names.index("contradicts")]
    assert sorted(c[1] for c in red.customdata) == ["r1", "r3"]  # customdata opens the pair
    assert red.marker.opacity[0] != red.marker.opacity[1]  # surer, darker
    ticks = list(fig.layout.yaxis.ticktext)
    assert "1 of 2 contradict" in ticks[0] and "<a href" not in ticks[1] and "&lt;a href" in ticks[1]
    assert all("<b>" not in str(c[3]) for c in fig.data[names.index("contradicts")].customdata)
    assert "No dated pairs" in charts.events_figure(*analytics.storyline_events(frame().iloc[0:0], lines)).layout.annotations[0].text
