"""Cross-user isolation on every private margin endpoint (``/api/v2/margin/{crossed,isolated}/*``).

The owner holds, in both modes, resting and filled margin orders, loans, repayments, the
interest they accrued and (isolated ETHUSDT) a liquidation.  An intruder with a valid key
of its own aims at the owner's order ids and clientOids: they do not exist for it (``43001``
on every cancel path, spot ones included), its queries list only its own rows, its figures
(assets, max borrowable, max transfer-out, risk rate) are its own, and the owner's
clientOids (orders, loans, repayments) are free for the intruder's own use: idempotency
keys are per user.  Nothing the intruder does changes the owner's state.
"""

from __future__ import annotations

import os
import time
from decimal import Decimal
from typing import Any, Dict, List

import pytest

from openbourse.runtime.admin import call_socket

from .conftest import Raw, ccxt_client, seed_book

pytestmark = pytest.mark.timeout(300)

CROSS = "/api/v2/margin/crossed/"
ISO = "/api/v2/margin/isolated/"

#: every private margin endpoint, exercised below (tests/api/test_isolation.py imports it)
MARGIN_PRIVATE = {
    base + path
    for base in (CROSS, ISO)
    for path in (
        "account/assets", "account/borrow", "account/repay", "account/max-borrowable-amount",
        "account/max-transfer-out-amount", "account/risk-rate",
        "interest-rate-and-limit", "tier-data",  # configuration: the same for every caller
        "borrow-history", "repay-history", "interest-history", "liquidation-history",
        "place-order", "batch-place-order", "cancel-order", "batch-cancel-order",
        "open-orders", "history-orders", "fills",
    )
}


def ok(resp: Any) -> Any:
    body = resp.json()
    assert body["code"] == "00000", body
    return body["data"]


def err(resp: Any, code: str) -> None:
    body = resp.json()
    assert body["code"] == code, body
    assert body.get("data") is None


def order(symbol: str, side: str, price: str, size: str, oid: str = "") -> Dict[str, Any]:
    body = {"symbol": symbol, "side": side, "orderType": "limit", "price": price,
            "baseSize": size, "loanType": "normal", "force": "gtc"}
    if oid:
        body["clientOid"] = oid
    return body


def ids(rows: List[Dict[str, Any]], key: str) -> List[str]:
    return [r[key] for r in rows]


def owner_state(owner: Raw) -> Any:
    """Everything of the owner's the intruder must not change."""
    out = []
    for base, sym in ((CROSS, "symbol=BTCUSDT"), (ISO, "symbol=BTCUSDT")):
        out.append(ok(owner.get(base + "account/assets", sym if base == ISO else "")))
        out.append(ok(owner.get(base + "open-orders", sym))["orderList"])
        out.append(ok(owner.get(base + "history-orders", sym))["orderList"])
        out.append(ok(owner.get(base + "fills", sym))["fills"])
        for kind in ("borrow-history", "repay-history", "interest-history"):
            out.append(ok(owner.get(base + kind, sym if base == ISO else ""))["resultList"])
    out.append(ok(owner.get(ISO + "liquidation-history", "symbol=ETHUSDT"))["resultList"])
    out.append(ok(owner.get("/api/v2/spot/account/assets")))
    return out


@pytest.fixture(scope="module")
def world(server) -> Dict[str, Any]:
    seed_book(server, "BTCUSDT", 60000)
    creds = server.user(f"m-owner-{os.getpid()}@test.io", {"USDT": "10000"})
    ex = ccxt_client(server.url, creds)
    ex.load_markets()
    owner = Raw(server.url, creds)
    ex.transfer("USDT", 2000, "spot", "cross")
    ex.transfer("USDT", 1000, "spot", "isolated", {"symbol": "BTC/USDT"})
    w: Dict[str, Any] = {"owner": owner}
    for base, extra, tag in ((CROSS, {}, "cross"), (ISO, {"symbol": "BTCUSDT"}, "iso")):
        w[f"{tag}_loan"] = ok(owner.post(base + "account/borrow", {
            **extra, "coin": "USDT", "borrowAmount": "300", "clientOid": f"owner-loan-{tag}",
        }))["loanId"]
        w[f"{tag}_repay"] = ok(owner.post(base + "account/repay", {
            **extra, "coin": "USDT", "repayAmount": "100", "clientOid": f"owner-repay-{tag}",
        }))["repayId"]
        for key, price, size, oid in (("order", "50000", "0.01", f"owner-{tag}"),
                                      ("order2", "50100", "0.001", f"owner-{tag}-2"),
                                      ("filled", "60010", "0.001", "")):  # crosses an ask
            placed = ok(owner.post(base + "place-order", order("BTCUSDT", "buy", price, size, oid)))
            w[f"{tag}_{key}"] = placed["orderId"]
    # an isolated ETHUSDT liquidation of the owner's (as in test_margin_orders_apart.py)
    maker = ccxt_client(server.url, server.user(
        f"m-liq-maker-{os.getpid()}@test.io", {"USDT": "10000000", "ETH": "1000"}))
    maker.load_markets()
    for i in range(1, 4):
        maker.create_order("ETH/USDT", "limit", "buy", 5, 3000 - 10 * i)
        maker.create_order("ETH/USDT", "limit", "sell", 5, 3000 + 10 * i)
    ex.transfer("USDT", 1000, "spot", "isolated", {"symbol": "ETH/USDT"})
    ex.borrow_isolated_margin("ETH/USDT", "USDT", 3000)
    ex.create_order("ETH/USDT", "limit", "buy", 1.3, 3010, {"marginMode": "isolated"})
    maker.cancel_all_orders("ETH/USDT")
    for price in (2500, 2400):
        maker.create_order("ETH/USDT", "limit", "sell", 0.01, price)
        maker.create_order("ETH/USDT", "limit", "buy", 0.01, price)
    maker.create_order("ETH/USDT", "limit", "buy", 10, 2400)
    tick = call_socket(server.data_dir, "clock-tick", {})["result"]
    assert tick["events"].get("LiquidationStarted") == 1, tick
    liqs = ok(owner.get(ISO + "liquidation-history", "symbol=ETHUSDT"))["resultList"]
    assert len(liqs) == 1
    w["liq"] = liqs[0]["liqId"]
    intruder_creds = server.user(f"m-intruder-{os.getpid()}@test.io", {"USDT": "1000"})
    w["intruder"] = Raw(server.url, intruder_creds)
    w["intruder_ex"] = ccxt_client(server.url, intruder_creds)
    w["intruder_ex"].load_markets()
    time.sleep(0.2)  # nothing pending in the read models (acks come after them anyway)
    return w


def test_intruder_sees_nothing_of_the_owners(world: Dict[str, Any]) -> None:
    owner: Raw = world["owner"]
    intruder: Raw = world["intruder"]
    for base, tag, pair in ((CROSS, "cross", ""), (ISO, "iso", "symbol=BTCUSDT")):

        def sym(extra: str = "", pair: str = pair) -> str:
            return "&".join(p for p in (pair, extra) if p)

        resting, filled = world[f"{tag}_order"], world[f"{tag}_filled"]
        # by id / clientOid, and whole lists
        for q in (f"orderId={resting}", f"clientOid=owner-{tag}", ""):
            assert ok(intruder.get(base + "open-orders", sym(q)))["orderList"] == [], q
        for q in (f"orderId={filled}", ""):
            assert ok(intruder.get(base + "history-orders", sym(q)))["orderList"] == [], q
            assert ok(intruder.get(base + "fills", sym(q)))["fills"] == [], q
        for kind, key in (("borrow-history", "loanId"), ("repay-history", "repayId")):
            assert ok(intruder.get(base + kind, sym()))["resultList"] == [], kind
            wanted = f"{key}={world[tag + ('_loan' if key == 'loanId' else '_repay')]}"
            assert ok(intruder.get(base + kind, sym(wanted)))["resultList"] == [], kind
        assert ok(intruder.get(base + "interest-history", sym()))["resultList"] == []
        assert ok(intruder.get(base + "liquidation-history", sym()))["resultList"] == []
        # ... while the owner sees its own
        assert ids(ok(owner.get(base + "open-orders", sym(f"clientOid=owner-{tag}")))["orderList"],
                   "orderId") == [resting]
        assert ids(ok(owner.get(base + "history-orders", sym(f"orderId={filled}")))["orderList"],
                   "orderId") == [filled]
        assert {f["orderId"] for f in ok(owner.get(base + "fills", sym()))["fills"]} == {filled}
        assert ids(ok(owner.get(base + "borrow-history", sym()))["resultList"], "loanId") \
            == [world[f"{tag}_loan"]]
        assert ids(ok(owner.get(base + "repay-history", sym()))["resultList"], "repayId") \
            == [world[f"{tag}_repay"]]
        assert ok(owner.get(base + "interest-history", sym()))["resultList"]
    assert ok(intruder.get(ISO + "liquidation-history", "symbol=ETHUSDT"))["resultList"] == []
    assert ok(intruder.get(ISO + "liquidation-history"))["resultList"] == []
    assert ids(ok(owner.get(ISO + "liquidation-history"))["resultList"], "liqId") == [world["liq"]]
    # the account figures are the caller's: nothing in the intruder's margin accounts
    assert ok(intruder.get(CROSS + "account/assets")) == []
    assert ok(intruder.get(ISO + "account/assets")) == []
    iso_rows = ok(intruder.get(ISO + "account/assets", "symbol=BTCUSDT"))
    assert {r["coin"] for r in iso_rows} == {"BTC", "USDT"}
    assert all(Decimal(r[k]) == 0 for r in iso_rows
               for k in ("totalAmount", "available", "frozen", "borrow", "interest", "net"))
    mine = {r["coin"]: r for r in ok(owner.get(CROSS + "account/assets"))}
    assert 200 <= Decimal(mine["USDT"]["borrow"]) < Decimal("200.01")  # interest paid first
    assert Decimal(ok(intruder.get(CROSS + "account/risk-rate"))["riskRateRatio"]) == 0
    assert Decimal(ok(owner.get(CROSS + "account/risk-rate"))["riskRateRatio"]) > 0
    assert ok(intruder.get(ISO + "account/risk-rate")) == []
    assert "BTCUSDT" in {r["symbol"] for r in ok(owner.get(ISO + "account/risk-rate"))}
    for who, positive in ((intruder, False), (owner, True)):
        cross_max = ok(who.get(CROSS + "account/max-borrowable-amount", "coin=USDT"))
        cross_out = ok(who.get(CROSS + "account/max-transfer-out-amount", "coin=USDT"))
        iso_max = ok(who.get(ISO + "account/max-borrowable-amount", "symbol=BTCUSDT"))
        iso_out = ok(who.get(ISO + "account/max-transfer-out-amount", "symbol=BTCUSDT"))
        figures = [cross_max["maxBorrowableAmount"], cross_out["maxTransferOutAmount"],
                   iso_max["quoteCoinMaxBorrowAmount"], iso_out["quoteCoinMaxTransferOutAmount"]]
        assert all((Decimal(f) > 0) == positive for f in figures), (positive, figures)
    # configuration endpoints: the same answer for every caller
    for base, q in ((CROSS, "coin=USDT"), (ISO, "symbol=BTCUSDT")):
        for path in ("interest-rate-and-limit", "tier-data"):
            assert ok(intruder.get(base + path, q)) == ok(owner.get(base + path, q))


def test_intruder_cannot_touch_the_owners(world: Dict[str, Any]) -> None:
    owner: Raw = world["owner"]
    intruder: Raw = world["intruder"]
    before = owner_state(owner)
    sym = {"symbol": "BTCUSDT"}
    for tag in ("cross", "iso"):
        resting, second = world[f"{tag}_order"], world[f"{tag}_order2"]
        for base in (CROSS, ISO):  # in its own mode and the other one
            err(intruder.post(base + "cancel-order", {**sym, "orderId": resting}), "43001")
            err(intruder.post(base + "cancel-order", {**sym, "clientOid": f"owner-{tag}"}), "43001")
            batch = ok(intruder.post(base + "batch-cancel-order", {**sym, "orderIdList": [
                {"orderId": resting}, {"orderId": second}, {"clientOid": f"owner-{tag}-2"}]}))
            assert batch["successList"] == []
            assert [r["errorCode"] for r in batch["failureList"]] == ["43001"] * 3
        # nor through the spot endpoints
        err(intruder.post("/api/v2/spot/trade/cancel-order", {**sym, "orderId": resting}), "43001")
        err(intruder.post("/api/v2/spot/trade/cancel-replace-order",
                          {**sym, "orderId": resting, "price": "50001", "size": "0.01"}), "43001")
    ok(intruder.post("/api/v2/spot/trade/cancel-symbol-order", sym))
    # nothing to repay on the intruder's side: its repay does not reach the owner's debt
    for base, extra in ((CROSS, {}), (ISO, sym)):
        resp = intruder.post(base + "account/repay", {**extra, "coin": "USDT", "repayAmount": "10"})
        assert resp.json()["code"] != "00000", resp.json()
    assert owner_state(owner) == before

    # the intruder's own margin business: the owner's clientOids are free for it
    iex = world["intruder_ex"]
    iex.transfer("USDT", 300, "spot", "cross")
    iex.transfer("USDT", 300, "spot", "isolated", {"symbol": "BTC/USDT"})
    for base, extra, tag in ((CROSS, {}, "cross"), (ISO, sym, "iso")):
        loan = ok(intruder.post(base + "account/borrow", {
            **extra, "coin": "USDT", "borrowAmount": "50", "clientOid": f"owner-loan-{tag}"}))
        assert loan["loanId"] != world[f"{tag}_loan"]
        repay = ok(intruder.post(base + "account/repay", {
            **extra, "coin": "USDT", "repayAmount": "10", "clientOid": f"owner-repay-{tag}"}))
        assert repay["repayId"] != world[f"{tag}_repay"]
        placed = ok(intruder.post(base + "place-order",
                                  order("BTCUSDT", "buy", "49000", "0.001", f"owner-{tag}")))
        assert placed["orderId"] != world[f"{tag}_order"]
        batch = ok(intruder.post(base + "batch-place-order", {**sym, "orderList": [
            {k: v for k, v in order("BTCUSDT", "buy", "49100", "0.001", f"owner-{tag}-2").items()
             if k != "symbol"}]}))
        (mine,) = batch["successList"]
        q = "symbol=BTCUSDT"
        hq = q if base == ISO else ""  # cross histories take no symbol
        assert sorted(ids(ok(intruder.get(base + "open-orders", q))["orderList"], "orderId")) \
            == sorted([placed["orderId"], mine["orderId"]])
        assert ids(ok(intruder.get(base + "borrow-history", hq))["resultList"], "loanId") \
            == [loan["loanId"]]
        assert ids(ok(intruder.get(base + "repay-history", hq))["resultList"], "repayId") \
            == [repay["repayId"]]
        owner_interest = {r["interestId"] for r in
                          ok(owner.get(base + "interest-history", hq))["resultList"]}
        theirs = ok(intruder.get(base + "interest-history", hq))["resultList"]
        assert theirs and not owner_interest & {r["interestId"] for r in theirs}
        # its clientOid cancel reaches its own order, never the owner's namesake
        done = ok(intruder.post(base + "cancel-order", {**sym, "clientOid": f"owner-{tag}"}))
        assert done["orderId"] == placed["orderId"]
        gone = ok(intruder.post(base + "batch-cancel-order",
                                {**sym, "orderIdList": [{"clientOid": f"owner-{tag}-2"}]}))
        assert ids(gone["successList"], "orderId") == [mine["orderId"]]
    mine = {r["coin"]: r for r in ok(intruder.get(CROSS + "account/assets"))}
    assert 40 <= Decimal(mine["USDT"]["borrow"]) < Decimal("40.01")
    assert owner_state(owner) == before

    # the owner's orders are intact and its own cancels work
    for base, tag in ((CROSS, "cross"), (ISO, "iso")):
        done = ok(owner.post(base + "cancel-order", {**sym, "clientOid": f"owner-{tag}"}))
        assert done["orderId"] == world[f"{tag}_order"]
        gone = ok(owner.post(base + "batch-cancel-order",
                             {**sym, "orderIdList": [{"orderId": world[f"{tag}_order2"]}]}))
        assert ids(gone["successList"], "orderId") == [world[f"{tag}_order2"]]
        assert ok(owner.get(base + "open-orders", "symbol=BTCUSDT"))["orderList"] == []
