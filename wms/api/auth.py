"""Reading the caller from a request: a bearer token, or the signed-in session of the screens."""
from __future__ import annotations

from flask import request, session
from flask.sessions import SecureCookieSessionInterface

from wms.auth import Principal, principal_for_token, still_valid
from wms.errors import Unauthorized


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
        return Principal(name=user["name"], role=user["role"], user_id=user["id"])
    raise Unauthorized("sign in or send 'Authorization: Bearer <token>'")


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
