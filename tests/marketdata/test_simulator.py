"""Simulated makers/taker: deterministic per seed, integer commands, live two-sided books."""
from __future__ import annotations

import asyncio
from typing import Any, List, Optional, Tuple

from openbourse.adapters.marketdata import (DEMO_MARKETS, MarketSimulator, ReferenceWalk,
                                             SimConfig, listing_commands, price_units)
from openbourse.adapters.marketdata.ladder import ladder, requote_diff
from openbourse.adapters.readmodels.catalog import Catalog
from openbourse.adapters.readmodels.market import MarketData
from openbourse.core import events as ev
from openbourse.core.engine import EngineState, apply
from openbourse.core.engine.codec import encode_command

T0 = 1_700_000_000_000_000_000


class Harness:
    """An in-process 'sequencer': stamps time, applies, feeds the read models."""

    def __init__(self) -> None:
        self.state = EngineState()
        self.catalog = Catalog()
        self.market = MarketData()
        self.log: List[bytes] = []
        self.rejected = 0
        self.ts = T0

    async def submit(self, command: Any) -> List[Any]:
        self.ts += 40_000_000
        command = command._replace(ts_ns=self.ts)
        self.log.append(encode_command(command))  # raises on any non-int enum or float
        events = apply(self.state, command)
        self.catalog.apply(events)
        self.market.on_events(len(self.log), command, events)
        self.rejected += sum(type(e) is ev.Rejected for e in events)
        return events

    async def query(self, fn: Any) -> Any:
        return fn(self.state)


def simulate(seed: int, ticks: int, use_query: bool = True) -> Tuple[Harness, MarketSimulator]:
    async def scenario() -> Tuple[Harness, MarketSimulator]:
        harness = Harness()
        for command in listing_commands():
            await harness.submit(command)
        query: Optional[Any] = harness.query if use_query else None
        sim = MarketSimulator(harness.submit, query, harness.catalog,
                              SimConfig(seed=seed, tick_s=0))
        await sim.bootstrap()
        for _ in range(ticks):
            await sim.tick()
        return harness, sim

    return asyncio.run(scenario())


def test_same_seed_same_journal_different_seed_different_prices() -> None:
    first, _ = simulate(11, 60)
    second, _ = simulate(11, 60)
    other, _ = simulate(12, 60)
    assert first.log == second.log
    assert first.market.recent_trades("BTCUSDT", 50) != other.market.recent_trades("BTCUSDT", 50)


def test_books_are_alive_two_sided_and_trading_everywhere() -> None:
    harness, sim = simulate(5, 120)
    assert harness.rejected == 0
    for market in DEMO_MARKETS:
        book = harness.market.book(market.symbol)
        bids, asks = book.bids(), book.asks()
        assert len(bids) >= 5 and len(asks) >= 5, market.symbol
        assert bids[0][0] < asks[0][0]
        assert harness.market.recent_trades(market.symbol, 10), market.symbol
    per_market_per_tick = sim.commands / (120 * len(DEMO_MARKETS))
    assert per_market_per_tick <= 3.5  # BatchCancel + BatchPlace + maybe one IOC


def test_cross_rate_is_consistent() -> None:
    harness, sim = simulate(3, 80)
    eth_btc = sim.walk.rate("ETH", "BTC")
    implied = sim.walk.rate("ETH", "USDT") / sim.walk.rate("BTC", "USDT")
    assert abs(eth_btc - implied) <= 1e-12 * implied

    def mid(symbol: str) -> float:
        book = harness.market.book(symbol)
        return (book.best_bid()[0] + book.best_ask()[0]) / 2

    # ETHBTC has 5 price decimals, the USDT pairs 2: compare in real units within 0.5 %
    book_cross = (mid("ETHUSDT") / 100) / (mid("BTCUSDT") / 100)
    assert abs(mid("ETHBTC") / 1e5 - book_cross) / book_cross < 0.005


def test_without_query_makers_replace_the_whole_ladder() -> None:
    harness, sim = simulate(5, 30, use_query=False)
    assert harness.rejected == 0
    assert harness.market.book("SOLUSDT").bids() and harness.market.book("SOLUSDT").asks()


def test_walk_and_price_conversion_are_deterministic_integers() -> None:
    walk_a = ReferenceWalk(9, {"BTC": "65000", "USDT": "1"}, {"BTC": 0.001})
    walk_b = ReferenceWalk(9, {"BTC": "65000", "USDT": "1"}, {"BTC": 0.001})
    for _ in range(500):
        walk_a.step()
        walk_b.step()
    assert walk_a.snapshot() == walk_b.snapshot()
    units = price_units(walk_a.rate("BTC", "USDT"), 2, 5)
    assert type(units) is int and units % 5 == 0


def test_requote_diff_keeps_levels_that_did_not_move() -> None:
    before = ladder(6_500_000, 1, 4, 5, 6, [10, 20])
    after = ladder(6_500_900, 1, 4, 5, 6, [10, 20])
    live = [(i + 1, side, price) for i, (side, price, _) in enumerate(before)]
    cancel, place = requote_diff(live + [(99, before[0][0], before[0][1])], after)
    kept = {(s, p) for _, s, p in live} - {(s, p) for i, s, p in live if i in cancel}
    assert 99 in cancel  # a duplicate at one price keeps only the oldest order
    assert kept | {(s, p) for s, p, _ in place} == {(s, p) for s, p, _ in after}
    assert len(place) < len(after)  # most levels survive a small move
