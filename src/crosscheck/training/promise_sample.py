"""A labelled sample of official claim sentences for measuring a promise detector, labelled before any detector ran.

`data/eval/promises_sample.csv`: 400 government statements of the shared press releases (260 drawn among
sentences with a forward-looking cue word, 140 among the rest, fixed seed), each stored as a reference
(`file|row|field|start|end`), read by two annotators blind with data/eval/PROMISES.md (is it a promise, a plan,
an announced deadline or a denial of intent; its due date, explicit or relative to the statement's date), the
disagreements settled by a third reading.

    python -m crosscheck.training.promise_sample --session DIR    # rebuild the CSV from a session's files
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


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--session", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    frame = build(args.session)
    frame.to_csv(args.out, index=False)
    print(f"{len(frame)} sentences, {int((frame['label'] == 'promise').sum())} promises "
          f"({int(((frame['label'] == 'promise') & (frame['due'] != '')).sum())} with a due date) -> {args.out}")


if __name__ == "__main__":
    main()
