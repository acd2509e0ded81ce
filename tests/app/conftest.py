"""A small database built with the real pipeline and models, for the page tests."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from crosscheck.db import connection, schema, writes
from crosscheck.ui import urls

APP = str(Path(__file__).resolve().parents[2] / "app.py")

# Written for these tests; the events are those of the demo (15-21 Feb 2022).
HOSTILE = "All units returned <script>alert('x')</script> to **base** [here](javascript:alert(1)) $x$ :red[ok]."
DOCUMENTS = [
    ("kremlin-2022-02-15.txt", "Withdrawal announced", "Kremlin", dt.date(2022, 2, 15),
     "Units of the Western and Southern military districts have completed their exercises. "
     "A decision has been taken to partially withdraw forces from the border area. "
     "The troops are loading onto trains and will return to their permanent bases."),
    ("belarus-2022-02-16.txt", "No serviceman will stay", "Belarusian Ministry of Defence", dt.date(2022, 2, 16),
     "Not a single Russian serviceman will remain on the territory of Belarus after the joint drills end. "
     "The exercises will finish on 20 February as planned."),
    ("cit-2022-02-17.txt", "New deployments, not withdrawal", "Conflict Intelligence Team", dt.date(2022, 2, 17),
     "Videos show armoured units moving toward the Ukrainian border rather than away from it. "
     "We see no sign that forces are being withdrawn from the border area. "
     "Trains with tanks keep arriving near the border."),
    ("rochan-2022-02-21.txt", "Troops stay in Belarus", "Rochan Consulting", dt.date(2022, 2, 21),
     "Russian troops did not leave Belarus when the joint drills ended on 20 February. "
     "The exercises were extended and the servicemen remained in their field camps."),
    ("kremlin-2022-02-18.txt", "A hostile test text", "Kremlin", dt.date(2022, 2, 18),
     f"Officials gave an update on the pullback. {HOSTILE} The statement ended there."),
]

UPLOAD_TEXT = (
    "The defence ministry said every battalion near Kharkiv had gone back to its barracks "
    "after the inspection. It added that the railway stations were quiet."
)


def build_database(path: Path, embedder, registry) -> None:
    """Ingest DOCUMENTS into a new database file with the real pipeline."""
    from crosscheck.ingest import extract_text
    from crosscheck.models.stance import load_scorer
    from crosscheck.pipeline import store_documents

    con = connection.connect(path)
    try:
        schema.ensure_schema(con, embedder.name, embedder.dim)
        writes.sync_actors(con, registry)
        docs = []
        for name, title, publisher, date, text in DOCUMENTS:
            docs += extract_text(text, source_name=name, title=title, publisher=publisher, date=date).documents
        summary = store_documents(con, docs, embedder=embedder, scorer=load_scorer(), registry=registry)
        assert all(r.status == "added" for r in summary.results), summary.lines()
    finally:
        con.close()


@pytest.fixture(autouse=True)
def _close_app_databases():
    """After each test, stop the app's cached writers and close its cached connections.

    AppTest runs the app in this process, so st.cache_resource would otherwise keep every
    test's connection (and writer thread) open until the interpreter exits.
    """
    yield
    from crosscheck.ui.resources import close_resources

    close_resources()


@pytest.fixture(scope="session", autouse=True)
def _release_app_resources():
    """At the end of the session, release every cached resource and AppTest's temporary folder."""
    yield
    import streamlit as st
    from streamlit.testing.v1 import app_test

    st.cache_resource.clear()  # runs each resource's on_release (connections, writers)
    st.cache_data.clear()
    app_test.TMP_DIR.cleanup()  # else removed at exit with an "Implicitly cleaning up" ResourceWarning


@pytest.fixture(scope="session")
def built_db(tmp_path_factory, embedder, registry) -> Path:
    """The small database, built once per session; copy it before writing."""
    path = tmp_path_factory.mktemp("appdb") / "crosscheck.duckdb"
    build_database(path, embedder, registry)
    return path


@pytest.fixture
def app_db(built_db, tmp_path, monkeypatch) -> Path:
    """A private copy of the small database, served to the app through CROSSCHECK_DB."""
    path = tmp_path / "crosscheck.duckdb"
    shutil.copy(built_db, path)
    monkeypatch.setenv("CROSSCHECK_DB", str(path))
    return path


@pytest.fixture
def empty_db(tmp_path, monkeypatch) -> Path:
    """A database path with nothing in it yet."""
    path = tmp_path / "empty.duckdb"
    monkeypatch.setenv("CROSSCHECK_DB", str(path))
    return path


@pytest.fixture
def claim_ids(built_db) -> dict[str, str]:
    """Claim ids of the small database by a word of their text."""
    con = connection.connect(built_db, read_only=True)
    try:
        rows = con.execute(
            "SELECT statement_id, text FROM statements WHERE actor_type = 'government' ORDER BY statement_id"
        ).fetchall()
    finally:
        con.close()
    return {"withdraw": next(i for i, t in rows if "withdraw" in t), "hostile": next(i for i, t in rows if "<script>" in t)}


def open_page(page: str, params: dict | None = None, prepare=None) -> AppTest:
    """The app on the page called `page` (crosscheck.ui.urls), opened as a fresh browser opens a link: its
    parameters there from the first run.
    prepare(at), when given, runs before the first run (secrets, a signed-in user)."""
    at = AppTest.from_file(APP, default_timeout=180)
    if prepare is not None:
        prepare(at)
    at.query_params.update(params or {})
    at.run()
    if page != "overview":
        at.switch_page(urls.script(page))
        at.query_params.update(params or {})
        at.run()
    return at
