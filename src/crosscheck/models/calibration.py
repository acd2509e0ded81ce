"""The calibration every scoring run applies: per label, a logistic map of the model's own probability (Platt
scaling) and a threshold chosen for precision, fitted on the analysts' verdicts (crosscheck.review.fit) and stored
in the workspace. The model's own scores stay beside the calibrated ones (`raw_contradiction`, `raw_support`), so a
calibration can be refitted or removed without scoring anything again.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from crosscheck.db import schema
from crosscheck.models.labels import LABELS, decide_labels

PRECISION_TARGET = 0.8
MIN_CALLS = 3  # a threshold must be earned on at least this many calls
META_KEY = "verdict_calibration"


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def fit_platt(p: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(a, b) of P(yes) = sigmoid(a · logit(p) + b), by logistic regression on the model's probability."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=10.0).fit(logit(p).reshape(-1, 1), np.asarray(y, dtype=int))
    return float(model.coef_[0, 0]), float(model.intercept_[0])


def precision_threshold(p: np.ndarray, y: np.ndarray, target: float = PRECISION_TARGET) -> float | None:
    """The lowest threshold at which at least `target` of the calls (p ≥ threshold, ≥ MIN_CALLS of them) are right."""
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    for t in np.unique(p):
        called = p >= t
        if called.sum() >= MIN_CALLS and y[called].mean() >= target:
            return float(t)
    return None


@dataclass
class Calibration:
    """Per label (a, b) on the logit of the model's probability, and the threshold for calling it."""

    contradicts: tuple[float, float]
    supports: tuple[float, float]
    contradicts_threshold: float | None  # None: the label is never called (no threshold earned its precision)
    supports_threshold: float | None
    verdicts: int
    refitted: list[str]
    fitted_at: str

    def apply(self, raw_contradiction, raw_support) -> pd.DataFrame:
        """contradiction, support and stance from the model's own scores, by the one decision rule."""
        c = sigmoid(self.contradicts[0] * logit(raw_contradiction) + self.contradicts[1])
        s = sigmoid(self.supports[0] * logit(raw_support) + self.supports[1])
        probs = np.zeros((len(c), len(LABELS)))
        probs[:, LABELS.index("contradicts")] = c
        probs[:, LABELS.index("supports")] = s
        probs[:, LABELS.index("unrelated")] = np.clip(1.0 - c - s, 0.0, 1.0)
        never = 1.01  # above any probability
        stances = decide_labels(
            probs, LABELS,
            contradicts_threshold=never if self.contradicts_threshold is None else self.contradicts_threshold,
            supports_threshold=never if self.supports_threshold is None else self.supports_threshold,
        )
        return pd.DataFrame({"contradiction": c, "support": s, "stance": stances})

    @property
    def name(self) -> str:
        """What each pair it decided records in matches.calibration."""
        return f"verdicts ({self.verdicts}, {self.fitted_at})"

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Calibration:
        data = json.loads(text)
        data["contradicts"], data["supports"] = tuple(data["contradicts"]), tuple(data["supports"])
        return cls(**data)


def stored_calibration(con) -> Calibration | None:
    """The calibration the workspace applies to every pair it scores, if one was fitted."""
    text = schema.get_meta(con, META_KEY)
    return Calibration.from_json(text) if text else None


def calibrate_scores(con, scores: pd.DataFrame) -> pd.DataFrame:
    """Newly scored pairs (stance, contradiction, support) with the model's output kept as raw_* and, when the
    workspace has a calibration, its scores and stances in their place (named in `calibration`)."""
    out = scores.assign(raw_contradiction=scores["contradiction"], raw_support=scores["support"],
                        raw_stance=scores["stance"], calibration=None)
    calibration = stored_calibration(con)
    if calibration is None or out.empty:
        return out
    scored = out["raw_contradiction"].notna() & out["raw_support"].notna()
    if scored.any():
        new = calibration.apply(out.loc[scored, "raw_contradiction"], out.loc[scored, "raw_support"])
        for col in ("contradiction", "support", "stance"):
            out.loc[scored, col] = new[col].to_numpy()
        out.loc[scored, "calibration"] = calibration.name
    return out
