"""Cached resources shared by every session: database, writer, models, registry."""

from __future__ import annotations

import duckdb
import streamlit as st

from crosscheck import config, queries, store
from crosscheck.writer import Writer


def _close_database(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.close()
    except duckdb.Error:
        pass


def _close_writer(writer: Writer) -> None:
    writer.close()


# on_release runs when an entry leaves the cache (st.cache_resource.clear(), close_resources()),
# so a cleared connection is closed and its writer thread stopped instead of lingering until exit.
@st.cache_resource(show_spinner=False, on_release=_close_database)
def _database(path: str):
    return store.connect(path)


@st.cache_resource(show_spinner=False, on_release=_close_writer)
def _writer(path: str) -> Writer:
    return Writer(_database(path))


def close_resources() -> None:
    """Stop every cached writer (finishing its queued jobs), then close every cached connection."""
    _writer.clear()
    _database.clear()


def db_path() -> str:
    """The database this app serves ($CROSSCHECK_DB, else the demo database)."""
    return config.db_path()


def open_reader():
    """A cursor of the shared connection for this rerun (one connection per thread via cursor())."""
    return _database(db_path()).cursor()


def get_writer() -> Writer:
    """The one writer of this database: every app write goes through it."""
    return _writer(db_path())


@st.cache_resource(show_spinner="Loading the embedding model…")
def get_embedder():
    """The embedding model, loaded once per process."""
    from crosscheck.embed import load_embedder

    return load_embedder()


@st.cache_resource(show_spinner="Loading the stance model…")
def get_scorer():
    """The stance model, loaded once per process."""
    from crosscheck.stance import load_scorer

    # The stance model picks passages with MiniLM: share the loaded copy when that is the embedder.
    shared = get_embedder() if config.embed_model_name() == config.DEFAULT_EMBED_MODEL else None
    return load_scorer(embedder=shared)


@st.cache_resource(show_spinner=False)
def get_registry():
    """The actor registry from data/actors.yaml, loaded once per process."""
    from crosscheck.actors import load_registry

    return load_registry()


def _prepare(con, embed_model: str, dim: int, registry) -> None:
    store.ensure_schema(con, embed_model, dim)
    store.sync_actors(con, registry)


def prepare_database() -> None:
    """Create the schema and actors on first use (through the writer); checks the embedding model."""
    con = open_reader()
    if queries.has_schema(con) and store.get_meta(con, "embed_model"):
        return
    embedder = get_embedder()
    get_writer().submit(_prepare, embedder.name, embedder.dim, get_registry()).result()


def data_version() -> str:
    """Changes whenever stored data changes: the key of every cached page read."""
    return queries.data_version(open_reader())
