"""Listing events, client-order-id idempotency (6 h window, like spot) and order holds."""
from __future__ import annotations

from openbourse.core.commands import ListAsset
from openbourse.core.engine import EngineState, apply
from openbourse.core.events import Duplicate, Rejected
from openbourse.core.futures.commands import (CancelFuturesOrder, PlaceFuturesOrder,
                                              PlaceFuturesPlan)
from openbourse.core.futures.contracts import tiers_text
from openbourse.core.futures.demo import DEMO_ASSETS, demo_contracts
from openbourse.core.futures.events import (ContractListed, FuturesOrderAccepted,
                                            FuturesPlanPlaced)
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
