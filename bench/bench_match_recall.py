"""How many labelled claim/report pairs survive the matching threshold, by label.

Matching only hands the stance model the reports whose cosine similarity to the claim reaches
`MatchSettings.threshold`; a contradiction below it is never scored. This reads the training part
of data/eval/real_pairs.csv (the held-out part is never used for tuning), embeds both sides with
the configured embedder and prints, for each threshold, the share of pairs of each label at or
above it. Writes bench/results/match_recall.md.

    python bench/bench_match_recall.py
    python bench/bench_match_recall.py --tiny --out /tmp/bench   # 5 pairs per label (what the tests run)
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import pandas as pd
from benchutil import add_common_args, apply_sizes, results_path, write_results

from crosscheck.config import ROOT
from crosscheck.models.embedder import load_embedder

PAIRS = ROOT / "data" / "eval" / "real_pairs.csv"
THRESHOLDS = (0.10, 0.15, 0.20, 0.25, 0.30, 0.35, 0.40)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-label", type=int, help="pairs of each label to read (default all, tiny 5)")
    add_common_args(parser, "match_recall")
    args = parser.parse_args(argv)
    apply_sizes(args, full={"per_label": 0}, tiny={"per_label": 5})
    out = results_path(args, "match_recall")
    pairs = pd.read_csv(PAIRS)
    pairs = pairs[pairs["split"] == "train"]
    if args.per_label > 0:
        pairs = pairs.groupby("label", sort=False).head(args.per_label)
    embedder = load_embedder()
    claims, evidence = embedder.embed(pairs["claim"].tolist()), embedder.embed(pairs["evidence"].tolist())
    pairs = pairs.assign(similarity=np.einsum("ij,ij->i", claims, evidence))
    labels = sorted(pairs["label"].unique())
    counts = pairs["label"].value_counts()
    lines = [
        "# Matching recall by threshold",
        "",
        "Share of labelled pairs (data/eval/real_pairs.csv, split = train: "
        + ", ".join(f"{counts[label]} {label}" for label in labels)
        + f") whose cosine similarity ({embedder.name}) is at or above the threshold. "
        "`unrelated` pairs are hard negatives that share words with the claim, so many pass by design; "
        "the stance model, not the threshold, must reject them.",
        "",
        "| threshold | " + " | ".join(labels) + " |",
        "|---:|" + "---:|" * len(labels),
    ]
    for t in THRESHOLDS:
        shares = [f"{(pairs.loc[pairs['label'] == label, 'similarity'] >= t).mean():.2f}" for label in labels]
        lines.append(f"| {t:.2f} | " + " | ".join(shares) + " |")
    medians = pairs.groupby("label")["similarity"].median()
    lines += ["", "Median similarity: " + ", ".join(f"{label} {medians[label]:.2f}" for label in labels), ""]
    text = "\n".join(lines)
    print(text)
    write_results(out, text, args.tiny)
    return 0


if __name__ == "__main__":
    sys.exit(main())
