"""ONNX Runtime for the stance cross-encoder: the same answers as torch, in less CPU time.

The model folder's weights are exported once (fp32, opset 17) into var/onnx/<folder>-<hash>/ and run
with onnxruntime, called directly (no optimum). `CROSSCHECK_ONNX` chooses: `fp32` (default), `int8`
(dynamic quantisation of the exported graph) or `off` (torch). fp32 is the default because it agrees
with torch (tests/test_onnx.py: the same stance on every calibration pair, |Δp| ≤ 0.02); int8 does not
(measured on 256 real pairs: the most likely label changed on 7 %, p moved by up to 0.29), so it is
there to measure, not to use. Anything that keeps ONNX from loading (no onnxruntime, an export that
fails) logs one warning and leaves the scorer on torch.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np

from crosscheck import config

log = logging.getLogger(__name__)
MODES = ("fp32", "int8", "off")
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


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


def export(model_dir: str | Path, quantize: bool = False, cache_dir: str | Path | None = None) -> Path:
    """The ONNX file of this cross-encoder folder (exported on first use, written atomically)."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model_dir = Path(model_dir)
    out = Path(cache_dir or config.VAR_DIR / "onnx") / f"{model_dir.name}-{_fingerprint(model_dir)}"
    target = out / ("model.int8.onnx" if quantize else "model.onnx")
    if target.exists():
        return target
    out.mkdir(parents=True, exist_ok=True)
    fp32 = out / "model.onnx"
    if not fp32.exists():
        model = AutoModelForSequenceClassification.from_pretrained(model_dir, dtype=torch.float32).eval()
        tokenizer = AutoTokenizer.from_pretrained(model_dir)
        sample = tokenizer(["A claim."], ["A report about it."], return_tensors="pt")
        names = [n for n in INPUTS if n in sample]
        with tempfile.NamedTemporaryFile(dir=out, suffix=".onnx", delete=False) as tmp:
            torch.onnx.export(
                model, tuple(sample[n] for n in names), tmp.name, input_names=names, output_names=["logits"],
                dynamic_axes={n: {0: "batch", 1: "tokens"} for n in names} | {"logits": {0: "batch"}},
                opset_version=17, dynamo=False,
            )
        os.replace(tmp.name, fp32)
    if quantize:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        with tempfile.NamedTemporaryFile(dir=out, suffix=".onnx", delete=False) as tmp:
            quantize_dynamic(str(fp32), tmp.name, weight_type=QuantType.QInt8)
        os.replace(tmp.name, target)
    return target


class OnnxCrossEncoder:
    """Logits of a sequence-classification cross-encoder from onnxruntime, tokenised as CrossEncoder.predict does."""

    def __init__(self, model_dir: str | Path, max_length: int, quantize: bool = False, cache_dir: str | Path | None = None):
        import onnxruntime as ort
        from transformers import AutoTokenizer

        self.path = export(model_dir, quantize, cache_dir)
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir)
        self.max_length = max_length
        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, min(os.cpu_count() or 1, 8))
        self.session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        self.inputs = [i.name for i in self.session.get_inputs()]

    def logits(self, pairs: Sequence[tuple[str, str]], batch_size: int = 32) -> np.ndarray:
        out = []
        for start in range(0, len(pairs), batch_size):
            chunk = pairs[start : start + batch_size]
            encoded = self.tokenizer([a for a, _ in chunk], [b for _, b in chunk], padding=True, truncation="longest_first",
                                     max_length=self.max_length, return_tensors="np")
            out.append(self.session.run(None, {n: encoded[n].astype(np.int64) for n in self.inputs})[0])
        return np.concatenate(out) if out else np.zeros((0, 0))


def load(model_dir: str | Path, max_length: int, mode: str | None = None) -> OnnxCrossEncoder | None:
    """The ONNX cross-encoder of this folder in the configured mode, or None (off, or ONNX could not load: torch scores)."""
    mode = mode or onnx_mode()
    if mode == "off" or not Path(model_dir).is_dir():
        return None
    try:
        return OnnxCrossEncoder(model_dir, max_length, quantize=mode == "int8")
    except Exception as e:  # noqa: BLE001 - ONNX is an optimisation; the torch model still scores
        log.warning("stance model %s: ONNX Runtime unavailable, scoring with torch (%s: %s)", model_dir, type(e).__name__, e)
        return None
