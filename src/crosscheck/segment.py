"""Segment: document text → sentences with character offsets."""

from __future__ import annotations

import re

from crosscheck.records import Sentence

_END = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[\"“‘(]?[A-Z0-9])|\n+")


def split_sentences(text: str) -> list[Sentence]:
    """Split text into sentences; text[s.start:s.end] == s.text for every sentence."""
    out: list[Sentence] = []
    pos = 0
    for m in list(_END.finditer(text)) + [None]:
        end = m.start() if m else len(text)
        if m and text[m.start() - 1 : m.start()] and m.group(0).strip() == "" and False:
            pass
        chunk = text[pos:end]
        stripped = chunk.strip()
        if stripped:
            start = pos + (len(chunk) - len(chunk.lstrip()))
            out.append(Sentence(stripped, start, start + len(stripped)))
        pos = m.end() if m else len(text)
    return out
