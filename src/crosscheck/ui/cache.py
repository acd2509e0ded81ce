"""Heavy page reads cached per database version, so reruns stay fast and uploads show at once."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from crosscheck import analytics, match
from crosscheck.config import MatchSettings
from crosscheck.db import reads
from crosscheck.ui.resources import open_reader


def _cursor(path: str):
    """A cursor of the shared connection; use it in a `with` block so it is closed after the read."""
    return open_reader(path)


@st.cache_data(show_spinner=False, max_entries=16)
def headline_figures(path: str, version: str) -> dict:
    """Documents, statements, claims, reports, contradicted claims."""
    with _cursor(path) as con:
        return reads.headline_figures(con)


@st.cache_data(show_spinner=False, max_entries=16)
def pairs(path: str, version: str) -> pd.DataFrame:
    """Every scored pair joined with both statements (analytics.pairs_frame)."""
    with _cursor(path) as con:
        return analytics.pairs_frame(con)


@st.cache_data(show_spinner=False, max_entries=16)
def evidence_pairs(path: str, version: str, evidence: str) -> pd.DataFrame:
    """The pairs of one kind of evidence (analytics.evidence_pairs), filtered once per data version."""
    return analytics.evidence_pairs(pairs(path, version), evidence)


@st.cache_data(show_spinner="Grouping claims into storylines…", max_entries=16)
def storylines(path: str, version: str) -> pd.DataFrame:
    """claim_id → storyline, storyline_label."""
    with _cursor(path) as con:
        return analytics.assign_storylines(con)


@st.cache_data(show_spinner=False, max_entries=64)
def timeline(path: str, version: str, freq: str, by: str | None, evidence: str = "monitors") -> pd.DataFrame:
    """The Overview time series of one kind of evidence (analytics.EVIDENCE)."""
    frame = evidence_pairs(path, version, evidence)
    lines = storylines(path, version) if by == "storyline" else None
    return analytics.timeline(frame, freq=freq, by=by, storylines=lines)


@st.cache_data(show_spinner=False, max_entries=16)
def filter_options(path: str, version: str) -> dict:
    """Choices for the Claims filters."""
    with _cursor(path) as con:
        return reads.claim_filter_options(con)


@st.cache_data(show_spinner=False, max_entries=64)
def claims(
    path: str,
    version: str,
    actors: tuple[str, ...],
    countries: tuple[str, ...],
    start: dt.date | None,
    end: dt.date | None,
    stance: str | None,
    min_contradiction: float,
    search: str,
    claim_ids: tuple[str, ...] | None,
    standings: tuple[str, ...] = (),
) -> pd.DataFrame:
    """The filtered claims table."""
    with _cursor(path) as con:
        return reads.list_claims(
            con, actors=actors, countries=countries, start=start, end=end, stance=stance,
            min_contradiction=min_contradiction, search=search, claim_ids=claim_ids, standings=standings,
        )


@st.cache_data(show_spinner=False, max_entries=256)
def claim_reports(path: str, version: str, claim_id: str, window: int, threshold: float, top_k: int) -> pd.DataFrame:
    """Reports of one claim under the given settings."""
    settings = MatchSettings(window_days=window, top_k=top_k, threshold=threshold)
    with _cursor(path) as con:
        return match.claim_reports(con, claim_id, settings)


@st.cache_data(show_spinner=False, max_entries=16)
def verdict_pairs(path: str, version: str) -> pd.DataFrame:
    """Every verdict with its pair's current and raw scores (crosscheck.review)."""
    with _cursor(path) as con:
        return reads.verdict_pairs(con)


@st.cache_data(show_spinner=False, max_entries=16)
def calibration(path: str, version: str) -> dict | None:
    """The workspace's calibration from verdicts, as a dict, or None."""
    from dataclasses import asdict

    from crosscheck.review import stored_calibration

    with _cursor(path) as con:
        found = stored_calibration(con)
    return asdict(found) if found else None
