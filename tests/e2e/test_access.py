"""Hosted workspaces in Chromium: a real OIDC sign-in (st.login against tests/e2e/idp.py), roles, shared links,
the audit, and the read-only mode.

The analyst signs in, records a verdict and shares the pair's link; a viewer signs in and opens it:
the same claim and reports, the analyst's name on the verdict, no Confirm/Reject, no Upload page, no
actor editing; the analyst's own "Confirm" message replayed over the viewer's connection changes
nothing; the viewer's attempts are refused and logged (server log, and the audit the analyst
downloads from the Data page). Set CROSSCHECK_SHOTS=DIR to keep screenshots of both Claim pages.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from e2e.conftest import free_port, fresh_database, start_server, statement_like, stop_server, wait_idle
from e2e.idp import Client, LocalIdP

pytestmark = pytest.mark.e2e

USERS = {"ana@newsroom.test": "Ana Analyst", "vic@partner.test": "Victor Viewer", "eve@elsewhere.test": "Eve Outsider"}
CLIENT_SECRET = "e2e-client-secret-not-for-production"
# Sockets the page opens are kept, so a test can send a message over the page's own connection.
KEEP_SOCKETS = """(() => {
  const Native = window.WebSocket;
  window.__sockets = [];
  window.WebSocket = function (...args) { const ws = new Native(...args); window.__sockets.push(ws); return ws; };
  window.WebSocket.prototype = Native.prototype;
  Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
})();"""
LINK_PARAMETERS = {"claim", "report", "window", "threshold", "top_k"}


class Hosted:
    def __init__(self, url: str, proc, log: Path, db: Path, withdraw_claim: str, idp: LocalIdP | None):
        self.url, self.proc, self.log, self.db, self.withdraw_claim, self.idp = url, proc, log, db, withdraw_claim, idp

    def stop(self) -> None:
        if self.proc is not None:
            stop_server(self.proc)
            self.proc = None


@pytest.fixture(scope="module")
def hosted(tmp_path_factory, embedder, registry):
    """The dashboard with [auth] pointing at a local identity provider, and [roles]: Ana analyst, partner.test viewers."""
    folder, db = fresh_database(tmp_path_factory, "hosted", embedder, registry)
    claim = statement_like(db, "%withdraw forces%")
    port = free_port()
    client = Client("crosscheck-e2e", CLIENT_SECRET, [f"http://127.0.0.1:{port}/oauth2callback"])
    with LocalIdP(USERS, client) as idp:
        secrets = folder / "secrets.toml"
        secrets.write_text(
            "[auth]\n"
            f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
            f'cookie_secret = "{"c" * 48}"\n'
            f'client_id = "{client.client_id}"\n'
            f'client_secret = "{CLIENT_SECRET}"\n'
            f'server_metadata_url = "{idp.metadata_url}"\n\n'
            "[roles]\n"
            'analyst = ["ana@newsroom.test"]\n'
            'viewer = ["@partner.test"]\n'
            'default = "none"\n',
            encoding="utf-8",
        )
        log = folder / "streamlit.log"
        proc, url = start_server(db, log, port=port, args=("--secrets.files", str(secrets)))
        server = Hosted(url, proc, log, db, claim, idp)
        yield server
        server.stop()


@pytest.fixture(scope="module")
def read_only(tmp_path_factory, embedder, registry):
    """The dashboard over the small database with CROSSCHECK_READ_ONLY=1 and no [auth]."""
    folder, db = fresh_database(tmp_path_factory, "read-only", embedder, registry)
    claim = statement_like(db, "%withdraw forces%")
    no_secrets = folder / "secrets.toml"
    no_secrets.write_text("# no [auth]: an open, read-only demo\n", encoding="utf-8")
    log = folder / "streamlit.log"
    proc, url = start_server(db, log, env={"CROSSCHECK_READ_ONLY": "1"}, args=("--secrets.files", str(no_secrets)))
    server = Hosted(url, proc, log, db, claim, None)
    yield server
    server.stop()


def sign_in(browser, server: Hosted, email: str):
    """A fresh browser context signed in as `email` through the identity provider's own page."""
    context = browser.new_context(viewport={"width": 1400, "height": 1100}, accept_downloads=True)
    page = context.new_page()
    page.add_init_script(KEEP_SOCKETS)
    page.goto(server.url + "/")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(re.escape(server.idp.issuer) + "/authorize"), timeout=60_000)
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(server.url)), timeout=60_000)
    page.get_by_text(re.compile(r"^Signed in as ")).wait_for(timeout=120_000)
    wait_idle(page)
    return context, page


def open_url(page, url: str) -> None:
    page.goto(url)
    wait_idle(page)


def nav_text(page) -> str:
    return page.locator("[data-testid='stSidebarNav']").inner_text()


def confirm_messages(frames: list) -> list[bytes]:
    """The messages the page sent that press a Confirm button (BackMsg rerun with a trigger on a confirm- widget)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    found = []
    for payload in frames:
        if not isinstance(payload, bytes):
            continue
        msg = BackMsg()
        try:
            msg.ParseFromString(payload)
        except Exception:  # noqa: BLE001 - not every frame is a BackMsg worth reading
            continue
        if msg.WhichOneof("type") != "rerun_script":
            continue
        if any("confirm-" in w.id and w.trigger_value for w in msg.rerun_script.widget_states.widgets):
            found.append(payload)
    return found


def shoot(page, name: str) -> None:
    if out := os.environ.get("CROSSCHECK_SHOTS"):
        Path(out).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(out) / name), full_page=True)


def test_a_signed_in_viewer_opens_an_analysts_shared_claim_link_and_cannot_write(hosted, browser, tmp_path):
    # The analyst signs in, confirms a pair and takes its link.
    analyst_context, analyst = sign_in(browser, hosted, "ana@newsroom.test")
    frames: list = []
    analyst.on("websocket", lambda ws: ws.on("framesent", lambda payload: frames.append(payload)))
    try:
        assert "Signed in as Ana Analyst (ana@newsroom.test) · role: analyst" in analyst.locator("[data-testid='stSidebar']").inner_text()
        assert "Upload" in nav_text(analyst)
        open_url(analyst, f"{hosted.url}/claim?claim={hosted.withdraw_claim}")
        card = analyst.locator("[class*='st-key-report-']").first
        report_id = card.get_attribute("class").split("st-key-report-")[1].split()[0]
        card.get_by_role("button", name=re.compile("Confirm")).click()
        card.get_by_text("Analyst verdict: confirmed").wait_for(timeout=60_000)
        wait_idle(analyst)
        expect(card.get_by_text(re.compile(r"Analyst verdict: confirmed.* — Ana Analyst · \d{4}-\d\d-\d\d"))).to_have_count(1)
        pressed = confirm_messages(frames)
        assert pressed, "the Confirm click sent no message the test could replay"
        link = card.get_by_text(re.compile(r"^(No analyst verdict yet\. · )?pair link: ")).inner_text().split("pair link: ")[1].strip()
        assert set(parse_qs(urlparse(link).query)) <= LINK_PARAMETERS, link  # nothing but the view: no token, no user
        claim_text = analyst.locator("[data-testid='stMain'] [data-testid='stMarkdownContainer']").filter(
            has_text="withdraw forces").first.inner_text()
        shoot(analyst, "analyst_claim.png")

        # A viewer signs in and opens the shared link: the same claim and report, no write controls.
        viewer_context, viewer = sign_in(browser, hosted, "vic@partner.test")
        try:
            sidebar = viewer.locator("[data-testid='stSidebar']").inner_text()
            assert "Signed in as Victor Viewer (vic@partner.test) · role: viewer" in sidebar
            assert "Upload" not in nav_text(viewer) and "Access" not in nav_text(viewer)
            assert all(title in nav_text(viewer) for title in ("Overview", "Claims", "Actors", "Data"))
            open_url(viewer, f"{hosted.url}/{link}")
            main = viewer.locator("[data-testid='stMain']")
            assert viewer.locator("h1").first.inner_text().strip() == "Claim"
            expect(main.get_by_text(claim_text, exact=True)).to_have_count(1)
            first = viewer.locator("[class*='st-key-report-']").first
            assert f"st-key-report-{report_id}" in first.get_attribute("class")
            expect(first.get_by_text(re.compile(r"Analyst verdict: confirmed.* — Ana Analyst"))).to_have_count(1)
            expect(main.get_by_role("button", name=re.compile("Confirm|Reject"))).to_have_count(0)
            shoot(viewer, "viewer_claim.png")

            # The analyst's own Confirm message, replayed over the viewer's connection: nothing is written.
            for payload in pressed:
                viewer.evaluate("bytes => window.__sockets.filter(s => s.readyState === 1).forEach("
                                "s => s.send(new Uint8Array(bytes)))", list(payload))
            viewer.wait_for_timeout(1000)
            wait_idle(viewer)
            open_url(viewer, f"{hosted.url}/{link}")
            first = viewer.locator("[class*='st-key-report-']").first
            expect(first.get_by_text(re.compile(r"^Analyst verdict: "))).to_have_count(1)
            expect(viewer.get_by_text("Victor Viewer ·")).to_have_count(0)
            expect(viewer.locator("[data-testid='stMain']").get_by_role("button", name=re.compile("Confirm|Reject"))).to_have_count(0)

            # Upload by its URL: refused, nothing to upload with.
            open_url(viewer, f"{hosted.url}/upload")
            expect(viewer.get_by_text("upload needs the analyst role; Victor Viewer (vic@partner.test) is a viewer")).to_have_count(1)
            assert viewer.locator("input[type='file']").count() == 0
            # Actors: the registry as a table, no editor, no form.
            open_url(viewer, f"{hosted.url}/actors?actor=Rochan+Consulting")
            expect(viewer.get_by_role("button", name=re.compile("Save"))).to_have_count(0)
            assert viewer.locator("[data-testid='stForm']").count() == 0
            # Review: the queue without answers.
            open_url(viewer, f"{hosted.url}/review")
            expect(viewer.get_by_role("button", name=re.compile("^(Contradicts|Supports|Neither|Recalibrate)"))).to_have_count(0)
            # Data: the viewer downloads exports, not the audit.
            open_url(viewer, f"{hosted.url}/data")
            # The export buttons draw after the script run: wait for them (a loaded machine took over 300 ms once).
            expect(viewer.locator(".st-key-csv-verdicts button")).to_have_count(1, timeout=30_000)
            assert viewer.locator(".st-key-csv-audit").count() == 0
            assert viewer.locator("[data-testid='stException']").count() == 0
        finally:
            viewer_context.close()

        # The analyst downloads the audit: the verdict done, the viewer's attempt refused.
        open_url(analyst, f"{hosted.url}/data")
        with analyst.expect_download() as download:
            analyst.locator(".st-key-csv-audit button").click()
        audit = (tmp_path / "audit.csv")
        shutil.copy(download.value.path(), audit)
        lines = audit.read_text(encoding="utf-8").splitlines()
        assert lines[0].split(",")[:6] == ["attempted_at", "user_id", "user_name", "role", "action", "target"]
        assert any(",vic@partner.test,Victor Viewer,viewer,upload,Upload page," in line and line.endswith("is a viewer")
                   for line in lines), lines
        assert any(f",ana@newsroom.test,Ana Analyst,analyst,verdict,{hosted.withdraw_claim}/{report_id}," in line
                   and ",done," in line for line in lines), lines
    finally:
        analyst_context.close()
    assert "refused: vic@partner.test (viewer) upload Upload page" in hosted.log.read_text()
    assert hosted.idp.sign_ins == ["ana@newsroom.test", "vic@partner.test"]


def test_someone_the_roles_do_not_name_is_kept_out(hosted, browser):
    context, page = sign_in(browser, hosted, "eve@elsewhere.test")
    try:
        expect(page.get_by_text(re.compile("has no access to this workspace"))).to_have_count(1)
        assert page.locator("[data-testid='stSidebarNav']").count() == 0
        open_url(page, f"{hosted.url}/claim?claim={hosted.withdraw_claim}")
        expect(page.get_by_text(re.compile("has no access to this workspace"))).to_have_count(1)
        assert "withdraw forces" not in page.locator("[data-testid='stMain']").inner_text()
    finally:
        context.close()


def test_read_only_mode_has_no_upload_page_and_no_write_path(read_only, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        open_url(page, f"{read_only.url}/claim?claim={read_only.withdraw_claim}")
        assert "Upload" not in nav_text(page)
        expect(page.get_by_text(re.compile("Read-only workspace"))).to_have_count(1)
        page.get_by_text("matched reports").first.wait_for()
        expect(page.locator("[data-testid='stMain']").get_by_role("button", name=re.compile("Confirm|Reject"))).to_have_count(0)
        open_url(page, f"{read_only.url}/upload")
        expect(page.get_by_text(re.compile(r"this workspace is read-only"))).to_have_count(1)
        assert page.locator("input[type='file']").count() == 0
        open_url(page, f"{read_only.url}/actors?actor=TASS")
        expect(page.get_by_role("button", name=re.compile("Save"))).to_have_count(0)
        open_url(page, f"{read_only.url}/review")
        expect(page.get_by_role("button", name=re.compile("^(Contradicts|Supports|Neither|Recalibrate)"))).to_have_count(0)
        assert page.locator("[data-testid='stException']").count() == 0
    finally:
        context.close()
    read_only.stop()
    from crosscheck.db import connection

    con = connection.connect(read_only.db, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM verdicts").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM audit").fetchone()[0] == 0
    finally:
        con.close()
    assert "refused: anonymous (viewer) upload Upload page" in read_only.log.read_text()
