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
from .passwords import MIN_PASSWORD, set_password
from .replies import (SESSION_COOKIE, Fail, clear_session_cookie, client_ip, ok, read_json,
                      set_session_cookie, text_field)
from .sessions import SESSION_TTL_MS

__all__ = ["account_routes", "AccountEndpoints"]


def _session_data(ctx: WebContext, call: Call) -> dict:
    if call.session is None or call.user is None:
        return {"user": None, "demo": ctx.demo}
    row = call.session
    return {"user": {"id": call.user.id, "email": call.user.email}, "demo": ctx.demo,
            "csrf": row.csrf, "expiresMs": row.expires_ms, "totp": ctx.totp.enabled(call.user.id),
            "apiKey": row.api_key, "secretKey": row.secret, "passphrase": row.passphrase}


def _start_session(ctx: WebContext, call: Call, user_id: int) -> Response:
    # A browser that logs in again drops its previous session (and that session's key).
    ctx.sessions.close(call.request.cookies.get(SESSION_COOKIE))
    token = ctx.sessions.open(user_id, client_ip(call.request))
    response = ok({"userId": user_id})
    set_session_cookie(response, call.request, token, SESSION_TTL_MS // 1000)
    return response


class AccountEndpoints:
    """The handlers; ``routes()`` wraps each with the context's guards."""

    def __init__(self, ctx: WebContext) -> None:
        self.ctx = ctx

    def routes(self) -> List[Route]:
        e = self.ctx.endpoint
        return [
            Route("/ui/session", e(self.session, session=False, mutating=False), methods=["GET"]),
            Route("/ui/signup", e(self.signup, session=False), methods=["POST"]),
            Route("/ui/login", e(self.login, session=False), methods=["POST"]),
            Route("/ui/logout", e(self.logout, session=False), methods=["POST"]),
            Route("/ui/password", e(self.password), methods=["POST"]),
            Route("/ui/totp/enrol", e(self.totp_enrol), methods=["POST"]),
            Route("/ui/totp/confirm", e(self.totp_confirm), methods=["POST"]),
            Route("/ui/totp/disable", e(self.totp_disable), methods=["POST"]),
        ]

    async def session(self, call: Call) -> Response:
        return ok(_session_data(self.ctx, call))

    async def signup(self, call: Call) -> Response:
        data = await read_json(call.request)
        email = text_field(data, "email").strip()
        password = text_field(data, "password")
        if len(password) < MIN_PASSWORD:
            raise Fail("weak_password", f"Use at least {MIN_PASSWORD} characters", "password")
        try:
            user = await run_in_threadpool(self.ctx.users.create_user, email, password)
        except UserError as exc:
            raise Fail("invalid", _user_error_text(exc), "email") from None
        return _start_session(self.ctx, call, user.id)

    async def login(self, call: Call) -> Response:
        ctx = self.ctx
        data = await read_json(call.request)
        email = text_field(data, "email").strip()
        password = text_field(data, "password")
        otp = text_field(data, "otp", required=False, max_len=16)
        ip = client_ip(call.request)
        if ctx.throttle.blocked(ip, email):
            raise Fail("throttled", "Too many failed attempts; try again in a few minutes",
                       "password", 429)
        user = await run_in_threadpool(ctx.users.check_password, email, password)
        if user is None:
            ctx.throttle.failed(ip, email)
            raise Fail("bad_credentials", "Email or password is incorrect", "password", 401)
        if ctx.totp.enabled(user.id):
            if not otp:
                raise Fail("totp_required", "Enter the 6-digit code from your authenticator",
                           "otp", 401)
            if not ctx.totp.verify(user.id, otp):
                ctx.throttle.failed(ip, email)
                raise Fail("bad_otp", "The code is wrong or was already used", "otp", 401)
        ctx.throttle.succeeded(ip, email)
        return _start_session(ctx, call, user.id)

    async def logout(self, call: Call) -> Response:
        self.ctx.sessions.close(call.request.cookies.get(SESSION_COOKIE))
        response = ok(None)
        clear_session_cookie(response, call.request)
        return response

    async def password(self, call: Call) -> Response:
        ctx = self.ctx
        data = await read_json(call.request)
        current = text_field(data, "current")
        new = text_field(data, "new")
        await self._check_password(call, current, "current", "Current password is incorrect")
        ctx.require_otp(call, data)
        try:
            await run_in_threadpool(set_password, ctx.users, call.user_id, new)
        except UserError as exc:
            raise Fail("weak_password", _user_error_text(exc), "new") from None
        # Other browsers keep a copy of their session key: end them, keep this one.
        ctx.sessions.close_all(call.user_id, keep=call.request.cookies.get(SESSION_COOKIE))
        return ok(None)

    async def totp_enrol(self, call: Call) -> Response:
        assert call.user is not None
        try:
            return ok(self.ctx.totp.enrol(call.user.id, call.user.email))
        except ValueError as exc:
            raise Fail("invalid", str(exc), "otp") from None

    async def totp_confirm(self, call: Call) -> Response:
        data = await read_json(call.request)
        code = text_field(data, "otp", max_len=16)
        if not self.ctx.totp.confirm(call.user_id, code):
            raise Fail("bad_otp", "That code does not match; check the time on your device", "otp")
        return ok({"totp": True})

    async def totp_disable(self, call: Call) -> Response:
        data = await read_json(call.request)
        await self._check_password(call, text_field(data, "password"), "password",
                                   "Password is incorrect")
        self.ctx.require_otp(call, data)
        self.ctx.totp.disable(call.user_id)
        return ok({"totp": False})

    async def _check_password(self, call: Call, password: str, field: str, message: str) -> None:
        """Re-authentication for sensitive changes inside a session."""
        assert call.user is not None
        if await run_in_threadpool(self.ctx.users.check_password, call.user.email,
                                   password) is None:
            raise Fail("bad_credentials", message, field, 401)


def account_routes(ctx: WebContext) -> List[Route]:
    return AccountEndpoints(ctx).routes()


def _user_error_text(exc: UserError) -> str:
    text = str(exc)
    if "already exists" in text:
        return "An account with this email already exists"
    if "not an email" in text:
        return "Enter a valid email address"
    return text[:1].upper() + text[1:]
