"""The NLI stage: its readers, the reusable NLI start (length-bucketed batches, checkpoints, resuming), and the
responsibility (blame) pairs: labels, dropped rows, swapped sides."""

from __future__ import annotations

import json
import random

import numpy as np
import pandas as pd
import pytest
from event_log import write_event_log

from crosscheck.errors import DataFileError
from crosscheck.training.event_pairs import blame_pairs, event_pairs, load_events, swap_release_side, swap_side
from crosscheck.training.nli import balanced_nli, load_nli_sources, nli_pairs, read_fever_rte, read_nli_table
from crosscheck.training.train import (
    CHECKPOINT,
    NLI_START_RECORD,
    TrainConfig,
    length_batches,
    train_cross_encoder,
    train_nli_start,
    train_stance,
)

# Events in the log's format, written for these tests.
EVENTS = [
    ("E1", "2022-03-02", "Civilian Infrastructure Damage March 2022", "02/03/2022 Missile strike on a school in Sumy", "Ukraine", "Sumy"),
    ("E2", "2022-03-04", "Civilian Infrastructure Damage March 2022", "04/03/2022 Apartment block in Poltava damaged by Russian shelling", "Ukraine", "Poltava"),
    ("E3", "2022-03-05", "Civilian Casualty", "05/03/2022 Two civilians killed by shelling of a market in Kherson", "Ukraine", "Kherson"),
    ("E4", "2022-03-06", "Bombing or Explosion Feb - June", "06/03/2022 Residential street in Donetsk hit by Ukrainian rockets", "Ukraine", "Donetsk"),
    ("E5", "2022-03-07", "Civilian Infrastructure Damage March 2022", "07/03/2022 Hospital in Chernihiv hit by an airstrike", "Ukraine", "Chernihiv"),
    ("E6", "2022-03-09", "Civilian Infrastructure Damage March 2022", "09/03/2022 Aftermath of Russian missile strike on a theatre in Sumy", "Ukraine", "Sumy"),
    ("E7", "2022-03-08", "Bombing or Explosion Feb - June", "08/03/2022 Ukrainian positions near Izium hit by Russian artillery", "Ukraine", "Izium"),
    # An event of the blind set (Kremenchuk, June 2022): evaluation only, never in the blame pairs.
    ("K1", "2022-06-27", "Civilian Infrastructure Damage June 2022", "27/06/2022 Russian missile strike on a shopping mall in Kremenchuk", "Ukraine", "Kremenchuk"),
    ("P1", "2022-03-10", "Russian Military Presence March 2022", "10/03/2022 Russian troops seen in Sumy", "Ukraine", "Sumy"),
]


def write_log(path, events=EVENTS):
    return write_event_log(path, events)


def write_nli(root):
    """A tiny copy of each NLI set's layout and format, with a row without gold label (`-`) in each table."""
    (root / "mnli_dev").mkdir(parents=True)
    pd.DataFrame({"pairID": ["1", "2", "3", "4"], "sentence1": ["A man sleeps.", "A dog runs.", "It rains.", "Cats purr."],
                  "sentence2": ["A man is asleep.", "A dog sits still.", "The sky is cloudy.", "Cats sing."],
                  "label": ["entailment", "contradiction", "neutral", "-"]}).to_csv(root / "mnli_dev" / "multinli_1.0_dev_matched.csv", index=False)
    (root / "snli_dev_test").mkdir()
    pd.DataFrame({"pairID": ["5", "6"], "sentence1": ["Two women hug.", "A boy, \"happy\", jumps."],
                  "sentence2": ["Two women embrace.", "The boy is sad."], "label": ["entailment", "-"]}).to_csv(
        root / "snli_dev_test" / "snli_1.0_dev.csv", index=False)
    (root / "cad_nli" / "all_combined").mkdir(parents=True)
    (root / "cad_nli" / "all_combined" / "train.tsv").write_text(
        "sentence1\tsentence2\tgold_label\nA \"red\" car.\tA car.\tentailment\nA red car.\tA blue car.\tcontradiction\nA car.\tA fast car.\tneutral\n")
    (root / "fever_dev_rte_binary").mkdir()
    (root / "fever_dev_rte_binary" / "dev.raw.input0").write_text("Paris is the capital of France .\nBerlin is in Germany .\n")
    (root / "fever_dev_rte_binary" / "dev.raw.input1").write_text("Paris is in France.\nBerlin is in Spain.\n")
    (root / "fever_dev_rte_binary" / "dev.label").write_text("entailment\nnot_entailment\n")
    # Sets whose licence does not allow sharing derived weights are never read, even when present.
    (root / "liar_plus").mkdir()
    (root / "liar_plus" / "val2.jsonl").write_text('{"statement": "x", "label": "false"}\n')
    return root


def test_nli_tables_map_labels_and_drop_rows_without_gold_label(tmp_path):
    root = write_nli(tmp_path / "nli")
    mnli = read_nli_table(root / "mnli_dev" / "multinli_1.0_dev_matched.csv", "mnli")
    assert mnli["label"].tolist() == ["supports", "contradicts", "discusses"]  # the `-` row is gone
    # The hypothesis is the claim, the premise the report.
    assert mnli.iloc[0]["claim"] == "A man is asleep." and mnli.iloc[0]["evidence"] == "A man sleeps."
    cad = read_nli_table(root / "cad_nli" / "all_combined" / "train.tsv", "cad")
    assert cad["label"].tolist() == ["supports", "contradicts", "discusses"]
    assert cad.iloc[0]["evidence"] == 'A "red" car.'  # bare quotes inside a tsv cell stay text


def test_fever_keeps_entailment_only(tmp_path):
    root = write_nli(tmp_path / "nli")
    fever = read_fever_rte(root / "fever_dev_rte_binary" / "dev")
    assert fever["label"].tolist() == ["supports"]
    assert fever.iloc[0]["claim"] == "Paris is in France."


def test_nli_sources_read_only_the_allowed_sets(tmp_path):
    pairs = load_nli_sources(write_nli(tmp_path / "nli"))
    assert set(pairs["source"]) == {"mnli", "snli", "cad", "fever"}
    assert set(pairs["label"]) == {"supports", "contradicts", "discusses"}
    assert len(pairs) == 3 + 1 + 3 + 1
    with pytest.raises(DataFileError):
        load_nli_sources(tmp_path / "nowhere")


def test_nli_cap_is_balanced_by_label_and_deterministic():
    rows = [(f"c{s}{i}{lab}", f"e{s}{i}", lab, s) for s in ("a", "b") for i in range(50) for lab in ("supports", "contradicts", "discusses")]
    rows += [(f"f{i}", f"fe{i}", "supports", "fever") for i in range(200)]
    pairs = pd.DataFrame(rows, columns=["claim", "evidence", "label", "source"])
    out = balanced_nli(pairs, 60, seed=3)
    assert out["label"].value_counts().to_dict() == {"supports": 20, "contradicts": 20, "discusses": 20}
    # Within a label each set gets an equal share: the large FEVER set does not stand for `supports`.
    assert (out[out["label"] == "supports"]["source"].value_counts() <= 7).all()
    assert out.equals(balanced_nli(pairs, 60, seed=3))


def test_nli_pairs_under_a_cap_larger_than_the_data(tmp_path):
    out = nli_pairs(write_nli(tmp_path / "nli"), cap=300, seed=1)
    assert len(out) == 8


def test_swap_side_swaps_the_attacker_only():
    assert swap_side("Aftermath of Russian missile strike on a theatre") == "Aftermath of Ukrainian missile strike on a theatre"
    assert swap_side("Residential street hit by Ukrainian rockets") == "Residential street hit by Russian rockets"
    assert swap_side("Missile strike on a school") is None  # no side named
    assert swap_side("Russian shelling of Ukrainian positions") is None  # both sides: unclear who did what
    side, text = swap_release_side("Today, Russian troops shelled Kharkiv again.")
    assert side == "russia" and text == "Today, Ukrainian troops shelled Kharkiv again."
    side, text = swap_release_side("The Kiev regime shelled Donetsk.")
    assert side == "ukraine" and text == "The Russian army shelled Donetsk."
    assert swap_release_side("Kharkiv was shelled.") is None


def test_blame_pairs_swap_sides_and_never_repeat_the_claim(tmp_path):
    events = load_events(write_log(tmp_path / "events.csv"))
    rows = pd.DataFrame(blame_pairs(events, None, 20, random.Random(5)))
    assert len(rows) and set(rows["label"]) <= {"supports", "contradicts", "unrelated"}
    assert not (rows["claim"].str.strip().str.lower().str.rstrip(".") == rows["evidence"].str.strip().str.lower().str.rstrip(".")).any()
    assert not rows.duplicated(["claim", "evidence"]).any()
    # The blind set's event stays out.
    assert not (rows["source"] == "K1").any() and not rows["claim"].str.contains("Kremenchuk").any()
    swapped = rows[rows["family"] == "blame_title_swap"]
    assert {"Aftermath of Ukrainian missile strike on a theatre in Sumy", "Apartment block in Poltava damaged by Ukrainian shelling",
            "Residential street in Donetsk hit by Russian rockets"} <= set(swapped["claim"])
    assert (swapped["label"] == "contradicts").all()
    # Fighting between armies is no blame for a strike on a civilian place.
    assert not rows["evidence"].str.contains("positions").any()
    # Templated pairs: the same side in a headline supports, the other side or a denial contradicts.
    for _, row in rows[rows["family"] == "blame_swap"].iterrows():
        claim_side = "Russia" if "Russia" in row["claim"] else "Ukrain"
        assert row["label"] == "contradicts" and claim_side in row["claim"]
    assert set(rows[rows["family"] == "blame_same"]["label"]) == {"supports"}
    assert set(rows[rows["family"] == "blame_other_subject"]["label"]) == {"unrelated"}


def test_blame_pairs_are_deterministic_and_leave_the_other_families_alone(tmp_path):
    log = write_log(tmp_path / "events.csv")
    plain = event_pairs(log, strikes=10, movements=0, seed=3)
    with_blame = event_pairs(log, strikes=10, movements=0, seed=3, blame=10)
    assert with_blame[~with_blame["family"].str.startswith("blame")].reset_index(drop=True).equals(plain)
    assert with_blame.equals(event_pairs(log, strikes=10, movements=0, seed=3, blame=10))
    assert with_blame["family"].str.startswith("blame").any()


def test_length_batches_cover_every_pair_once_and_group_similar_lengths():
    rng = np.random.default_rng(0)
    lengths = rng.integers(10, 500, size=1000)
    batches = length_batches(lengths, 16, np.random.default_rng(1), window=10)
    flat = np.concatenate(batches)
    assert sorted(flat.tolist()) == list(range(1000))
    assert max(len(b) for b in batches) == 16
    # Within a batch the lengths are close: far less spread than in a random batch of the same size.
    spread = np.mean([np.ptp(lengths[b]) for b in batches if len(b) > 1])
    random_spread = np.mean([np.ptp(lengths[rng.permutation(1000)[:16]]) for _ in range(50)])
    assert spread < random_spread / 3
    again = length_batches(lengths, 16, np.random.default_rng(1), window=10)
    assert all((a == b).all() for a, b in zip(batches, again))  # the same seed gives the same batches (resuming)


def _tiny_examples(tmp_path):
    pairs = load_nli_sources(write_nli(tmp_path / "nli"))
    return pairs.assign(passage=pairs["evidence"])


def test_a_checkpointed_run_goes_on_where_it_stopped(tmp_path):
    examples = _tiny_examples(tmp_path)
    checkpoint = tmp_path / "run" / CHECKPOINT
    cfg = TrainConfig(seed=3, epochs=1, batch_size=4)
    logs: list[str] = []
    *_, seen_first, _ = train_cross_encoder(examples, cfg, logs.append, checkpoint=checkpoint, checkpoint_s=0)
    assert checkpoint.exists() and seen_first == len(examples)
    # Asked for two epochs now, the run finds the first one done and trains only the second.
    cfg.epochs = 2
    model, _, _, seen, _ = train_cross_encoder(examples, cfg, logs.append, checkpoint=checkpoint, checkpoint_s=0)
    assert seen == 2 * len(examples)
    assert any(line.startswith("resuming from") and "epoch 2" in line for line in logs)
    # A checkpoint of another run (other seed) is refused by name, not silently mixed in.
    with pytest.raises(DataFileError, match="another run"):
        train_cross_encoder(examples, TrainConfig(seed=4, epochs=2, batch_size=4), logs.append, checkpoint=checkpoint)


def test_the_nli_start_is_made_once_and_train_stance_goes_on_from_it(tmp_path, embedder):
    nli = write_nli(tmp_path / "nli")
    out = tmp_path / "start"
    record = train_nli_start(nli, out, batch_size=4, log=lambda msg: None)
    assert record["pairs"] == len(load_nli_sources(nli)) == record["pairs_seen"]  # every pair, one epoch: no cap
    assert set(record["by_source"]) == {"mnli", "snli", "cad", "fever"}
    assert (out / "model.safetensors").exists() and not (out / CHECKPOINT).exists()
    assert json.loads((out / NLI_START_RECORD).read_text())["pairs"] == record["pairs"]
    # Run again: the saved start is returned, nothing is trained.
    stamp = (out / "model.safetensors").stat().st_mtime_ns
    assert train_nli_start(nli, out, batch_size=4, log=lambda msg: None) == record
    assert (out / "model.safetensors").stat().st_mtime_ns == stamp
    pairs = tmp_path / "pairs.csv"
    pd.DataFrame([{"claim": "Troops are leaving the border.", "evidence": "Tanks moved toward the border.",
                   "label": "contradicts", "split": "train"}] * 4).to_csv(pairs, index=False)
    report = train_stance(TrainConfig(pair_files=[pairs], out_dir=tmp_path / "model", init=str(out), epochs=1,
                                      batch_size=4, calibration_fraction=0.0), embedder=embedder, log=lambda msg: None)
    assert report["nli_start"]["pairs"] == record["pairs"]  # the run record says which start it went on from
