"""Reference oracle: the engine and a deliberately naive book agree on a seeded stream.

The same 100k-command stream (GTC limits near a moving mid, cancels, IOC/FOK/post-only
and market orders; funded users, STP none) goes through the engine and through
``ReferenceBook`` (which ``MatchingStream`` runs alongside the stream it generates).  Both
must produce the same trades (maker id, taker id, price, size, in order), the same
cancellations (order id and reason) and the same final L3 book.  A shorter stream adds
random STP modes, and one lists the market with a lot of 5 (market buys take whole lots).
Invariants and the auditor run every few thousand commands and at the
end (every command would make a 100k run take minutes; the unit tests check every one).
"""
from __future__ import annotations

from typing import Any, List

import pytest

from openbourse.core.commands import PlaceOrder
from openbourse.core.enums import CloseReason, OrderStatus
from openbourse.core.events import OrderClosed, Rejected, TradeExecuted
from openbourse.testing.builders import Exchange, l3
from openbourse.testing.workload import MatchingSpec, MatchingStream, matching_setup

SPEC = MatchingSpec()


@pytest.mark.parametrize("seed, n, stp, lot", [(20261126, 100_000, False, 1),
                                               (7, 20_000, True, 1), (8, 10_000, True, 5)])
def test_engine_matches_the_reference_book(seed: int, n: int, stp: bool, lot: int) -> None:
    spec = SPEC._replace(lot=lot)
    ex = Exchange(check_every=5000)
    ex.keep_events = False
    for command in matching_setup(spec):
        assert not any(type(e) is Rejected for e in ex.apply(command))
    stream = MatchingStream(seed, n, spec, stp=stp)
    engine_trades: List[Any] = []
    ref_trades: List[Any] = []
    engine_closes: List[Any] = []
    ref_closes: List[Any] = []
    for index, command in enumerate(stream):
        events = ex.apply(command)
        answer = stream.last
        for event in events:
            kind = type(event)
            if kind is TradeExecuted:
                engine_trades.append((event.maker_order_id, event.taker_order_id, event.price,
                                      event.size))
            elif kind is OrderClosed and event.status == OrderStatus.CANCELLED:
                engine_closes.append((event.order_id, event.reason))
        rejected = any(type(e) is Rejected for e in events)
        if type(command) is PlaceOrder:
            assert not rejected, (seed, index, command, events)
            ref_trades.extend(tuple(t) for t in answer.trades)
            ref_closes.extend((order_id, int(CloseReason.STP)) for order_id in answer.stp_cancelled)
            if answer.outcome == "cancelled":
                ref_closes.append((answer.order_id, answer.reason))
        else:
            assert answer == (not rejected), (seed, index, command, events)
            if answer:
                ref_closes.append((command.order_id, int(CloseReason.USER)))
        if len(engine_trades) != len(ref_trades) or engine_trades[-5:] != ref_trades[-5:]:
            pytest.fail(f"seed {seed}, command #{index} {command}: engine trades "
                        f"{engine_trades[-5:]}, reference {ref_trades[-5:]}")
    ex.check()
    assert len(engine_trades) > n // 5, "the workload must trade a lot"
    assert engine_trades == ref_trades, f"seed {seed}"
    assert sorted(engine_closes) == sorted(ref_closes), f"seed {seed}: cancellations differ"
    final = l3(ex.state, SPEC.symbol)
    assert len(final["bids"]) + len(final["asks"]) > 50, "the book must not be trivial"
    assert final == stream.book.l3(), f"seed {seed}: final books differ"
    assert ex.auditor is not None and ex.auditor.trades == len(engine_trades)
