"""Plan (trigger) orders and TP/SL attached to orders."""
from __future__ import annotations

from openbourse.core.enums import PlanStatus
from openbourse.core.events import (
    OrderAccepted,
    OrderClosed,
    PlanClosed,
    PlanPlaced,
    PlanTriggered,
    TradeExecuted,
)
from openbourse.core.reject import RejectCode
from openbourse.testing.builders import (
    BTC,
    BUY,
    MARKET,
    SELL,
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


def _market_with_last_price(**kw):
    ex = standard_exchange(**kw)
    ex.trade_at(P, 100)
    return ex


def test_plan_needs_a_last_price_and_a_trigger_off_it() -> None:
    ex = standard_exchange()
    assert reject_code(ex.plan(1, BUY, P, price=P, size=100)) == RejectCode.NO_LAST_PRICE
    ex.trade_at(P, 100)
    assert reject_code(ex.plan(1, BUY, P, price=P, size=100)) == RejectCode.TRIGGER_EQUALS_PRICE
    assert reject_code(ex.plan(1, BUY, 0, price=P, size=100)) == RejectCode.INVALID_ARGUMENT
    assert reject_code(ex.plan(1, BUY, P + 1, price=P, size=0)) == RejectCode.SIZE_PRECISION


def test_plan_holds_nothing_and_fires_when_the_price_rises_to_it() -> None:
    ex = _market_with_last_price()
    events = ex.plan(1, BUY, P + 100, price=P + 200, size=50)
    plan_id = one(events, PlanPlaced).plan_id
    assert ex.balance(1, USDT)[1] == 0
    ex.trade_at(P + 99, 100)  # not yet
    assert plan_id in ex.state.plans
    ex.sell(2, P + 150, 50)  # will be the triggered buy's maker
    events = ex.trade_at(P + 100, 100)
    triggered = one(events, PlanTriggered)
    accepted = [e for e in of_type(events, OrderAccepted) if e.plan_id == plan_id]
    assert triggered.plan_id == plan_id and accepted[0].order_id == triggered.order_id
    assert events.index(triggered) < events.index(accepted[0])
    trade = [t for t in of_type(events, TradeExecuted) if t.taker_order_id == triggered.order_id]
    assert (trade[0].price, trade[0].size) == (P + 150, 50)
    assert plan_id not in ex.state.plans


def test_plan_below_the_last_price_fires_when_the_price_falls_to_it() -> None:
    ex = _market_with_last_price()
    plan_id = one(ex.plan(1, SELL, P - 100, size=50), PlanPlaced).plan_id  # market sell
    ex.trade_at(P + 500, 100)  # moving away does nothing
    assert plan_id in ex.state.plans
    ex.buy(2, P - 300, 50)
    events = ex.trade_at(P - 100, 100)
    triggered = one(events, PlanTriggered)
    assert triggered.plan_id == plan_id
    assert [t.price for t in of_type(events, TradeExecuted)
            if t.taker_order_id == triggered.order_id] == [P - 300]


def test_plan_fails_when_the_balance_is_gone_at_trigger_time() -> None:
    ex = _market_with_last_price()
    ex.deposit(7, USDT, 50 * (P + 200))
    plan_id = one(ex.plan(7, BUY, P + 100, price=P + 200, size=50), PlanPlaced).plan_id
    ex.withdraw(7, USDT, 50 * (P + 200), "w-all")  # the money leaves meanwhile
    events = ex.trade_at(P + 100, 100)
    failed = one(events, PlanClosed)
    assert (failed.plan_id, failed.status, failed.code) == (
        plan_id, PlanStatus.FAILED, RejectCode.INSUFFICIENT_BALANCE)
    assert not of_type(events, PlanTriggered) and plan_id not in ex.state.plans


def test_cancel_plan_by_id_and_by_client_oid() -> None:
    ex = _market_with_last_price()
    first = one(ex.plan(1, BUY, P + 100, price=P, size=5), PlanPlaced).plan_id
    second = one(ex.plan(1, SELL, P - 100, size=5, client_oid="p2"), PlanPlaced).plan_id
    assert reject_code(ex.cancel_plan(2, first)) == RejectCode.PLAN_NOT_FOUND
    assert one(ex.cancel_plan(1, first), PlanClosed).status == PlanStatus.CANCELLED
    closed_plan = one(ex.cancel_plan(1, client_oid="p2"), PlanClosed)
    assert (closed_plan.plan_id, closed_plan.status) == (second, PlanStatus.CANCELLED)
    assert reject_code(ex.cancel_plan(1, first)) == RejectCode.PLAN_NOT_FOUND
    ex.trade_at(P + 100, 100)
    ex.trade_at(P - 100, 100)
    assert not ex.state.plans


def test_plan_client_oid_idempotency() -> None:
    ex = _market_with_last_price()
    plan_id = one(ex.plan(1, BUY, P + 100, price=P, size=5, client_oid="q"), PlanPlaced).plan_id
    before = masked_state(ex.state)
    events = ex.plan(1, BUY, P + 100, price=P, size=5, client_oid="q")
    assert events[0].original_id == plan_id and masked_state(ex.state) == before
    assert reject_code(ex.plan(1, BUY, P + 100, price=P, size=6, client_oid="q")) == \
        RejectCode.DUPLICATE_DIFFERENT


def test_too_many_plans() -> None:
    ex = _market_with_last_price()
    for index in range(200):
        assert reject_code(ex.plan(1, BUY, P + 1 + index, price=P, size=5)) is None
    assert reject_code(ex.plan(1, BUY, P + 500, price=P, size=5)) == RejectCode.TOO_MANY_PLANS
    assert reject_code(ex.plan(2, BUY, P + 500, price=P, size=5)) is None


def test_halted_market_keeps_plans_dormant_until_resumed() -> None:
    ex = _market_with_last_price()
    plan_id = one(ex.plan(1, BUY, P + 100, price=P + 100, size=5), PlanPlaced).plan_id
    ex.halt()
    assert reject_code(ex.plan(1, BUY, P + 200, price=P, size=5)) == RejectCode.MARKET_HALTED
    assert reject_code(ex.buy(1, P, 5)) == RejectCode.MARKET_HALTED
    ex.tick(ex.next_ts + 10**12)
    assert plan_id in ex.state.plans
    events = ex.resume()
    assert not of_type(events, PlanTriggered) and plan_id in ex.state.plans
    events = ex.trade_at(P + 100, 100)
    assert one(events, PlanTriggered).plan_id == plan_id


def test_plans_can_cascade_within_one_command() -> None:
    ex = _market_with_last_price()
    # plan A: when the price reaches P+100, market-buy; it lifts an ask at P+300,
    # which reaches plan B's trigger (P+250)
    ex.sell(2, P + 300, 10)
    plan_a = one(ex.plan(1, BUY, P + 100, quote_size=20 * (P + 300)), PlanPlaced).plan_id
    ex.sell(2, P + 400, 10)
    plan_b = one(ex.plan(3, BUY, P + 250, price=P + 400, size=10), PlanPlaced).plan_id
    events = ex.trade_at(P + 100, 100)
    assert [e.plan_id for e in of_type(events, PlanTriggered)] == [plan_a, plan_b]
    assert ex.market().last_price == P + 400


# ---------------------------------------------------------------------- TP/SL
def _tpsl_buy(ex, limit=P, **tpsl):
    """User 1 buys 100 with limit ``limit`` against user 2's ask at P, with TP/SL attached."""
    ex.sell(2, P, 100)
    return ex.buy(1, limit, 100, **tpsl)


def test_tpsl_legs_are_created_when_the_order_fills_and_are_oco() -> None:
    ex = _market_with_last_price()
    events = _tpsl_buy(ex, tp_trigger=P + 1000, sl_trigger=P - 1000)
    legs = of_type(events, PlanPlaced)
    assert len(legs) == 2
    take_profit, stop_loss = legs
    parent = order_id_of(events)
    assert {take_profit.parent_order_id, stop_loss.parent_order_id} == {parent}
    assert (take_profit.oco_plan_id, stop_loss.oco_plan_id) == (stop_loss.plan_id,
                                                                take_profit.plan_id)
    # both sell what was received, net of the fee, as market orders
    received = 100 * 100 - one(events, TradeExecuted).taker_fee
    assert take_profit.side == SELL and take_profit.order_type == MARKET
    assert take_profit.size == stop_loss.size == received // 100
    assert (take_profit.trigger_price, stop_loss.trigger_price) == (P + 1000, P - 1000)
    # TP fires on the way up; the SL is cancelled with it (one-cancels-the-other)
    ex.buy(3, P + 900, 200)  # the bid the take-profit's market sell will hit
    events = ex.trade_at(P + 1000, 10)
    assert one(events, PlanTriggered).plan_id == take_profit.plan_id
    cancelled = one(events, PlanClosed)
    assert (cancelled.plan_id, cancelled.status) == (stop_loss.plan_id, PlanStatus.CANCELLED)
    assert not ex.state.plans


def test_tpsl_wrong_side_and_precision_are_refused() -> None:
    ex = _market_with_last_price(tick=10)
    assert reject_code(ex.buy(1, P, 100, tp_trigger=P - 10)) == RejectCode.TPSL_WRONG_SIDE
    assert reject_code(ex.buy(1, P, 100, sl_trigger=P + 10)) == RejectCode.TPSL_WRONG_SIDE
    assert reject_code(ex.sell(1, P, 100, tp_trigger=P + 10)) == RejectCode.TPSL_WRONG_SIDE
    assert reject_code(ex.buy(1, P, 100, tp_trigger=P + 15)) == RejectCode.PRICE_PRECISION


def test_tpsl_on_a_market_order_needs_a_last_price() -> None:
    ex = standard_exchange()
    assert reject_code(ex.market_buy(1, 100 * P, tp_trigger=P + 10)) == RejectCode.NO_LAST_PRICE


def test_stop_loss_of_a_buy_fires_on_a_fall_even_when_the_fill_was_below_it() -> None:
    ex = _market_with_last_price()
    # limit P+200 fills at P (price improvement); the stop at P+100 is already breached
    events = _tpsl_buy(ex, P + 200, tp_trigger=P + 5000, sl_trigger=P + 100)
    stop_loss = [leg for leg in of_type(events, PlanPlaced) if leg.trigger_price == P + 100]
    assert stop_loss, events
    fired_now = [e.plan_id for e in of_type(events, PlanTriggered)]
    later = ex.trade_at(P + 150, 10)  # a RISE must never fire a long position's stop
    fired_later = [e.plan_id for e in of_type(later, PlanTriggered)]
    assert stop_loss[0].plan_id not in fired_later
    assert stop_loss[0].plan_id in fired_now


def test_tpsl_of_a_partially_filled_order_survive_its_cancel() -> None:
    ex = _market_with_last_price()
    ex.sell(2, P, 40)
    events = ex.buy(1, P, 100, tp_trigger=P + 1000, sl_trigger=P - 1000)
    order_id = order_id_of(events)
    assert not of_type(events, PlanPlaced)  # still resting: legs come when it ends
    events = ex.cancel(1, order_id)
    close = closed(events, order_id)
    assert close is not None and close.filled_size == 40
    legs = of_type(events, PlanPlaced)
    assert len(legs) == 2, "the 40 bought need their TP/SL"
    fee = -(-40 * 100 * 1000 // 1_000_000)
    assert {leg.size for leg in legs} == {(40 * 100 - fee) // 100}


def test_worked_example_oco_stop_loss_limit_fires_and_take_profit_is_cancelled() -> None:
    """products.md §1.10: OCO on 1 BTC held: TP limit 82,000; SL trigger 76,500 / limit
    76,450.  Price hits 76,500 first → SL limit order placed, TP cancelled, the BTC stays
    frozen for the SL order."""
    ex = standard_exchange(users=(1, 2, 3), price_precision=2, quantity_precision=6)
    ex.trade_at(8_000_000, 100)
    ex.sell(2, 8_000_000, 1_000_000)  # 1 BTC at 80,000
    events = ex.buy(1, 8_000_000, 1_000_000, tp_trigger=8_200_000, tp_price=8_200_000,
                    sl_trigger=7_650_000, sl_price=7_645_000)
    legs = of_type(events, PlanPlaced)
    assert len(legs) == 2
    btc_before = ex.balance(1, BTC)
    events = ex.trade_at(7_650_000, 100)
    fired = one(events, PlanTriggered)
    stop = next(leg for leg in legs if leg.trigger_price == 7_650_000)
    take = next(leg for leg in legs if leg.trigger_price == 8_200_000)
    assert fired.plan_id == stop.plan_id
    assert one(events, PlanClosed).plan_id == take.plan_id
    order = next(e for e in of_type(events, OrderAccepted) if e.plan_id == stop.plan_id)
    assert (order.side, order.price, order.size) == (SELL, 7_645_000, stop.size)
    assert ex.book()["asks"][0][:3] == (order.order_id, 1, 7_645_000)
    frozen = stop.size * 100
    assert ex.balance(1, BTC) == (btc_before[0] - frozen, frozen)
    assert not of_type(events, OrderClosed) or all(
        e.order_id != order.order_id for e in of_type(events, OrderClosed))


def test_plan_due_while_halted_fires_only_when_trading_resumes() -> None:
    ex = _market_with_last_price()
    ex.buy(3, P - 50, 100)  # the bid the stop-loss will sell into
    ex.sell(2, P, 40)
    order_id = order_id_of(ex.buy(1, P + 200, 100, tp_trigger=P + 5000, sl_trigger=P + 100))
    ex.halt()
    events = ex.cancel(1, order_id)  # cancels are allowed while halted
    legs = of_type(events, PlanPlaced)
    stop = next(leg for leg in legs if leg.trigger_price == P + 100)
    take = next(leg for leg in legs if leg.trigger_price == P + 5000)
    # the stop is already breached (last P <= P + 100) but the market is halted
    assert not of_type(events, PlanTriggered) and stop.plan_id in ex.state.plans
    events = ex.resume()
    assert one(events, PlanTriggered).plan_id == stop.plan_id
    assert one(events, PlanClosed).plan_id == take.plan_id
    trade = one(events, TradeExecuted)
    assert (trade.price, trade.taker_user, trade.size) == (P - 50, 1, stop.size)
