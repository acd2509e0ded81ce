"""Roles in the pages under AppTest: what a viewer, an analyst, an admin and a read-only workspace see and can do.

The browser tests (tests/e2e/test_access.py) sign in for real against a test identity provider; these
run the same pages in-process with st.user set, on a copy of the small database.
"""

from __future__ import annotations

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from app.conftest import APP, open_page
from crosscheck.ui import urls

AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32, "client_id": "crosscheck",
        "client_secret": "secret", "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}
ROLES = {"admin": ["lead@newsroom.test"], "analyst": ["@newsroom.test"], "viewer": ["@partner.test"], "default": "none"}
ANA = {"is_logged_in": True, "email": "ana@newsroom.test", "email_verified": True, "name": "Ana Analyst"}
BO = {"is_logged_in": True, "email": "bo@newsroom.test", "name": "Bo Berg"}
VIC = {"is_logged_in": True, "email": "vic@partner.test", "name": "Victor Viewer"}
LEAD = {"is_logged_in": True, "email": "lead@newsroom.test", "name": "Lea Lead"}


def open_as(user: dict | None, page: str, params: dict | None = None) -> AppTest:
    """The app signed in as `user` (None: no [auth] at all), on `page` with the URL parameters `params`."""
    def sign_in(at: AppTest) -> None:
        if user is not None:
            at.secrets["auth"] = AUTH
            at.secrets["roles"] = ROLES
            at.user = dict(user)

    at = open_page(page, params, sign_in)
    assert not at.exception, at.exception
    return at


def rows(path, sql: str, params=()) -> list[tuple]:
    con = duckdb.connect(str(path))
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption)


def verdict_buttons(at: AppTest) -> list:
    return [b for b in at.button if b.key and b.key.startswith(("confirm-", "reject-"))]


def test_an_analysts_verdict_carries_their_name_and_a_second_analyst_is_kept_apart(app_db, claim_ids):
    at = open_as(ANA, "claim", {"claim": claim_ids["withdraw"]})
    assert "Signed in as Ana Analyst \\(ana@newsroom\\.test\\) · role: **analyst**" in captions(at)
    confirm = [b for b in verdict_buttons(at) if b.key.startswith("confirm-")][0]
    report = confirm.key.removeprefix("confirm-")
    at = confirm.click().run()
    assert not at.exception, at.exception
    assert "Analyst verdict: **confirmed**" in captions(at) and "Ana Analyst ·" in captions(at)
    assert rows(app_db, "SELECT analyst, analyst_name, verdict FROM verdicts") == [("ana@newsroom.test", "Ana Analyst", "confirmed")]

    bo = open_as(BO, "claim", {"claim": claim_ids["withdraw"], "report": report})
    bo = bo.button(key=f"confirm-{report}").click().run()
    assert "2 of 2 analysts agree" in captions(bo)
    bo = bo.button(key=f"confirm-{report}").click().run()  # a second click clears Bo's own verdict, never Ana's
    assert rows(app_db, "SELECT analyst FROM verdicts") == [("ana@newsroom.test",)]
    audit = rows(app_db, "SELECT user_id, role, action, outcome FROM audit ORDER BY attempted_at")
    assert audit == [("ana@newsroom.test", "analyst", "verdict", "done"), ("bo@newsroom.test", "analyst", "verdict", "done"),
                     ("bo@newsroom.test", "analyst", "verdict", "done")]


def test_a_viewer_sees_the_claim_and_its_verdicts_without_any_write_control(app_db, claim_ids):
    analyst = open_as(ANA, "claim", {"claim": claim_ids["withdraw"]})
    report = verdict_buttons(analyst)[0].key.removeprefix("confirm-")
    verdict_buttons(analyst)[0].click().run()

    at = open_as(VIC, "claim", {"claim": claim_ids["withdraw"], "report": report})
    assert at.title[0].value == "Claim"
    assert "role: **viewer**" in captions(at)
    assert not verdict_buttons(at)
    assert "Analyst verdict: **confirmed**" in captions(at)
    assert "Ana Analyst ·" in captions(at)
    # The Review page: the queue and the measures, no answers and no recalibration.
    review = open_as(VIC, "review")
    assert not [b for b in review.button if b.key and b.key.startswith(("contradicts-", "supports-", "unrelated-"))]
    assert not [b for b in review.button if b.label.startswith(("Recalibrate", "Remove the calibration"))]
    assert any("answering pairs is not open to you" in i.value for i in review.info)


def test_a_viewer_cannot_upload_edit_actors_or_read_the_audit(app_db):
    before = rows(app_db, "SELECT count(*) FROM documents")
    at = open_as(VIC, "upload")
    assert at.title[0].value == "Upload"
    assert "upload needs the analyst role" in at.error[0].value
    assert not at.get("file_uploader")
    actors = open_as(VIC, "actors", {"actor": "Rochan Consulting"})
    assert not [b for b in actors.button if b.label.startswith("Save")]
    assert not actors.get("form")
    assert actors.dataframe and "Last edited by" not in captions(actors)
    data = open_as(VIC, "data")
    names = [b.proto.label for b in data.get("download_button")]
    assert len(names) == 6 and "Audit" not in [s.value for s in data.subheader]
    assert rows(app_db, "SELECT count(*) FROM documents") == before
    # The attempt to open Upload is refused and audited.
    assert rows(app_db, "SELECT user_id, role, action, target, outcome FROM audit") == [
        ("vic@partner.test", "viewer", "upload", "Upload page", "refused")]


def test_an_analyst_edits_actors_and_the_audit_shows_it(app_db):
    at = open_as(ANA, "actors", {"actor": "Rochan Consulting"})
    at.text_input(key="edit_country-Rochan Consulting").set_value("Lithuania")
    at = [b for b in at.button if b.label == "Save"][0].click().run()
    assert not at.exception, at.exception
    assert rows(app_db, "SELECT country, edited_by FROM actors WHERE actor = 'Rochan Consulting'") == [("Lithuania", "ana@newsroom.test")]
    data = open_as(ANA, "data")
    assert "Audit" in [s.value for s in data.subheader]
    assert len(data.get("download_button")) == 8
    audit = data.dataframe[-1].value
    assert audit[["user_id", "action", "target", "outcome"]].values.tolist() == [["ana@newsroom.test", "edit_actor", "Rochan Consulting", "done"]]


def test_someone_without_a_role_is_kept_out(app_db):
    at = open_as({"is_logged_in": True, "email": "someone@gmail.test"}, "overview")
    assert "has no access to this workspace" in at.warning[0].value
    assert not at.metric


def test_an_admin_gives_a_viewer_the_analyst_role(app_db):
    viewer = open_as(VIC, "access")
    assert "grant_role needs the admin role" in viewer.error[0].value
    at = open_as(LEAD, "access")
    assert at.title[0].value == "Access"
    at.text_input(key="grant_email").set_value("Vic@Partner.test")
    at.selectbox(key="grant_role").set_value("analyst")
    at = [b for b in at.button if b.label == "Save"][0].click().run()
    assert not at.exception, at.exception
    assert rows(app_db, "SELECT user_id, role, granted_by FROM role_grants") == [("vic@partner.test", "analyst", "lead@newsroom.test")]
    again = open_as(VIC, "claim", {"claim": "x"})
    assert "role: **analyst**" in captions(again)


def test_read_only_mode_has_no_write_path(app_db, claim_ids, monkeypatch):
    monkeypatch.setenv("CROSSCHECK_READ_ONLY", "1")
    claim = open_as(None, "claim", {"claim": claim_ids["withdraw"]})
    assert claim.get("button") == [] or not verdict_buttons(claim)
    assert "Read-only workspace" in captions(claim)
    upload = open_as(None, "upload")
    assert "read-only" in upload.error[0].value and not upload.get("file_uploader")
    actors = open_as(None, "actors", {"actor": "TASS"})
    assert not [b for b in actors.button if b.label.startswith("Save")]
    review = open_as(None, "review")
    assert not [b for b in review.button if b.key and b.key.startswith(("contradicts-", "supports-", "unrelated-"))]
    from crosscheck.ui.resources import close_resources

    close_resources()  # the read-only connection: only then can this test open the file
    assert rows(app_db, "SELECT count(*) FROM verdicts") == [(0,)] and rows(app_db, "SELECT count(*) FROM audit") == [(0,)]


@pytest.mark.parametrize("page", ["overview", "claims", "data", "actors", "review"])
def test_every_page_renders_read_only(app_db, page, monkeypatch):
    monkeypatch.setenv("CROSSCHECK_READ_ONLY", "1")
    at = open_as(None, page)
    assert at.title


def test_a_roles_section_that_cannot_be_used_stops_the_app_with_its_reason(app_db):
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = AUTH
    at.secrets["roles"] = {"editor": ["ana@newsroom.test"]}
    at.user = dict(ANA)
    at.run()
    assert not at.exception, at.exception
    assert "unknown key" in at.error[0].value and "editor" in at.error[0].value
    assert not at.metric


def test_with_sign_in_but_no_roles_section_everyone_signed_in_is_an_analyst(app_db, claim_ids):
    at = AppTest.from_file(APP, default_timeout=120)
    at.secrets["auth"] = AUTH
    at.user = dict(VIC)
    at.query_params["claim"] = claim_ids["withdraw"]
    at.run()
    at.switch_page(urls.script("claim"))
    at.query_params["claim"] = claim_ids["withdraw"]
    at.run()
    assert not at.exception, at.exception
    assert "role: **analyst**" in captions(at) and verdict_buttons(at)
