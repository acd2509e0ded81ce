"""Promises (crosscheck.promises): what counts as one, its due date, and a status that follows the evidence.

The sentences are written for these tests; the status tests run the real pipeline and models on a real DuckDB file.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from conftest import store_texts

from crosscheck import cli, promises
from crosscheck.db import writes
from crosscheck.promises import Promise, decide, detect, due_date

WED = dt.date(2022, 2, 16)  # a Wednesday


@pytest.mark.parametrize(("text", "context", "expected"), [
    ("Russia has no plans to attack Ukraine.", (), Promise("denial", act="attack")),
    ("We explained that we have no plans, no intention to attack Ukraine.", (), Promise("denial", act="attack")),
    ("Moscow is not going to invade anyone.", (), Promise("denial", act="invade")),
    ("The humanitarian corridor will open at 10:00 on 5 March.", (), Promise("promise", dt.date(2022, 3, 5), "5 March")),
    ("The ministry said on Tuesday that all units will return to their bases by Sunday.", (),
     Promise("promise", dt.date(2022, 2, 20), "by Sunday")),
    ("Our battalions will pull back from the border tomorrow.", (), Promise("promise", dt.date(2022, 2, 17), "tomorrow")),
    ("The delegation will travel to Istanbul next week.", (), Promise("promise", dt.date(2022, 2, 27), "next week")),
    ("We will open two more crossings within three days.", (), Promise("promise", dt.date(2022, 2, 19), "within three days")),
    ("The government will rebuild the bridge this year.", (), Promise("promise", dt.date(2022, 12, 31), "this year")),
    ("The loan programme will last at least until 2026.", (), Promise("promise", dt.date(2026, 12, 31), "until 2026")),
    # Tied to an event's end, dated by another sentence of the same document.
    ("Not a single serviceman will remain in the republic after the completion of the drills.",
     ["The minister spoke in Minsk on Wednesday.", "The joint exercise ends on 20 February."],
     Promise("promise", dt.date(2022, 2, 20), "20 February")),
    ("Not a single serviceman will remain in the republic after the drills.", [], Promise("promise")),
    ("The troops are loading onto trains and will return to their permanent bases.", (), Promise("promise")),
])
def test_promises_and_their_due_dates(text, context, expected):
    assert detect(text, WED, context) == expected


@pytest.mark.parametrize("text", [
    "We hope the talks will succeed.",  # a hope
    "I am sure the negotiations will bring results.",  # a belief
    "If NATO expands further, we will respond.",  # a conditional
    "The West will never accept our position.",  # a prediction about others
    "I will now tell you about the decisions we took.",  # a remark about the conversation
    "We will continue to develop our economy.",  # nothing checkable
    "We will remain committed to dialogue.",
    "Will the troops leave Belarus after the drills?",  # a question
    "Units of the Western district have completed their exercises.",  # the past
    "The corridor opened at 10:00 on 5 March.",
])
def test_what_is_not_a_promise(text):
    assert detect(text, WED) is None


def test_an_undated_promise_has_no_due_date_and_relative_dates_need_the_statement_date():
    assert detect("Our battalions will pull back from the border tomorrow.", None) == Promise("promise")
    assert detect("The corridor will open on 5 March 2022.", None) == Promise("promise", dt.date(2022, 3, 5), "5 March 2022")
    # A date before the future word is when it was said, not when it falls due.
    assert due_date("On 14 February the ministry said the drills will end.", WED) == (None, None)


def _evidence(*rows):
    return pd.DataFrame(rows, columns=["claim_id", "report_id", "report_actor", "report_text", "report_on", "stance",
                                       "verdict_label"])


PROMISE = {"claim_id": "c", "stated_on": dt.date(2022, 2, 16), "due_on": dt.date(2022, 2, 20), "kind": "promise"}
DENIAL = {"claim_id": "d", "stated_on": dt.date(2021, 12, 23), "due_on": None, "kind": "denial", "act": "attack"}
TODAY = dt.date(2022, 6, 1)


def test_a_contradicting_report_on_or_after_the_due_date_breaks_a_promise():
    early = ("c", "r1", "CIT", "still there", dt.date(2022, 2, 18), "contradicts", None)  # before the due date
    due = ("c", "r2", "Rochan", "troops stayed", dt.date(2022, 2, 21), "contradicts", None)
    later = ("c", "r3", "ISW", "troops stayed", dt.date(2022, 2, 25), "contradicts", None)
    status = decide(PROMISE, _evidence(early, later, due), TODAY)
    assert (status["status"], status["report_id"], status["lag_days"], status["decided_by"]) == ("broken", "r2", 5, "model")


def test_kept_overdue_and_pending():
    support = ("c", "r1", "CIT", "units left", dt.date(2022, 2, 20), "supports", None)
    assert decide(PROMISE, _evidence(support), TODAY)["status"] == "kept"
    unrelated = ("c", "r2", "CIT", "other town", dt.date(2022, 2, 22), "uncertain", None)
    assert decide(PROMISE, _evidence(unrelated), TODAY)["status"] == "overdue"
    assert decide(PROMISE, _evidence(unrelated), dt.date(2022, 2, 19))["status"] == "pending"
    assert decide({**PROMISE, "due_on": None}, _evidence(unrelated), TODAY)["status"] == "pending"


def test_a_denial_is_broken_by_a_report_of_the_act_whenever_it_comes_and_never_kept():
    invasion = ("d", "r9", "Kyiv Independent", "Russia launched a full-scale invasion", dt.date(2022, 2, 24), "contradicts", None)
    support = ("d", "r8", "CIT", "no attack yet", dt.date(2022, 1, 5), "supports", None)
    # Contradicting, but not a report of an attack: the model's stance alone does not break a denial with it.
    troops = ("d", "r7", "CIT", "no footage of the troops returning to their bases", dt.date(2021, 12, 28), "contradicts", None)
    status = decide(DENIAL, _evidence(support, troops, invasion), TODAY)
    assert (status["status"], status["report_id"], status["lag_days"]) == ("broken", "r9", 63)
    assert decide(DENIAL, _evidence(support, troops), TODAY)["status"] == "pending"
    # An analyst's verdict is taken as it is.
    troops = ("d", "r7", "CIT", "no footage of the troops returning to their bases", dt.date(2021, 12, 28), "uncertain", "contradicts")
    assert decide(DENIAL, _evidence(troops), TODAY)["report_id"] == "r7"


def test_an_analysts_verdict_overrides_the_model_and_says_so():
    pair = ("c", "r2", "Rochan", "troops stayed", dt.date(2022, 2, 21), "contradicts", "unrelated")
    assert decide(PROMISE, _evidence(pair), TODAY)["status"] == "overdue"
    pair = ("c", "r2", "Rochan", "troops stayed", dt.date(2022, 2, 21), "uncertain", "contradicts")
    status = decide(PROMISE, _evidence(pair), TODAY)
    assert (status["status"], status["stance"], status["decided_by"]) == ("broken", "contradicts", "analyst")




def test_a_report_months_after_a_denial_is_paired_with_it_and_decides_it(db, embedder, registry, tmp_path, capsys):
    """Matching pairs claims with reports within ±14 days; a promise also meets the reports of its horizon after it."""
    store_texts(db, embedder, registry, [
        ("kremlin.txt", "Kremlin", dt.date(2021, 12, 23),
         "Vladimir Putin said at his annual news conference that Russia has no plans to attack Ukraine."),
        ("weather.txt", "Kremlin", None,
         "The government will open the new bridge over the river next week."),
        ("kyiv-independent.txt", "The Kyiv Independent", dt.date(2022, 2, 24),
         "Russian forces attacked Ukraine before dawn on Thursday, launching a full-scale invasion from the north, "
         "east and south."),
    ])
    pairs = db.execute("SELECT claim_id, report_id, lag_days FROM matches").df()
    assert (pairs["lag_days"] == 63).any()  # far outside the ±14-day window
    found = promises.list_promises(db, today=dt.date(2022, 6, 1)).set_index("kind")
    denial = found.loc["denial"]
    assert denial["status"] in ("broken", "pending")  # the model's stance decides; the pair is there to decide it
    undated = found.loc["promise"]
    assert (undated["due_on"], undated["stated_on"], undated["status"]) == (None, None, "pending")

    # The analyst's verdict on the pair decides, and the command line prints the same.
    report_id = pairs.loc[pairs["lag_days"] == 63, "report_id"].iloc[0]
    writes.save_verdict(db, denial["claim_id"], report_id, "rejected", label="contradicts")
    found = promises.list_promises(db, today=dt.date(2022, 6, 1)).set_index("kind")
    assert (found.loc["denial", "status"], found.loc["denial", "decided_by"]) == ("broken", "analyst")
    path = tmp_path / "test.duckdb"
    db.execute("CHECKPOINT")
    db.close()
    assert cli.main(["promises", "--db", str(path), "--format", "json", "--today", "2022-06-01"]) == 0
    printed = {row["kind"]: row for row in json.loads(capsys.readouterr().out)}
    assert printed["denial"]["status"] == "broken" and printed["denial"]["report_id"] == report_id
    assert printed["denial"]["lag_days"] == 63 and printed["denial"]["due_on"] == ""
    assert printed["promise"]["due_on"] == "" and printed["promise"]["stated_on"] == ""
    assert printed["promise"]["status"] == "pending" and "bridge" in printed["promise"]["text"]
