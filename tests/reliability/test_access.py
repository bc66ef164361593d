"""The access matrix: every private REST endpoint and WebSocket channel against every way in.

REST, for each private endpoint: no key, a bad signature, a stale and a future timestamp,
a replayed request, a revoked key, a key without the endpoint's permission (or without
the admin role) and a key used from outside its IP allow-list are all refused with
Bitget's code; another user's ids change nothing.  WebSocket: the private channels need
a login, and a login is refused the same ways; a revoked key's connection is dropped;
nobody receives another user's pushes.  Log-in guessing is throttled (web UI and WS).
Secrets are returned once, never listed, never logged, and the passphrase is not stored.
The engine state (per-command counters masked) is the same at the end as at the start
of each part: no refused request changed anything.
"""
from __future__ import annotations

import json
import logging
import time
from typing import Any, Dict, Iterator, List, Tuple

import pytest
from starlette.websockets import WebSocketDisconnect

from openbourse.adapters.api.auth import sign
from openbourse.adapters.api.rest import route_table

from .conftest import ALL_PERMS, Harness, assert_envelope

ROUTES = route_table()
PRIVATE = sorted(p for p, e in ROUTES.items() if e.permission is not None)
PRIVATE_WS = ["orders", "fill", "account", "orders-algo"]


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: List[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # noqa: BLE001
            text = str(record.msg)
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        self.texts.append(text)


@pytest.fixture(scope="module")
def logs() -> Iterator[_Collect]:
    handler = _Collect()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture(scope="module")
def world(harness: Harness, logs: _Collect) -> Dict[str, Any]:
    h = harness
    victim = h.user({"USDT": "1000", "BTC": "1"})
    code = lambda r: r[1]["code"]  # noqa: E731
    order = h.signed("POST", "/api/v2/spot/trade/place-order",
                     {"symbol": "BTCUSDT", "side": "buy", "orderType": "limit", "force": "gtc",
                      "price": "100", "size": "0.01", "clientOid": "victim-order"}, victim)
    assert code(order) == "00000", order
    sell = h.signed("POST", "/api/v2/spot/trade/place-order",
                    {"symbol": "BTCUSDT", "side": "sell", "orderType": "limit", "force": "gtc",
                     "price": "90000", "size": "0.01", "clientOid": "victim-sell"}, victim)
    assert code(sell) == "00000", sell
    withdrawal = h.signed("POST", "/api/v2/spot/wallet/withdrawal",
                          {"coin": "USDT", "transferType": "on_chain", "address": "victim-addr",
                           "size": "5", "clientOid": "victim-wd"}, victim)
    assert code(withdrawal) == "00000", withdrawal
    full = h.user()  # every permission, no funds: whatever it is refused, it has nothing
    return {
        "victim": victim, "order": order[1]["data"]["orderId"],
        "withdrawal": withdrawal[1]["data"]["orderId"],
        "full": full,
        "revoked": h.key(full, ALL_PERMS),
        "fenced": h.key(full, ALL_PERMS, ips=("10.9.8.7",)),
        "lacking": {perm: h.key(full, [p for p in ALL_PERMS if p != perm]) for perm in ALL_PERMS},
    }


def _refused(h: Harness, path: str, expect: str, **kw: Any) -> None:
    endpoint = ROUTES[path]
    status, payload, _, _ = h.signed(endpoint.method, path, {}, **kw)
    assert_envelope(status, payload, path)
    assert payload["code"] == expect, (path, kw.get("creds", {}).get("apiKey"), payload)


@pytest.mark.parametrize("path", PRIVATE)
def test_rest_matrix(harness: Harness, world: Dict[str, Any], path: str) -> None:
    h = harness
    endpoint = ROUTES[path]
    full = world["full"]
    now = time.time_ns() // 1_000_000
    before = h.state()
    _refused(h, path, "40001", creds=None)  # no key at all
    _refused(h, path, "40009", creds=full, secret="0" * 64)  # signed with the wrong secret
    _refused(h, path, "40008", creds=full, ts=str(now - 60_000))  # stale
    _refused(h, path, "40008", creds=full, ts=str(now + 60_000))  # from the future
    if world["revoked"]["apiKey"] not in world.setdefault("revoked_done", set()):
        h.node.users.revoke_key(world["revoked"]["apiKey"])  # type: ignore[union-attr]
        world["revoked_done"].add(world["revoked"]["apiKey"])
    _refused(h, path, "40006", creds=world["revoked"])  # revoked key
    _refused(h, path, "40018", creds=world["fenced"])  # outside the key's IP allow-list
    if "/openbourse/admin/" in path:
        _refused(h, path, "40014", creds=full)  # every permission, but no admin role
    else:
        _refused(h, path, "40014", creds=world["lacking"][endpoint.permission])
    # replayed: the same signed request twice; the second is refused whatever the first got
    query = ""
    body = b"" if endpoint.method == "GET" else b"{}"
    headers = h.sign_headers(endpoint.method, path, query, body, full)
    first = h.send(endpoint.method, path, query, body, headers)
    assert_envelope(first[0], first[1], path)
    again = h.send(endpoint.method, path, query, body, headers)
    assert_envelope(again[0], again[1], path)
    assert again[1]["code"] == "40008" and "replayed" in again[1]["msg"], (path, again[1])
    # missing pieces of the signature
    for header, code in (("ACCESS-SIGN", "40003"), ("ACCESS-PASSPHRASE", "40011"),
                         ("ACCESS-TIMESTAMP", "40005")):
        status, payload, _, _ = h.signed(endpoint.method, path, {}, full, drop=(header,))
        assert payload["code"] == code, (path, header, payload)
    assert h.state() == before, f"a refused request to {path} changed the engine state"


def _victim_params(world: Dict[str, Any]) -> Dict[str, Any]:
    return {"symbol": "BTCUSDT", "orderId": world["order"], "clientOid": "victim-order",
            "coin": "USDT", "newClientOid": "intruder-new", "price": "101", "size": "0.01",
            "orderIdList": [world["order"]], "planType": "normal_plan"}


@pytest.mark.parametrize("path", sorted(p for p in PRIVATE if ROUTES[p].method == "POST"))
def test_another_users_ids_change_nothing(harness: Harness, world: Dict[str, Any],
                                          path: str) -> None:
    """An intruder (every permission, no funds) names the victim's ids: nothing happens.

    Which reads reveal nothing is checked field by field in tests/api/test_isolation.py
    (which also checks that it covers every private endpoint)."""
    h = harness
    before = h.state()
    accepted = ROUTES[path].params
    params = {k: v for k, v in _victim_params(world).items() if k in accepted}
    if "orderList" in accepted:
        params["orderList"] = [{"orderId": world["order"], "clientOid": "victim-order",
                                "symbol": "BTCUSDT"}]
    if "withdrawal" in path or "/admin/" in path:
        params["orderId"] = world["withdrawal"]
    status, payload, _, _ = h.signed("POST", path, params, world["full"])
    assert_envelope(status, payload, path)
    assert h.state() == before, f"{path} with another user's ids changed the engine state"


# -- WebSocket ------------------------------------------------------------------------------
def _login_frame(creds: Dict[str, Any], ts: int, secret: str = "") -> str:
    signature = sign(secret or creds["secretKey"], f"{ts}GET/user/verify")
    return json.dumps({"op": "login", "args": [{"apiKey": creds["apiKey"],
                                                "passphrase": creds["passphrase"],
                                                "timestamp": str(ts), "sign": signature}]})


def _first(ws: Any, event: str = "") -> Dict[str, Any]:
    while True:
        text = ws.receive_text()
        if text == "pong":
            continue
        frame = json.loads(text)
        if not event or frame.get("event") == event or frame.get("action") == event:
            return frame


def test_ws_private_channels_need_a_login(harness: Harness, world: Dict[str, Any]) -> None:
    with harness.client.websocket_connect("/v2/ws/private") as ws:
        for channel in PRIVATE_WS:
            ws.send_text(json.dumps({"op": "subscribe", "args": [
                {"instType": "SPOT", "channel": channel, "instId": "default"}]}))
            frame = _first(ws)
            assert frame["event"] == "error" and frame["code"] == 30004, frame
    with harness.client.websocket_connect("/v2/ws/public") as ws:  # no login on public
        ws.send_text(_login_frame(world["full"], int(time.time())))
        assert _first(ws)["code"] == 30003


def test_ws_login_matrix(harness: Harness, world: Dict[str, Any]) -> None:
    full = world["full"]
    now = int(time.time())
    reader_less = world["lacking"]["read"]
    cases: List[Tuple[str, int]] = [
        (json.dumps({"op": "login", "args": [{}]}), 30016),  # no key
        (_login_frame({**full, "apiKey": "bg_nope"}, now), 30011),  # unknown key
        (_login_frame(full, now, secret="0" * 64), 30015),  # bad signature
        (_login_frame(full, now - 120), 30014),  # stale
        (_login_frame(full, now + 120), 30014),  # from the future
        (_login_frame(world["revoked"], now), 30011),  # revoked
        (_login_frame(world["fenced"], now), 30002),  # outside the IP allow-list
        (_login_frame(reader_less, now), 30011),  # no read permission
    ]
    with harness.other_client("10.3.3.3").websocket_connect("/v2/ws/private") as ws:
        for text, code in cases:
            ws.send_text(text)
            frame = _first(ws)
            assert frame["event"] == "error" and frame["code"] == code, (text[:80], frame)
        # replayed: a login captured here is refused from another address
        frame_text = _login_frame(full, now)
        ws.send_text(frame_text)
        assert _first(ws)["event"] == "login"
    with harness.other_client("10.4.4.4").websocket_connect("/v2/ws/private") as ws:
        ws.send_text(frame_text)
        frame = _first(ws)
        assert frame["event"] == "error" and frame["code"] == 30014 and "replayed" in frame["msg"]


def test_ws_revoked_key_is_dropped_and_users_are_isolated(harness: Harness,
                                                          world: Dict[str, Any]) -> None:
    h = harness
    alice = h.user({"USDT": "1000"})
    bob = h.user({"USDT": "1000"})
    alice_key = h.key(alice, ALL_PERMS)
    now = int(time.time())
    arg = {"instType": "SPOT", "channel": "orders", "instId": "default"}
    with h.client.websocket_connect("/v2/ws/private") as wa, \
            h.client.websocket_connect("/v2/ws/private") as wb:
        for ws, creds in ((wa, alice_key), (wb, bob)):
            ws.send_text(_login_frame(creds, now))
            assert _first(ws)["event"] == "login"
            ws.send_text(json.dumps({"op": "subscribe", "args": [arg]}))
            assert _first(ws)["event"] == "subscribe"
        placed = h.signed("POST", "/api/v2/spot/trade/place-order",
                          {"symbol": "BTCUSDT", "side": "buy", "orderType": "limit",
                           "force": "gtc", "price": "100", "size": "0.01"}, alice)
        assert placed[1]["code"] == "00000"
        push = _first(wa, "snapshot")
        assert push["data"][0]["orderId"] == placed[1]["data"]["orderId"]
        wb.send_text("ping")
        assert wb.receive_text() == "pong"  # bob got nothing of alice's before the pong
        h.node.users.revoke_key(alice_key["apiKey"])  # type: ignore[union-attr]
        deadline = time.monotonic() + 10
        dropped = False
        while time.monotonic() < deadline and not dropped:
            try:
                frame = _first(wa)
                dropped = frame.get("event") == "error" and "revoked" in frame.get("msg", "")
            except WebSocketDisconnect:
                dropped = True
        assert dropped, "a connection logged in with a revoked key kept its private feed"


# -- brute force ----------------------------------------------------------------------------
def test_ws_login_guessing_is_throttled(harness: Harness, world: Dict[str, Any]) -> None:
    client = harness.other_client("10.5.5.5")
    now = int(time.time())
    failures = 0
    blocked = False
    for _ in range(40):
        with client.websocket_connect("/v2/ws/private") as ws:  # a new connection each time
            ws.send_text(_login_frame(world["full"], now, secret=f"{failures:064d}"))
            frame = _first(ws)
            if frame["code"] == 30006:
                blocked = True
                break
            failures += 1
    assert blocked and failures == 20, failures
    with client.websocket_connect("/v2/ws/private") as ws:  # even the right login now waits
        ws.send_text(_login_frame(world["full"], now + 1))
        assert _first(ws)["code"] == 30006
    with harness.other_client("10.5.5.6").websocket_connect("/v2/ws/private") as ws:
        ws.send_text(_login_frame(world["full"], now + 2))  # another address is not affected
        assert _first(ws)["event"] == "login"


def test_web_login_guessing_is_throttled(harness: Harness) -> None:
    pytest.importorskip("openbourse.adapters.webui")
    client = harness.other_client("10.6.6.6")
    origin = {"Origin": "http://testserver"}
    real = harness.user()
    statuses = []
    for index in range(60):  # spraying one password over many accounts
        response = client.post("/ui/login", json={"email": f"nobody{index}@test.io",
                                                  "password": "Winter2026!"}, headers=origin)
        statuses.append(response.status_code)
        if response.status_code == 429:
            break
    assert statuses[-1] == 429 and statuses.count(401) == 50, statuses
    response = client.post("/ui/login", json={"email": real["email"],
                                              "password": "correct-horse-9"}, headers=origin)
    assert response.status_code == 429  # blocked address: even the right password waits
    other = harness.other_client("10.6.6.7").post(
        "/ui/login", json={"email": real["email"], "password": "correct-horse-9"},
        headers=origin)
    assert other.status_code == 200, other.text


# -- secrets --------------------------------------------------------------------------------
def test_secrets_are_shown_once_and_never_logged(harness: Harness, world: Dict[str, Any],
                                                 logs: _Collect) -> None:
    users = harness.node.users
    assert users is not None
    full = world["full"]
    created = [full, world["revoked"], world["fenced"], *world["lacking"].values()]
    listing = users.keys_of(full["user"])
    assert len(listing) == len(created)
    text = json.dumps(listing)
    for creds in created:
        assert creds["secretKey"] not in text and creds["passphrase"] not in text
        assert set(listing[0]) == {"apiKey", "permissions", "ipAllow", "label", "createdMs",
                                   "revoked"}
    database = (harness.node.config.data_dir / "users.db").read_bytes()
    wal = harness.node.config.data_dir / "users.db-wal"
    if wal.exists():
        database += wal.read_bytes()
    for creds in created:  # the passphrase is stored salted and hashed only
        assert creds["passphrase"].encode() not in database
    logged = "\n".join(logs.texts)
    assert logs.texts, "the log collector saw nothing: the check would be vacuous"
    for creds in created + [world["victim"]]:
        assert creds["secretKey"] not in logged and creds["passphrase"] not in logged
