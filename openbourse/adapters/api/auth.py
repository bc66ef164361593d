"""Signed-request verification, exactly as Bitget v2 (and therefore ccxt) signs (§2).

prehash = ACCESS-TIMESTAMP + METHOD + path + ("?" + unquote(raw query) if any) + raw body;
ACCESS-SIGN = base64(HMAC-SHA256(secret, prehash)).  The query is unquoted with
``urllib.parse.unquote`` (not ``unquote_plus``) because ccxt signs the raw values but sends
them percent-encoded; the body is signed byte-for-byte as received.  Checks run in the
order that gives the most specific error first: missing headers, timestamp, key,
passphrase, signature, IP allow-list, permission, replay.

Replay protection: a signature is valid only inside the timestamp window (30 s either
way), and inside it only once.  Every verified signature is remembered until its
timestamp leaves the window; the same signed request again (same key, timestamp, method,
path, query and body) is refused with ``40008`` (ccxt: ``InvalidNonce``).  A captured
request can therefore be replayed neither later (stale timestamp) nor sooner (seen).
Clients that send two byte-identical requests in the same millisecond must vary
something (ccxt's ``clientOid``, or a timestamp one millisecond later).

Hot path (every signed request): the HMAC key schedule is done once per API key and kept
(a keyed template copied per request, see ``_keyed``), and the signature is compared as
base64 text first, decoding only when that fails.  ``hmac.digest`` was ~8 us in isolation but cost
~90 us of wall time per call inside the server (it releases the GIL around OpenSSL's
one-shot HMAC, and getting the GIL back from the sequencer threads takes far longer
than the hash), the template copy stays on the GIL and is cheaper anyway.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import time
from collections import deque
from typing import Any, Callable, Deque, Dict, Mapping, Optional, Tuple
from urllib.parse import unquote

from ..users import ApiKey
from .errors import ApiError, E

__all__ = ["Authenticator", "sign", "WINDOW_MS"]

WINDOW_MS = 30_000
#: remembered signatures beyond which the oldest are forgotten early (memory bound: about
#: 120 bytes each; at the per-key rate limits a busy node holds far fewer)
MAX_SEEN = 1_000_000


def sign(secret: str, prehash: str) -> str:
    """The ACCESS-SIGN value for ``prehash`` (used by tests and the bench clients too)."""
    mac = _template(secret).copy()
    mac.update(prehash.encode())
    return base64.b64encode(mac.digest()).decode()


@functools.lru_cache(maxsize=256)
def _template(secret: str) -> "hmac.HMAC":
    return hmac.new(secret.encode(), digestmod=hashlib.sha256)


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
        #: key id -> (key object, passphrase bytes already verified for it, keyed HMAC
        #: template, see ``_keyed``); a revoked or replaced key is a different object, so
        #: its entry no longer matches
        self._verified: Dict[str, Tuple[ApiKey, bytes, Any]] = {}
        #: signatures seen inside the window: digest -> ms when its timestamp expires,
        #: and the same in arrival order for expiry
        self._seen: Dict[bytes, int] = {}
        self._seen_order: Deque[Tuple[int, bytes]] = deque()
        self.max_seen = MAX_SEEN

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
        now = self._check_timestamp(timestamp)
        key = self._lookup(key_id)
        if key is None:
            raise ApiError(E.KEY_UNKNOWN, "Invalid ACCESS_KEY")
        template = self._passphrase_ok(key, passphrase)
        if template is None:
            raise ApiError(E.PASSPHRASE_WRONG, "apikey/passphrase is incorrect")
        prehash = timestamp + method + path
        if raw_query:
            prehash += "?" + unquote(
                raw_query.decode("latin-1"), encoding="utf-8", errors="replace"
            )
        mac = template.copy()
        mac.update(prehash.encode())
        mac.update(body)
        expected = mac.digest()
        if not _signature_matches(expected, signature):
            raise ApiError(E.SIGN_WRONG, "sign signature error")
        if key.ip_allow and client_ip not in key.ip_allow:
            raise ApiError(E.IP_DENIED, f"Invalid IP {client_ip}")
        if permission not in key.permissions:
            raise ApiError(E.PERMISSION, f"Incorrect permissions: this key lacks '{permission}'")
        self._once(key.api_key, expected, int(timestamp), now)
        return key

    def _passphrase_ok(self, key: ApiKey, passphrase: str) -> Any:
        """The key's HMAC template if the passphrase is right, else None.

        ``key.passphrase_ok`` (a salted hash) runs once per key, then a constant-time
        compare with the passphrase that passed it."""
        given = passphrase.encode("utf-8", "surrogatepass")
        seen = self._verified.get(key.api_key)
        if seen is not None and seen[0] is key:
            return seen[2] if hmac.compare_digest(seen[1], given) else None
        if not key.passphrase_ok(passphrase):
            return None
        if len(self._verified) > 100_000:
            self._verified.clear()
        template = _keyed(key.secret)
        self._verified[key.api_key] = (key, given, template)
        return template

    def _check_timestamp(self, timestamp: str) -> int:
        """The server's time in ms, after checking the request's stamp is inside the window."""
        if not (timestamp.isascii() and timestamp.isdigit() and 10 <= len(timestamp) <= 14):
            raise ApiError(E.TIMESTAMP_INVALID, "Invalid ACCESS_TIMESTAMP")
        now = self._clock()
        if abs(now - int(timestamp)) > self._window:
            raise ApiError(E.TIMESTAMP_EXPIRED, "Request timestamp expired")
        return now

    def _once(self, api_key: str, digest: bytes, timestamp: int, now: int) -> None:
        """Refuse a signature already used inside the window; remember this one."""
        seen, order = self._seen, self._seen_order
        while order and (order[0][0] < now or len(order) >= self.max_seen):
            _, old = order.popleft()
            seen.pop(old, None)
        token = api_key.encode() + digest
        if token in seen:
            raise ApiError(E.TIMESTAMP_EXPIRED, "Request replayed: this signature was already used")
        expires = timestamp + self._window
        seen[token] = expires
        order.append((expires, token))


def _keyed(secret: bytes) -> Any:
    """A keyed HMAC-SHA256 to ``copy()`` per request: OpenSSL's own HMAC object when
    ``hmac`` uses one (``copy``/``update``/``digest`` are then C calls, ~1 us less per
    request than through the ``hmac.HMAC`` wrapper's Python methods), else the wrapper."""
    template = hmac.new(secret, digestmod=hashlib.sha256)
    inner = getattr(template, "_hmac", None)
    return inner if inner is not None else template


def _signature_matches(expected: bytes, signature: str) -> bool:
    """Constant-time check of ACCESS-SIGN against the expected digest.

    A well-formed signature is the canonical base64 text, compared as such; anything else
    is decoded like before (``b64decode(validate=True)``), so acceptance is unchanged."""
    canonical = binascii.b2a_base64(expected, newline=False)
    if signature.isascii() and hmac.compare_digest(canonical, signature.encode("ascii")):
        return True
    try:
        given = base64.b64decode(signature, validate=True)
    except ValueError:
        given = b""
    return hmac.compare_digest(expected, given)
