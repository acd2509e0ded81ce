"""Shared fixtures: one real embedding model per test session, fresh databases per test."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from crosscheck.db import connection, schema, writes

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def embedder():
    from crosscheck.models.embedder import load_embedder

    return load_embedder("minilm")


@pytest.fixture(scope="session")
def registry():
    from crosscheck.actors import load_registry

    return load_registry()


@pytest.fixture
def db(tmp_path, embedder, registry):
    """A real DuckDB file with the schema and the actor registry."""
    con = connection.connect(tmp_path / "test.duckdb")
    schema.ensure_schema(con, embedder.name, embedder.dim)
    writes.sync_actors(con, registry)
    yield con
    con.close()


_PRESS_ROWS: dict[str, dict[str, dict]] = {}


def press_row(file_name: str, item: str) -> dict:
    """One press release (link, headline, date, body) of ../shared/data/press_releases by the number ending its link."""
    if file_name not in _PRESS_ROWS:
        csv.field_size_limit(10**9)
        with open(shared_data("press_releases", file_name), newline="", encoding="utf-8") as f:
            _PRESS_ROWS[file_name] = {r["link"].rstrip("/").rsplit("-", 1)[-1].rsplit("/", 1)[-1]: r for r in csv.DictReader(f)}
    return _PRESS_ROWS[file_name][item]


def shared_data(*parts: str) -> Path:
    """A path in ../shared/data; skips the test when the folder is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not available")
    return path


def store_texts(db, embedder, registry, docs) -> None:
    """Store written texts (source name, publisher, date, text) with the real pipeline and models; all must be added."""
    from crosscheck.ingest import extract_text
    from crosscheck.models.stance import load_scorer
    from crosscheck.pipeline import store_documents

    found = []
    for name, publisher, date, text in docs:
        found += extract_text(text, source_name=name, publisher=publisher, date=date).documents
    summary = store_documents(db, found, embedder=embedder, scorer=load_scorer(embedder=embedder), registry=registry)
    assert all(r.status == "added" for r in summary.results), summary.lines()
