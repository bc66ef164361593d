"""The UI's account endpoints in-process (no browser): guards, sessions, keys, TOTP, demo."""
from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any, Iterator, List

import httpx
import pyotp
import pytest
from starlette.applications import Starlette

from openbourse.adapters.readmodels.catalog import Catalog
from openbourse.adapters.users import UserStore
from openbourse.adapters.webui.account import account_routes
from openbourse.adapters.webui.context import WebContext
from openbourse.adapters.webui.demo import demo_routes
from openbourse.adapters.webui.keys import key_routes
from openbourse.core import commands as c
from openbourse.core import events as ev

ORIGIN = {"Origin": "http://testserver"}


class Client:
    """httpx against the ASGI app in-process (keeps cookies).  The app runs on its own loop
    in a thread, because Playwright's sync API owns this thread's loop in the same session."""

    def __init__(self, app: Starlette) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                      base_url="http://testserver")

    def _run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=60)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self._run(self.http.get(path, **kwargs))

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self._run(self.http.post(path, **kwargs))

    def close(self) -> None:
        self._run(self.http.aclose())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


class Harness:
    def __init__(self, tmp: Path, demo: bool = True) -> None:
        self.users = UserStore(tmp / "users.db")
        self.commands: List[Any] = []
        catalog = Catalog()
        catalog.apply([ev.AssetListed(0, 0, "USDT", 6), ev.AssetListed(0, 0, "BTC", 8)])

        async def submit(command: Any) -> List[Any]:
            self.commands.append(command)
            return []

        self.ctx = WebContext(self.users, submit, catalog, tmp, demo)
        app = Starlette(routes=[*account_routes(self.ctx), *key_routes(self.ctx),
                                *demo_routes(self.ctx)])
        self.client = Client(app)

    def signup(self, email: str = "ann@example.com", password: str = "password 1") -> dict:
        reply = self.client.post("/ui/signup", json={"email": email, "password": password},
                                 headers=ORIGIN)
        assert reply.status_code == 200, reply.text
        return self.client.get("/ui/session").json()["data"]

    def close(self) -> None:
        self.client.close()
        self.ctx.close()
        self.users.close()

    def post(self, path: str, body: dict, csrf: str) -> Any:
        return self.client.post(path, json=body, headers={**ORIGIN, "X-CSRF-Token": csrf})


@pytest.fixture()
def h(tmp_path: Path) -> Iterator[Harness]:
    harness = Harness(tmp_path)
    yield harness
    harness.close()


def test_state_changes_need_same_origin(h: Harness) -> None:
    reply = h.client.post("/ui/signup", json={"email": "a@b.io", "password": "password 1"})
    assert reply.status_code == 403
    reply = h.client.post("/ui/signup", json={"email": "a@b.io", "password": "password 1"},
                          headers={"Origin": "http://evil.example"})
    assert reply.status_code == 403
    assert h.users.users() == []


def test_signup_starts_a_session_with_a_scoped_key(h: Harness) -> None:
    reply = h.client.post("/ui/signup",
                          json={"email": "ann@example.com", "password": "password 1"},
                          headers=ORIGIN)
    cookie = reply.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    session = h.client.get("/ui/session").json()["data"]
    assert session["user"]["email"] == "ann@example.com" and session["demo"] is True
    key = h.users.lookup_key(session["apiKey"])
    assert key is not None and key.permissions == {"read", "trade", "transfer"}
    assert key.ip_allow == {"127.0.0.1"}  # bound to the address that logged in
    assert key.passphrase_ok(session["passphrase"])


def test_csrf_token_is_required_inside_a_session(h: Harness) -> None:
    session = h.signup()
    body = {"label": "bot", "permissions": ["trade"]}
    assert h.client.post("/ui/keys/create", json=body, headers=ORIGIN).status_code == 403
    assert h.post("/ui/keys/create", body, "wrong").status_code == 403
    created = h.post("/ui/keys/create", body, session["csrf"]).json()["data"]
    assert created["permissions"] == "read,trade" and len(created["secretKey"]) == 64


def test_logout_and_expiry_revoke_the_session_key(h: Harness) -> None:
    session = h.signup()
    h.post("/ui/logout", {}, session["csrf"])
    assert h.users.lookup_key(session["apiKey"]) is None
    assert h.client.get("/ui/session").json()["data"]["user"] is None

    h.client.post("/ui/login", json={"email": "ann@example.com", "password": "password 1"},
                  headers=ORIGIN)
    first = h.client.get("/ui/session").json()["data"]
    h.client.post("/ui/login", json={"email": "ann@example.com", "password": "password 1"},
                  headers=ORIGIN)
    second = h.client.get("/ui/session").json()["data"]
    assert h.users.lookup_key(first["apiKey"]) is None  # logging in again replaced that session
    assert h.users.lookup_key(second["apiKey"]) is not None
    h.ctx.sessions.clock_ms = lambda: second["expiresMs"]  # the session's last millisecond is over
    assert [r.api_key for r in h.ctx.sessions.sweep()] == [second["apiKey"]]
    assert h.users.lookup_key(second["apiKey"]) is None


def test_login_is_throttled_after_repeated_failures(h: Harness) -> None:
    h.signup()
    for _ in range(10):
        reply = h.client.post("/ui/login",
                              json={"email": "ann@example.com", "password": "nope nope"},
                              headers=ORIGIN)
        assert reply.json()["code"] == "bad_credentials"
    reply = h.client.post("/ui/login", json={"email": "ann@example.com", "password": "password 1"},
                          headers=ORIGIN)
    assert reply.status_code == 429 and reply.json()["field"] == "password"


def test_totp_codes_work_once(h: Harness) -> None:
    session = h.signup()
    secret = h.post("/ui/totp/enrol", {}, session["csrf"]).json()["data"]["secret"]
    totp = pyotp.TOTP(secret)
    assert h.post("/ui/totp/confirm", {"otp": totp.now()},
                  session["csrf"]).json()["data"] == {"totp": True}
    user_id = session["user"]["id"]
    later = totp.at(int(time.time()) + totp.interval)
    assert h.ctx.totp.verify(user_id, later) is True
    assert h.ctx.totp.verify(user_id, later) is False  # the same step twice is a replay
    reply = h.client.post("/ui/login", json={"email": "ann@example.com", "password": "password 1"},
                          headers=ORIGIN)
    assert reply.json()["code"] == "totp_required" and reply.json()["field"] == "otp"


def test_keys_of_other_users_cannot_be_revoked(h: Harness) -> None:
    other = h.users.create_user("bob@example.com", "password 2")
    bobs = h.users.create_key(other.id, ("read",), label="bob")
    session = h.signup()
    reply = h.post("/ui/keys/revoke", {"apiKey": bobs["apiKey"]}, session["csrf"])
    assert reply.status_code == 404
    assert h.users.lookup_key(bobs["apiKey"]) is not None
    # the session's own key is not a user key either
    assert h.post("/ui/keys/revoke", {"apiKey": session["apiKey"]},
                  session["csrf"]).status_code == 404
    assert h.client.get("/ui/keys").json()["data"] == []


def test_bad_key_input_points_at_the_field(h: Harness) -> None:
    session = h.signup()
    reply = h.post("/ui/keys/create",
                   {"label": "x", "permissions": ["trade"], "ips": "10.0.0.1, nonsense"},
                   session["csrf"]).json()
    assert reply["field"] == "ips" and "nonsense" in reply["msg"]
    reply = h.post("/ui/keys/create", {"label": "x", "permissions": ["admin"]},
                   session["csrf"]).json()
    assert reply["field"] == "permissions"


def test_demo_money_is_journaled_commands(h: Harness) -> None:
    session = h.signup()
    user = session["user"]["id"]
    assert (h.post("/ui/demo/funds", {}, session["csrf"]).json()["data"]
            == {"USDT": "10000", "BTC": "0.5"})
    deposits = [cmd for cmd in h.commands if isinstance(cmd, c.Deposit)]
    assert [(d.user, d.asset, d.amount) for d in deposits] == [(user, "USDT", 10_000 * 10**6),
                                                               (user, "BTC", 5 * 10**7)]
    assert len({d.ref for d in deposits}) == 2  # every credit has its own idempotency reference
    reply = h.post("/ui/demo/deposit", {"coin": "BTC", "amount": "0.123456789"},
                   session["csrf"]).json()
    assert reply["field"] == "amount"  # more decimals than BTC's scale
    reply = h.post("/ui/demo/deposit", {"coin": "BTC", "amount": "21"}, session["csrf"]).json()
    assert reply["field"] == "amount" and "limited" in reply["msg"]
    h.post("/ui/demo/withdraw", {"coin": "USDT", "amount": "5"}, session["csrf"])
    assert ([type(cmd).__name__ for cmd in h.commands[-2:]]
            == ["RequestWithdrawal", "CompleteWithdrawal"])


def test_demo_money_only_on_demo_installs(tmp_path: Path) -> None:
    harness = Harness(tmp_path, demo=False)
    session = harness.signup()
    assert harness.post("/ui/demo/funds", {}, session["csrf"]).status_code == 404
    assert harness.commands == []
    harness.close()
