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
import re
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from crosscheck import config
from crosscheck.attribute import spoken_text
from crosscheck.dates import as_date
from crosscheck.errors import ModelError

log = logging.getLogger(__name__)

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

PASSAGE_SENTENCES = 3
PASSAGE_CHARS = 600
# Forward-looking claims seen before their date cannot be refuted; this much contradiction is kept.
EARLY_REPORT_DAMPING = 0.2

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_STOP = frozenset(
    "a an the and or but of to in on at for by with from as is are was were be been being it its this that "
    "these those he she they we you i his her their our your not no will would shall should can could may "
    "might has have had do does did said says say also after before over into about than then there here "
    "which who whom what when where while all any some more most such only own same so too very just".split()
)
_FORWARD = re.compile(
    r"\b(will|shall|won't|is going to|are going to|plans? to|planning to|intends? to|intend(?:s|ed)? to|"
    r"promis(?:e|es|ed) to|pledg(?:e|es|ed) to|vow(?:s|ed)? to|expect(?:s|ed)? to|to be withdrawn|"
    r"set to|scheduled to|about to|will be|would return|after the (?:drills|exercises?) (?:end|are over|finish))\b",
    re.IGNORECASE,
)


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


def is_forward_looking(claim: str) -> bool:
    """True when the claim promises or predicts a future act ("troops will return after the drills")."""
    return bool(_FORWARD.search(claim or ""))


def content_words(text: str) -> list[str]:
    """Lower-case words without stop words."""
    return [w for w in _WORD.findall((text or "").lower()) if w not in _STOP]


def overlap_features(claim: str, evidence: str) -> list[float]:
    """Word overlap of claim and evidence: coverage of claim words, Jaccard, coverage of claim bigrams."""
    c, e = content_words(claim), content_words(evidence)
    cs, es = set(c), set(e)
    coverage = len(cs & es) / len(cs) if cs else 0.0
    jaccard = len(cs & es) / len(cs | es) if cs | es else 0.0
    cb, eb = set(zip(c, c[1:])), set(zip(e, e[1:]))
    bigrams = len(cb & eb) / len(cb) if cb else 0.0
    return [coverage, jaccard, bigrams]


def split_evidence(text: str, max_sentences: int = 60) -> list[str]:
    """Evidence sentences (the first max_sentences), via the same splitter ingestion uses."""
    from crosscheck.segment import split_sentences

    sentences = [s.text for s in split_sentences(text or "") if len(s.text) > 1]
    return sentences[:max_sentences] or [(text or "").strip()]


def select_passages(
    claims: Sequence[str], evidences: Sequence[str], embedder, k: int = PASSAGE_SENTENCES, max_chars: int = PASSAGE_CHARS
) -> tuple[list[str], np.ndarray]:
    """For each pair, the k evidence sentences most similar to the claim (in text order) and features.

    Returns the passages and a float32 matrix of relatedness features per pair:
    best sentence cosine, mean of the top-k cosines, whole-passage word overlap (3 values).
    """
    split = [split_evidence(e) for e in evidences]
    unique = list(dict.fromkeys([c or "" for c in claims] + [s for ss in split for s in ss]))
    index = {t: i for i, t in enumerate(unique)}
    vectors = embedder.embed(unique)
    passages: list[str] = []
    feats = np.zeros((len(claims), 5), dtype=np.float32)
    for i, (claim, sentences) in enumerate(zip(claims, split)):
        cv = vectors[index[claim or ""]]
        sv = vectors[[index[s] for s in sentences]]
        sims = sv @ cv
        top = np.argsort(-sims)[:k]
        passage = " ".join(sentences[j] for j in sorted(top))
        if len(passage) > max_chars:
            passage = passage[:max_chars].rsplit(" ", 1)[0]
        passages.append(passage)
        feats[i, 0] = float(sims[top[0]])
        feats[i, 1] = float(np.mean(sims[top]))
        feats[i, 2:] = overlap_features(claim, " ".join(sentences))
    return passages, feats


def short_evidence(evidences: Sequence[str]) -> np.ndarray:
    """True for evidence of at most a passage's length (a statement or a short report), per text."""
    return np.array([len(split_evidence(e)) <= PASSAGE_SENTENCES for e in evidences], dtype=bool)


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


def when_note(claim_date, evidence_date) -> str:
    """When the report is dated against the claim, in words a cross-encoder reads: "(3 days later) ".

    Empty when either date is missing (None, NaN, NaT, not a date): an undated pair is scored without
    a time note, as the undated training pairs (FNC-1, ARC, SNLI) were. Models trained with dated passages (`dated_passages` in
    stance.json) see it in front of the report, so a strike in the same town two months earlier can
    read as another event. Buckets keep the wording few: days up to a week, then weeks, then months.
    """
    claim_day, report_day = as_date(claim_date), as_date(evidence_date)
    if claim_day is None or report_day is None:
        return ""
    lag = (report_day - claim_day).days
    if lag == 0:
        return "(same day) "
    n = abs(lag)
    if n <= 7:
        span = "1 day" if n == 1 else f"{n} days"
    elif n <= 60:
        span = f"{round(n / 7)} weeks"
    else:
        span = f"{round(n / 30.4)} months"
    return f"({span} {'later' if lag > 0 else 'earlier'}) "


def dated_passages(passages: Sequence[str], claim_dates: Sequence | None, evidence_dates: Sequence | None) -> list[str]:
    """Each passage behind its when_note (unchanged where a date is missing)."""
    n = len(passages)
    cds = claim_dates if claim_dates is not None else [None] * n
    eds = evidence_dates if evidence_dates is not None else [None] * n
    return [when_note(c, e) + p for p, c, e in zip(passages, cds, eds)]


def apply_time_rule(
    frame: pd.DataFrame, claims: Sequence[str], claim_dates: Sequence | None, evidence_dates: Sequence | None
) -> pd.DataFrame:
    """A report dated before a forward-looking claim cannot refute it: damp contradiction, no `contradicts`.

    Other claims keep their stance whatever the dates: a claim about past conduct ("we took every
    precaution in Mariupol") is refuted by an earlier report of a strike on a shelter.
    """
    n = len(frame)
    cds = [as_date(d) for d in (claim_dates if claim_dates is not None else [None] * n)]
    eds = [as_date(d) for d in (evidence_dates if evidence_dates is not None else [None] * n)]
    lags = [(e - c).days if c and e else None for c, e in zip(cds, eds)]
    forward = [is_forward_looking(c) for c in claims]
    frame["lag_days"] = pd.array(lags, dtype="Int64")
    frame["forward_looking"] = forward
    for i in range(n):
        if forward[i] and lags[i] is not None and lags[i] < 0:
            frame.loc[i, "contradiction"] = float(frame.loc[i, "contradiction"]) * EARLY_REPORT_DAMPING
            if frame.loc[i, "stance"] == "contradicts":
                frame.loc[i, "stance"] = "discusses"
    return frame


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
        # ONNX Runtime (fp32) gives the same answers in less CPU time; None: torch scores (crosscheck.onnx_backend).
        from crosscheck import onnx_backend

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
            from crosscheck.embed import load_embedder

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
