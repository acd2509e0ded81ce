"""Dossiers (crosscheck.dossier): every evidence sentence the Claim page shows, with its source link, in one HTML
file that runs nothing and loads nothing, and in Markdown; hostile stored text comes out inert.

The texts are written for these tests; the database is built with the real pipeline and models.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from html.parser import HTMLParser

import pytest

from crosscheck import cli, dossier, match
from crosscheck.config import MatchSettings
from crosscheck.ingest import extract_text

HOSTILE_TITLE = "Troops <script>alert('title')</script> stay"
HOSTILE_QUOTE = ("Satellite images show <img src=x onerror=alert(1)> armoured units moving toward the border "
                 "rather than away from it, the Conflict Intelligence Team said.")
DOCS = [
    ("kremlin.txt", "Kremlin", dt.date(2022, 2, 15), "Withdrawal announced", "https://kremlin.example/news/1",
     "A decision has been taken to partially withdraw forces from the border area."),
    ("cit.txt", "Conflict Intelligence Team", dt.date(2022, 2, 17), HOSTILE_TITLE, "javascript:alert('link')",
     HOSTILE_QUOTE),
    ("rochan.txt", "Rochan Consulting", dt.date(2022, 2, 18), "No withdrawal", "https://rochan.example/a?b=1&c=<x>",
     "Rochan Consulting said it has seen no sign that Russian forces are being withdrawn from the border area."),
]


@pytest.fixture
def claim_db(db, embedder, registry, tmp_path):
    from crosscheck.models.stance import load_scorer
    from crosscheck.pipeline import store_documents

    docs = []
    for name, publisher, date, title, url, text in DOCS:
        docs += extract_text(text, source_name=name, publisher=publisher, date=date, title=title, url=url).documents
    summary = store_documents(db, docs, embedder=embedder, scorer=load_scorer(embedder=embedder), registry=registry)
    assert all(r.status == "added" for r in summary.results), summary.lines()
    claim_id = db.execute("SELECT statement_id FROM statements WHERE text LIKE '%partially withdraw%'").fetchone()[0]
    return db, claim_id


class Tags(HTMLParser):
    """Every start tag with its attributes."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_the_html_dossier_holds_every_evidence_sentence_and_runs_nothing(claim_db):
    con, claim_id = claim_db
    shown = match.claim_reports(con, claim_id, MatchSettings())
    shown = shown[shown["shown"].astype(bool)]
    assert len(shown) >= 2  # the CIT and Rochan sentences
    found = dossier.gather(con, [claim_id])
    page = dossier.to_html(found, base_url="https://crosscheck.example/team")

    plain = html.unescape(re.sub(r"<[^>]+>", "", page))
    for row in shown.itertuples(index=False):
        assert row.text in plain, row.text
    assert "A decision has been taken to partially withdraw forces" in plain
    assert HOSTILE_TITLE in plain and HOSTILE_QUOTE in plain  # shown as text…

    parser = Tags()
    parser.feed(page)
    tags = {tag for tag, _ in parser.tags}
    assert "script" not in tags and "img" not in tags and "iframe" not in tags and "link" not in tags  # …never as markup
    assert "<script" not in page.lower()
    for tag, attrs in parser.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        assert "src" not in attrs, (tag, attrs)  # nothing is loaded
        if "href" in attrs:
            assert tag == "a" and attrs["href"].startswith("https://"), attrs
    hrefs = [attrs["href"] for tag, attrs in parser.tags if tag == "a"]
    assert "https://kremlin.example/news/1" in hrefs
    assert any(h.startswith("https://rochan.example/a?b=1&c=%3Cx%3E") for h in hrefs)  # the quote cannot close the tag
    assert not any("javascript" in h for h in hrefs)
    assert f"https://crosscheck.example/team/claim?claim={claim_id}" in hrefs  # back to the live view
    assert "<svg" in page and "Content-Security-Policy" in page
    assert found[0].models and not any("not scored" in m for m in found[0].models)


def test_the_markdown_dossier_escapes_stored_text(claim_db):
    con, claim_id = claim_db
    text = dossier.to_markdown(dossier.gather(con, [claim_id]))
    assert not re.search(r"(?<!\\)<(script|img)", text)  # only backslash-escaped, shown as text
    assert r"\<script\>" in text and r"\<img src\=x onerror\=alert\(1\)\>" in text
    assert "javascript:" not in text
    assert "<https://rochan.example/a?b=1&c=%3Cx%3E>" in text


def test_the_command_line_writes_html_and_markdown_and_refuses_an_unknown_claim(claim_db, tmp_path, capsys):
    con, claim_id = claim_db
    path = tmp_path / "test.duckdb"
    con.execute("CHECKPOINT")
    con.close()
    out = tmp_path / "dossier.html"
    assert cli.main(["dossier", claim_id, "--db", str(path), "--out", str(out)]) == 0
    assert "Rochan Consulting" in out.read_text() and "<script" not in out.read_text().lower()
    assert cli.main(["dossier", claim_id, "--db", str(path), "--out", str(tmp_path / "dossier.md")]) == 0
    assert (tmp_path / "dossier.md").read_text().startswith("# Crosscheck dossier")
    capsys.readouterr()
    assert cli.main(["dossier", "nope", "--db", str(path), "--out", str(out)]) != 0
    assert "claim nope: no such statement" in capsys.readouterr().err
    assert cli.main(["dossier", claim_id, "--db", str(path), "--out", str(tmp_path / "dossier.pdf")]) != 0
