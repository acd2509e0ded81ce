"""Score: does a report support or contradict a claim?

Interface used by the pipeline, the CLI and the app:
    load_scorer(name=None) -> StanceScorer
    StanceScorer.score(claims, evidences, claim_dates=None, evidence_dates=None) -> DataFrame
        columns: stance (supports/contradicts/discusses/unrelated), contradiction, support (0–1),
        similarity (MiniLM cosine of the claim and its best evidence sentence), related (0–1),
        lag_days (evidence date minus claim date), forward_looking (the claim promises a future act)

The bundled model (data/models/stance) is a MiniLM cross-encoder trained by `crosscheck train-stance`
that reads the claim (the quoted words of reported speech) with the evidence passage (the evidence
sentences most similar to the claim) and gives the stance. For long evidence a first stage, as the
strongest FNC-1 systems had, decides related vs unrelated: a logistic regression over similarity and
word-overlap features (`relatedness.json`). Any sentence-transformers NLI cross-encoder id or path
works too; its labels come from its config (entailment → supports, contradiction → contradicts,
neutral → discusses).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from crosscheck import config
from crosscheck.attribute import spoken_text
from crosscheck.errors import ModelError
from crosscheck.models.gate import RelatednessGate, gated_probability
from crosscheck.models.labels import (
    LABELS,
    SCORE_COLUMNS,
    decide_labels,
    label_column,
    normalise_label,
)
from crosscheck.models.passages import (
    select_passages,
    short_evidence,
)
from crosscheck.models.timing import (
    apply_time_rule,
    dated_passages,
)

log = logging.getLogger(__name__)


class KnownVectors:
    """An embedder that first looks texts up in vectors already computed by the same model."""

    def __init__(self, embedder, known: Mapping[str, np.ndarray]):
        self.inner, self.known = embedder, known
        self.name, self.dim = embedder.name, embedder.dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self.known))
        fresh = dict(zip(missing, self.inner.embed(missing))) if missing else {}
        rows = [self.known[t] if t in self.known else fresh[t] for t in texts]
        return np.stack(rows).astype(np.float32) if rows else np.zeros((0, self.dim), np.float32)


class StanceScorer:
    """Base class: one stance and two probabilities per (claim, evidence) pair."""

    name = "none"
    # Name of the sentence model used to pick passages; stored vectors of that model can be reused.
    passage_model: str | None = None

    def score(
        self,
        claims: Sequence[str],
        evidences: Sequence[str],
        claim_dates: Sequence[dt.date | None] | None = None,
        evidence_dates: Sequence[dt.date | None] | None = None,
        known_vectors: Mapping[str, np.ndarray] | None = None,
    ) -> pd.DataFrame:
        """Unscored pairs: stance and probabilities empty."""
        return pd.DataFrame({"stance": [None] * len(claims), "contradiction": [None] * len(claims), "support": [None] * len(claims)})


class CrossEncoderScorer(StanceScorer):
    """Evidence passages, optional relatedness gate, cross-encoder, time rule."""

    temperature = 1.0  # logits are divided by it; set from stance.json (precision-first calibration)

    def __init__(self, path: str, name: str | None = None, embedder=None, quantize: bool | None = None,
                 onnx_mode: str | None = None):
        from sentence_transformers import CrossEncoder

        self.name = name or str(path)
        self.path = path
        self.settings = model_settings(path)
        gate_file = Path(path) / "relatedness.json" if Path(path).is_dir() else None
        self.gate = RelatednessGate.from_json(json.loads(gate_file.read_text())) if gate_file and gate_file.exists() else None
        try:
            import torch

            # Weights are stored in fp16 to stay small; CPU inference runs in fp32.
            self.model = CrossEncoder(path, device="cpu", max_length=int(self.settings.get("max_length", 128)),
                                      model_kwargs={"dtype": torch.float32})
        except Exception as e:  # the library raises many kinds
            raise ModelError(f"cannot load stance model {self.name!r}: {e}") from e
        self.model.float()
        if quantize is None:
            quantize = config.stance_int8()
        if quantize:
            self._quantize()
        # ONNX Runtime (fp32) gives the same answers in less CPU time; None: torch scores (crosscheck.models.onnx).
        from crosscheck.models import onnx as onnx_backend

        self._onnx = None if quantize else onnx_backend.load(path, int(self.settings.get("max_length", 128)), onnx_mode)
        id2label = self.model.config.id2label
        try:
            self.labels = [normalise_label(id2label[i]) for i in range(len(id2label))]
        except ValueError as e:
            raise ModelError(f"stance model {self.name!r}: {e}") from e
        self.threshold = self.settings.get("contradicts_threshold")
        # Precision-first calibration (`crosscheck train-stance --calibrate-precision`): a temperature for
        # the logits and one threshold per label; absent, the older argmax-with-threshold rule applies.
        self.temperature = float(self.settings.get("temperature") or 1.0)
        self.supports_threshold = self.settings.get("supports_threshold")
        self.unrelated_threshold = self.settings.get("unrelated_threshold")
        self._embedder = embedder
        # Fast tokenizers are not thread-safe: one inference at a time per model.
        self._lock = threading.Lock()

    def _quantize(self) -> None:
        import torch

        try:
            inner = self.model.model if hasattr(self.model, "model") else self.model
            torch.ao.quantization.quantize_dynamic(inner, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
        except Exception as e:  # noqa: BLE001 - quantisation is an optimisation; the fp32 model still scores
            log.warning("stance model %r: int8 quantisation failed, scoring in fp32 (%s: %s)", self.name, type(e).__name__, e)

    @property
    def embedder(self):
        if self._embedder is None:
            from crosscheck.models.embedder import load_embedder

            self._embedder = load_embedder(config.DEFAULT_EMBED_MODEL)
        return self._embedder

    def probabilities(self, claims: Sequence[str], passages: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Class probabilities over LABELS (columns), from the cross-encoder alone, after its calibrated temperature."""
        if not claims:
            return np.zeros((0, len(LABELS)))
        with self._lock:
            if self._onnx is not None:
                logits = self._onnx.logits(list(zip(claims, passages)), batch_size=batch_size)
            else:
                logits = self.model.predict(
                    list(zip(claims, passages)), batch_size=batch_size, show_progress_bar=False,
                    convert_to_numpy=True, activation_fn=_identity(),
                )
        logits = np.asarray(logits, dtype=np.float64).reshape(len(claims), -1) / self.temperature
        probs = np.exp(logits - logits.max(axis=1, keepdims=True))
        probs /= probs.sum(axis=1, keepdims=True)
        out = np.zeros((len(claims), len(LABELS)))
        for j, label in enumerate(self.labels):
            out[:, LABELS.index(label)] += probs[:, j]
        return out

    @property
    def passage_model(self) -> str:
        return self._embedder.name if self._embedder is not None else config.DEFAULT_EMBED_MODEL

    def score(self, claims, evidences, claim_dates=None, evidence_dates=None, known_vectors=None) -> pd.DataFrame:
        """Stance, contradiction and support per pair; long evidence is reduced to its best passage.

        known_vectors (text → vector of the passage model, e.g. the stored statement vectors) saves
        embedding those texts again.
        """
        claims = ["" if c is None else str(c) for c in claims]
        evidences = ["" if e is None else str(e) for e in evidences]
        if len(claims) != len(evidences):
            raise ValueError(f"{len(claims)} claims but {len(evidences)} evidences")
        # Reported speech is scored on the quoted words: "Putin said “a decision has been taken to
        # partially withdraw forces” after talks with Scholz" claims what is inside the quotation marks.
        # Long evidence keeps its text: a document is more than its quotes.
        short = short_evidence(evidences)
        claims = [spoken_text(c) for c in claims]
        evidences = [spoken_text(e) if is_short else e for e, is_short in zip(evidences, short)]
        if not claims:
            return pd.DataFrame(columns=SCORE_COLUMNS + ["similarity", "related", "lag_days", "forward_looking"])
        embedder = KnownVectors(self.embedder, known_vectors) if known_vectors else self.embedder
        passages, feats = select_passages(claims, evidences, embedder)
        if self.settings.get("dated_passages"):
            passages = dated_passages(passages, claim_dates, evidence_dates)
        related = gated_probability(self.gate, feats, short)
        # Pairs the gate calls unrelated skip the cross-encoder: it is the slow part.
        keep = np.arange(len(claims)) if related is None else np.flatnonzero(related >= self.gate.threshold)
        probs = np.tile(np.eye(len(LABELS))[LABELS.index("unrelated")], (len(claims), 1))
        if len(keep):
            probs[keep] = self.probabilities([claims[i] for i in keep], [passages[i] for i in keep])
        stances = decide_labels(probs, LABELS, related=related, gate_threshold=self.gate.threshold if self.gate is not None else None,
                                contradicts_threshold=self.threshold, supports_threshold=self.supports_threshold,
                                unrelated_threshold=self.unrelated_threshold)
        # P(related): the gate's for long evidence, the cross-encoder's (1 - P(unrelated)) otherwise.
        encoder_related = 1.0 - label_column(probs, "unrelated")
        rel = encoder_related if related is None else np.where(np.isinf(related), encoder_related, related)
        # For gated pairs P(related) × P(contradicts | related): a document about something else contradicts
        # nothing; the cross-encoder's own probabilities already include that.
        weight = 1.0 if related is None else np.where(np.isinf(related), 1.0, related)
        frame = pd.DataFrame({
            "stance": stances,
            "contradiction": np.clip(label_column(probs, "contradicts") * weight, 0, 1),
            "support": np.clip(label_column(probs, "supports") * weight, 0, 1),
            "similarity": feats[:, 0].astype(float),
            "related": np.asarray(rel, dtype=float),
        })
        return apply_time_rule(frame, claims, claim_dates, evidence_dates)


def _identity():
    import torch

    return torch.nn.Identity()


def bundled_model_dir() -> Path:
    """Where `crosscheck train-stance` puts the model the app uses by default."""
    return config.STANCE_MODEL_DIR


def load_scorer(name: str | None = None, embedder=None) -> StanceScorer:
    """The configured stance model: "bundled" (data/models/stance), "none", or a cross-encoder id or path."""
    name = name or config.stance_model_name()
    if name == "none":
        return StanceScorer()
    if name == config.DEFAULT_STANCE_MODEL:
        path = bundled_model_dir()
        if not (path / "config.json").exists():
            # A fresh checkout before `crosscheck train-stance`: pairs stay unscored rather than failing ingest.
            return StanceScorer()
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        return CrossEncoderScorer(str(path), name=name, embedder=embedder)
    return CrossEncoderScorer(name, name=name, embedder=embedder)


def model_settings(path: str | Path) -> dict:
    """A model folder's stance.json (thresholds, temperature, scoring settings), {} when it has none."""
    settings_file = Path(path) / "stance.json"
    return json.loads(settings_file.read_text()) if settings_file.is_file() else {}


def decision_thresholds(name: str | None = None) -> dict[str, float | None]:
    """The configured model's contradicts and supports thresholds from its stance.json, without loading it."""
    name = name or config.stance_model_name()
    path = bundled_model_dir() if name == config.DEFAULT_STANCE_MODEL else Path(name)
    settings = model_settings(path)
    return {"contradicts": settings.get("contradicts_threshold"), "supports": settings.get("supports_threshold")}


def load_trained_scorer(name: str | None = None, embedder=None) -> StanceScorer:
    """The configured stance model, or a ModelError when there is none to score with (a checkout before training)."""
    scorer = load_scorer(name, embedder=embedder)
    if type(scorer) is StanceScorer:
        raise ModelError(f"{config.STANCE_MODEL_DIR}: no trained stance model; run `crosscheck train-stance` or set CROSSCHECK_STANCE_MODEL")
    return scorer
