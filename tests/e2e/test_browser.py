"""The dashboard in headless Chromium: every page, an upload, and links that reopen the same view."""

from __future__ import annotations

import re

import pytest
from app.conftest import UPLOAD_TEXT
from conftest import shared_data
from playwright.sync_api import expect

from e2e.conftest import wait_idle

pytestmark = pytest.mark.e2e

PAGES = {"overview": "Crosscheck", "claims": "Claims", "claim": "Claim", "promises": "Promises", "new": "What's new",
         "review": "Review", "upload": "Upload", "actors": "Actors", "data": "Data"}


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    yield page
    context.close()


def open_url(page, url: str) -> None:
    page.goto(url)
    wait_idle(page)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_opens(server, page, path):
    open_url(page, f"{server.url}/{path}")
    assert page.locator("h1").first.inner_text().strip() == PAGES[path]
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator("[data-testid='stDialog']").count() == 0, page.locator("[data-testid='stDialog']").inner_text()
    assert page.url.split("?")[0].endswith(f"/{path}")
    # The app's own navigation, even when a deep link is the first request after start.
    nav = page.locator("[data-testid='stSidebarNav']").inner_text()
    assert all(title in nav for title in ("Overview", "Claims", "Upload", "Actors", "Data")), nav


def test_claims_link_reopens_the_same_filters(server, page, browser):
    open_url(page, f"{server.url}/claims")
    box = page.get_by_label("Search text")
    box.fill("withdraw")
    box.press("Enter")
    wait_idle(page)
    assert "q=withdraw" in page.url
    shared = page.url
    other = browser.new_context()
    try:
        fresh = other.new_page()
        open_url(fresh, shared)
        expect(fresh.get_by_label("Search text")).to_have_value("withdraw")
        expect(fresh.get_by_text("1 claims", exact=True)).to_have_count(1)
    finally:
        other.close()


def test_upload_find_claim_and_share_its_link(server, page, browser, tmp_path):
    upload = tmp_path / "mod-2022-02-22.txt"
    upload.write_text(UPLOAD_TEXT, encoding="utf-8")
    open_url(page, f"{server.url}/upload")
    page.locator("input[type='file']").set_input_files(str(upload))
    page.get_by_text("mod-2022-02-22.txt").first.wait_for()
    page.get_by_role("textbox", name="Publisher (optional)").fill("Russian MoD")
    page.get_by_role("button", name=re.compile("Ingest")).click()
    page.get_by_text("new claims").wait_for(timeout=240_000)
    wait_idle(page)
    assert page.get_by_text(re.compile(r"mod-2022-02-22\.txt: added")).count() == 1
    link = page.locator("a[href*='claim?claim=']").filter(has_text="battalion near Kharkiv").first
    href = link.get_attribute("href")
    assert href and "claim=" in href

    other = browser.new_context()
    try:
        fresh = other.new_page()
        open_url(fresh, server.url + href if href.startswith("/") else f"{server.url}/{href}")
        assert fresh.locator("h1").first.inner_text().strip() == "Claim"
        expect(fresh.get_by_text("battalion near Kharkiv").first).to_be_visible()
        assert fresh.locator("[data-testid='stException']").count() == 0
    finally:
        other.close()


def test_upload_an_undated_article_with_a_broken_file(server, page, browser):
    """The founding article saved with no date in its name or text: stored, its claims listed and scored."""
    seed = shared_data("seed", "moscow_times_2022-02-16_withdrawal_skepticism.txt")
    open_url(page, f"{server.url}/upload")
    page.locator("input[type='file']").set_input_files([
        {"name": "article.txt", "mimeType": "text/plain", "buffer": seed.read_bytes()},
        {"name": "broken.csv", "mimeType": "text/csv", "buffer": b"a,b\n1,2\n"},
    ])
    page.get_by_text("broken.csv").first.wait_for()
    page.get_by_role("button", name=re.compile("Ingest")).click()
    page.get_by_text("new claims").wait_for(timeout=240_000)
    wait_idle(page)
    main = page.locator("[data-testid='stMain']")
    assert main.locator("[data-testid='stException']").count() == 0
    expect(page.get_by_text(re.compile(r"^article\.txt: added \w+ \(no date found\)"))).to_have_count(1)
    expect(page.get_by_text(re.compile(r"^broken\.csv: refused: no text column"))).to_have_count(1)
    link = page.locator("a[href*='claim?claim=']").filter(has_text="After his Tuesday talks").first
    href = link.get_attribute("href")

    other = browser.new_context()
    try:
        fresh = other.new_page()
        open_url(fresh, server.url + href if href.startswith("/") else f"{server.url}/{href}")
        body = fresh.locator("[data-testid='stMain']")
        expect(body.get_by_text("partially withdraw forces").first).to_be_visible()
        expect(body.get_by_text(re.compile(r"· no date ·")).first).to_be_visible()
        fresh.get_by_text("matched reports").first.wait_for()
        # Reports of the undated claim are scored and show that their lag is unknown.
        expect(body.get_by_text(re.compile("lag: no date")).first).to_be_visible()
        assert body.locator("[data-testid='stException']").count() == 0
    finally:
        other.close()


def test_hostile_claim_text_is_shown_as_text(server, page):
    open_url(page, f"{server.url}/claim?claim={server.hostile_claim}")
    page.get_by_text("matched reports").first.wait_for()
    body = page.locator("[data-testid='stMain']").inner_text()
    assert "<script>alert('x')</script>" in body
    assert "**base**" in body and "[here](javascript:alert(1))" in body
    assert page.evaluate("Array.from(document.scripts).some(s => s.textContent.includes(\"alert('x')\"))") is False
    assert page.locator("a[href^='javascript:']").count() == 0


def test_clicking_a_timeline_point_lists_its_claims_in_a_shareable_url(server, page, browser):
    open_url(page, f"{server.url}/overview?freq=day&metric=similarity&by=actors")
    point = page.locator(".js-plotly-plot .scatterlayer .point").first
    point.wait_for()
    # Plotly's drag layer takes the pointer events and finds the point under the mouse.
    box = point.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x - 10, y - 10)
    page.mouse.move(x, y, steps=5)
    page.mouse.click(x, y)
    page.wait_for_function("location.search.includes('period=')", timeout=60_000)
    wait_idle(page)
    heading = page.get_by_text(re.compile(r"^Claims of ")).first
    heading.wait_for()
    links = page.locator("a[href*='claim?claim=']")
    links.first.wait_for()
    shared, expected = page.url, heading.inner_text()
    other = browser.new_context()
    try:
        fresh = other.new_page()
        open_url(fresh, shared)
        expect(fresh.get_by_text(expected)).to_have_count(1)
        expect(fresh.locator("a[href*='claim?claim=']")).to_have_count(links.count())
    finally:
        other.close()


def test_verdict_and_pair_permalink(server, page, browser):
    open_url(page, f"{server.url}/claim?claim={server.withdraw_claim}")
    card = page.locator("[class*='st-key-report-']").first
    report_id = card.get_attribute("class").split("st-key-report-")[1].split()[0]
    card.get_by_role("button", name=re.compile("Confirm")).click()
    page.get_by_text("Analyst verdict: confirmed").wait_for(timeout=60_000)

    other = browser.new_context()
    try:
        fresh = other.new_page()
        open_url(fresh, f"{server.url}/claim?claim={server.withdraw_claim}&report={report_id}")
        first = fresh.locator("[class*='st-key-report-']").first
        assert f"st-key-report-{report_id}" in first.get_attribute("class")
        expect(first.get_by_text("Analyst verdict: confirmed")).to_have_count(1)
    finally:
        other.close()


def test_review_answer_is_a_labelled_verdict(server, page):
    """The Review page in the browser: an analyst's answer leaves the queue and counts against the model."""
    open_url(page, f"{server.url}/review")
    heading = page.get_by_text(re.compile(r"^[\d,]+ pairs without a verdict$"))
    before = int(heading.inner_text().split()[0].replace(",", ""))
    card = page.locator("[class*='st-key-review-']").first
    card.get_by_role("button", name="Neither").click()
    wait_idle(page)
    expect(page.get_by_text(f"{before - 1:,} pairs without a verdict", exact=True)).to_have_count(1)
    expect(page.get_by_text(re.compile(r"verdicts \(\d+ with the analyst's stance\)"))).to_have_count(1)
    page.get_by_role("button", name="Remove the calibration").wait_for()
    assert page.locator("[data-testid='stException']").count() == 0


def test_overview_events_chart_draws_claims_and_reports(server, page):
    open_url(page, f"{server.url}/overview?view=events")
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    expect(page.get_by_text("Click a mark to open its claim.")).to_have_count(1)
    assert page.locator(".js-plotly-plot .scatterlayer .trace").count() >= 2  # lags, and claims and reports
    assert page.locator("[data-testid='stException']").count() == 0


def test_promises_page_filters_live_in_the_url_and_rows_open_the_claim(server, page, browser):
    open_url(page, f"{server.url}/promises?kind=promise")
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    assert page.locator("[data-testid='stException']").count() == 0
    caption = page.get_by_text(re.compile(r"^\d+ promises · "))
    total = int(caption.inner_text().split()[0])
    assert total >= 2  # the Belarus assurance and the Kremlin's return to the bases
    # Choosing an actor narrows the list and goes into the URL, so the link reopens it.
    page.get_by_label("Actor").click()
    # The publisher of the small database's Belarus document (tests/app/conftest.py), who made the assurance.
    page.get_by_role("option", name="Belarusian Ministry of Defence", exact=True).click()
    page.keyboard.press("Escape")
    wait_idle(page)
    assert "actor=Belarusian+Ministry+of+Defence" in page.url and "kind=promise" in page.url
    shared = page.url
    other = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        fresh = other.new_page()
        open_url(fresh, shared)
        fresh.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
        narrowed = int(fresh.get_by_text(re.compile(r"^\d+ promises · ")).inner_text().split()[0])
        assert 1 <= narrowed < total
        # The chart's row label (the table below is drawn on a canvas).
        expect(fresh.locator(".js-plotly-plot").get_by_text(re.compile("Not a single Russian serviceman")).first).to_be_visible()
        assert fresh.locator("[data-testid='stException']").count() == 0
    finally:
        other.close()


def test_follow_a_claim_then_a_new_report_shows_on_whats_new(server, page, tmp_path):
    open_url(page, f"{server.url}/claim?claim={server.withdraw_claim}")
    page.get_by_role("button", name=re.compile("^Follow")).click()
    wait_idle(page)
    expect(page.get_by_role("button", name=re.compile("Unfollow"))).to_have_count(1)
    # A new monitor report about the withdrawal arrives through the Upload page.
    upload = tmp_path / "isw-2022-02-18.txt"
    upload.write_text("The Institute for the Study of War said on Friday that Russia has not withdrawn forces from the "
                      "border area and that more armour arrived near Belgorod.", encoding="utf-8")
    open_url(page, f"{server.url}/upload")
    page.locator("input[type='file']").set_input_files(str(upload))
    page.get_by_text("isw-2022-02-18.txt").first.wait_for()
    page.get_by_role("textbox", name="Publisher (optional)").fill("Institute for the Study of War")
    page.get_by_role("button", name=re.compile("Ingest")).click()
    page.get_by_text(re.compile(r"Done: 1 added")).wait_for(timeout=240_000)
    wait_idle(page)
    open_url(page, f"{server.url}/new")
    assert page.locator("h1").first.inner_text().strip() == "What's new"
    expect(page.get_by_text(re.compile(r"^\d+ new$"))).to_have_count(1)
    nav = page.locator("[data-testid='stSidebarNav']").inner_text()
    assert re.search(r"What's new \(\d+\)", nav), nav
    assert page.locator("[data-testid='stException']").count() == 0


def test_no_request_leaves_the_host(server, browser):
    """Analysts who study state actors must not leak their visits: every page loads from the dashboard alone."""
    from urllib.parse import urlparse

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    seen: list[str] = []
    try:
        page = context.new_page()
        page.on("request", lambda request: seen.append(request.url))
        for path in PAGES:
            open_url(page, f"{server.url}/{path}")
        icons = [page.locator("link[rel*='icon']").nth(i).get_attribute("href")
                 for i in range(page.locator("link[rel*='icon']").count())]
    finally:
        context.close()
    host = urlparse(server.url).hostname
    assert len(seen) > 10
    outside = [u for u in seen if not u.startswith(("data:", "blob:")) and urlparse(u).hostname != host]
    assert outside == []
    assert icons and all(not urlparse(h).hostname or urlparse(h).hostname == host for h in icons), icons
