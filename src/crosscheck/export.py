"""Exports and stored text shown to people: CSV safe to open in a spreadsheet, Parquet, Markdown that shows text
literally, and only http(s) links."""

from __future__ import annotations

import io
import re
from urllib.parse import quote

import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defuse_cell(value):
    """Prefix text that a spreadsheet would run as a formula with a quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv_text(frame: pd.DataFrame) -> str:
    """CSV text with formula-like cells defused."""
    safe = frame.copy()
    for col in safe.columns:
        if safe[col].dtype == object or pd.api.types.is_string_dtype(safe[col]):
            safe[col] = safe[col].map(defuse_cell)
    return safe.to_csv(index=False)


def to_parquet_bytes(frame: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return buf.getvalue()


# Every character Markdown (and Streamlit's directives, LaTeX and emoji shortcodes) gives a meaning.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=\"'])")


def escape_markdown(text: str | None) -> str:
    """Backslash-escape text so st.markdown shows it literally: no HTML, links, emphasis or LaTeX."""
    if not text:
        return ""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))
    # Leading spaces would start a code block; newlines would start new blocks.
    return re.sub(r"\s*\n\s*", " ", escaped).strip()


def safe_url(url: str | None) -> str | None:
    """The URL when it is http(s), else None: a stored javascript: or data: link is never offered. Spaces, quotes
    and angle brackets are percent-encoded, so the URL cannot close the link or tag it sits in."""
    if not url or not isinstance(url, str):
        return None
    url = url.strip()
    if not url.lower().startswith(("http://", "https://")):
        return None
    return quote(url, safe=":/?#[]@!$&()*+,;=%~-._'")
