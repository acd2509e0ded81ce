"""Access (admins, with sign-in only): who has which role, and roles given to people in this workspace."""

from __future__ import annotations

import streamlit as st

from crosscheck import roles
from crosscheck.db import reads, writes
from crosscheck.errors import CrosscheckError
from crosscheck.ui.access import QUEUED, current_identity, finish_or_queue, refuse_page, role_rules, submit
from crosscheck.ui.resources import data_version, read
from crosscheck.ui.widgets import escape_markdown

st.title("Access")
who = current_identity()
if not who.may("grant_role"):  # out of this person's navigation; opened by its URL anyway: refused and audited
    refuse_page("grant_role", "Access")
st.caption(
    "Roles: a viewer reads every page, opens shared links and downloads exports; an analyst also uploads, "
    "records verdicts and edits actors; an admin also gives people roles here. The [roles] section of the "
    "secrets comes first for the emails it lists; a role given here comes before its domains and its default."
)

st.subheader("From the secrets")
rules = role_rules()
rows = rules.describe()
st.table({"who": [r[0] for r in rows], "role": [r[1] for r in rows]})

st.subheader("Given in this workspace")
if data_version() == "empty":
    st.info("The database is empty: roles can be given once something has been uploaded.")
    st.stop()
if done := st.session_state.pop("grant_done", None):
    st.success(escape_markdown(done))
grants = read(reads.role_grants)
if grants.empty:
    st.info("No roles given here yet.")
else:
    st.dataframe(grants, key="grants_table", hide_index=True, width="stretch")

with st.form("grant", clear_on_submit=True):
    a, b = st.columns([3, 1])
    email = a.text_input("Email", key="grant_email", placeholder="name@example.org")
    role = b.selectbox("Role", [*roles.ASSIGNABLE, "remove the grant"], index=1, key="grant_role")
    if st.form_submit_button("Save", type="primary", icon=":material/save:"):
        chosen = None if role == "remove the grant" else role
        try:
            done = finish_or_queue(submit("grant_role", email.strip().lower(), writes.grant_role, email, chosen,
                                          by=who.user_id, roles=roles.ASSIGNABLE), f"the role of {email.strip().lower()}")
            if done is not QUEUED:
                st.session_state["grant_done"] = f"{email.strip().lower()}: {chosen or 'grant removed'}"
            st.rerun()
        except CrosscheckError as e:
            st.error(escape_markdown(str(e)))
