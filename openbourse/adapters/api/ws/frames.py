"""Bitget v2 WebSocket frame vocabulary: error codes, acks, push envelopes, the books checksum.

Push frames are assembled from pre-serialised pieces (``arg`` JSON as the client sent it,
``data`` JSON serialised once per symbol) so a fan-out to hundreds of subscribers costs one
``orjson.dumps`` and a string concatenation per distinct ``arg`` spelling, not per client.
"""
from __future__ import annotations

import zlib
from typing import Any, Iterable, List, Optional, Sequence, Tuple

import orjson

__all__ = [
    "ERR_CHANNEL",
    "ERR_ILLEGAL",
    "ERR_OP",
    "ERR_NEED_LOGIN",
    "ERR_LOGIN",
    "ERR_RATE",
    "ERR_KEY",
    "ERR_PASSPHRASE",
    "ERR_TIMESTAMP",
    "ERR_EXPIRED",
    "ERR_SIGN",
    "ERR_PARAM",
    "books_checksum",
    "error_frame",
    "event_frame",
    "push_frame",
    "dumps",
    "Shared",
    "text_frame",
]

# Bitget WS error codes (ccxt.pro maps them, see research §5.3)
ERR_CHANNEL = 30001  # channel / instId doesn't exist (BadRequest)
ERR_ILLEGAL = 30002  # illegal request (AuthenticationError)
ERR_OP = 30003  # invalid op (BadRequest)
ERR_NEED_LOGIN = 30004  # private channel before login (AuthenticationError)
ERR_LOGIN = 30005  # login failed (AuthenticationError)
ERR_RATE = 30006  # too many requests / subscriptions (RateLimitExceeded)
ERR_KEY = 30011  # invalid ACCESS_KEY
ERR_PASSPHRASE = 30012  # invalid ACCESS_PASSPHRASE
ERR_TIMESTAMP = 30013  # invalid ACCESS_TIMESTAMP
ERR_EXPIRED = 30014  # request timestamp expired (BadRequest)
ERR_SIGN = 30015  # invalid sign
ERR_PARAM = 30016  # param error (BadRequest)


def dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def error_frame(code: int, msg: str, *, op: str = "", arg: Any = None) -> str:
    """``{"event":"error","code":N,"msg":...}`` (plus ``arg``/``op`` when known, like Bitget)."""
    frame: dict = {"event": "error", "code": code, "msg": msg}
    if arg is not None:
        frame["arg"] = arg
    if op:
        frame["op"] = op
    return dumps(frame)


def event_frame(event: str, arg: Any = None, **extra: Any) -> str:
    """Acks: ``{"event":"subscribe","arg":{…}}``, ``{"event":"login","code":"0","msg":""}``."""
    frame: dict = {"event": event}
    if arg is not None:
        frame["arg"] = arg
    frame.update(extra)
    return dumps(frame)


class Shared:
    """One push frame shared by every subscriber it goes to, encoded for the wire once.

    ``wire`` is the complete unmasked, unfragmented, uncompressed text frame (RFC 6455
    §5.2), built on first use and reused for all subscribers; connections that cannot
    write raw frames send ``text`` through ASGI instead.
    """

    __slots__ = ("text", "_wire")

    def __init__(self, text: str) -> None:
        self.text = text
        self._wire: Optional[bytes] = None

    @property
    def wire(self) -> bytes:
        if self._wire is None:
            self._wire = text_frame(self.text)
        return self._wire


def text_frame(text: str) -> bytes:
    """``text`` as one server-to-client WebSocket text frame (FIN, opcode 1, no mask)."""
    payload = text.encode()
    n = len(payload)
    if n < 126:
        return bytes((0x81, n)) + payload
    if n < 65536:
        return b"\x81\x7e" + n.to_bytes(2, "big") + payload
    return b"\x81\x7f" + n.to_bytes(8, "big") + payload


def push_frame(action: str, arg_json: str, data_json: str, ts_ms: int) -> str:
    """A push: ``{"action":…,"arg":<echoed arg>,"data":[…],"ts":…}`` from pre-serialised parts."""
    return f'{{"action":"{action}","arg":{arg_json},"data":{data_json},"ts":{ts_ms}}}'


def books_checksum(bids: Sequence[Tuple[str, str]], asks: Sequence[Tuple[str, str]],
                   depth: int = 25) -> int:
    """Signed CRC32 over the top ``depth`` levels, bid then ask, joined with ``:``.

    Exactly what ccxt.pro recomputes from the strings it received: for i in 0..24 append
    ``bid[i].price, bid[i].size`` when that bid exists, then ``ask[i].price, ask[i].size``
    when that ask exists.  ``bids`` best (highest) first, ``asks`` best (lowest) first.
    """
    parts: List[str] = []
    for i in range(depth):
        if i < len(bids):
            parts.append(bids[i][0])
            parts.append(bids[i][1])
        if i < len(asks):
            parts.append(asks[i][0])
            parts.append(asks[i][1])
    value = zlib.crc32(":".join(parts).encode())
    return value - (1 << 32) if value >= (1 << 31) else value


def level_strings(levels: Iterable[Tuple[int, int]], price_str, size_str) -> List[List[str]]:
    """``[[priceStr, sizeStr], …]`` with the market's fixed decimals (stable strings)."""
    return [[price_str(p), size_str(s)] for p, s in levels]
