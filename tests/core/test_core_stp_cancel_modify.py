"""Self-trade prevention, cancels, cancel-all, modify, batches and client-oid idempotency."""
from __future__ import annotations

import pytest

from openbourse.core.commands import CancelAll, CancelOrder, CancelPlan, PlaceOrder
from openbourse.core.enums import CloseReason, OrderStatus, Stp
from openbourse.core.events import Duplicate, OrderAccepted, OrderClosed, Rejected, TradeExecuted
from openbourse.core.reject import RejectCode
from openbourse.testing.builders import (
    BTCUSDT,
    BUY,
    GTC,
    LIMIT,
    SELL,
    STANDARD_FUNDS,
    USDT,
    closed,
    masked_state,
    of_type,
    one,
    order_id_of,
    reject_code,
    standard_exchange,
)

P = 6_000_000


# ---------------------------------------------------------------------- STP
def _stp_book():
    """User 1 rests a sell at P (older) and user 2 at P (younger); user 2 at P + 1 too."""
    ex = standard_exchange()
    own = order_id_of(ex.sell(1, P, 100))
    other = order_id_of(ex.sell(2, P, 100))
    deeper = order_id_of(ex.sell(2, P + 1, 100))
    return ex, own, other, deeper


def test_stp_none_lets_a_user_trade_with_itself() -> None:
    ex, own, other, _ = _stp_book()
    trades = of_type(ex.buy(1, P, 150, stp=int(Stp.NONE)), TradeExecuted)
    assert [(t.maker_order_id, t.maker_user, t.taker_user, t.size) for t in trades] == [
        (own, 1, 1, 100), (other, 2, 1, 50)]


def test_stp_cancel_taker_stops_the_taker_and_keeps_the_maker() -> None:
    ex, own, _, _ = _stp_book()
    events = ex.buy(1, P + 1, 150, stp=int(Stp.CANCEL_TAKER))
    taker = order_id_of(events)
    assert not of_type(events, TradeExecuted)
    close = closed(events, taker)
    assert close is not None and (close.status, close.reason) == (OrderStatus.CANCELLED,
                                                                  CloseReason.STP)
    assert ex.book()["asks"][0][0] == own
    assert ex.balance(1, USDT) == (STANDARD_FUNDS[USDT], 0)


def test_stp_cancel_taker_keeps_fills_before_the_own_order() -> None:
    ex = standard_exchange()
    other = order_id_of(ex.sell(2, P, 100))
    own = order_id_of(ex.sell(1, P, 100))
    events = ex.buy(1, P, 150, stp=int(Stp.CANCEL_TAKER))
    assert [(t.maker_order_id, t.size) for t in of_type(events, TradeExecuted)] == [(other, 100)]
    close = closed(events, order_id_of(events))
    assert close is not None and (close.reason, close.filled_size) == (CloseReason.STP, 100)
    assert ex.book()["asks"] == [(own, 1, P, 100)]


def test_stp_cancel_maker_removes_own_makers_and_goes_deeper() -> None:
    ex, own, other, deeper = _stp_book()
    events = ex.buy(1, P + 1, 150, stp=int(Stp.CANCEL_MAKER))
    assert [(t.maker_order_id, t.size) for t in of_type(events, TradeExecuted)] == [
        (other, 100), (deeper, 50)]
    own_close = closed(events, own)
    assert own_close is not None and (own_close.status, own_close.reason) == (
        OrderStatus.CANCELLED, CloseReason.STP)
    taker = closed(events, order_id_of(events))
    assert taker is not None and taker.status == OrderStatus.FILLED
    assert all(t.maker_user != t.taker_user for t in of_type(events, TradeExecuted))


def test_stp_cancel_both_cancels_maker_and_taker() -> None:
    ex, own, other, _ = _stp_book()
    events = ex.buy(1, P + 1, 150, stp=int(Stp.CANCEL_BOTH))
    assert not of_type(events, TradeExecuted)
    reasons = {e.order_id: e.reason for e in of_type(events, OrderClosed)}
    assert reasons == {own: CloseReason.STP, order_id_of(events): CloseReason.STP}
    assert [o[0] for o in ex.book()["asks"]] == [other, ex.book()["asks"][1][0]]


def test_stp_decides_by_the_taker_mode_only() -> None:
    ex = standard_exchange()
    maker = order_id_of(ex.sell(1, P, 100, stp=int(Stp.CANCEL_BOTH)))
    trade = one(ex.buy(1, P, 100, stp=int(Stp.NONE)), TradeExecuted)
    assert trade.maker_order_id == maker


def test_fok_with_stp_counts_only_what_it_could_really_take() -> None:
    ex = standard_exchange()
    ex.sell(1, P, 100)
    ex.sell(2, P, 50)
    # CANCEL_MAKER skips the own 100: only 50 left, the FOK for 100 fails
    events = ex.buy(1, P, 100, force=2, stp=int(Stp.CANCEL_MAKER))
    close = closed(events, order_id_of(events))
    assert close is not None and close.reason == CloseReason.FOK
    assert len(ex.book()["asks"]) == 2  # nothing was cancelled by the failed FOK


# ---------------------------------------------------------------------- cancels
def test_cancel_by_order_id_and_by_client_oid() -> None:
    ex = standard_exchange()
    first = order_id_of(ex.buy(1, P, 100))
    second = order_id_of(ex.buy(1, P - 1, 100, client_oid="mine-2"))
    assert closed(ex.cancel(1, first), first) is not None
    assert closed(ex.cancel(1, client_oid="mine-2"), second) is not None
    assert ex.book()["bids"] == [] and ex.balance(1, USDT) == (STANDARD_FUNDS[USDT], 0)


def test_cancel_of_someone_elses_or_a_gone_order_is_order_not_found() -> None:
    ex = standard_exchange()
    order_id = order_id_of(ex.buy(1, P, 100))
    assert reject_code(ex.cancel(2, order_id)) == RejectCode.ORDER_NOT_FOUND
    assert reject_code(ex.cancel(1, order_id, symbol="ETHUSDT")) == RejectCode.ORDER_NOT_FOUND
    ex.cancel(1, order_id)
    assert reject_code(ex.cancel(1, order_id)) == RejectCode.ORDER_NOT_FOUND
    assert reject_code(ex.cancel(1, client_oid="never")) == RejectCode.ORDER_NOT_FOUND


def test_cancel_all_cancels_only_that_users_orders_on_that_symbol() -> None:
    ex = standard_exchange()
    mine = [order_id_of(ex.buy(1, P - i, 100)) for i in range(3)]
    mine.append(order_id_of(ex.sell(1, P + 10, 100)))
    theirs = order_id_of(ex.buy(2, P, 100))
    eth = order_id_of(ex.buy(1, 300_000, 10, symbol="ETHUSDT"))
    events = ex.cancel_all(1)
    assert [e.order_id for e in of_type(events, OrderClosed)] == mine
    assert {o.order_id for o in ex.state.orders.values()} == {theirs, eth}
    assert ex.cancel_all(1) == []  # nothing left: no events
    assert reject_code(ex.cancel_all(1, symbol="NOPE")) == RejectCode.UNKNOWN_SYMBOL


# ---------------------------------------------------------------------- modify
def test_modify_replaces_the_order_and_loses_priority() -> None:
    ex = standard_exchange()
    first = order_id_of(ex.buy(1, P, 100))
    second = order_id_of(ex.buy(2, P, 100))
    events = ex.modify(1, first, size=120)
    old = closed(events, first)
    assert old is not None and (old.status, old.reason) == (OrderStatus.CANCELLED,
                                                            CloseReason.REPLACED)
    new = one(events, OrderAccepted)
    assert (new.price, new.size) == (P, 120) and new.order_id > second
    assert [o[0] for o in ex.book()["bids"]] == [second, new.order_id]
    assert ex.balance(1, USDT)[1] == 120 * P


def test_modify_price_can_cross_and_trade() -> None:
    ex = standard_exchange()
    ask = order_id_of(ex.sell(2, P, 100))
    bid = order_id_of(ex.buy(1, P - 100, 100))
    events = ex.modify(1, bid, price=P)
    assert one(events, TradeExecuted).maker_order_id == ask


def test_modify_by_client_oid_with_a_new_client_oid() -> None:
    ex = standard_exchange()
    ex.buy(1, P, 100, client_oid="a")
    events = ex.modify(1, client_oid="a", price=P - 5, new_client_oid="b")
    new = one(events, OrderAccepted)
    assert new.client_oid == "b" and new.price == P - 5
    assert closed(ex.cancel(1, client_oid="b"), new.order_id) is not None


@pytest.mark.parametrize("change, code", [
    ({"price": P + 1}, None),
    ({}, RejectCode.NOTHING_TO_MODIFY),
    ({"price": 7}, RejectCode.NOTIONAL_TOO_SMALL),
    ({"size": 10**15}, RejectCode.SIZE_TOO_LARGE),
    ({"size": 10**11}, RejectCode.INSUFFICIENT_BALANCE),
    ({"price": -1}, RejectCode.INVALID_ARGUMENT),
    ({"new_client_oid": "taken"}, RejectCode.DUPLICATE_DIFFERENT),
])
def test_failed_modify_changes_nothing(change, code) -> None:
    ex = standard_exchange(min_notional=1000)
    ex.buy(1, P - 10, 100, client_oid="taken")
    order_id = order_id_of(ex.buy(1, P, 100))
    before = masked_state(ex.state)
    events = ex.modify(1, order_id, **change)
    assert reject_code(events) == code
    if code is not None:
        assert masked_state(ex.state) == before


def test_modify_on_a_halted_market_is_refused() -> None:
    ex = standard_exchange()
    order_id = order_id_of(ex.buy(1, P, 100))
    ex.halt()
    assert reject_code(ex.modify(1, order_id, price=P - 1)) == RejectCode.MARKET_HALTED
    assert reject_code(ex.modify(1, 999_999, price=P - 1)) == RejectCode.ORDER_NOT_FOUND


def test_modify_counts_the_replaced_order_against_the_open_order_limit() -> None:
    ex = standard_exchange(max_open_orders=2)
    order_id = order_id_of(ex.buy(1, P, 100))
    ex.buy(1, P - 1, 100)
    assert reject_code(ex.buy(1, P - 2, 100)) == RejectCode.TOO_MANY_OPEN_ORDERS
    assert reject_code(ex.modify(1, order_id, price=P - 3)) is None


# ---------------------------------------------------------------------- batches
def _order(user: int, side: int, price: int, size: int, oid: str = "") -> PlaceOrder:
    return PlaceOrder(0, user, BTCUSDT, side, LIMIT, GTC, price, size, 0, oid)


def test_batch_place_is_partial_success() -> None:
    ex = standard_exchange()
    events = ex.batch_place([_order(1, BUY, P, 100), _order(1, BUY, P, 0),
                             _order(1, SELL, P + 1, 100), _order(1, BUY, P, 10**12)])
    assert [RejectCode(e.code) for e in of_type(events, Rejected)] == [
        RejectCode.SIZE_PRECISION, RejectCode.INSUFFICIENT_BALANCE]
    assert len(of_type(events, OrderAccepted)) == 2
    assert all(e.ts_ns == events[0].ts_ns for e in events)


def test_batch_cancel_is_partial_success() -> None:
    ex = standard_exchange()
    first = order_id_of(ex.buy(1, P, 100))
    second = order_id_of(ex.buy(1, P - 1, 100, client_oid="x"))
    events = ex.batch_cancel([CancelOrder(0, 1, BTCUSDT, first), CancelOrder(0, 1, BTCUSDT, 424242),
                              CancelOrder(0, 1, BTCUSDT, 0, "x")])
    assert [e.order_id for e in of_type(events, OrderClosed)] == [first, second]
    assert reject_code(events) == RejectCode.ORDER_NOT_FOUND


@pytest.mark.parametrize("count", [0, 51])
def test_batches_must_hold_1_to_50_items(count: int) -> None:
    ex = standard_exchange()
    assert reject_code(ex.batch_place([_order(1, BUY, P, 1)] * count)) == \
        RejectCode.BATCH_TOO_LARGE
    assert reject_code(ex.batch_cancel([CancelOrder(0, 1, BTCUSDT, 1)] * count)) == \
        RejectCode.BATCH_TOO_LARGE


def test_batch_with_an_item_of_the_wrong_type_is_refused_whole() -> None:
    ex = standard_exchange()
    events = ex.batch_place([_order(1, BUY, P, 1), CancelOrder(0, 1, BTCUSDT, 1)])  # type: ignore
    assert not of_type(events, OrderAccepted)
    assert reject_code(events) == RejectCode.BATCH_TOO_LARGE


# ---------------------------------------------------------------------- idempotency
def test_same_client_oid_same_payload_is_a_duplicate_with_the_original_id() -> None:
    ex = standard_exchange()
    order_id = order_id_of(ex.buy(1, P, 100, client_oid="abc"))
    before = masked_state(ex.state)
    events = ex.buy(1, P, 100, client_oid="abc")
    duplicate = one(events, Duplicate)
    assert (duplicate.original_id, duplicate.ref, duplicate.command) == (order_id, "abc",
                                                                         "PlaceOrder")
    assert len(events) == 1 and masked_state(ex.state) == before
    # still a duplicate after the order is gone (inside the 6 h window)
    ex.cancel(1, order_id)
    assert one(ex.buy(1, P, 100, client_oid="abc"), Duplicate).original_id == order_id


def test_same_client_oid_other_payload_is_duplicate_different() -> None:
    ex = standard_exchange()
    ex.buy(1, P, 100, client_oid="abc")
    assert reject_code(ex.buy(1, P, 101, client_oid="abc")) == RejectCode.DUPLICATE_DIFFERENT
    # client ids are per user: another user may use the same one
    assert reject_code(ex.buy(2, P, 101, client_oid="abc")) is None


def test_client_oids_are_forgotten_after_six_hours_unless_live() -> None:
    ex = standard_exchange()
    hour = 3600 * 10**9
    t0 = ex.next_ts
    gone = order_id_of(ex.buy(1, P, 100, client_oid="gone"))
    ex.cancel(1, gone)
    live = order_id_of(ex.buy(1, P, 100, client_oid="live"))
    ex.tick(t0 + 5 * hour)
    assert reject_code(ex.buy(1, P, 7, client_oid="gone")) == RejectCode.DUPLICATE_DIFFERENT
    ex.tick(t0 + 6 * hour + 10**9)
    new = order_id_of(ex.buy(1, P, 7, client_oid="gone"))  # forgotten: accepted anew
    assert new != gone
    # the live order's id is kept while it lives, and found by cancel
    assert one(ex.buy(1, P, 100, client_oid="live"), Duplicate).original_id == live
    assert closed(ex.cancel(1, client_oid="live"), live) is not None
    ex.tick(t0 + 20 * hour)
    assert reject_code(ex.buy(1, P, 3, client_oid="live")) is None


def test_a_retry_must_match_in_type_too() -> None:
    """True == 1 and 1.0 == 1 in Python; a malformed retry is not the same command."""
    ex = standard_exchange()
    ex.buy(1, P, 10, client_oid="z")
    for variant in (PlaceOrder(0, True, BTCUSDT, BUY, LIMIT, GTC, P, 10, 0, "z"),
                    PlaceOrder(0, 1, BTCUSDT, False, LIMIT, GTC, P, 10, 0, "z"),
                    PlaceOrder(0, 1, BTCUSDT, BUY, LIMIT, GTC, float(P), 10, 0, "z")):
        events = ex.apply(variant)  # the harness also checks every event field's type
        assert reject_code(events) is not None and not of_type(events, Duplicate), variant


def test_a_bool_user_cannot_act_for_user_1() -> None:
    ex = standard_exchange()
    ex.trade_at(P, 100)
    order_id = order_id_of(ex.buy(1, P - 10, 100))
    ex.plan(1, BUY, P + 10, price=P, size=5)
    plan_id = ex.state.next_order_id - 1
    before = masked_state(ex.state)
    # a bool is not an int: every such command is rejected whole (engine.apply)
    assert reject_code(ex.apply(CancelOrder(0, True, BTCUSDT, order_id))) == \
        RejectCode.INVALID_ARGUMENT  # type: ignore[arg-type]
    assert reject_code(ex.apply(CancelAll(0, True, BTCUSDT))) == \
        RejectCode.INVALID_ARGUMENT  # type: ignore[arg-type]
    assert reject_code(ex.apply(CancelPlan(0, True, BTCUSDT, plan_id))) == \
        RejectCode.INVALID_ARGUMENT  # type: ignore[arg-type]
    assert reject_code(ex.modify(True, order_id, price=P - 11)) == \
        RejectCode.INVALID_ARGUMENT  # type: ignore[arg-type]
    assert masked_state(ex.state) == before
