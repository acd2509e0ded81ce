"""The relatedness gate: a logistic regression over similarity and word-overlap features that decides related vs
unrelated for long evidence before the cross-encoder reads it (relatedness.json)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def gated_probability(gate, feats: np.ndarray, short: np.ndarray) -> np.ndarray | None:
    """P(related) from the gate for evidence longer than a passage; +inf (always passes) for short evidence.

    The gate is a document-level filter, fitted where "unrelated" means another topic (FNC-1 bodies).
    Between a claim and one short report, relatedness is not similarity: the monitor report that refutes
    a claim often shares few words with it ("we will withdraw" against "tanks moving to the border"),
    while a report that shares its words may be about another event. There the cross-encoder decides.
    """
    if gate is None:
        return None
    return np.where(short, np.inf, gate.probability(feats))


def expand_features(feats: np.ndarray) -> np.ndarray:
    """Features plus a few products, so a linear model can bend."""
    f = np.asarray(feats, dtype=np.float64)
    return np.column_stack([f, f[:, 0] ** 2, f[:, 0] * f[:, 2], f[:, 1] * f[:, 3]])


class RelatednessGate:
    """Stage one: logistic regression over similarity and overlap features, stored as JSON."""

    def __init__(self, mean: Sequence[float], scale: Sequence[float], coef: Sequence[float], intercept: float, threshold: float = 0.5):
        self.mean, self.scale = np.asarray(mean), np.asarray(scale)
        self.coef, self.intercept, self.threshold = np.asarray(coef), float(intercept), float(threshold)

    def probability(self, feats: np.ndarray) -> np.ndarray:
        """P(related) per pair."""
        z = ((expand_features(feats) - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def to_json(self) -> dict:
        """Plain numbers, safe to load."""
        return {"mean": self.mean.tolist(), "scale": self.scale.tolist(), "coef": self.coef.tolist(),
                "intercept": self.intercept, "threshold": self.threshold}

    @classmethod
    def from_json(cls, data: dict) -> RelatednessGate:
        """The gate saved by to_json."""
        return cls(data["mean"], data["scale"], data["coef"], data["intercept"], data.get("threshold", 0.5))
