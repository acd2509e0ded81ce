"""Every page of the dashboard and every link to one, built in one place (the pages, the navigation and the tests use it).

A page has a script (under views/, not pages/: with a pages/ folder next to app.py, Streamlit runs a deep link
opened first after a restart in its old folder mode, without app.py, its navigation or its page config), a
title, a stable URL path and an icon. Links carry their view in the query string, so they can be shared:

    urls.script("claim")                         -> "views/claim.py"   (st.page_link, st.switch_page)
    urls.link("claim", claim="abc")              -> "claim?claim=abc"  (relative: valid from any page)
    urls.claim_link("abc", report_id="def")      -> "claim?claim=abc&report=def"
    urls.claims_filter(start=…, end=…, actor=…)  -> the Claims page's query parameters for that filter
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode


@dataclass(frozen=True)
class Page:
    name: str  # the URL path, e.g. "claim"
    title: str
    icon: str

    @property
    def script(self) -> str:
        return f"views/{self.name}.py"


PAGES = (
    Page("overview", "Overview", ":material/timeline:"),
    Page("claims", "Claims", ":material/fact_check:"),
    Page("claim", "Claim", ":material/article:"),
    Page("promises", "Promises", ":material/event_available:"),
    Page("new", "What's new", ":material/notifications:"),
    Page("review", "Review", ":material/rule:"),
    Page("upload", "Upload", ":material/upload:"),
    Page("actors", "Actors", ":material/groups:"),
    Page("data", "Data", ":material/download:"),
)
# Only with sign-in: the page where admins give people roles.
ACCESS = Page("access", "Access", ":material/admin_panel_settings:")
# Pages that exist for a write (page name → the action it needs): out of the navigation for whoever may not do it.
WRITE_PAGES = {"upload": "upload", "access": "grant_role"}
_BY_NAME = {p.name: p for p in (*PAGES, ACCESS)}

# The Claims page's filters as they appear in its URL (its widgets are bound to these query parameters).
CLAIMS_FILTERS = ("actor", "country", "start", "end", "storyline", "standing", "stance", "min_contradiction", "q")
# The Promises page's filters as they appear in its URL.
PROMISES_FILTERS = ("actor", "status", "kind")


def page(name: str) -> Page:
    """The page called `name` (KeyError for a page that does not exist)."""
    return _BY_NAME[name]


def script(name: str) -> str:
    """The script of a page, for st.page_link and st.switch_page."""
    return page(name).script


def link(name: str, **params) -> str:
    """A relative link to a page with its query parameters (None values left out), valid from any page."""
    query = urlencode({k: v for k, v in params.items() if v is not None}, doseq=True)
    return page(name).name + (f"?{query}" if query else "")


def claim_link(claim_id: str, report_id: str | None = None) -> str:
    """The permalink of a claim, or of one pair when report_id is given."""
    return link("claim", claim=claim_id, report=report_id or None)


def claim_params(claim_id: str, report_id: str | None = None) -> dict[str, str]:
    """The Claim page's query parameters for a claim (and a pair)."""
    return {"claim": claim_id, **({"report": report_id} if report_id else {})}


def claims_filter(*, start: dt.date | str | None = None, end: dt.date | str | None = None,
                  actor: str | None = None) -> dict[str, str]:
    """The Claims page's query parameters for claims of a period (and one actor)."""
    params = {"start": _iso(start), "end": _iso(end), "actor": actor}
    return {k: v for k, v in params.items() if v is not None and k in CLAIMS_FILTERS}


def _iso(value: dt.date | str | None) -> str | None:
    return value.isoformat() if isinstance(value, dt.date) else value
