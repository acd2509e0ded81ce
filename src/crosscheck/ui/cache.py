"""Heavy page reads cached per database version, so reruns stay fast and uploads show at once."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from crosscheck import analytics, match
from crosscheck.config import MatchSettings
from crosscheck.db import reads, schema
from crosscheck.ui.resources import open_reader


def _cursor(path: str):
    """A cursor of the shared connection; use it in a `with` block so it is closed after the read."""
    return open_reader(path)


@st.cache_data(show_spinner=False, max_entries=16)
def database_facts(path: str, version: str) -> dict:
    """Schema, models and counts of the Data page (reads.database_facts)."""
    with _cursor(path) as con:
        return reads.database_facts(con)


@st.cache_data(show_spinner=False, max_entries=16)
def headline_figures(path: str, version: str) -> dict:
    """Documents, statements, claims, reports, contradicted claims."""
    with _cursor(path) as con:
        return reads.headline_figures(con)


@st.cache_resource(show_spinner="Grouping claims into storylines…", max_entries=4)
def _storylines(path: str, claims_version: str) -> pd.DataFrame:
    with _cursor(path) as con:
        return analytics.assign_storylines(con)


def storylines(path: str) -> pd.DataFrame:
    """claim_id → storyline, storyline_label. One frame shared by every session, never copied (a million
    claims unpickled on each rerun cost a second): callers must not change it. Kept while only pairs change
    (`schema.claims_version`): scoring an upload's pairs in the background does not group the claims again."""
    with _cursor(path) as con:
        claims = schema.claims_version(con)
    return _storylines(path, claims)


@st.cache_data(show_spinner=False, max_entries=64)
def timeline(path: str, version: str, freq: str, by: str | None, evidence: str = "monitors") -> pd.DataFrame:
    """The Overview time series of one kind of evidence (analytics.EVIDENCE), aggregated in DuckDB."""
    lines = storylines(path) if by == "storyline" else None
    with _cursor(path) as con:
        return analytics.timeline(con, freq=freq, by=by, storylines=lines, evidence=evidence)


@st.cache_data(show_spinner=False, max_entries=16)
def undated_pairs(path: str, version: str, evidence: str) -> int:
    """How many pairs of this evidence the timeline leaves out for want of a claim date."""
    with _cursor(path) as con:
        return analytics.undated_pairs(con, evidence=evidence)


@st.cache_data(show_spinner=False, max_entries=64)
def pairs_at(path: str, version: str, period: str, group: str | None, freq: str, by: str | None, evidence: str) -> pd.DataFrame:
    """The pairs behind one clicked timeline point (analytics.pairs_at)."""
    lines = storylines(path) if by == "storyline" else None
    with _cursor(path) as con:
        return analytics.pairs_at(con, pd.Timestamp(period), group, freq=freq, by=by, storylines=lines, evidence=evidence)


@st.cache_data(show_spinner="Placing claims and reports in time…", max_entries=16)
def storyline_events(path: str, version: str, evidence: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The events chart's marks and rows (analytics.storyline_events)."""
    lines = storylines(path)
    with _cursor(path) as con:
        return analytics.storyline_events(con, lines, evidence=evidence)


@st.cache_data(show_spinner=False, max_entries=32)
def review_queue(path: str, version: str, order: str, limit: int) -> tuple[pd.DataFrame, int]:
    """The first `limit` pairs of the review queue in this order, and how many pairs wait for a verdict."""
    from crosscheck import review

    with _cursor(path) as con:
        return review.queue(con, order, limit=limit), review.waiting(con)


@st.cache_data(show_spinner=False, max_entries=16)
def pending_count(path: str, version: str) -> int:
    """Stored pairs waiting for the scorer (the data version changes whenever a batch is scored)."""
    with _cursor(path) as con:
        return reads.pending_count(con)


@st.cache_data(show_spinner=False, max_entries=16)
def filter_options(path: str, version: str) -> dict:
    """Choices for the Claims filters."""
    with _cursor(path) as con:
        return reads.claim_filter_options(con)


@st.cache_data(show_spinner=False, max_entries=16)
def storyline_labels(path: str, version: str) -> list[str]:
    """The storylines' labels, sorted (the Claims page's Storyline filter)."""
    return sorted(set(storylines(path)["storyline_label"]))


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
    storyline: tuple[str, ...] = (),
    standings: tuple[str, ...] = (),
) -> pd.DataFrame:
    """The filtered claims table, with each claim's storyline; `storyline` keeps the claims of those storylines."""
    lines = storylines(path)
    claim_ids = tuple(lines.loc[lines["storyline_label"].isin(storyline), "claim_id"]) if storyline else None
    with _cursor(path) as con:
        frame = reads.list_claims(
            con, actors=actors, countries=countries, start=start, end=end, stance=stance,
            min_contradiction=min_contradiction, search=search, claim_ids=claim_ids, standings=standings,
        )
    shown = lines[lines["claim_id"].isin(frame["claim_id"])]
    return frame.assign(storyline=frame["claim_id"].map(dict(zip(shown["claim_id"], shown["storyline_label"]))))


@st.cache_data(show_spinner=False, max_entries=256)
def claim_standing(path: str, version: str, claim_id: str) -> pd.DataFrame:
    """One claim's row of the claims table (its standing and counts), empty when it is not a claim."""
    with _cursor(path) as con:
        return reads.list_claims(con, claim_ids=[claim_id])


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

    from crosscheck.models.calibration import stored_calibration

    with _cursor(path) as con:
        found = stored_calibration(con)
    return asdict(found) if found else None


@st.cache_data(show_spinner=False, max_entries=4)
def _promise_claims(path: str, claims_version: str) -> pd.DataFrame:
    from crosscheck import promises

    with _cursor(path) as con:
        return promises.find(con)


@st.cache_data(show_spinner=False, max_entries=16)
def promises(path: str, version: str, today: dt.date) -> pd.DataFrame:
    """Every promise with its status (crosscheck.promises.list_promises), as of `today`. Which claims are promises is
    kept while only pairs change (`schema.claims_version`), as the storylines are."""
    from crosscheck import promises as rules

    with _cursor(path) as con:
        found = _promise_claims(path, schema.claims_version(con))
        return rules.list_promises(con, today=today, found=found)


@st.cache_data(show_spinner=False, max_entries=64)
def whats_new(path: str, version: str, analyst: str, marker: str) -> pd.DataFrame:
    """What arrived for the analyst's follows since she last marked it read (crosscheck.alerts); `marker`
    (reads.follow_marker) changes with her follows and reads."""
    from crosscheck import alerts

    with _cursor(path) as con:
        return alerts.alerts(con, analyst)


def whats_new_count(analyst: str) -> int:
    """How many events wait in the analyst's What's new (0 before the database exists)."""
    from crosscheck.ui.resources import data_version, db_path

    try:
        path = db_path()
        with _cursor(path) as con:
            if not schema.has_schema(con):
                return 0
            marker = reads.follow_marker(con, analyst)  # one small query: most people follow nothing
        if marker.startswith("0/"):
            return 0
        return len(whats_new(path, data_version(), analyst, marker))
    except Exception:  # noqa: BLE001 - a count in the navigation never stops a page
        return 0
