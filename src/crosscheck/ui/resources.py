"""Cached resources shared by every session: database, writer, models (embedder, scorer, registry)."""

from __future__ import annotations

import duckdb
import streamlit as st

from crosscheck import config
from crosscheck.db import connection, schema
from crosscheck.db.writer import Writer
from crosscheck.workspace import Models, load_models, prepare


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
    con = connection.connect(path)
    schema.upgrade(con)  # a database of an older Crosscheck is brought up to date before any page reads it
    return con


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


def open_reader(path: str | None = None):
    """A cursor of the shared connection of `path` (default: this app's database); one per thread via cursor()."""
    return _database(path or db_path()).cursor()


def get_writer() -> Writer:
    """The one writer of this database: every app write goes through it."""
    return _writer(db_path())


@st.cache_resource(show_spinner="Loading the models…")
def get_models() -> Models:
    """The embedder, stance scorer and actor registry, loaded once per process (workspace.load_models)."""
    return load_models()


def prepare_database() -> None:
    """Create the schema and actors on first use (through the writer); checks the embedding model."""
    con = open_reader()
    if schema.has_schema(con) and schema.get_meta(con, "embed_model"):
        return
    get_writer().submit(prepare, get_models()).result()


def data_version() -> str:
    """Changes whenever stored data changes: the key of every cached page read."""
    return schema.data_version(open_reader())
