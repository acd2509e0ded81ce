"""Evaluation: metrics by hand on small lists, and the eval commands on small files we write."""

from __future__ import annotations

import pandas as pd
import pytest

from crosscheck import config
from crosscheck.cli import main
from crosscheck.errors import DataFileError
from crosscheck.training.evaluate import (
    confusion,
    f1_per_class,
    fnc_score,
    format_summary,
    macro_f1,
    summarise,
)

GOLD = ["supports", "supports", "contradicts", "contradicts", "unrelated", "unrelated", "discusses"]
PRED = ["supports", "contradicts", "contradicts", "unrelated", "unrelated", "unrelated", "supports"]


def test_per_class_f1_by_hand():
    per = f1_per_class(GOLD, PRED)
    # supports: tp 1, fp 1, fn 1 → P = R = F1 = 0.5
    assert per["supports"]["f1"] == pytest.approx(0.5)
    # contradicts: tp 1, fp 1, fn 1
    assert per["contradicts"]["f1"] == pytest.approx(0.5)
    # unrelated: tp 2, fp 1, fn 0 → P 2/3, R 1, F1 0.8
    assert per["unrelated"]["precision"] == pytest.approx(2 / 3)
    assert per["unrelated"]["f1"] == pytest.approx(0.8)
    assert per["discusses"]["f1"] == 0.0 and per["discusses"]["support"] == 1
    assert macro_f1(GOLD, PRED) == pytest.approx((0.5 + 0.5 + 0.8 + 0.0) / 4)
    # Labels nobody has in gold are not scored by default.
    # (supports without the last pair: P 1, R 0.5 → F1 2/3)
    assert macro_f1(GOLD[:6], PRED[:6]) == pytest.approx((2 / 3 + 0.5 + 0.8) / 3)


def test_confusion_rows_are_gold():
    conf = confusion(GOLD, PRED)
    assert conf.loc["contradicts", "unrelated"] == 1
    assert conf.loc["discusses", "supports"] == 1
    assert conf.to_numpy().sum() == len(GOLD)


def test_fnc_score_by_hand():
    score, maximum = fnc_score(GOLD, PRED)
    # related pairs: 5 (max 1 each), unrelated: 2 (max 0.25 each)
    assert maximum == pytest.approx(5 + 0.5)
    # s,s: 1.0 | s,c: 0.25 | c,c: 1.0 | c,u: 0 | u,u: 0.25 ×2 | d,s: 0.25
    assert score == pytest.approx(1.0 + 0.25 + 1.0 + 0 + 0.5 + 0.25)


def test_summary_prints_fnc_names():
    text = format_summary(summarise(GOLD, PRED, fnc=True), fnc_names=True)
    assert "FNC-1 score: 3.00 / 5.50 = 54.55 %" in text
    assert "disagree" in text and "macro-F1: 0.4500" in text
    with pytest.raises(ValueError):
        f1_per_class(GOLD, PRED[:2])


needs_model = pytest.mark.skipif(not (config.STANCE_MODEL_DIR / "config.json").exists(), reason="no trained stance model")


@needs_model
def test_eval_pairs_command(tmp_path, capsys):
    path = tmp_path / "pairs.csv"
    pd.DataFrame([
        {"claim": "There have been no strikes on civilian infrastructure in the city.",
         "evidence": "A missile hit a residential building in the city centre, killing four civilians.",
         "label": "contradicts", "claim_date": "2022-03-01", "evidence_date": "2022-03-02", "split": "heldout"},
        {"claim": "Grain shipments from the port resumed on Monday.",
         "evidence": "Three ships loaded with grain left the port on Monday.", "label": "supports",
         "claim_date": "2022-08-01", "evidence_date": "2022-08-01", "split": "heldout"},
        {"claim": "Grain shipments from the port resumed on Monday.",
         "evidence": "The national orchestra announced its winter concert season.", "label": "unrelated",
         "claim_date": "2022-08-01", "evidence_date": "2022-08-02", "split": "train"},
    ]).to_csv(path, index=False)
    predictions = tmp_path / "pred.csv"
    assert main(["eval", "pairs", "--in", str(path), "--split", "heldout", "--predictions", str(predictions)]) == 0
    out = capsys.readouterr().out
    assert "pairs: 2" in out and "macro-F1:" in out and "gold \\ predicted" in out
    pred = pd.read_csv(predictions)
    assert len(pred) == 2 and set(pred["predicted"]) <= set(config.STANCES)


@needs_model
def test_eval_fnc1_command(tmp_path, capsys):
    bodies = tmp_path / "bodies.csv"
    stances = tmp_path / "stances.csv"
    pd.DataFrame({"Body ID": [1, 2], "articleBody": [
        "Officials said on Monday that the new bridge over the river opened to traffic. Cars crossed it all day.",
        "The orchestra will play Brahms in its winter season. Tickets go on sale next week.",
    ]}).to_csv(bodies, index=False)
    pd.DataFrame({"Headline": ["New bridge opens to traffic", "New bridge opens to traffic"], "Body ID": [1, 2],
                  "Stance": ["agree", "unrelated"]}).to_csv(stances, index=False)
    assert main(["eval", "fnc1", "--stances", str(stances), "--bodies", str(bodies)]) == 0
    out = capsys.readouterr().out
    assert "FNC-1 score:" in out and "disagree" in out
    # The unrelated body shares no topic: at least the FNC related/unrelated credit must be earned.
    assert main(["eval", "fnc1", "--stances", str(stances), "--bodies", str(bodies), "--json"]) == 0
    import json

    data = json.loads(capsys.readouterr().out)
    assert data["pairs"] == 2 and data["per_class"]["unrelated"]["recall"] == 1.0


def test_eval_errors_name_the_file(tmp_path, capsys):
    path = tmp_path / "broken.csv"
    path.write_text("claim,label\nx,supports\n")
    assert main(["eval", "pairs", "--in", str(path)]) == 2
    assert "broken.csv: missing column(s) evidence" in capsys.readouterr().err


def test_stance_command_scores_a_csv(tmp_path):
    if not (config.STANCE_MODEL_DIR / "config.json").exists():
        pytest.skip("no trained stance model")
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    pd.DataFrame({"id": [7, 8], "claim": ["The bridge remains intact.", "The bridge remains intact."],
                  "evidence": ["Video shows the bridge collapsed into the river.", "Tickets for the concert are sold out."]}).to_csv(src, index=False)
    assert main(["stance", "--in", str(src), "--out", str(dst)]) == 0
    out = pd.read_csv(dst)
    assert out["id"].tolist() == [7, 8]
    assert {"stance", "contradiction", "similarity"} <= set(out.columns)
    assert out["contradiction"].between(0, 1).all()
    assert out.loc[0, "similarity"] > out.loc[1, "similarity"]


def test_blind_references_resolve_to_texts_in_place(tmp_path):
    """The blind set stores references; texts come from the RUWA rows (here a file written for the test)."""
    from crosscheck.training.blind import load_blind_pairs

    ruwa = tmp_path / "ruwa.csv"
    ruwa.write_text(
        "src,title,desc,date,site,event\n"
        "a,The ministry said the mall was closed,It was not in use,06/27/2022,tass.com,supermarket\n"
        "b,Shoppers filled the mall when the missile hit,,06/27/2022,reuters.com,supermarket\n",
        encoding="utf-8",
    )
    pairs = tmp_path / "blind.csv"
    pairs.write_text(
        "pair_id,claim_src,claim_field,evidence_src,evidence_field,label,claim_date,evidence_date\n"
        "bp1,a,title+desc,b,title,contradicts,2022-06-27,2022-06-27\n"
        "bp2,a,desc,b,title,contradicts,2022-06-27,2022-06-28\n",
        encoding="utf-8",
    )
    frame = load_blind_pairs(pairs, ruwa)
    assert frame["claim"].tolist() == ["The ministry said the mall was closed. It was not in use", "It was not in use"]
    assert set(frame["evidence"]) == {"Shoppers filled the mall when the missile hit"}
    pairs.write_text("pair_id,claim_src,claim_field,evidence_src,evidence_field,label\nbp1,zz,title,b,title,supports\n")
    with pytest.raises(DataFileError, match="not in"):
        load_blind_pairs(pairs, ruwa)


def test_precision_at_k_reads_the_top_of_the_ranking():
    from crosscheck.training.evaluate import precision_at

    predictions = pd.DataFrame({"label": ["contradicts", "supports", "contradicts", "unrelated"],
                                "contradiction": [0.9, 0.8, 0.7, 0.1]})
    assert precision_at(predictions, 2) == 0.5 and precision_at(predictions, 3) == pytest.approx(2 / 3)
    assert precision_at(predictions, 10) is None
