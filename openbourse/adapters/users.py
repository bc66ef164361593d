"""The user directory: accounts, argon2 password hashes, API keys and deposit addresses
(SQLite in the data dir).

The core knows users only as positive integers; emails, passwords and keys live here, at
the edge.  The API secret must stay readable because every request is an HMAC over it
(that is Bitget's scheme), but the passphrase is only compared, so only a salted SHA-256
of it is stored and compared in constant time; argon2 would cost milliseconds on every
signed request.  Keys are cached in memory after the first lookup; revocation goes through
this object (the server's instance, via the admin socket) so the cache never serves a
revoked key.

A deposit address names one user's deposits of one coin.  Nothing watches a chain here:
the operator credits what arrived with ``openbourse deposit ADDRESS COIN AMOUNT``, and the
address tells whose it is.  Addresses are random (not derived from the user id), so one
cannot be guessed from another.
"""

from __future__ import annotations

import hashlib
import os
import hmac
import re
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, FrozenSet, List, Optional, Tuple

from argon2 import PasswordHasher
from argon2.exceptions import VerifyMismatchError

__all__ = ["PERMISSIONS", "DEPOSIT_ADDRESS", "User", "ApiKey", "UserError", "UserStore"]

PERMISSIONS = ("read", "trade", "transfer", "withdraw")
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,190}")
#: the form of every deposit address this directory hands out
DEPOSIT_ADDRESS = re.compile(r"ob[0-9a-f]{32}")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    is_admin INTEGER NOT NULL DEFAULT 0,
    created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS api_keys (
    api_key TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    secret TEXT NOT NULL,
    passphrase_salt TEXT NOT NULL,
    passphrase_digest TEXT NOT NULL,
    permissions TEXT NOT NULL,
    ip_allow TEXT NOT NULL DEFAULT '',
    label TEXT NOT NULL DEFAULT '',
    created_ms INTEGER NOT NULL,
    revoked_ms INTEGER
);
CREATE TABLE IF NOT EXISTS deposit_addresses (
    address TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    coin TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    UNIQUE (user_id, coin)
);
"""


class UserError(ValueError):
    """Bad input for a directory operation (unknown user, duplicate email, bad permission)."""


@dataclass(frozen=True)
class User:
    id: int
    email: str
    is_admin: bool


@dataclass(frozen=True)
class ApiKey:
    api_key: str
    user_id: int
    secret: bytes
    passphrase_salt: bytes
    passphrase_digest: bytes
    permissions: FrozenSet[str]
    ip_allow: FrozenSet[str]  # empty = any address
    is_admin: bool

    def passphrase_ok(self, passphrase: str) -> bool:
        digest = _passphrase_digest(self.passphrase_salt, passphrase)
        return hmac.compare_digest(digest, self.passphrase_digest)


def _passphrase_digest(salt: bytes, passphrase: str) -> bytes:
    return hashlib.sha256(salt + passphrase.encode("utf-8", "surrogatepass")).digest()


def parse_permissions(text: str) -> Tuple[str, ...]:
    perms = tuple(p.strip().lower() for p in text.split(",") if p.strip())
    unknown = [p for p in perms if p not in PERMISSIONS]
    if unknown or not perms:
        raise UserError(
            f"unknown permission(s) {unknown or text!r}; choose from {','.join(PERMISSIONS)}"
        )
    return perms


class UserStore:
    """Users and API keys in ``users.db``; safe to share between threads."""

    def __init__(self, path: Path) -> None:
        os.close(os.open(str(path), os.O_RDWR | os.O_CREAT, 0o600))  # secrets: owner only
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()
        self._hasher = PasswordHasher()
        self._keys: Dict[str, Optional[ApiKey]] = {}
        self._known: Dict[int, bool] = {}  # user id -> exists (see is_user)

    def close(self) -> None:
        self._db.close()

    # users -------------------------------------------------------------------------
    def create_user(self, email: str, password: str, *, admin: bool = False) -> User:
        email = email.strip().lower()
        if not _EMAIL.fullmatch(email):
            raise UserError(f"not an email address: {email!r}")
        if len(password) < 8:
            raise UserError("password must have at least 8 characters")
        digest = self._hasher.hash(password)
        with self._lock:
            try:
                cur = self._db.execute(
                    "INSERT INTO users(email, password_hash, is_admin, created_ms)"
                    " VALUES (?,?,?,?)",
                    (email, digest, int(admin), _now_ms()),
                )
            except sqlite3.IntegrityError:
                raise UserError(f"user {email} already exists") from None
            self._known[int(cur.lastrowid)] = True
        return User(int(cur.lastrowid), email, admin)

    def set_password(self, user_id: int, password: str) -> None:
        """Replace the password (same rule as ``create_user``); UserError for unknown ids."""
        if len(password) < 8:
            raise UserError("password must have at least 8 characters")
        digest = self._hasher.hash(password)
        with self._lock:
            cur = self._db.execute(
                "UPDATE users SET password_hash = ? WHERE id = ?", (digest, user_id)
            )
        if cur.rowcount != 1:
            raise UserError(f"unknown user id {user_id}")

    def is_user(self, user_id: int) -> bool:
        """Whether ``user_id`` is a registered user (cached, both ways).

        Caching a "no" forever is safe: ids are assigned when a user is created, before
        any command can name them, so an id that is unknown once (a simulator account,
        a system owner) stays unknown.  Read models use this to keep only real users.
        """
        known = self._known.get(user_id)
        if known is None:
            known = (
                user_id > 0
                and self._one("SELECT 1 FROM users WHERE id = ?", (user_id,)) is not None
            )
            if len(self._known) > 1_000_000:
                self._known.clear()
            self._known[user_id] = known
        return known

    def user_by_email(self, email: str) -> User:
        row = self._one(
            "SELECT id, email, is_admin FROM users WHERE email = ?", (email.strip().lower(),)
        )
        if row is None:
            raise UserError(f"unknown user {email}")
        return User(row[0], row[1], bool(row[2]))

    def user_by_id(self, user_id: int) -> Optional[User]:
        row = self._one("SELECT id, email, is_admin FROM users WHERE id = ?", (user_id,))
        return User(row[0], row[1], bool(row[2])) if row else None

    def users(self) -> List[User]:
        with self._lock:
            rows = self._db.execute("SELECT id, email, is_admin FROM users ORDER BY id").fetchall()
        return [User(r[0], r[1], bool(r[2])) for r in rows]

    def check_password(self, email: str, password: str) -> Optional[User]:
        """The user when the password matches (argon2 verify), else None."""
        row = self._one(
            "SELECT id, email, is_admin, password_hash FROM users WHERE email = ?",
            (email.strip().lower(),),
        )
        if row is None:
            return None
        try:
            self._hasher.verify(row[3], password)
        except VerifyMismatchError:
            return None
        return User(row[0], row[1], bool(row[2]))

    # keys --------------------------------------------------------------------------
    def create_key(
        self,
        user_id: int,
        permissions: Tuple[str, ...],
        *,
        ips: Tuple[str, ...] = (),
        label: str = "",
    ) -> Dict[str, str]:
        """Create a key; returns the only copy of the secret and passphrase ever shown."""
        if self.user_by_id(user_id) is None:
            raise UserError(f"unknown user id {user_id}")
        for perm in permissions:
            if perm not in PERMISSIONS:
                raise UserError(f"unknown permission {perm!r}")
        api_key = "bg_" + secrets.token_hex(16)
        secret = secrets.token_hex(32)
        passphrase = secrets.token_urlsafe(12)
        salt = secrets.token_bytes(16)
        with self._lock:
            self._db.execute(
                "INSERT INTO api_keys(api_key, user_id, secret, passphrase_salt, passphrase_digest,"
                " permissions, ip_allow, label, created_ms) VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    api_key,
                    user_id,
                    secret,
                    salt.hex(),
                    _passphrase_digest(salt, passphrase).hex(),
                    ",".join(permissions),
                    ",".join(ips),
                    label,
                    _now_ms(),
                ),
            )
            self._keys.pop(api_key, None)
        return {"apiKey": api_key, "secretKey": secret, "passphrase": passphrase}

    def revoke_key(self, api_key: str) -> None:
        with self._lock:
            cur = self._db.execute(
                "UPDATE api_keys SET revoked_ms = ? WHERE api_key = ? AND revoked_ms IS NULL",
                (_now_ms(), api_key),
            )
            self._keys.pop(api_key, None)
        if cur.rowcount == 0:
            raise UserError(f"unknown or already revoked API key {api_key}")

    def keys_of(self, user_id: int) -> List[Dict[str, str]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT api_key, permissions, ip_allow, label, created_ms, revoked_ms FROM api_keys"
                " WHERE user_id = ? ORDER BY created_ms",
                (user_id,),
            ).fetchall()
        return [
            {
                "apiKey": r[0],
                "permissions": r[1],
                "ipAllow": r[2],
                "label": r[3],
                "createdMs": str(r[4]),
                "revoked": "true" if r[5] else "false",
            }
            for r in rows
        ]

    def lookup_key(self, api_key: str) -> Optional[ApiKey]:
        """The active key (cached); None for unknown or revoked keys."""
        try:
            return self._keys[api_key]
        except KeyError:
            pass
        row = self._one(
            "SELECT k.api_key, k.user_id, k.secret, k.passphrase_salt, k.passphrase_digest,"
            " k.permissions, k.ip_allow, u.is_admin"
            " FROM api_keys k JOIN users u ON u.id = k.user_id"
            " WHERE k.api_key = ? AND k.revoked_ms IS NULL",
            (api_key,),
        )
        key = None
        if row is not None:
            key = ApiKey(
                row[0],
                row[1],
                row[2].encode(),
                bytes.fromhex(row[3]),
                bytes.fromhex(row[4]),
                frozenset(p for p in row[5].split(",") if p),
                frozenset(ip for ip in row[6].split(",") if ip),
                bool(row[7]),
            )
        with self._lock:
            if len(self._keys) > 100_000:  # unknown-key floods must not grow memory forever
                self._keys.clear()
            self._keys[api_key] = key
        return key

    # deposit addresses -------------------------------------------------------------
    def deposit_address(self, user_id: int, coin: str) -> str:
        """The user's address for ``coin``: created on first use, the same ever after."""
        with self._lock:
            row = self._db.execute(
                "SELECT address FROM deposit_addresses WHERE user_id = ? AND coin = ?",
                (user_id, coin),
            ).fetchone()
            if row is not None:
                return str(row[0])
            address = "ob" + secrets.token_hex(16)
            self._db.execute(
                "INSERT INTO deposit_addresses(address, user_id, coin, created_ms)"
                " VALUES (?,?,?,?)",
                (address, user_id, coin, _now_ms()),
            )
        return address

    def address_owner(self, address: str) -> Tuple[User, str]:
        """(user, coin) of a deposit address; UserError for an address never handed out."""
        row = self._one(
            "SELECT u.id, u.email, u.is_admin, a.coin FROM deposit_addresses a"
            " JOIN users u ON u.id = a.user_id WHERE a.address = ?",
            (address,),
        )
        if row is None:
            raise UserError(f"unknown deposit address {address}")
        return User(row[0], row[1], bool(row[2])), str(row[3])

    def _one(self, sql: str, args: tuple) -> Optional[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchone()


def _now_ms() -> int:
    return time.time_ns() // 1_000_000
