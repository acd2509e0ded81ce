"""Stance labels and the decision rule: class probabilities → supports / contradicts / discusses / unrelated, or
uncertain where the precision-first thresholds are not met."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

SCORE_COLUMNS = ["stance", "contradiction", "support"]
# Our stance labels; class probabilities (StanceScorer.probabilities) have one column per label in this order.
LABELS = ("supports", "contradicts", "discusses", "unrelated")
# What the precision-first rule calls a pair it will not label: shown as such, never counted as either side.
UNCERTAIN = "uncertain"
# Label names of FNC-1, ARC and NLI models mapped to ours.
LABEL_ALIASES = {
    "supports": "supports", "agree": "supports", "entailment": "supports", "support": "supports",
    "contradicts": "contradicts", "disagree": "contradicts", "contradiction": "contradicts", "refutes": "contradicts",
    "discusses": "discusses", "discuss": "discusses", "neutral": "discusses",
    "unrelated": "unrelated",
}


def normalise_label(label: str) -> str:
    """Our stance name for a label of FNC-1, ARC, an NLI model or ours."""
    key = str(label).strip().lower()
    if key not in LABEL_ALIASES:
        raise ValueError(f"unknown stance label {label!r}")
    return LABEL_ALIASES[key]


def label_column(probs: np.ndarray, label: str, labels: Sequence[str] = LABELS) -> np.ndarray:
    """The probabilities of one label, looked up by name: columns of probs follow labels."""
    names = list(labels)
    if label not in names:
        raise ValueError(f"no {label!r} column among {names}")
    return np.asarray(probs)[:, names.index(label)]


def decide_labels(
    probs: np.ndarray,
    labels: Sequence[str] = LABELS,
    *,
    related: np.ndarray | None = None,
    gate_threshold: float | None = None,
    contradicts_threshold: float | None = None,
    supports_threshold: float | None = None,
    unrelated_threshold: float | None = None,
) -> list[str]:
    """The stance of each pair from its class probabilities: the one decision rule of scoring, calibration and evaluation.

    Args:
        probs: class probabilities, one row per pair, one column per name in labels.
        labels: the names of the columns of probs.
        related: P(related) per pair from the relatedness gate (+inf where the gate does not apply).
        gate_threshold: pairs with related below it are `unrelated`; None: no gate.
        contradicts_threshold: calibrated; at or above it a pair `contradicts`, below it the most likely
            other label wins. None: the most likely label wins.
        supports_threshold: given, the rule is precision-first: a pair `contradicts` or `supports` only
            when that probability reaches its threshold (the higher of the two when both do), is
            `unrelated` when P(unrelated or discusses) reaches unrelated_threshold (None: when it is the
            most likely of the three), and `uncertain` otherwise — the pair may bear on the claim, but
            the model is not sure which way: a label shown is a claim made to an analyst.
        unrelated_threshold: see supports_threshold.

    Returns:
        One label name per row. Ties go to the label named first in labels.
    """
    names = list(labels)
    probs = np.asarray(probs, dtype=float).reshape(len(probs), len(names))
    if supports_threshold is not None:
        out = _precision_first(probs, names, contradicts_threshold, supports_threshold, unrelated_threshold)
    else:
        candidates = probs.copy()
        if contradicts_threshold is not None:
            candidates[:, names.index("contradicts")] = -np.inf
        out = [names[j] for j in np.argmax(candidates, axis=1)] if len(probs) else []
        if contradicts_threshold is not None:
            contradicts = label_column(probs, "contradicts", names) >= contradicts_threshold
            out = ["contradicts" if c else lab for lab, c in zip(out, contradicts)]
    if related is not None and gate_threshold is not None:
        gated = np.asarray(related, dtype=float) < gate_threshold
        out = ["unrelated" if g else lab for lab, g in zip(out, gated)]
    return out


def _precision_first(probs: np.ndarray, names: list[str], t_con: float | None, t_sup: float, t_unr: float) -> list[str]:
    con, sup = label_column(probs, "contradicts", names), label_column(probs, "supports", names)
    unr = label_column(probs, "unrelated", names) + (label_column(probs, "discusses", names) if "discusses" in names else 0)
    t_con = 0.5 if t_con is None else t_con
    out = []
    for c, s, u in zip(con, sup, unr):
        if c >= t_con and (c >= s or s < t_sup):
            out.append("contradicts")
        elif s >= t_sup:
            out.append("supports")
        elif u >= (max(c, s) if t_unr is None else t_unr):
            out.append("unrelated")
        else:
            out.append(UNCERTAIN)
    return out
