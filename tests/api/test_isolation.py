"""One user can never see or touch another user's orders, plans, fills or balances.

Every private endpoint is exercised by an intruder holding a valid key of its own, aimed
at the owner's ids.  BTC/USDT is this module's market.
"""

from __future__ import annotations

from typing import Any, Dict

import pytest

from openbourse.adapters.api.rest import route_table

from .conftest import Raw, Server

SYMBOL = "BTCUSDT"


def ok(response: Any) -> Any:
    body = response.json()
    assert body["code"] == "00000", body
    return body["data"]


@pytest.fixture(scope="module")
def world(server: Server) -> Dict[str, Any]:
    owner = Raw(server.url, server.user("owner@test.io", {"USDT": "10000", "BTC": "1"}))
    other = Raw(server.url, server.user("other@test.io", {"USDT": "10000", "BTC": "1"}))
    intruder = Raw(server.url, server.user("intruder@test.io", {"USDT": "50"}))
    post = "/api/v2/spot/trade/place-order"
    resting = ok(
        owner.post(
            post,
            {
                "symbol": SYMBOL,
                "side": "buy",
                "orderType": "limit",
                "force": "gtc",
                "price": "20000",
                "size": "0.01",
                "clientOid": "owner-oid",
            },
        )
    )
    ok(
        owner.post(
            post,
            {
                "symbol": SYMBOL,
                "side": "sell",
                "orderType": "limit",
                "force": "gtc",
                "price": "90000",
                "size": "0.01",
            },
        )
    )
    ok(
        other.post(
            post,
            {
                "symbol": SYMBOL,
                "side": "buy",
                "orderType": "limit",
                "force": "gtc",
                "price": "90000",
                "size": "0.01",
            },
        )
    )
    plan = ok(
        owner.post(
            "/api/v2/spot/trade/place-plan-order",
            {
                "symbol": SYMBOL,
                "side": "sell",
                "orderType": "market",
                "size": "0.01",
                "triggerPrice": "10000",
                "clientOid": "owner-plan",
            },
        )
    )
    return {
        "owner": owner,
        "intruder": intruder,
        "order": resting["orderId"],
        "plan": plan["orderId"],
    }


def test_intruder_sees_nothing(world: Dict[str, Any]) -> None:
    intruder: Raw = world["intruder"]
    owner: Raw = world["owner"]
    order_id = world["order"]
    assert ok(intruder.get("/api/v2/spot/trade/orderInfo", f"orderId={order_id}")) == []
    assert ok(intruder.get("/api/v2/spot/trade/orderInfo", "clientOid=owner-oid")) == []
    assert ok(intruder.get("/api/v2/spot/trade/unfilled-orders")) == []
    assert ok(intruder.get("/api/v2/spot/trade/history-orders")) == []
    assert ok(intruder.get("/api/v2/spot/trade/fills", f"symbol={SYMBOL}")) == []
    assert (
        ok(intruder.get("/api/v2/spot/trade/current-plan-order", f"symbol={SYMBOL}"))["orderList"]
        == []
    )
    assert (
        ok(intruder.get("/api/v2/spot/trade/history-plan-order", f"symbol={SYMBOL}"))["orderList"]
        == []
    )
    assets = ok(intruder.get("/api/v2/spot/account/assets"))
    assert [(a["coin"], a["available"]) for a in assets] == [("USDT", "50.000000")]
    deposits = ok(intruder.get("/api/v2/spot/wallet/deposit-records"))
    assert [d["size"] for d in deposits] == ["50.000000"]
    assert (
        ok(intruder.get("/api/v2/spot/account/info"))["userId"]
        != ok(owner.get("/api/v2/spot/account/info"))["userId"]
    )
    # the owner does see its own
    assert [
        o["orderId"] for o in ok(owner.get("/api/v2/spot/trade/orderInfo", f"orderId={order_id}"))
    ] == [order_id]
    assert len(ok(owner.get("/api/v2/spot/trade/fills", f"symbol={SYMBOL}"))) == 1


def test_intruder_cannot_touch(world: Dict[str, Any]) -> None:
    intruder: Raw = world["intruder"]
    owner: Raw = world["owner"]
    order_id, plan_id = world["order"], world["plan"]
    cases = [
        ("/api/v2/spot/trade/cancel-order", {"symbol": SYMBOL, "orderId": order_id}, "43001"),
        ("/api/v2/spot/trade/cancel-order", {"symbol": SYMBOL, "clientOid": "owner-oid"}, "43001"),
        (
            "/api/v2/spot/trade/cancel-replace-order",
            {"symbol": SYMBOL, "orderId": order_id, "price": "20001", "size": "0.01"},
            "43001",
        ),
        ("/api/v2/spot/trade/cancel-plan-order", {"orderId": plan_id}, "43025"),
        ("/api/v2/spot/trade/cancel-plan-order", {"clientOid": "owner-plan"}, "43025"),
    ]
    for path, body, code in cases:
        assert intruder.post(path, body).json()["code"] == code, path
    batch = ok(
        intruder.post(
            "/api/v2/spot/trade/batch-cancel-order",
            {"symbol": SYMBOL, "orderList": [{"orderId": order_id}]},
        )
    )
    assert batch["successList"] == [] and batch["failureList"][0]["errorCode"] == "43001"
    ok(intruder.post("/api/v2/spot/trade/cancel-symbol-order", {"symbol": SYMBOL}))
    ok(intruder.post("/api/v2/spot/trade/batch-cancel-plan-order", {"symbolList": [SYMBOL]}))
    mine = ok(owner.get("/api/v2/spot/trade/unfilled-orders", f"symbol={SYMBOL}"))
    assert order_id in {o["orderId"] for o in mine}
    plans = ok(owner.get("/api/v2/spot/trade/current-plan-order", f"symbol={SYMBOL}"))["orderList"]
    assert [p["orderId"] for p in plans] == [plan_id]


def test_every_private_endpoint_is_covered() -> None:
    """Keep this module honest: a new private endpoint must be added to the cases above."""
    covered = {
        "/api/v2/spot/trade/orderInfo",
        "/api/v2/spot/trade/unfilled-orders",
        "/api/v2/spot/trade/history-orders",
        "/api/v2/spot/trade/fills",
        "/api/v2/spot/trade/current-plan-order",
        "/api/v2/spot/trade/history-plan-order",
        "/api/v2/spot/account/assets",
        "/api/v2/spot/wallet/deposit-records",
        "/api/v2/spot/wallet/deposit-address",  # the caller's own: test_deposit_address.py
        "/api/v2/spot/account/info",
        # wallet endpoints: test_wallet.py::test_wallet_isolation_and_admin_endpoints
        "/api/v2/account/funding-assets",
        "/api/v2/spot/account/transferRecords",
        "/api/v2/spot/wallet/withdrawal",
        "/api/v2/spot/trade/cancel-order",
        "/api/v2/spot/trade/cancel-replace-order",
        "/api/v2/spot/trade/cancel-plan-order",
        "/api/v2/spot/trade/batch-cancel-order",
        "/api/v2/spot/trade/cancel-symbol-order",
        "/api/v2/spot/trade/batch-cancel-plan-order",
        # acting only on the caller's own funds/orders by construction (no foreign id to pass):
        "/api/v2/spot/trade/place-order",
        "/api/v2/spot/trade/batch-orders",
        "/api/v2/spot/trade/place-plan-order",
        "/api/v2/spot/wallet/transfer",
        "/api/v2/spot/wallet/withdrawal-records",
        "/api/v2/mix/account/accounts",
        # one user's fee tier is not another's: test_fees.py::test_fee_tier_is_quoted_and_charged
        "/api/v2/common/trade-rate",
        # test_spot_bills.py: test_bills_bad_input_and_isolation, and the seller's bills
        "/api/v2/spot/account/bills",
        # admin role only (test_admin_endpoints_need_the_admin_role):
        "/api/v2/openbourse/admin/users",
        "/api/v2/openbourse/admin/deposit",
        "/api/v2/openbourse/admin/withdrawals",
        "/api/v2/openbourse/admin/withdrawal-complete",
        "/api/v2/openbourse/admin/withdrawal-fail",
    }
    from convert_api.test_isolation_convert import CONVERT_PRIVATE  # convert: that module
    from futures_api.test_isolation_futures import FUTURES_PRIVATE  # futures: that module
    from margin_api.test_isolation_margin import MARGIN_PRIVATE  # margin: that module

    covered |= FUTURES_PRIVATE | MARGIN_PRIVATE | CONVERT_PRIVATE
    private = {p for p, e in route_table().items() if e.permission is not None}
    assert private <= covered, private - covered


def test_admin_endpoints_need_the_admin_role(server: Server, world: Dict[str, Any]) -> None:
    from .conftest import cli

    intruder: Raw = world["intruder"]
    body = {"email": "intruder@test.io", "coin": "USDT", "amount": "1000000"}
    assert intruder.get("/api/v2/openbourse/admin/users").json()["code"] == "40014"
    assert intruder.post("/api/v2/openbourse/admin/deposit", body).json()["code"] == "40014"
    d = ["--data-dir", str(server.data_dir)]
    cli("users", "create", "root@test.io", "--password", "correct-horse-9", "--admin", *d)
    import json

    admin = Raw(
        server.url,
        json.loads(
            cli("keys", "create", "root@test.io", "--perm", "read,transfer", "--json", *d).stdout
        ),
    )
    assert "intruder@test.io" in {
        u["email"] for u in ok(admin.get("/api/v2/openbourse/admin/users"))
    }
    credited = ok(
        admin.post("/api/v2/openbourse/admin/deposit", {**body, "amount": "5", "ref": "gift-1"})
    )
    again = ok(
        admin.post("/api/v2/openbourse/admin/deposit", {**body, "amount": "5", "ref": "gift-1"})
    )
    assert credited["duplicate"] is False and again["duplicate"] is True
    assets = ok(intruder.get("/api/v2/spot/account/assets"))
    assert [(a["coin"], a["available"]) for a in assets] == [("USDT", "55.000000")]
    assert (
        admin.post("/api/v2/openbourse/admin/deposit", {**body, "email": "ghost@test.io"}).json()[
            "code"
        ]
        == "40300"
    )
