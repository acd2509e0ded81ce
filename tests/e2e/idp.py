"""A small OpenID Connect identity provider for the browser tests: discovery, a sign-in form, code flow, JWKS.

It speaks enough of OIDC for Streamlit's st.login (Authlib): the authorization-code flow with
PKCE (S256), client authentication by secret (basic or post), RS256 ID tokens signed with a key
made at start (joserfc), a userinfo endpoint and the provider's keys. Its sign-in page asks for an
email, and only the people it was given can sign in; the browser really goes there and back.
Loopback only, one thread per request, for tests.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlencode, urlparse

from joserfc import jwt
from joserfc.jwk import RSAKey


@dataclass
class Client:
    client_id: str
    client_secret: str
    redirect_uris: list[str]


@dataclass
class LocalIdP:
    """Start with `with LocalIdP(users, client) as idp:`; `idp.issuer` is its base URL, `idp.metadata_url` its discovery."""

    users: dict[str, str]  # email → display name
    client: Client
    host: str = "127.0.0.1"
    sign_ins: list[str] = field(default_factory=list)  # the emails that signed in, in order

    def __post_init__(self):
        self._key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig", "alg": "RS256"})
        self._codes: dict[str, dict] = {}
        self._tokens: dict[str, dict] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((self.host, 0), _handler(self))
        self.issuer = f"http://{self.host}:{self._server.server_address[1]}"
        self.metadata_url = f"{self.issuer}/.well-known/openid-configuration"
        self._thread = threading.Thread(target=self._server.serve_forever, name="test-idp", daemon=True)

    def __enter__(self) -> LocalIdP:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    # ---------------------------------------------------------------- what the endpoints answer

    def metadata(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "claims_supported": ["sub", "email", "email_verified", "name"],
            "code_challenge_methods_supported": ["S256"],
        }

    def jwks(self) -> dict:
        return {"keys": [self._key.as_dict(private=False)]}

    def claims_of(self, email: str) -> dict:
        return {"sub": hashlib.sha256(email.encode()).hexdigest()[:16], "email": email, "email_verified": True,
                "name": self.users[email]}

    def issue_code(self, email: str, request: dict) -> str:
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = {"email": email, **request, "expires": time.time() + 60}
        self.sign_ins.append(email)
        return code

    def exchange(self, form: dict, basic: tuple[str, str] | None) -> tuple[int, dict]:
        """The token endpoint: (status, JSON body)."""
        client_id, secret = basic or (form.get("client_id"), form.get("client_secret"))
        if client_id != self.client.client_id or secret != self.client.client_secret:
            return 401, {"error": "invalid_client"}
        if form.get("grant_type") != "authorization_code":
            return 400, {"error": "unsupported_grant_type"}
        with self._lock:
            grant = self._codes.pop(form.get("code", ""), None)  # one use only
        if grant is None or grant["expires"] < time.time() or grant["redirect_uri"] != form.get("redirect_uri"):
            return 400, {"error": "invalid_grant"}
        if grant.get("code_challenge"):
            verifier = form.get("code_verifier", "")
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if digest != grant["code_challenge"]:
                return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        now = int(time.time())
        claims = {**self.claims_of(grant["email"]), "iss": self.issuer, "aud": client_id, "iat": now, "exp": now + 600}
        if grant.get("nonce"):
            claims["nonce"] = grant["nonce"]
        id_token = jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, self._key)
        access = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[access] = self.claims_of(grant["email"])
        return 200, {"access_token": access, "token_type": "Bearer", "expires_in": 600, "id_token": id_token,
                     "scope": grant.get("scope", "openid")}

    def userinfo(self, bearer: str | None) -> dict | None:
        with self._lock:
            return self._tokens.get(bearer or "")


FORM = """<!doctype html><html><head><title>Test identity provider</title></head><body>
<h1>Sign in to the test identity provider</h1>
<form method="post" action="/authorize">{hidden}
<label for="email">Email</label> <input id="email" name="email" type="email" autofocus>
<button type="submit">Sign in</button></form>{error}</body></html>"""
AUTHORIZE_PARAMS = ("client_id", "redirect_uri", "scope", "state", "nonce", "code_challenge", "code_challenge_method", "response_type")


def _handler(idp: LocalIdP):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet: pytest shows failures, not every request
            pass

        def _send(self, status: int, body: bytes | str, kind: str = "application/json", headers: dict | None = None) -> None:
            data = body.encode() if isinstance(body, str) else body
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def _json(self, status: int, payload: dict) -> None:
            self._send(status, json.dumps(payload))

        def _form(self) -> dict:
            length = int(self.headers.get("Content-Length") or 0)
            return {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}

        def _authorize_request(self, params: dict) -> dict | str:
            """The checked parameters of an authorization request, or why it is refused."""
            if params.get("client_id") != idp.client.client_id:
                return "unknown client"
            if params.get("redirect_uri") not in idp.client.redirect_uris:
                return "redirect_uri not registered"
            if params.get("response_type", "code") != "code":
                return "only the code flow"
            return {k: params[k] for k in AUTHORIZE_PARAMS if k in params}

        def _login_page(self, request: dict, error: str = "") -> None:
            hidden = "".join(f'<input type="hidden" name="{k}" value="{html.escape(v)}">' for k, v in request.items())
            self._send(200, FORM.format(hidden=hidden, error=f"<p role='alert'>{html.escape(error)}</p>" if error else ""),
                       "text/html; charset=utf-8")

        def do_GET(self) -> None:  # noqa: N802 - the http.server interface
            url = urlparse(self.path)
            params = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/.well-known/openid-configuration":
                return self._json(200, idp.metadata())
            if url.path == "/jwks":
                return self._json(200, idp.jwks())
            if url.path == "/authorize":
                request = self._authorize_request(params)
                if isinstance(request, str):
                    return self._send(400, request, "text/plain")
                return self._login_page(request)
            if url.path == "/userinfo":
                auth = self.headers.get("Authorization", "")
                info = idp.userinfo(auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else None)
                return self._json(200, info) if info else self._json(401, {"error": "invalid_token"})
            return self._send(404, "not found", "text/plain")

        def do_POST(self) -> None:  # noqa: N802 - the http.server interface
            url = urlparse(self.path)
            form = self._form()
            if url.path == "/authorize":
                request = self._authorize_request(form)
                if isinstance(request, str):
                    return self._send(400, request, "text/plain")
                email = form.get("email", "").strip().lower()
                if email not in idp.users:
                    return self._login_page(request, f"{email or 'that address'} has no account here")
                code = idp.issue_code(email, request)
                target = request["redirect_uri"] + "?" + urlencode({"code": code, "state": request.get("state", "")})
                return self._send(302, b"", "text/plain", {"Location": target})
            if url.path == "/token":
                basic = None
                auth = self.headers.get("Authorization", "")
                if auth.startswith("Basic "):
                    user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
                    basic = (unquote(user), unquote(password))
                status, body = idp.exchange(form, basic)
                return self._json(status, body)
            return self._send(404, "not found", "text/plain")

    return Handler
