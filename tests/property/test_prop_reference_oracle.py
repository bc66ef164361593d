"""Reference oracle: the engine and a deliberately naive book agree on a seeded stream.

The same 100k-command stream (GTC limits near a moving mid, cancels, IOC/FOK/post-only
and market orders; funded users) goes through the engine and ``ReferenceBook``.  Both
must produce the same trades (maker id, taker id, price, size, in order), the same order
outcomes, and the same final L3 book.  A second, shorter stream adds random STP modes.
"""
from __future__ import annotations

from typing import Any, List, Tuple

import pytest

from openbourse.core.commands import CancelOrder, PlaceOrder
from openbourse.core.enums import OrderStatus
from openbourse.core.events import OrderClosed, Rejected, TradeExecuted
from openbourse.testing.builders import Exchange, l3
from openbourse.testing.reference_book import ReferenceBook
from openbourse.testing.workload import MatchingSpec, matching_setup, matching_stream

SPEC = MatchingSpec()


def _run(seed: int, n: int, stp: bool, check_every: int) -> Tuple[List[Any], List[Any], Exchange,
                                                                 ReferenceBook, List[Any], List[Any]]:
    ex = Exchange(check_every=check_every)
    ex.keep_events = False
    for command in matching_setup(SPEC):
        assert not any(type(e) is Rejected for e in ex.apply(command))
    ref = ReferenceBook(SPEC.quote_per_price_size)
    engine_trades: List[Any] = []
    ref_trades: List[Any] = []
    engine_closes: List[Any] = []
    ref_closes: List[Any] = []
    for command in matching_stream(seed, n, SPEC, stp=stp):
        events = ex.apply(command)
        for event in events:
            kind = type(event)
            if kind is TradeExecuted:
                engine_trades.append((event.maker_order_id, event.taker_order_id, event.price,
                                      event.size))
            elif kind is OrderClosed and event.status == OrderStatus.CANCELLED:
                engine_closes.append((event.order_id, event.reason))
            elif kind is Rejected:
                assert type(command) is CancelOrder, (seed, command, event)
        if type(command) is PlaceOrder:
            result = ref.place(command.user, command.side, command.order_type, command.force,
                               command.price, command.size, command.quote_size, command.stp)
            ref_trades.extend(tuple(t) for t in result.trades)
            ref_closes.extend((order_id, 5) for order_id in result.stp_cancelled)
            if result.outcome == "cancelled":
                ref_closes.append((result.order_id, result.reason))
        else:
            found = ref.cancel(command.user, command.order_id)
            if found:
                ref_closes.append((command.order_id, 1))
            assert found == (not any(type(e) is Rejected for e in events)), (seed, command)
    ex.check()
    return engine_trades, ref_trades, ex, ref, engine_closes, ref_closes


@pytest.mark.parametrize("seed, n, stp", [(20261126, 100_000, False), (7, 20_000, True)])
def test_engine_matches_the_reference_book(seed: int, n: int, stp: bool) -> None:
    engine_trades, ref_trades, ex, ref, engine_closes, ref_closes = _run(seed, n, stp, 5000)
    assert len(engine_trades) > n // 10, "the workload must trade a lot"
    for index, (mine, theirs) in enumerate(zip(engine_trades, ref_trades)):
        assert mine == theirs, f"seed {seed}: trade #{index} differs: engine {mine} ref {theirs}"
    assert len(engine_trades) == len(ref_trades), f"seed {seed}"
    assert sorted(engine_closes) == sorted(ref_closes), f"seed {seed}: cancellations differ"
    assert l3(ex.state, SPEC.symbol) == ref.l3(), f"seed {seed}: final books differ"
    assert ex.auditor is not None and ex.auditor.trades == len(engine_trades)
