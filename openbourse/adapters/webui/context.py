"""What the account endpoints share: the node's user directory and sequencer, the web store.

``WebContext.endpoint`` wraps every account handler with the checks it must not forget:
same-origin for state changes, the session (when required) and its CSRF token, the
sweep of expired sessions, and the translation of ``Fail`` into an error reply.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional

from starlette.requests import Request
from starlette.responses import Response

from ...core.commands import Command
from ..readmodels.catalog import Catalog
from ..users import User, UserStore
from .guards import LoginThrottle, csrf_ok, same_origin
from .replies import SESSION_COOKIE, Fail, fail, text_field
from .sessions import SessionManager
from .store import SessionRow, WebStore
from .totp import Totp

__all__ = ["WebContext", "Call", "Handler"]

Submit = Callable[[Command], Awaitable[List[Any]]]


@dataclass
class Call:
    """One request as a handler sees it: the request, and the session when there is one."""

    request: Request
    session: Optional[SessionRow]
    user: Optional[User]

    @property
    def user_id(self) -> int:
        assert self.user is not None
        return self.user.id


Handler = Callable[[Call], Awaitable[Response]]


@dataclass
class WebContext:
    users: UserStore
    submit: Submit
    catalog: Catalog
    data_dir: Path
    demo: bool
    store: WebStore = field(init=False)
    sessions: SessionManager = field(init=False)
    totp: Totp = field(init=False)
    throttle: LoginThrottle = field(init=False)
    _sweeper: Optional[asyncio.TimerHandle] = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.store = WebStore(self.data_dir / "webui.sqlite")
        self.sessions = SessionManager(self.store, self.users)
        self.totp = Totp(self.store)
        self.throttle = LoginThrottle()

    def endpoint(self, handler: Handler, *, session: bool = True,
                 mutating: bool = True) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            self._ensure_sweeper()
            try:
                if mutating and not same_origin(request):
                    raise Fail("forbidden", "Cross-site request refused", status=403)
                row = self.sessions.get(request.cookies.get(SESSION_COOKIE))
                user = self.users.user_by_id(row.user_id) if row is not None else None
                if session:
                    if row is None or user is None:
                        raise Fail("login_required", "Please log in again", status=401)
                    if mutating and not csrf_ok(request, row.csrf):
                        raise Fail("forbidden", "Missing or wrong CSRF token", status=403)
                return await handler(Call(request, row, user))
            except Fail as exc:
                return fail(exc)
        return run

    def require_otp(self, call: Call, data: Dict[str, Any]) -> None:
        """Sensitive changes need a fresh TOTP code when two-factor authentication is on."""
        if not self.totp.enabled(call.user_id):
            return
        code = text_field(data, "otp", required=False, max_len=16)
        if not code:
            raise Fail("totp_required", "Enter the 6-digit code from your authenticator",
                       "otp", 401)
        if not self.totp.verify(call.user_id, code):
            raise Fail("bad_otp", "The code is wrong or was already used", "otp", 401)

    def _ensure_sweeper(self) -> None:
        """Revoke expired sessions' keys every minute, even if nobody visits the UI."""
        if self._sweeper is not None:
            return
        loop = asyncio.get_running_loop()

        def tick() -> None:
            self.sessions.sweep()
            self._sweeper = loop.call_later(60.0, tick)

        self._sweeper = loop.call_later(60.0, tick)
        self.sessions.sweep()

    def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
        self.store.close()
