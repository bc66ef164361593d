"""WebSocket login (research §5.2): timestamp in seconds, prehash ``ts + "GET" + "/user/verify"``.

Checks run from the most to the least specific, each with the Bitget code ccxt maps to
``AuthenticationError`` (or ``BadRequest`` for an expired timestamp, as Bitget does).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any, Callable, Optional, Tuple, Union

from .frames import ERR_EXPIRED, ERR_KEY, ERR_PARAM, ERR_PASSPHRASE, ERR_SIGN, ERR_TIMESTAMP

__all__ = ["verify_login", "LOGIN_WINDOW_S"]

LOGIN_WINDOW_S = 30

Failure = Tuple[int, str]


def verify_login(args: Any, lookup: Optional[Callable[[str], Any]],
                 now_s: int) -> Union[int, Failure]:
    """The user id on success, else ``(code, msg)``.

    ``lookup(api_key)`` returns an ``adapters.users.ApiKey`` (``user_id``, ``secret`` bytes,
    ``passphrase_ok()``) or None.
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
    if "read" not in getattr(key, "permissions", ("read",)):
        return ERR_KEY, "this key lacks the read permission"
    return int(key.user_id)
