"""Start-up, written once: load the models, open the database, create its schema and sync the actors.

    models = load_models()                       # embedder, stance scorer, actor registry
    with open_workspace("team.duckdb", models) as ws:
        summary = add_documents(ws.con, documents, models)

`add_documents` is the one way documents go in (stored, matched and, unless deferred, scored): the command
line, the demo builder and the app (through its writer) all call it. Reading inputs into Documents is
crosscheck.ingest; the stages behind it are crosscheck.pipeline; the same stages at scale, crosscheck.lake.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import duckdb

from crosscheck import config
from crosscheck.db import connection, schema, writes
from crosscheck.pipeline import store_documents
from crosscheck.records import Document


@dataclass
class Models:
    """What ingest needs besides the database: the embedder, the stance scorer and the actor registry."""

    embedder: object
    scorer: object
    registry: object


def load_models(embedder=None, scorer=None, registry=None) -> Models:
    """The configured models, loading only those not given."""
    if embedder is None:
        from crosscheck.models.embedder import load_embedder

        embedder = load_embedder()
    if registry is None:
        from crosscheck.actors import load_registry

        registry = load_registry()
    if scorer is None:
        from crosscheck.models.stance import load_scorer

        # The stance model picks passages with MiniLM: share the loaded copy when that is the embedder.
        scorer = load_scorer(embedder=embedder if embedder.name == config.DEFAULT_EMBED_MODEL else None)
    return Models(embedder, scorer, registry)


def prepare(con: duckdb.DuckDBPyConnection, models: Models) -> None:
    """Create the schema on first use (or refuse a database of another embedding model) and add new registry actors."""
    schema.ensure_schema(con, models.embedder.name, models.embedder.dim)
    writes.sync_actors(con, models.registry)


@dataclass
class Workspace:
    """An open workspace: its database path, connection and models. Close it (or use `with`)."""

    path: str
    con: duckdb.DuckDBPyConnection
    models: Models

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_workspace(db: str | None = None, models: Models | None = None) -> Workspace:
    """Open (creating if needed) the database `db` (default: $CROSSCHECK_DB, then the demo) ready for ingest."""
    path = config.db_path(db)
    con = connection.connect(path)  # first: a database held by the dashboard is refused before models load
    try:
        models = models or load_models()
        prepare(con, models)
    except BaseException:
        con.close()
        raise
    return Workspace(path, con, models)


def add_documents(
    con: duckdb.DuckDBPyConnection,
    documents: Sequence[Document],
    models: Models | None = None,
    *,
    embedder=None,
    scorer=None,
    registry=None,
    progress: Callable | None = None,
    defer_scoring: bool = False,
):
    """Documents in, stored and matched: prepare the database, then store each document (one transaction each,
    crosscheck.pipeline.store_documents); the IngestSummary.

    Meant for the app's writer (`writer.submit(add_documents, docs, models)`), where the database may
    still be empty; `progress(i, result)` runs on the writer thread after each document.
    """
    models = models or Models(embedder, scorer, registry)
    prepare(con, models)
    return store_documents(
        con, list(documents), embedder=models.embedder, scorer=models.scorer, registry=models.registry, progress=progress,
        defer_scoring=defer_scoring,
    )
