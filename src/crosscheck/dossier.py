"""Dossiers: one or more claims with their evidence, as a self-contained HTML file or as Markdown, for an editor.

For each claim: who said it, the actor, the date, its standing across independent monitors; for each source the
Claim page shows, the sentence kept as evidence with its stance, probabilities, date and lag, the document's
title, publisher and link, and the analysts' verdicts; the evidence over time as a picture drawn in SVG; the model
and calibration that scored the pairs; when the dossier was made and a link back to the live view.

Self-contained: no script, no style sheet, font or picture loaded from elsewhere; it opens offline and can be
mailed. Every stored text (titles, quotes, publishers, names) is escaped, and only http(s) links become links.

    crosscheck dossier CLAIM_ID... [--db DB] --out FILE.html|FILE.md [--base-url URL]
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from crosscheck import match
from crosscheck.config import MatchSettings
from crosscheck.dates import as_date
from crosscheck.db import reads
from crosscheck.errors import InputError
from crosscheck.export import escape_markdown, safe_url

# The Claims page's dossier holds at most this many claims (the first ones its filters show).
MAX_CLAIMS = 50
STANCE_COLOURS = {"contradicts": "#d62728", "supports": "#2ca02c", "uncertain": "#ff9f1c", "discusses": "#1f77b4",
                  "unrelated": "#7f7f7f"}


@dataclass
class ClaimDossier:
    claim: dict
    standing: dict
    reports: pd.DataFrame  # the shown sentence of each source (match.REPORT_COLUMNS), with model and calibration
    verdicts: pd.DataFrame
    models: list[str] = field(default_factory=list)


def gather(con: duckdb.DuckDBPyConnection, claim_ids: list[str], settings: MatchSettings | None = None) -> list[ClaimDossier]:
    """What the Claim page shows for each claim, with the default matching settings (InputError for an unknown id)."""
    settings = settings or MatchSettings()
    out = []
    for claim_id in dict.fromkeys(claim_ids):
        claim = reads.get_statement(con, claim_id)
        if claim is None:
            raise InputError(f"claim {claim_id}: no such statement in this database")
        standing = reads.list_claims(con, claim_ids=[claim_id])
        reports = match.claim_reports(con, claim_id, settings)
        reports = reports[reports["shown"].astype(bool)].reset_index(drop=True)
        out.append(ClaimDossier(claim, standing.iloc[0].to_dict() if len(standing) else {}, reports,
                                reads.claim_verdicts(con, claim_id),
                                reads.pair_models(con, claim_id, reports["report_id"].tolist())))
    return out


def _day(value) -> str:
    day = as_date(value)
    return day.isoformat() if day else "no date"


def _num(value) -> str:
    return "–" if value is None or pd.isna(value) else f"{float(value):.2f}"


def _lag(value) -> str:
    if value is None or pd.isna(value):
        return "lag unknown"
    days = int(value)
    return "same day" if days == 0 else f"{abs(days)} day{'s' if abs(days) != 1 else ''} {'after' if days > 0 else 'before'}"


def _claim_link(base_url: str | None, claim_id: str, report_id: str | None = None) -> str | None:
    if not base_url or not safe_url(base_url):
        return None
    from urllib.parse import urlencode

    query = urlencode({"claim": claim_id, **({"report": report_id} if report_id else {})})
    return f"{base_url.rstrip('/')}/claim?{query}"


def timeline_svg(dossier: ClaimDossier, width: int = 640, height: int = 120) -> str:
    """The claim's evidence over time as inline SVG: the claim a black diamond on its date, each source's sentence
    a dot at its date, coloured by stance, higher the more it contradicts. Only numbers and escaped text."""
    claim_day = as_date(dossier.claim.get("stated_on"))
    days = [d for d in (as_date(v) for v in dossier.reports["stated_on"]) if d] + ([claim_day] if claim_day else [])
    if not days:
        return '<p class="note">No dated evidence to draw.</p>'
    lo, hi = min(days), max(days)
    span = max((hi - lo).days, 1)
    left, right, top, bottom = 50, width - 20, 15, height - 30

    def x(day: dt.date) -> float:
        return left + (right - left) * (day - lo).days / span

    def y(p) -> float:
        return bottom - (bottom - top) * (0.5 if p is None or pd.isna(p) else float(p))

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'aria-label="Evidence over time">',
             f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#999"/>',
             f'<text x="{left}" y="{height - 10}" font-size="11">{html.escape(lo.isoformat())}</text>',
             f'<text x="{right}" y="{height - 10}" font-size="11" text-anchor="end">{html.escape(hi.isoformat())}</text>',
             f'<text x="5" y="{top + 4}" font-size="10">1.0</text><text x="5" y="{bottom}" font-size="10">0.0</text>']
    if claim_day:
        cx = x(claim_day)
        parts.append(f'<path d="M{cx:.1f},{bottom - 7} l6,7 l-6,7 l-6,-7 z" fill="#222"><title>claim, '
                     f'{html.escape(claim_day.isoformat())}</title></path>')
    for row in dossier.reports.itertuples(index=False):
        day = as_date(row.stated_on)
        if day is None:
            continue
        colour = STANCE_COLOURS.get(row.stance, "#bcbd22")
        label = html.escape(f"{row.publisher or row.actor or 'unknown'}, {day.isoformat()}: {row.stance or 'not scored'}")
        parts.append(f'<circle cx="{x(day):.1f}" cy="{y(row.contradiction):.1f}" r="5" fill="{colour}">'
                     f"<title>{label}</title></circle>")
    parts.append("</svg>")
    return "".join(parts)


_STYLE = """body{font-family:Georgia,serif;max-width:52em;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{font-size:1.25em;border-top:1px solid #ccc;padding-top:1em}blockquote{margin:.5em 0;padding:.3em 1em;
border-left:4px solid #999;background:#f6f6f6}.meta,.note{color:#555;font-size:.9em}.report{margin:1em 0}
.stance{font-weight:bold}"""


def to_html(dossiers: list[ClaimDossier], made_at: dt.datetime | None = None, base_url: str | None = None) -> str:
    """The dossier as one HTML file with no script and nothing loaded from elsewhere; stored text escaped."""
    made_at = made_at or dt.datetime.now(dt.timezone.utc)
    e = html.escape
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           # Nothing may load or run: a mail client or browser opening the file obeys this too.
           "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
           "img-src data:\">",
           f"<title>Crosscheck dossier: {len(dossiers)} claim{'s' if len(dossiers) != 1 else ''}</title>",
           f"<style>{_STYLE}</style></head><body>",
           f"<h1>Crosscheck dossier</h1><p class=\"meta\">Made {e(made_at.strftime('%Y-%m-%d %H:%M UTC'))} · "
           f"{len(dossiers)} claim{'s' if len(dossiers) != 1 else ''}</p>"]
    for d in dossiers:
        c = d.claim
        who = c.get("speaker") or c.get("actor") or "unknown speaker"
        out.append(f"<h2>{e(who)}{e(' (' + c['actor'] + ')') if c.get('actor') and c.get('actor') != who else ''}</h2>")
        out.append(f"<blockquote>{e(c['text'])}</blockquote>")
        source = e(c.get("title") or c.get("source_name") or "")
        if url := safe_url(c.get("url")):
            source = f'<a href="{e(url, quote=True)}" rel="noopener noreferrer">{source or e(url)}</a>'
        out.append(f"<p class=\"meta\">{e(_day(c.get('stated_on')))} · {e(c.get('publisher') or '')} · {source}</p>")
        if d.standing:
            s = d.standing
            out.append(f"<p>Standing: <b>{e(str(s.get('standing')))}</b> · {int(s.get('contradicting_sources') or 0)} "
                       f"independent monitors contradict it, {int(s.get('supporting_sources') or 0)} support it.</p>")
        if live := _claim_link(base_url, c["statement_id"]):
            out.append(f'<p class="meta">Live view: <a href="{e(live, quote=True)}">{e(live)}</a></p>')
        out.append(timeline_svg(d))
        out.append(f"<h3>{len(d.reports)} sources</h3>")
        for r in d.reports.itertuples(index=False):
            title = e(r.title or r.publisher or r.actor or "untitled")
            if url := safe_url(r.url):
                title = f'<a href="{e(url, quote=True)}" rel="noopener noreferrer">{title}</a>'
            out.append('<div class="report">')
            out.append(f"<p><b>{e(r.publisher or r.actor or 'unknown source')}</b> — {title}</p>")
            out.append(f"<blockquote>{e(r.text)}</blockquote>")
            out.append(f"<p class=\"meta\"><span class=\"stance\">{e(r.stance or 'not scored')}</span> · contradiction "
                       f"{_num(r.contradiction)} · support {_num(r.support)} · {e(_day(r.stated_on))} · {e(_lag(r.lag_days))}"
                       f" · {e(r.actor or 'unknown actor')} ({e(r.actor_type or '')})</p>")
            for v in d.verdicts[d.verdicts["report_id"] == r.report_id].itertuples(index=False):
                name = v.analyst_name if isinstance(v.analyst_name, str) and v.analyst_name else v.analyst
                label = f" ({v.label})" if isinstance(v.label, str) and v.label else ""
                out.append(f"<p class=\"meta\">Analyst verdict: {e(str(v.verdict) + label)} — {e(str(name))}, "
                           f"{e(_day(v.decided_at))}</p>")
            out.append("</div>")
        out.append(f"<p class=\"note\">Scored by: {e('; '.join(d.models) or 'no scored pair')}.</p>")
    out.append("<p class=\"note\">Stance is a model's reading, a lead to check against the sources, not a finding.</p>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def to_markdown(dossiers: list[ClaimDossier], made_at: dt.datetime | None = None, base_url: str | None = None) -> str:
    """The dossier as Markdown; stored text escaped so no renderer reads it as markup or HTML."""
    made_at = made_at or dt.datetime.now(dt.timezone.utc)
    m = escape_markdown
    out = ["# Crosscheck dossier", "", f"Made {made_at.strftime('%Y-%m-%d %H:%M UTC')} · {len(dossiers)} claims", ""]
    for d in dossiers:
        c = d.claim
        who = c.get("speaker") or c.get("actor") or "unknown speaker"
        out += [f"## {m(who)}" + (f" ({m(c['actor'])})" if c.get("actor") and c.get("actor") != who else ""), "",
                f"> {m(c['text'])}", "",
                f"{_day(c.get('stated_on'))} · {m(c.get('publisher') or '')} · {m(c.get('title') or c.get('source_name') or '')}"
                + (f" · <{safe_url(c.get('url'))}>" if safe_url(c.get("url")) else ""), ""]
        if d.standing:
            s = d.standing
            out += [f"Standing: **{m(str(s.get('standing')))}** · {int(s.get('contradicting_sources') or 0)} independent "
                    f"monitors contradict it, {int(s.get('supporting_sources') or 0)} support it.", ""]
        if live := _claim_link(base_url, c["statement_id"]):
            out += [f"Live view: <{live}>", ""]
        out += [f"### {len(d.reports)} sources", ""]
        for r in d.reports.itertuples(index=False):
            out += [f"**{m(r.publisher or r.actor or 'unknown source')}** — {m(r.title or '')}"
                    + (f" <{safe_url(r.url)}>" if safe_url(r.url) else ""), "",
                    f"> {m(r.text)}", "",
                    f"{m(r.stance or 'not scored')} · contradiction {_num(r.contradiction)} · support {_num(r.support)} · "
                    f"{_day(r.stated_on)} · {_lag(r.lag_days)}", ""]
            for v in d.verdicts[d.verdicts["report_id"] == r.report_id].itertuples(index=False):
                name = v.analyst_name if isinstance(v.analyst_name, str) and v.analyst_name else v.analyst
                out += [f"Analyst verdict: {m(str(v.verdict))} — {m(str(name))}, {_day(v.decided_at)}", ""]
        out += [f"Scored by: {m('; '.join(d.models) or 'no scored pair')}", ""]
    return "\n".join(out)
