"""Listing events, client-order-id idempotency (6 h window, like spot) and order holds."""
from __future__ import annotations

from openbourse.core.commands import ListAsset
from openbourse.core.engine import EngineState, apply
from openbourse.core.events import Duplicate, Rejected
from openbourse.core.enums import CloseReason
from openbourse.core.futures.commands import (CancelFuturesOrder, ModifyFuturesOrder,
                                              PlaceFuturesOrder, PlaceFuturesPlan)
from openbourse.core.futures.contracts import tiers_text
from openbourse.core.futures.demo import DEMO_ASSETS, demo_contracts
from openbourse.core.futures.events import (ContractListed, FuturesOrderAccepted,
                                            FuturesOrderClosed, FuturesPlanPlaced)
from openbourse.core.reject import RejectCode

from .helpers import Fut

P = 600000
HOUR = 3600 * 10**9


def test_contract_listed_carries_every_command_field() -> None:
    state = EngineState()
    for asset, scale in DEMO_ASSETS:
        apply(state, ListAsset(1, asset, scale))
    for spec in demo_contracts(5):
        listed = [e for e in apply(state, spec) if type(e) is ContractListed]
        assert len(listed) == 1
        event = listed[0]
        for name in spec._fields:
            expected = getattr(spec, name)
            if name == "tiers":
                expected = tiers_text(expected)
            assert getattr(event, name) == expected, name
        assert event.next_funding_ns > event.ts_ns


def _funded() -> Fut:
    f = Fut()
    for user in (1, 2):
        f.fund(user, 10**11)
    f.price(P)
    return f


def _order(oid: str, price: int = P - 1000, size: int = 10) -> PlaceFuturesOrder:
    return PlaceFuturesOrder(0, 1, "BTCUSDT", 0, -1, 0, 0, price, size, client_oid=oid)


def test_identical_retry_is_a_duplicate_and_a_different_one_is_rejected() -> None:
    f = _funded()
    first = f.apply(_order("a1"))
    order_id = [e for e in first if type(e) is FuturesOrderAccepted][0].order_id
    retry = f.apply(_order("a1"))
    assert [(type(e), e.original_id) for e in retry] == [(Duplicate, order_id)]
    other = f.apply(_order("a1", size=11))
    assert [e.code for e in other if type(e) is Rejected] == [RejectCode.DUPLICATE_DIFFERENT]
    # still a duplicate after the order is gone (within the window)
    f.apply(CancelFuturesOrder(0, 1, "BTCUSDT", client_oid="a1"))
    assert type(f.apply(_order("a1"))[0]) is Duplicate
    # after 6 h (ClockTick) the id may be used again
    f.tick(f.ts + 7 * HOUR)
    again = f.apply(_order("a1"))
    assert [e for e in again if type(e) is FuturesOrderAccepted]


def test_live_order_keeps_its_client_id_past_the_window() -> None:
    f = _funded()
    f.apply(_order("live"))
    f.tick(f.ts + 7 * HOUR)
    f.tick(f.ts + 7 * HOUR)
    assert [e.code for e in f.apply(_order("live", size=3)) if type(e) is Rejected] == \
        [RejectCode.DUPLICATE_DIFFERENT]


def test_plan_client_ids_are_idempotent_too() -> None:
    f = _funded()
    cmd = PlaceFuturesPlan(0, 1, "BTCUSDT", 0, P + 1000, 1, side=0, size=5, client_oid="p1")
    plan_id = [e for e in f.apply(cmd) if type(e) is FuturesPlanPlaced][0].plan_id
    assert [(type(e), e.original_id) for e in f.apply(cmd)] == [(Duplicate, plan_id)]
    changed = f.apply(cmd._replace(size=6))
    assert [e.code for e in changed if type(e) is Rejected] == [RejectCode.DUPLICATE_DIFFERENT]


def test_partially_filled_maker_releases_hold_in_proportion() -> None:
    f = _funded()
    f.apply(PlaceFuturesOrder(0, 1, "BTCUSDT", 0, -1, 0, 0, P, 100))  # resting bid
    order = next(iter(f.fs().orders.values()))
    full = order.hold
    f.apply(PlaceFuturesOrder(0, 2, "BTCUSDT", 1, -1, 0, 0, P, 25))  # fills a quarter
    assert order.remaining == 75
    assert order.hold == full - full * 25 // 100


def test_reindexing_at_an_unchanged_trigger_adds_no_heap_entry() -> None:
    """Regression: re-pushing an unchanged trigger made duplicate heap entries that the
    compaction kept, so heaps grew and were compacted on every push (O(n) per fill)."""
    from openbourse.core.futures.margin import refresh_position
    f = _funded()
    f.isolated(1)
    f.order(2, 1, P, 10)
    f.order(1, 0, P, 10)  # user 1 isolated long, user 2 cross short
    fs = f.fs()
    contract = fs.contracts["BTCUSDT"]
    for _ in range(500):
        for pos in list(fs.positions.values()):
            refresh_position(f.state, fs, pos)
    assert len(contract.long_heap) + len(contract.short_heap) <= 2 * len(fs.positions) + 2


def test_snapshot_restore_keeps_client_ids_plans_and_indexes() -> None:
    from openbourse.core.engine.snapshot import decode_state, encode_state
    from openbourse.core.futures.commands import UpdatePrices
    f = _funded()
    f.apply(_order("keep"))  # resting, with a client id
    f.order(2, 1, P, 10)
    f.order(1, 0, P, 10)  # a position for TP/SL
    f.apply(PlaceFuturesPlan(0, 1, "BTCUSDT", 1, P + 5000, 1, hold_side=0, client_oid="tp"))
    f.apply(PlaceFuturesPlan(0, 1, "BTCUSDT", 5, 0, 1, side=1, size=5, reduce_only=1,
                             callback_ppm=10_000))  # active trailing stop
    f.apply(PlaceFuturesPlan(0, 2, "BTCUSDT", 0, P - 3000, 0, side=0, size=3))
    restored = decode_state(encode_state(f.state))
    assert encode_state(restored) == encode_state(f.state)
    later = [_order("keep"), UpdatePrices(0, "BTCUSDT", (("ext", P + 3000, 1),)),
             UpdatePrices(0, "BTCUSDT", (("ext", P - 4000, 1),)),
             UpdatePrices(0, "BTCUSDT", (("ext", P + 6000, 1),))]
    for cmd in later:
        cmd = cmd._replace(ts_ns=f.ts + 10**6)
        a = f.apply(cmd, cmd.ts_ns)
        b = apply(restored, cmd)
        assert a == b
    assert encode_state(restored) == encode_state(f.state)


# ---- ModifyFuturesOrder: checked in full first, then cancel + new atomically ---------------

def _resting(f: Fut, **kw: object) -> int:
    events = f.apply(PlaceFuturesOrder(0, 1, "BTCUSDT", 0, -1, 0, 0, P - 100, 10,
                                       client_oid="old", **kw))  # type: ignore[arg-type]
    return [e for e in events if type(e) is FuturesOrderAccepted][0].order_id


def test_modify_replaces_a_resting_order_with_a_new_one() -> None:
    f = _funded()
    old = _resting(f, tp_trigger=P + 3000)
    events = f.apply(ModifyFuturesOrder(0, 1, "BTCUSDT", old, "", "new", 20, P - 50))
    closed = [e for e in events if type(e) is FuturesOrderClosed]
    accepted = [e for e in events if type(e) is FuturesOrderAccepted]
    assert [(e.order_id, e.reason) for e in closed] == [(old, CloseReason.REPLACED)]
    assert [(e.price, e.size, e.client_oid) for e in accepted] == [(P - 50, 20, "new")]
    new = f.fs().orders[accepted[0].order_id]
    assert (new.tp_trigger, new.sl_trigger) == (P + 3000, 0)  # presets kept
    assert old not in f.fs().orders
    # by client id; drop the TP; the new id is taken by a later place
    events = f.apply(ModifyFuturesOrder(0, 1, "BTCUSDT", 0, "new", "newer", new_tp_trigger=0))
    replacement = f.fs().orders[[e for e in events if type(e) is FuturesOrderAccepted][0].order_id]
    assert (replacement.size, replacement.tp_trigger) == (20, 0)
    events = f.apply(PlaceFuturesOrder(0, 1, "BTCUSDT", 0, -1, 0, 0, P - 100, 10,
                                       client_oid="newer"))
    assert [e.code for e in events if type(e) is Rejected] == [RejectCode.DUPLICATE_DIFFERENT]


def test_refused_modify_leaves_the_original_order_live() -> None:
    f = Fut()
    f.fund(1, 10**9)  # enough for the order, not for ten times it
    f.price(P)
    old = _resting(f)
    before = (dict(f.fs().orders), f.state.ledger.balances[(1, 5, "USDT")].available)
    cases = [
        (ModifyFuturesOrder(0, 1, "BTCUSDT", old, "", "x", 10_000), RejectCode.INSUFFICIENT_MARGIN),
        (ModifyFuturesOrder(0, 1, "BTCUSDT", old, "", "x", 0, P * 2), RejectCode.PRICE_OUT_OF_BAND),
        (ModifyFuturesOrder(0, 1, "BTCUSDT", old, "", "", 0, P - 100),
         RejectCode.NOTHING_TO_MODIFY),
        (ModifyFuturesOrder(0, 1, "BTCUSDT", old + 99, "", "x", 5), RejectCode.ORDER_NOT_FOUND),
        (ModifyFuturesOrder(0, 1, "BTCUSDT", old, "", "old", 5), RejectCode.DUPLICATE_DIFFERENT),
    ]
    for cmd, code in cases:
        events = f.apply(cmd)
        assert [type(e) for e in events] == [Rejected], cmd
        assert events[0].code == code, cmd
    assert f.fs().orders == before[0] and old in f.fs().orders
    assert f.state.ledger.balances[(1, 5, "USDT")].available == before[1]


def test_modify_credits_the_old_hold_and_closing_size() -> None:
    f = _funded()
    f.order(2, 1, P, 10)
    f.order(1, 0, P, 10)  # user 1 long 10
    events = f.order(1, 1, P + 100, 10, reduce_only=1)
    close_id = [e for e in events if type(e) is FuturesOrderAccepted][0].order_id
    # the whole position is promised to the old closing order: the modify may reuse it
    events = f.apply(ModifyFuturesOrder(0, 1, "BTCUSDT", close_id, "", "", 0, P + 200))
    assert [(e.reduce_only, e.size) for e in events if type(e) is FuturesOrderAccepted] == [(1, 10)]
    # an opening order holding most of the free margin can be moved (its own hold is credited)
    g = Fut()
    g.fund(1, 10**9)
    g.price(P)
    events = g.apply(PlaceFuturesOrder(0, 1, "BTCUSDT", 0, -1, 0, 0, P - 100, 1))
    one = [e for e in events if type(e) is FuturesOrderAccepted][0]
    g.apply(CancelFuturesOrder(0, 1, "BTCUSDT", one.order_id))
    free = g.state.ledger.balances[(1, 5, "USDT")].available
    size = free // one.hold - 1
    events = g.apply(PlaceFuturesOrder(0, 1, "BTCUSDT", 0, -1, 0, 0, P - 100, size))
    big = [e for e in events if type(e) is FuturesOrderAccepted][0]
    assert g.state.ledger.balances[(1, 5, "USDT")].available < big.hold
    events = g.apply(ModifyFuturesOrder(0, 1, "BTCUSDT", big.order_id, "", "", 0, P - 150))
    assert not [e for e in events if type(e) is Rejected]
    assert [e.size for e in events if type(e) is FuturesOrderAccepted] == [size]
