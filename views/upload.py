"""Upload: files, pasted text or a URL → ingest in the writer with progress → summary and new claims."""

from __future__ import annotations

import streamlit as st

from crosscheck.dates import EARLIEST, LATEST
from crosscheck.db import reads
from crosscheck.pipeline import LineKind
from crosscheck.ui.access import may, refuse_page
from crosscheck.ui.resources import read
from crosscheck.ui.upload import collect_documents, ingest_in_writer, score_in_background, score_in_writer
from crosscheck.ui.widgets import claim_link, escape_markdown

# The formats of crosscheck.ingest; the uploader refuses other extensions before any upload.
FILE_TYPES = [".txt", ".text", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx", ".csv", ".jsonl", ".ndjson"]

st.title("Upload")
if not may("upload"):  # out of this person's navigation; opened by its URL anyway: refused and audited
    refuse_page("upload", "Upload")
st.caption(
    "Articles, transcripts, press releases and monitor reports. Each file becomes one document "
    "(CSV and JSONL: one per row); the same text twice is stored once."
)

with st.form("upload", clear_on_submit=False):
    files = st.file_uploader("Files", type=FILE_TYPES, accept_multiple_files=True, key="files")
    text = st.text_area("Or paste text", key="text", height=140)
    url = st.text_input("Or a public URL", key="url", placeholder="https://…")
    a, b, c = st.columns(3)
    title = a.text_input("Title (optional)", key="title")
    publisher = b.text_input("Publisher (optional)", key="publisher", help="Who published it; unattributed narration belongs to them")
    date = c.date_input("Date (optional)", value=None, key="date", format="YYYY-MM-DD", min_value=EARLIEST, max_value=LATEST)
    submitted = st.form_submit_button("Ingest", type="primary", icon=":material/upload:")

# How each kind of summary line is shown (pipeline.LineKind).
SHOW = {
    LineKind.ADDED: (st.success, ":material/check:"),
    LineKind.DUPLICATE: (st.info, ":material/content_copy:"),
    LineKind.REFUSED: (st.error, ":material/block:"),
    LineKind.WARNING: (st.warning, ":material/warning:"),
    LineKind.NOTE: (st.info, ":material/info:"),
}

if submitted:
    uploads = [(f.name, f.getvalue()) for f in files or []]
    if not uploads and not text.strip() and not url.strip():
        st.warning("Choose files, paste text or give a URL first.")
        st.stop()
    with st.status("Ingesting…", expanded=True) as status:
        documents, summary = collect_documents(uploads, text, url, title=title, publisher=publisher, date=date)
        st.write(f"{len(documents)} documents to ingest")
        bar = st.progress(0.0)

        def show_progress(done: int, total: int, result) -> None:
            bar.progress(done / max(total, 1), text=f"{done} of {total}: {escape_markdown(result.source)}")

        if documents:
            summary.extend(ingest_in_writer(documents, show_progress))
        added, refused = len(summary.added), len(summary.refused)
        status.update(
            label=f"Done: {added} added, {len(summary.results) - added - refused} already stored, {refused} refused",
            state="complete" if added or not refused else "error",
        )
    st.session_state["upload_result"] = {
        "lines": [(line.kind, line.text) for line in summary.report()],
        "doc_ids": [r.doc_id for r in summary.added],
    }

result = st.session_state.get("upload_result")
if result:
    st.subheader("Summary")
    for kind, line in result["lines"]:
        show, icon = SHOW[kind]
        show(escape_markdown(line), icon=icon)
    claims = read(reads.claims_of_documents, result["doc_ids"])
    if not claims.empty:
        st.subheader(f"{len(claims)} new claims")
        for row in claims.itertuples(index=False):
            claim_link(row.claim_id, f"{row.actor or 'unknown'}: {row.text}")
    elif result["doc_ids"]:
        st.info("No government claims in these documents (reports are matched against existing claims).")

# The statements are stored and searchable; the monitors' pairs (what the pages count) are scored now, batch by
# batch, in the writer; other governments' pairs after them, in the background.
waiting = read(reads.pending_count, scope="monitors")
if waiting and (submitted or st.button(
        f"Score the {waiting:,} pairs waiting for it", icon=":material/play_arrow:",
        help="pairs an interrupted upload left unscored; pages count only scored pairs")):
    with st.status(f"Scoring {waiting:,} pairs…", expanded=True) as scoring:
        bar = st.progress(0.0)
        done = score_in_writer(lambda n, total: bar.progress(n / max(total, 1), text=f"{n:,} of {total:,} pairs scored"))
        scoring.update(label=f"Scored {done:,} pairs: the Overview, Claims and Claim pages show them", state="complete")
if submitted and (rest := read(reads.pending_count)):
    score_in_background()
    st.caption(f":material/hourglass_top: {rest:,} pairs with other governments' statements as evidence are being scored "
               "in the background; the Overview's \"other governments\" series shows them as they land.")
