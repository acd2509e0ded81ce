"""The annotated real pairs: settled labels, a split by claim, references that resolve to the shared data."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import shared_data

from crosscheck.training import annotated
from crosscheck.training.candidates import heldout_claims


@pytest.fixture(scope="module")
def pairs() -> pd.DataFrame:
    return pd.read_csv(annotated.OUT, dtype=str, keep_default_na=False)


def test_every_pair_is_read_twice_and_settled(pairs):
    assert len(pairs) >= 4000
    assert list(pairs.columns) == annotated.COLUMNS
    assert pairs["pair_id"].is_unique
    assert set(pairs["label_a"]) | set(pairs["label_b"]) | set(pairs["label"]) <= set(annotated.LABELS)
    split = pairs[pairs["label_a"] != pairs["label_b"]]
    assert (split["label_c"] != "").all()  # every disagreement had a third reading
    assert (pairs.loc[pairs["label_a"] == pairs["label_b"], "label_c"] == "").all()
    settled = [annotated.settle(a, b, c or None) for a, b, c in zip(pairs["label_a"], pairs["label_b"], pairs["label_c"])]
    assert pairs["label"].tolist() == settled
    assert (pairs[["reason_a", "reason_b"]] != "").all().all()


def test_settle_needs_two_readers_behind_a_stance():
    assert annotated.settle("supports", "supports", None) == "supports"
    assert annotated.settle("supports", "unrelated", "supports") == "supports"
    assert annotated.settle("contradicts", "supports", "unrelated") == "unrelated"


def test_the_readers_agree(pairs):
    stats = annotated.agreement(pairs)
    assert stats["kappa"] >= 0.8 and stats["kappa_contradicts"] >= 0.7


def test_the_split_is_by_claim_and_dev_is_large_enough(pairs):
    assert pairs.groupby("claim_ref")["split"].nunique().max() == 1
    assert (pairs["split"] == "dev").sum() >= 600


def test_references_resolve_and_held_out_claims_stay_out_of_training():
    shared_data("press_releases")
    frame = annotated.load()
    assert (frame["claim"].str.len() > 10).all() and (frame["evidence"].str.len() > 5).all()
    assert frame.groupby("claim")["split"].nunique().max() == 1  # one sentence, one split, whatever its release
    held = heldout_claims()
    trained = frame[frame["split"] == "train"]
    assert not any(h in c or c in h for c in trained["claim"] for h in held)
    assert all(s == "dev" or annotated.claim_split(c) == s for c, s in zip(frame["claim"], frame["split"]))


def test_contrast_pairs_are_checked_and_come_from_training_claims(pairs):
    from crosscheck.training import contrast

    frame = pd.read_csv(contrast.OUT, dtype=str, keep_default_na=False)
    assert list(frame.columns) == contrast.COLUMNS and frame["contrast_id"].is_unique
    assert set(frame["label"]) | set(frame["label_check"]) <= set(annotated.LABELS)
    settled = [annotated.settle(a, b, c or None, undecided="")
               for a, b, c in zip(frame["label"], frame["label_check"], frame["label_third"])]
    assert frame["settled"].tolist() == settled  # two readers share the label, a third settling the rest
    assert (frame["kept"] == (frame["settled"] != "").map({True: "yes", False: "no"})).all()
    assert (frame.loc[frame["label"] == frame["label_check"], "label_third"] == "").all()
    # Each side is either our text or a reference to the shared data, never both, never neither.
    for side in ("claim", "evidence"):
        assert ((frame[side] == "") != (frame[f"{side}_ref"] == "")).all(), side
    split = pairs.set_index("pair_id")["split"]
    assert (split.loc[frame["source_pair_id"]] == "train").all()
    kept = frame[frame["kept"] == "yes"]
    assert len(kept) >= 2000 and set(kept["style"]) == {"headline", "monitor"}
    assert kept["settled"].value_counts().min() >= 0.2 * len(kept)


def test_contrast_references_resolve():
    shared_data("cir_monitor")
    from crosscheck.training import contrast

    frame = contrast.load()
    assert (frame["claim"].str.len() > 5).all() and (frame["evidence"].str.len() > 5).all()


def test_the_promise_sample_is_read_twice_and_settled():
    from crosscheck.training import promise_sample

    frame = pd.read_csv(promise_sample.OUT, dtype=str, keep_default_na=False)
    assert list(frame.columns) == promise_sample.COLUMNS and len(frame) == 400 and frame["sentence_id"].is_unique
    assert set(frame["label_a"]) | set(frame["label_b"]) | set(frame["label"]) <= set(promise_sample.LABELS)
    split = frame["label_a"] != frame["label_b"]
    assert (frame.loc[split, "label_c"] != "").all() and (frame.loc[~split, "label"] == frame.loc[~split, "label_a"]).all()
    assert (frame.loc[frame["label"] == "not", "due"] == "").all()
    assert frame.loc[frame["due"] != "", "due"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert (frame["label"] == "promise").sum() >= 20


def test_the_promise_sample_resolves():
    shared_data("press_releases")
    from crosscheck.training import promise_sample

    assert (promise_sample.load()["sentence"].str.len() > 10).all()


def test_the_training_export_keeps_dev_out_of_training(tmp_path):
    shared_data("press_releases")
    from crosscheck.training.data import load_pair_file

    out = tmp_path / "annotated.csv"
    annotated.main(["--export", str(out)])
    exported = pd.read_csv(out, dtype=str, keep_default_na=False)
    frame = annotated.load()
    assert len(exported) == len(frame) and list(exported.columns) == annotated.PAIR_FILE_COLUMNS
    assert ((exported["split"] == "heldout") == (frame["split"] == "dev")).all()
    trained = load_pair_file(out)  # what train-stance reads: the dev rows never
    assert len(trained) == (frame["split"] == "train").sum()
    assert not set(trained["claim"]) & set(frame.loc[frame["split"] == "dev", "claim"])


def test_dev_contrast_pairs_come_from_dev_claims_only(pairs):
    shared_data("cir_monitor")
    from crosscheck.training import contrast

    frame = pd.read_csv(contrast.DEV_OUT, dtype=str, keep_default_na=False)
    assert list(frame.columns) == contrast.COLUMNS and frame["contrast_id"].is_unique
    split = pairs.set_index("pair_id")["split"]
    assert (split.loc[frame["source_pair_id"]] == "dev").all()  # no run trains on their claims
    assert not set(frame["contrast_id"]) & set(pd.read_csv(contrast.OUT, dtype=str)["contrast_id"])
    kept = contrast.load(path=contrast.DEV_OUT)
    assert len(kept) >= 500 and kept["label"].value_counts().min() >= 0.2 * len(kept)
    assert (kept["claim"].str.len() > 5).all() and (kept["evidence"].str.len() > 5).all()


def test_a_third_reading_settles_writer_and_checker_disagreeing():
    from crosscheck.training import contrast

    for path in (contrast.OUT, contrast.DEV_OUT):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        differ = frame["label"] != frame["label_check"]
        # Kept exactly when two readers share the label; that shared label is the one trained and measured.
        shared = [a if a == b else (c if c in (a, b) else "") for a, b, c in zip(frame["label"], frame["label_check"], frame["label_third"])]
        assert frame["settled"].tolist() == shared
        assert ((frame["kept"] == "yes") == (frame["settled"] != "")).all()
        assert (frame.loc[~differ, "label_third"] == "").all()  # a third reading only where the two differ
    dev = pd.read_csv(contrast.DEV_OUT, dtype=str, keep_default_na=False)
    assert (dev.loc[dev["label"] != dev["label_check"], "label_third"] != "").all()  # every dev disagreement read again


def test_cross_units_are_headlines_and_whole_leads_that_resolve():
    shared_data("press_releases")
    import datetime as dt

    from crosscheck.training import candidates

    units = candidates.headline_units(candidates.DEFAULT_SHARED, dt.date(2022, 1, 1))
    assert len(units) > 1000
    assert all(candidates.resolve(u["ref"]) == u["text"] for u in units)
    leads = [u for u in units if "|body|" in u["ref"]]
    assert leads and all(u["text"][-1] in ".!?" and "\n" not in u["text"] for u in leads)
    # A lead is the body's first sentence: only white space before it.
    assert all(not candidates.resolve(u["ref"].rsplit("|", 2)[0] + f"|0|{u['ref'].split('|')[3]}").strip() for u in leads)


def test_mismatched_pairs_put_a_report_beside_a_far_off_claim():
    shared_data("cir_monitor")
    import numpy as np

    from crosscheck.models.embedder import load_embedder
    from crosscheck.training import contrast

    frame = contrast.load().iloc[:600]
    embed = load_embedder().embed
    pairs = contrast.mismatched(frame, 40, embed)
    assert len(pairs) >= 30 and set(pairs["label"]) == {"unrelated"} and set(pairs["split"]) == {"train"}
    stance = frame[frame["label"].isin(["contradicts", "supports"])]
    assert set(pairs["evidence"]) <= set(stance["evidence"]) and set(pairs["claim"]) <= set(frame["claim"])
    # Never the report's own claim, and far from the report in the embedder's space.
    own = dict(zip(stance["evidence"], stance["claim"]))
    assert all(own[e] != c for c, e in zip(pairs["claim"], pairs["evidence"]))
    cos = np.sum(np.asarray(embed(pairs["claim"].tolist())) * np.asarray(embed(pairs["evidence"].tolist())), axis=1)
    assert (cos < 0.25 + 1e-6).all()
