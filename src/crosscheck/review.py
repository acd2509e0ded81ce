"""Verdicts teach the model: analysts' verdicts as labelled pairs, the review queue, the model measured
against the verdicts, and a calibration fitted on them.

A verdict says, for one pair, the analyst's stance (`label`: contradicts, supports, unrelated) or that
the stance shown (`stance_seen`) was wrong. From that each pair has a known answer to "does it
contradict?" and "does it support?" where the analyst said so. The calibration is a small head over
the frozen model: per label, a logistic map of the model's own probability (Platt scaling) fitted on
those answers, and a threshold chosen on them for precision; it runs in well under a second on CPU,
rewrites the stored scores and stances of the workspace, and applies to every pair scored after it.
The model's own scores stay beside them (`raw_contradiction`, `raw_support`), so a calibration can be
refitted or removed without scoring anything again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from crosscheck.db import reads, schema, writes
from crosscheck.models.calibration import (
    META_KEY,
    Calibration,
    fit_platt,
    logit,
    precision_threshold,
    sigmoid,
)
from crosscheck.models.labels import UNCERTAIN

TARGETS = ("contradicts", "supports")
# A label is refitted only from this many pairs whose answer for it is known, with both answers among them.
MIN_KNOWN = 20
MIN_EACH = 5
QUEUE_ORDERS = ("uncertain", "consequential")


def answers(verdicts: pd.DataFrame) -> pd.DataFrame:
    """Per verdict, the known answer (1.0 yes, 0.0 no, NaN unknown) to "contradicts?" and "supports?".

    A label answers both (an `unrelated` label says no to each); a rejection without a label says no
    to the stance that was shown.
    """
    label = verdicts["label"].astype(object)
    seen = verdicts["stance_seen"].astype(object)
    rejected = (verdicts["verdict"] == "rejected") & label.isna()
    out = pd.DataFrame(index=verdicts.index)
    for target in TARGETS:
        known = np.where(label.notna(), (label == target).astype(float), np.nan)
        out[target] = np.where(rejected & (seen == target), 0.0, known)
    return out


def answer_of(verdict: str, label: str | None, stance_seen: str | None) -> str:
    """What one verdict says about its pair, comparable across analysts: the analyst's stance (`label`), or, for
    a rejection without one, "not <the stance shown>"."""
    if isinstance(label, str) and label:
        return label
    seen = stance_seen if isinstance(stance_seen, str) and stance_seen else None
    if verdict == "rejected":
        return f"not {seen}" if seen else "rejected"
    return seen or "confirmed"


@dataclass(frozen=True)
class Agreement:
    """How the analysts' verdicts on one pair agree: `answers` maps each answer to how many gave it, most first."""

    analysts: int
    answers: dict[str, int]

    @property
    def unanimous(self) -> bool:
        return len(self.answers) == 1

    @property
    def summary(self) -> str:
        """One line for the Claim page, e.g. "2 of 2 analysts agree: contradicts"."""
        if not self.analysts:
            return "No analyst verdict yet."
        if self.analysts == 1:
            return f"1 analyst: {next(iter(self.answers))}"
        if self.unanimous:
            return f"{self.analysts} of {self.analysts} analysts agree: {next(iter(self.answers))}"
        parts = ", ".join(f"{answer} ({n})" for answer, n in self.answers.items())
        return f"Analysts disagree: {parts}"


def agreement(verdicts: pd.DataFrame) -> Agreement:
    """The agreement of one pair's verdicts (columns verdict, label, stance_seen; one row per analyst)."""
    found: dict[str, int] = {}
    for row in verdicts.itertuples(index=False):
        key = answer_of(row.verdict, row.label, row.stance_seen)
        found[key] = found.get(key, 0) + 1
    ordered = dict(sorted(found.items(), key=lambda kv: (-kv[1], kv[0])))
    return Agreement(analysts=len(verdicts), answers=ordered)


def fit(pairs: pd.DataFrame, thresholds: dict[str, float | None]) -> Calibration:
    """A calibration from verdict pairs (verdict, label, stance_seen, raw_contradiction, raw_support).

    A label with too few known answers keeps the model's probability (a = 1, b = 0) and `thresholds`
    (the model's own, from its stance.json).
    """
    known = answers(pairs)
    raw = {"contradicts": pairs["raw_contradiction"].to_numpy(float), "supports": pairs["raw_support"].to_numpy(float)}
    maps, cuts, refitted = {}, {}, []
    for target in TARGETS:
        y = known[target].to_numpy(float)
        ok = ~np.isnan(y) & ~np.isnan(raw[target])
        yes = int(np.nansum(y[ok]))
        if ok.sum() >= MIN_KNOWN and min(yes, int(ok.sum()) - yes) >= MIN_EACH:
            a, b = fit_platt(raw[target][ok], y[ok])
            maps[target] = (a, b)
            cuts[target] = precision_threshold(sigmoid(a * logit(raw[target][ok]) + b), y[ok])
            refitted.append(target)
        else:
            maps[target] = (1.0, 0.0)
            cuts[target] = thresholds.get(target)
    return Calibration(
        contradicts=maps["contradicts"], supports=maps["supports"],
        contradicts_threshold=cuts["contradicts"], supports_threshold=cuts["supports"],
        verdicts=len(pairs), refitted=refitted, fitted_at=dt.date.today().isoformat(),
    )


def evaluate(pairs: pd.DataFrame) -> dict:
    """The stored stances against the verdicts: per label, calls, right, precision, and recall of the known yeses."""
    known = answers(pairs)
    out = {"verdicts": len(pairs), "labelled": int(pairs["label"].notna().sum())}
    for target in TARGETS:
        y = known[target]
        mask = y.notna()
        called = (pairs["stance"] == target) & mask
        right = int((called & (y == 1)).sum())
        yes = int((y == 1).sum())
        out[target] = {
            "known": int(mask.sum()), "called": int(called.sum()), "right": right,
            "precision": right / int(called.sum()) if called.any() else None,
            "recall": right / yes if yes else None,
        }
    out["uncertain"] = int((pairs["stance"] == UNCERTAIN).sum())
    return out


def format_evaluation(result: dict) -> str:
    """The evaluation as lines of text, for the command line."""
    lines = [f"{result['verdicts']} verdicts ({result['labelled']} with the analyst's stance); "
             f"{result['uncertain']} of those pairs are uncertain"]
    for target in TARGETS:
        r = result[target]
        p = "–" if r["precision"] is None else f"{r['precision']:.2f}"
        rc = "–" if r["recall"] is None else f"{r['recall']:.2f}"
        lines.append(f"{target}: {r['called']} called, {r['right']} right (precision {p}); recall {rc} "
                     f"of the {r['known']} pairs whose answer is known")
    return "\n".join(lines)


def queue(source, order: str = "uncertain", limit: int | None = None) -> pd.DataFrame:
    """Pairs without a verdict in review order (at most `limit`), from a connection's stored pairs or a pairs frame.

    uncertain: pairs the model would not label, those nearest a call first (highest contradiction or
    support), then the labelled ones least sure first. consequential: labelled pairs first (each is a
    claim the dashboard makes), the most confident first (what the Claims page ranks on top). Ordered
    in SQL, so a page reads ten pairs, not a million.
    """
    if order not in QUEUE_ORDERS:
        raise ValueError(f"unknown review order {order!r}; use one of {', '.join(QUEUE_ORDERS)}")
    return reads.review_queue(source, order, TARGETS, UNCERTAIN, limit)


def waiting(source) -> int:
    """How many pairs have no verdict yet (the length of the review queue)."""
    return reads.unreviewed_count(source)


# ---------------------------------------------------------------- the workspace's calibration


def recalibrate(con, thresholds: dict[str, float | None], *, reset: bool = False) -> dict:
    """Fit a calibration on the workspace's verdicts (or remove it, `reset`), store it and re-decide every stored pair.

    Run inside the caller's transaction or the app's writer. `thresholds` are the model's own
    (stance.json), kept for a label with too few verdicts. Returns the calibration (None after a
    reset), the evaluation on the verdicts before and after, and how many stored stances changed.
    """
    before = evaluate(reads.verdict_pairs(con))
    stored = reads.raw_scores(con)
    if reset:
        schema.delete_meta(con, META_KEY)
        calibration = None
        new = pd.DataFrame({"contradiction": stored["raw_contradiction"].to_numpy(), "support": stored["raw_support"].to_numpy(),
                            "stance": stored["raw_stance"].to_numpy(), "calibration": None})
    else:
        calibration = fit(reads.verdict_pairs(con), thresholds)
        schema.set_meta(con, META_KEY, calibration.to_json())
        new = calibration.apply(stored["raw_contradiction"].to_numpy(), stored["raw_support"].to_numpy()).assign(calibration=calibration.name)
    changed = int((new["stance"].to_numpy() != stored["stance"].to_numpy()).sum())
    writes.rescore(con, pd.concat([stored[["claim_id", "report_id"]].reset_index(drop=True), new], axis=1))
    after = evaluate(reads.verdict_pairs(con))
    return {"calibration": asdict(calibration) if calibration else None, "pairs": len(stored),
            "stances_changed": changed, "before": before, "after": after}
