"""Tables handed in as CSV files (pairs to score, labelled pairs, public stance data sets)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from crosscheck.errors import DataFileError


def read_csv(path: Path | str, required: Sequence[str]) -> pd.DataFrame:
    """A CSV as text columns (empty cells stay ""), with the required columns, or a DataFileError naming the file."""
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as e:
        raise DataFileError(f"{path}: cannot read CSV ({e.__class__.__name__}: {e})") from e
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataFileError(f"{path}: missing column(s) {', '.join(missing)}")
    return frame
