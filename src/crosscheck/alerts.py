"""Follow and What's new: what arrived, for the claims, actors, storylines and Claims searches an analyst follows,
since she last looked.

Events, newest first, each linking to its Claim page:
- `new evidence`: a scored pair of a followed claim whose report arrived since (its stance, its contradiction);
- `stance changed`: a pair of a followed claim scored again since (a new model, a rescoring), or a verdict an
  analyst gave since (her label replaces the model's);
- `new claim`: a claim stored since that a followed actor made, a followed storyline holds or a followed search
  finds.

    alerts.alerts(con, "ana@newsroom.test")            # since she last marked What's new read
    alerts.to_atom(frame, "ana@newsroom.test")           # a valid Atom feed of the same
"""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import parse_qs, urlencode, urlsplit
from xml.etree import ElementTree as ET

import duckdb
import pandas as pd

from crosscheck.dates import as_date
from crosscheck.db import reads
from crosscheck.db.schema import ANONYMOUS, has_schema
from crosscheck.errors import InputError

COLUMNS = ["at", "event", "claim_id", "claim_actor", "claim_text", "report_id", "report_actor", "report_on",
           "report_text", "stance", "contradiction", "followed", "link"]
# The Claims search parameters a followed search keeps (the Claims page's filters; storylines are followed apart).
SEARCH_FILTERS = ("actor", "country", "start", "end", "stance", "min_contradiction", "q", "standing")


def search_query(text: str) -> str:
    """The Claims search a URL (or its query string) names, as a normalised query string (InputError without one)."""
    query = urlsplit(text.strip()).query if "?" in text or "://" in text else text.strip().lstrip("?")
    params = {k: v for k, v in parse_qs(query).items() if k in SEARCH_FILTERS}
    if not params:
        raise InputError(f"{text!r} is not a Claims search: its URL has none of {', '.join(SEARCH_FILTERS)}")
    return urlencode(sorted((k, v) for k, vs in params.items() for v in vs))


def _search_claims(con: duckdb.DuckDBPyConnection, query: str) -> list[str]:
    params = parse_qs(query)
    one = {k: v[-1] for k, v in params.items()}
    frame = reads.list_claims(
        con, actors=params.get("actor", []), countries=params.get("country", []),
        start=as_date(one.get("start")), end=as_date(one.get("end")), stance=one.get("stance"),
        min_contradiction=float(one.get("min_contradiction", 0) or 0), search=one.get("q", ""),
        standings=params.get("standing", []),
    )
    return frame["claim_id"].tolist()


def followed_claims(con: duckdb.DuckDBPyConnection, analyst: str) -> dict[str, str]:
    """claim_id → what the analyst follows that brings it ("claim", "actor: NAME", "storyline: LABEL", "search: …")."""
    out: dict[str, str] = {}
    follows = reads.follows(con, analyst)
    lines = None
    for row in follows.itertuples(index=False):
        if row.kind == "claim":
            ids = [row.target]
        elif row.kind == "actor":
            ids = reads.claim_ids_of_actor(con, row.target)
        elif row.kind == "storyline":
            if lines is None:
                from crosscheck import analytics

                lines = analytics.assign_storylines(con)
            ids = lines.loc[lines["storyline_label"] == row.target, "claim_id"].tolist()
        else:
            ids = _search_claims(con, row.target)
        for claim_id in ids:
            out.setdefault(claim_id, row.kind if row.kind == "claim" else f"{row.kind}: {row.label or row.target}")
    return out


def since_for(con: duckdb.DuckDBPyConnection, analyst: str) -> dt.datetime | None:
    """Where What's new starts for the analyst: when she last marked it read, else her first follow."""
    read_at = reads.alerts_read_at(con, analyst)
    if read_at is not None:
        return read_at
    follows = reads.follows(con, analyst)
    return None if follows.empty else pd.Timestamp(follows["followed_at"].min()).to_pydatetime()


def _link(claim_id: str, report_id: str | None = None) -> str:
    return "claim?" + urlencode({"claim": claim_id, **({"report": report_id} if report_id else {})})


def alerts(con: duckdb.DuckDBPyConnection, analyst: str, since: dt.datetime | None = None) -> pd.DataFrame:
    """What arrived for the analyst's follows after `since` (default since_for), newest first (COLUMNS)."""
    analyst = (analyst or "").strip() or ANONYMOUS
    if not has_schema(con):
        return pd.DataFrame(columns=COLUMNS)
    since = since or since_for(con, analyst)
    claims = followed_claims(con, analyst)
    if since is None or not claims:
        return pd.DataFrame(columns=COLUMNS)
    ids = list(claims)
    rows = []
    for p in reads.pair_events(con, ids, since).itertuples(index=False):
        new = pd.Timestamp(p.report_stored_at) > pd.Timestamp(since)
        at = p.report_stored_at if new else p.scored_at
        rows.append((at, "new evidence" if new else "stance changed", p.claim_id, p.claim_actor, p.claim_text, p.report_id,
                     p.report_actor, p.report_on, p.report_text, p.stance, p.contradiction))
    for v in reads.verdict_events(con, ids, since).itertuples(index=False):
        rows.append((v.decided_at, "stance changed", v.claim_id, v.claim_actor, v.claim_text, v.report_id, v.report_actor,
                     v.report_on, v.report_text, f"{v.stance} (verdict by {v.analyst})", v.contradiction))
    for c in reads.claims_stored_since(con, ids, since).itertuples(index=False):
        if claims[c.claim_id] != "claim":
            rows.append((c.stored_at, "new claim", c.claim_id, c.claim_actor, c.claim_text, None, None, None, None, None, None))
    frame = pd.DataFrame(rows, columns=COLUMNS[:-2])
    frame["followed"] = frame["claim_id"].map(claims)
    frame["link"] = [_link(c, r if isinstance(r, str) else None) for c, r in zip(frame["claim_id"], frame["report_id"])]
    frame = frame.sort_values(["at", "claim_id", "report_id"], ascending=[False, True, True], na_position="last",
                              kind="stable").reset_index(drop=True)
    return frame.astype(object).where(frame.notna(), None)  # a missing value is None, never a NaN that is truthy


def alerts_empty() -> pd.DataFrame:
    return pd.DataFrame(columns=COLUMNS)


def to_json(frame: pd.DataFrame) -> str:
    """The events as a JSON list (times as ISO 8601 UTC, dates as YYYY-MM-DD)."""
    records = []
    for row in frame.to_dict(orient="records"):
        out = {}
        for key, value in row.items():
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                out[key] = None
            elif key == "at":
                out[key] = pd.Timestamp(value).strftime("%Y-%m-%dT%H:%M:%SZ")
            elif key == "report_on":
                out[key] = as_date(value).isoformat() if as_date(value) else None
            elif key == "contradiction":
                out[key] = round(float(value), 4)
            else:
                out[key] = value
        records.append(out)
    return json.dumps(records, ensure_ascii=False, indent=1)


ATOM = "http://www.w3.org/2005/Atom"


def to_atom(frame: pd.DataFrame, analyst: str, base_url: str | None = None, now: dt.datetime | None = None) -> str:
    """The events as an Atom 1.0 feed (RFC 4287): one entry per event, its link the Claim page (absolute when
    base_url is given). Text is set as text, so the XML library escapes it."""
    ET.register_namespace("", ATOM)
    now = now or dt.datetime.now(dt.timezone.utc)
    base = (base_url or "").rstrip("/")

    def stamp(value) -> str:
        return pd.Timestamp(value).strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None and not pd.isna(value) else \
            now.strftime("%Y-%m-%dT%H:%M:%SZ")

    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}title").text = f"Crosscheck: what's new for {analyst}"
    ET.SubElement(feed, f"{{{ATOM}}}id").text = f"urn:crosscheck:alerts:{analyst}"
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = stamp(frame["at"].max()) if len(frame) else stamp(None)
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = "Crosscheck"
    for row in frame.itertuples(index=False):
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        subject = (row.report_actor or "") + (f" ({row.stance})" if isinstance(row.stance, str) else "")
        ET.SubElement(entry, f"{{{ATOM}}}title").text = f"{row.event}: {subject or row.claim_actor or ''}".strip(": ")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = (
            f"urn:crosscheck:{row.event.replace(' ', '-')}:{row.claim_id}:{row.report_id or ''}:{stamp(row.at)}")
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = stamp(row.at)
        href = f"{base}/{row.link}" if base else row.link
        ET.SubElement(entry, f"{{{ATOM}}}link", {"rel": "alternate", "href": href})
        summary = f"Claim ({row.claim_actor or 'unknown'}): {row.claim_text}"
        if isinstance(row.report_text, str):
            summary += f"\nReport ({row.report_actor or 'unknown'}, {as_date(row.report_on) or 'no date'}): {row.report_text}"
        summary += f"\nFollowed: {row.followed}"
        ET.SubElement(entry, f"{{{ATOM}}}summary", {"type": "text"}).text = summary
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"
