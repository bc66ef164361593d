"""Cross-user isolation on every private futures endpoint: another user's order, plan and
position ids do not exist for the caller, "cancel all" / "close all" touch only the
caller's own, and every query is scoped to the caller."""
from __future__ import annotations

from typing import Any, Dict

import ccxt
import pytest

from .conftest import client, mark

PT = {"productType": "USDT-FUTURES"}
SYM = {"symbol": "BTCUSDT", **PT}

#: every private mix endpoint, exercised below (tests/api/test_isolation.py imports it)
FUTURES_PRIVATE = {
    "/api/v2/mix/account/accounts", "/api/v2/mix/account/account",
    "/api/v2/mix/account/set-leverage", "/api/v2/mix/account/set-margin-mode",
    "/api/v2/mix/account/set-position-mode", "/api/v2/mix/account/set-margin",
    "/api/v2/mix/account/set-auto-margin", "/api/v2/mix/account/bill",
    "/api/v2/mix/position/all-position", "/api/v2/mix/position/single-position",
    "/api/v2/mix/position/history-position",
    "/api/v2/mix/order/place-order", "/api/v2/mix/order/batch-place-order",
    "/api/v2/mix/order/cancel-order", "/api/v2/mix/order/batch-cancel-orders",
    "/api/v2/mix/order/cancel-all-orders", "/api/v2/mix/order/close-positions",
    "/api/v2/mix/order/modify-order", "/api/v2/mix/order/place-plan-order",
    "/api/v2/mix/order/place-tpsl-order", "/api/v2/mix/order/cancel-plan-order",
    "/api/v2/mix/order/detail", "/api/v2/mix/order/orders-pending",
    "/api/v2/mix/order/orders-history", "/api/v2/mix/order/orders-plan-pending",
    "/api/v2/mix/order/orders-plan-history", "/api/v2/mix/order/fills",
    "/api/v2/mix/order/fill-history", "/api/v2/mix/order/modify-plan-order",
    "/api/v2/mix/order/modify-tpsl-order",
}


def _data(resp: Dict[str, Any]) -> Any:
    assert resp["code"] == "00000", resp
    return resp["data"]


def test_intruder_cannot_see_or_touch(fserver: Any, fuser: Any) -> None:
    owner, intruder, other = (client(fserver, fuser()) for _ in range(3))
    for ex in (owner, intruder, other):
        ex.load_markets()
        ex.transfer("USDT", 2000, "spot", "swap")
    price = float(owner.price_to_precision("BTC/USDT:USDT", mark(fserver)))
    low = f"{price * 0.97:.1f}"
    # owner: an open position (against ``other``), a resting order, a trigger plan, a TP/SL
    other.privateMixPostV2MixOrderPlaceOrder({**SYM, "side": "sell", "orderType": "limit",
                                              "size": "0.002", "price": f"{price:.1f}"})
    owner.privateMixPostV2MixOrderPlaceOrder({**SYM, "side": "buy", "orderType": "limit",
                                              "size": "0.002", "price": f"{price:.1f}"})
    order_id = _data(owner.privateMixPostV2MixOrderPlaceOrder(
        {**SYM, "side": "buy", "orderType": "limit", "size": "0.001", "price": low,
         "clientOid": "owner-oid"}))["orderId"]
    plan_id = _data(owner.privateMixPostV2MixOrderPlacePlanOrder(
        {**SYM, "planType": "normal_plan", "side": "buy", "orderType": "market", "size": "0.001",
         "triggerPrice": f"{price * 0.9:.1f}", "clientOid": "owner-plan"}))["orderId"]
    tpsl_id = _data(owner.privateMixPostV2MixOrderPlaceTpslOrder(
        {**SYM, "planType": "pos_loss", "holdSide": "buy",
         "triggerPrice": f"{price * 0.8:.1f}"}))["orderId"]

    # another user's ids do not exist for the intruder
    with pytest.raises(ccxt.OrderNotFound):
        intruder.privateMixPostV2MixOrderCancelOrder({**SYM, "orderId": order_id})
    with pytest.raises(ccxt.OrderNotFound):
        intruder.privateMixPostV2MixOrderCancelOrder({**SYM, "clientOid": "owner-oid"})
    with pytest.raises(ccxt.OrderNotFound):
        intruder.privateMixGetV2MixOrderDetail({**SYM, "orderId": order_id})
    with pytest.raises(ccxt.OrderNotFound):
        intruder.privateMixPostV2MixOrderModifyOrder({**SYM, "orderId": order_id,
                                                      "newClientOid": "x", "newPrice": low})
    with pytest.raises(ccxt.InvalidOrder):  # 43025: plan order does not exist
        intruder.privateMixPostV2MixOrderModifyPlanOrder({**SYM, "orderId": plan_id,
                                                          "newTriggerPrice": low})
    with pytest.raises(ccxt.InvalidOrder):
        intruder.privateMixPostV2MixOrderModifyTpslOrder({**SYM, "orderId": tpsl_id,
                                                          "triggerPrice": low})
    failed = _data(intruder.privateMixPostV2MixOrderCancelPlanOrder(
        {**SYM, "orderIdList": [{"orderId": plan_id}, {"orderId": tpsl_id}]}))
    assert failed["successList"] == [] and len(failed["failureList"]) == 2
    failed = _data(intruder.privateMixPostV2MixOrderBatchCancelOrders(
        {**SYM, "orderIdList": [{"orderId": order_id}]}))
    assert failed["successList"] == [] and failed["failureList"][0]["errorCode"] == "40768"
    with pytest.raises(ccxt.ExchangeError):  # no position of its own to put margin on
        intruder.privateMixPostV2MixAccountSetMargin({**SYM, "holdSide": "long", "amount": "1"})
    # the intruder's "all" operations only reach its own (empty) book
    assert _data(intruder.privateMixPostV2MixOrderCancelAllOrders(PT))["successList"] == []
    assert _data(intruder.privateMixPostV2MixOrderBatchCancelOrders(SYM))["successList"] == []
    assert _data(intruder.privateMixPostV2MixOrderCancelPlanOrder(SYM))["successList"] == []
    with pytest.raises(ccxt.ExchangeError):
        intruder.privateMixPostV2MixOrderClosePositions(SYM)
    # its own settings do not leak either way
    _data(intruder.privateMixPostV2MixAccountSetLeverage({**SYM, "leverage": "3"}))
    _data(intruder.privateMixPostV2MixAccountSetMarginMode({**SYM, "marginMode": "isolated"}))
    _data(intruder.privateMixPostV2MixAccountSetPositionMode({**PT, "posMode": "hedge_mode"}))
    _data(intruder.privateMixPostV2MixAccountSetPositionMode({**PT, "posMode": "one_way_mode"}))
    _data(intruder.privateMixPostV2MixAccountSetAutoMargin({**SYM, "holdSide": "long",
                                                            "autoMargin": "on"}))
    assert _data(owner.privateMixGetV2MixAccountAccount(SYM))["crossedMarginLeverage"] == "10"
    assert _data(owner.privateMixGetV2MixAccountAccount(SYM))["marginMode"] == "crossed"
    # its own orders work and stay its own
    placed = _data(intruder.privateMixPostV2MixOrderBatchPlaceOrder(
        {**SYM, "marginMode": "isolated", "orderList": [
            {"side": "buy", "orderType": "limit", "size": "0.001", "price": low}]}))
    assert len(placed["successList"]) == 1

    # every query is scoped to the caller
    for call, key in (
        (intruder.privateMixGetV2MixOrderOrdersPending, "entrustedList"),
        (intruder.privateMixGetV2MixOrderOrdersHistory, "entrustedList"),
        (intruder.privateMixGetV2MixOrderOrdersPlanPending, "entrustedList"),
        (intruder.privateMixGetV2MixOrderOrdersPlanHistory, "entrustedList"),
        (intruder.privateMixGetV2MixOrderFills, "fillList"),
        (intruder.privateMixGetV2MixOrderFillHistory, "fillList"),
    ):
        rows = _data(call(PT))[key] or []
        assert all(r["orderId"] not in (order_id, plan_id, tpsl_id) for r in rows)
        assert all(r.get("clientOid") not in ("owner-oid", "owner-plan") for r in rows)
    assert _data(intruder.privateMixGetV2MixPositionAllPosition(PT)) == []
    assert _data(intruder.privateMixGetV2MixPositionSinglePosition(SYM)) == []
    assert _data(intruder.privateMixGetV2MixPositionHistoryPosition(PT))["list"] == []
    own = _data(intruder.privateMixGetV2MixAccountBill(PT))["bills"]
    assert [b["businessType"] for b in own] == ["trans_from_exchange"]  # its own transfer only
    assert _data(intruder.privateMixGetV2MixAccountAccounts(PT))[0]["unrealizedPL"] == "0.000000"

    # the owner still has everything
    mine = _data(owner.privateMixGetV2MixOrderOrdersPending(PT))["entrustedList"]
    assert [o["orderId"] for o in mine] == [order_id]
    plans = _data(owner.privateMixGetV2MixOrderOrdersPlanPending(PT))["entrustedList"]
    assert {p["orderId"] for p in plans} == {plan_id, tpsl_id}
    (position,) = _data(owner.privateMixGetV2MixPositionAllPosition(PT))
    assert position["autoMargin"] == "off" and position["marginMode"] == "crossed"
    assert _data(owner.privateMixGetV2MixOrderDetail(
        {**SYM, "orderId": order_id}))["status"] == "live"
    assert len(_data(owner.privateMixGetV2MixOrderFills(PT))["fillList"]) == 1
