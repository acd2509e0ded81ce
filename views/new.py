"""What's new: what arrived for the claims, actors, storylines and searches the signed-in person follows."""

from __future__ import annotations

import streamlit as st

from crosscheck.db import reads, writes
from crosscheck.ui import cache, urls
from crosscheck.ui.access import current_identity, finish_or_queue, submit
from crosscheck.ui.resources import data_version, db_path, read
from crosscheck.ui.widgets import empty_database_notice, escape_markdown

st.title("What's new")
path, version = db_path(), data_version()
if version == "empty":
    empty_database_notice()
    st.stop()
who = current_identity()
following = read(reads.follows, who.user_id)
st.caption(
    "New evidence, stance changes and new claims for what you follow, since you last marked this page read. Follow a "
    "claim on its page, an actor on the Actors page, a storyline under the Overview's events chart, a Claims search "
    "on the Claims page; `crosscheck alerts` prints the same as JSON or Atom."
)
if following.empty:
    st.info("You follow nothing yet.")
    st.page_link(urls.script("claims"), label="Find claims to follow", icon=":material/fact_check:")
    st.stop()

marker = read(reads.follow_marker, who.user_id)
events = cache.whats_new(path, version, who.user_id, marker)


def _mark_read() -> None:
    finish_or_queue(submit("follow", "what's new", writes.mark_read, who.user_id), "marking What's new read")


left, right = st.columns([3, 1])
left.subheader(f"{len(events)} new" if len(events) else "Nothing new")
if who.may("follow") and len(events):
    right.button("Mark all read", on_click=_mark_read, icon=":material/done_all:")
if len(events):
    table = events.assign(at=events["at"].astype(str).str.slice(0, 16), report_on=events["report_on"].astype(str))
    st.dataframe(
        table, hide_index=True, width="stretch",
        column_order=["link", "at", "event", "stance", "contradiction", "report_actor", "report_text", "claim_actor",
                      "claim_text", "followed"],
        column_config={
            "link": st.column_config.LinkColumn("Claim", display_text="view"),
            "at": st.column_config.TextColumn("When (UTC)"),
            "event": "What",
            "stance": "Stance",
            "contradiction": st.column_config.ProgressColumn("Contradiction", min_value=0.0, max_value=1.0, format="%.2f"),
            "report_actor": "Report by",
            "report_text": st.column_config.TextColumn("Report", width="medium"),
            "claim_actor": "Claim by",
            "claim_text": st.column_config.TextColumn("Claim", width="medium"),
            "followed": "Because you follow",
        },
    )

with st.expander(f"You follow {len(following)}"):
    for row in following.itertuples(index=False):
        st.markdown(f"**{escape_markdown(row.kind)}** · {escape_markdown(row.label or row.target)}")
