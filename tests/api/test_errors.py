"""Bad input on every endpoint: the Bitget code ccxt maps to the right exception, no state change.

BTC/USDC is this module's market; nothing here may ever trade or change a balance.
"""

from __future__ import annotations

import json
import time
from typing import Any, Dict, List

import ccxt
import pytest

from openbourse.adapters.api.rest import route_table

from .conftest import Raw, Server, ccxt_client

ROUTES = route_table()
PRIVATE = sorted(p for p, e in ROUTES.items() if e.permission is not None)
EXACT = ccxt.bitget().exceptions["exact"]


def ccxt_class(code: str) -> type:
    return EXACT.get(code, ccxt.ExchangeError)


def call(client: Raw, path: str, params: Dict[str, Any], **kw: Any) -> Dict[str, Any]:
    endpoint = ROUTES[path]
    if endpoint.method == "GET":
        query = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
        return client.get(path, query, **kw).json()
    return client.post(path, params, **kw).json()


def snapshot(client: Raw) -> Any:
    """Everything a bad request could have changed for this user."""
    assets = call(client, "/api/v2/spot/account/assets", {})["data"]
    unfilled = call(client, "/api/v2/spot/trade/unfilled-orders", {})["data"]
    history = call(client, "/api/v2/spot/trade/history-orders", {})["data"]
    plans = call(client, "/api/v2/spot/trade/current-plan-order", {"symbol": "BTCUSDC"})["data"]
    return assets, unfilled, history, plans["orderList"]


@pytest.fixture(scope="module")
def quiet(tmp_path_factory: pytest.TempPathFactory):
    """A node without rate limits: these tests fire hundreds of requests per second."""
    srv = Server(
        tmp_path_factory.mktemp("errors"), ["--no-market-makers", "--no-rate-limit"]
    ).start()
    yield srv
    srv.stop()


_users = [0]


@pytest.fixture
def make_user(quiet: Server):
    def make(funds: Dict[str, str], perms: str = "read,trade,transfer") -> Dict[str, str]:
        _users[0] += 1
        return quiet.user(f"err{_users[0]}@test.io", funds, perms)

    return make


@pytest.fixture
def raw(quiet: Server):
    return lambda creds: Raw(quiet.url, creds)


@pytest.fixture(scope="module")
def victim_setup(quiet: Server):
    perms = "read,trade,transfer,withdraw"  # every endpoint reaches its parameter checks
    client = Raw(quiet.url, quiet.user("victim@test.io", {"USDC": "1000", "BTC": "0.01"}, perms))
    resting = call(
        client,
        "/api/v2/spot/trade/place-order",
        {
            "symbol": "BTCUSDC",
            "side": "buy",
            "orderType": "limit",
            "force": "gtc",
            "price": "100",
            "size": "0.01",
        },
    )
    assert resting["code"] == "00000"
    return client, snapshot(client)


@pytest.fixture
def victim(victim_setup):
    client, before = victim_setup
    yield client
    assert snapshot(client) == before, "a rejected request changed state"


@pytest.mark.parametrize("path", PRIVATE)
def test_auth_errors_on_every_private_endpoint(path: str, victim: Raw, raw) -> None:
    stale = str(int(time.time() * 1000) - 60_000)
    cases = [
        ({"secret": "0" * 64}, "40009", ccxt.AuthenticationError),
        ({"ts": stale}, "40008", ccxt.InvalidNonce),
        ({"ts": "17000abc"}, "40005", ccxt.InvalidNonce),
        ({"passphrase": "wrong-passphrase"}, "40012", ccxt.AuthenticationError),
    ]
    for kwargs, code, exc in cases:
        body = call(victim, path, {}, **kwargs)
        assert body["code"] == code, (path, kwargs, body)
        assert issubclass(ccxt_class(code), exc)
    unknown = raw({"apiKey": "bg_nope", "secretKey": "s", "passphrase": "p"})
    assert call(unknown, path, {})["code"] == "40006"
    endpoint = ROUTES[path]
    for header, code in (
        ("ACCESS-KEY", "40001"),
        ("ACCESS-SIGN", "40003"),
        ("ACCESS-PASSPHRASE", "40011"),
    ):
        headers = victim.headers(endpoint.method, path)
        del headers[header]
        response = victim.http.request(endpoint.method, path, headers=headers, content=b"{}")
        assert response.json()["code"] == code and response.status_code == 400
        assert issubclass(ccxt_class(code), ccxt.AuthenticationError)


def test_permissions_and_ip_allow_list(quiet: Server, make_user, raw) -> None:
    read_only = raw(make_user({"USDC": "10"}, perms="read"))
    assert call(read_only, "/api/v2/spot/account/assets", {})["code"] == "00000"
    for path in (
        "/api/v2/spot/trade/place-order",
        "/api/v2/spot/trade/cancel-symbol-order",
        "/api/v2/spot/wallet/transfer",
        "/api/v2/spot/trade/place-plan-order",
    ):
        assert call(read_only, path, {"symbol": "BTCUSDC"})["code"] == "40014"
    assert issubclass(ccxt_class("40014"), ccxt.PermissionDenied)
    from .conftest import cli

    email = "ip-limited@test.io"
    d = ["--data-dir", str(quiet.data_dir)]
    cli("users", "create", email, "--password", "correct-horse-2", *d)
    creds = json.loads(
        cli("keys", "create", email, "--perm", "read", "--ip", "10.9.8.7", "--json", *d).stdout
    )
    assert call(raw(creds), "/api/v2/spot/account/assets", {})["code"] == "40018"
    assert issubclass(ccxt_class("40018"), ccxt.PermissionDenied)


@pytest.mark.parametrize("path", sorted(ROUTES))
def test_extra_field_rejected_everywhere(path: str, victim: Raw) -> None:
    body = call(victim, path, {"notAParameter": "1"})
    assert body["code"] == "40017" and body["data"] is None
    assert issubclass(ccxt_class("40017"), ccxt.BadRequest)


@pytest.mark.parametrize(
    "path", sorted(p for p, e in ROUTES.items() if e.required and "/admin/" not in p)
)
def test_missing_required_fields(path: str, victim: Raw) -> None:
    code = call(victim, path, {})["code"]
    assert code in ("40019", "40020"), code
    assert issubclass(ccxt_class(code), ccxt.BadRequest)


_FILL = {
    "productType": "USDT-FUTURES",
    "granularity": "1min",
    "side": "buy",
    "orderType": "limit",
    "size": "1",
    "price": "1",
    "triggerPrice": "1",
    "businessType": "spot",
}


@pytest.mark.parametrize("path", sorted(p for p, e in ROUTES.items() if "symbol" in e.required))
def test_unknown_symbol(path: str, victim: Raw) -> None:
    params = {k: v for k, v in _FILL.items() if k in ROUTES[path].required}
    body = call(victim, path, {**params, "symbol": "NOPEUSDT"})
    assert body["code"] == "40034", body


def place(client: Raw, **fields: Any) -> Dict[str, Any]:
    body = {
        "symbol": "BTCUSDC",
        "side": "buy",
        "orderType": "limit",
        "force": "gtc",
        "price": "100",
        "size": "0.01",
        **fields,
    }
    return client.post("/api/v2/spot/trade/place-order", body).json()


BAD_ORDERS: List[Any] = [
    ({"price": "100.001"}, "41103", ccxt.InvalidOrder),  # beyond the tick
    ({"size": "0.00001"}, "45110", ccxt.InvalidOrder),  # below the lot after truncation
    ({"price": "-1"}, "40017", ccxt.BadRequest),
    ({"size": "-0.01"}, "40017", ccxt.BadRequest),
    ({"price": "0"}, "40017", ccxt.BadRequest),
    ({"price": "1e3"}, "40017", ccxt.BadRequest),
    ({"price": "NaN"}, "40017", ccxt.BadRequest),
    ({"price": "Infinity"}, "40017", ccxt.BadRequest),
    ({"price": "1" * 40}, "40017", ccxt.BadRequest),
    ({"size": "9" * 40}, "40017", ccxt.BadRequest),
    ({"price": True}, "40017", ccxt.BadRequest),
    ({"price": [1]}, "40017", ccxt.BadRequest),
    ({"side": 1}, "40017", ccxt.BadRequest),
    ({"side": "up"}, "40017", ccxt.BadRequest),
    ({"orderType": "stop"}, "40017", ccxt.BadRequest),
    ({"force": "forever"}, "40017", ccxt.BadRequest),
    ({"clientOid": "x" * 51}, "40017", ccxt.BadRequest),
    ({"price": None}, "40019", ccxt.BadRequest),
    ({"size": ""}, "40019", ccxt.BadRequest),
    ({"symbol": "btcusdc"}, "40034", ccxt.ExchangeError),
    ({"size": "1000"}, "43012", ccxt.InsufficientFunds),  # 100,000 USDC > 1,000 held
    ({"price": "0.01", "size": "0.01"}, "45110", ccxt.InvalidOrder),  # notional below the minimum
    ({"orderType": "market", "side": "sell", "size": "5"}, "43012", ccxt.InsufficientFunds),
]


@pytest.mark.parametrize("fields,code,exc", BAD_ORDERS)
def test_bad_orders(fields: Dict[str, Any], code: str, exc: type, victim: Raw) -> None:
    body = place(victim, **fields)
    assert body["code"] == code, body
    assert issubclass(ccxt_class(code), exc)


def test_malformed_bodies(victim: Raw) -> None:
    path = "/api/v2/spot/trade/place-order"
    for text in ("{not json", "[1,2]", '"x"', '{"price": NaN}'):
        assert victim.post(path, text).json()["code"] == "40017"
    huge = json.dumps({"symbol": "BTCUSDC", "pad": "x" * 100_000})
    response = victim.post(path, huge)
    assert response.status_code == 413 and response.json()["code"] == "40017"


def test_bad_queries(victim: Raw) -> None:
    for path, query, code in (
        ("/api/v2/spot/trade/orderInfo", "orderId=abc", "40020"),
        ("/api/v2/spot/trade/orderInfo", "orderId=-5", "40020"),
        ("/api/v2/spot/trade/history-orders", "limit=x", "40017"),
        ("/api/v2/spot/trade/history-orders", "startTime=20&endTime=10", "40707"),
        ("/api/v2/spot/trade/fills", "limit=0", "40017"),
        ("/api/v2/spot/account/assets", "coin=NOPE", "40034"),
        ("/api/v2/spot/trade/cancel-order", "", "40404"),
    ):
        assert victim.get(path, query).json()["code"] == code, (path, query)
    assert (
        victim.get(
            "/api/v2/spot/market/candles", "symbol=BTCUSDC&granularity=7min", signed=False
        ).json()["code"]
        == "40017"
    )


def test_bad_transfers_and_plans(victim: Raw) -> None:
    transfer = "/api/v2/spot/wallet/transfer"
    for body, code in (
        ({"fromType": "spot", "toType": "spot", "amount": "1", "coin": "USDC"}, "40017"),
        ({"fromType": "spot", "toType": "p2p", "amount": "5000", "coin": "USDC"}, "43012"),
        ({"fromType": "spot", "toType": "p2p", "amount": "1.0000001", "coin": "USDC"}, "40808"),
        ({"fromType": "spot", "toType": "moon", "amount": "1", "coin": "USDC"}, "40017"),
        ({"fromType": "spot", "toType": "p2p", "amount": "1", "coin": "NOPE"}, "40034"),
    ):
        assert victim.post(transfer, body).json()["code"] == code, body
    assert (
        victim.post("/api/v2/spot/trade/cancel-plan-order", {"orderId": "424242"}).json()["code"]
        == "43025"
    )
    plan = {
        "symbol": "BTCUSDC",
        "side": "buy",
        "orderType": "limit",
        "executePrice": "100.001",
        "size": "0.01",
        "triggerPrice": 101,
    }
    assert victim.post("/api/v2/spot/trade/place-plan-order", plan).json()["code"] == "41103"


def test_ccxt_maps_errors(quiet: Server, make_user) -> None:
    creds = make_user({"USDC": "100"})
    ex = ccxt_client(quiet.url, creds)
    ex.load_markets()
    with pytest.raises(ccxt.InsufficientFunds):
        ex.create_order("BTC/USDC", "limit", "buy", 1, 50000)
    with pytest.raises(ccxt.InvalidOrder):
        ex.create_order("BTC/USDC", "limit", "buy", 0.0001, 100)  # notional 0.01 USDC
    with pytest.raises(ccxt.OrderNotFound):
        ex.fetch_order("987654321", "BTC/USDC")
    with pytest.raises(ccxt.OrderNotFound):
        ex.cancel_order("987654321", "BTC/USDC")
    wrong = ccxt_client(quiet.url, {**creds, "passphrase": "nope-nope"})
    with pytest.raises(ccxt.AuthenticationError):
        wrong.fetch_balance()
    assert ex.fetch_balance()["USDC"]["free"] == 100
