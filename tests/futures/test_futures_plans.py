"""Plan orders: normal trigger plans, position TP/SL, preset TP/SL, trailing stops.

Triggers on mark or last price (``trigger_type``), execution at market or limit, TP/SL
cancelled when their position closes, one-way vs hedge sides.  The harness checks every
invariant (including the plan index) after each command."""
from __future__ import annotations

from typing import Any, List

from openbourse.core.enums import OrderStatus, PlanStatus
from openbourse.core.events import Rejected
from openbourse.core.futures.commands import (CancelFuturesPlan, PlaceFuturesOrder,
                                              PlaceFuturesPlan, SetPositionMode)
from openbourse.core.futures.enums import OrderKind, PlanType
from openbourse.core.futures.events import (FuturesOrderAccepted, FuturesOrderClosed,
                                            FuturesPlanClosed, FuturesPlanPlaced,
                                            FuturesPlanTriggered, FuturesTrade)
from openbourse.core.reject import RejectCode

from .helpers import Fut

P = 600000  # 60,000.0
MARK, LAST = 1, 0


def _of(events: List[Any], kind: type) -> List[Any]:
    return [e for e in events if type(e) is kind]


def _setup(position: int = 0) -> Fut:
    """Users 1..4 funded, index at P; with ``position`` user 1 holds that long (one-way)
    against user 2.  User 9 is a market maker with deep quotes around P."""
    f = Fut()
    for user in (1, 2, 3, 4, 9):
        f.fund(user, 10**11)
    f.price(P)
    if position:
        f.order(2, 1, P, position)
        f.order(1, 0, P, position)
    return f


def _quotes(f: Fut, around: int, depth: int = 1000) -> None:
    for step in range(1, 4):
        f.order(9, 0, around - 10 * step, depth)
        f.order(9, 1, around + 10 * step, depth)


def _plan(f: Fut, user: int, plan_type: int, trigger: int, **kw: Any) -> List[Any]:
    return f.apply(PlaceFuturesPlan(0, user, "BTCUSDT", int(plan_type), trigger, **kw))


def test_normal_plan_fires_on_mark_at_market() -> None:
    f = _setup()
    placed = _plan(f, 1, PlanType.NORMAL_PLAN, P + 1000, trigger_type=MARK, side=0, size=10)
    plan_id = _of(placed, FuturesPlanPlaced)[0].plan_id
    assert not _of(f.price(P + 500), FuturesPlanTriggered)  # not reached yet
    _quotes(f, P + 1100)
    events = f.price(P + 1100)
    fired = _of(events, FuturesPlanTriggered)
    assert [(e.plan_id, e.user) for e in fired] == [(plan_id, 1)] and fired[0].order_id
    accepted = [e for e in _of(events, FuturesOrderAccepted) if e.order_id == fired[0].order_id]
    assert accepted[0].kind == OrderKind.PLAN and accepted[0].plan_id == plan_id
    assert f.fs().position(1, "BTCUSDT", 0).size == 10
    assert not f.fs().plans


def test_last_price_plan_fires_on_a_trade_not_on_mark() -> None:
    f = _setup()
    # a sell stop on the last price below the market; a mark-price twin at the same level
    last_plan = _of(_plan(f, 1, PlanType.NORMAL_PLAN, P - 1000, trigger_type=LAST, side=1,
                          size=5), FuturesPlanPlaced)[0].plan_id
    mark_plan = _of(_plan(f, 2, PlanType.NORMAL_PLAN, P - 1000, trigger_type=MARK, side=1,
                          size=5), FuturesPlanPlaced)[0].plan_id
    # users 3 and 4 trade at P − 1500: the last price crosses, the mark does not move
    f.order(9, 0, P - 1600, 100)  # depth for the stop's market sell
    f.order(4, 0, P - 1500, 1)
    events = f.order(3, 1, P - 1500, 1)
    assert [e.plan_id for e in _of(events, FuturesPlanTriggered)] == [last_plan]
    assert f.fs().position(1, "BTCUSDT", 1).size == 5  # sold at market into the bids
    assert mark_plan in f.fs().plans


def test_plan_with_limit_price_rests_in_the_book() -> None:
    f = _setup()
    _plan(f, 1, PlanType.NORMAL_PLAN, P - 1000, trigger_type=MARK, side=0, order_type=0,
          price=P - 1200, size=10)
    events = f.price(P - 1100)
    order_id = _of(events, FuturesPlanTriggered)[0].order_id
    order = f.fs().orders[order_id]
    assert order.price == P - 1200 and order.remaining == 10 and order.hold > 0


def test_position_tp_closes_whole_position_and_cancels_the_sl() -> None:
    f = _setup(position=20)
    tp = _of(_plan(f, 1, PlanType.POS_PROFIT, P + 2000, trigger_type=MARK, hold_side=0),
             FuturesPlanPlaced)[0]
    sl = _of(_plan(f, 1, PlanType.POS_LOSS, P - 2000, trigger_type=MARK, hold_side=0),
             FuturesPlanPlaced)[0]
    assert tp.size == 0 and sl.size == 0  # whole position
    _quotes(f, P + 2000)
    events = f.price(P + 2000)
    assert [e.plan_id for e in _of(events, FuturesPlanTriggered)] == [tp.plan_id]
    assert f.fs().position(1, "BTCUSDT", 0) is None
    closed = _of(events, FuturesPlanClosed)
    assert [(e.plan_id, e.status) for e in closed] == [(sl.plan_id, PlanStatus.CANCELLED)]
    assert not f.fs().plans


def test_stop_loss_on_last_price_and_wrong_side_rejects() -> None:
    f = _setup(position=20)
    bad = _plan(f, 1, PlanType.POS_LOSS, P + 2000, trigger_type=MARK, hold_side=0)
    assert [e.code for e in _of(bad, Rejected)] == [RejectCode.TPSL_WRONG_SIDE]
    same = _plan(f, 1, PlanType.NORMAL_PLAN, f.fs().contracts["BTCUSDT"].last, trigger_type=LAST,
                 side=0, size=1)
    assert [e.code for e in _of(same, Rejected)] == [RejectCode.TRIGGER_EQUALS_PRICE]
    _plan(f, 1, PlanType.LOSS_PLAN, P - 1000, trigger_type=LAST, hold_side=0, size=5)
    _quotes(f, P - 1100)
    events = f.order(3, 1, 0, 100)  # a market sell sweeps the bids: last < P − 1000
    fired = _of(events, FuturesPlanTriggered)
    assert len(fired) == 1 and f.fs().position(1, "BTCUSDT", 0).size == 15  # 5 closed


def test_preset_tp_sl_of_an_order_and_cancel_when_position_closed_by_hand() -> None:
    f = _setup()
    f.order(2, 1, P, 10)
    events = f.apply(PlaceFuturesOrder(0, 1, "BTCUSDT", 0, -1, 0, 0, P, 10, tp_trigger=P + 3000,
                                       sl_trigger=P - 3000))
    order_id = _of(events, FuturesOrderAccepted)[0].order_id
    presets = _of(events, FuturesPlanPlaced)
    assert [(p.plan_type, p.parent_order_id, p.size) for p in presets] == [
        (PlanType.PROFIT_PLAN, order_id, 10), (PlanType.LOSS_PLAN, order_id, 10)]
    # the user closes the position by hand: both presets go
    f.order(3, 0, P, 10)
    events = f.order(1, 1, P, 10, reduce_only=1)
    assert f.fs().position(1, "BTCUSDT", 0) is None
    assert sorted(e.plan_id for e in _of(events, FuturesPlanClosed)) == \
        sorted(p.plan_id for p in presets)
    assert not f.fs().plans


def test_preset_tp_sl_of_a_resting_order_come_with_its_maker_fills() -> None:
    """A limit order with preset TP/SL that rests gets one TP and one SL plan per maker
    fill (sized to that fill); none while it only rests."""
    f = _setup()
    events = f.apply(PlaceFuturesOrder(0, 1, "BTCUSDT", 0, -1, 0, 0, P, 10, tp_trigger=P + 3000,
                                       sl_trigger=P - 3000, sl_price=P - 3100))
    order_id = _of(events, FuturesOrderAccepted)[0].order_id
    assert not _of(events, FuturesPlanPlaced) and not f.fs().plans
    events = f.order(2, 1, P, 4)  # first fill: 4 of 10
    presets = _of(events, FuturesPlanPlaced)
    assert [(p.plan_type, p.parent_order_id, p.size, p.user, p.hold_side, p.order_type, p.price)
            for p in presets] == [
        (PlanType.PROFIT_PLAN, order_id, 4, 1, 0, 1, 0),
        (PlanType.LOSS_PLAN, order_id, 4, 1, 0, 0, P - 3100)]
    events = f.order(3, 1, P, 6)  # the rest
    later = _of(events, FuturesPlanPlaced)
    assert [(p.plan_type, p.parent_order_id, p.size) for p in later] == [
        (PlanType.PROFIT_PLAN, order_id, 6), (PlanType.LOSS_PLAN, order_id, 6)]
    assert sum(p.size for p in f.fs().plans.values()) == 20  # TP 4+6, SL 4+6
    assert f.fs().position(1, "BTCUSDT", 0).size == 10
    # the TPs fire together on the trigger and close the whole position
    _quotes(f, P + 3000)
    events = f.price(P + 3000)
    assert f.fs().position(1, "BTCUSDT", 0) is None
    assert not f.fs().plans


def test_preset_tp_sl_of_a_partly_taker_order_cover_taker_and_maker_parts() -> None:
    f = _setup()
    f.order(2, 1, P, 3)
    events = f.apply(PlaceFuturesOrder(0, 1, "BTCUSDT", 0, -1, 0, 0, P, 10, tp_trigger=P + 3000))
    order_id = _of(events, FuturesOrderAccepted)[0].order_id
    assert [(p.plan_type, p.size) for p in _of(events, FuturesPlanPlaced)] == [
        (PlanType.PROFIT_PLAN, 3)]
    events = f.order(3, 1, P, 7)
    assert [(p.plan_type, p.parent_order_id, p.size) for p in _of(events, FuturesPlanPlaced)] == [
        (PlanType.PROFIT_PLAN, order_id, 7)]


def test_hedge_mode_tp_sl_follow_their_own_side() -> None:
    f = _setup()
    for user in (1,):
        f.apply(SetPositionMode(0, user, 0, 1))
    # user 1 opens a long and a short (hedge: buy+open, sell+open)
    f.order(2, 1, P, 10)
    f.order(1, 0, P, 10, trade_side=0)
    f.order(2, 0, P, 8)
    f.order(1, 1, P, 8, trade_side=0)
    fs = f.fs()
    assert fs.position(1, "BTCUSDT", 0).size == 10 and fs.position(1, "BTCUSDT", 1).size == 8
    long_tp = _of(_plan(f, 1, PlanType.POS_PROFIT, P + 2000, trigger_type=MARK, hold_side=0),
                  FuturesPlanPlaced)[0].plan_id
    short_tp = _of(_plan(f, 1, PlanType.POS_PROFIT, P - 2000, trigger_type=MARK, hold_side=1),
                   FuturesPlanPlaced)[0].plan_id
    # close the short by hand (hedge close short = sell + close): only its TP goes
    f.order(3, 1, P, 8)
    events = f.order(1, 1, P, 8, trade_side=1)
    assert fs.position(1, "BTCUSDT", 1) is None
    assert [e.plan_id for e in _of(events, FuturesPlanClosed)] == [short_tp]
    _quotes(f, P + 2000)
    events = f.price(P + 2000)
    assert [e.plan_id for e in _of(events, FuturesPlanTriggered)] == [long_tp]
    assert fs.position(1, "BTCUSDT", 0) is None


def test_trailing_stop_follows_the_high_and_fires_on_the_callback() -> None:
    f = _setup(position=10)
    placed = _plan(f, 1, PlanType.TRACK_PLAN, 0, trigger_type=MARK, side=1, size=10,
                   reduce_only=1, callback_ppm=10_000)  # 1 %, active at once
    plan_id = _of(placed, FuturesPlanPlaced)[0].plan_id
    for price in (P + 5000, P + 20000, P + 15000):  # high 62,000; −0.8 % is not enough
        assert not _of(f.price(price), FuturesPlanTriggered)
    plan = f.fs().plans[plan_id]
    assert plan.best >= P + 20000 - 100
    _quotes(f, P + 13000)
    events = f.price(P + 13000)  # ≈ −1.1 % from the high
    assert [e.plan_id for e in _of(events, FuturesPlanTriggered)] == [plan_id]
    assert f.fs().position(1, "BTCUSDT", 0) is None


def test_trailing_stop_with_activation_price() -> None:
    f = _setup(position=10)
    plan_id = _of(_plan(f, 1, PlanType.TRACK_PLAN, P + 10000, trigger_type=MARK, side=1,
                        size=10, reduce_only=1, callback_ppm=5_000), FuturesPlanPlaced)[0].plan_id
    assert not _of(f.price(P - 5000), FuturesPlanTriggered)  # inactive: no trailing yet
    assert not f.fs().plans[plan_id].active
    f.price(P + 10000)  # activates
    assert f.fs().plans[plan_id].active
    _quotes(f, P + 6000)
    events = f.price(P + 6000)  # ≈ −0.65 % from the activation high (callback 0.5 %)
    assert [e.plan_id for e in _of(events, FuturesPlanTriggered)] == [plan_id]


def test_failed_plan_and_cancel_by_client_oid() -> None:
    f = _setup()
    _plan(f, 1, PlanType.NORMAL_PLAN, P + 1000, trigger_type=MARK, side=1, size=10,
          reduce_only=1, client_oid="stop-1")  # reduce-only with no position: fails on fire
    plan_id = _plan(f, 1, PlanType.NORMAL_PLAN, P - 1000, trigger_type=MARK, side=0, size=10,
                    client_oid="buy-dip")[-1].plan_id
    events = f.apply(CancelFuturesPlan(0, 1, "BTCUSDT", client_oid="buy-dip"))
    assert [(e.plan_id, e.status) for e in _of(events, FuturesPlanClosed)] == \
        [(plan_id, PlanStatus.CANCELLED)]
    events = f.price(P + 1000)
    assert len(_of(events, FuturesPlanTriggered)) == 1
    assert [(e.status, e.code) for e in _of(events, FuturesPlanClosed)] == \
        [(PlanStatus.FAILED, RejectCode.NO_POSITION)]
    assert not f.fs().plans


def test_many_plans_only_the_due_ones_are_touched() -> None:
    f = _setup()
    ids = []
    for n in range(200):
        ids.append(_of(_plan(f, 1 + n % 4, PlanType.NORMAL_PLAN, P + 1000 + 100 * n,
                             trigger_type=MARK, side=0, order_type=0, price=P - 5000, size=1),
                        FuturesPlanPlaced)[0].plan_id)
    events = f.price(P + 1000 + 100 * 9)  # the first ten are due
    assert [e.plan_id for e in _of(events, FuturesPlanTriggered)] == ids[:10]
    assert len(f.fs().plans) == 190
    assert all(e.status != OrderStatus.CANCELLED for e in _of(events, FuturesOrderClosed))
    assert not _of(events, FuturesTrade)


def test_liquidation_cancels_the_positions_tp_sl() -> None:
    f = Fut()
    for user in (1, 2):
        f.fund(user, 10**10)
    f.price(272495)
    f.isolated(1)
    f.lever(1, 10)
    f.order(2, 1, 272495, 100)
    f.order(1, 0, 272495, 100)
    tp = _of(_plan(f, 1, PlanType.POS_PROFIT, 300000, trigger_type=MARK, hold_side=0),
             FuturesPlanPlaced)[0].plan_id
    sl = _of(_plan(f, 1, PlanType.LOSS_PLAN, 200000, trigger_type=LAST, hold_side=0, size=50),
             FuturesPlanPlaced)[0].plan_id
    events = f.price(240000)  # past the liquidation price (≈ 24,637.8): ADL against user 2
    assert f.fs().position(1, "BTCUSDT", 0) is None
    closed = _of(events, FuturesPlanClosed)
    assert sorted((e.plan_id, e.status) for e in closed) == \
        [(tp, PlanStatus.CANCELLED), (sl, PlanStatus.CANCELLED)]
    assert not f.fs().plans


def test_modify_plan_replaces_it_or_changes_nothing() -> None:
    from openbourse.core.futures.commands import ModifyFuturesPlan

    f = _setup(position=20)
    sl = _of(_plan(f, 1, PlanType.POS_LOSS, P - 2000, trigger_type=MARK, hold_side=0,
                   client_oid="sl"), FuturesPlanPlaced)[0]
    # refused (wrong side for a long's stop-loss): the old plan stays, nothing emitted but the
    # reject
    events = f.apply(ModifyFuturesPlan(0, 1, "BTCUSDT", sl.plan_id, "", P + 2000, MARK))
    assert [type(e) for e in events] == [Rejected]
    assert events[0].code == RejectCode.TPSL_WRONG_SIDE
    assert list(f.fs().plans) == [sl.plan_id]
    # accepted: its own duplicate check does not count the plan it replaces
    events = f.apply(ModifyFuturesPlan(0, 1, "BTCUSDT", 0, "sl", P - 3000, MARK))
    assert [(e.plan_id, e.status) for e in _of(events, FuturesPlanClosed)] == [
        (sl.plan_id, PlanStatus.CANCELLED)]
    (new,) = _of(events, FuturesPlanPlaced)
    assert (new.plan_type, new.trigger_price, new.hold_side, new.client_oid, new.size) == (
        PlanType.POS_LOSS, P - 3000, 0, "sl", 0)
    assert list(f.fs().plans) == [new.plan_id]
    # a normal plan: new size and limit price; unknown plan rejected
    normal = _of(_plan(f, 1, PlanType.NORMAL_PLAN, P + 5000, trigger_type=MARK, side=0, size=3),
                 FuturesPlanPlaced)[0]
    events = f.apply(ModifyFuturesPlan(0, 1, "BTCUSDT", normal.plan_id, "", P + 4000, MARK, 0,
                                       P + 4100, 7))
    (moved,) = _of(events, FuturesPlanPlaced)
    assert (moved.trigger_price, moved.order_type, moved.price, moved.size, moved.side) == (
        P + 4000, 0, P + 4100, 7, 0)
    events = f.apply(ModifyFuturesPlan(0, 1, "BTCUSDT", normal.plan_id, "", P + 4000, MARK))
    assert [e.code for e in _of(events, Rejected)] == [RejectCode.PLAN_NOT_FOUND]
