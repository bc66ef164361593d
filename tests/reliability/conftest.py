"""In-process nodes for the reliability suite: the real node, app and sequencer, no network.

``Harness`` opens a ``Node`` on a temporary data dir, builds the server's ASGI app and
drives it with Starlette's ``TestClient`` (lifespan included, so the demo markets are
listed and the WebSocket gateway runs).  ``state()`` is what a request could change in
the engine: every balance (every owner, account and asset, available and frozen), the
open orders with what remains of them, the live plans and the withdrawals with their
status.  Equal before and after means a request changed nothing, however many refused
commands were journaled in between (and whatever the node's own background commands,
such as index-price updates, did meanwhile).
"""
from __future__ import annotations

import json
import time
import warnings
from pathlib import Path
from typing import Any, Dict, Iterator, Optional, Sequence, Tuple
from urllib.parse import quote, unquote

import pytest

warnings.filterwarnings("ignore", message=".*httpx.*starlette.testclient.*")

from starlette.testclient import TestClient  # noqa: E402

from openbourse.adapters.api.auth import sign  # noqa: E402
from openbourse.runtime.config import Config  # noqa: E402
from openbourse.runtime.node import Node  # noqa: E402
from openbourse.runtime.server import build_app  # noqa: E402

ALL_PERMS = ("read", "trade", "transfer", "withdraw")


class Harness:
    def __init__(self, data_dir: Path, *, rate_limit: bool = False, max_queue: int = 10_000,
                 ip: str = "testclient") -> None:
        config = Config(data_dir, demo=True, market_makers=False,
                        rate_limit_scale=1.0 if rate_limit else 0.0, max_queue=max_queue)
        self.node = Node(config).open()
        self.node.start()
        self.app = build_app(self.node)
        self.client = TestClient(self.app, client=(ip, 50000), raise_server_exceptions=False)
        self.client.__enter__()  # runs the lifespan: demo markets, gateway, admin socket
        self._users = 0

    def close(self) -> None:
        try:
            self.client.__exit__(None, None, None)
        finally:
            self.node.close()

    def other_client(self, ip: str) -> TestClient:
        """Another client address on the same running app (no second lifespan)."""
        return TestClient(self.app, client=(ip, 50001), raise_server_exceptions=False)

    # -- users and keys ------------------------------------------------------------------
    def user(self, funds: Optional[Dict[str, str]] = None, perms: Sequence[str] = ALL_PERMS,
             ips: Sequence[str] = (), admin: bool = False) -> Dict[str, Any]:
        """A user with a key (``apiKey``/``secretKey``/``passphrase``, ``user``) and funds."""
        users = self.node.users
        assert users is not None
        self._users += 1
        email = f"rel{self._users}-{time.time_ns()}@test.io"
        created = users.create_user(email, "correct-horse-9", admin=admin)
        creds = users.create_key(created.id, tuple(perms), ips=tuple(ips))
        for asset, amount in (funds or {}).items():
            self.deposit(created.id, asset, amount)
        return {**creds, "user": created.id, "email": email}

    def key(self, user: Dict[str, Any], perms: Sequence[str], ips: Sequence[str] = ()
            ) -> Dict[str, Any]:
        assert self.node.users is not None
        creds = self.node.users.create_key(user["user"], tuple(perms), ips=tuple(ips))
        return {**creds, "user": user["user"], "email": user["email"]}

    def deposit(self, user_id: int, asset: str, amount: str) -> None:
        from openbourse.core.commands import Deposit
        from openbourse.core.enums import AccountType
        from openbourse.core.units import to_units

        scale = self.node.catalog.assets[asset]
        ref = f"rel-dep-{time.time_ns()}"
        future = self.node.sequencer.submit(  # type: ignore[union-attr]
            Deposit(0, user_id, int(AccountType.SPOT), asset, to_units(amount, scale), ref))
        future.result(30)

    # -- requests --------------------------------------------------------------------------
    def signed(self, method: str, path: str, params: Any = None, creds: Optional[Dict] = None,
               *, ts: Optional[str] = None, secret: Optional[str] = None,
               raw_body: Optional[bytes] = None, client: Optional[TestClient] = None,
               drop: Tuple[str, ...] = ()) -> Tuple[int, Any, Dict[str, str], bytes]:
        """Send a signed request; returns (status, json or None, headers sent, body sent)."""
        query, body = "", b""
        if method == "GET":
            query = "&".join(f"{quote(str(k), safe='')}={quote(str(v), safe='')}"
                             for k, v in sorted((params or {}).items()))
        elif raw_body is not None:
            body = raw_body
        else:
            body = json.dumps(params if params is not None else {},
                              separators=(",", ":")).encode()
        headers = self.sign_headers(method, path, query, body, creds, ts=ts, secret=secret)
        for name in drop:
            headers.pop(name, None)
        return self.send(method, path, query, body, headers, client)

    def sign_headers(self, method: str, path: str, query: str, body: bytes,
                     creds: Optional[Dict], *, ts: Optional[str] = None,
                     secret: Optional[str] = None) -> Dict[str, str]:
        if creds is None:
            return {"Content-Type": "application/json"}
        timestamp = ts or str(time.time_ns() // 1_000_000)
        prehash = timestamp + method + path + ("?" + unquote(query) if query else "")
        signature = sign(secret or creds["secretKey"], prehash + body.decode("utf-8", "replace"))
        if b"\\" in body or not body.isascii():  # sign the raw bytes exactly
            import base64
            import hashlib
            import hmac

            mac = hmac.new((secret or creds["secretKey"]).encode(), prehash.encode(),
                           hashlib.sha256)
            mac.update(body)
            signature = base64.b64encode(mac.digest()).decode()
        return {"ACCESS-KEY": creds["apiKey"], "ACCESS-SIGN": signature,
                "ACCESS-TIMESTAMP": timestamp, "ACCESS-PASSPHRASE": creds["passphrase"],
                "Content-Type": "application/json"}

    def send(self, method: str, path: str, query: str, body: bytes, headers: Dict[str, str],
             client: Optional[TestClient] = None) -> Tuple[int, Any, Dict[str, str], bytes]:
        client = client or self.client
        url = path + ("?" + query if query else "")
        response = client.request(method, url, content=body or None, headers=headers)
        try:
            payload = response.json()
        except ValueError:
            payload = None
        return response.status_code, payload, headers, body

    # -- state -----------------------------------------------------------------------------
    def state(self) -> Tuple[Any, ...]:
        """Balances, open orders, plans and withdrawals (see the module doc)."""
        return self.node.sequencer.query(user_state, timeout=30)  # type: ignore[union-attr]

    def seq(self) -> int:
        return self.node.sequencer.last_seq  # type: ignore[union-attr]


def user_state(state: Any) -> Tuple[Any, ...]:
    balances = sorted((b.owner, b.account, b.asset, b.available, b.frozen)
                      for b in state.ledger)
    orders = sorted((o.order_id, o.user, o.remaining) for o in state.orders.values())
    plans = sorted(state.plans)
    withdrawals = sorted((w.withdrawal_id, w.status) for w in state.withdrawals.values())
    return tuple(balances), tuple(orders), tuple(plans), tuple(withdrawals)


def assert_envelope(status: int, payload: Any, where: str = "") -> None:
    """Every /api answer: no 5xx (but 503 busy), Bitget envelope, data null on errors."""
    assert status < 500 or (payload or {}).get("code") in ("40604",), (where, status, payload)
    assert isinstance(payload, dict), (where, status, payload)
    assert isinstance(payload.get("code"), str) and isinstance(payload.get("msg"), str), \
        (where, payload)
    assert "data" in payload and isinstance(payload.get("requestTime"), int), (where, payload)
    if payload["code"] != "00000":
        assert payload["data"] is None, (where, payload)


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    h = Harness(tmp_path_factory.mktemp("reliability"))
    yield h
    h.close()
