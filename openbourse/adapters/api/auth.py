"""Signed-request verification, exactly as Bitget v2 (and therefore ccxt) signs (§2).

prehash = ACCESS-TIMESTAMP + METHOD + path + ("?" + unquote(raw query) if any) + raw body;
ACCESS-SIGN = base64(HMAC-SHA256(secret, prehash)).  The query is unquoted with
``urllib.parse.unquote`` (not ``unquote_plus``) because ccxt signs the raw values but sends
them percent-encoded; the body is signed byte-for-byte as received.  Checks run in the
order that gives the most specific error first: missing headers, timestamp, key,
passphrase, signature, IP allow-list, permission.
"""

from __future__ import annotations

import base64
import hmac
import time
from typing import Callable, Dict, Mapping, Optional, Tuple
from urllib.parse import unquote

from ..users import ApiKey
from .errors import ApiError, E

__all__ = ["Authenticator", "sign"]

WINDOW_MS = 30_000


def sign(secret: str, prehash: str) -> str:
    """The ACCESS-SIGN value for ``prehash`` (used by tests and the bench clients too)."""
    return base64.b64encode(hmac.digest(secret.encode(), prehash.encode(), "sha256")).decode()


class Authenticator:
    """Turns request headers into the caller's ``ApiKey`` or raises the Bitget auth error."""

    def __init__(
        self,
        lookup: Callable[[str], Optional[ApiKey]],
        *,
        window_ms: int = WINDOW_MS,
        clock_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000,
    ) -> None:
        self._lookup = lookup
        self._window = window_ms
        self._clock = clock_ms
        #: key id -> (key object, passphrase bytes already verified for it); a revoked or
        #: replaced key is a different object, so its entry no longer matches
        self._verified: Dict[str, Tuple[ApiKey, bytes]] = {}

    def verify(
        self,
        headers: Mapping[str, str],
        method: str,
        path: str,
        raw_query: bytes,
        body: bytes,
        client_ip: str,
        permission: str,
    ) -> ApiKey:
        key_id = headers.get("access-key")
        if not key_id:
            raise ApiError(E.KEY_EMPTY, "ACCESS_KEY cannot be empty")
        signature = headers.get("access-sign")
        if not signature:
            raise ApiError(E.SIGN_EMPTY, "Signature cannot be empty")
        passphrase = headers.get("access-passphrase")
        if not passphrase:
            raise ApiError(E.PASSPHRASE_EMPTY, "ACCESS_PASSPHRASE cannot be empty")
        timestamp = headers.get("access-timestamp", "")
        self._check_timestamp(timestamp)
        key = self._lookup(key_id)
        if key is None:
            raise ApiError(E.KEY_UNKNOWN, "Invalid ACCESS_KEY")
        if not self._passphrase_ok(key, passphrase):
            raise ApiError(E.PASSPHRASE_WRONG, "apikey/passphrase is incorrect")
        prehash = timestamp + method + path
        if raw_query:
            prehash += "?" + unquote(
                raw_query.decode("latin-1"), encoding="utf-8", errors="replace"
            )
        expected = hmac.digest(key.secret, prehash.encode() + body, "sha256")
        try:
            given = base64.b64decode(signature, validate=True)
        except ValueError:
            given = b""
        if not hmac.compare_digest(expected, given):
            raise ApiError(E.SIGN_WRONG, "sign signature error")
        if key.ip_allow and client_ip not in key.ip_allow:
            raise ApiError(E.IP_DENIED, f"Invalid IP {client_ip}")
        if permission not in key.permissions:
            raise ApiError(E.PERMISSION, f"Incorrect permissions: this key lacks '{permission}'")
        return key

    def _passphrase_ok(self, key: ApiKey, passphrase: str) -> bool:
        """``key.passphrase_ok`` once per key, then a constant-time compare with that value."""
        given = passphrase.encode("utf-8", "surrogatepass")
        seen = self._verified.get(key.api_key)
        if seen is not None and seen[0] is key:
            return hmac.compare_digest(seen[1], given)
        if not key.passphrase_ok(passphrase):
            return False
        if len(self._verified) > 100_000:
            self._verified.clear()
        self._verified[key.api_key] = (key, given)
        return True

    def _check_timestamp(self, timestamp: str) -> None:
        if not (timestamp.isascii() and timestamp.isdigit() and 10 <= len(timestamp) <= 14):
            raise ApiError(E.TIMESTAMP_INVALID, "Invalid ACCESS_TIMESTAMP")
        if abs(self._clock() - int(timestamp)) > self._window:
            raise ApiError(E.TIMESTAMP_EXPIRED, "Request timestamp expired")
