"""Command-line batch scoring: `crosscheck stance --in PAIRS.csv --out SCORED.csv`.

The research commands (`train-stance`, `eval`) are in crosscheck.training.cli.
"""

from __future__ import annotations

from pathlib import Path

from crosscheck.datafiles import read_csv
from crosscheck.models.stance import load_trained_scorer


def cmd_stance(args) -> int:
    frame = read_csv(args.input, ["claim", "evidence"])
    scorer = load_trained_scorer(args.model)
    scores = scorer.score(
        frame["claim"].tolist(), frame["evidence"].tolist(),
        frame["claim_date"].tolist() if "claim_date" in frame.columns else None,
        frame["evidence_date"].tolist() if "evidence_date" in frame.columns else None,
    )
    out = frame.copy()
    for col in ("stance", "contradiction", "support", "similarity", "lag_days"):
        if col in scores.columns:
            out[col] = scores[col].to_numpy()
    for col in ("contradiction", "support", "similarity"):
        if col in out.columns:
            out[col] = out[col].astype(float).round(4)
    out.to_csv(args.output, index=False)
    counts = out["stance"].value_counts().to_dict()
    print(f"scored {len(out)} pairs with {scorer.name} → {args.output}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


def add_commands(sub) -> None:
    """Register `stance` on the crosscheck parser."""
    p = sub.add_parser("stance", help="score claim/evidence pairs from a CSV")
    p.add_argument("--in", dest="input", required=True, type=Path, metavar="PAIRS.csv", help="columns claim, evidence (claim_date, evidence_date optional)")
    p.add_argument("--out", dest="output", required=True, type=Path, metavar="SCORED.csv")
    p.add_argument("--model", help="bundled (default), or a cross-encoder id or path")
    p.set_defaults(func=cmd_stance)
