"""Overview: headline figures and the timeline; a clicked point lists the claims behind it."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from crosscheck import analytics, charts
from crosscheck.dates import shift
from crosscheck.ui import cache, urls
from crosscheck.ui.resources import data_version, db_path
from crosscheck.ui.widgets import claim_link, empty_database_notice, escape_markdown, follow_toggle

st.title("Crosscheck")
st.caption("What governments claim, next to what independent monitors report.")

path, version = db_path(), data_version()
if version == "empty":
    empty_database_notice()
    st.stop()

figures = cache.headline_figures(path, version)
cols = st.columns(6)
for col, (key, label) in zip(cols, [
    ("documents", "Documents"), ("statements", "Statements"), ("claims", "Government claims"),
    ("reports", "Monitor reports"), ("pairs", "Matched pairs"), ("contested_claims", "Contested claims"),
]):
    col.metric(label, f"{figures.get(key, 0):,}", help=(
        "contradicted by at least two independent sources (distinct actors) with a calibrated label; "
        f"{figures.get('contradicted_claims', 0):,} claims have at least one contradicting pair"
    ) if key == "contested_claims" else None)

promised = cache.promises(path, version, dt.date.today())["status"].value_counts()
if broken_or_overdue := int(promised.get("broken", 0) + promised.get("overdue", 0)):
    st.page_link(urls.script("promises"), query_params={"status": ["broken", "overdue"]}, icon=":material/event_busy:",
                 label=f"Promises: {int(promised.get('broken', 0)):,} broken, {int(promised.get('overdue', 0)):,} overdue "
                       f"(of {int(promised.sum()):,}) — see them on the Promises page")

if waiting := cache.pending_count(path, version):
    st.caption(f":material/hourglass_top: {waiting:,} matched pairs are waiting to be scored (after an upload, in the "
               "background; the Upload page resumes an interrupted one); these figures and charts count scored pairs only.")

TOP_GROUPS = 10
# Options are the words shown and the values in the URL (bound widgets store the shown label).
FREQS = {"week": "W", "day": "D"}
METRICS = {"contradiction": "contradiction_share", "similarity": "mean_similarity"}
GROUPINGS = {"all": None, "actors": "actor_pair", "storyline": "storyline"}
EVIDENCE = {"monitors": "monitors", "other governments": "governments"}
VIEWS = ("timeline", "events")
chart_col, evidence_col = st.columns(2)
view = chart_col.segmented_control(
    "Chart", list(VIEWS), default="timeline", key="view", bind="query-params", required=True,
    help="timeline: share or similarity per period; events: each claim and its reports in time, one row per storyline",
)
evidence = EVIDENCE[evidence_col.segmented_control(
    "Evidence from", list(EVIDENCE), default="monitors", key="evidence", bind="query-params", required=True,
    help="monitors: OSINT groups, independent media, international bodies (the headline series); "
         "other governments: statements of governments about another government's claims, kept apart",
)]
if view == "events":
    events, rows = cache.storyline_events(path, version, evidence)
    st.caption(
        "One row per storyline (the most matched first), one line per claim: ◆ the claim, then each report at "
        "its date — red contradicts, green supports, orange uncertain, grey unrelated; the surer the model, "
        "the darker. Row labels: claims, and how many scored reports contradict, with the 95 % interval. "
        f"Each row draws its {analytics.EVENT_CLAIMS} claims with the most reports; its counts cover them all."
    )
    event = st.plotly_chart(charts.events_figure(events, rows), key="events", on_select="rerun",
                            selection_mode="points", width="stretch")
    points = (event.selection.points if event else None) or []
    if points and points[0].get("customdata"):
        claim_id, report_id = points[0]["customdata"][0], points[0]["customdata"][1] or None
        chosen = events[events["claim_id"] == claim_id].iloc[0]
        claim_link(claim_id, f"{chosen['claim_actor'] or 'unknown'}: {chosen['claim_text']}", report_id)
    else:
        st.caption("Click a mark to open its claim.")
    a, b = st.columns([3, 1], vertical_alignment="bottom")
    storyline = a.selectbox("Follow a storyline", cache.storyline_labels(path, version), index=None,
                            placeholder="choose a storyline", key="follow_storyline",
                            help="its new claims and their new evidence appear on What's new")
    if storyline:
        with b:
            follow_toggle("storyline", storyline, f"the storyline {storyline}", key="follow-storyline")
    st.stop()

left, middle, right = st.columns(3)
freq = FREQS[left.segmented_control("Period", list(FREQS), default="week", key="freq", bind="query-params", required=True)]
metric = METRICS[middle.segmented_control(
    "Metric", list(METRICS), default="contradiction", key="metric", bind="query-params", required=True,
    help="contradiction: share of scored reports that contradict the claims; similarity: mean cosine similarity",
)]
by = GROUPINGS[right.segmented_control(
    "Group by", list(GROUPINGS), default="all", key="by", bind="query-params", required=True,
    help="all: one line; actors: government actor → monitor; storyline: claims clustered by meaning",
)]
frame = cache.timeline(path, version, freq, by, evidence)
groups = frame.groupby("group")["pairs"].sum().sort_values(ascending=False, kind="stable") if not frame.empty else None
if groups is not None and len(groups) > TOP_GROUPS:
    # Dozens of lines are unreadable: keep the groups with the most matched pairs.
    frame = frame[frame["group"].isin(groups.index[:TOP_GROUPS])]
    st.caption(f"The {TOP_GROUPS} of {len(groups)} groups with the most matched pairs.")
undated = cache.undated_pairs(path, version, evidence)
if undated:
    st.caption(f"{undated:,} matched pairs whose claim has no date are not on the timeline; the Claims page lists them.")
figure = charts.timeline_figure(frame, metric=metric, freq=freq)
figure.update_layout(height=480)
event = st.plotly_chart(
    figure, key="timeline", on_select="rerun",
    selection_mode="points", width="stretch",
)
points = (event.selection.points if event else None) or []
if points and points[0].get("customdata"):
    # The clicked point goes into the URL so the view it opens can be shared too.
    st.query_params["period"] = str(points[0]["customdata"][0])
    st.query_params["group"] = str(points[0]["customdata"][1])

period, group = st.query_params.get("period"), st.query_params.get("group")
if not period:
    st.caption("Click a point to list the claims behind it.")
    st.stop()

try:
    start = dt.date.fromisoformat(period)
except ValueError:
    st.error(escape_markdown(f"period {period!r} in the link is not a date (YYYY-MM-DD)"))
    st.stop()
behind = cache.pairs_at(path, version, start.isoformat(), group, freq, by, evidence)
end = shift(start, 6 if freq == "W" else 0)
st.subheader(f"Claims of {start:%d %b %Y}" + (f" – {end:%d %b %Y}" if end != start else ""))
st.caption(escape_markdown(group or "all groups"))
if behind.empty:
    st.info("No matched pairs at this point.")
    st.stop()

actor = None
if by == "actor_pair" and group:
    # The group's actors are columns of the timeline, not parsed from its label.
    actors = frame.loc[frame["group"] == group, "claim_actor"].dropna()
    actor = actors.iloc[0] if not actors.empty else None
claims_params = urls.claims_filter(start=start, end=end, actor=actor)
st.page_link(urls.script("claims"), label="Open these in Claims", icon=":material/filter_list:", query_params=claims_params)
for claim_id, rows in behind.groupby("claim_id", sort=False):
    first = rows.iloc[0]
    contradicting = int((rows["stance"] == "contradicts").sum())
    with st.container(border=True):
        claim_link(claim_id, f"{first['claim_actor'] or 'unknown'}: {first['claim_text']}")
        st.caption(f"{len(rows)} reports, {contradicting} contradicting")
