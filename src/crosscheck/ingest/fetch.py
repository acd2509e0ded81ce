"""Fetch: download one public http(s) page or PDF, guarded against SSRF, slow servers and huge bodies."""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from crosscheck.config import Limits
from crosscheck.errors import IngestError

MAX_REDIRECTS = 5
CONTENT_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "text/markdown", "application/pdf")
USER_AGENT = "Crosscheck/0.1 (+https://github.com/crosscheck)"
_REDIRECTS = (301, 302, 303, 307, 308)


@dataclass
class Page:
    """A fetched body with the final URL after redirects and its media type."""

    url: str
    content_type: str
    data: bytes
    charset: str | None = None


def refusal_reason(address: str, *, allow_loopback: bool = False) -> str | None:
    """Why an IP address must not be fetched from (private, loopback …), or None when it is public."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return None if allow_loopback else "a loopback address"
    for reason, flag in (
        ("an unspecified address", ip.is_unspecified),
        ("a link-local address", ip.is_link_local),
        ("a multicast address", ip.is_multicast),
        ("a private address", ip.is_private),
        ("a reserved address", ip.is_reserved),
        ("a non-public address", not ip.is_global),
    ):
        if flag:
            return reason
    return None


def check_url(url: str, *, allow_loopback: bool = False) -> None:
    """Refuse a URL whose scheme is not http(s) or whose host resolves to any non-public address."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise IngestError(url, f"only http and https URLs are allowed, not {parts.scheme or 'no scheme'}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError as e:
        raise IngestError(url, f"malformed URL ({e})") from e
    if not host:
        raise IngestError(url, "URL has no host")
    try:
        infos = socket.getaddrinfo(host, port or (443 if parts.scheme.lower() == "https" else 80), proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, OSError) as e:
        raise IngestError(url, f"cannot resolve host {host}") from e
    for info in infos:
        address = str(info[4][0])
        if (reason := refusal_reason(address, allow_loopback=allow_loopback)) is not None:
            raise IngestError(url, f"host {host} resolves to {address}, {reason}; refused")


def fetch_url(url: str, *, limits: Limits | None = None, allow_private: bool = False) -> Page:
    """GET a URL, checking the scheme and address of every redirect hop, with timeouts and a size cap.

    allow_private is for tests only: it permits loopback addresses (a local test server); every
    other private, link-local or reserved address stays refused, at every hop.
    """
    limits = limits or Limits()
    deadline = time.monotonic() + 2 * limits.url_timeout_s
    with _guarded_session(allow_private) as session:
        current = url
        for hop in range(MAX_REDIRECTS + 1):
            try:
                check_url(current, allow_loopback=allow_private)
            except IngestError as e:
                if hop == 0:
                    raise
                raise IngestError(url, f"redirect to {current} refused: {e.reason}") from e
            response = _get(session, url, current, limits)
            with response:
                if response.status_code in _REDIRECTS and response.headers.get("Location"):
                    current = urljoin(current, response.headers["Location"])
                    continue
                if response.status_code >= 400:
                    raise IngestError(url, f"server answered HTTP {response.status_code}")
                media, _, params = response.headers.get("Content-Type", "").partition(";")
                content_type = media.strip().lower()
                if content_type not in CONTENT_TYPES:
                    raise IngestError(url, f"content type {content_type or 'unknown'} is not HTML, text or PDF")
                charset = params.split("charset=", 1)[1].split(";")[0].strip() if "charset=" in params else None
                return Page(current, content_type, _read_body(response, url, limits, deadline), charset)
        raise IngestError(url, f"more than {MAX_REDIRECTS} redirects")


def _get(session: requests.Session, url: str, current: str, limits: Limits) -> requests.Response:
    timeout = (min(5.0, limits.url_timeout_s), limits.url_timeout_s)
    try:
        return session.get(current, stream=True, allow_redirects=False, timeout=timeout)
    except IngestError as e:  # raised by the connection guard, which knows only the host
        raise IngestError(url, e.reason) from e
    except requests.Timeout as e:
        raise IngestError(url, f"no answer within {limits.url_timeout_s:g} s") from e
    except requests.RequestException as e:
        raise IngestError(url, f"cannot fetch ({type(e).__name__})") from e


def _read_body(response: requests.Response, url: str, limits: Limits, deadline: float) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limits.max_url_bytes:
        raise IngestError(url, f"page is larger than the limit of {limits.max_url_bytes / 2**20:.0f} MB")
    body = bytearray()
    while True:
        try:
            # read1 returns what has arrived (iter_content would wait for a full chunk), so a server
            # dripping bytes one at a time still meets the deadline check below.
            chunk = response.raw.read1(65536, decode_content=True)
        except (urllib3.exceptions.HTTPError, OSError) as e:
            raise IngestError(url, f"download failed ({type(e).__name__})") from e
        if not chunk:
            break
        body += chunk
        if len(body) > limits.max_url_bytes:
            raise IngestError(url, f"page is larger than the limit of {limits.max_url_bytes / 2**20:.0f} MB")
        if time.monotonic() > deadline:
            raise IngestError(url, f"download took longer than {2 * limits.url_timeout_s:g} s")
    return bytes(body)


def _guarded_session(allow_loopback: bool) -> requests.Session:
    """A session that checks the address it actually connected to (defeats DNS rebinding)."""

    def check_peer(sock: socket.socket, host: str) -> None:
        address = sock.getpeername()[0]
        if (reason := refusal_reason(address, allow_loopback=allow_loopback)) is not None:
            sock.close()
            raise IngestError(host, f"connected to {address}, {reason}; refused")

    class GuardedHTTPConnection(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            sock = super()._new_conn()
            check_peer(sock, self.host)
            return sock

    class GuardedHTTPSConnection(HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            sock = super()._new_conn()
            check_peer(sock, self.host)
            return sock

    class GuardedHTTPPool(HTTPConnectionPool):
        ConnectionCls = GuardedHTTPConnection

    class GuardedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = GuardedHTTPSConnection

    class GuardedAdapter(HTTPAdapter):
        def init_poolmanager(self, *args, **kwargs) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {"http": GuardedHTTPPool, "https": GuardedHTTPSPool}

    session = requests.Session()
    session.trust_env = False  # no proxies or netrc from the environment
    session.headers["User-Agent"] = USER_AGENT
    session.mount("http://", GuardedAdapter())
    session.mount("https://", GuardedAdapter())
    return session
