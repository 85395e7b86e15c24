"""Reading the caller from a request: a bearer token, or the signed-in session of the screens.

A browser sends the session cookie with every request to the server, whichever site's page made it,
so a session is trusted with a write only together with its CSRF token: a random value kept in the
(signed) session, which a screen reads from its own page and sends back in the X-CSRF-Token header.
Another site's page can make the browser send the cookie, but cannot read the token.
"""
from __future__ import annotations

import hmac
import secrets

from flask import request, session
from flask.sessions import SecureCookieSessionInterface

from wms.auth import Principal, principal_for_token, still_valid
from wms.errors import Forbidden, Unauthorized

CSRF_HEADER = "X-CSRF-Token"
SESSION_COOKIE = "session"  # Flask's default SESSION_COOKIE_NAME, which wms keeps
# Methods that change nothing; a session may make them without its CSRF token.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_CSRF_KEY = "csrf_token"


def invalid_token() -> Unauthorized:
    return Unauthorized("the bearer token is not valid")


def authenticate(*, vouched: bool = False) -> Principal:
    """The caller; with `vouched`, perhaps from remembered tokens (see wms.auth.principal_for_token)."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if header:
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("use 'Authorization: Bearer <token>'")
        principal = principal_for_token(token.strip(), vouched=vouched)
        if principal is None:
            raise invalid_token()
        return principal
    # The scanner screens call the same API with the session cookie of the signed-in user.
    user = session.get("user")
    if user:
        if request.method not in SAFE_METHODS and not _csrf_matches():
            raise Forbidden(f"a signed-in session writes only with its {CSRF_HEADER} header",
                            code="csrf_failed", details={"header": CSRF_HEADER})
        return Principal(name=user["name"], role=user["role"], user_id=user["id"])
    raise Unauthorized("sign in or send 'Authorization: Bearer <token>'")


def csrf_token() -> str:
    """The session's CSRF token, made on first use: a screen puts it in its page and sends it back as X-CSRF-Token."""
    token = session.get(_CSRF_KEY)
    if not token:
        token = session[_CSRF_KEY] = secrets.token_urlsafe(32)
    return token


def _csrf_matches() -> bool:
    kept = session.get(_CSRF_KEY)
    sent = request.headers.get(CSRF_HEADER, "")
    # A session never given a token has none to match: an empty header must not pass for it.
    return bool(kept) and hmac.compare_digest(kept.encode(), sent.encode())


class SessionOnlyWithCookie(SecureCookieSessionInterface):
    """Flask's signed-cookie session, opened only for requests that carry the cookie.

    Storefront and station calls authenticate with bearer tokens and never carry one; Flask would
    still build a signing serializer for each of them.
    """

    def open_session(self, app, request):
        if self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)


def refuse_revoked(token_hashes: list[str | None]) -> list[bool]:
    """Inside a write's transaction: for each caller's token hash, whether its token was revoked meanwhile."""
    valid = still_valid([h for h in token_hashes if h])
    return [bool(h) and h not in valid for h in token_hashes]
