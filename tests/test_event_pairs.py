"""Training pairs from an event log: labels follow the claim's direction, held-out events stay out."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from event_log import write_event_log

from crosscheck.errors import DataFileError
from crosscheck.training.event_pairs import (
    claim_pair,
    event_pairs,
    heldout_fence,
    load_events,
    town_key,
)

# Events in the log's format, written for these tests.
EVENTS = [
    ("E1", "2022-03-02", "Civilian Infrastructure Damage March 2022", "02/03/2022 Missile strike on a school in Sumy", "Ukraine", "Sumy"),
    ("E2", "2022-03-04", "Civilian Infrastructure Damage March 2022", "04/03/2022 Apartment block in Poltava damaged by shelling", "Ukraine", "Poltava"),
    ("E3", "2022-03-05", "Civilian Casualty", "05/03/2022 Two civilians killed by shelling of a market in Kherson", "Ukraine", "Kherson"),
    ("E4", "2022-03-06", "Bombing or Explosion Feb - June", "06/03/2022 Residential street in Donetsk hit by rockets", "Ukraine", "Donetsk"),
    ("E5", "2022-03-07", "Civilian Infrastructure Damage March 2022", "07/03/2022 Hospital in Chernihiv hit by an airstrike", "Ukraine", "Chernihiv"),
    ("E6", "2022-04-20", "Civilian Infrastructure Damage April 2022", "20/04/2022 Houses in Sumy destroyed by a missile", "Ukraine", "Sumy"),
    ("E7", "2022-03-08", "Bombing or Explosion Feb - June", "08/03/2022 Ukrainian positions near Izium hit by artillery", "Ukraine", "Izium"),
    ("M1", "2022-02-17", "Russian Military Presence February 2022", "17/02/2022 Tanks moving towards the Ukrainian border", "Russia", "Valuyki"),
    ("M2", "2022-02-18", "Russian Military Presence February 2022", "18/02/2022 Convoy heading north, away from the border", "Russia", "Kursk"),
    ("M3", "2022-02-19", "Russian Military Presence February 2022", "19/02/2022 New field hospital set up near the border", "Belarus", "Yelsk"),
]


def write_log(path, events=EVENTS):
    return write_event_log(path, events)


def test_town_spellings_share_a_key():
    assert town_key("Mykolajiv, Mykolaiv Oblast, Ukraine") == town_key("Mykolaiv") == town_key("Nikolaev")
    assert town_key("Mariupol'") == town_key("Mariupol, Donetsk Oblast, Ukraine")
    assert town_key("Kharkiv") != town_key("Kherson")


def test_event_text_drops_the_leading_date(tmp_path):
    events = load_events(write_log(tmp_path / "events.csv"))
    assert "Missile strike on a school in Sumy" in set(events["text"])
    assert not any(re.match(r"\d\d/\d\d/\d{4}", t) for t in events["text"])


def test_strike_labels_follow_the_claim_direction(tmp_path):
    pairs = event_pairs(write_log(tmp_path / "events.csv"), strikes=10, movements=0, seed=3)
    strikes = pairs[pairs["family"].str.startswith("event_") & pairs["source"].str.startswith("E")]
    supports = strikes[strikes["label"] == "supports"]
    contradicts = strikes[strikes["label"] == "contradicts"]
    # One accusation and one denial per usable strike event, each about the event's own town.
    assert len(supports) == len(contradicts) == 6
    for _, row in pd.concat([supports, contradicts]).iterrows():
        town = re.search(r"in (\w+)$", row["evidence"]) or re.search(r"(Sumy|Poltava|Kherson|Donetsk|Chernihiv)", row["evidence"])
        assert town.group(1) in row["claim"], (row["claim"], row["evidence"])
    assert not any(re.search(r"\b(fakes?|fabrication|staged|intact|unharmed|calm|quiet)\b", c, re.I) for c in supports["claim"])
    assert not any(re.search(r"\b(keep|constant\w*|every day|ruins)\b", c, re.I) for c in contradicts["claim"])
    # The Ukrainian positions hit near Izium say nothing about strikes on civilians.
    assert "E7" not in set(supports["source"]) | set(contradicts["source"])
    unrelated = pairs[pairs["label"] == "unrelated"]
    assert len(unrelated) == 6
    for _, row in unrelated.iterrows():
        claimed = re.search(r"(Sumy|Poltava|Kherson|Donetsk|Chernihiv)", row["claim"]).group(1)
        # Always another town, named in the report.
        assert claimed not in row["evidence"]


def test_the_accused_side_depends_on_the_town():
    """In Donetsk the accusation names Ukrainian forces, as Russian officials make it; elsewhere Russian ones."""
    import random

    rng = random.Random(5)
    donetsk = [claim_pair("Donetsk", "donetsk", "Residential street in Donetsk hit by rockets", None, rng)[0] for _ in range(200)]
    sumy = [claim_pair("Sumy", "sumy", "Missile strike on a school in Sumy", None, rng)[0] for _ in range(200)]
    assert any(re.search(r"Ukrainian|Kiev", c) for c in donetsk)
    assert not any(re.search(r"Russian|occupiers", c) for c in donetsk)
    assert any(re.search(r"Russian|occupiers", c) for c in sumy)
    assert not any(re.search(r"Ukrainian|Kiev", c) for c in sumy)


def test_troop_movements_are_labelled_by_direction(tmp_path):
    pairs = event_pairs(write_log(tmp_path / "events.csv"), strikes=0, movements=10, seed=3)
    by = {(row["source"], row["family"]): row["label"] for _, row in pairs.iterrows()}
    assert by[("M1", "event_withdrawal")] == "contradicts" and by[("M1", "event_buildup")] == "supports"
    assert by[("M2", "event_withdrawal")] == "supports" and by[("M2", "event_buildup")] == "contradicts"
    assert by[("M3", "event_withdrawal")] == "contradicts"
    # The claim comes before the movement that answers it.
    assert (pairs["claim_date"] < pairs["evidence_date"]).all()


def test_events_near_heldout_pairs_are_left_out(tmp_path):
    log = write_log(tmp_path / "events.csv")
    held = tmp_path / "real.csv"
    pd.DataFrame([
        {"claim": "Russian forces hit a school in Sumy.", "evidence": "Missile strike on a school in Sumy", "label": "supports",
         "split": "heldout", "claim_date": "2022-03-02", "evidence_date": "2022-03-02",
         "evidence_source": "cir_monitor/events.csv entry E1 (link)", "evidence_place": "Sumy, Sumy Oblast, Ukraine"},
        {"claim": "Kherson is calm.", "evidence": "Two civilians killed by shelling of a market in Kherson", "label": "contradicts",
         "split": "train", "claim_date": "2022-03-05", "evidence_date": "2022-03-05",
         "evidence_source": "cir_monitor/events.csv entry E3 (link)", "evidence_place": "Kherson, Ukraine"},
        {"claim": "Poltava was hit.", "evidence": "Shelling reported", "label": "supports",
         "split": "heldout", "claim_date": "2022-03-10", "evidence_date": "2022-03-01",
         "evidence_source": "a newspaper", "evidence_place": "Poltava, Poltava Oblast, Ukraine"},
    ]).to_csv(held, index=False)
    entries, points = heldout_fence([held])
    assert entries == {"E1"}
    pairs = event_pairs(log, [held], strikes=10, movements=10, seed=3)
    used = set(pairs["source"])
    assert "E1" not in used  # the held-out event itself
    assert "E2" not in used  # same town as a held-out report, within a week of it
    assert "E3" in used  # a training row fences nothing
    assert "E6" in used  # same town as E1 but six weeks later
    # Left-out events are not used as the unrelated report either.
    assert not pairs["evidence"].str.contains("school in Sumy|Apartment block in Poltava").any()


def test_a_bad_event_log_names_the_file(tmp_path):
    bad = tmp_path / "log.csv"
    bad.write_text("entry,date\nE1,2022-03-01\n")
    with pytest.raises(DataFileError, match="log.csv"):
        event_pairs(bad)


# More strikes, so that Sumy and Donetsk are towns the log knows well (three strikes or more).
MORE_EVENTS = EVENTS + [
    ("S2", "2022-03-01", "Civilian Infrastructure Damage March 2022", "01/03/2022 Kindergarten in Sumy hit by a rocket", "Ukraine", "Sumy"),
    ("S3", "2022-02-10", "Civilian Infrastructure Damage February 2022", "10/02/2022 Shelling damaged houses in Sumy", "Ukraine", "Sumy"),
    ("P2", "2022-03-02", "Civilian Infrastructure Damage March 2022", "02/03/2022 Shelling damaged a hospital in Poltava", "Ukraine", "Poltava"),
    ("P3", "2022-03-03", "Civilian Infrastructure Damage March 2022", "03/03/2022 Rocket strike on a bridge in Poltava", "Ukraine", "Poltava"),
    ("D2", "2022-03-05", "Bombing or Explosion Feb - June", "05/03/2022 Rocket strike on a market in Donetsk", "Ukraine", "Donetsk"),
    ("D3", "2022-03-06", "Civilian Infrastructure Damage March 2022", "06/03/2022 Shelling damaged a school in Donetsk", "Ukraine", "Donetsk"),
]


def write_releases(path, rows):
    pd.DataFrame([{"link": f"https://example.org/{n}", "date": d + "T18:00:00Z", "body": b} for n, (d, b) in enumerate(rows)]).to_csv(path, index=False)
    return path


def test_officials_accusations_are_paired_with_the_strikes_they_describe(tmp_path):
    log = write_log(tmp_path / "events.csv", MORE_EVENTS)
    releases = write_releases(tmp_path / "releases.csv", [
        ("2022-03-02", "Good evening. This morning Russian missiles hit a school in our city of Sumy. We will rebuild everything."),
        ("2022-03-02", "Russian troops will strike Sumy again, our partners warn. Kherson is waiting for help."),
        ("2022-03-07", "The President noted that Ukrainian forces shelled residential areas of Donetsk again, killing civilians. "
                       "Russian forces are shelling Donetsk."),
        ("2022-03-05", "Yesterday the occupiers bombed Poltava and Sumy at the same time."),
    ])
    pairs = event_pairs(log, [], strikes=0, movements=0, seed=3, release_files=[releases])
    claims = set(pairs["claim"])
    assert claims == {"This morning Russian missiles hit a school in our city of Sumy.",
                      "The President noted that Ukrainian forces shelled residential areas of Donetsk again, killing civilians."}
    by = pairs.groupby(["claim", "label"])["source"].apply(set)
    # Supported by the town's own strikes of the three days up to the claim, never by older ones.
    assert by[("This morning Russian missiles hit a school in our city of Sumy.", "supports")] == {"E1", "S2"}
    assert by[("The President noted that Ukrainian forces shelled residential areas of Donetsk again, killing civilians.", "supports")] <= {"E4", "D2", "D3"}
    # The unrelated report is a strike of the same days in another town, not naming the claim's town.
    for _, row in pairs[pairs["label"] == "unrelated"].iterrows():
        assert row["source"] not in {"E1", "S2", "S3", "E4", "D2", "D3"}
        assert "Sumy" not in row["evidence"] and "Donetsk" not in row["evidence"]
    assert set(pairs.loc[pairs["label"] == "unrelated", "family"]) == {"official_other_town"}


def test_dated_accusations_of_ongoing_strikes_look_back_three_weeks(tmp_path):
    log = write_log(tmp_path / "events.csv", MORE_EVENTS)
    releases = write_releases(tmp_path / "releases.csv", [
        ("2022-03-15", "Russian forces keep shelling the houses and schools of Sumy."),
        ("2022-03-15", "This morning Russian missiles hit a hospital in our city of Sumy."),
    ])
    plain = event_pairs(log, [], strikes=0, movements=0, seed=3, release_files=[releases])
    dated = event_pairs(log, [], strikes=0, movements=0, seed=3, release_files=[releases], dated=True)
    # Sumy's strikes of 1 and 2 March are two weeks before both claims: too old for "this morning",
    # part of what "keep shelling" describes.
    assert plain.empty
    assert set(dated["claim"]) == {"Russian forces keep shelling the houses and schools of Sumy."}
    assert set(dated.loc[dated["label"] == "supports", "source"]) == {"E1", "S2"}


def test_officials_accusations_skip_heldout_claims(tmp_path):
    log = write_log(tmp_path / "events.csv", MORE_EVENTS)
    releases = write_releases(tmp_path / "releases.csv", [
        ("2022-03-02", "This morning Russian missiles hit a school in our city of Sumy."),
        ("2022-03-02", "Russian missiles hit a school in our city of Sumy this morning, killing two."),
        ("2022-03-03", "The occupiers shelled a kindergarten in Sumy."),
    ])
    held = tmp_path / "real.csv"
    pd.DataFrame([
        # Held out: its release (row 2) and any sentence sharing most of its words stay out of training.
        {"claim": "Russian missiles hit a school in our city of Sumy this morning.", "evidence": "Missile strike on a school in Sumy",
         "label": "supports", "split": "heldout", "claim_source": "press_releases/releases.csv row 2 (https://example.org/2)",
         "claim_date": "2022-06-01", "evidence_date": "2022-06-01", "evidence_source": "a newspaper", "evidence_place": ""},
    ]).to_csv(held, index=False)
    pairs = event_pairs(log, [held], strikes=0, movements=0, seed=3, release_files=[releases])
    assert pairs.empty


def test_dated_pairs_set_claims_months_away_apart_and_ongoing_accusations_weeks_later_in(tmp_path):
    log = write_log(tmp_path / "events.csv")
    plain = event_pairs(log, strikes=10, movements=0, seed=3)
    dated = event_pairs(log, strikes=10, movements=0, seed=3, dated=True)
    far = dated[dated["family"] == "event_other_time"]
    assert len(far) >= 1 and set(far["label"]) == {"unrelated"}
    for _, row in far.iterrows():
        gap = abs((pd.Timestamp(row["claim_date"]) - pd.Timestamp(row["evidence_date"])).days)
        assert 35 <= gap <= 120
        # The same town as the report: only the dates tell the claim is about another time.
        town = re.search(r"(Sumy|Poltava|Kherson|Donetsk|Chernihiv)", row["evidence"]).group(1)
        assert town in row["claim"]
    # An accusation of ongoing strikes made one to three weeks later still describes the strike.
    ongoing = dated[dated["family"] == "event_ongoing"]
    assert len(ongoing) >= 1 and set(ongoing["label"]) == {"supports"}
    for _, row in ongoing.iterrows():
        assert 7 <= (pd.Timestamp(row["claim_date"]) - pd.Timestamp(row["evidence_date"])).days <= 21
        assert row["claim"] in set(dated.loc[dated["family"] == "event_accusation", "claim"])
    # Without dated the pairs are exactly the plain ones.
    assert not {"event_other_time", "event_ongoing"} & set(plain["family"])
    assert dated[~dated["family"].isin(["event_other_time", "event_ongoing"])].iloc[:3].equals(plain.iloc[:3])
