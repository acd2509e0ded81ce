"""Data: downloads (CSV safe for spreadsheets, Parquet) and facts about the database and models."""

from __future__ import annotations

import streamlit as st

from crosscheck import analytics, config, export
from crosscheck.db import reads
from crosscheck.ui import cache
from crosscheck.ui.access import may
from crosscheck.ui.resources import data_version, db_path, read
from crosscheck.ui.widgets import empty_database_notice, escape_markdown

st.title("Data")
path, version = db_path(), data_version()

st.subheader("Database and models")
facts = cache.database_facts(path, version)
rows = [
    ("Database file", path),
    ("Schema version", facts.get("schema_version") or "not created yet"),
    ("Embedding model", f"{facts.get('embed_model') or config.embed_model_name()} ({facts.get('embed_dim') or '?'}-d)"),
    ("Stance model (configured)", config.stance_model_name()),
    ("Stance models in stored scores", ", ".join(facts.get("stance_models") or []) or "none"),
]
rows += [(k.capitalize(), f"{facts[k]:,}") for k in ("documents", "statements", "claims", "reports", "matches", "verdicts", "actors") if k in facts]
st.table({"": [r[0] for r in rows], "value": [str(r[1]) for r in rows]})

if version == "empty":
    empty_database_notice()
    st.stop()

st.subheader("Downloads")
st.caption("CSV cells that a spreadsheet would run as formulas are prefixed with a quote.")
tables = {
    "statements": lambda: read(reads.list_statements),
    "matches": lambda: read(analytics.pairs_frame),
    "verdicts": lambda: read(reads.list_verdicts),
}
can_audit = may("audit")
if can_audit:  # who tried which write, when, and whether it was done, refused or failed
    tables["audit"] = lambda: read(reads.list_audit)
for name, fetch in tables.items():
    a, b, c = st.columns([2, 1, 1])
    a.markdown(f"**{escape_markdown(name.capitalize())}**")
    b.download_button(
        "CSV", lambda fetch=fetch: export.to_csv_text(fetch()), file_name=f"crosscheck-{name}.csv", mime="text/csv",
        key=f"csv-{name}", on_click="ignore", icon=":material/download:",
    )
    c.download_button(
        "Parquet", lambda fetch=fetch: export.to_parquet_bytes(fetch()), file_name=f"crosscheck-{name}.parquet",
        mime="application/vnd.apache.parquet", key=f"parquet-{name}", on_click="ignore", icon=":material/download:",
    )

if can_audit:
    st.subheader("Audit")
    st.caption("Every write attempt in the dashboard, newest first: who, their role, what, and whether it was done, "
               "refused or failed (the audit download has them all).")
    recent = read(reads.list_audit, limit=50)
    if recent.empty:
        st.info("No write attempts recorded yet.")
    else:
        st.dataframe(recent, key="audit_table", hide_index=True, width="stretch",
                     column_config={"attempted_at": st.column_config.DatetimeColumn("At (UTC)", format="YYYY-MM-DD HH:mm:ss")})
