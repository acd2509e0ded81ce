"""Cached resources shared by every session: database, models, registry."""

from __future__ import annotations

import streamlit as st

from crosscheck import config, store


@st.cache_resource
def _database(path: str):
    return store.connect(path)


def open_reader():
    """A cursor of the shared connection for this rerun (one connection per thread via cursor())."""
    return _database(config.db_path()).cursor()
