"""Cached resources shared by every session: database, writer, models (embedder, scorer, registry)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import streamlit as st

from crosscheck import config
from crosscheck.db import connection, schema
from crosscheck.db.writer import Writer
from crosscheck.errors import StoreError
from crosscheck.roles import read_only_mode
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
def _database(path: str, read_only: bool = False):
    if read_only:
        # CROSSCHECK_READ_ONLY: DuckDB itself refuses every write, beneath the writer's own refusal.
        if path != ":memory:" and not Path(path).exists():
            raise StoreError(f"{path}: no database to serve read-only (CROSSCHECK_READ_ONLY); build it first")
        con = connection.connect(path, read_only=True)
        version = schema.get_meta(con, "schema_version")
        if version is not None and int(version) != schema.SCHEMA_VERSION:
            con.close()
            raise StoreError(f"{path}: schema version {version}, this Crosscheck reads {schema.SCHEMA_VERSION}; "
                             "open it once without CROSSCHECK_READ_ONLY to upgrade it")
        return con
    con = connection.connect(path)
    schema.upgrade(con)  # a database of an older Crosscheck is brought up to date before any page reads it
    if uri := config.lake_uri():  # CROSSCHECK_LAKE: the lake's new data is imported before any page reads
        from crosscheck.lake.store import attach_if_changed

        attach_if_changed(con, uri)
    return con


@st.cache_resource(show_spinner=False, on_release=_close_writer)
def _writer(path: str, read_only: bool = False) -> Writer:
    # Guarded: the dashboard's writes say who makes them, and the writer checks their role (crosscheck.roles).
    return Writer(_database(path, read_only), guarded=True, read_only=read_only)


def close_resources() -> None:
    """Stop every cached writer (finishing its queued jobs), then close every cached connection. The models (and
    their worker, which stops when this process ends) stay loaded."""
    _writer.clear()
    _database.clear()


def db_path() -> str:
    """The database this app serves ($CROSSCHECK_DB, else the demo database)."""
    return config.db_path()


def open_reader(path: str | None = None):
    """A cursor of the shared connection of `path` (default: this app's database); one per thread via cursor()."""
    return _database(path or db_path(), read_only_mode()).cursor()


def get_writer() -> Writer:
    """The one writer of this database: every app write goes through it, as someone (crosscheck.ui.access.submit)."""
    return _writer(db_path(), read_only_mode())


def _close_worker(worker) -> None:
    worker.close()


@st.cache_resource(show_spinner=False, on_release=_close_worker)
def _model_worker():
    from crosscheck.models.worker import ModelWorker

    return ModelWorker()


@st.cache_resource(show_spinner="Loading the models…")
def get_models() -> Models:
    """The embedder, stance scorer and actor registry, loaded once per process. By default ($CROSSCHECK_MODEL_WORKER)
    the embedder and scorer run in a worker process of lower priority (crosscheck.models.worker), so uploads and the
    background scorer leave the pages' interpreter and cores to the sessions; else here (workspace.load_models)."""
    if config.model_worker():
        from crosscheck.actors import load_registry

        return _model_worker().models(load_registry())
    return load_models()


def prepare_database(caller) -> None:
    """Create the schema and actors on first use (through the writer, as `caller`, an upload); checks the embedding model."""
    con = open_reader()
    if schema.has_schema(con) and schema.get_meta(con, "embed_model"):
        return
    get_writer().submit_as(caller, "upload", "schema", prepare, get_models()).result()


def data_version() -> str:
    """Changes whenever stored data changes: the key of every cached page read."""
    return schema.data_version(open_reader())


def read(fn, *args, **kwargs):
    """What a read function (crosscheck.db.reads, crosscheck.analytics) returns on a cursor of its own, closed after:
    the one way a page reads the database outside crosscheck.ui.cache."""
    cursor = open_reader()
    try:
        return fn(cursor, *args, **kwargs)
    finally:
        cursor.close()
