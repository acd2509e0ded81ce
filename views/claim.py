"""Claim: one claim in its context with every matched report; a pair permalink adds &report=ID."""

from __future__ import annotations

import logging

import pandas as pd
import streamlit as st

from crosscheck import review
from crosscheck.config import MatchSettings
from crosscheck.dates import as_date
from crosscheck.db import reads, writes
from crosscheck.db.sql import INDEPENDENT_SOURCES
from crosscheck.errors import CrosscheckError
from crosscheck.ui import cache, urls
from crosscheck.ui.access import current_identity, finish_or_queue, submit
from crosscheck.ui.resources import data_version, db_path, read
from crosscheck.ui.upload import watch_claim
from crosscheck.ui.widgets import (
    STANCE_COLOURS,
    dossier_buttons,
    empty_database_notice,
    escape_markdown,
    follow_toggle,
    number,
    safe_url,
    show_context,
)

log = logging.getLogger(__name__)


def _date(value) -> str:
    day = as_date(value)
    return day.isoformat() if day else "no date"


def _lag(value) -> str:
    """The report's lag in words; a pair with an undated side has none."""
    if value is None or pd.isna(value):
        return "lag: no date"
    return f"lag **{int(value):+d}** days"


def _record_verdict(claim_id: str, report_id: str, verdict: str | None) -> None:
    who = current_identity()
    try:
        finish_or_queue(submit("verdict", f"{claim_id}/{report_id}", writes.save_verdict, claim_id, report_id, verdict,
                               analyst=who.user_id, analyst_name=who.name), "your verdict")
    except CrosscheckError as e:
        st.session_state["verdict_error"] = str(e)


def _when(value) -> str:
    if value is None or pd.isna(value):
        return ""
    return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M UTC")


def _show_verdicts(rows: pd.DataFrame) -> None:
    """Each analyst's verdict on the pair, with who and when, then how they agree."""
    for v in rows.itertuples(index=False):
        stance = f" ({escape_markdown(v.label)})" if isinstance(v.label, str) and v.label else ""
        name = v.analyst_name if isinstance(v.analyst_name, str) and v.analyst_name else v.analyst
        st.caption(f"Analyst verdict: **{v.verdict}**{stance} — {escape_markdown(name)} · {_when(v.decided_at)}")
    if len(rows) > 1:
        st.caption(escape_markdown(review.agreement(rows).summary))


path, version = db_path(), data_version()
claim_id = st.query_params.get("claim")
if version == "empty":
    st.title("Claim")
    empty_database_notice()
    st.stop()
if not claim_id:
    st.title("Claim")
    st.info("Open a claim from the Claims page; its link carries ?claim=ID.")
    st.page_link(urls.script("claims"), label="Go to Claims", icon=":material/fact_check:")
    st.stop()

claim = read(reads.get_statement, claim_id)
if claim is None:
    st.title("Claim")
    st.error(escape_markdown(f"claim {claim_id}: no such statement in this database"))
    st.stop()

st.title("Claim")
who = claim["speaker"] or claim["actor"] or "unknown speaker"
st.markdown(
    f"**{escape_markdown(who)}**"
    + (f" ({escape_markdown(claim['actor'])})" if claim["actor"] and claim["actor"] != who else "")
    + (f" · {escape_markdown(claim['country'])}" if claim["country"] else "")
    + f" · {_date(claim['stated_on'])}"
    + f" · {escape_markdown(claim['title'] or claim['source_name'])}"
)
show_context(read(reads.statement_context, claim_id, neighbours=2))
standing = cache.claim_standing(path, version, claim_id)
if not standing.empty:
    row = standing.iloc[0]
    st.markdown(
        f"Standing: **{row['standing']}** · {int(row['contradicting_sources'])} independent monitors contradict it, "
        f"{int(row['supporting_sources'])} support it (contested from {INDEPENDENT_SOURCES} contradicting; "
        "other governments are listed below but not counted)"
    )
if claim["is_question"]:
    st.info("This statement is a question: questions are shown in context but never paired as claims.")
if url := safe_url(claim["url"]):
    st.link_button("Original source", url, icon=":material/open_in_new:")
st.caption(f"Permalink: `{urls.claim_link(claim_id)}`")
dossier_buttons([claim_id], key="dossier")
follow_toggle("claim", claim_id, "this claim", key="follow-claim")
if error := st.session_state.pop("verdict_error", None):
    st.error(error)

defaults = MatchSettings()
with st.container(border=True):
    a, b, c = st.columns(3)
    window = a.number_input("Window (days either side)", 0, 3650, defaults.window_days, key="window", bind="query-params")
    threshold = b.slider("Minimum similarity", 0.0, 1.0, float(defaults.threshold), 0.05, key="threshold", bind="query-params")
    top_k = c.number_input("Top reports", 1, 200, defaults.top_k, key="top_k", bind="query-params")
    st.caption(
        f"Reports within ±{window} days of the claim, similarity ≥ {threshold:.2f}, strongest {top_k}. "
        f"Stance and contradiction come from the stored scores (defaults: ±{defaults.window_days} days, "
        f"≥ {defaults.threshold:.2f}, top {defaults.top_k})."
    )

candidates = cache.claim_reports(path, version, claim_id, int(window), float(threshold), int(top_k))
focus = st.query_params.get("report")
if focus and focus in set(candidates["report_id"]):
    # A pair permalink shows its report, first, even when another sentence of its source bears more on the claim.
    source = candidates.loc[candidates["report_id"] == focus, "source"].iloc[0]
    mine = candidates["source"] == source
    candidates.loc[mine, "shown"] = candidates.loc[mine, "report_id"] == focus
    candidates = candidates.sort_values("report_id", key=lambda s: s != focus, kind="stable")
elif focus:
    st.warning(escape_markdown(f"report {focus} is not among the matched reports under these settings"))

# Missing values read as None below, never as a "nan" that is truthy and printed.
candidates = candidates.astype(object).where(candidates.notna(), None)
reports = candidates[candidates["shown"].astype(bool)]
others = candidates[~candidates["shown"].astype(bool)].groupby("source", sort=False)
verdicts = read(reads.claim_verdicts, claim_id)
who = current_identity()
can_judge = who.may("verdict")  # viewers (and a read-only workspace) see the verdicts, never the buttons
st.subheader(f"{len(reports)} matched reports")
if waiting := read(reads.pending_count, claim_id):
    # The background scorer takes this claim's pairs next (this is the claim an analyst is reading); the page only
    # reads, and draws itself again when they have landed.
    watch_claim(claim_id)

    @st.fragment(run_every=2)
    def _wait_for_scores() -> None:
        if read(reads.pending_count, claim_id) < waiting:
            st.rerun()
        st.info(f"{waiting:,} pairs of this claim wait for their scores: stance and contradiction appear as they land.",
                icon=":material/hourglass_top:")

    _wait_for_scores()
st.caption("One sentence per source: the one that bears most on the claim (highest contradiction or support); "
           "a source's other close sentences are under it.")
if reports.empty:
    st.info("No report matches this claim under these settings; lower the minimum similarity or widen the window.")
for row in reports.itertuples(index=False):
    with st.container(border=True, key=f"report-{row.report_id}"):
        source = row.publisher or row.actor or "unknown source"
        title = f" — {escape_markdown(row.title)}" if row.title else ""
        marker = " :material/push_pin:" if row.report_id == focus else ""
        st.markdown(f"**{escape_markdown(source)}**{title}{marker}")
        st.caption(
            f"{escape_markdown(row.actor or 'unknown actor')} ({escape_markdown(row.actor_type)})"
            + (f" · speaker {escape_markdown(row.speaker)}" if row.speaker and row.speaker != row.actor else "")
        )
        colour = STANCE_COLOURS.get(row.stance, "gray")
        st.markdown(
            f":{colour}-badge[{escape_markdown(row.stance or 'not scored')}] · "
            f"contradiction **{number(row.contradiction)}** · similarity **{number(row.similarity)}** · "
            f"{_date(row.stated_on)} · {_lag(row.lag_days)}"
        )
        show_context(read(reads.statement_context, row.report_id, neighbours=1), colour="blue")
        pair_verdicts = verdicts[verdicts["report_id"] == row.report_id]
        mine = pair_verdicts.loc[pair_verdicts["analyst"] == who.user_id, "verdict"]
        mine = mine.iloc[0] if len(mine) else None
        links = st.columns([1, 1, 1, 3])
        if url := safe_url(row.url):
            links[0].link_button("Original", url, icon=":material/open_in_new:")
        if can_judge:
            links[1].button(
                "Confirm", key=f"confirm-{row.report_id}", icon=":material/check:",
                type="primary" if mine == "confirmed" else "secondary",
                on_click=_record_verdict, args=(claim_id, row.report_id, None if mine == "confirmed" else "confirmed"),
            )
            links[2].button(
                "Reject", key=f"reject-{row.report_id}", icon=":material/close:",
                type="primary" if mine == "rejected" else "secondary",
                on_click=_record_verdict, args=(claim_id, row.report_id, None if mine == "rejected" else "rejected"),
            )
        links[3].caption(("" if len(pair_verdicts) else "No analyst verdict yet. · ")
                         + f"pair link: `{urls.claim_link(claim_id, row.report_id)}`")
        _show_verdicts(pair_verdicts)
        if row.source in others.groups:
            rest = others.get_group(row.source)
            with st.expander(f"{len(rest)} other sentence{'s' if len(rest) != 1 else ''} of this source"):
                for other in rest.itertuples(index=False):
                    st.markdown(
                        f":{STANCE_COLOURS.get(other.stance, 'gray')}-badge[{escape_markdown(other.stance or 'not scored')}] · "
                        f"contradiction **{number(other.contradiction)}** · support **{number(other.support)}** · "
                        f"similarity **{number(other.similarity)}** · pair link: `{urls.claim_link(claim_id, other.report_id)}`"
                    )
                    st.text(other.text)
