"""Reading the stance data: FNC-1 and ARC, SNLI, our labelled pair files, their held-out rows and the splits.

One reader for each, used by training, the event pairs and evaluation alike, so the held-out rows and
the FNC-1 dev split are the same rows everywhere.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from crosscheck.datafiles import read_csv
from crosscheck.errors import DataFileError
from crosscheck.models.labels import normalise_label

DEFAULT_SEED = 13
DEV_FRACTION = 0.25
DATE_COLUMNS = ["claim_date", "evidence_date"]


def stable_fraction(key: str, seed: int) -> float:
    """A number in [0, 1) fixed by key and seed, the same on every machine and Python run."""
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def split_calibration(pairs: pd.DataFrame, seed: int, fraction: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split labelled pairs into (fit, calibration) by claim, so no claim is on both sides."""
    # By claim, not by pair: calibration pairs that share a claim with training pairs reward memorising it.
    keys = pairs["claim"].astype(str).str.strip().str.lower()
    is_cal = keys.map(lambda k: stable_fraction(f"cal-claim:{k}", seed) < fraction).astype(bool)
    return pairs[~is_cal], pairs[is_cal]


def load_fnc(directory: Path | str, stances_name: str = "train_stances.csv", bodies_name: str = "train_bodies.csv"):
    """FNC-1 (or ARC, same format): stances frame (headline, body_id, label) and body texts by id."""
    directory = Path(directory)
    stances = read_csv(directory / stances_name, ["Headline", "Body ID", "Stance"])
    bodies = read_csv(directory / bodies_name, ["Body ID", "articleBody"])
    return fnc_frames(stances, bodies)


def fnc_frames(stances: pd.DataFrame, bodies: pd.DataFrame):
    """FNC-1 stances as (headline, body_id, fnc) and the bodies as a dict by id, from the files' frames."""
    frame = pd.DataFrame({"headline": stances["Headline"], "body_id": stances["Body ID"].str.strip(), "fnc": stances["Stance"].str.strip().str.lower()})
    return frame, dict(zip(bodies["Body ID"].str.strip(), bodies["articleBody"]))


def split_fnc(stances: pd.DataFrame, seed: int = DEFAULT_SEED, fraction: float = DEV_FRACTION) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train and dev parts of FNC-1 split by body id AND by headline.

    A pair is dev when both its body and its headline fall in the dev fraction, train when neither
    does; mixed pairs are dropped, so no dev headline and no dev body is ever seen in training.
    """
    dev_body = stances["body_id"].map(lambda b: stable_fraction("body:" + b, seed) < fraction)
    dev_head = stances["headline"].map(lambda h: stable_fraction("headline:" + h.strip().lower(), seed) < fraction)
    return stances[~dev_body & ~dev_head].reset_index(drop=True), stances[dev_body & dev_head].reset_index(drop=True)


def load_snli(path: Path | str) -> pd.DataFrame:
    """SNLI jsonl → claim (hypothesis), evidence (premise), label; pairs without a gold label dropped."""
    rows = []
    path = Path(path)
    try:
        with path.open(encoding="utf-8") as fh:
            for _n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                rec = json.loads(line)
                gold = rec.get("gold_label")
                if gold in ("entailment", "contradiction", "neutral"):
                    # The hypothesis plays the claim; the premise is what was observed.
                    rows.append({"claim": rec["sentence2"], "evidence": rec["sentence1"], "label": normalise_label(gold)})
    except (OSError, json.JSONDecodeError, KeyError) as e:
        raise DataFileError(f"{path}: cannot read SNLI jsonl ({e.__class__.__name__}: {e})") from e
    return pd.DataFrame(rows, columns=["claim", "evidence", "label"])


def gold_label(value: str, path) -> str:
    """Our name for a label in a data file, or a DataFileError naming the file."""
    try:
        return normalise_label(value)
    except ValueError as e:
        raise DataFileError(f"{path}: {e}") from e


def is_heldout(frame: pd.DataFrame) -> pd.Series:
    """Rows of a pair file that only measure the model (`split = heldout`): never trained, tuned or calibrated on."""
    if "split" not in frame.columns:
        return pd.Series(False, index=frame.index)
    return frame["split"].str.strip().str.lower() == "heldout"


def heldout_rows(pair_files: list[Path | str]) -> pd.DataFrame:
    """The held-out rows of the labelled pair files (is_heldout), all files together."""
    frames = [frame[is_heldout(frame)] for frame in (read_csv(path, ["claim", "evidence", "label"]) for path in pair_files)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["claim", "evidence", "label"])


def load_pair_file(path: Path | str) -> pd.DataFrame:
    """Labelled pairs (claim, evidence, label, claim_date, evidence_date); held-out rows are removed here and never trained on."""
    frame = read_csv(path, ["claim", "evidence", "label"])
    frame = frame[~is_heldout(frame)]
    frame = frame.assign(label=[gold_label(v, path) for v in frame["label"]])
    for col in DATE_COLUMNS:
        if col not in frame.columns:
            frame = frame.assign(**{col: ""})
    return frame[["claim", "evidence", "label", *DATE_COLUMNS]].reset_index(drop=True)


def pair_dates(frame: pd.DataFrame) -> tuple[list, list]:
    """Claim and report dates of a pairs frame (missing ones as None: FNC-1, ARC and SNLI carry none)."""
    return tuple([None if pd.isna(v) else v for v in frame[col]] if col in frame.columns else [None] * len(frame)
                 for col in DATE_COLUMNS)
