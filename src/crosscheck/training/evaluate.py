"""Evaluation: FNC-1 score, per-class F1, macro-F1 and confusion matrix (`crosscheck eval`)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from crosscheck.datafiles import read_csv
from crosscheck.errors import DataFileError
from crosscheck.models.labels import LABELS
from crosscheck.training.data import (
    DEFAULT_SEED,
    fnc_frames,
    gold_label,
    pair_dates,
    split_fnc,
)

# FNC-1 names of our labels, for printing FNC-1 results in the competition's terms.
FNC_NAMES = {"supports": "agree", "contradicts": "disagree", "discusses": "discuss", "unrelated": "unrelated"}


def f1_per_class(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str] = LABELS) -> dict[str, dict]:
    """Precision, recall, F1 and support of every label."""
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold labels but {len(pred)} predictions")
    out = {}
    for lab in labels:
        tp = sum(1 for g, p in zip(gold, pred) if g == lab and p == lab)
        fp = sum(1 for g, p in zip(gold, pred) if g != lab and p == lab)
        fn = sum(1 for g, p in zip(gold, pred) if g == lab and p != lab)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[lab] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}
    return out


def macro_f1(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str] | None = None) -> float:
    """Mean F1 over labels; by default the labels that occur in gold (a label nobody has cannot be scored)."""
    labels = labels or [lab for lab in LABELS if lab in set(gold)]
    per = f1_per_class(gold, pred, labels)
    return sum(v["f1"] for v in per.values()) / len(per) if per else 0.0


def as_guideline_labels(pred: Sequence[str], gold: Sequence[str]) -> list[str]:
    """Predictions in the labels of the gold set: `discusses` counts as `unrelated` where gold has no `discusses`.

    Sets labelled by data/eval/GUIDELINE.md have no `discusses`: a report that discusses a claim
    without confirming or refuting it is `unrelated` there. Calibration and `eval pairs` both score so.
    """
    if "discusses" in set(gold):
        return list(pred)
    return ["unrelated" if p == "discusses" else p for p in pred]


def confusion(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str] = LABELS) -> pd.DataFrame:
    """Counts with gold labels as rows and predictions as columns (`uncertain` gets a column when predicted)."""
    rows = list(labels) + [g for g in dict.fromkeys(gold) if g not in labels]
    frame = pd.DataFrame(0, index=rows, columns=rows + [p for p in dict.fromkeys(pred) if p not in rows])
    for g, p in zip(gold, pred):
        frame.loc[g, p] += 1
    frame.index.name = "gold \\ predicted"
    return frame


def fnc_score(gold: Sequence[str], pred: Sequence[str]) -> tuple[float, float]:
    """FNC-1 official score and its maximum: 0.25 per correct related/unrelated, +0.75 per exact related label."""
    score = maximum = 0.0
    for g, p in zip(gold, pred):
        g_rel, p_rel = g != "unrelated", p != "unrelated"
        score += 0.25 if g_rel == p_rel else 0.0
        if g_rel and g == p:
            score += 0.75
        maximum += 1.0 if g_rel else 0.25
    return score, maximum


def summarise(gold: Sequence[str], pred: Sequence[str], fnc: bool = False, labels: Sequence[str] | None = None) -> dict:
    """All figures of one evaluation as plain numbers."""
    labels = list(labels or [lab for lab in LABELS if lab in set(gold) or lab in set(pred)])
    scored = [lab for lab in labels if lab in set(gold)]
    out = {
        "pairs": len(gold),
        "accuracy": sum(g == p for g, p in zip(gold, pred)) / len(gold) if gold else 0.0,
        "per_class": f1_per_class(gold, pred, labels),
        "macro_f1": macro_f1(gold, pred, scored),
        "confusion": confusion(gold, pred, labels),
    }
    if fnc:
        score, maximum = fnc_score(gold, pred)
        out["fnc_score"] = score
        out["fnc_max"] = maximum
        out["fnc_percent"] = 100 * score / maximum if maximum else 0.0
        out["macro_f1"] = macro_f1(gold, pred, LABELS)
    return out


def format_summary(summary: dict, fnc_names: bool = False) -> str:
    """The figures as a plain-text report."""
    name = (lambda lab: FNC_NAMES.get(lab, lab)) if fnc_names else (lambda lab: lab)
    lines = [f"pairs: {summary['pairs']}"]
    if "fnc_score" in summary:
        lines.append(f"FNC-1 score: {summary['fnc_score']:.2f} / {summary['fnc_max']:.2f} = {summary['fnc_percent']:.2f} %")
    lines.append(f"accuracy: {summary['accuracy']:.4f}")
    lines.append(f"macro-F1: {summary['macro_f1']:.4f}")
    for k in (10, 20):
        if summary.get(f"contradicts_precision_at_{k}") is not None:
            lines.append(f"contradicts precision@{k} of the contradiction ranking: {summary[f'contradicts_precision_at_{k}']:.2f}")
    lines.append("")
    lines.append(f"{'class':<12} {'precision':>9} {'recall':>7} {'F1':>7} {'support':>8}")
    for lab, v in summary["per_class"].items():
        lines.append(f"{name(lab):<12} {v['precision']:>9.3f} {v['recall']:>7.3f} {v['f1']:>7.3f} {v['support']:>8d}")
    lines.append("")
    conf = summary["confusion"].copy()
    conf.index = [name(x) for x in conf.index]
    conf.columns = [name(x) for x in conf.columns]
    conf.index.name = "gold \\ predicted"
    lines.append(conf.to_string())
    return "\n".join(lines)


def evaluate_fnc(stances_path, bodies_path, scorer, split: str = "all", seed: int | None = None) -> dict:
    """Score FNC-1 format files (headline vs body) and summarise; split="dev" keeps the training dev split."""
    stances = read_csv(stances_path, ["Headline", "Body ID", "Stance"])
    bodies = read_csv(bodies_path, ["Body ID", "articleBody"])
    frame, texts = fnc_frames(stances, bodies)
    missing = sorted(set(frame["body_id"]) - set(texts))
    if missing:
        raise DataFileError(f"{stances_path}: body id(s) not in {bodies_path}: {', '.join(missing[:5])}")
    if split == "dev":
        frame = split_fnc(frame, DEFAULT_SEED if seed is None else seed)[1]
    elif split != "all":
        raise ValueError(f"unknown split {split!r} (all or dev)")
    gold = [gold_label(v, stances_path) for v in frame["fnc"]]
    scores = scorer.score(frame["headline"].tolist(), frame["body_id"].map(texts).tolist())
    return summarise(gold, scores["stance"].tolist(), fnc=True, labels=LABELS)


def evaluate_pairs(path, scorer, split: str | None = None) -> tuple[dict, pd.DataFrame]:
    """Score a labelled pairs CSV (claim, evidence, label[, claim_date, evidence_date, split]); summary and predictions."""
    frame = read_csv(path, ["claim", "evidence", "label"])
    if split and split != "all":
        if "split" not in frame.columns:
            raise DataFileError(f"{path}: no split column, cannot select split {split!r}")
        frame = frame[frame["split"].str.strip().str.lower() == split].reset_index(drop=True)
    if frame.empty:
        raise DataFileError(f"{path}: no pairs to evaluate")
    return evaluate_frame(frame.assign(label=[gold_label(v, path) for v in frame["label"]]), scorer)


def evaluate_frame(frame: pd.DataFrame, scorer) -> tuple[dict, pd.DataFrame]:
    """Score labelled pairs (claim, evidence, label[, dates]): the summary with precision@k, and the predictions."""
    gold = frame["label"].tolist()
    # The scorer decides (stance.decide_labels) and applies the time rule (stance.apply_time_rule), as in the app.
    scores = scorer.score(frame["claim"].tolist(), frame["evidence"].tolist(), *pair_dates(frame))
    pred = as_guideline_labels(scores["stance"].tolist(), gold)
    predictions = frame.assign(predicted=pred, contradiction=scores["contradiction"].to_numpy(),
                               similarity=scores["similarity"].to_numpy() if "similarity" in scores else None)
    summary = summarise(gold, pred)
    for k in (10, 20):
        summary[f"contradicts_precision_at_{k}"] = precision_at(predictions, k)
    return summary, predictions


def precision_at(predictions: pd.DataFrame, k: int, label: str = "contradicts", score: str = "contradiction") -> float | None:
    """Share of gold `label` among the k pairs with the highest score: how good the top of a ranking is."""
    if len(predictions) < k:
        return None
    top = predictions.sort_values(score, ascending=False, kind="stable").head(k)
    return float((top["label"] == label).mean())
