"""Training: a tiny real run produces a model that loads and scores; held-out rows never train."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from crosscheck.errors import CrosscheckError, DataFileError
from crosscheck.models.labels import LABELS
from crosscheck.models.stance import CrossEncoderScorer, load_scorer
from crosscheck.training.data import load_pair_file, split_calibration, split_fnc
from crosscheck.training.train import TrainConfig, train_device, train_stance

PAIRS = [
    ("Troops are being pulled back from the border.", "New armour columns moved toward the border on Thursday.", "contradicts"),
    ("Troops are being pulled back from the border.", "Trains carried tanks away from the border to their bases.", "supports"),
    ("There were no strikes on civilian buildings.", "A missile hit an apartment block, killing five residents.", "contradicts"),
    ("There were no strikes on civilian buildings.", "Monitors found no damage to homes in the district.", "supports"),
    ("The bridge over the river is intact.", "Video shows the bridge collapsed into the river.", "contradicts"),
    ("The bridge over the river is intact.", "The local football club won its match 2-1.", "unrelated"),
    ("Grain exports resumed from the port.", "Three grain ships left the port on Monday.", "supports"),
    ("Grain exports resumed from the port.", "The orchestra announced its winter concert season.", "unrelated"),
]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory, embedder):
    root = tmp_path_factory.mktemp("train")
    rows = [{"claim": c, "evidence": e, "label": lab, "split": "train"} for c, e, lab in PAIRS]
    rows.append({"claim": "SECRET HELD-OUT CLAIM", "evidence": "secret held-out report", "label": "supports", "split": "heldout"})
    pairs = root / "pairs.csv"
    pd.DataFrame(rows).to_csv(pairs, index=False)
    out = root / "model"
    cfg = TrainConfig(pair_files=[pairs], out_dir=out, pair_repeat=2, calibration_fraction=0.0, batch_size=4, epochs=1)
    report = train_stance(cfg, embedder=embedder, log=lambda msg: None)
    return out, report


def test_training_writes_a_loadable_model(tiny_model, embedder):
    out, report = tiny_model
    for name in ("config.json", "model.safetensors", "tokenizer.json", "stance.json", "relatedness.json", "training.json"):
        assert (out / name).exists(), name
    config = json.loads((out / "config.json").read_text())
    assert [config["id2label"][str(i)] for i in range(4)] == list(LABELS)
    assert report["pairs_seen"] == 2 * len(PAIRS)
    assert report["device"] == train_device("auto")  # the run record says where it trained
    scorer = load_scorer(str(out), embedder=embedder)
    assert isinstance(scorer, CrossEncoderScorer)
    scored = scorer.score([c for c, _, _ in PAIRS], [e for _, e, _ in PAIRS])
    assert len(scored) == len(PAIRS)
    assert set(scored["stance"]) <= set(LABELS)
    assert scored["contradiction"].between(0, 1).all() and scored["support"].between(0, 1).all()


def test_weights_are_small_fp16(tiny_model):
    out, _ = tiny_model
    size = (out / "model.safetensors").stat().st_size
    # MiniLM-L6 has 22.7M parameters: 2 bytes each in fp16.
    assert size < 50 * 1024 * 1024


def test_label_order_comes_from_the_model_config(tiny_model, embedder, tmp_path):
    """An NLI cross-encoder with its own label order (contradiction first) is read correctly."""
    import shutil

    out, _ = tiny_model
    nli = tmp_path / "nli"
    shutil.copytree(out, nli)
    config = json.loads((nli / "config.json").read_text())
    config["id2label"] = {"0": "contradiction", "1": "entailment", "2": "neutral", "3": "unrelated"}
    config["label2id"] = {v: int(k) for k, v in config["id2label"].items()}
    (nli / "config.json").write_text(json.dumps(config))
    (nli / "relatedness.json").unlink()
    ours = CrossEncoderScorer(str(out), embedder=embedder)
    theirs = CrossEncoderScorer(str(nli), embedder=embedder)
    assert theirs.labels == ["contradicts", "supports", "discusses", "unrelated"]
    claims, evidences = [c for c, _, _ in PAIRS], [e for _, e, _ in PAIRS]
    from crosscheck.models.passages import select_passages

    passages, _ = select_passages(claims, evidences, embedder)
    a, b = ours.probabilities(claims, passages), theirs.probabilities(claims, passages)
    # Same weights, relabelled: what was column "supports" is now read as "contradicts" and back.
    assert a[:, 0] == pytest.approx(b[:, 1], abs=1e-5)
    assert a[:, 1] == pytest.approx(b[:, 0], abs=1e-5)


def test_heldout_rows_are_never_loaded_for_training(tmp_path):
    path = tmp_path / "pairs.csv"
    pd.DataFrame([
        {"claim": "a", "evidence": "b", "label": "agree", "split": "train"},
        {"claim": "c", "evidence": "d", "label": "disagree", "split": "heldout"},
    ]).to_csv(path, index=False)
    frame = load_pair_file(path)
    assert frame["claim"].tolist() == ["a"]
    assert frame["label"].tolist() == ["supports"]


def test_bad_pair_files_name_the_file(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("claim,label\nx,supports\n")
    with pytest.raises(DataFileError, match="bad.csv: missing column"):
        load_pair_file(path)
    path.write_text("claim,evidence,label\nx,y,maybe\n")
    with pytest.raises(CrosscheckError, match="bad.csv: unknown stance label 'maybe'"):
        load_pair_file(path)


def test_fnc_split_separates_bodies_and_headlines():
    rows = [{"headline": f"headline {h}", "body_id": str(b), "fnc": "unrelated"} for h in range(40) for b in range(40)]
    frame = pd.DataFrame(rows)
    train, dev = split_fnc(frame, seed=13)
    assert len(dev) > 0 and len(train) > 0
    assert not set(train["headline"]) & set(dev["headline"])
    assert not set(train["body_id"]) & set(dev["body_id"])
    again_train, again_dev = split_fnc(frame, seed=13)
    assert again_dev.equals(dev) and again_train.equals(train)
    _, other_dev = split_fnc(frame, seed=14)
    assert set(other_dev["headline"]) != set(dev["headline"])


def test_continued_training_keeps_the_best_epoch_on_calibration(tiny_model, embedder, tmp_path):
    """--init with several epochs: the start and every epoch are scored, the best one is saved."""
    out, _ = tiny_model
    rows = [{"claim": c, "evidence": e, "label": lab, "split": "train"} for c, e, lab in PAIRS * 2]
    pairs = tmp_path / "pairs.csv"
    pd.DataFrame(rows).to_csv(pairs, index=False)
    cfg = TrainConfig(pair_files=[pairs], out_dir=tmp_path / "model", init=str(out), keep_gate=True, epochs=2,
                      pair_repeat=1, calibration_fraction=0.5, batch_size=4, seed=14)
    report = train_stance(cfg, embedder=embedder, log=lambda msg: None)
    assert 0 < report["data"]["pairs.csv_calibration"] < len(rows)  # seed 14 puts some claims on each side
    scores = report["data"]["calibration_by_epoch"]
    assert len(scores) == 3  # the starting weights, then each epoch
    assert report["data"]["calibration"]["calibration_macro_f1"] == pytest.approx(max(scores), abs=1e-4)
    kept = json.loads((tmp_path / "model" / "relatedness.json").read_text())
    assert kept["coef"] == json.loads((out / "relatedness.json").read_text())["coef"]
    assert isinstance(load_scorer(str(tmp_path / "model"), embedder=embedder), CrossEncoderScorer)


def test_calibration_split_keeps_each_claim_on_one_side():
    """All pairs of one claim (case and spacing aside) are either fitted or calibrated, never both."""
    rows = [{"claim": f"Claim number {c}." if e % 2 else f"  claim NUMBER {c}. ", "evidence": f"report {c}/{e}", "label": "supports"}
            for c in range(60) for e in range(4)]
    frame = pd.DataFrame(rows)
    fit, cal = split_calibration(frame, seed=13, fraction=0.25)
    assert len(fit) + len(cal) == len(frame)
    def claim_key(part):
        return set(part["claim"].str.strip().str.lower())
    assert not claim_key(fit) & claim_key(cal)
    assert 5 <= len(claim_key(cal)) <= 25
    assert len(cal) == 4 * len(claim_key(cal))
    again_fit, again_cal = split_calibration(frame, seed=13, fraction=0.25)
    assert again_cal.equals(cal) and again_fit.equals(fit)
    _, other_cal = split_calibration(frame, seed=14, fraction=0.25)
    assert claim_key(other_cal) != claim_key(cal)


def test_event_log_pairs_join_the_training_data(tiny_model, embedder, tmp_path):
    """--events: pairs written from an event log are trained on (not calibrated on) and counted in the report."""
    from test_event_pairs import write_log

    out, _ = tiny_model
    cfg = TrainConfig(events_file=write_log(tmp_path / "events.csv"), event_strikes=2, event_movements=0,
                      out_dir=tmp_path / "model", init=str(out), keep_gate=True, epochs=1, batch_size=4)
    report = train_stance(cfg, embedder=embedder, log=lambda msg: None)
    families = report["data"]["event_pairs"]
    assert families["event_accusation"] == families["event_denial"] == 2
    assert report["pairs_seen"] == sum(families.values())
    assert report["inputs"]["events"].endswith("events.csv")
    assert isinstance(load_scorer(str(tmp_path / "model"), embedder=embedder), CrossEncoderScorer)


def test_calibrated_threshold_never_hides_a_likely_contradiction():
    """Even when a higher threshold would score better, a pair most likely `contradicts` is not shown as another stance."""
    import numpy as np

    from crosscheck.training.train import calibrate

    # supports, contradicts, discusses, unrelated: over-confident contradictions on pairs that support.
    probs = np.array([[0.3, 0.7, 0.0, 0.0]] * 5 + [[0.05, 0.95, 0.0, 0.0]] * 5)
    labels = ["supports"] * 5 + ["contradicts"] * 5
    found = calibrate(probs, None, labels, None)
    assert found["contradicts_threshold"] <= 0.5


def test_recalibrate_rewrites_only_the_thresholds(tiny_model, embedder, tmp_path):
    import shutil

    from crosscheck.training.train import recalibrate

    out, _ = tiny_model
    model = tmp_path / "model"
    shutil.copytree(out, model)
    weights = (model / "model.safetensors").read_bytes()
    rows = [{"claim": c, "evidence": e, "label": lab} for c, e, lab in PAIRS]
    pairs = tmp_path / "pairs.csv"
    pd.DataFrame(rows).to_csv(pairs, index=False)
    found = recalibrate(model, [pairs], seed=13, fraction=1.0, embedder=embedder)
    assert 0.15 <= found["contradicts_threshold"] <= 0.5
    assert json.loads((model / "stance.json").read_text())["contradicts_threshold"] == found["contradicts_threshold"]
    assert json.loads((model / "training.json").read_text())["recalibrated"][-1]["pairs"] == len(PAIRS)
    assert (model / "model.safetensors").read_bytes() == weights
    with pytest.raises(DataFileError, match="no calibration pairs"):
        recalibrate(model, [pairs], seed=13, fraction=0.0, embedder=embedder)


def test_precision_calibration_reads_the_dev_rows_of_other_pair_files_and_no_training_rows(tiny_model, embedder, tmp_path):
    import shutil

    from crosscheck.training.train import recalibrate_precision

    out, _ = tiny_model
    model = tmp_path / "model"
    shutil.copytree(out, model)
    real = tmp_path / "real_pairs.csv"
    pd.DataFrame([{"claim": c, "evidence": e, "label": lab, "split": "heldout"} for c, e, lab in PAIRS]).to_csv(real, index=False)
    dev = tmp_path / "annotated.csv"
    rows = [{"claim": c, "evidence": e, "label": lab, "split": "heldout"} for c, e, lab in PAIRS[:5]]
    rows += [{"claim": "A training claim.", "evidence": "A training report.", "label": "supports", "split": "train"}] * 7
    pd.DataFrame(rows).to_csv(dev, index=False)
    alone = recalibrate_precision(model, real, embedder=embedder)
    both = recalibrate_precision(model, real, embedder=embedder, dev_files=[dev])
    assert alone["pairs"] == len(PAIRS) and both["pairs"] == len(PAIRS) + 5  # dev rows in, training rows never
    settings = json.loads((model / "stance.json").read_text())
    assert settings["temperature"] == both["temperature"] and settings["contradicts_threshold"] == both["contradicts_threshold"]
    assert len(json.loads((model / "training.json").read_text())["precision_calibration"]) == 2


def test_dated_training_shows_the_model_when_each_report_was_made(tiny_model, embedder, tmp_path):
    """--dated: the report's date against the claim's is part of what the model reads, in training and in scoring."""
    from test_event_pairs import write_log

    out, _ = tiny_model
    cfg = TrainConfig(events_file=write_log(tmp_path / "events.csv"), event_strikes=4, event_movements=0, dated=True,
                      out_dir=tmp_path / "model", init=str(out), keep_gate=True, epochs=1, batch_size=4)
    report = train_stance(cfg, embedder=embedder, log=lambda msg: None)
    assert report["data"]["event_pairs"].get("event_other_time", 0) >= 1
    assert json.loads((tmp_path / "model" / "stance.json").read_text())["dated_passages"] is True
    assert json.loads((out / "stance.json").read_text())["dated_passages"] is False
    claims, reports = [c for c, _, _ in PAIRS], [e for _, e, _ in PAIRS]
    claim_days, report_days = ["2022-03-01"] * len(PAIRS), ["2022-05-20"] * len(PAIRS)

    def probabilities(model_dir, dated):
        scored = load_scorer(str(model_dir), embedder=embedder).score(claims, reports, *((claim_days, report_days) if dated else ()))
        return scored[["contradiction", "support"]].to_numpy()

    # The dated model reads "(3 months later) " before each report; the undated one ignores the dates.
    assert abs(probabilities(tmp_path / "model", True) - probabilities(tmp_path / "model", False)).max() > 1e-4
    assert abs(probabilities(out, True) - probabilities(out, False)).max() < 1e-6


def test_temperature_fit_recovers_overconfidence():
    """Probabilities made overconfident by a known temperature are brought back to it."""
    from crosscheck.training.train import fit_temperature, with_temperature

    rng = np.random.default_rng(3)
    gold = rng.choice(["supports", "contradicts", "unrelated"], size=400)
    columns = {"supports": 0, "contradicts": 1, "unrelated": 3}
    true = np.full((400, 4), 0.1)
    true[np.arange(400), [columns[g] for g in gold]] = 0.7
    # Sample labels from the true probabilities, then sharpen them as an overconfident model would.
    drawn = [["supports", "contradicts", "unrelated", "unrelated"][rng.choice(4, p=row)] for row in true]
    sharp = with_temperature(true, 1 / 3)
    assert 2.2 <= fit_temperature(sharp, drawn) <= 4.0


def test_precision_thresholds_and_the_precision_first_rule():
    from crosscheck.models.labels import decide_labels
    from crosscheck.training.train import calibrate_precision, precision_threshold

    scores = np.array([0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.6, 0.5, 0.4, 0.3])
    right = np.array([1, 1, 1, 1, 1, 0, 1, 0, 0, 0], dtype=bool)
    # From 0.60 down the calls are 6 of 7 right (0.86); at 0.50 they fall to 6 of 8 (0.75).
    assert precision_threshold(scores, right, 0.8) == 0.51
    probs = np.array([[0.1, 0.7, 0.1, 0.1], [0.45, 0.35, 0.1, 0.1], [0.05, 0.05, 0.1, 0.8]])
    assert decide_labels(probs, contradicts_threshold=0.6, supports_threshold=0.6) == ["contradicts", "uncertain", "unrelated"]
    found = calibrate_precision(np.tile(probs, (10, 1)), ["contradicts", "supports", "unrelated"] * 10)
    assert found["contradicts_precision"] == found["supports_precision"] == 1.0 and found["temperature"] > 0


def test_the_training_device_is_auto_cpu_or_cuda_and_a_missing_gpu_is_said_plainly():
    import torch

    assert train_device("cpu") == "cpu"
    assert train_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ValueError, match="use auto, cpu or cuda"):
        train_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA GPU"):
            train_device("cuda")
