"""The web UI's own state: browser sessions and TOTP enrolments (``webui.sqlite``).

Users, passwords and API keys belong to ``adapters.users``; this file only keeps what a
browser session needs on top of them.  A session row holds the SHA-256 of the cookie
token (a stolen database does not yield live cookies), the CSRF token, and the
session-scoped API key the browser signs its REST and WebSocket requests with.  The key's
secret has to be handed back to every page load, so it is stored here in clear: the file
is created with mode 0600, like the rest of the data dir's credentials.
"""
from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

__all__ = ["SessionRow", "TotpRow", "WebStore", "token_digest", "now_ms"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    token_digest TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL,
    csrf TEXT NOT NULL,
    api_key TEXT NOT NULL,
    secret TEXT NOT NULL,
    passphrase TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_by_expiry ON sessions(expires_ms);
CREATE TABLE IF NOT EXISTS totp (
    user_id INTEGER PRIMARY KEY,
    secret TEXT NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 0,
    last_step INTEGER NOT NULL DEFAULT 0
);
"""


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True)
class SessionRow:
    token_digest: str
    user_id: int
    csrf: str
    api_key: str
    secret: str
    passphrase: str
    created_ms: int
    expires_ms: int


@dataclass(frozen=True)
class TotpRow:
    user_id: int
    secret: str
    enabled: bool
    last_step: int


class WebStore:
    """Sessions and TOTP rows; safe to share between the loop and worker threads."""

    def __init__(self, path: Path) -> None:
        if not path.exists():
            os.close(os.open(str(path), os.O_WRONLY | os.O_CREAT, 0o600))
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # sessions ----------------------------------------------------------------------
    def add_session(self, row: SessionRow) -> None:
        with self._lock:
            self._db.execute("INSERT INTO sessions VALUES (?,?,?,?,?,?,?,?)",
                             (row.token_digest, row.user_id, row.csrf, row.api_key, row.secret,
                              row.passphrase, row.created_ms, row.expires_ms))

    def session(self, digest: str) -> Optional[SessionRow]:
        with self._lock:
            row = self._db.execute("SELECT * FROM sessions WHERE token_digest = ?",
                                   (digest,)).fetchone()
        return SessionRow(*row) if row else None

    def delete_session(self, digest: str) -> Optional[SessionRow]:
        with self._lock:
            row = self._db.execute("SELECT * FROM sessions WHERE token_digest = ?",
                                   (digest,)).fetchone()
            self._db.execute("DELETE FROM sessions WHERE token_digest = ?", (digest,))
        return SessionRow(*row) if row else None

    def take_expired(self, at_ms: int) -> List[SessionRow]:
        """Remove and return every session that expired at or before ``at_ms``."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM sessions WHERE expires_ms <= ?",
                                    (at_ms,)).fetchall()
            self._db.execute("DELETE FROM sessions WHERE expires_ms <= ?", (at_ms,))
        return [SessionRow(*r) for r in rows]

    def sessions_of(self, user_id: int) -> List[SessionRow]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM sessions WHERE user_id = ?",
                                    (user_id,)).fetchall()
        return [SessionRow(*r) for r in rows]

    # TOTP --------------------------------------------------------------------------
    def totp(self, user_id: int) -> Optional[TotpRow]:
        with self._lock:
            row = self._db.execute(
                "SELECT user_id, secret, enabled, last_step FROM totp WHERE user_id = ?",
                (user_id,)).fetchone()
        return TotpRow(row[0], row[1], bool(row[2]), row[3]) if row else None

    def set_pending_totp(self, user_id: int, secret: str) -> None:
        """Store a not-yet-confirmed secret (replacing an unconfirmed one, never an active one)."""
        with self._lock:
            self._db.execute(
                "INSERT INTO totp(user_id, secret, enabled, last_step) VALUES (?,?,0,0)"
                " ON CONFLICT(user_id) DO UPDATE SET secret = excluded.secret, last_step = 0"
                " WHERE totp.enabled = 0", (user_id, secret))

    def enable_totp(self, user_id: int, step: int) -> None:
        with self._lock:
            self._db.execute("UPDATE totp SET enabled = 1, last_step = ? WHERE user_id = ?",
                             (step, user_id))

    def use_totp_step(self, user_id: int, step: int) -> bool:
        """Record ``step`` as used; False if it (or a later one) was used already (replay)."""
        with self._lock:
            cur = self._db.execute(
                "UPDATE totp SET last_step = ? WHERE user_id = ? AND last_step < ?",
                (step, user_id, step))
        return cur.rowcount == 1

    def delete_totp(self, user_id: int) -> None:
        with self._lock:
            self._db.execute("DELETE FROM totp WHERE user_id = ?", (user_id,))
