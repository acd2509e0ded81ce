"""Crosscheck dashboard: page config, optional sign-in, navigation (see crosscheck.ui.nav)."""

from crosscheck.ui.nav import run_app

run_app()
