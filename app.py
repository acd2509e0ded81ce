"""Crosscheck dashboard: page config, optional sign-in, navigation."""

import streamlit as st

from crosscheck.ui.nav import run_app

run_app()
