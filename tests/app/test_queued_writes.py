"""A click that lands while an upload holds the writer is saved later and says so; the page never shows an exception."""

from __future__ import annotations

import threading

import duckdb
import pytest

from app.conftest import open_page

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def held_writer(monkeypatch):
    """The app's writer busy with a long job (as during an upload) until the test lets it go."""
    from crosscheck import roles
    from crosscheck.ui import access
    from crosscheck.ui.resources import get_writer

    monkeypatch.setattr(access, "CLICK_WAIT_S", 0.5)
    gate = threading.Event()

    def hold() -> callable:
        job = get_writer().submit_as(roles.system_identity(False), "score", "a long upload", lambda cursor: gate.wait(120))
        return job

    yield hold, gate
    gate.set()


def _verdicts(path) -> list[tuple]:
    con = duckdb.connect(str(path))
    try:
        return con.execute("SELECT claim_id, report_id, verdict FROM verdicts").fetchall()
    finally:
        con.close()


def test_a_verdict_clicked_while_the_writer_is_held_is_queued_then_saved(app_db, claim_ids, held_writer):
    hold, gate = held_writer
    at = open_page("claim", {"claim": claim_ids["withdraw"]})
    job = hold()
    confirm = [b for b in at.button if b.key and b.key.startswith("confirm-")][0]
    report_id = confirm.key.removeprefix("confirm-")
    at = confirm.click().run()
    assert not at.exception
    assert any("Queued behind an upload in progress: your verdict" in i.value for i in at.info)
    assert _verdicts(app_db) == []  # not yet: the upload still holds the writer
    gate.set()
    job.result(timeout=60)
    from crosscheck.ui.resources import get_writer

    for _ in range(100):
        if not get_writer().busy():
            break
        threading.Event().wait(0.1)
    at = at.run()
    assert not at.exception
    assert any("Your verdict saved" in s.value for s in at.success)
    assert not any("Queued" in i.value for i in at.info)
    assert _verdicts(app_db) == [(claim_ids["withdraw"], report_id, "confirmed")]


def test_a_review_answer_while_the_writer_is_held_is_queued(app_db, held_writer):
    hold, gate = held_writer
    at = open_page("review")
    hold()
    first = [b for b in at.button if b.key and b.key.startswith("contradicts-")][0]
    at = first.click().run()
    assert not at.exception
    assert any("your answer" in i.value for i in at.info)
    gate.set()
