"""Annotated real pairs: the product's own claim/report pairs, each labelled twice blind and settled by a third reading.

`data/eval/annotated_pairs.csv` holds references, not texts (`file|row|field|start|end` into ../shared/data), the
three readings with their reasons, the settled label and the split (by claim: every pair of one claim sentence is
in the same split; claims of real_pairs.csv's held-out part are always dev). `load` resolves the texts for training and evaluation; `build` writes the CSV from the
annotation session's files (see data/eval/ANNOTATION.md).

    python -m crosscheck.training.annotated --session DIR    # rebuild the CSV from a session's files
    python -m crosscheck.training.annotated --export var/runs/annotated.csv   # texts resolved, for train-stance
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import re
from pathlib import Path

import pandas as pd

from crosscheck import config
from crosscheck.training.candidates import DEFAULT_SHARED, heldout_claims, resolve

OUT = config.DATA_DIR / "eval" / "annotated_pairs.csv"
LABELS = ("contradicts", "supports", "unrelated")
DEV_SHARE = 18  # percent of claims (by a hash of their text) whose pairs no run trains on
COLUMNS = ["pair_id", "sample", "claim_ref", "claim_speaker", "claim_date", "evidence_ref", "evidence_date",
           "label_a", "label_b", "label_c", "label", "split", "reason_a", "reason_b", "reason_c"]


def claim_split(text: str) -> str:
    """'dev' or 'train' for a claim sentence, from a hash of its words: the same sentence always falls the same way."""
    key = re.sub(r"\W+", " ", text.lower()).strip()
    return "dev" if int(hashlib.sha1(key.encode()).hexdigest(), 16) % 100 < DEV_SHARE else "train"


def settle(a: str, b: str, c: str | None, undecided: str = "unrelated") -> str:
    """Two blind readings that agree decide; otherwise the third decides with the one it agrees with. Where all
    three differ (or no third reading yet) the pair is `undecided`: `unrelated` for real pairs, since a stance needs
    two readers behind it (precision first); contrast pairs pass "" and are dropped."""
    if a == b:
        return a
    if c in (a, b):
        return c
    return undecided


def build(session: Path) -> pd.DataFrame:
    """The settled pairs of an annotation session folder (candidates*_ids.csv, labels/*_A|B|C.csv)."""
    samples = {"candidates_ids.csv": "product", "candidates2_ids.csv": "targeted", "candidates3_ids.csv": "denials",
               "candidates4_ids.csv": "cross"}
    pairs = pd.concat([pd.read_csv(session / f).assign(sample=s) for f, s in samples.items() if (session / f).exists()])
    reads = {}
    for reader in "ABC":
        files = sorted((session / "labels").glob(f"*_{reader}.csv"))
        frame = pd.concat([pd.read_csv(f) for f in files]) if files else pd.DataFrame(columns=["pair_id", "label", "reason"])
        reads[reader] = frame.drop_duplicates("pair_id", keep="last").set_index("pair_id")
    labelled = pairs[pairs["pair_id"].isin(reads["A"].index) & pairs["pair_id"].isin(reads["B"].index)].copy()
    for reader in "ABC":
        key = reader.lower()
        labelled[f"label_{key}"] = labelled["pair_id"].map(reads[reader]["label"].str.strip())
        labelled[f"reason_{key}"] = labelled["pair_id"].map(reads[reader]["reason"])
    bad = labelled[~labelled["label_a"].isin(LABELS) | ~labelled["label_b"].isin(LABELS)]
    if not bad.empty:
        raise ValueError(f"labels outside {LABELS}: {bad['pair_id'].tolist()[:5]}")
    undecided = labelled[(labelled["label_a"] != labelled["label_b"]) & labelled["label_c"].isna()]
    if not undecided.empty:
        raise ValueError(f"{len(undecided)} disagreements without a third reading: {undecided['pair_id'].tolist()[:5]}")
    labelled["label"] = [settle(a, b, None if pd.isna(c) else c)
                         for a, b, c in zip(labelled["label_a"], labelled["label_b"], labelled["label_c"])]
    labelled["split"] = labelled["claim"].map(claim_split)
    # A claim of real_pairs.csv's held-out part is never trained on: its pairs go to dev whatever the hash says.
    held = heldout_claims()
    labelled.loc[[any(h in c or c in h for h in held) for c in labelled["claim"]], "split"] = "dev"
    return labelled.sort_values("pair_id")[COLUMNS].reset_index(drop=True)


def load(shared: Path = DEFAULT_SHARED, path: Path = OUT) -> pd.DataFrame:
    """The annotated pairs with their texts (claim, evidence) resolved from the shared data."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["claim"] = [resolve(ref, shared) for ref in frame["claim_ref"]]
    frame["evidence"] = [resolve(ref, shared) for ref in frame["evidence_ref"]]
    return frame


PAIR_FILE_COLUMNS = ["claim", "evidence", "label", "split", "claim_date", "evidence_date"]


def pair_file(frame: pd.DataFrame, heldout: pd.Series) -> pd.DataFrame:
    """Pairs with their texts as a pair file for `crosscheck train-stance --pairs` and `eval pairs` (texts resolved
    from the shared data, so it is written outside the repository): rows where `heldout` holds get split `heldout`,
    which the training loader never reads and `eval pairs --split heldout` measures."""
    out = frame.assign(split=["heldout" if h else "train" for h in heldout])
    return out[PAIR_FILE_COLUMNS]


def agreement(frame: pd.DataFrame) -> dict:
    """Cohen's κ of the two blind readings, overall and per label (one label against the rest)."""
    from sklearn.metrics import cohen_kappa_score

    out = {"pairs": len(frame), "agreed": float((frame["label_a"] == frame["label_b"]).mean()),
           "kappa": float(cohen_kappa_score(frame["label_a"], frame["label_b"]))}
    for label in LABELS:
        out[f"kappa_{label}"] = float(cohen_kappa_score(frame["label_a"] == label, frame["label_b"] == label))
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--session", type=Path, help="the annotation session's folder")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--export", type=Path, metavar="PAIRS.csv",
                    help="instead: write the pairs with their texts as a pair file for train-stance (dev rows: split heldout)")
    args = ap.parse_args(argv)
    if args.export:
        frame = load()
        pair_file(frame, frame["split"] == "dev").to_csv(args.export, index=False)
        print(f"{len(frame):,} pairs -> {args.export}")
        return
    if not args.session:
        ap.error("give --session or --export")
    frame = build(args.session)
    frame.to_csv(args.out, index=False, quoting=csv.QUOTE_MINIMAL)
    stats = agreement(frame)
    print(f"{len(frame):,} pairs -> {args.out}")
    print(frame.groupby(["split", "label"]).size().unstack(fill_value=0).to_string())
    print(", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in stats.items()))


if __name__ == "__main__":
    main()
