"""The REST front door: ``/api/*`` dispatch shared by the lean HTTP protocol and ASGI.

``/api/*`` is the hot path (≥ 3,000 signed orders/s is the target), so it skips Starlette's
regex router and request objects: one dict lookup by path, the few headers the API reads,
the body read with a size cap, orjson in and out.  Every answer under ``/api`` is the
Bitget envelope, errors and unknown routes included.

Two front ends call the same two steps, ``begin`` (route, per-IP rate limit, method: the
checks that need no headers or body) and ``respond`` (signature, per-key rate limit,
parameters, handler, envelope; ``respond_many`` for several requests at once, step by
step):

* ``openbourse serve`` parses plain HTTP/1.1 requests itself (``..http.LeanHttpProtocol``)
  and calls them directly, with no ASGI scope, messages or task per request, the requests
  of one event-loop turn through ``respond_many`` together;
* as an ASGI app (``__call__``) for everything that protocol hands to uvicorn (a
  connection that also asks for the web UI, a WebSocket upgrade, chunked bodies, HTTP/1.0)
  and for in-process test clients.  Everything else is delegated to ``fallback``.
"""

from __future__ import annotations

import logging
from typing import (
    Any, Awaitable, Callable, Dict, List, Mapping, MutableMapping, Optional, Sequence, Tuple,
)
from urllib.parse import parse_qsl

import orjson

from ..auth import Authenticator
from ...users import ApiKey
from ..envelope import now_ms, ok_bytes
from ..errors import ApiError, E
from ..params import Params, check_unique_keys
from .context import ApiContext, Req
from .ratelimit import RateLimiter
from .registry import Endpoint

__all__ = ["RestApp", "WANTED_HEADERS"]

_log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
ASGIApp = Callable[
    [Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]
]

#: (status, envelope bytes)
Answer = Tuple[int, bytes]
#: one request for ``respond_many``: (endpoint, path, query, headers, body, client ip)
Request = Tuple[Endpoint, str, bytes, Mapping[str, str], bytes, str]

_HEADERS = [(b"content-type", b"application/json")]
_RATE_LIMITED = ApiError(E.RATE_LIMIT, "Request Frequency Is Too High", 429)

#: The request headers the API reads (lower-case); every front end passes these only.
WANTED_HEADERS = frozenset(
    ("access-key", "access-sign", "access-timestamp", "access-passphrase", "content-length")
)


class RestApp:
    """``/api/*`` dispatcher (``begin`` + ``respond``) and its ASGI face (``__call__``)."""

    prefix = "/api/"
    headers = WANTED_HEADERS
    content_type = b"application/json"

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

    # -- the two steps every front end runs ---------------------------------------------

    def begin(self, method: str, path: str, ip: str) -> Endpoint:
        """The endpoint for ``path``, or the ApiError of an unknown route (404), a
        throttled address (429) or a wrong method (405), in that order."""
        endpoint = self.table.get(path)
        if endpoint is None:
            raise ApiError(E.NOT_FOUND, "Request URL NOT FOUND", 404)
        if not self.limiter.allow(ip, "ip:" + endpoint.family):
            raise _RATE_LIMITED
        if method != endpoint.method:
            raise ApiError(E.NOT_FOUND, f"Request method {method} not supported here", 405)
        return endpoint

    async def respond(
        self,
        endpoint: Endpoint,
        path: str,
        query: bytes,
        headers: Mapping[str, str],
        body: bytes,
        ip: str,
    ) -> Answer:
        """(status, envelope bytes) of a request that passed ``begin``; never raises."""
        return await self.respond_many([(endpoint, path, query, headers, body, ip)])[0]

    def respond_many(self, requests: Sequence[Request]) -> List[Awaitable[Answer]]:
        """One awaitable (status, envelope bytes) per request that passed ``begin``, in
        order; none of them raises.

        Each step runs for every request before the next step starts: all signatures and
        per-key limits, then all parameters, then (as the awaitables are driven) the
        handlers.  A front end passes the requests of one event-loop turn together: a
        step run several times in a row finds its code and data still in the CPU's
        caches, where running each request through every step evicts them (measured:
        a fifth less server CPU per signed order, ``docs/performance.md``)."""
        count = len(requests)
        answers: List[Optional[Answer]] = [None] * count
        keys: List[Optional[ApiKey]] = [None] * count
        for i, (endpoint, path, query, headers, body, ip) in enumerate(requests):
            if endpoint.permission is None:
                continue
            try:
                key = keys[i] = self.auth.verify(
                    headers, endpoint.method, path, query, body, ip, endpoint.permission
                )
                if not self.limiter.allow(key.api_key, endpoint.family):
                    raise _RATE_LIMITED
            except Exception as exc:  # noqa: BLE001 - every failure becomes its answer
                answers[i] = self.refusal(exc, path)
        reqs: List[Optional[Req]] = [None] * count
        for i, (endpoint, path, query, _, body, ip) in enumerate(requests):
            if answers[i] is None:
                try:
                    params = Params(_parse_params(endpoint.method, query, body), endpoint.params)
                    reqs[i] = Req(params, keys[i], ip)
                except Exception as exc:  # noqa: BLE001 - every failure becomes its answer
                    answers[i] = self.refusal(exc, path)
        handlers: List[Awaitable[Answer]] = []
        for request, req, answer in zip(requests, reqs, answers):
            if req is not None:  # passed both steps
                handlers.append(self._handle(request[0], req, request[1]))
            else:
                assert answer is not None
                handlers.append(_answered(answer))
        return handlers

    async def _handle(self, endpoint: Endpoint, req: Req, path: str) -> Answer:
        try:
            data = await endpoint.handler(self.ctx, req)
            return 200, ok_bytes(data)
        except Exception as exc:  # noqa: BLE001 - a bug must still answer with the envelope
            return self.refusal(exc, path)

    def too_large(self) -> ApiError:
        return ApiError(E.PARAM_INVALID, f"Request body larger than {self.max_body} bytes", 413)

    def refusal(self, exc: BaseException, path: str = "the REST path") -> Answer:
        """(status, envelope) for an ApiError (or a bug: 500, logged) raised on the way:
        by ``begin``, a step of ``respond_many`` or a front end."""
        if isinstance(exc, ApiError):
            return exc.status, error_body(exc)
        _log.error("unhandled error on %s", path, exc_info=exc)
        return 500, error_body(ApiError(E.SYSTEM, "System error", 500))

    # -- ASGI ---------------------------------------------------------------------------

    async def __call__(
        self,
        scope: Scope,
        receive: Callable[[], Awaitable[Any]],
        send: Callable[[Any], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.fallback(scope, receive, send)
            return
        path: str = scope["path"]
        client = scope.get("client")
        ip = client[0] if client else ""
        try:
            endpoint = self.begin(scope["method"], path, ip)
            headers = _headers(scope)
            body = await self._read_body(headers, receive)
        except ApiError as exc:
            status, reply = exc.status, error_body(exc)
        except Exception:  # noqa: BLE001 - a bug must still answer with the envelope
            _log.exception("unhandled error on %s", path)
            status, reply = 500, error_body(ApiError(E.SYSTEM, "System error", 500))
        else:
            status, reply = await self.respond(
                endpoint, path, scope["query_string"], headers, body, ip
            )
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": _HEADERS + [(b"content-length", str(len(reply)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": reply})

    async def _read_body(
        self, headers: Dict[str, str], receive: Callable[[], Awaitable[Any]]
    ) -> bytes:
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            raise self.too_large()
        chunks: List[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                raise self.too_large()
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


_WANTED = {name.encode(): name for name in WANTED_HEADERS}


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
    check_unique_keys(body, data)  # orjson would silently keep the last of a repeated key
    return data


async def _answered(answer: Answer) -> Answer:
    return answer


def error_body(exc: ApiError) -> bytes:
    return orjson.dumps({"code": exc.code, "msg": exc.msg, "requestTime": now_ms(), "data": None})
