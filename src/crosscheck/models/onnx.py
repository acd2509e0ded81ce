"""ONNX Runtime for the stance cross-encoder and the sentence embedder: the same answers as torch, in less CPU time.

A model folder's weights are exported once (fp32, opset 17, dynamic batch and token axes) into
var/onnx/<folder>-<hash>/ and run with onnxruntime, called directly (no optimum). `CROSSCHECK_ONNX`
chooses for both models: `fp32` (default), `int8` (dynamic quantisation of the exported graph) or `off`
(torch). Anything that keeps ONNX from loading (no onnxruntime, an export that fails, a sentence model
whose pooling is not implemented here) logs one warning and leaves that model on torch.

- Cross-encoder (`OnnxCrossEncoder`, the stance model): the sequence-classification logits. fp32 is the
  default because it agrees with torch (tests/test_onnx.py: the same stance on every calibration pair,
  |Δp| ≤ 0.02); int8 does not (measured on 256 real pairs: the most likely label changed on 7 %, p moved
  by up to 0.29), so it is there to measure, not to use.
- Sentence embedder (`OnnxSentenceEncoder`, all-MiniLM-L6-v2): the transformer of a sentence-transformers
  folder (AutoModel, last hidden state), tokenised as SentenceTransformer does (the folder's fast tokenizer,
  its `max_seq_length`), mean pooling over the attention mask and L2 normalisation in numpy; texts are
  sorted by token count into batches. fp32 agrees with torch (tests/test_onnx_embed.py: cosine 1.000000
  to six places on every one of 255 demo texts, short ones and ones over 256 tokens included); int8
  (per-channel weights) does not pass the 0.99 bar on every text (min cosine 0.957, mean 0.992, 30 of
  255 below 0.99), so fp32 is the default here too.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from crosscheck import config

log = logging.getLogger(__name__)
MODES = ("fp32", "int8", "off")
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# What each kind of export loads and returns (the transformers class, the name of its first output), and
# how its int8 graph is quantised. Per-channel weights for the sentence encoder: per-tensor ones moved
# MiniLM's vectors to a min cosine of 0.82 against torch (mean 0.957), per-channel to 0.95 (mean 0.992).
# The cross-encoder keeps the per-tensor int8 its figures were measured with.
KINDS = {
    "sequence-classification": ("AutoModelForSequenceClassification", "logits", {}),
    "feature-extraction": ("AutoModel", "last_hidden_state", {"per_channel": True}),
}
# The sentence-transformers modules OnnxSentenceEncoder reproduces; any other refuses ONNX (torch embeds).
SENTENCE_MODULES = ("Transformer", "Pooling", "Normalize")


def onnx_mode() -> str:
    """$CROSSCHECK_ONNX: fp32 (default), int8 or off."""
    mode = os.environ.get("CROSSCHECK_ONNX", "fp32").strip().lower()
    if mode not in MODES:
        raise ValueError(f"CROSSCHECK_ONNX={mode!r}: use one of {', '.join(MODES)}")
    return mode


def _fingerprint(model_dir: Path) -> str:
    """A hash of the files that make the model, so an export is redone when they change."""
    digest = hashlib.sha256()
    for name in sorted(p.name for p in model_dir.iterdir() if p.suffix in (".json", ".safetensors", ".bin")):
        digest.update(name.encode())
        digest.update((model_dir / name).read_bytes())
    return digest.hexdigest()[:16]


def _write_atomically(target: Path, write) -> None:
    """write(path) into a temporary file beside target, then renamed onto it (a failed write leaves nothing)."""
    with tempfile.NamedTemporaryFile(dir=target.parent, suffix=".onnx", delete=False) as tmp:
        pass
    try:
        write(tmp.name)
        os.chmod(tmp.name, 0o644)  # readable like any other file of var/ (a temporary file starts private)
        os.replace(tmp.name, target)
    except BaseException:
        Path(tmp.name).unlink(missing_ok=True)
        raise


def export(model_dir: str | Path, quantize: bool = False, cache_dir: str | Path | None = None,
           kind: str = "sequence-classification") -> Path:
    """The ONNX file of this model folder (exported on first use, written atomically).

    kind: "sequence-classification" (a cross-encoder: logits) or "feature-extraction" (the transformer of
    a sentence-transformers folder: the last hidden state, one vector per token).
    """
    model_dir = Path(model_dir)
    out = Path(cache_dir or config.VAR_DIR / "onnx") / f"{model_dir.name}-{_fingerprint(model_dir)}"
    target = out / ("model.int8.onnx" if quantize else "model.onnx")
    if target.exists():
        return target
    out.mkdir(parents=True, exist_ok=True)
    fp32 = out / "model.onnx"
    if not fp32.exists():
        _write_atomically(fp32, lambda path: _export_fp32(model_dir, kind, path))
    if quantize:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        options = KINDS[kind][2]
        _write_atomically(target, lambda path: quantize_dynamic(str(fp32), path, weight_type=QuantType.QInt8, **options))
    return target


def _export_fp32(model_dir: Path, kind: str, path: str) -> None:
    import torch
    import transformers

    class_name, output, _ = KINDS[kind]

    class FirstOutput(torch.nn.Module):
        """The model's first output only (logits, or the last hidden state without BERT's pooler)."""

        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, *inputs):
            return self.model(*inputs)[0]

    model = getattr(transformers, class_name).from_pretrained(model_dir, dtype=torch.float32).eval()
    tokenizer = transformers.AutoTokenizer.from_pretrained(model_dir)
    # Two inputs of different lengths, so the traced graph sees padding under the attention mask.
    if kind == "sequence-classification":
        sample = tokenizer(["A claim.", "Another claim."], ["A report about it.", "No."], padding=True, return_tensors="pt")
    else:
        sample = tokenizer(["A sentence.", "A longer sentence than the first one."], padding=True, return_tensors="pt")
    names = [n for n in INPUTS if n in sample]
    axes = {0: "batch", 1: "tokens"}
    with torch.no_grad():
        torch.onnx.export(
            FirstOutput(model), tuple(sample[n] for n in names), path, input_names=names, output_names=[output],
            dynamic_axes={n: axes for n in names} | {output: axes if output == "last_hidden_state" else {0: "batch"}},
            opset_version=17, dynamo=False,
        )


class _OnnxModel:
    """An exported model folder: its fast tokenizer and an onnxruntime session on the CPU."""

    kind = "sequence-classification"

    def __init__(self, model_dir: str | Path, quantize: bool = False, cache_dir: str | Path | None = None):
        import onnxruntime as ort
        from transformers import AutoTokenizer

        self.path = export(model_dir, quantize, cache_dir, kind=self.kind)
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir)
        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, min(os.cpu_count() or 1, 8))
        self.session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        self.inputs = [i.name for i in self.session.get_inputs()]

    def _run(self, encoded) -> np.ndarray:
        return self.session.run(None, {n: np.asarray(encoded[n], dtype=np.int64) for n in self.inputs})[0]

    def _padded(self, encoded, rows: list[int]) -> dict[str, np.ndarray]:
        """The rows' tokens padded to the longest of them, on the tokenizer's padding side."""
        width = max(len(encoded["input_ids"][i]) for i in rows)
        pad = {"input_ids": self.tokenizer.pad_token_id or 0, "token_type_ids": self.tokenizer.pad_token_type_id}
        batch = {n: np.full((len(rows), width), pad.get(n, 0), dtype=np.int64) for n in INPUTS if n in encoded}
        left = self.tokenizer.padding_side == "left"
        for r, i in enumerate(rows):
            for n, array in batch.items():
                seq = encoded[n][i]
                array[r, slice(width - len(seq), width) if left else slice(0, len(seq))] = seq
        return batch


class OnnxCrossEncoder(_OnnxModel):
    """Logits of a sequence-classification cross-encoder from onnxruntime, tokenised as CrossEncoder.predict does."""

    def __init__(self, model_dir: str | Path, max_length: int, quantize: bool = False, cache_dir: str | Path | None = None):
        super().__init__(model_dir, quantize, cache_dir)
        self.max_length = max_length

    def logits(self, pairs: Sequence[tuple[str, str]], batch_size: int = 32) -> np.ndarray:
        """One row of logits per pair, in input order; pairs are sorted by length into batches to cut padding."""
        if not pairs:
            return np.zeros((0, 0))
        encoded = self.tokenizer([a for a, _ in pairs], [b for _, b in pairs], truncation="longest_first",
                                 max_length=self.max_length)
        order = sorted(range(len(pairs)), key=lambda i: len(encoded["input_ids"][i]))
        out = None
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            logits = self._run(self._padded(encoded, rows))
            if out is None:
                out = np.empty((len(pairs), logits.shape[1]), dtype=logits.dtype)
            out[rows] = logits
        return out


def sentence_settings(model_dir: str | Path) -> dict:
    """max_seq_length and dim of a sentence-transformers folder whose modules OnnxSentenceEncoder reproduces.

    Raises NotImplementedError for anything else (another pooling than mean, a Dense or other module,
    lower-casing by sentence-transformers, a default prompt), so that model stays on torch.
    """
    model_dir = Path(model_dir)

    def read(*parts: str) -> dict:
        path = model_dir.joinpath(*parts)
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    modules = read("modules.json")
    kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in modules]
    if not modules or kinds[0] != "Transformer" or "Pooling" not in kinds or not set(kinds) <= set(SENTENCE_MODULES):
        raise NotImplementedError(f"sentence-transformers modules {kinds or 'missing'}: only Transformer, Pooling, Normalize")
    pooling = read(next(m for m in modules if m["type"].endswith("Pooling")).get("path", ""), "config.json")
    mode = pooling.get("pooling_mode", [k[len("pooling_mode_"):] for k, v in pooling.items()
                                        if k.startswith("pooling_mode_") and v is True])
    if mode not in ("mean", ["mean"], ["mean_tokens"]):
        raise NotImplementedError(f"pooling {mode!r}: only mean pooling runs on ONNX")
    bert = read("sentence_bert_config.json")
    if bert.get("do_lower_case"):
        raise NotImplementedError("do_lower_case: sentence-transformers lower-cases, ONNX does not")
    if read("config_sentence_transformers.json").get("default_prompt_name"):
        raise NotImplementedError("a default prompt: not applied on ONNX")
    if not bert.get("max_seq_length"):
        raise NotImplementedError("no max_seq_length in sentence_bert_config.json")
    dim = pooling.get("word_embedding_dimension") or pooling.get("embedding_dimension")
    return {"max_seq_length": int(bert["max_seq_length"]), "dim": int(dim)}


class OnnxSentenceEncoder(_OnnxModel):
    """L2-normalised sentence vectors of a sentence-transformers folder from onnxruntime, as SentenceTransformer.encode gives."""

    kind = "feature-extraction"

    def __init__(self, model_dir: str | Path, quantize: bool = False, cache_dir: str | Path | None = None):
        settings = sentence_settings(model_dir)  # before the export: a model that cannot run here costs nothing
        super().__init__(model_dir, quantize, cache_dir)
        self.max_length, self.dim = settings["max_seq_length"], settings["dim"]
        # Fast tokenizers are not thread-safe: one inference at a time per model.
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """One float32 unit row per text, in input order; texts are sorted by length into batches to cut padding."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        with self._lock:
            encoded = self.tokenizer(list(texts), truncation="longest_first", max_length=self.max_length)
            order = sorted(range(len(texts)), key=lambda i: len(encoded["input_ids"][i]))
            for start in range(0, len(order), batch_size):
                rows = order[start : start + batch_size]
                batch = self._padded(encoded, rows)
                hidden, mask = self._run(batch), batch["attention_mask"].astype(np.float32)[:, :, None]
                pooled = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
                out[rows] = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return out

def _load(what: str, factory, model_dir: str | Path, mode: str | None):
    """factory(quantize) in the configured mode, or None (off, not a model folder, or ONNX could not load: one warning)."""
    mode = mode or onnx_mode()
    if mode == "off" or not Path(model_dir).is_dir():
        return None
    try:
        return factory(mode == "int8")
    except Exception as e:  # noqa: BLE001 - ONNX is an optimisation; the torch model still runs
        log.warning("%s %s: ONNX Runtime unavailable, running on torch (%s: %s)", what, model_dir, type(e).__name__, e)
        return None


def load(model_dir: str | Path, max_length: int, mode: str | None = None) -> OnnxCrossEncoder | None:
    """The ONNX cross-encoder of this folder in the configured mode, or None (off, or ONNX could not load: torch scores)."""
    return _load("stance model", lambda q: OnnxCrossEncoder(model_dir, max_length, quantize=q), model_dir, mode)


def load_sentence_encoder(model_dir: str | Path, mode: str | None = None) -> OnnxSentenceEncoder | None:
    """The ONNX sentence encoder of this sentence-transformers folder in the configured mode, or None (torch embeds)."""
    return _load("embedding model", lambda q: OnnxSentenceEncoder(model_dir, quantize=q), model_dir, mode)
