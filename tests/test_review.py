"""Verdicts teach the model: answers from verdicts, the calibration fitted on them, the review queue, the command."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from typed_docs import add_document

from crosscheck import review
from crosscheck.cli import main
from crosscheck.config import MatchSettings
from crosscheck.db import connection, reads, schema, writes
from crosscheck.models import calibration
from crosscheck.models.stance import load_scorer
from crosscheck.pipeline import score_pairs

FEB15 = dt.date(2022, 2, 15)
EVERY = MatchSettings(window_days=14, top_k=100, threshold=-1.0)
CLAIM = "A decision has been taken to partially withdraw forces from the border."


def test_answers_come_from_labels_and_from_rejections_of_the_stance_shown():
    verdicts = pd.DataFrame({
        "verdict": ["confirmed", "rejected", "rejected", "rejected", "confirmed"],
        "label": ["contradicts", None, "supports", "unrelated", None],
        "stance_seen": ["contradicts", "contradicts", "contradicts", "supports", "uncertain"],
    })
    got = review.answers(verdicts)
    assert got["contradicts"].tolist()[:4] == [1.0, 0.0, 0.0, 0.0]
    assert np.isnan(got["supports"].iloc[1])  # a rejected contradiction says nothing about support
    assert got["supports"].tolist()[2:4] == [1.0, 0.0]
    assert got.iloc[4].isna().all()  # confirming an uncertain pair without a label answers nothing


def test_precision_threshold_is_the_lowest_that_earns_the_target():
    p = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    y = np.array([1, 1, 1, 0, 0, 1])
    assert calibration.precision_threshold(p, y, 0.8) == 0.7  # 3 of 4 right at 0.6 is 0.75: the next, 0.7, is 3 of 3
    assert calibration.precision_threshold(p, y, 0.75) == 0.6
    assert calibration.precision_threshold(np.array([0.9, 0.8]), np.array([1, 1])) is None  # fewer than three calls


def _verdict_frame(n: int, seed: int = 0) -> pd.DataFrame:
    """Verdicts on which the model's contradictions below 0.8 are wrong and above are right."""
    rng = np.random.default_rng(seed)
    raw_c = rng.uniform(0.3, 0.95, n)
    raw_s = rng.uniform(0.05, 0.4, n)
    label = np.where(raw_c >= 0.8, "contradicts", "unrelated")
    return pd.DataFrame({"verdict": "confirmed", "label": label, "stance_seen": "uncertain",
                         "raw_contradiction": raw_c, "raw_support": raw_s})


def test_fit_learns_where_the_model_is_right_and_keeps_a_label_it_cannot_fit():
    frame = _verdict_frame(60)
    fitted = review.fit(frame, {"contradicts": 0.55, "supports": 0.5})
    assert fitted.refitted == ["contradicts"]  # no pair was labelled supports: too few to refit
    assert fitted.supports == (1.0, 0.0) and fitted.supports_threshold == 0.5
    out = fitted.apply(frame["raw_contradiction"], frame["raw_support"])
    called = out["stance"] == "contradicts"
    assert called.any() and (frame.loc[called, "raw_contradiction"] >= 0.75).all()
    assert (frame.loc[called, "label"] == "contradicts").mean() >= calibration.PRECISION_TARGET
    # The map is monotone: a higher raw probability never gets a lower calibrated one.
    grid = fitted.apply(np.linspace(0.01, 0.99, 50), np.full(50, 0.1))["contradiction"].to_numpy()
    assert (np.diff(grid) >= 0).all()
    assert calibration.Calibration.from_json(fitted.to_json()) == fitted


def test_queue_orders_uncertain_or_consequential_pairs_and_skips_decided_ones():
    pairs = pd.DataFrame({
        "claim_id": ["c"] * 5, "report_id": list("abcde"),
        "stance": ["uncertain", "uncertain", "contradicts", "supports", "contradicts"],
        "contradiction": [0.50, 0.54, 0.90, 0.10, 0.99], "support": [0.2, 0.1, 0.05, 0.7, 0.0],
        "verdict": [None, None, None, None, "confirmed"],
    })
    assert review.queue(pairs, "uncertain")["report_id"].tolist() == ["b", "a", "d", "c"]
    assert review.queue(pairs, "consequential")["report_id"].tolist() == ["c", "d", "b", "a"]
    with pytest.raises(ValueError, match="unknown review order"):
        review.queue(pairs, "newest")


def _workspace_with_verdicts(db, embedder, n: int = 30):
    """One claim and n monitors' reports (n sources), scored by hand; analysts say only raw ≥ 0.8 contradicts."""
    claim, _ = add_document(db, embedder, [(CLAIM, "Russian government", "government")], FEB15)
    assert db.execute("SELECT count(*) FROM matches").fetchone() == (0,)
    rng = np.random.default_rng(1)
    reports = []
    for i in range(n):
        ids, _ = add_document(db, embedder, [(f"Monitor {i} saw no sign that forces left the border area {i}.", f"Monitor {i}", "osint")],
                              FEB15 + dt.timedelta(days=1), settings=EVERY)
        reports += ids
    assert db.execute("SELECT count(*) FROM matches").fetchone() == (n,)
    raw = rng.uniform(0.3, 0.95, n)
    for report, c in zip(reports, raw):
        stance = "contradicts" if c >= 0.55 else "uncertain"
        db.execute("""UPDATE matches SET stance = ?, contradiction = ?, support = 0.1, raw_contradiction = ?,
                      raw_support = 0.1, raw_stance = ? WHERE claim_id = ? AND report_id = ?""",
                   [stance, c, c, stance, claim[0], report])
        writes.save_verdict(db, claim[0], report, "confirmed" if c >= 0.8 else "rejected",
                            label="contradicts" if c >= 0.8 else "unrelated")
    return claim[0], reports, raw


def test_recalibration_rewrites_the_stored_stances_and_applies_to_new_pairs(db, embedder):
    claim, reports, raw = _workspace_with_verdicts(db, embedder)
    before = review.evaluate(reads.verdict_pairs(db))
    assert before["contradicts"]["precision"] < 0.8  # the model calls contradicts from 0.55; analysts agree from 0.8
    with connection.transaction(db):
        result = review.recalibrate(db, {"contradicts": 0.55, "supports": 0.5})
    assert result["stances_changed"] > 0 and result["calibration"]["refitted"] == ["contradicts"]
    after = review.evaluate(reads.verdict_pairs(db))
    assert after["contradicts"]["precision"] >= 0.8 and after["contradicts"]["called"] > 0
    names = {r[0] for r in db.execute("SELECT DISTINCT calibration FROM matches").fetchall()}
    assert names == {calibration.stored_calibration(db).name}
    raw_kept = db.execute("SELECT raw_contradiction FROM matches ORDER BY report_id").fetchall()
    assert sorted(round(r[0], 5) for r in raw_kept) == sorted(round(float(r), 5) for r in raw)
    # A pair scored after it goes through the same calibration, with the model's own scores beside it.
    new, pairs = add_document(db, embedder, [("Satellite images show the troops are still at the border.", "CIT", "osint")],
                              FEB15 + dt.timedelta(days=2), save=False, settings=EVERY)
    scored = score_pairs(db, pairs, load_scorer())
    assert (scored["calibration"] == calibration.stored_calibration(db).name).all()
    expected = calibration.stored_calibration(db).apply(scored["raw_contradiction"], scored["raw_support"])
    assert np.allclose(scored["contradiction"].astype(float), expected["contradiction"])
    # Removing it brings the model's own scores and stances back.
    with connection.transaction(db):
        review.recalibrate(db, {}, reset=True)
    assert schema.get_meta(db, calibration.META_KEY) is None
    back = db.execute("SELECT count(*) FROM matches WHERE stance IS DISTINCT FROM raw_stance OR calibration IS NOT NULL").fetchone()
    assert back == (0,)


def test_the_command_reports_and_recalibrates(tmp_path, db, embedder, capsys):
    _workspace_with_verdicts(db, embedder)
    path = str(tmp_path / "test.duckdb")
    db.close()
    assert main(["verdicts", "--db", path]) == 0
    out = capsys.readouterr().out
    assert "30 verdicts (30 with the analyst's stance)" in out and "contradicts:" in out
    assert main(["eval", "verdicts", "--db", path, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["contradicts"]["known"] == 30
    assert main(["verdicts", "--db", path, "--recalibrate"]) == 0
    out = capsys.readouterr().out
    assert "calibration fitted on 30 verdicts (refitted: contradicts" in out and "stored stances changed" in out
    assert main(["verdicts", "--db", str(tmp_path / "missing.duckdb")]) == 2
    assert "no Crosscheck database here" in capsys.readouterr().err
