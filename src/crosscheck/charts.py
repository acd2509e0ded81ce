"""Charts: plotly figures built from analytics frames. Pure functions; no streamlit here."""

from __future__ import annotations

import html

import numpy as np
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

    Each point's customdata is [period (ISO date), group, pairs, claims, contradicting, scored, group escaped],
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
        # customdata[1] is the group as stored (the click handler looks its pairs up by it); [6] is the same
        # name escaped for the hover label, since plotly reads tags (<b>, <a href>, <span style>) in labels as markup.
        shown = html.escape(str(group))
        custom = list(zip(periods.dt.strftime("%Y-%m-%d"), [group] * len(rows), counts["pairs"], counts["claims"],
                          counts["contradicting"], counts["scored"], [shown] * len(rows)))
        y = rows[metric].to_numpy(dtype=float)
        error = None
        if share:
            error = {"type": "data", "symmetric": False, "array": rows["share_high"].to_numpy(dtype=float) - y,
                     "arrayminus": y - rows["share_low"].to_numpy(dtype=float), "thickness": 1, "width": 3}
        fig.add_trace(go.Scatter(
            x=periods, y=y, mode="lines+markers", name=shown, connectgaps=False,
            customdata=custom, error_y=error,
            # More scored pairs, bigger point: a share of 2 pairs should not look like one of 200.
            marker={"size": [6 + 2 * min(n, 64) ** 0.5 for n in counts["scored"]]},
            hovertemplate=(
                f"{period_word} %{{customdata[0]}}<br>%{{customdata[6]}}<br>"
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


def events_figure(events: pd.DataFrame, rows: pd.DataFrame) -> go.Figure:
    """Claims and their reports as events in time: one row per storyline, one thread per claim.

    A black diamond is the claim on its date; each report sits on the claim's thread at its own date
    (the line between them is the lag), coloured by stance, more opaque the more the model is sure
    (the higher of contradiction and support). Row labels carry the counts and the contradicting
    share with its 95 % Wilson interval. Each mark's customdata is [claim_id, report_id or ""].
    """
    title = "Claims and the reports about them"
    if events.empty:
        return _empty("No dated pairs in this selection yet.", title)
    fig = go.Figure()
    # One line per pair from the claim's date to the report's, broken by a None between pairs.
    xs = np.column_stack([events["claim_date"].astype(object), events["report_date"].astype(object),
                          np.full(len(events), None)]).ravel().tolist()
    ys = np.column_stack([events["y"].astype(object), events["y"].astype(object), np.full(len(events), None)]).ravel().tolist()
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line={"color": "#c8c8c8", "width": 1}, hoverinfo="skip",
                             showlegend=False))
    stances = events["stance"].fillna("unscored")
    for stance, colour in STANCE_COLOURS.items():
        marks = events[stances == stance]
        if marks.empty:
            continue
        opacity = (0.25 + 0.75 * ((marks["bearing"].astype(float) - 0.3) / 0.4).clip(0, 1)).tolist()
        fig.add_trace(go.Scatter(
            x=marks["report_date"], y=marks["y"], mode="markers", name=stance,
            marker={"color": colour, "size": 9, "opacity": opacity, "line": {"width": 0}},
            customdata=list(zip(marks["claim_id"], marks["report_id"], marks["report_actor"].fillna("unknown").map(html.escape),
                                marks["report_text"].str.slice(0, 140).map(html.escape))),
            hovertemplate="%{x|%d %b %Y} · %{customdata[2]}<br>%{customdata[3]}<extra>" + stance + "</extra>",
        ))
    claims = events.drop_duplicates("claim_id")
    fig.add_trace(go.Scatter(
        x=claims["claim_date"], y=claims["y"], mode="markers", name="claim",
        marker={"symbol": "diamond", "color": "#222222", "size": 10},
        customdata=list(zip(claims["claim_id"], [""] * len(claims), claims["claim_actor"].fillna("unknown").map(html.escape),
                            claims["claim_text"].str.slice(0, 140).map(html.escape))),
        hovertemplate="%{x|%d %b %Y} · %{customdata[2]}<br>%{customdata[3]}<extra>claim</extra>",
    ))

    def tick(r) -> str:
        label = str(r["label"])
        # User text in plotly's labels is escaped: they read a few tags (<b>, <a href>) as markup.
        label = html.escape(label if len(label) <= 60 else label[:57] + "…")
        share = "" if pd.isna(r["share"]) else (
            f" · {r['share']:.0%} ({r['share_low']:.0%}–{r['share_high']:.0%})")
        return f"{label}<br>{int(r['claims'])} claims · {int(r['contradicting'])} of {int(r['scored'])} contradict{share}"

    fig.update_layout(
        title=title, hovermode="closest", legend_title_text="",
        yaxis={"tickmode": "array", "tickvals": rows["row"].tolist(), "ticktext": [tick(r) for _, r in rows.iterrows()],
               "autorange": "reversed", "zeroline": False},
        xaxis_title="Date", height=max(360, 70 * len(rows) + 120),
    )
    return fig


PROMISE_COLOURS = {"broken": "#d62728", "overdue": "#ff9f1c", "kept": "#2ca02c", "pending": "#7f7f7f"}


def promises_figure(promises: pd.DataFrame) -> go.Figure:
    """One row per promise: ● when it was made, ◆ when it fell due, and ✕ the report that decided it, coloured by
    status (broken red, overdue orange, kept green, pending grey); the line runs from the promise to the later of
    its due date and its deciding report. Each mark's customdata is [claim_id, report_id or ""]."""
    title = "Promises and what happened after"
    dated = promises[promises["stated_on"].notna()].reset_index(drop=True)
    if dated.empty:
        return _empty("No dated promises in this selection.", title)
    # Escaped for plotly's labels (it reads a few tags), quotes left as they are (it shows &quot; literally).
    labels = [html.escape(f"{a or 'unknown'}: {t if len(t) <= 70 else t[:67] + '…'}", quote=False)
              for a, t in zip(dated["actor"], dated["text"].astype(str))]
    y = list(range(len(dated)))
    fig = go.Figure()
    ends = [max(d for d in (s, due, rep) if d is not None and not pd.isna(d))
            for s, due, rep in zip(dated["stated_on"], dated["due_on"], dated["report_on"])]
    xs = np.column_stack([dated["stated_on"].astype(object), np.array(ends, dtype=object),
                          np.full(len(dated), None)]).ravel().tolist()
    ys = np.column_stack([np.array(y, dtype=object), np.array(y, dtype=object), np.full(len(dated), None)]).ravel().tolist()
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line={"color": "#c8c8c8", "width": 2}, hoverinfo="skip",
                             showlegend=False))
    texts = dated["text"].astype(str).str.slice(0, 140).map(lambda t: html.escape(t, quote=False))
    for status, colour in PROMISE_COLOURS.items():
        rows = dated.index[dated["status"] == status]
        if len(rows) == 0:
            continue
        part = dated.loc[rows]
        fig.add_trace(go.Scatter(
            x=part["stated_on"], y=[y[i] for i in rows], mode="markers", name=f"{status}: made",
            legendgroup=status, showlegend=False, marker={"symbol": "circle", "color": colour, "size": 9},
            customdata=list(zip(part["claim_id"], [""] * len(part), texts.loc[rows])),
            hovertemplate="made %{x|%d %b %Y}<br>%{customdata[2]}<extra>" + status + "</extra>",
        ))
        due = part[part["due_on"].notna()]
        if len(due):
            fig.add_trace(go.Scatter(
                x=due["due_on"], y=[y[i] for i in due.index], mode="markers", name=f"{status}: due",
                legendgroup=status, showlegend=False,
                marker={"symbol": "diamond-open", "color": colour, "size": 11, "line": {"width": 2}},
                customdata=list(zip(due["claim_id"], [""] * len(due), texts.loc[due.index])),
                hovertemplate="due %{x|%d %b %Y}<br>%{customdata[2]}<extra>" + status + "</extra>",
            ))
        decided = part[part["report_on"].notna()]
        fig.add_trace(go.Scatter(
            x=decided["report_on"] if len(decided) else [None], y=[y[i] for i in decided.index] if len(decided) else [None],
            mode="markers", name=status, legendgroup=status,
            marker={"symbol": "x", "color": colour, "size": 12},
            customdata=list(zip(decided["claim_id"], decided["report_id"].fillna(""),
                                decided["report_actor"].fillna("unknown").map(lambda t: html.escape(t, quote=False)),
                                decided["report_text"].fillna("").astype(str).str.slice(0, 140)
                                .map(lambda t: html.escape(t, quote=False)))),
            hovertemplate="%{x|%d %b %Y} · %{customdata[2]}<br>%{customdata[3]}<extra>" + status + "</extra>",
        ))
    fig.update_layout(
        title=title, hovermode="closest", legend_title_text="",
        yaxis={"tickmode": "array", "tickvals": y, "ticktext": labels, "autorange": "reversed", "zeroline": False},
        xaxis_title="Date", height=max(300, 34 * len(dated) + 140),
    )
    return fig
