"""Navigation and sign-in, kept out of app.py so tests can import it."""

from __future__ import annotations

import streamlit as st

# Page scripts live in views/, not pages/: with a pages/ folder next to app.py, Streamlit runs a
# deep link opened first after a restart (e.g. /claim?claim=…) in its old folder mode, without
# app.py, its navigation or its page config.
PAGES = [
    ("views/overview.py", "Overview", "overview", ":material/timeline:"),
    ("views/claims.py", "Claims", "claims", ":material/fact_check:"),
    ("views/claim.py", "Claim", "claim", ":material/article:"),
    ("views/review.py", "Review", "review", ":material/rule:"),
    ("views/upload.py", "Upload", "upload", ":material/upload:"),
    ("views/actors.py", "Actors", "actors", ":material/groups:"),
    ("views/data.py", "Data", "data", ":material/download:"),
]


def auth_configured() -> bool:
    """True when secrets.toml has an [auth] section (then sign-in is required)."""
    # A missing secrets file means no sign-in; a malformed one raises, so the app never opens silently.
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False


def require_login() -> bool:
    """Show the sign-in screen unless the user is logged in; True when the app may render."""
    if not auth_configured():
        return True
    if st.user.get("is_logged_in", False):
        with st.sidebar:
            st.caption(f"Signed in as {st.user.get('email') or st.user.get('name') or 'analyst'}")
            st.button("Log out", on_click=st.logout)
        return True
    st.title("Crosscheck")
    st.write("Sign in to use this Crosscheck workspace.")
    st.button("Log in", on_click=st.login, type="primary")
    return False


def run_app() -> None:
    """Page config, optional sign-in, navigation with one stable url_path per page."""
    st.set_page_config(page_title="Crosscheck", page_icon=":material/fact_check:", layout="wide")
    if not require_login():
        return
    # The default page is served at "/" only (its url_path would answer "Page not found"), so a
    # hidden default forwards to /overview, keeping one stable URL per page, parameters included.
    pages = [st.Page(_open_overview, title="Crosscheck", url_path="home", default=True, visibility="hidden")]
    pages += [st.Page(path, title=title, url_path=url, icon=icon) for path, title, url, icon in PAGES]
    st.navigation(pages).run()


def _open_overview() -> None:
    st.switch_page(PAGES[0][0], query_params=st.query_params.to_dict())
