"""The REST front door: a raw ASGI dispatcher for ``/api/*`` in front of a Starlette app.

``/api/*`` is the hot path (≥ 3,000 signed orders/s is the target), so it skips Starlette's
regex router and request objects: one dict lookup by path, headers read once from the
ASGI scope, the body read with a size cap, orjson in and out.  Everything else (the
WebSocket gateway, ``/docs``, ``/health``) is delegated to the Starlette app.  Every answer
under ``/api`` is the Bitget envelope, errors and unknown routes included.
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, List, MutableMapping
from urllib.parse import parse_qsl

import orjson

from ..auth import Authenticator
from ..envelope import now_ms, ok_bytes
from ..errors import ApiError, E
from ..params import Params
from .context import ApiContext, Req
from .ratelimit import RateLimiter
from .registry import Endpoint

__all__ = ["RestApp"]

_log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
ASGIApp = Callable[
    [Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]
]

_HEADERS = [(b"content-type", b"application/json")]
_RATE_LIMITED = ApiError(E.RATE_LIMIT, "Request Frequency Is Too High", 429)


class RestApp:
    def __init__(
        self,
        ctx: ApiContext,
        table: Dict[str, Endpoint],
        auth: Authenticator,
        limiter: RateLimiter,
        fallback: ASGIApp,
        max_body: int = 64 * 1024,
    ) -> None:
        self.ctx = ctx
        self.table = table
        self.auth = auth
        self.limiter = limiter
        self.fallback = fallback
        self.max_body = max_body

    async def __call__(
        self,
        scope: Scope,
        receive: Callable[[], Awaitable[Any]],
        send: Callable[[Any], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.fallback(scope, receive, send)
            return
        try:
            status, body = 200, await self._handle(scope, receive)
        except ApiError as exc:
            status, body = exc.status, _error_body(exc)
        except Exception:  # noqa: BLE001 - a bug must still answer with the envelope
            _log.exception("unhandled error on %s", scope["path"])
            status, body = 500, _error_body(ApiError(E.SYSTEM, "System error", 500))
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": _HEADERS + [(b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _handle(self, scope: Scope, receive: Callable[[], Awaitable[Any]]) -> bytes:
        path: str = scope["path"]
        client = scope.get("client")
        ip = client[0] if client else ""
        endpoint = self.table.get(path)
        if endpoint is None:
            raise ApiError(E.NOT_FOUND, "Request URL NOT FOUND", 404)
        if not self.limiter.allow(ip, "ip:" + endpoint.family):
            raise _RATE_LIMITED
        if scope["method"] != endpoint.method:
            raise ApiError(E.NOT_FOUND, f"Request method {scope['method']} not supported here", 405)
        headers = _headers(scope)
        body = await self._read_body(headers, receive)
        key = None
        if endpoint.permission is not None:
            key = self.auth.verify(
                headers, endpoint.method, path, scope["query_string"], body, ip, endpoint.permission
            )
            if not self.limiter.allow(key.api_key, endpoint.family):
                raise _RATE_LIMITED
        params = Params(
            _parse_params(endpoint.method, scope["query_string"], body), endpoint.params
        )
        data = await endpoint.handler(self.ctx, Req(params, key, ip))
        return ok_bytes(data)

    async def _read_body(
        self, headers: Dict[str, str], receive: Callable[[], Awaitable[Any]]
    ) -> bytes:
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            raise ApiError(E.PARAM_INVALID, f"Request body larger than {self.max_body} bytes", 413)
        chunks: List[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                raise ApiError(
                    E.PARAM_INVALID, f"Request body larger than {self.max_body} bytes", 413
                )
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


_WANTED = {
    name: name.decode()
    for name in (
        b"access-key",
        b"access-sign",
        b"access-timestamp",
        b"access-passphrase",
        b"content-length",
    )
}


def _headers(scope: Scope) -> Dict[str, str]:
    """The few headers the API reads, decoded once (ASGI already lower-cases names)."""
    wanted = _WANTED
    return {wanted[n]: v.decode("latin-1") for n, v in scope["headers"] if n in wanted}


def _parse_params(method: str, query: bytes, body: bytes) -> Dict[str, Any]:
    if method == "GET":
        if not query:
            return {}
        try:
            pairs = parse_qsl(
                query.decode("latin-1"),
                keep_blank_values=True,
                strict_parsing=True,
                encoding="utf-8",
                errors="strict",
            )
        except (ValueError, UnicodeDecodeError):
            raise ApiError(E.PARAM_INVALID, "Parameter verification failed: query string") from None
        params: Dict[str, Any] = {}
        for name, value in pairs:
            if name in params:
                raise ApiError(
                    E.PARAM_INVALID, f"Parameter verification failed: {name} given twice"
                )
            params[name] = value
        return params
    if not body or body.isspace():
        return {}
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise ApiError(E.PARAM_INVALID, "Parameter verification failed: body is not JSON") from None
    if not isinstance(data, dict):
        raise ApiError(E.PARAM_INVALID, "Parameter verification failed: body must be a JSON object")
    return data


def _error_body(exc: ApiError) -> bytes:
    return orjson.dumps({"code": exc.code, "msg": exc.msg, "requestTime": now_ms(), "data": None})
