"""Spot and margin orders kept apart (REST, WS, across a restart), margin batch orders,
idempotent borrow/repay, isolated balances with a unified symbol, and a liquidation driven
through the API (price moved on the book by another user, then a ClockTick) read back from
``liquidation-history``, all through ccxt or the raw signed client against a real server.
Every bad request answers a Bitget code and changes nothing."""

from __future__ import annotations

import asyncio
import os
import time
from decimal import Decimal
from typing import Any, Dict

import ccxt
import pytest

from api.conftest import ccxt_client as api_ccxt_client
from openbourse.runtime.admin import call_socket

from .conftest import Raw, ccxt_client, seed_book

pytestmark = pytest.mark.timeout(300)

CROSS_ASSETS = "/api/v2/margin/crossed/account/assets"


@pytest.fixture(scope="module")
def book(server):
    return seed_book(server, "BTCUSDT", 60000)


def _ok(resp: Any) -> Any:
    body = resp.json()
    assert body["code"] == "00000", body
    return body["data"]


def _err(resp: Any, code: str) -> None:
    body = resp.json()
    assert body["code"] == code, body
    assert body.get("data") is None


def _margin_state(raw: Raw, creds: Dict[str, str]) -> Any:
    """Everything a bad request must leave unchanged: spot and cross balances, open orders."""
    spot = _ok(raw.get("/api/v2/spot/account/assets"))
    cross = _ok(raw.get(CROSS_ASSETS))
    opened = _ok(raw.get("/api/v2/margin/crossed/open-orders", "symbol=BTCUSDT"))["orderList"]
    return spot, cross, sorted(o["orderId"] for o in opened)


def test_spot_endpoints_show_only_spot_orders_and_margin_only_its_mode(server, make_user, book):
    creds = make_user({"USDT": "3000"})
    ex = ccxt_client(server.url, creds)
    ex.load_markets()
    raw = Raw(server.url, creds)
    ex.transfer("USDT", 1000, "spot", "cross")
    margin = ex.create_order("BTC/USDT", "limit", "buy", 0.01, 50000, {"marginMode": "cross"})
    spot = ex.create_order("BTC/USDT", "limit", "buy", 0.01, 51000)
    # a margin order that trades at once (fills on the cross account)
    margin_fill = ex.create_order(
        "BTC/USDT", "limit", "buy", 0.001, 60010, {"marginMode": "cross"}
    )

    def check() -> None:
        assert [o["id"] for o in ex.fetch_open_orders("BTC/USDT")] == [spot["id"]]
        assert [o["id"] for o in ex.fetch_open_orders("BTC/USDT", params={"marginMode": "cross"})] \
            == [margin["id"]]
        assert ex.fetch_open_orders("BTC/USDT", params={"marginMode": "isolated"}) == []
        unfilled = _ok(raw.get("/api/v2/spot/trade/unfilled-orders", "symbol=BTCUSDT"))
        assert [o["orderId"] for o in unfilled] == [spot["id"]]
        assert _ok(raw.get("/api/v2/spot/trade/orderInfo", f"orderId={margin['id']}")) == []
        assert _ok(raw.get("/api/v2/spot/trade/orderInfo", f"orderId={spot['id']}"))
        history = _ok(raw.get("/api/v2/spot/trade/history-orders", "symbol=BTCUSDT"))
        assert margin_fill["id"] not in {o["orderId"] for o in history}
        assert _ok(raw.get("/api/v2/spot/trade/fills", "symbol=BTCUSDT")) == []
        closed = ex.fetch_closed_orders("BTC/USDT", params={"marginMode": "cross"})
        assert [o["id"] for o in closed] == [margin_fill["id"]]
        trades = ex.fetch_my_trades("BTC/USDT", params={"marginMode": "cross"})
        assert {t["order"] for t in trades} == {margin_fill["id"]}
        iso = _ok(raw.get("/api/v2/margin/isolated/fills", "symbol=BTCUSDT"))
        assert iso["fills"] == []
        one = _ok(raw.get("/api/v2/margin/crossed/open-orders",
                          f"symbol=BTCUSDT&orderId={margin['id']}"))
        assert [o["orderId"] for o in one["orderList"]] == [margin["id"]]
        none = _ok(raw.get("/api/v2/margin/crossed/open-orders",
                           f"symbol=BTCUSDT&orderId={spot['id']}"))
        assert none["orderList"] == []

    check()
    # a margin cancel of the spot order, or a spot-style lookup of it on the isolated side:
    # 43001 and nothing changes
    before = _margin_state(raw, creds)
    _err(raw.post("/api/v2/margin/crossed/cancel-order",
                  {"symbol": "BTCUSDT", "orderId": spot["id"]}), "43001")
    _err(raw.post("/api/v2/margin/isolated/cancel-order",
                  {"symbol": "BTCUSDT", "orderId": margin["id"]}), "43001")
    assert _margin_state(raw, creds) == before
    assert [o["id"] for o in ex.fetch_open_orders("BTC/USDT")] == [spot["id"]]
    # after a restart (read models resumed from SQLite) the orders stay apart
    time.sleep(0.5)  # let the read models flush
    server.stop()
    server.start()
    check()


def test_spot_ws_orders_channel_skips_margin_orders(server, make_user, book):
    creds = make_user({"USDT": "3000"})
    rest = ccxt_client(server.url, creds)
    rest.load_markets()
    rest.transfer("USDT", 1000, "spot", "cross")

    async def scenario() -> None:
        ex = api_ccxt_client(server.url, creds, pro=True)
        ex.options["fetchMarkets"] = {"types": ["spot"]}
        try:
            await ex.load_markets()
            orders = asyncio.ensure_future(ex.watch_orders("BTC/USDT"))
            await asyncio.sleep(1.0)  # subscribed
            margin = await ex.create_order(
                "BTC/USDT", "limit", "buy", 0.01, 50000, {"marginMode": "cross"}
            )
            await asyncio.sleep(1.0)  # a push of the margin order would come first
            spot = await ex.create_order("BTC/USDT", "limit", "buy", 0.01, 50500)
            pushed = await asyncio.wait_for(orders, 10)
            assert {o["id"] for o in pushed} == {spot["id"]}
            assert margin["id"] != spot["id"]
        finally:
            await ex.close()

    asyncio.run(scenario())


def test_isolated_balance_with_a_unified_symbol(server, make_user, book):
    creds = make_user({"USDT": "1000"})
    ex = ccxt_client(server.url, creds)
    ex.load_markets()
    ex.transfer("USDT", 200, "spot", "isolated", {"symbol": "BTC/USDT"})
    for params in (
        {"type": "margin", "marginMode": "isolated", "symbol": "BTC/USDT"},
        {"marginMode": "isolated", "symbol": "BTCUSDT"},
    ):
        balance = ex.fetch_balance(params)
        assert balance["USDT"]["total"] == pytest.approx(200)
        assert balance["info"][0]["symbol"] == "BTCUSDT"
    with pytest.raises(ccxt.ExchangeError, match="40034"):  # an unknown pair
        ex.fetch_balance({"marginMode": "isolated", "symbol": "NOPE/USDT"})
    assert ex.fetch_balance()["USDT"]["free"] == pytest.approx(800)


def test_borrow_and_repay_retried_with_the_same_client_oid(server, make_user, book):
    creds = make_user({"USDT": "2000"})
    ex = ccxt_client(server.url, creds)
    ex.load_markets()
    raw = Raw(server.url, creds)
    ex.transfer("USDT", 1000, "spot", "cross")
    oid = f"loan-{os.getpid()}"
    first = _ok(raw.post("/api/v2/margin/crossed/account/borrow",
                         {"coin": "USDT", "borrowAmount": "300", "clientOid": oid}))
    state = _margin_state(raw, creds)
    again = _ok(raw.post("/api/v2/margin/crossed/account/borrow",
                         {"coin": "USDT", "borrowAmount": "300", "clientOid": oid}))
    assert again["loanId"] == first["loanId"] and again["borrowAmount"] == "300"
    assert _margin_state(raw, creds) == state
    # the same clientOid with another amount: 40500 and nothing changes
    _err(raw.post("/api/v2/margin/crossed/account/borrow",
                  {"coin": "USDT", "borrowAmount": "301", "clientOid": oid}), "40500")
    assert _margin_state(raw, creds) == state
    history = _ok(raw.get("/api/v2/margin/crossed/borrow-history", "coin=USDT"))["resultList"]
    assert [r["loanId"] for r in history] == [first["loanId"]]

    roid = f"repay-{os.getpid()}"
    paid = _ok(raw.post("/api/v2/margin/crossed/account/repay",
                        {"coin": "USDT", "repayAmount": "100", "clientOid": roid}))
    state = _margin_state(raw, creds)
    again = _ok(raw.post("/api/v2/margin/crossed/account/repay",
                         {"coin": "USDT", "repayAmount": "100", "clientOid": roid}))
    assert again["repayId"] == paid["repayId"]
    assert again["remainDebtAmount"] == paid["remainDebtAmount"]
    assert _margin_state(raw, creds) == state
    repays = _ok(raw.get("/api/v2/margin/crossed/repay-history", "coin=USDT"))["resultList"]
    assert [r["repayId"] for r in repays] == [paid["repayId"]]


def test_margin_batch_orders_through_ccxt(server, make_user, book):
    creds = make_user({"USDT": "3000"})
    ex = ccxt_client(server.url, creds)
    ex.load_markets()
    raw = Raw(server.url, creds)
    ex.transfer("USDT", 1000, "spot", "isolated", {"symbol": "BTC/USDT"})
    placed = ex.create_orders([
        {"symbol": "BTC/USDT", "type": "limit", "side": "buy", "amount": 0.001, "price": 50000,
         "params": {"marginMode": "isolated"}},
        {"symbol": "BTC/USDT", "type": "limit", "side": "buy", "amount": 0.002, "price": 50100,
         "params": {"marginMode": "isolated"}},
    ])
    ids = [o["id"] for o in placed]
    assert len(ids) == 2 and all(ids)
    opened = ex.fetch_open_orders("BTC/USDT", params={"marginMode": "isolated"})
    assert sorted(o["id"] for o in opened) == sorted(ids)
    assert ex.fetch_open_orders("BTC/USDT") == []  # none on spot
    # one good item and one bad (below the minimum size): each on its own
    body = {"symbol": "BTCUSDT", "orderList": [
        {"side": "buy", "orderType": "limit", "price": "50200", "baseSize": "0.001",
         "loanType": "normal", "clientOid": "good-1"},
        {"side": "buy", "orderType": "limit", "price": "50200", "baseSize": "0.0000001",
         "loanType": "normal", "clientOid": "bad-1"},
    ]}
    result = _ok(raw.post("/api/v2/margin/isolated/batch-place-order", body))
    assert [r["clientOid"] for r in result["successList"]] == ["good-1"]
    assert [r["clientOid"] for r in result["failureList"]] == ["bad-1"]
    assert result["failureList"][0]["errorCode"]
    third = result["successList"][0]["orderId"]
    cancelled = ex.cancel_orders(ids + [third], "BTC/USDT", {"marginMode": "isolated"})
    assert sorted(o["id"] for o in cancelled) == sorted(ids + [third])
    assert ex.fetch_open_orders("BTC/USDT", params={"marginMode": "isolated"}) == []
    # a whole bad batch: Bitget codes, nothing changes
    iso = "/api/v2/margin/isolated/account/assets"
    before = _ok(raw.get(iso, "symbol=BTCUSDT"))
    _err(raw.post("/api/v2/margin/isolated/batch-place-order",
                  {"symbol": "BTCUSDT", "orderList": []}), "40019")
    _err(raw.post("/api/v2/margin/isolated/batch-place-order",
                  {"symbol": "NOPEUSDT", "orderList": [{"side": "buy"}]}), "40034")
    bad = _ok(raw.post("/api/v2/margin/isolated/batch-cancel-order",
                       {"symbol": "BTCUSDT",
                        "orderIdList": [{"orderId": ids[0]}, {"orderId": "1"}]}))
    assert bad["successList"] == [] and len(bad["failureList"]) == 2
    assert {r["errorCode"] for r in bad["failureList"]} == {"43001"}
    assert _ok(raw.get(iso, "symbol=BTCUSDT")) == before


def _maker(server: Any, funds: Dict[str, str]) -> Any:
    creds = server.user(f"liq-maker-{os.getpid()}-{time.time_ns()}@test.io", funds)
    ex = ccxt_client(server.url, creds)
    ex.load_markets()
    return ex


def test_isolated_liquidation_through_the_api(server, make_user):
    maker = _maker(server, {"USDT": "10000000", "ETH": "1000"})
    for i in range(1, 4):
        maker.create_order("ETH/USDT", "limit", "buy", 5, 3000 - 10 * i)
        maker.create_order("ETH/USDT", "limit", "sell", 5, 3000 + 10 * i)
    creds = make_user({"USDT": "2000"})
    ex = ccxt_client(server.url, creds)
    ex.load_markets()
    raw = Raw(server.url, creds)
    ex.transfer("USDT", 1000, "spot", "isolated", {"symbol": "ETH/USDT"})
    ex.borrow_isolated_margin("ETH/USDT", "USDT", 3000)
    bought = ex.create_order("ETH/USDT", "limit", "buy", 1.3, 3010, {"marginMode": "isolated"})
    assert bought["id"]
    # nothing to liquidate yet
    assert call_socket(server.data_dir, "clock-tick", {}) is not None
    empty = _ok(raw.get("/api/v2/margin/isolated/liquidation-history", "symbol=ETHUSDT"))
    assert empty["resultList"] == []
    # another user moves the price: clear the book, trade down to 2,400 (limit prices stay
    # within 20 % of the last trade), bid again at 2,400
    maker.cancel_all_orders("ETH/USDT")
    for price in (2500, 2400):
        maker.create_order("ETH/USDT", "limit", "sell", 0.01, price)
        maker.create_order("ETH/USDT", "limit", "buy", 0.01, price)
    maker.create_order("ETH/USDT", "limit", "buy", 10, 2400)
    started = int(time.time() * 1000)
    tick = call_socket(server.data_dir, "clock-tick", {})["result"]
    assert tick["events"].get("LiquidationStarted") == 1, tick
    page = _ok(raw.get("/api/v2/margin/isolated/liquidation-history",
                       f"symbol=ETHUSDT&startTime={started - 60_000}"))
    rows = page["resultList"]
    assert len(rows) == 1
    row = rows[0]
    # Bitget's documented fields (Get Isolated Liquidation Records), every value a string
    assert set(row) >= {"liqId", "symbol", "liqStartTime", "liqEndTime", "liqRiskRatio",
                        "totalAssets", "totalDebt", "liqFee", "cTime", "uTime"}
    assert all(isinstance(v, str) for v in row.values())
    assert row["symbol"] == "ETHUSDT"
    assert page["maxId"] == page["minId"] == row["liqId"]
    assert int(row["liqStartTime"]) <= int(row["liqEndTime"])
    assert int(row["liqStartTime"]) >= started - 5_000
    held = Decimal("1.3") * Decimal("0.999")  # the buy paid its taker fee in ETH
    cash = Decimal(1000 + 3000) - Decimal("1.3") * 3010
    assets = Decimal(row["totalAssets"])
    assert assets == pytest.approx(held * 2400 + cash, abs=Decimal("0.01"))
    debt = Decimal(row["totalDebt"])
    assert Decimal(3000) < debt < Decimal(3001)  # principal + interest
    assert Decimal(row["liqRiskRatio"]) == pytest.approx(debt / assets, abs=Decimal("0.00001"))
    # the liquidation sold the ETH at 2,400 as taker: the fee in USDT
    fee = Decimal(row["liqFee"])
    assert fee == pytest.approx(held.quantize(Decimal("0.0001"), "ROUND_DOWN") * 2400
                                * Decimal("0.001"), rel=Decimal("0.01"))
    liqs = ex.fetch_my_liquidations("ETH/USDT", params={"marginMode": "isolated"})
    assert len(liqs) == 1 and liqs[0]["symbol"] == "ETH/USDT"
    assert liqs[0]["timestamp"] == int(row["liqEndTime"])
    assert _ok(raw.get("/api/v2/margin/crossed/liquidation-history", ""))["resultList"] == []
    # debt repaid, surplus left with the user; the liquidation order is a margin order
    usdt = {r["coin"]: r for r in _ok(raw.get("/api/v2/margin/isolated/account/assets",
                                                "symbol=ETHUSDT"))}["USDT"]
    assert Decimal(usdt["borrow"]) == 0 and Decimal(usdt["interest"]) == 0
    assert Decimal(usdt["available"]) > 0
    repays = _ok(raw.get("/api/v2/margin/isolated/repay-history", "symbol=ETHUSDT"))["resultList"]
    assert repays and repays[0]["repayType"] == "liq_repay"
    closed = _ok(raw.get("/api/v2/margin/isolated/history-orders", "symbol=ETHUSDT"))["orderList"]
    assert len(closed) == 2 and closed[0]["side"] == "sell"
    assert _ok(raw.get("/api/v2/spot/trade/history-orders", "symbol=ETHUSDT")) == []
    # bad requests: Bitget codes
    _err(raw.get("/api/v2/margin/isolated/liquidation-history", "symbol=NOPEUSDT"), "40034")
    _err(raw.get("/api/v2/margin/isolated/liquidation-history",
                 "symbol=ETHUSDT&startTime=2&endTime=1"), "40707")
    with pytest.raises(ccxt.ArgumentsRequired):
        ex.fetch_my_liquidations(params={"marginMode": "isolated"})


def test_spot_cancel_endpoints_do_not_reach_margin_orders(server, make_user, book):
    creds = make_user({"USDT": "3000"})
    ex = ccxt_client(server.url, creds)
    ex.load_markets()
    raw = Raw(server.url, creds)
    ex.transfer("USDT", 1000, "spot", "cross")
    placed = _ok(raw.post("/api/v2/margin/crossed/place-order", {
        "symbol": "BTCUSDT", "side": "buy", "orderType": "limit", "price": "50000",
        "baseSize": "0.01", "loanType": "normal", "force": "gtc", "clientOid": "m-apart-1"}))
    margin_id = placed["orderId"]
    spot = _ok(raw.post("/api/v2/spot/trade/place-order", {
        "symbol": "BTCUSDT", "side": "buy", "orderType": "limit", "force": "gtc",
        "price": "50500", "size": "0.01", "clientOid": "s-apart-1"}))["orderId"]
    before = _margin_state(raw, creds)
    assert before[2] == [margin_id]
    # every spot cancel path answers "order does not exist" for the margin order
    for ref in ({"orderId": margin_id}, {"clientOid": "m-apart-1"}):
        _err(raw.post("/api/v2/spot/trade/cancel-order", {"symbol": "BTCUSDT", **ref}), "43001")
        _err(raw.post("/api/v2/spot/trade/cancel-replace-order",
                      {"symbol": "BTCUSDT", **ref, "price": "50001", "size": "0.01"}), "43001")
    batch = _ok(raw.post("/api/v2/spot/trade/batch-cancel-order", {
        "symbol": "BTCUSDT",
        "orderList": [{"orderId": margin_id}, {"clientOid": "m-apart-1"}, {"orderId": spot}]}))
    assert [r["orderId"] for r in batch["successList"]] == [spot]  # the spot one goes
    assert [r["errorCode"] for r in batch["failureList"]] == ["43001", "43001"]
    assert batch["failureList"][0]["orderId"] == margin_id
    with pytest.raises(ccxt.OrderNotFound):
        ex.cancel_order(margin_id, "BTC/USDT")
    # cancel-symbol-order (ccxt cancel_all_orders) takes the caller's spot orders only
    spot2 = _ok(raw.post("/api/v2/spot/trade/place-order", {
        "symbol": "BTCUSDT", "side": "buy", "orderType": "limit", "force": "gtc",
        "price": "50400", "size": "0.01"}))["orderId"]
    assert _ok(raw.post("/api/v2/spot/trade/cancel-symbol-order", {"symbol": "BTCUSDT"})) == {
        "symbol": "BTCUSDT"}
    assert spot2 not in [o["orderId"] for o in _ok(raw.get("/api/v2/spot/trade/unfilled-orders",
                                                            "symbol=BTCUSDT"))]
    # the margin order is still open, untouched; the margin endpoint cancels it
    after = _margin_state(raw, creds)
    assert after[1:] == before[1:] and after[2] == [margin_id]
    done = _ok(raw.post("/api/v2/margin/crossed/cancel-order",
                        {"symbol": "BTCUSDT", "orderId": margin_id}))
    assert done == {"orderId": margin_id, "clientOid": "m-apart-1"}
    assert _margin_state(raw, creds)[2] == []
