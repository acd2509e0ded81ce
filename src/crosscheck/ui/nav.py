"""Navigation and sign-in, kept out of app.py so tests can import it."""

from __future__ import annotations

import streamlit as st

from crosscheck.ui.resources import open_reader


def run_app() -> None:
    st.set_page_config(page_title="Crosscheck", layout="wide")
    pages = [st.Page("pages/overview.py", title="Overview", url_path="overview", default=True)]
    st.navigation(pages).run()
