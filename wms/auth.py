"""Who is asking: users with passwords, bearer tokens, roles. Only hashes are ever stored."""
from __future__ import annotations

import functools
import hashlib
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, bindparam, select
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from wms.db import db, prebuilt, utcnow
from wms.errors import Conflict, Invalid
from wms.unit_of_work import atomic

ROLES = ("admin", "supervisor", "receiver", "picker", "packer", "storefront")
TOKEN_PREFIX = "wms_"

# Role groups the API declares endpoints with. admin may do everything; supervisor all but users
# and tokens (CONTRACT.md, section 2).
STAFF = ("admin", "supervisor", "receiver", "picker", "packer")
EVERYONE = ROLES


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    # SHA-256 suffices: tokens carry 256 random bits, so there is nothing to brute-force.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


@dataclass(frozen=True)
class Principal:
    """The caller of one request, detached from the session so a rollback cannot expire it."""

    name: str
    role: str
    token_id: int | None = None
    user_id: int | None = None
    token_hash: str | None = None  # set for bearer tokens
    vouched: bool = False  # taken from the remembered tokens, to be checked again in the write's transaction

    def may(self, roles: tuple[str, ...]) -> bool:
        return self.role == "admin" or self.role in roles


def allowed_roles(roles: tuple[str, ...]) -> list[str]:
    """Every role an endpoint declared with `roles` admits, admin included: what OpenAPI's x-roles lists."""
    return [role for role in ROLES if Principal(name=role, role=role).may(roles)]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise Invalid(f"unknown role {role!r}; roles are {', '.join(ROLES)}", code="unknown_role")


@atomic
def create_user(name: str, role: str, password: str | None = None) -> tuple[User, str]:
    """Create a user; returns it with the password (generated when none is given)."""
    _check_role(role)
    if db.session.scalar(select(User.id).where(User.name == name)) is not None:
        raise Conflict(f"user {name!r} already exists", code="user_exists")
    password = password or secrets.token_urlsafe(12)
    user = User(name=name, role=role, password_hash=generate_password_hash(password))
    db.session.add(user)
    db.session.flush()
    return user, password


@atomic
def set_password(name: str, password: str) -> None:
    user = db.session.scalar(select(User).where(User.name == name))
    if user is None:
        raise Invalid(f"no user {name!r}", code="unknown_user")
    user.password_hash = generate_password_hash(password)


@atomic
def create_token(role: str, name: str | None = None, user_id: int | None = None) -> str:
    """Make a bearer token and return it; it is shown this once, only its hash is kept."""
    _check_role(role)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(ApiToken(name=name or f"{role}-token", role=role, token_hash=hash_token(token), user_id=user_id))
    return token


_TOKENS = ApiToken.__table__


@prebuilt
def _token():
    return select(_TOKENS.c.id, _TOKENS.c.name, _TOKENS.c.role, _TOKENS.c.user_id).where(
        _TOKENS.c.token_hash == bindparam("token_hash"), _TOKENS.c.revoked.is_(False))


@prebuilt
def _valid():
    return select(_TOKENS.c.token_hash).where(_TOKENS.c.token_hash.in_(bindparam("hashes", expanding=True)),
                                              _TOKENS.c.revoked.is_(False))


# Principals of bearer tokens seen valid, by (database, token hash): see principal_for_token.
_vouched: dict[tuple[str, str], Principal] = {}
_VOUCHED_MAX = 10_000


def principal_for_token(token: str, *, vouched: bool = False) -> Principal | None:
    """The caller a bearer token stands for, read with one statement on a pooled driver connection.

    Every API request runs this first. Through the session it cost a connection checkout, a BEGIN,
    the SELECT and a ROLLBACK, each through SQLAlchemy's layers; the driver's cursor runs the same
    statement (compiled by SQLAlchemy for this database, once) in a tenth of the time.

    With `vouched`, a token seen valid before is answered from memory, marked `vouched`: for writes
    that check their callers' tokens again inside their own transaction (`still_valid`), so a token
    revoked meanwhile is refused there. Under load that spares each storefront order and scan a
    query whose GIL hand-offs cost more CPU than the rest of its authentication.
    """
    token_hash = hash_token(token)
    key = (str(db.engine.url), token_hash)
    if vouched:
        known = _vouched.get(key)
        if known is not None:
            return known
    sql, names = _compiled(db.engine.dialect)
    conn = db.engine.raw_connection()
    try:
        cursor = conn.cursor()
        params = {"token_hash": token_hash}
        cursor.execute(sql, [params[n] for n in names] if names else params)
        row = cursor.fetchone()
        cursor.close()
    finally:
        conn.close()  # back to the pool, which rolls back whatever the driver began
    if row is None:
        _vouched.pop(key, None)
        return None
    token_id, name, role, user_id = row
    principal = Principal(name=name, role=role, token_id=token_id, user_id=user_id, token_hash=token_hash)
    if vouched:
        if len(_vouched) >= _VOUCHED_MAX:
            _vouched.clear()
        _vouched[key] = Principal(name=name, role=role, token_id=token_id, user_id=user_id,
                                  token_hash=token_hash, vouched=True)
    return principal


def still_valid(token_hashes: Collection[str]) -> set[str]:
    """Those of the token hashes whose tokens are valid now, read in the current transaction."""
    wanted = sorted(set(token_hashes))
    if not wanted:
        return set()
    valid = set(db.session.scalars(_valid(), {"hashes": wanted}))
    for token_hash in set(wanted) - valid:
        _vouched.pop((str(db.engine.url), token_hash), None)
    return valid


@prebuilt
def _compiled(dialect) -> tuple[str, tuple[str, ...] | None]:
    """The token query as this dialect's SQL text, with the order of its positional parameters if any."""
    compiled = _token().compile(dialect=dialect)
    return str(compiled), tuple(compiled.positiontup) if compiled.positional else None


def principal_for_login(name: str, password: str) -> Principal | None:
    user = db.session.scalar(select(User).where(User.name == name, User.active.is_(True)))
    # Compare against a dummy hash when the user is unknown so timing does not reveal which names exist.
    stored = user.password_hash if user else _dummy_hash()
    if not check_password_hash(stored, password) or user is None:
        return None
    return Principal(name=user.name, role=user.role, user_id=user.id)


@functools.cache
def _dummy_hash() -> str:
    return generate_password_hash("not-a-real-password")
