"""Promises: forward-looking claims with their due date and a status that follows the evidence, filtered by URL."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from crosscheck import charts, promises
from crosscheck.export import to_csv_text
from crosscheck.ui import cache, urls
from crosscheck.ui.resources import data_version, db_path
from crosscheck.ui.widgets import empty_database_notice

st.title("Promises")
st.caption(
    "Promises, plans, announced deadlines and denials of intent among the claims, with the date they fall due. "
    "**broken**: a monitor report contradicts it on or after its due date (a denial: the act itself, whenever it "
    "comes); **kept**: a report supports it on or after its due date; **overdue**: the date has passed with no "
    "report either way; **pending**: not due yet, or open-ended with no deciding report. An analyst's verdict on "
    "the deciding pair overrides the model."
)
path, version = db_path(), data_version()
if version == "empty":
    empty_database_notice()
    st.stop()

frame = cache.promises(path, version, dt.date.today())
with st.container(border=True):
    a, b, c = st.columns(3)
    actors = a.multiselect("Actor", sorted(frame["actor"].dropna().unique()), key="actor", bind="query-params")
    statuses = b.multiselect("Status", list(promises.STATUSES), key="status", bind="query-params")
    kinds = c.multiselect("Kind", list(promises.KINDS), key="kind", bind="query-params",
                          help="promise: a plan, deadline or assurance; denial: a denial of intent (\"no plans to attack\")")
shown = frame
if actors:
    shown = shown[shown["actor"].isin(actors)]
if statuses:
    shown = shown[shown["status"].isin(statuses)]
if kinds:
    shown = shown[shown["kind"].isin(kinds)]
counts = shown["status"].value_counts()
st.caption(f"{len(shown):,} promises · " + " · ".join(f"{counts.get(s, 0):,} {s}" for s in promises.STATUSES))

if shown.empty:
    st.info("No promises match these filters." if len(frame) else "No promises among the claims yet.")
    st.stop()
st.plotly_chart(charts.promises_figure(shown), width="stretch", key="promises_chart")

table = promises.for_export(shown)
table.insert(0, "link", [urls.claim_link(c, r or None) for c, r in zip(table["claim_id"], table["report_id"])])
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    column_order=["link", "status", "actor", "text", "stated_on", "due_on", "report_on", "lag_days", "report_actor",
                  "report_text", "decided_by", "kind"],
    column_config={
        "link": st.column_config.LinkColumn("Claim", display_text="view", help="The claim and the deciding report"),
        "status": "Status",
        "actor": "Actor",
        "text": st.column_config.TextColumn("Promise", width="medium"),
        "stated_on": st.column_config.TextColumn("Made"),
        "due_on": st.column_config.TextColumn("Due", help="empty: open-ended (no date given)"),
        "report_on": st.column_config.TextColumn("Decided on"),
        "lag_days": st.column_config.NumberColumn("Days after", help="from the promise to the deciding report"),
        "report_actor": "Decided by report of",
        "report_text": st.column_config.TextColumn("Deciding report", width="medium"),
        "decided_by": st.column_config.TextColumn("Stance from", help="model, or an analyst's verdict on the pair"),
        "kind": "Kind",
    },
)
st.download_button("Download CSV", to_csv_text(table.drop(columns="link")), file_name="promises.csv",
                   mime="text/csv", icon=":material/download:")
