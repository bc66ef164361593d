"""The Bitget v2 response envelope.

ccxt treats a response as successful only when ``code`` is the *string* ``"00000"`` and
``msg`` is ``"success"`` (§3.1), so both are fixed here and nowhere else.  Errors carry the
same envelope with ``data: null`` on every status, including unknown routes, because ccxt
maps the JSON body and only falls back to the HTTP status when the body is not JSON.
"""

from __future__ import annotations

import time
from typing import Any

import orjson
from starlette.responses import Response

from .errors import ApiError

__all__ = ["now_ms", "ok", "ok_bytes", "error", "JSON"]

JSON = "application/json"


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def ok_bytes(data: Any) -> bytes:
    """Serialise a success envelope; ``data`` must already hold strings for numbers."""
    return orjson.dumps({"code": "00000", "msg": "success", "requestTime": now_ms(), "data": data})


def ok(data: Any) -> Response:
    return Response(ok_bytes(data), media_type=JSON)


def error(exc: ApiError) -> Response:
    body = orjson.dumps({"code": exc.code, "msg": exc.msg, "requestTime": now_ms(), "data": None})
    return Response(body, status_code=exc.status, media_type=JSON)
