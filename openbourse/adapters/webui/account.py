"""Account endpoints: session info, sign-up, log-in, log-out, password change, TOTP.

Password hashing (argon2) takes tens of milliseconds, so it runs in a worker thread: the
event loop also serves the WebSocket feeds and must not stall on a log-in.
"""
from __future__ import annotations

from typing import List

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.routing import Route

from ..users import UserError
from .context import Call, WebContext
from .passwords import set_password
from .replies import (SESSION_COOKIE, Fail, clear_session_cookie, client_ip, ok, read_json,
                      set_session_cookie, text_field)
from .sessions import SESSION_TTL_MS

__all__ = ["account_routes"]


def _session_data(ctx: WebContext, call: Call) -> dict:
    if call.session is None or call.user is None:
        return {"user": None, "demo": ctx.demo}
    row = call.session
    return {"user": {"id": call.user.id, "email": call.user.email}, "demo": ctx.demo,
            "csrf": row.csrf, "expiresMs": row.expires_ms, "totp": ctx.totp.enabled(call.user.id),
            "apiKey": row.api_key, "secretKey": row.secret, "passphrase": row.passphrase}


def _start_session(ctx: WebContext, call: Call, user_id: int) -> Response:
    token = ctx.sessions.open(user_id, client_ip(call.request))
    response = ok({"userId": user_id})
    set_session_cookie(response, call.request, token, SESSION_TTL_MS // 1000)
    return response


def account_routes(ctx: WebContext) -> List[Route]:
    async def session(call: Call) -> Response:
        return ok(_session_data(ctx, call))

    async def signup(call: Call) -> Response:
        data = await read_json(call.request)
        email = text_field(data, "email").strip()
        password = text_field(data, "password")
        if len(password) < 8:
            raise Fail("weak_password", "Use at least 8 characters", "password")
        try:
            user = await run_in_threadpool(ctx.users.create_user, email, password)
        except UserError as exc:
            raise Fail("invalid", _user_error_text(exc), "email") from None
        return _start_session(ctx, call, user.id)

    async def login(call: Call) -> Response:
        data = await read_json(call.request)
        email = text_field(data, "email").strip()
        password = text_field(data, "password")
        otp = text_field(data, "otp", required=False, max_len=16)
        ip = client_ip(call.request)
        if ctx.throttle.blocked(ip, email):
            raise Fail("throttled", "Too many failed attempts; try again in a few minutes", "password", 429)
        user = await run_in_threadpool(ctx.users.check_password, email, password)
        if user is None:
            ctx.throttle.failed(ip, email)
            raise Fail("bad_credentials", "Email or password is incorrect", "password", 401)
        if ctx.totp.enabled(user.id):
            if not otp:
                raise Fail("totp_required", "Enter the 6-digit code from your authenticator", "otp", 401)
            if not ctx.totp.verify(user.id, otp):
                ctx.throttle.failed(ip, email)
                raise Fail("bad_otp", "The code is wrong or was already used", "otp", 401)
        ctx.throttle.succeeded(ip, email)
        return _start_session(ctx, call, user.id)

    async def logout(call: Call) -> Response:
        ctx.sessions.close(call.request.cookies.get(SESSION_COOKIE))
        response = ok(None)
        clear_session_cookie(response, call.request)
        return response

    async def password(call: Call) -> Response:
        data = await read_json(call.request)
        current = text_field(data, "current")
        new = text_field(data, "new")
        assert call.user is not None
        if await run_in_threadpool(ctx.users.check_password, call.user.email, current) is None:
            raise Fail("bad_credentials", "Current password is incorrect", "current", 401)
        ctx.require_otp(call, data)
        try:
            await run_in_threadpool(set_password, ctx.users, ctx.data_dir / "users.db", call.user_id, new)
        except UserError as exc:
            raise Fail("weak_password", _user_error_text(exc), "new") from None
        # Other browsers keep a copy of their session key: end them, keep this one.
        ctx.sessions.close_all(call.user_id, keep=call.request.cookies.get(SESSION_COOKIE))
        return ok(None)

    async def totp_enrol(call: Call) -> Response:
        assert call.user is not None
        try:
            return ok(ctx.totp.enrol(call.user.id, call.user.email))
        except ValueError as exc:
            raise Fail("invalid", str(exc), "otp") from None

    async def totp_confirm(call: Call) -> Response:
        data = await read_json(call.request)
        code = text_field(data, "otp", max_len=16)
        if not ctx.totp.confirm(call.user_id, code):
            raise Fail("bad_otp", "That code does not match; check the time on your device", "otp")
        return ok({"totp": True})

    async def totp_disable(call: Call) -> Response:
        data = await read_json(call.request)
        assert call.user is not None
        pw = text_field(data, "password")
        if await run_in_threadpool(ctx.users.check_password, call.user.email, pw) is None:
            raise Fail("bad_credentials", "Password is incorrect", "password", 401)
        ctx.require_otp(call, data)
        ctx.totp.disable(call.user_id)
        return ok({"totp": False})

    e = ctx.endpoint
    return [
        Route("/ui/session", e(session, session=False, mutating=False), methods=["GET"]),
        Route("/ui/signup", e(signup, session=False), methods=["POST"]),
        Route("/ui/login", e(login, session=False), methods=["POST"]),
        Route("/ui/logout", e(logout, session=False), methods=["POST"]),
        Route("/ui/password", e(password), methods=["POST"]),
        Route("/ui/totp/enrol", e(totp_enrol), methods=["POST"]),
        Route("/ui/totp/confirm", e(totp_confirm), methods=["POST"]),
        Route("/ui/totp/disable", e(totp_disable), methods=["POST"]),
    ]


def _user_error_text(exc: UserError) -> str:
    text = str(exc)
    if "already exists" in text:
        return "An account with this email already exists"
    if "not an email" in text:
        return "Enter a valid email address"
    return text[:1].upper() + text[1:]
