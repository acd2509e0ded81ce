from __future__ import annotations

import gzip
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from fpdf import FPDF

from crosscheck.config import Limits
from crosscheck.errors import IngestError
from crosscheck.ingest import extract_url
from crosscheck.ingest.fetch import check_url, fetch_url, refusal_reason

pytestmark = pytest.mark.timeout(60)

ARTICLE = b"""<html><head><title>Drills over, says ministry</title>
<meta property="og:site_name" content="Local Test Site"><meta name="date" content="2022-02-15"></head>
<body><article><p>The ministry said on Tuesday that the drills were over and the units were going home.</p>
<p>Footage filmed the same evening showed armour moving in the opposite direction, residents said.</p>
</article></body></html>"""


def make_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, "Monitors counted new field camps near the border.")
    return bytes(pdf.output())


class Handler(BaseHTTPRequestHandler):
    """A tiny site: pages, a PDF, redirects, a wrong content type, a huge and a slow body."""

    pdf = make_pdf()
    gzip_bomb = gzip.compress(b" " * (50 * 1024 * 1024))  # 50 MB of spaces in about 50 kB

    def do_GET(self):
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        if url.path == "/article.html":
            self.reply(200, "text/html; charset=utf-8", ARTICLE)
        elif url.path == "/report.pdf":
            self.reply(200, "application/pdf", self.pdf)
        elif url.path == "/notes.txt":
            self.reply(200, "text/plain", b"Plain notes from 16 February 2022 about the border.")
        elif url.path == "/ru.txt":
            self.reply(200, "text/plain; charset=windows-1251", "Войска возвращаются в казармы.".encode("cp1251"))
        elif url.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", query["to"][0])
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif url.path == "/chain":
            hops = int(query["n"][0])
            self.send_response(302)
            self.send_header("Location", f"/chain?n={hops - 1}" if hops > 0 else "/article.html")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif url.path == "/image.png":
            self.reply(200, "image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
        elif url.path == "/huge":
            # No Content-Length: the cap must apply while streaming.
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            try:
                for _ in range(64):
                    self.wfile.write(b"x" * 65536)
            except OSError:
                pass
        elif url.path == "/gzip-bomb":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(self.gzip_bomb)))
            self.end_headers()
            self.wfile.write(self.gzip_bomb)
        elif url.path == "/slow":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            try:
                for _ in range(3000):  # five minutes of drip: only the download deadline ends it
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.1)
            except OSError:
                pass
        else:
            self.reply(404, "text/plain", b"not found")

    def reply(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


# ---------------------------------------------------------------- the address guard


@pytest.mark.parametrize(
    "address, reason",
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("10.1.2.3", "private"),
        ("172.16.5.4", "private"),
        ("192.168.0.1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("100.64.0.1", "non-public"),
        ("fc00::1", "private"),
    ],
)
def test_non_public_addresses_are_refused(address, reason):
    assert reason in refusal_reason(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_pass(address):
    assert refusal_reason(address) is None


def test_loopback_permission_does_not_open_other_private_ranges():
    assert refusal_reason("127.0.0.1", allow_loopback=True) is None
    assert "private" in refusal_reason("10.0.0.1", allow_loopback=True)
    assert "link-local" in refusal_reason("169.254.169.254", allow_loopback=True)


@pytest.mark.parametrize(
    "url, message",
    [
        ("file:///etc/passwd", "only http and https URLs are allowed, not file"),
        ("ftp://example.org/file.txt", "only http and https URLs are allowed, not ftp"),
        ("gopher://127.0.0.1:25/", "only http and https URLs are allowed, not gopher"),
        ("http://127.0.0.1/", "loopback"),
        ("http://localhost:8501/", "loopback"),
        ("http://10.0.0.8/admin", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://[::1]:8000/", "loopback"),
        ("http://0.0.0.0:8000/", "unspecified"),
        ("http:///nohost", "URL has no host"),
    ],
)
def test_urls_refused_before_any_connection(url, message):
    with pytest.raises(IngestError) as info:
        check_url(url)
    assert str(info.value).startswith(url + ": ")
    assert message in str(info.value)


# ---------------------------------------------------------------- against a local server


def test_local_server_is_refused_by_default(server):
    with pytest.raises(IngestError, match="loopback"):
        extract_url(server + "/article.html")


def test_html_page_is_fetched_when_loopback_is_permitted(server):
    doc = extract_url(server + "/article.html", allow_private=True).documents[0]
    assert doc.format == "html"
    assert doc.source_name == server + "/article.html"
    assert doc.url == server + "/article.html"
    assert doc.title == "Drills over, says ministry"
    assert doc.publisher == "Local Test Site"
    assert "armour moving in the opposite direction" in doc.text


def test_pdf_and_text_are_fetched(server):
    pdf = extract_url(server + "/report.pdf", allow_private=True).documents[0]
    assert pdf.format == "pdf" and "new field camps" in pdf.text
    txt = extract_url(server + "/notes.txt", allow_private=True, publisher="Notes").documents[0]
    assert txt.format == "txt" and txt.publisher == "Notes"
    assert txt.published_on is not None and txt.published_on.isoformat() == "2022-02-16"


def test_charset_from_the_content_type_header_is_used(server):
    doc = extract_url(server + "/ru.txt", allow_private=True).documents[0]
    assert doc.text == "Войска возвращаются в казармы."


def test_redirects_are_followed_and_the_final_url_kept(server):
    doc = extract_url(server + "/chain?n=3", allow_private=True).documents[0]
    assert doc.url == server + "/article.html"


def test_more_than_five_redirects_are_refused(server):
    with pytest.raises(IngestError, match="more than 5 redirects"):
        fetch_url(server + "/chain?n=6", allow_private=True)


@pytest.mark.parametrize(
    "target, message",
    [
        ("http://10.0.0.1/internal", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[::ffff:10.0.0.1]/", "private"),
        ("http://0.0.0.0/", "unspecified"),
        ("file:///etc/passwd", "only http and https"),
        ("ftp://127.0.0.1/", "only http and https"),
    ],
)
def test_redirect_to_a_private_address_or_other_scheme_is_refused(server, target, message):
    # The first hop is allowed (loopback permitted for the test); the guard still checks the next one.
    url = f"{server}/redirect?to={target}"
    with pytest.raises(IngestError) as info:
        extract_url(url, allow_private=True)
    assert str(info.value).startswith(url + ": ")
    assert message in str(info.value)


def test_redirect_to_loopback_is_refused_without_permission(server):
    # Seen from the guard, a redirect is just the next hop: loopback is refused there too.
    with pytest.raises(IngestError, match="loopback"):
        fetch_url(f"{server}/redirect?to={server}/article.html")


def test_wrong_content_type_is_refused(server):
    with pytest.raises(IngestError, match="content type image/png is not HTML, text or PDF"):
        extract_url(server + "/image.png", allow_private=True)


def test_http_errors_are_refused(server):
    with pytest.raises(IngestError, match="server answered HTTP 404"):
        extract_url(server + "/missing", allow_private=True)


def test_body_larger_than_the_cap_is_refused_while_streaming(server):
    limits = Limits(max_url_bytes=1024 * 1024)
    with pytest.raises(IngestError, match="larger than the limit of 1 MB"):
        fetch_url(server + "/huge", limits=limits, allow_private=True)


def test_compressed_body_is_capped_after_decompression(server):
    limits = Limits(max_url_bytes=1024 * 1024)
    with pytest.raises(IngestError, match="larger than the limit of 1 MB"):
        fetch_url(server + "/gzip-bomb", limits=limits, allow_private=True)


def test_slow_server_is_cut_off(server):
    limits = Limits(url_timeout_s=0.5)
    with pytest.raises(IngestError, match="download took longer than"):
        fetch_url(server + "/slow", limits=limits, allow_private=True)


def test_unreachable_port_is_a_clean_refusal():
    with pytest.raises(IngestError, match="cannot fetch"):
        fetch_url("http://127.0.0.1:9/", allow_private=True, limits=Limits(url_timeout_s=2))
