"""Users, roles and API keys.

Passwords are kept as scrypt hashes (``scrypt$n$r$p$salt$hash``, standard library only); API keys
are 32 random bytes shown once and kept only as their SHA-256 digest, so a stolen database yields
no usable key. Roles, weakest first: ``viewer`` (screen and read), ``reviewer`` (also record
decisions), ``admin`` (also read the audit log and manage users and keys).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import select, update

from supplyscreen.cases.db import CaseDatabase, utc_now
from supplyscreen.cases.tables import ApiKey, User
from supplyscreen.errors import SupplyscreenError

ROLES = ("viewer", "reviewer", "admin")
KEY_BYTES = 32
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
MIN_PASSWORD = 8


class KeyInfo(NamedTuple):
    """An API key as ``keys list`` shows it."""

    prefix: str
    role: str
    user: str | None
    label: str
    created: str
    revoked: bool


class AccountError(SupplyscreenError):
    """A user or key cannot be created or used (unknown role, duplicate name, short password)."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: a user name (or ``key:<prefix>``), their role, and how they proved it."""

    name: str
    role: str
    via: str  # "key" or "session"
    key_id: int | None = None

    def can(self, role: str) -> bool:
        """Whether this principal has at least ``role``."""
        return ROLES.index(self.role) >= ROLES.index(role)


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    return role


def hash_password(password: str) -> str:
    """An scrypt hash of ``password`` with a fresh salt, in a self-describing text form."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a hash made by :func:`hash_password` (constant-time comparison)."""
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


def key_digest(key: str) -> str:
    """The SHA-256 digest an API key is stored as."""
    return hashlib.sha256(key.strip().encode()).hexdigest()


class Accounts:
    """Users and API keys in a case database."""

    def __init__(self, db: CaseDatabase) -> None:
        self.db = db

    def add_user(self, name: str, password: str, role: str) -> None:
        """Create a user (or raise AccountError if the name is taken)."""
        name = name.strip()
        check_role(role)
        if not name:
            raise AccountError("a user needs a name")
        if len(password) < MIN_PASSWORD:
            raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
        with self.db.session() as s:
            if s.scalar(select(User.id).where(User.name == name)) is not None:
                raise AccountError(f"user {name!r} exists already")
            s.add(
                User(
                    name=name,
                    password_hash=hash_password(password),
                    role=role,
                    created=utc_now(),
                    active=True,
                )
            )

    def authenticate(self, name: str, password: str) -> Principal | None:
        """The user's principal when the password is right, else None (same cost for unknown users)."""
        with self.db.session() as s:
            user = s.scalar(select(User).where(User.name == name.strip(), User.active.is_(True)))
        if user is None:
            verify_password(password, hash_password("timing-equaliser"))
            return None
        if not verify_password(password, user.password_hash):
            return None
        return Principal(user.name, user.role, "session")

    def user_role(self, name: str) -> str | None:
        """The role of an active user, or None."""
        with self.db.session() as s:
            user = s.scalar(select(User).where(User.name == name, User.active.is_(True)))
            return user.role if user else None

    def session_user(self, name: str) -> tuple[str, str | None] | None:
        """An active user's role and the time before which their sessions are revoked, or None."""
        with self.db.session() as s:
            user = s.scalar(select(User).where(User.name == name, User.active.is_(True)))
            return (user.role, user.sessions_valid_after) if user else None

    def revoke_sessions(self, name: str) -> None:
        """Refuse every session of ``name`` issued until now (signing out, on every device)."""
        with self.db.session() as s:
            s.execute(update(User).where(User.name == name).values(sessions_valid_after=utc_now()))

    def users(self) -> list[tuple[str, str, str, bool]]:
        """Every user as (name, role, created, active)."""
        with self.db.session() as s:
            return [
                (u.name, u.role, u.created, u.active) for u in s.scalars(select(User).order_by(User.name))
            ]

    def create_key(self, role: str, *, user: str | None = None, label: str = "") -> str:
        """A new API key with ``role``; only its digest is stored: this is the one chance to see it."""
        check_role(role)
        key = secrets.token_urlsafe(KEY_BYTES)
        with self.db.session() as s:
            s.add(
                ApiKey(
                    digest=key_digest(key),
                    prefix=key[:8],
                    role=role,
                    user_name=user,
                    label=label,
                    created=utc_now(),
                    revoked=False,
                )
            )
        return key

    def key_principal(self, key: str) -> Principal | None:
        """The principal of a valid, unrevoked key, else None."""
        digest = key_digest(key)
        with self.db.session() as s:
            row = s.scalar(select(ApiKey).where(ApiKey.digest == digest, ApiKey.revoked.is_(False)))
            if row is None:
                return None
            return _key_principal(row)

    def digest_principal(self, digest_prefix: str) -> tuple[str, Principal] | None:
        """(digest, principal) of the one valid key whose digest starts with ``digest_prefix``."""
        with self.db.session() as s:
            rows = list(
                s.scalars(
                    select(ApiKey)
                    .where(ApiKey.digest.startswith(digest_prefix), ApiKey.revoked.is_(False))
                    .limit(2)
                )
            )
            if len(rows) != 1:
                return None
            row = rows[0]
            return row.digest, _key_principal(row)

    def revoke_key(self, prefix: str) -> int:
        """Revoke the keys starting with ``prefix`` (at least 6 characters); returns how many."""
        if len(prefix) < 6:
            raise AccountError("give at least the first 6 characters of the key")
        with self.db.session() as s:
            rows = list(
                s.scalars(
                    select(ApiKey).where(ApiKey.prefix.startswith(prefix[:8]), ApiKey.revoked.is_(False))
                )
            )
            for row in rows:
                row.revoked = True
            return len(rows)

    def keys(self) -> list[KeyInfo]:
        """Every key, oldest first (its secret is never stored: only its first characters)."""
        with self.db.session() as s:
            return [
                KeyInfo(k.prefix, k.role, k.user_name, k.label or "", k.created, k.revoked)
                for k in s.scalars(select(ApiKey).order_by(ApiKey.id))
            ]


def _key_principal(row: ApiKey) -> Principal:
    """Who a valid key's requests are made by: its user, else the key by its prefix."""
    return Principal(row.user_name or f"key:{row.prefix}", row.role, "key", row.id)
