"""Navigation, sign-in and the pages each role sees, kept out of app.py so tests can import it."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from crosscheck import roles
from crosscheck.ui import cache, urls
from crosscheck.ui.access import auth_configured, current_identity, show_queued_writes
from crosscheck.ui.upload import keep_scoring, waiting_pairs
from crosscheck.ui.widgets import escape_markdown

FAVICON = Path(__file__).parent / "assets" / "favicon.png"


def require_login() -> bool:
    """Show the sign-in screen unless the user is logged in; True when the app may render."""
    if not auth_configured():
        return True
    if st.user.get("is_logged_in", False):
        return True
    st.title("Crosscheck")
    st.write("Sign in to use this Crosscheck workspace.")
    st.button("Log in", on_click=st.login, type="primary")
    return False


def show_identity(who: roles.Identity) -> None:
    """Who is signed in, their role, and the log-out button; or that the workspace is read-only."""
    with st.sidebar:
        if who.signed_in:
            st.caption(f"Signed in as {escape_markdown(who.label)} · role: **{who.role}**")
            st.button("Log out", on_click=st.logout)
        if who.read_only:
            st.caption(":material/lock: Read-only workspace: pages show the evidence; nothing can be changed here.")


def run_app() -> None:
    """Page config, optional sign-in, navigation with one stable url_path per page (write pages by role)."""
    # The icon ships with the app: a ":material/…:" or emoji icon makes every visitor's browser fetch it from a CDN.
    st.set_page_config(page_title="Crosscheck", page_icon=str(FAVICON), layout="wide")
    if not require_login():
        return
    try:
        who = current_identity()
    except roles.RolesConfigError as e:
        st.error(escape_markdown(str(e)))
        return
    show_identity(who)
    show_queued_writes()  # a click that waits behind an upload says so, on whichever page comes next
    keep_scoring(waiting_pairs())  # the background scorer, not a page, scores what waits
    if who.role == roles.NO_ACCESS:
        st.title("Crosscheck")
        st.warning(escape_markdown(f"{who.label} has no access to this workspace: ask one of its admins for a role."))
        return
    # The default page is served at "/" only (its url_path would answer "Page not found"), so a
    # hidden default forwards to /overview, keeping one stable URL per page, parameters included.
    pages = [st.Page(_open_overview, title="Crosscheck", url_path="home", default=True, visibility="hidden")]
    listed = [*urls.PAGES, *([urls.ACCESS] if auth_configured() else [])]
    waiting = cache.whats_new_count(who.user_id)  # beside What's new in the navigation
    for page in listed:
        allowed = page.name not in urls.WRITE_PAGES or who.may(urls.WRITE_PAGES[page.name])
        title = f"{page.title} ({waiting})" if page.name == "new" and waiting else page.title
        pages.append(st.Page(page.script, title=title, url_path=page.name, icon=page.icon,
                             visibility="visible" if allowed else "hidden"))
    st.navigation(pages).run()


def _open_overview() -> None:
    st.switch_page(urls.script("overview"), query_params=st.query_params.to_dict())
