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
    # customdata: period, group, pairs, claims, contradicting, scored — enough to open the claims behind a point
    assert [list(c) for c in kremlin.customdata] == [["2022-02-14", "Kremlin → CIT", 2, 1, 1, 2], ["2022-02-21", "Kremlin → CIT", 1, 1, 1, 1]]
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
