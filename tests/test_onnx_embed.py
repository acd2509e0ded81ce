"""ONNX Runtime embeds with the same vectors as torch (the bar for using it by default), in input order.

Real models, no mocks: the texts are the demo corpus (every sentence of data/demo/, a few very short
strings, and runs of whole documents far over MiniLM's 256 tokens, which both paths truncate; 255
texts). fp32 against torch: cosine ≥ 0.99 for every text (measured: min 1.000000 to six places). int8
(dynamic quantisation, per-channel weights) does not pass that bar for every text (measured: min
cosine 0.957, mean 0.992, 30 of 255 texts below 0.99; per-tensor weights: min 0.82), so fp32 stays
the default and int8 is there to measure, as for the stance cross-encoder.
"""

from __future__ import annotations

import logging
import shutil

import numpy as np
import pytest

from crosscheck import config
from crosscheck.demo import demo_files
from crosscheck.ingest import extract_path
from crosscheck.models import onnx as onnx_backend
from crosscheck.models.embedder import load_embedder, minilm_path
from crosscheck.segment import split_sentences

BAR = 0.99
SHORT = ["", "Yes.", "NATO", "?", "Kyiv.", "No withdrawal."]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    documents = [d.text for path in demo_files() for d in extract_path(path).documents]
    sentences = list(dict.fromkeys(s.text for text in documents for s in split_sentences(text)))
    long = ["\n\n".join(documents[i : i + 4]) for i in range(0, 48, 4)]  # 12 texts of 1,500–4,000 characters
    return sentences + SHORT + long


@pytest.fixture(scope="module")
def torch_embedder():
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CROSSCHECK_ONNX", "off")
        return load_embedder("minilm")


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def test_the_texts_are_varied(texts):
    from transformers import AutoTokenizer

    tokens = [len(ids) for ids in AutoTokenizer.from_pretrained(minilm_path())(texts, verbose=False)["input_ids"]]
    assert len(texts) >= 200 and min(tokens) == 2 and sum(t > 256 for t in tokens) >= 10


def test_the_default_embedder_is_onnx_fp32_and_off_is_torch(monkeypatch, torch_embedder):
    monkeypatch.delenv("CROSSCHECK_ONNX", raising=False)
    default = load_embedder()
    assert default.backend == "onnx fp32" and isinstance(default._onnx, onnx_backend.OnnxSentenceEncoder)
    assert default._onnx.max_length == 256 and default._onnx.path.name == "model.onnx"
    assert (default.name, default.dim) == (torch_embedder.name, torch_embedder.dim) == ("minilm", 384)
    assert torch_embedder.backend == "torch" and torch_embedder._onnx is None and torch_embedder.model is not None


def test_onnx_fp32_gives_torch_s_vectors_for_every_text(embedder, torch_embedder, texts):
    assert embedder.backend == "onnx fp32"
    onnx_vectors, torch_vectors = embedder.embed(texts), torch_embedder.embed(texts)
    assert onnx_vectors.dtype == np.float32 and onnx_vectors.shape == torch_vectors.shape == (len(texts), 384)
    assert np.linalg.norm(onnx_vectors, axis=1) == pytest.approx(np.ones(len(texts)), abs=1e-5)
    cos = cosines(onnx_vectors, torch_vectors)
    print(f"ONNX fp32 vs torch on {len(texts)} texts: min cosine {cos.min():.7f}")
    assert cos.min() >= BAR, f"min cosine {cos.min():.6f} on {texts[int(cos.argmin())][:80]!r}"


def test_int8_is_measured_not_the_default(monkeypatch, torch_embedder, texts):
    int8 = load_embedder("minilm", onnx_mode="int8")
    assert int8.backend == "onnx int8" and int8._onnx.path.name == "model.int8.onnx"
    cos = cosines(int8.embed(texts), torch_embedder.embed(texts))
    below = int((cos < BAR).sum())
    print(f"ONNX int8 vs torch on {len(texts)} texts: min cosine {cos.min():.4f}, mean {cos.mean():.4f}, {below} below {BAR}")
    # Close, but not torch's vectors on every text: the reason fp32, not int8, is the default.
    assert cos.mean() >= 0.98 and cos.min() >= 0.9
    monkeypatch.delenv("CROSSCHECK_ONNX", raising=False)
    assert onnx_backend.onnx_mode() == "fp32"


def test_rows_come_back_in_input_order_although_batches_are_sorted_by_length(embedder, texts):
    rng = np.random.default_rng(7)
    picked = [texts[i] for i in rng.choice(len(texts), 40, replace=False)] + [texts[0], "", texts[0]]
    encoder = embedder._onnx
    together = encoder.encode(picked, batch_size=3)  # many batches, each of similar lengths
    one_by_one = np.stack([encoder.encode([t])[0] for t in picked])
    assert np.abs(together - one_by_one).max() < 1e-5
    assert np.array_equal(together[-3], together[-1])
    assert encoder.encode([]).shape == (0, 384)


def test_a_pooling_onnx_does_not_implement_stays_on_torch_with_one_warning(tmp_path, caplog, embedder):
    model = tmp_path / "cls-minilm"
    shutil.copytree(minilm_path(), model, ignore=shutil.ignore_patterns("model.safetensors"))
    (model / "model.safetensors").symlink_to(f"{minilm_path()}/model.safetensors")
    (model / "1_Pooling" / "config.json").write_text('{"word_embedding_dimension": 384, "pooling_mode_cls_token": true}')
    with caplog.at_level(logging.WARNING, logger="crosscheck.models.onnx"):
        other = load_embedder(str(model), onnx_mode="fp32")
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert other.backend == "torch" and len(warnings) == 1 and "pooling" in warnings[0].getMessage()
    assert not list((config.VAR_DIR / "onnx").glob("cls-minilm-*")) and other.embed(["Tanks near Belgorod."]).shape == (1, 384)


def test_a_texts_vector_does_not_depend_on_the_batch_it_came_in(texts, monkeypatch):
    """Bit for bit: the local engine embeds an upload's documents together, the lake engine a batch of
    documents per actor, so the same sentence meets other neighbours (and other padding) in each; the
    lake equals the local workspace only because its vector is the same whatever they are."""
    monkeypatch.delenv("CROSSCHECK_ONNX", raising=False)
    embedder = load_embedder()
    whole = embedder.embed(texts)
    backwards = embedder.embed(texts[::-1])[::-1]
    in_sevens = np.vstack([embedder.embed(texts[i : i + 7]) for i in range(0, len(texts), 7)])
    alone = np.vstack([embedder.embed([t]) for t in texts[::9]])
    assert np.array_equal(whole, backwards) and np.array_equal(whole, in_sevens)
    assert np.array_equal(whole[::9], alone)
