"""Shared widgets: safe text rendering, sentence context, links to claims and pairs."""

from __future__ import annotations

import re

import streamlit as st

CLAIMS_PAGE = "views/claims.py"
CLAIM_PAGE = "views/claim.py"

# Every character Markdown (and Streamlit's directives, LaTeX and emoji shortcodes) gives a meaning.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=\"'])")


def escape_markdown(text: str | None) -> str:
    """Backslash-escape text so st.markdown shows it literally: no HTML, links, emphasis or LaTeX."""
    if not text:
        return ""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))
    # Leading spaces would start a code block; newlines would start new blocks.
    return re.sub(r"\s*\n\s*", " ", escaped).strip()


def shorten(text: str | None, limit: int = 140) -> str:
    """One line of at most `limit` characters."""
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def show_context(context: dict | None, *, colour: str = "orange") -> None:
    """The sentence highlighted between its neighbours; user text is escaped, never HTML."""
    if not context:
        st.caption("No text stored for this statement.")
        return
    before = ("… " if context["clipped_start"] else "") + escape_markdown(context["before"])
    after = escape_markdown(context["after"]) + (" …" if context["clipped_end"] else "")
    sentence = escape_markdown(context["sentence"])
    st.markdown(f"{before} :{colour}-background[**{sentence}**] {after}")


def claim_link(claim_id: str, label: str, report_id: str | None = None, key: str | None = None) -> None:
    """A link to the Claim page (or to one pair when report_id is given)."""
    params = {"claim": claim_id}
    if report_id:
        params["report"] = report_id
    st.page_link(CLAIM_PAGE, label=escape_markdown(shorten(label)), query_params=params)


def claim_url(claim_id: str, report_id: str | None = None) -> str:
    """Relative permalink of a claim or a pair, valid from any page of the app."""
    from urllib.parse import urlencode

    params = {"claim": claim_id}
    if report_id:
        params["report"] = report_id
    return "claim?" + urlencode(params)


def empty_database_notice() -> None:
    """What a page shows before anything is stored."""
    st.info("The database is empty: upload documents to begin.")
    st.page_link("views/upload.py", label="Upload documents", icon=":material/upload:")
