"""The demo corpus in data/demo/ and `crosscheck demo`, built with the real models into a real DuckDB file."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import duckdb
import pytest

from crosscheck import config
from crosscheck.db import reads, schema
from crosscheck.demo import CORPUS_META_KEY, build_demo, demo_files
from crosscheck.ingest import extract_path
from crosscheck.pipeline import LineKind

FORMATS = {"txt", "md", "html", "pdf", "docx", "csv", "jsonl"}
MONITORS = ("osint", "independent_media", "intl_org")


def test_demo_files_leave_out_readme_and_scripts():
    names = {p.name for p in demo_files()}
    assert "README.md" not in names and "make_binary.py" not in names
    assert {p.suffix.lstrip(".") for p in demo_files()} == FORMATS


def test_every_demo_file_is_listed_in_the_readme():
    readme = (config.DEMO_DIR / "README.md").read_text(encoding="utf-8")
    missing = [p.name for p in demo_files() if f"| {p.name} |" not in readme]
    assert not missing, f"not described in data/demo/README.md: {missing}"


def test_every_demo_document_has_title_publisher_date_and_url():
    for path in demo_files():
        for doc in extract_path(path).documents:
            assert doc.published_on is not None, doc.source_name
            assert "2021-12-01" <= doc.published_on.isoformat() <= "2022-03-31", doc.source_name
            assert doc.title and not doc.title.startswith("---"), doc.source_name
            if doc.format not in ("pdf", "docx"):
                assert doc.publisher, doc.source_name
                assert doc.url and doc.url.startswith(("http://", "https://")), doc.source_name
            # Front matter is metadata, never part of the text.
            assert not doc.text.startswith("---"), doc.source_name


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory, embedder, registry):
    """The whole demo corpus built once with the real embedder, stance scorer and registry."""
    from crosscheck.models.stance import load_scorer

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    lines = list(build_demo(path, embedder=embedder, registry=registry, scorer=load_scorer(embedder=embedder)))
    return path, lines


@pytest.fixture
def demo_con(demo_db):
    con = duckdb.connect(str(demo_db[0]), read_only=True)
    yield con
    con.close()


@pytest.mark.slow
def test_demo_builds_without_refusals(demo_db):
    path, lines = demo_db
    assert not [line for line in lines if line.kind is LineKind.REFUSED or "refused" in line.text]
    assert lines[-1].text.startswith(f"demo database {path}:")


@pytest.mark.slow
def test_demo_has_documents_of_every_format_all_dated(demo_con):
    docs = demo_con.execute("SELECT format, published_on, publisher FROM documents").df()
    assert len(docs) >= 30
    assert FORMATS <= set(docs["format"])
    assert docs["published_on"].notna().all()
    days = docs["published_on"].astype(str)
    assert days.min() >= "2021-12-01" and days.max() <= "2022-03-31"


@pytest.mark.slow
def test_demo_has_government_claims_and_monitor_reports(demo_con):
    by_type = dict(demo_con.execute("SELECT actor_type, count(*) FROM statements GROUP BY actor_type").fetchall())
    assert by_type.get("government", 0) >= 30
    assert sum(by_type.get(t, 0) for t in MONITORS) >= 30
    actors = {a for (a,) in demo_con.execute("SELECT DISTINCT actor FROM statements WHERE actor IS NOT NULL").fetchall()}
    assert {"Conflict Intelligence Team", "Rochan Consulting", "NATO"} <= actors


@pytest.mark.slow
def test_putin_withdrawal_claim_is_attributed_to_the_russian_government(demo_con):
    rows = demo_con.execute(
        """SELECT speaker, actor, actor_type, stated_on FROM statements
           WHERE text LIKE '%decision has been taken to partially withdraw forces%'"""
    ).fetchall()
    assert rows, "the 15 Feb withdrawal claim is missing"
    speaker, actor, actor_type, stated_on = rows[0]
    assert "Putin" in speaker
    assert actor_type == "government" and actor == registry_actor("Putin")
    assert str(stated_on) == "2022-02-15"


@pytest.mark.slow
def test_leviev_analysis_is_attributed_to_cit(demo_con):
    rows = demo_con.execute(
        """SELECT actor, actor_type FROM statements
           WHERE text LIKE '%has not shown Russian troops leaving the border%'"""
    ).fetchall()
    assert rows == [("Conflict Intelligence Team", "osint")]


@pytest.mark.slow
def test_putin_withdrawal_claim_is_matched_to_cit_or_rochan(demo_con):
    reports = demo_con.execute(
        """SELECT m.claim_id, m.report_id, r.actor, m.similarity, m.stance
           FROM matches m
           JOIN statements c ON c.statement_id = m.claim_id
           JOIN statements r ON r.statement_id = m.report_id
           WHERE c.text LIKE '%partially withdraw forces%' AND c.actor_type = 'government'"""
    ).df()
    assert not reports.empty, "Putin's withdrawal claim has no matched reports"
    assert reports["claim_id"].notna().all() and reports["report_id"].notna().all()
    assert set(reports["actor"]) & {"Conflict Intelligence Team", "Rochan Consulting"}


def test_the_demo_shows_two_broken_promises_with_their_evidence(demo_db):
    """`crosscheck promises --format json` on the demo: Makei's assurance, due on 20 February, broken by a report of
    that day or later; a "no plans to attack" denial broken by a report of the attack."""
    out = subprocess.run([sys.executable, "-m", "crosscheck", "promises", "--db", str(demo_db[0]), "--format", "json"],
                         capture_output=True, text=True, check=True).stdout
    rows = json.loads(out)
    belarus = [r for r in rows if r["text"].startswith('"Not a single Russian serviceman')]
    assert len(belarus) == 1, [r["text"] for r in rows]
    (belarus,) = belarus
    assert (belarus["due_on"], belarus["status"], belarus["kind"]) == ("2022-02-20", "broken", "promise")
    assert belarus["report_on"] >= "2022-02-20" and belarus["report_id"] and belarus["lag_days"] >= 4
    denials = [r for r in rows if r["kind"] == "denial" and re.search(r"no plans to (attack|invade)", r["text"])
               and r["status"] == "broken"]
    assert denials, [(r["text"], r["status"]) for r in rows if r["kind"] == "denial"]
    assert all(r["due_on"] == "" and r["report_on"] >= r["stated_on"] for r in denials)
    assert any(re.search(r"invasion|attack", r["report_text"]) for r in denials)


def test_follow_putins_withdrawal_claim_then_a_new_report_is_an_alert_and_in_the_dossier(
        demo_db, tmp_path, embedder, registry, capsys):
    """On a copy of the demo: follow the claim, ingest a monitor report contradicting it, and `crosscheck alerts`
    lists the pair (JSON and Atom); `crosscheck dossier` holds every sentence the Claim page shows, with links."""
    import datetime as dt
    import time
    from xml.etree import ElementTree as ET

    from crosscheck import cli, match
    from crosscheck.config import MatchSettings
    from crosscheck.db import connection
    from crosscheck.ingest import extract_text
    from crosscheck.models.stance import load_scorer
    from crosscheck.pipeline import store_documents

    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db[0], path)
    con = connection.connect(path)
    schema.upgrade(con)
    claim = con.execute("SELECT statement_id FROM statements WHERE text LIKE '%partially withdraw forces%' "
                        "AND actor_type = 'government' ORDER BY statement_id LIMIT 1").fetchone()[0]
    con.close()
    assert cli.main(["follow", "claim", claim, "--analyst", "ana@newsroom.test", "--db", str(path)]) == 0
    time.sleep(0.01)
    before = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    con = connection.connect(path)
    report = ("Satellite images taken on Thursday show that no Russian forces have withdrawn from the border area: "
              "more armour and field hospitals arrived near Belgorod, the Conflict Intelligence Team said.")
    docs = extract_text(report, source_name="cit-2022-02-18.txt", publisher="Conflict Intelligence Team",
                        date=dt.date(2022, 2, 18), url="https://citeam.example/2022-02-18").documents
    summary = store_documents(con, docs, embedder=embedder, scorer=load_scorer(embedder=embedder), registry=registry)
    assert [r.status for r in summary.results] == ["added"]
    shown = match.claim_reports(con, claim, MatchSettings())
    shown = shown[shown["shown"].astype(bool)]
    con.close()
    capsys.readouterr()

    assert cli.main(["alerts", "--analyst", "ana@newsroom.test", "--since", before.isoformat(), "--db", str(path)]) == 0
    events = json.loads(capsys.readouterr().out)
    new = [e for e in events if e["event"] == "new evidence" and e["claim_id"] == claim]
    assert new and any("no Russian forces have withdrawn" in e["report_text"] for e in new), events
    assert cli.main(["alerts", "--analyst", "ana@newsroom.test", "--since", before.isoformat(), "--format", "atom",
                     "--db", str(path)]) == 0
    feed = ET.fromstring(capsys.readouterr().out)
    assert len(feed.findall("{http://www.w3.org/2005/Atom}entry")) == len(events)

    out = tmp_path / "dossier.html"
    assert cli.main(["dossier", claim, "--db", str(path), "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    import html as markup

    plain = markup.unescape(re.sub(r"<[^>]+>", "", page))
    assert "a decision has been taken to partially withdraw forces" in plain
    for row in shown.itertuples(index=False):
        assert row.text in plain, row.text
    from crosscheck.export import safe_url

    links = {markup.unescape(h) for h in re.findall(r'href="([^"]+)"', page)}
    for row in shown.itertuples(index=False):
        assert safe_url(row.url) is None or safe_url(row.url) in links, row.url  # each source with its link
    assert "<script" not in page.lower() and not re.search(r"\bsrc=", page)


@pytest.mark.slow
def test_rerun_on_a_built_demo_is_a_no_op_from_the_command_line(demo_db):
    path, _ = demo_db
    with duckdb.connect(str(path), read_only=True) as con:
        before = reads.counts(con)
    out = subprocess.run(
        [sys.executable, "-m", "crosscheck", "demo", "--db", str(path)], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    assert "already built" in out.stdout
    with duckdb.connect(str(path), read_only=True) as con:
        assert reads.counts(con) == before


@pytest.mark.slow
def test_a_broken_file_is_reported_and_the_rest_is_built(tmp_path, embedder, registry):
    from crosscheck.models.stance import load_scorer

    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in ("2022-02-15-kremlin-news-conference-scholz.txt", "2022-02-16-rochan-withdrawal-not-genuine.md"):
        shutil.copy(config.DEMO_DIR / name, folder / name)
    (folder / "2022-02-17-broken.pdf").write_bytes(b"%PDF-1.4\nthis is not really a PDF")
    db = tmp_path / "partial.duckdb"
    scorer = load_scorer("none")
    lines = list(build_demo(db, folder=folder, embedder=embedder, registry=registry, scorer=scorer))
    assert any(line.kind is LineKind.REFUSED and "2022-02-17-broken.pdf" in line.text for line in lines)
    with duckdb.connect(str(db), read_only=True) as con:
        assert reads.counts(con)["documents"] == 2
        # An incomplete build is not marked done, so the next run tries again.
        assert schema.get_meta(con, CORPUS_META_KEY) is None
    (folder / "2022-02-17-broken.pdf").unlink()
    again = list(build_demo(db, folder=folder, embedder=embedder, registry=registry, scorer=scorer))
    assert any("already stored" in line.text for line in again)
    assert "already built" in list(build_demo(db, folder=folder))[0].text


def registry_actor(name: str) -> str:
    """The canonical actor the registry gives a name."""
    from crosscheck.actors import load_registry

    return load_registry().resolve(name).name


def test_front_matter_is_metadata_and_a_broken_block_stays_text():
    from crosscheck.ingest import extract_file

    doc = extract_file(
        "note.md", b'---\ntitle: "A: title"\npublisher: Rochan Consulting\ndate: 2022-02-16\n---\nBody text here.\n'
    ).documents[0]
    assert (doc.title, doc.publisher, doc.published_on.isoformat(), doc.text) == (
        "A: title", "Rochan Consulting", "2022-02-16", "Body text here."
    )
    plain = extract_file("rule.md", b"---\nJust a line: with a colon: twice\n---\nMore.\n").documents[0]
    assert plain.publisher is None and plain.text.startswith("---")
