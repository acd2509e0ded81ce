"""Follow and What's new (crosscheck.alerts): follows per analyst, the events since a time, JSON and Atom, and the
command line. The texts are written for these tests; the database is built with the real pipeline and models."""

from __future__ import annotations

import datetime as dt
import json
import time
from xml.etree import ElementTree as ET

import pytest
from conftest import store_texts

from crosscheck import alerts, cli
from crosscheck.db import schema, writes
from crosscheck.errors import InputError

ATOM = "{http://www.w3.org/2005/Atom}"




@pytest.fixture
def followed(db, embedder, registry):
    store_texts(db, embedder, registry, [
        ("kremlin.txt", "Kremlin", dt.date(2022, 2, 15),
         "A decision has been taken to partially withdraw forces from the border area."),
        ("tass.txt", "Russian Ministry of Defence", dt.date(2022, 2, 16),
         "Units of the Southern Military District are loading onto trains to return to their garrisons."),
    ])
    claim = db.execute("SELECT statement_id FROM statements WHERE text LIKE '%partially withdraw%'").fetchone()[0]
    writes.follow(db, "ana@newsroom.test", "claim", claim)
    writes.follow(db, "ana@newsroom.test", "actor", "Russian Ministry of Defence")
    writes.follow(db, "ana@newsroom.test", "search", alerts.search_query("https://x.test/claims?q=garrisons&page=2"))
    time.sleep(0.01)
    since = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    time.sleep(0.01)
    store_texts(db, embedder, registry, [
        ("cit.txt", "Conflict Intelligence Team", dt.date(2022, 2, 17),
         "The Conflict Intelligence Team said it has seen no sign of Russian forces withdrawing from the border area; "
         "new videos show armour arriving."),
        ("mod-2.txt", "Russian Ministry of Defence", dt.date(2022, 2, 18),
         "Trains carrying tanks of the Western Military District will return them to their garrisons by Sunday."),
    ])
    return db, claim, since


def test_what_arrived_since_for_what_an_analyst_follows(followed):
    db, claim, since = followed
    frame = alerts.alerts(db, "ana@newsroom.test", since)
    evidence = frame[(frame["event"] == "new evidence") & (frame["claim_id"] == claim)]
    assert len(evidence) >= 1 and evidence["report_actor"].eq("Conflict Intelligence Team").any()
    assert all(link.startswith(f"claim?claim={claim}&report=") for link in evidence["link"])
    new_claims = frame[frame["event"] == "new claim"]
    assert new_claims["claim_text"].str.contains("return them to their garrisons").any()  # the followed actor's
    assert set(new_claims["followed"]) <= {"actor: Russian Ministry of Defence", "search: q=garrisons"}
    assert list(frame["at"]) == sorted(frame["at"], reverse=True)  # newest first
    # Nothing before `since`, and nothing for another analyst.
    assert not frame["claim_text"].str.contains("loading onto trains").any() or (frame["event"] != "new claim").all()
    assert alerts.alerts(db, "someone@else.test", since).empty


def test_a_verdict_is_a_stance_change_and_mark_read_empties_it(followed):
    db, claim, since = followed
    report = db.execute("SELECT report_id FROM matches WHERE claim_id = ? LIMIT 1", [claim]).fetchone()[0]
    writes.save_verdict(db, claim, report, "rejected", analyst="lead@newsroom.test", label="contradicts",
                        analyst_name="Lead")
    frame = alerts.alerts(db, "ana@newsroom.test", since)
    changed = frame[frame["event"] == "stance changed"]
    assert changed["stance"].str.contains("contradicts \\(verdict by Lead\\)").any()
    writes.mark_read(db, "ana@newsroom.test")
    assert alerts.alerts(db, "ana@newsroom.test").empty  # since she marked it read


def test_json_and_atom_that_an_xml_parser_reads(followed):
    db, claim, since = followed
    frame = alerts.alerts(db, "ana@newsroom.test", since)
    records = json.loads(alerts.to_json(frame))
    assert len(records) == len(frame) and records[0]["at"].endswith("Z")
    feed = ET.fromstring(alerts.to_atom(frame, "ana@newsroom.test", base_url="https://crosscheck.example"))
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert feed.find(f"{ATOM}{required}").text
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == len(frame)
    for entry in entries:
        assert entry.find(f"{ATOM}id").text and entry.find(f"{ATOM}updated").text and entry.find(f"{ATOM}title").text
        assert entry.find(f"{ATOM}link").get("href").startswith("https://crosscheck.example/claim?claim=")
    assert len({e.find(f"{ATOM}id").text for e in entries}) == len(entries)


def test_markup_in_stored_text_stays_text_in_the_feed(followed):
    db, claim, since = followed
    frame = alerts.alerts(db, "ana@newsroom.test", since)
    frame.loc[0, "report_text"] = "<script>alert(1)</script> & ]]>"
    feed = ET.fromstring(alerts.to_atom(frame, "ana"))
    summaries = [e.find(f"{ATOM}summary").text for e in feed.findall(f"{ATOM}entry")]
    assert any("<script>alert(1)</script> & ]]>" in s for s in summaries)
    assert not feed.findall(f".//{ATOM}script") and not feed.findall(".//script")


def test_follow_refuses_what_does_not_exist_and_unfollow_stops(db):
    with pytest.raises(InputError, match="no such statement"):
        writes.follow(db, "ana", "claim", "nope")
    with pytest.raises(InputError, match="no such actor"):
        writes.follow(db, "ana", "actor", "Nobody At All")
    with pytest.raises(InputError, match="not a Claims search"):
        alerts.search_query("https://x.test/claims?page=2")
    writes.follow(db, "ana", "actor", "Russian government")
    writes.follow(db, "ana", "actor", "Russian government")  # twice is once
    assert db.execute("SELECT count(*) FROM follows").fetchone()[0] == 1
    assert writes.unfollow(db, "ana", "actor", "Russian government") and not writes.unfollow(db, "ana", "actor", "Russian government")


def test_a_version_4_database_gets_the_follow_tables(db):
    db.execute("DROP TABLE follows")
    db.execute("DROP TABLE alert_reads")
    schema.set_meta(db, "schema_version", "4")
    schema.upgrade(db)
    writes.follow(db, "ana", "actor", "Russian government")
    assert schema.get_meta(db, "schema_version") == "5"


def test_the_command_line_follows_and_prints_alerts(followed, tmp_path, capsys):
    db, claim, since = followed
    path = tmp_path / "test.duckdb"
    db.execute("CHECKPOINT")
    db.close()
    assert cli.main(["follow", "claim", f"https://x.test/claim?claim={claim}", "--analyst", "bo", "--db", str(path)]) == 0
    assert cli.main(["alerts", "--analyst", "bo", "--since", since.isoformat() + "Z", "--db", str(path)]) == 0
    out = capsys.readouterr().out
    records = json.loads(out[out.index("["):])
    assert any(r["event"] == "new evidence" and r["claim_id"] == claim for r in records)
    assert cli.main(["alerts", "--analyst", "bo", "--since", since.isoformat(), "--format", "atom", "--db", str(path)]) == 0
    feed = ET.fromstring(capsys.readouterr().out)
    assert feed.findall(f"{ATOM}entry")
    assert cli.main(["unfollow", "claim", claim, "--analyst", "bo", "--db", str(path)]) == 0
    assert "no longer follows" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli.main(["alerts", "--since", "yesterday", "--db", str(path)])
