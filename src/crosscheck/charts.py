"""Charts: plotly figures built from analytics frames. Pure functions; no streamlit here."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

METRICS = {
    "contradiction_share": "Share of reports contradicting",
    "mean_similarity": "Mean similarity",
}
STANCE_COLOURS = {
    "contradicts": "#d62728",
    "supports": "#2ca02c",
    "uncertain": "#ff9f1c",
    "discusses": "#1f77b4",
    "unrelated": "#7f7f7f",
    "unscored": "#bcbd22",
}


def _empty(message: str, title: str = "") -> go.Figure:
    fig = go.Figure()
    fig.update_layout(
        title=title, xaxis={"visible": False}, yaxis={"visible": False},
        annotations=[{"text": message, "showarrow": False, "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5}],
    )
    return fig


def timeline_figure(
    frame: pd.DataFrame, metric: str = "contradiction_share", freq: str = "W", date: str = "claim"
) -> go.Figure:
    """Lines and markers per group over time for one metric of `analytics.timeline`.

    Each point's customdata is [period (ISO date), group, pairs, claims, contradicting, scored],
    so a click handler can find the pairs behind the point with `analytics.pairs_at`. Shares carry
    their 95 % Wilson interval as error bars, points grow with the pairs scored, and lines break over
    periods without pairs.
    """
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; use one of {', '.join(METRICS)}")
    title = METRICS[metric]
    if frame.empty:
        return _empty("No matched pairs in this selection yet.", title)
    fig = go.Figure()
    period_word = "Day" if freq == "D" else "Week of"
    step = pd.Timedelta(days=1 if freq == "D" else 7)
    share = metric == "contradiction_share"
    for group, rows in frame.sort_values("period").groupby("group", sort=True):
        rows = rows.assign(period=pd.to_datetime(rows["period"])).set_index("period")
        # Empty periods break the line: a line drawn over weeks with no pairs would suggest data there.
        full = pd.date_range(rows.index.min(), rows.index.max(), freq=step) if len(rows) > 1 else rows.index
        rows = rows.reindex(full.union(rows.index))
        periods = pd.Series(rows.index)
        counts = {c: rows[c].fillna(0).astype(int).to_numpy() for c in ("pairs", "claims", "contradicting", "scored")}
        custom = list(zip(periods.dt.strftime("%Y-%m-%d"), [group] * len(rows), counts["pairs"], counts["claims"],
                          counts["contradicting"], counts["scored"]))
        y = rows[metric].to_numpy(dtype=float)
        error = None
        if share:
            error = {"type": "data", "symmetric": False, "array": rows["share_high"].to_numpy(dtype=float) - y,
                     "arrayminus": y - rows["share_low"].to_numpy(dtype=float), "thickness": 1, "width": 3}
        fig.add_trace(go.Scatter(
            x=periods, y=y, mode="lines+markers", name=str(group), connectgaps=False,
            customdata=custom, error_y=error,
            # More scored pairs, bigger point: a share of 2 pairs should not look like one of 200.
            marker={"size": [6 + 2 * min(n, 64) ** 0.5 for n in counts["scored"]]},
            # %{customdata[1]} is user data (actor names); plotly renders hover text as text, not HTML markup we build.
            hovertemplate=(
                f"{period_word} %{{customdata[0]}}<br>%{{customdata[1]}}<br>"
                f"{title}: %{{y:.2f}}<br>%{{customdata[2]}} pairs, %{{customdata[3]}} claims, "
                "%{customdata[4]} of %{customdata[5]} scored contradicting<extra></extra>"
            ),
        ))
    fig.update_layout(
        title=title, xaxis_title=f"{date.capitalize()} date", yaxis_title=title,
        yaxis={"range": [0, 1.05]}, legend_title_text="", hovermode="closest",
    )
    return fig


def lag_histogram(pairs: pd.DataFrame, nbins: int = 29) -> go.Figure:
    """Distribution of report lag after the claim (days; negative = report before claim), stacked by stance."""
    title = "Days from claim to report"
    if pairs.empty or pairs["lag_days"].dropna().empty:
        return _empty("No dated pairs yet.", title)
    fig = go.Figure()
    stances = pairs["stance"].fillna("unscored")
    for stance in STANCE_COLOURS:
        lags = pd.to_numeric(pairs.loc[stances == stance, "lag_days"], errors="coerce").dropna()
        if lags.empty:
            continue
        fig.add_trace(go.Histogram(
            x=lags.astype(int), name=stance, marker_color=STANCE_COLOURS[stance], nbinsx=nbins,
            hovertemplate="%{x} days: %{y} pairs<extra>" + stance + "</extra>",
        ))
    fig.update_layout(title=title, barmode="stack", xaxis_title="Report date − claim date (days)", yaxis_title="Pairs")
    return fig
