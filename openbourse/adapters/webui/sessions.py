"""Browser sessions backed by session-scoped API keys.

The UI has no private data path: after log-in the browser receives an ordinary API key
(read, trade, transfer; bound to the client address it logged in from) and signs every
REST request and its private WebSocket login with it, exactly like a bot.  The key lives
as long as the session: log-out, expiry and password change revoke it, so a key copied
out of the browser dies with the session.
"""
from __future__ import annotations

import logging
import secrets
from typing import Callable, List, Optional

from ..users import UserError, UserStore
from .store import SessionRow, WebStore, now_ms, token_digest

__all__ = ["SessionManager", "SESSION_LABEL", "SESSION_PERMISSIONS", "SESSION_TTL_MS"]

_log = logging.getLogger(__name__)

SESSION_LABEL = "web-session"  # API keys with this label are sessions, not user-made keys
SESSION_PERMISSIONS = ("read", "trade", "transfer")
SESSION_TTL_MS = 12 * 3600 * 1000


class SessionManager:
    def __init__(self, store: WebStore, users: UserStore, *, ttl_ms: int = SESSION_TTL_MS,
                 clock_ms: Callable[[], int] = now_ms) -> None:
        self.store = store
        self.users = users
        self.ttl_ms = ttl_ms
        self.clock_ms = clock_ms

    def open(self, user_id: int, client_ip: str) -> str:
        """Start a session; returns the cookie token (only its digest is stored)."""
        self.sweep()
        ips = (client_ip,) if client_ip else ()
        key = self.users.create_key(user_id, SESSION_PERMISSIONS, ips=ips, label=SESSION_LABEL)
        token = secrets.token_urlsafe(32)
        now = self.clock_ms()
        self.store.add_session(SessionRow(token_digest(token), user_id, secrets.token_urlsafe(24),
                                          key["apiKey"], key["secretKey"], key["passphrase"], now,
                                          now + self.ttl_ms))
        return token

    def get(self, token: Optional[str]) -> Optional[SessionRow]:
        """The live session for a cookie token, or None (an expired one is closed on sight)."""
        if not token:
            return None
        row = self.store.session(token_digest(token))
        if row is None:
            return None
        if row.expires_ms <= self.clock_ms():
            self._end(self.store.delete_session(row.token_digest))
            return None
        return row

    def close(self, token: Optional[str]) -> None:
        if token:
            self._end(self.store.delete_session(token_digest(token)))

    def close_all(self, user_id: int, keep: Optional[str] = None) -> None:
        """End every session of a user (after a password change), optionally but one."""
        keep_digest = token_digest(keep) if keep else None
        for row in self.store.sessions_of(user_id):
            if row.token_digest != keep_digest:
                self._end(self.store.delete_session(row.token_digest))

    def sweep(self) -> List[SessionRow]:
        """Close expired sessions (their keys stop working immediately)."""
        expired = self.store.take_expired(self.clock_ms())
        for row in expired:
            self._end(row)
        return expired

    def _end(self, row: Optional[SessionRow]) -> None:
        if row is None:
            return
        try:
            self.users.revoke_key(row.api_key)
        except UserError:
            _log.info("session key %s was already revoked", row.api_key)
