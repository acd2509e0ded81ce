"""Build small databases from statements whose actor and type are set directly (no attribution)."""

from __future__ import annotations

import datetime as dt
import hashlib

from crosscheck.config import MatchSettings
from crosscheck.db import connection, writes
from crosscheck.match import find_matches
from crosscheck.records import Document, Statement


def add_document(
    con,
    embedder,
    items: list[tuple[str, str | None, str | None]],
    day: dt.date | None,
    *,
    title: str | None = None,
    publisher: str | None = None,
    url: str | None = None,
    settings: MatchSettings | None = None,
    save: bool = True,
):
    """Store one document of (text, actor, actor_type) statements dated `day`, matched as the pipeline does.

    Returns (statement ids, the pairs found for them).
    """
    text = " ".join(t for t, _, _ in items)
    doc = Document(
        text=text, title=title, publisher=publisher, url=url, published_on=day,
        source_name=title or "typed", sha256=hashlib.sha256(text.encode()).hexdigest(),
    )
    statements, pos = [], 0
    for t, actor, actor_type in items:
        start = text.index(t, pos)
        pos = start + len(t)
        statements.append(Statement(t, start, pos, speaker=actor, actor=actor, actor_type=actor_type, stated_on=day))
    with connection.transaction(con):
        ids = writes.insert_document(con, doc, statements, embedder.embed([s.text for s in statements]))
        pairs = find_matches(con, ids, settings)
        if save:
            writes.save_matches(con, pairs)
    return ids, pairs


def set_stance(con, claim_id: str, report_id: str, stance: str, contradiction: float | None = None) -> None:
    """Give a stored pair a stance, as the scorer would."""
    con.execute(
        "UPDATE matches SET stance = ?, contradiction = ? WHERE claim_id = ? AND report_id = ?",
        [stance, contradiction, claim_id, report_id],
    )
