"""ONNX Runtime scores the stance model with the same answers as torch (the bar for using it by default)."""

from __future__ import annotations

import numpy as np
import pytest

from crosscheck.models import onnx as onnx_backend
from crosscheck.models.stance import CrossEncoderScorer, bundled_model_dir
from crosscheck.training.train import calibration_pairs

REAL = bundled_model_dir().parent.parent / "eval" / "real_pairs.csv"


@pytest.fixture(scope="module")
def pairs():
    frame = calibration_pairs(REAL)
    return frame["claim"].tolist(), frame["evidence"].tolist()


def test_onnx_fp32_agrees_with_torch_on_the_calibration_pairs(embedder, pairs):
    if not (bundled_model_dir() / "config.json").exists():
        pytest.skip("no bundled stance model")
    claims, evidence = pairs
    torch_scorer = CrossEncoderScorer(str(bundled_model_dir()), embedder=embedder, onnx_mode="off")
    onnx_scorer = CrossEncoderScorer(str(bundled_model_dir()), embedder=embedder, onnx_mode="fp32")
    assert torch_scorer._onnx is None and onnx_scorer._onnx is not None
    a, b = torch_scorer.score(claims, evidence), onnx_scorer.score(claims, evidence)
    assert len(a) == len(claims) > 100
    assert (a["stance"] == b["stance"]).mean() >= 0.99
    for col in ("contradiction", "support"):
        assert np.abs(a[col].to_numpy(float) - b[col].to_numpy(float)).max() <= 0.02


def test_int8_mode_exports_a_quantised_graph_and_a_bad_setting_is_refused(tmp_path, monkeypatch):
    if not (bundled_model_dir() / "config.json").exists():
        pytest.skip("no bundled stance model")
    path = onnx_backend.export(bundled_model_dir(), quantize=True, cache_dir=tmp_path)
    assert path.name == "model.int8.onnx" and path.stat().st_size < (path.parent / "model.onnx").stat().st_size / 2
    assert onnx_backend.export(bundled_model_dir(), quantize=True, cache_dir=tmp_path) == path  # cached
    encoder = onnx_backend.OnnxCrossEncoder(bundled_model_dir(), 96, quantize=True, cache_dir=tmp_path)
    assert encoder.logits([("Troops are withdrawing.", "No withdrawal is seen.")]).shape == (1, 4)
    monkeypatch.setenv("CROSSCHECK_ONNX", "fast")
    with pytest.raises(ValueError, match="CROSSCHECK_ONNX='fast'"):
        onnx_backend.onnx_mode()
    assert onnx_backend.load(tmp_path / "missing", 96, "fp32") is None  # not a model folder: torch scores
