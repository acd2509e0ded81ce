"""How many labelled claim/report pairs survive the matching threshold, by label.

Matching only hands the stance model the reports whose cosine similarity to the claim reaches
`MatchSettings.threshold`; a contradiction below it is never scored. This reads the training part
of data/eval/real_pairs.csv (the held-out part is never used for tuning), embeds both sides with
the configured embedder and prints, for each threshold, the share of pairs of each label at or
above it. Writes bench/results/match_recall.md.

    python bench/bench_match_recall.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from crosscheck.config import ROOT
from crosscheck.embed import load_embedder

PAIRS = ROOT / "data" / "eval" / "real_pairs.csv"
RESULTS = Path(__file__).resolve().parent / "results" / "match_recall.md"
THRESHOLDS = (0.10, 0.15, 0.20, 0.25, 0.30, 0.35, 0.40)


def main() -> int:
    pairs = pd.read_csv(PAIRS)
    pairs = pairs[pairs["split"] == "train"]
    embedder = load_embedder()
    claims, evidence = embedder.embed(pairs["claim"].tolist()), embedder.embed(pairs["evidence"].tolist())
    pairs = pairs.assign(similarity=np.einsum("ij,ij->i", claims, evidence))
    labels = sorted(pairs["label"].unique())
    counts = pairs["label"].value_counts()
    lines = [
        "# Matching recall by threshold",
        "",
        f"Share of labelled pairs (data/eval/real_pairs.csv, split = train: "
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
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
