"""Segment: document text → sentences with character offsets.

Rule-based and linear in the text length (nothing copies the rest of the text at a sentence end), and no
sentence is longer than MAX_SENTENCE_CHARS. A sentence ends at . ! ? or … (plus any closing quotes or
brackets) followed by whitespace and something that can start a sentence, and always at a line
break. Periods after abbreviations, initials and dotted acronyms do not end a sentence. Sentences
inside an open quotation are merged so a quote spanning sentences stays one statement. Transcript
speaker markers ("Vladimir Putin:", "Question:") are left out of the sentences; attribute reads them
from the gap before a sentence.
"""

from __future__ import annotations

import re

from crosscheck.records import Sentence

# Words whose trailing period rarely ends a sentence (compared case-insensitively, without the dot).
ABBREVIATIONS = frozenset(
    """mr mrs ms mx dr prof gen lt col maj capt cpt sgt cpl pvt adm cmdr gov sen rep rev fr hon pres
    st mt ft no nos vol art fig ch pp op sec dept est approx ca cf al vs jr sr messrs mme mlle
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun
    e.g i.e a.m p.m""".split()
)
# Abbreviations that only hold before a number ("No. 5", "Art. 3").
NUMBER_ABBREVIATIONS = frozenset({"no", "nos", "art", "vol", "fig", "ch", "pp", "sec", "op"})
# After a dotted acronym ("U.S.") we split only when one of these starts the next sentence.
SENTENCE_STARTERS = frozenset(
    """the a an it he she we they i this that these those there but and however in on at after
    before when while if as so yet still meanwhile his her its their our my according""".split()
)
# Quotes longer than this are split at sentence ends anyway: an unbalanced quote mark must not
# swallow a whole document, and the embedder truncates long inputs.
MAX_QUOTE_CHARS = 1200

# No sentence is longer than this: a text without sentence ends (no spaces, or every sentence starting in lower
# case) is cut at the last space before it, so one statement never holds a whole document.
MAX_SENTENCE_CHARS = 2000
_WORD_LOOKBACK = 40
_BLANKS = re.compile(r"[ \t\r\f\v]*")
_BOUNDARY = re.compile(r"[.!?…]+[\"”’')\]]*(?=\s)|\n")
SEPARATOR = re.compile(r"(?:(?:\*\s*){3,}|<…>\s*|\[…\]\s*)+")
_OPENERS = "“«"
_CLOSERS = "”»"
_BULLET = re.compile(r"(?:[-*•‣▪–—]|\d{1,3}[.)]|[a-z][)])\s+")
# A transcript speaker marker at the start of a segment: capitalised words (with a few lower-case
# particles and journalists' role words: "Kommersant newspaper correspondent Andrei Kolesnikov"), an
# optional affiliation after a comma ("Michaela Kuefner, Deutsche Welle"), up to a colon, optionally
# "(retranslated)" or similar.
_CAP = r"(?:[A-Z]\.|[A-Z](?:[\w’'\-]|\.(?=\w))*(?:(?<=\.\w)\.)?)"
_PARTICLES = r"(?:of|the|de|da|von|van|der|al|bin|and|for|to)"
MEDIA_ROLE_WORDS = (
    "newspaper", "news", "agency", "correspondent", "journalist", "reporter", "editor", "editor-in-chief",
    "channel", "television", "radio", "magazine", "host", "anchor", "observer", "columnist", "political",
    "online", "publication", "portal", "service", "broadcaster",
)
_ROLE_WORD = r"(?:" + "|".join(MEDIA_ROLE_WORDS) + r")"
_MARKER_WORD = r"(?:" + _CAP + "|" + _PARTICLES + "|" + _ROLE_WORD + r")"
_MARKER = re.compile(
    r"(?P<name>" + _CAP + r"(?:\s+" + _MARKER_WORD + r"){0,15}(?:,\s+" + _CAP + r"(?:\s+" + _MARKER_WORD + r"){0,6})?)"
    r"(?:\s*\([^()\n]{2,40}\))?\s*:(?=\s|[\"“(]|$)"
)
SINGLE_WORD_MARKERS = frozenset(
    {"question", "answer", "remark", "reply", "response", "moderator", "interviewer", "host",
     "journalist", "correspondent", "q", "a"}
)


def find_marker(text: str, pos: int) -> re.Match | None:
    """A transcript speaker marker starting at pos, or None."""
    m = _MARKER.match(text, pos)
    if not m:
        return None
    name = m.group("name")
    words = name.split()
    if (words[-1][0].islower() and words[-1] not in MEDIA_ROLE_WORDS) or len(name) > 140:
        return None
    if len(words) == 1:
        line_start = pos == 0 or text[pos - 1] == "\n"
        if name.casefold().rstrip(".") not in SINGLE_WORD_MARKERS and not line_start:
            return None
    return m


_HEADING_WORDS = 8
_OFFICIAL_LABEL = re.compile(r"\b(?:President|Prime Minister|Premier|Chancellor|Minister|Chairman|Secretary|Aide|Spokes\w+)\b|\(")


def _heading_marker(text: str, start: int, end: int) -> re.Match | None:
    """A speaker label after a short heading at the start of a segment, if the label is clearly one
    (an official's title or a "(retranslated)" note); None otherwise."""
    window = text[start : min(end, start + 300)]
    if ":" not in window:
        return None
    for m in re.finditer(r"\s(?=[A-Z])", window):
        pos = start + m.end()
        if len(text[start:pos].split()) > _HEADING_WORDS or re.search(r"[.!?:;]", text[start:pos]):
            return None
        label = find_marker(text, pos)
        if label is not None and label.end() <= end and _OFFICIAL_LABEL.search(label.group(0)):
            return label
    return None


def _is_abbreviation(text: str, dot: int) -> bool:
    """True when the period at index dot belongs to an abbreviation, an initial or an acronym."""
    start, stop = dot, max(0, dot - _WORD_LOOKBACK)  # bounded: a long run of "a.a.a." must not make this quadratic
    while start > stop and (text[start - 1].isalpha() or text[start - 1] == "."):
        start -= 1
    word = text[start:dot]
    if not word:
        return False
    after = text[dot + 1 : dot + 80].lstrip()[:30]
    next_word = re.match(r"[\"“(]*([\w']+)", after)
    nxt = next_word.group(1) if next_word else ""
    if len(word) == 1 and word.isupper():
        return True  # an initial: "Joe R. Biden"
    if "." in word.strip("."):
        # Dotted acronym (U.S., U.K., e.g.): a sentence end only when a sentence starter follows.
        return nxt.casefold() not in SENTENCE_STARTERS
    low = word.casefold()
    if low in NUMBER_ABBREVIATIONS:
        return nxt[:1].isdigit()
    return low in ABBREVIATIONS


def _update_quote_state(text: str, start: int, end: int, open_at: int | None) -> int | None:
    """Track whether a quotation is open after text[start:end]; returns where it opened or None."""
    for i in range(start, end):
        ch = text[i]
        if ch in _OPENERS:
            open_at = i if open_at is None else open_at
        elif ch in _CLOSERS:
            open_at = None
        elif ch == '"':
            prev = text[i - 1] if i > 0 else " "
            nxt = text[i + 1] if i + 1 < len(text) else " "
            if nxt.isspace() or nxt in ".,;:!?)" or i + 1 == len(text):
                open_at = None
            elif not prev.isalnum():
                open_at = i if open_at is None else open_at
            else:
                open_at = None if open_at is not None else i
        elif ch == "\n":
            open_at = None  # a paragraph break ends any quotation for our purposes
    return open_at


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _boundaries(text: str) -> list[int]:
    """Candidate sentence ends (exclusive offsets), before quote merging."""
    # A separator ("* * *", "***") always ends the sentence before it, even glued to a full stop.
    cuts = [m.start() for m in re.finditer(r"(?<=\S)(?=\*\s*\*\s*\*)", text)]
    for m in _BOUNDARY.finditer(text):
        if m.group(0) == "\n":
            cuts.append(m.start())
            continue
        end = m.end()
        at = _BLANKS.match(text, end).end()  # never a copy of the rest of the text: that made splitting quadratic
        if at == len(text) or text[at] == "\n":
            cuts.append(end)
            continue
        first = text[at]
        if not (first.isupper() or first.isdigit() or first in "\"“«‘'([•-–—*"):
            continue
        punct = m.group(0).rstrip("\"”’')]")
        if punct == "." and _is_abbreviation(text, m.start() + len(punct) - 1):
            continue
        cuts.append(end)
    return sorted(set(cuts))


def split_sentences(text: str) -> list[Sentence]:
    """Split text into sentences; text[s.start:s.end] == s.text for every sentence."""
    out: list[Sentence] = []
    pending: tuple[int, int] | None = None  # a sentence held open because a quote is open
    quote_open: int | None = None
    pos = 0
    for cut in [*_boundaries(text), len(text)]:
        if cut < pos:
            continue
        start, end = _trim(text, pos, cut)
        pos = cut
        if start >= end:
            continue
        # Bullets and speaker markers at the start of a segment are not part of the sentence.
        bullet = _BULLET.match(text, start)
        if bullet and not text[text.rfind("\n", 0, start) + 1 : start].strip():
            start = bullet.end()
        separator = SEPARATOR.match(text, start)
        if separator:
            start = separator.end()
        marker = find_marker(text, start) if pending is None else None
        if marker is None and pending is None and (inner := _heading_marker(text, start, end)) is not None:
            # A heading that runs into a speaker label ("Beginning of talks President of China Xi Jinping:"):
            # the heading is a sentence of its own, the label opens the next one.
            heading_end = _trim(text, start, inner.start())[1]
            out.append(Sentence(text[start:heading_end], start, heading_end))
            marker = inner
        if marker and marker.end() <= end:
            start = _trim(text, marker.end(), end)[0]
        if start >= end:
            continue
        quote_open = _update_quote_state(text, start, end, quote_open if pending else None)
        line_break = "\n" in text[end:cut + 1] or cut == len(text)
        if pending:
            start = pending[0]
        if quote_open is not None and not line_break and end - start < MAX_QUOTE_CHARS:
            pending = (start, end)
            continue
        pending = None
        quote_open = None
        out.extend(_capped(text, start, end))
    if pending:
        out.extend(_capped(text, *pending))
    return out


def _capped(text: str, start: int, end: int) -> list[Sentence]:
    """text[start:end] as one sentence, or as pieces of at most MAX_SENTENCE_CHARS cut at spaces."""
    pieces = []
    while end - start > MAX_SENTENCE_CHARS:
        limit = start + MAX_SENTENCE_CHARS
        space = text.rfind(" ", start + MAX_SENTENCE_CHARS // 2, limit)
        cut = space if space != -1 else limit
        piece_start, piece_end = _trim(text, start, cut)
        if piece_start < piece_end:
            pieces.append(Sentence(text[piece_start:piece_end], piece_start, piece_end))
        start = _trim(text, cut, end)[0]
    if start < end:
        pieces.append(Sentence(text[start:end], start, end))
    return pieces
