"""Claims: government claims with their strongest supporting and contradicting reports, filtered by URL."""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from crosscheck.alerts import SEARCH_FILTERS
from crosscheck.config import STANCES
from crosscheck.dates import EARLIEST, LATEST, as_date
from crosscheck.db.sql import INDEPENDENT_SOURCES, STANDINGS
from crosscheck.dossier import MAX_CLAIMS
from crosscheck.ui import cache, urls
from crosscheck.ui.resources import data_version, db_path
from crosscheck.ui.widgets import dossier_buttons, empty_database_notice, follow_toggle

st.title("Claims")
path, version = db_path(), data_version()
if version == "empty":
    empty_database_notice()
    st.stop()

options = cache.filter_options(path, version)
storyline_labels = cache.storyline_labels(path, version)

with st.container(border=True):
    a, b, c, d = st.columns(4)
    actors = a.multiselect("Actor", options["actors"], key="actor", bind="query-params")
    countries = b.multiselect("Country", options["countries"], key="country", bind="query-params")
    # The whole range ingest accepts, not Streamlit's default of ten years either side of today.
    span = {"min_value": EARLIEST, "max_value": LATEST, "format": "YYYY-MM-DD"}
    start = c.date_input("From", value=None, key="start", bind="query-params", **span)
    end = d.date_input("To", value=None, key="end", bind="query-params", **span)
    e, f, g, h, i = st.columns(5)
    storyline = e.multiselect("Storyline", storyline_labels, key="storyline", bind="query-params")
    standings = i.multiselect(
        "Standing", list(STANDINGS), key="standing", bind="query-params",
        help=f"contested: at least {INDEPENDENT_SOURCES} independent monitors contradict the claim; corroborated: "
             f"at least {INDEPENDENT_SOURCES} support it and none contradicts; open: anything else",
    )
    stance = f.selectbox("Has a report that", STANCES, index=None, placeholder="any stance", key="stance", bind="query-params")
    min_contradiction = g.slider(
        "Minimum contradiction", 0.0, 1.0, 0.0, 0.05, key="min_contradiction", bind="query-params",
    )
    search = h.text_input("Search text", key="q", bind="query-params", placeholder="words in the claim or speaker")

frame = cache.claims(
    path, version, tuple(actors), tuple(countries), start, end, stance, float(min_contradiction),
    search.strip(), tuple(storyline), tuple(standings),
)
if not frame.empty:
    frame.insert(0, "link", [urls.claim_link(cid) for cid in frame["claim_id"]])
    # ISO dates sort as dates; an undated claim says so rather than "None".
    frame["stated_on"] = [day.isoformat() if (day := as_date(v)) else "no date" for v in frame["stated_on"]]
st.caption(f"{len(frame):,} claims" + (" (claims without a date are left out while From or To is set)" if start or end else ""))
# This view's filters, as `crosscheck follow search` stores them: following it lists the claims it finds later.
this_search = urlencode(sorted((k, v) for k in SEARCH_FILTERS for v in st.query_params.get_all(k)))
if this_search:
    follow_toggle("search", this_search, "this search", key="follow-search")
if len(frame):
    st.caption(f"Dossier of the first {min(len(frame), MAX_CLAIMS)} claims shown:")
    dossier_buttons(frame["claim_id"].head(MAX_CLAIMS).tolist(), key="dossier")
st.dataframe(
    frame,
    hide_index=True,
    width="stretch",
    column_order=[
        "link", "stated_on", "actor", "text", "standing", "max_contradiction", "contradicting_sources",
        "contradicting_actor", "contradicting_text",
        "supporting_actor", "supporting_text", "reports", "country", "storyline",
    ],
    column_config={
        "link": st.column_config.LinkColumn("Claim", display_text="view", help="Permalink of the claim"),
        "stated_on": st.column_config.TextColumn("Date"),
        "actor": "Actor",
        "country": "Country",
        "text": st.column_config.TextColumn("Claim", width="medium"),
        "reports": st.column_config.NumberColumn("Reports"),
        "standing": st.column_config.TextColumn("Standing", help="across independent sources; see the Standing filter"),
        "max_contradiction": st.column_config.ProgressColumn(
            "Contradiction", min_value=0.0, max_value=1.0, format="%.2f",
            help="the strongest calibrated probability that a report contradicts the claim (0.9: about nine in ten)"),
        "contradicting_sources": st.column_config.NumberColumn("Monitors contradicting"),
        "contradicting_actor": "Strongest contradiction by",
        "contradicting_text": st.column_config.TextColumn("Contradicting report", width="medium"),
        "supporting_actor": "Strongest support by",
        "supporting_text": st.column_config.TextColumn("Supporting report", width="medium"),
        "storyline": "Storyline",
    },
)
