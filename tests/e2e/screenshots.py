"""Screenshots of the main pages for the README: python tests/e2e/screenshots.py [DB] [OUT_DIR].

Starts the dashboard on the given database (default: the demo database), opens the Overview,
its events chart, Claims (filtered to the Feb 2022 withdrawal claims), the most contradicted
withdrawal claim, the Promises, Upload and Review pages in headless Chromium, and writes overview.png,
events.png, claims.png, claim.png, promises.png, upload.png, review.png; then that claim's dossier
(crosscheck.dossier), opened from its file: dossier.png.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from e2e.conftest import CHROMIUM, CHROMIUM_ARGS, start_server, stop_server, wait_idle  # noqa: E402


def pick_claim(db: Path) -> str | None:
    """The Russian withdrawal claim with the most contradicting reports (else the most matched claim)."""
    from crosscheck.db import connection

    con = connection.connect(db, read_only=True)
    try:
        row = con.execute(
            """SELECT m.claim_id FROM matches m JOIN statements s ON s.statement_id = m.claim_id
               GROUP BY m.claim_id, s.text, s.actor
               ORDER BY (s.text ILIKE '%withdraw%' AND s.actor ILIKE 'Russian%') DESC, count(*) FILTER (WHERE m.stance = 'contradicts') DESC,
                        count(*) DESC, m.claim_id
               LIMIT 1"""
        ).fetchone()
    finally:
        con.close()
    return row[0] if row else None


def scored(db: Path) -> bool:
    """True when the database holds stance scores (a stance model was available at ingest)."""
    from crosscheck.db import connection

    con = connection.connect(db, read_only=True)
    try:
        return con.execute("SELECT count(*) FROM matches WHERE stance IS NOT NULL").fetchone()[0] > 0
    finally:
        con.close()


PLACEHOLDER = "https://crosscheck.invalid"


def dossier_html(db: Path, claim: str, base_url: str) -> str:
    """The claim's dossier as the Claim page's download gives it."""
    from crosscheck import dossier
    from crosscheck.db import connection

    con = connection.connect(db, read_only=True)
    try:
        return dossier.to_html(dossier.gather(con, [claim]), base_url=base_url)
    finally:
        con.close()


def main(db: Path, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    claim = pick_claim(db)
    metric = "contradiction" if scored(db) else "similarity"
    shots = {
        "overview": "overview?" + urlencode({"freq": "week", "metric": metric, "by": "actors"}),
        "events": "overview?" + urlencode({"view": "events"}),
        "claims": "claims?" + urlencode(
            {"actor": ["Russian government", "Russian Ministry of Defence"], "start": "2022-02-10", "end": "2022-02-28"},
            doseq=True,
        ),
        "claim": "claim?" + urlencode({"claim": claim or ""}),
        "promises": "promises",
        "upload": "upload",
        "review": "review",
    }
    # Read before the dashboard holds the file; its address is known only once it runs.
    page_dossier = dossier_html(db, claim, PLACEHOLDER) if claim else ""
    with tempfile.TemporaryDirectory() as tmp:
        html_file = Path(tmp) / "dossier.html"
        proc, url = start_server(db, Path(tmp) / "streamlit.log")
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_context(viewport={"width": 1440, "height": 1000}, device_scale_factor=1).new_page()
                for name, path in shots.items():
                    page.goto(f"{url}/{path}")
                    wait_idle(page)
                    page.wait_for_timeout(1500)  # plotly and the data grid draw after the run ends
                    page.screenshot(path=str(out / f"{name}.png"), full_page=False)
                    print(out / f"{name}.png")
                if claim:
                    html_file.write_text(page_dossier.replace(PLACEHOLDER, url), encoding="utf-8")
                    page.set_viewport_size({"width": 1000, "height": 1100})
                    page.goto(html_file.as_uri())
                    page.screenshot(path=str(out / "dossier.png"), full_page=False)
                    print(out / "dossier.png")
                browser.close()
        finally:
            stop_server(proc)


if __name__ == "__main__":
    from crosscheck import config

    db_arg = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(config.db_path())
    out_arg = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "docs"
    main(db_arg, out_arg)
