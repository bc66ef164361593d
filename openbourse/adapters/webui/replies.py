"""JSON replies of the account endpoints, shaped like the exchange API's envelope.

Success is ``{"code":"00000","msg":"success","data":...}`` and failure
``{"code":..,"msg":..,"field":..,"data":null}`` so the browser's single error path shows
account errors next to the field they concern, exactly as it does for order errors.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

import orjson
from starlette.requests import Request
from starlette.responses import Response

__all__ = ["ok", "fail", "Fail", "read_json", "text_field", "SESSION_COOKIE", "set_session_cookie",
           "clear_session_cookie", "client_ip"]

SESSION_COOKIE = "ob_session"
_JSON = "application/json"
_NO_STORE = {"cache-control": "no-store"}


class Fail(Exception):
    """Raised by handlers; becomes an error reply."""

    def __init__(self, code: str, msg: str, field: Optional[str] = None, status: int = 400) -> None:
        super().__init__(msg)
        self.code, self.msg, self.field, self.status = code, msg, field, status


def ok(data: Any = None) -> Response:
    body = orjson.dumps({"code": "00000", "msg": "success", "data": data})
    return Response(body, media_type=_JSON, headers=_NO_STORE)


def fail(exc: Fail) -> Response:
    body = orjson.dumps({"code": exc.code, "msg": exc.msg, "field": exc.field, "data": None})
    return Response(body, status_code=exc.status, media_type=_JSON, headers=_NO_STORE)


async def read_json(request: Request, max_bytes: int = 16 * 1024) -> Dict[str, Any]:
    body = await request.body()
    if len(body) > max_bytes:
        raise Fail("bad_request", "Request body is too large", status=413)
    if not body:
        return {}
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise Fail("bad_request", "Request body is not JSON") from None
    if not isinstance(data, dict):
        raise Fail("bad_request", "Request body must be a JSON object")
    return data


def text_field(data: Dict[str, Any], name: str, *, required: bool = True,
               max_len: int = 256) -> str:
    value = data.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Fail("bad_request", f"{name} must be text", name)
    if required and not value.strip():
        raise Fail("required", "This field is required", name)
    if len(value) > max_len:
        raise Fail("bad_request", f"At most {max_len} characters", name)
    return value


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def set_session_cookie(response: Response, request: Request, token: str, max_age_s: int) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=max_age_s, path="/", httponly=True,
                        samesite="strict", secure=request.url.scheme == "https")


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict",
                           secure=request.url.scheme == "https")
