"""Contrast pairs: minimal edits of real annotated pairs that change the answer, each checked by a second reader.

Each contrast pair was written from one real pair of data/eval/annotated_pairs.csv (train split only) by reading
it: who did it, the direction of a movement, a negation, a count against a claimed limit, the place, the date,
hedged against asserted, or a same-topic pair that is `unrelated`; in monitor-entry and news-agency headline
style. A second reader labelled every pair blind (without the writer's label); where the two differ a third reader
settles it, blind to both. A pair is kept when two readers share its label.

A side left as it was in the real pair is stored as its reference (`file|row|field|start|end`, resolved from
../shared/data), never as text; an edited side is our own text. `load` gives both sides as text.

    python -m crosscheck.training.contrast --session DIR    # rebuild data/eval/contrast_pairs.csv
    python -m crosscheck.training.contrast --export var/runs/contrast.csv      # texts resolved, for train-stance
    python -m crosscheck.training.contrast --dev --session DIR                  # data/eval/contrast_dev_pairs.csv
    python -m crosscheck.training.contrast --export-mismatched var/runs/mismatched.csv   # evidence-only negatives
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np
import pandas as pd

from crosscheck import config
from crosscheck.training.annotated import LABELS, PAIR_FILE_COLUMNS, pair_file, settle
from crosscheck.training.annotated import OUT as ANNOTATED
from crosscheck.training.candidates import DEFAULT_SHARED, resolve

OUT = config.DATA_DIR / "eval" / "contrast_pairs.csv"
# Written the same way from dev source pairs: measures polarity on claims no run trains on; never trained on.
DEV_OUT = config.DATA_DIR / "eval" / "contrast_dev_pairs.csv"
COLUMNS = ["contrast_id", "source_pair_id", "claim_ref", "claim", "claim_date", "evidence_ref", "evidence",
           "evidence_date", "evidence_place", "label", "label_check", "kept", "phenomenon", "style", "note", "check_reason",
           "label_third", "third_reason", "settled"]


def _same(a: str, b: str) -> bool:
    return " ".join(str(a).split()) == " ".join(str(b).split())


def build(session: Path, shared: Path = DEFAULT_SHARED, split: str = "train") -> pd.DataFrame:
    """The checked contrast pairs of an annotation session (contrast/src*_pairs_ids.csv, check/check*_labels.csv) whose
    source pairs are in `split` of the annotated pairs: "train" for training, "dev" for the dev contrast set."""
    real = pd.read_csv(ANNOTATED, dtype=str, keep_default_na=False).set_index("pair_id")
    frames = []
    for written in sorted((session / "contrast").glob("src*_pairs_ids.csv")):
        number = re.search(r"src(d?\d+)_", written.name)[1]
        checked = session / "check" / f"check{number}_labels.csv"
        if not checked.exists():
            continue
        pairs = pd.read_csv(written, dtype=str, keep_default_na=False)
        check = pd.read_csv(checked, dtype=str, keep_default_na=False).drop_duplicates("contrast_id", keep="last")
        pairs = pairs.merge(check.rename(columns={"label": "label_check", "reason": "check_reason"}), on="contrast_id", how="inner")
        frames.append(pairs)
    frame = pd.concat(frames, ignore_index=True)
    frame["label"] = frame["label"].str.strip()
    frame["label_check"] = frame["label_check"].str.strip()
    bad = frame[~frame["label"].isin(LABELS) | ~frame["label_check"].isin(LABELS)]
    if not bad.empty:
        raise ValueError(f"labels outside {LABELS}: {bad['contrast_id'].tolist()[:5]}")
    # A source pair can leave the train split after its contrast pairs were written (its claim turned out to be one
    # of real_pairs.csv's held-out claims): its contrast pairs go too, since they carry the claim's words.
    frame = frame[real.loc[frame["source_pair_id"], "split"].to_numpy() == split].reset_index(drop=True)
    source = real.loc[frame["source_pair_id"]]
    claims = [resolve(ref, shared) for ref in source["claim_ref"]]
    evidences = [resolve(ref, shared) for ref in source["evidence_ref"]]
    # An unedited side is a reference to the shared data, not a copy of it.
    keep_claim = [_same(text, orig) for text, orig in zip(frame["claim"], claims)]
    keep_evidence = [_same(text, orig) for text, orig in zip(frame["evidence"], evidences)]
    frame["claim_ref"] = [ref if same else "" for ref, same in zip(source["claim_ref"], keep_claim)]
    frame["evidence_ref"] = [ref if same else "" for ref, same in zip(source["evidence_ref"], keep_evidence)]
    frame.loc[keep_claim, "claim"] = ""
    frame.loc[keep_evidence, "evidence"] = ""
    # Where writer and checker differ, a third reader (check/third*_labels.csv, blind to both) settles it; a pair is
    # kept when two readers share its label, and that label is the one trained and measured (`settled`).
    third = [pd.read_csv(f, dtype=str, keep_default_na=False) for f in sorted((session / "check").glob("third*_labels.csv"))]
    third = pd.concat(third).drop_duplicates("contrast_id", keep="last").set_index("contrast_id") if third else None
    frame["label_third"] = frame["contrast_id"].map(third["label"].str.strip()).fillna("") if third is not None else ""
    frame["third_reason"] = frame["contrast_id"].map(third["reason"]).fillna("") if third is not None else ""
    frame["settled"] = [settle(a, b, c or None, undecided="")
                        for a, b, c in zip(frame["label"], frame["label_check"], frame["label_third"])]
    frame["kept"] = (frame["settled"] != "").map({True: "yes", False: "no"})
    return frame[COLUMNS].sort_values("contrast_id").reset_index(drop=True)


def load(shared: Path = DEFAULT_SHARED, path: Path = OUT, kept_only: bool = True) -> pd.DataFrame:
    """The contrast pairs with both sides as text (references resolved); kept pairs carry their settled label."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    if kept_only:
        frame = frame[frame["kept"] == "yes"].reset_index(drop=True)
        frame["label"] = frame["settled"]
    frame["claim"] = [text or resolve(ref, shared) for text, ref in zip(frame["claim"], frame["claim_ref"])]
    frame["evidence"] = [text or resolve(ref, shared) for text, ref in zip(frame["evidence"], frame["evidence_ref"])]
    return frame


def mismatched(frame: pd.DataFrame, n: int, embed, seed: int = 13, max_similarity: float = 0.25) -> pd.DataFrame:
    """`unrelated` pairs that teach the model not to decide from the report alone: the report of a `contradicts` or
    `supports` pair beside the claim of another source pair. A report such as "no withdrawal in sight" must not make
    "Good." or a call for talks a contradiction. The other claim is drawn at random among those whose embedding is
    far from both the report and the pair's own claim (cosine below `max_similarity`), so that the pair is unrelated
    by construction; `embed` maps texts to unit vectors (the product's embedder)."""
    rng = np.random.default_rng(seed)
    stance = frame[frame["label"].isin(["contradicts", "supports"])]
    stance = stance.iloc[rng.permutation(len(stance))[:n]]
    claims = frame.drop_duplicates("claim")
    ev = np.asarray(embed(stance["evidence"].tolist()))
    own = np.asarray(embed(stance["claim"].tolist()))
    cv = np.asarray(embed(claims["claim"].tolist()))
    far = (ev @ cv.T < max_similarity) & (own @ cv.T < max_similarity)
    sources = claims["source_pair_id"].to_numpy()
    rows = []
    for i, (_, pair) in enumerate(stance.iterrows()):
        pool = np.flatnonzero(far[i] & (sources != pair["source_pair_id"]))
        if len(pool):
            other = claims.iloc[int(rng.choice(pool))]
            rows.append({"claim": other["claim"], "evidence": pair["evidence"], "label": "unrelated",
                         "split": "train", "claim_date": other["claim_date"], "evidence_date": pair["evidence_date"]})
    return pd.DataFrame(rows, columns=PAIR_FILE_COLUMNS)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--session", type=Path)
    ap.add_argument("--dev", action="store_true",
                    help="the dev contrast set: pairs written from dev source pairs (data/eval/contrast_dev_pairs.csv)")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--export", type=Path, metavar="PAIRS.csv",
                    help="instead: write the kept pairs with their texts as a pair file (dev set: split heldout)")
    ap.add_argument("--export-mismatched", type=Path, metavar="PAIRS.csv",
                    help="instead: write `unrelated` pairs of a stance pair's report and a far-off claim (training only)")
    ap.add_argument("--pairs", type=int, default=3000, help="with --export-mismatched: how many")
    args = ap.parse_args(argv)
    out = args.out or (DEV_OUT if args.dev else OUT)
    if args.export_mismatched:
        from crosscheck.models.embedder import load_embedder

        frame = mismatched(load(path=out), args.pairs, load_embedder().embed)
        frame.to_csv(args.export_mismatched, index=False)
        print(f"{len(frame):,} mismatched `unrelated` pairs -> {args.export_mismatched}")
        return
    if args.export:
        frame = load(path=out)
        pair_file(frame, pd.Series(args.dev, index=frame.index)).to_csv(args.export, index=False)
        print(f"{len(frame):,} kept contrast pairs -> {args.export}")
        return
    if not args.session:
        ap.error("give --session or --export")
    frame = build(args.session, split="dev" if args.dev else "train")
    frame.to_csv(out, index=False)
    kept = frame[frame["kept"] == "yes"]
    agreed = (frame["label"] == frame["label_check"]).mean()
    print(f"{len(frame):,} contrast pairs, writer and second reader agree on {agreed:.1%}; {len(kept):,} kept (two "
          f"readers share the label, a third reading settling the rest) -> {out}")
    print(kept.groupby(["style", "settled"]).size().unstack(fill_value=0).to_string())


if __name__ == "__main__":
    main()
