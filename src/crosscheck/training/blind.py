"""The blind evaluation sets (data/eval/blind_pairs*.csv): references into RUWA, resolved to texts in place.

The CSVs hold references (the row's `src` and which field), never the texts: RUWA is CC BY-NC-SA and
evaluation-only, so it stays in ../shared/data and is read from there (data/eval/BLIND.md).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crosscheck import config
from crosscheck.datafiles import read_csv
from crosscheck.errors import DataFileError
from crosscheck.training.data import gold_label

RUWA = config.ROOT.parent / "shared" / "data" / "ruwa_other_events" / "ruwa_prisoners_supermarket_sinking.csv"
BLIND = config.DATA_DIR / "eval" / "blind_pairs.csv"
COLUMNS = ["claim_src", "claim_field", "evidence_src", "evidence_field", "label"]


def resolve(row: pd.Series, field: str) -> str:
    """The text a reference names: the row's title, desc, or "title. desc"."""
    title, desc = str(row.get("title") or "").strip(), str(row.get("desc") or "").strip()
    if field == "title":
        return title
    if field == "desc":
        return desc
    if field == "title+desc":
        return f"{title}. {desc}"
    raise DataFileError(f"unknown field {field!r} (title, desc or title+desc)")


def load_blind_pairs(path: Path | str = BLIND, ruwa: Path | str = RUWA) -> pd.DataFrame:
    """claim, evidence, label, claim_date, evidence_date (and the set's own columns) with texts resolved from RUWA."""
    if not Path(ruwa).exists():
        raise DataFileError(f"{ruwa}: RUWA rows not found (the blind set resolves its texts from ../shared/data)")
    pairs = read_csv(path, COLUMNS)
    rows = read_csv(ruwa, ["src", "title", "desc"]).drop_duplicates("src").set_index("src")
    missing = sorted((set(pairs["claim_src"]) | set(pairs["evidence_src"])) - set(rows.index))
    if missing:
        raise DataFileError(f"{path}: {len(missing)} reference(s) not in {ruwa}, e.g. {missing[0]}")
    out = pairs.assign(
        claim=[resolve(rows.loc[s], f) for s, f in zip(pairs["claim_src"], pairs["claim_field"])],
        evidence=[resolve(rows.loc[s], f) for s, f in zip(pairs["evidence_src"], pairs["evidence_field"])],
        label=[gold_label(v, path) for v in pairs["label"]],
    )
    if (out["claim"].str.len() == 0).any() or (out["evidence"].str.len() == 0).any():
        raise DataFileError(f"{path}: a reference resolves to an empty text")
    return out
