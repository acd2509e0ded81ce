"""A labelled sample of official claim sentences for measuring a promise detector, labelled before any detector ran.

`data/eval/promises_sample.csv`: 400 government statements of the shared press releases (260 drawn among
sentences with a forward-looking cue word, 140 among the rest, fixed seed), each stored as a reference
(`file|row|field|start|end`), read by two annotators blind with data/eval/PROMISES.md (is it a promise, a plan,
an announced deadline or a denial of intent; its due date, explicit or relative to the statement's date), the
disagreements settled by a third reading.

    python -m crosscheck.training.promise_sample --session DIR    # rebuild the CSV from a session's files
    python -m crosscheck.training.promise_sample --evaluate dev    # the detector's precision and recall on a half

The sample has two halves: odd sentence numbers (`dev`), which rules may be written against, and even ones
(`test`), read once by the detector the README reports.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from crosscheck import config
from crosscheck.training.candidates import DEFAULT_SHARED, resolve

OUT = config.DATA_DIR / "eval" / "promises_sample.csv"
LABELS = ("promise", "not")
COLUMNS = ["sentence_id", "ref", "speaker", "stated_on", "label_a", "label_b", "label_c", "label", "due",
           "reason_a", "reason_b", "reason_c"]


def build(session: Path) -> pd.DataFrame:
    sample = pd.read_csv(session / "promises_sample_full.csv", dtype=str, keep_default_na=False)
    reads = {}
    for reader in "ABC":
        path = session / "labels" / f"promises_{reader}.csv"
        frame = pd.read_csv(path, dtype=str, keep_default_na=False) if path.exists() else \
            pd.DataFrame(columns=["sentence_id", "label", "due", "reason"])
        reads[reader] = frame.drop_duplicates("sentence_id", keep="last").set_index("sentence_id")
    for reader in "ABC":
        key = reader.lower()
        for col in ("label", "due", "reason"):
            sample[f"{col}_{key}"] = sample["sentence_id"].map(reads[reader][col]).fillna("")
    if not sample["label_a"].isin(LABELS).all() or not sample["label_b"].isin(LABELS).all():
        raise ValueError("every sentence needs two readings, promise or not")
    split = sample["label_a"] != sample["label_b"]
    if (sample.loc[split, "label_c"] == "").any():
        raise ValueError("a disagreement without a third reading")
    sample["label"] = sample["label_a"].where(~split, sample["label_c"])
    # The due date of the readers who called it a promise, the first one's when they differ (they agreed on all).
    sample["due"] = [next((d for lab, d in ((a, da), (b, db), (c, dc)) if lab == "promise" and d), "") if label == "promise" else ""
                     for label, a, da, b, db, c, dc in zip(sample["label"], sample["label_a"], sample["due_a"], sample["label_b"],
                                                           sample["due_b"], sample["label_c"], sample["due_c"])]
    return sample[COLUMNS]


def load(shared: Path = DEFAULT_SHARED, path: Path = OUT) -> pd.DataFrame:
    """The sample with each sentence resolved from the shared data."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["sentence"] = [resolve(ref, shared) for ref in frame["ref"]]
    return frame


def half(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """The dev (odd sentence numbers) or test (even) half of the sample."""
    odd = frame["sentence_id"].str[2:].astype(int) % 2 == 1
    return frame[odd if name == "dev" else ~odd].reset_index(drop=True)


def evaluate(frame: pd.DataFrame) -> dict:
    """crosscheck.promises.detect on the labelled sentences: precision and recall of `promise` (denials count as
    promises), and how many of the promises found with a gold due date got that date; the sentences it got wrong."""
    import datetime as dt

    from crosscheck.promises import detect

    found = [detect(s, dt.date.fromisoformat(d) if d else None) for s, d in zip(frame["sentence"], frame["stated_on"])]
    predicted = pd.Series([f is not None for f in found])
    gold = (frame["label"] == "promise").reset_index(drop=True)
    tp, fp, fn = int((predicted & gold).sum()), int((predicted & ~gold).sum()), int((~predicted & gold).sum())
    dated = [(f.due_on.isoformat() if f.due_on else "", d) for f, d, g in zip(found, frame["due"], gold) if f and g and d]
    return {
        "sentences": len(frame), "promises": int(gold.sum()), "found": int(predicted.sum()), "tp": tp,
        "precision": tp / (tp + fp) if tp + fp else float("nan"), "recall": tp / (tp + fn) if tp + fn else float("nan"),
        "due_right": sum(a == b for a, b in dated), "due_given": len(dated),
        "false_positives": frame.loc[(predicted & ~gold).to_numpy(), "sentence"].tolist(),
        "missed": frame.loc[(~predicted & gold).to_numpy(), "sentence"].tolist(),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--session", type=Path, help="rebuild the CSV from a labelling session's files")
    ap.add_argument("--evaluate", choices=["dev", "test"], help="the detector on one half of the sample")
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    if args.evaluate:
        result = evaluate(half(load(args.shared), args.evaluate))
        print(f"{args.evaluate}: {result['sentences']} sentences, {result['promises']} promises; found {result['found']}, "
              f"{result['tp']} right: precision {result['precision']:.2f}, recall {result['recall']:.2f}; due date right "
              f"for {result['due_right']} of the {result['due_given']} found with one")
        for label in ("false_positives", "missed"):
            for sentence in result[label]:
                print(f"  {label.replace('_', ' ')}: {sentence[:160]}")
        return
    if not args.session:
        ap.error("give --session or --evaluate")
    frame = build(args.session)
    frame.to_csv(args.out, index=False)
    print(f"{len(frame)} sentences, {int((frame['label'] == 'promise').sum())} promises "
          f"({int(((frame['label'] == 'promise') & (frame['due'] != '')).sum())} with a due date) -> {args.out}")


if __name__ == "__main__":
    main()
