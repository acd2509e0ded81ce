"""Score: does a report support or contradict a claim?

Interface used by the pipeline, the CLI and the app:
    load_scorer(name=None) -> StanceScorer
    StanceScorer.score(claims, evidences, claim_dates=None, evidence_dates=None) -> DataFrame
        columns: stance (supports/contradicts/discusses/unrelated), contradiction, support (0–1)
"""

from __future__ import annotations

import datetime as dt
from typing import Sequence

import pandas as pd

SCORE_COLUMNS = ["stance", "contradiction", "support"]


class StanceScorer:
    """Base class: one stance and two probabilities per (claim, evidence) pair."""

    name = "none"

    def score(
        self,
        claims: Sequence[str],
        evidences: Sequence[str],
        claim_dates: Sequence[dt.date | None] | None = None,
        evidence_dates: Sequence[dt.date | None] | None = None,
    ) -> pd.DataFrame:
        """Unscored pairs: stance and probabilities empty."""
        return pd.DataFrame({"stance": [None] * len(claims), "contradiction": [None] * len(claims), "support": [None] * len(claims)})


def load_scorer(name: str | None = None) -> StanceScorer:
    """The configured stance model."""
    return StanceScorer()
