"""Actors: the registry; edit type, country and aliases, confirm inferred actors (through the writer)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from crosscheck.config import ACTOR_TYPES
from crosscheck.db import reads, writes
from crosscheck.errors import CrosscheckError
from crosscheck.ui.access import QUEUED, current_identity, finish_or_queue, submit
from crosscheck.ui.resources import data_version, read
from crosscheck.ui.widgets import actor_changes, aliases_text, empty_database_notice, escape_markdown, follow_toggle

st.title("Actors")
st.caption(
    "Who counts as a government (claims) and who as a monitor (reports). Changing a type re-types "
    "that actor's statements; actors found in uploads but not in the registry are listed unconfirmed."
)
if data_version() == "empty":
    empty_database_notice()
    st.stop()

a, b = st.columns([3, 1])
types = a.multiselect("Type", ACTOR_TYPES, key="type", bind="query-params")
unconfirmed = b.toggle("Unconfirmed only", key="unconfirmed", bind="query-params")

table = read(reads.list_actors)
if types:
    table = table[table["actor_type"].isin(types)]
if unconfirmed:
    table = table[~table["confirmed"].astype(bool)]
table = table.reset_index(drop=True)
table["aliases"] = table["aliases"].map(aliases_text)
columns = ["actor", "actor_type", "country", "aliases", "confirmed"] + [c for c in ("statements",) if c in table.columns]
view = table[columns].copy()
edits = table.reindex(columns=["edited_by", "edited_at"])
column_config = {
    "actor": "Actor",
    "actor_type": st.column_config.SelectboxColumn("Type", options=list(ACTOR_TYPES), required=True),
    "country": st.column_config.TextColumn("Country"),
    "aliases": st.column_config.TextColumn("Aliases (comma-separated)", width="large"),
    "confirmed": st.column_config.CheckboxColumn("Confirmed"),
    "statements": st.column_config.NumberColumn("Statements"),
    "edited_by": st.column_config.TextColumn("Last edited by"),
    "edited_at": st.column_config.DatetimeColumn("Edited (UTC)", format="YYYY-MM-DD HH:mm"),
}
who = current_identity()
can_edit = who.may("edit_actor")


def _save(name: str, change: dict):
    """The change saved, or QUEUED behind an upload (the page then says so)."""
    return finish_or_queue(submit("edit_actor", name, writes.update_actor, name, **change, by=who.user_id),
                           f"the change to {name}")


if not can_edit:  # the registry as a table: nothing here takes an edit
    st.dataframe(view.join(edits), key="actors_table", hide_index=True, width="stretch", column_config=column_config)
else:
    edited = st.data_editor(
        view,
        key="actors_editor",
        hide_index=True,
        width="stretch",
        disabled=[c for c in columns if c not in ("actor_type", "country", "aliases", "confirmed")],
        column_config=column_config,
    )
    changes = actor_changes(view, edited)
    if st.button(f"Save {len(changes)} changes", type="primary", disabled=not changes, icon=":material/save:"):
        failed = False
        for change in changes:
            name = change.pop("actor")
            try:
                _save(name, change)
            except CrosscheckError as e:
                failed = True
                st.error(escape_markdown(f"{name}: {e}"))
        if not failed:
            st.session_state.pop("actors_editor", None)
            st.rerun()

st.subheader("Edit one actor" if can_edit else "One actor")
every = read(reads.list_actors)
every["aliases"] = every["aliases"].map(aliases_text)
name = st.selectbox("Actor", list(every["actor"]), index=None, placeholder="choose an actor", key="actor", bind="query-params")
if name is not None and name in set(every["actor"]):
    current = every[every["actor"] == name].reset_index(drop=True)
    follow_toggle("actor", name, f"the claims of {name}", key="follow-actor")
    edited_by, edited_at = current.at[0, "edited_by"], current.at[0, "edited_at"]
    if isinstance(edited_by, str) and edited_by:
        st.caption(escape_markdown(f"Last edited by {edited_by} on {pd.Timestamp(edited_at):%Y-%m-%d %H:%M} UTC"))
if name is not None and name in set(every["actor"]) and not can_edit:
    row = current.iloc[0]
    st.markdown(
        f"**{escape_markdown(name)}** · type **{escape_markdown(row['actor_type'])}**"
        + (f" · {escape_markdown(row['country'])}" if isinstance(row["country"], str) and row["country"] else "")
        + (f" · aliases: {escape_markdown(row['aliases'])}" if row["aliases"] else "")
        + (" · confirmed" if bool(row["confirmed"]) else " · unconfirmed")
    )
elif name is not None and name in set(every["actor"]):
    known_country = current.at[0, "country"] if isinstance(current.at[0, "country"], str) else ""
    with st.form(f"edit-{name}"):
        a, b, c = st.columns([1, 1, 2])
        actor_type = a.selectbox("Type", ACTOR_TYPES, index=list(ACTOR_TYPES).index(current.at[0, "actor_type"])
                                 if current.at[0, "actor_type"] in ACTOR_TYPES else 0, key=f"edit_type-{name}")
        country = b.text_input("Country", value=known_country, key=f"edit_country-{name}")
        aliases = c.text_input("Aliases (comma-separated)", value=current.at[0, "aliases"], key=f"edit_aliases-{name}")
        confirmed = st.checkbox("Confirmed", value=bool(current.at[0, "confirmed"]), key=f"edit_confirmed-{name}")
        if st.form_submit_button("Save", type="primary", icon=":material/save:"):
            edited_row = current.copy()
            edited_row.loc[0, ["actor_type", "country", "aliases", "confirmed"]] = [actor_type, country, aliases, confirmed]
            for change in actor_changes(current, edited_row):
                change.pop("actor")
                try:
                    if _save(name, change) is not QUEUED:
                        st.success(escape_markdown(f"{name}: saved"))
                except CrosscheckError as e:
                    st.error(escape_markdown(f"{name}: {e}"))
