"""WebSocket login (research §5.2): timestamp in seconds, prehash ``ts + "GET" + "/user/verify"``.

Checks run from the most to the least specific, each with the Bitget code ccxt maps to
``AuthenticationError`` (or ``BadRequest`` for an expired timestamp, as Bitget does).
Like a signed REST request, a login is refused from an address outside the key's IP
allow-list, by a key without the ``read`` permission, and when the same signed login
was already used inside the 30 s window from another address (a captured login frame
cannot be replayed elsewhere; the same host may reuse it, because two tabs or two bots
sharing a key legitimately log in within the same second, and a login's timestamp has
only one-second resolution).  ``LoginGuard`` also bounds failed logins per address.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections import deque
from typing import Any, Callable, Deque, Dict, Optional, Tuple, Union

from .frames import (ERR_EXPIRED, ERR_ILLEGAL, ERR_KEY, ERR_PARAM, ERR_PASSPHRASE, ERR_SIGN,
                     ERR_TIMESTAMP)

__all__ = ["verify_login", "LOGIN_WINDOW_S", "LoginGuard"]

LOGIN_WINDOW_S = 30

Failure = Tuple[int, str]


class LoginGuard:
    """Per-gateway memory for logins: used signatures (replays) and failures per address.

    ``MAX_FAILURES`` failed logins from one address within ``FAILURE_WINDOW_S`` block
    further logins from it until the window passes (guessing passphrases over many
    connections is throttled, not only within one)."""

    MAX_FAILURES = 20
    FAILURE_WINDOW_S = 60.0

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._used: Dict[str, str] = {}  # api key + sign -> address that used it first
        self._used_order: Deque[Tuple[int, str]] = deque()
        self._failures: Dict[str, Deque[float]] = {}

    def once(self, token: str, ip: str, expires_s: int, now_s: int) -> bool:
        """False when ``token`` was used inside its window from another address."""
        used, order = self._used, self._used_order
        while order and (order[0][0] < now_s or len(order) > 100_000):
            used.pop(order.popleft()[1], None)
        first = used.get(token)
        if first is not None:
            return first == ip
        used[token] = ip
        order.append((expires_s, token))
        return True

    def blocked(self, ip: str) -> bool:
        times = self._failures.get(ip)
        if not times:
            return False
        cutoff = self.clock() - self.FAILURE_WINDOW_S
        while times and times[0] < cutoff:
            times.popleft()
        if not times:
            del self._failures[ip]
            return False
        return len(times) >= self.MAX_FAILURES

    def failed(self, ip: str) -> None:
        if len(self._failures) > 50_000:  # an address scan must not grow memory forever
            self._failures.clear()
        self._failures.setdefault(ip, deque()).append(self.clock())


def verify_login(args: Any, lookup: Optional[Callable[[str], Any]], now_s: int,
                 client_ip: str = "", guard: Optional[LoginGuard] = None
                 ) -> Union[int, Failure]:
    """The user id on success, else ``(code, msg)``.

    ``lookup(api_key)`` returns an ``adapters.users.ApiKey`` (``user_id``, ``secret`` bytes,
    ``passphrase_ok()``, ``ip_allow``, ``permissions``) or None.
    """
    if not isinstance(args, list) or len(args) != 1 or not isinstance(args[0], dict):
        return ERR_PARAM, "login needs exactly one arg object"
    arg = args[0]
    fields = [arg.get(k) for k in ("apiKey", "passphrase", "timestamp", "sign")]
    if not all(isinstance(f, str) and f for f in fields):
        return ERR_PARAM, "apiKey, passphrase, timestamp and sign are required strings"
    api_key, passphrase, timestamp, signature = fields
    if not (timestamp.isascii() and timestamp.isdigit() and 9 <= len(timestamp) <= 11):
        return ERR_TIMESTAMP, "Invalid ACCESS_TIMESTAMP"
    if abs(now_s - int(timestamp)) > LOGIN_WINDOW_S:
        return ERR_EXPIRED, "Request timestamp expired"
    key = lookup(api_key) if lookup is not None else None
    if key is None:
        return ERR_KEY, "Invalid ACCESS_KEY"
    if not key.passphrase_ok(passphrase):
        return ERR_PASSPHRASE, "Invalid ACCESS_PASSPHRASE"
    secret = key.secret if isinstance(key.secret, bytes) else str(key.secret).encode()
    expected = hmac.new(secret, (timestamp + "GET" + "/user/verify").encode(),
                        hashlib.sha256).digest()
    try:
        given = base64.b64decode(signature, validate=True)
    except ValueError:
        given = b""
    if not hmac.compare_digest(expected, given):
        return ERR_SIGN, "Invalid sign"
    allowed = getattr(key, "ip_allow", ())
    if allowed and client_ip not in allowed:
        return ERR_ILLEGAL, f"Invalid IP {client_ip[:45]}"
    if "read" not in getattr(key, "permissions", ("read",)):
        return ERR_KEY, "this key lacks the read permission"
    if guard is not None and not guard.once(api_key + "|" + signature, client_ip,
                                            int(timestamp) + LOGIN_WINDOW_S, now_s):
        return ERR_EXPIRED, "Request replayed: this login was already used"
    return int(key.user_id)
