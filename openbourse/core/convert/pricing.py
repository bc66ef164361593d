"""Convert pricing: walk the live spot book for the requested size (products.md §4.3).

A leg F -> T uses the market T/F (the user buys T, walking the asks) or F/T (the user
sells F, walking the bids).  Without a direct market the route is F -> USDT -> T.  Partial
levels are taken pro rata at minor-unit precision (convert settles against the liquidity
account, not the book, so no lot rounding): what the user would receive is rounded down,
what he would pay rounded up.  Returns None when no route exists or the book is too thin.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..markets import Market
from ..units import div_ceil

if TYPE_CHECKING:
    from ..engine.state import EngineState

__all__ = ["BRIDGE", "amount_in", "amount_out"]

BRIDGE = "USDT"


def _market(state: EngineState, base: str, quote: str) -> Market | None:
    for market in state.markets.values():
        if market.base == base and market.quote == quote and market.status == 0:
            return market
    return None


def _levels(state: EngineState, market: Market, asks: bool):  # type: ignore[no-untyped-def]
    side = state.books[market.symbol].asks if asks else state.books[market.symbol].bids
    for key in side.keys:
        yield side.sign * key, side.levels[key].total


def _leg_out(state: EngineState, source: str, target: str, amount: int) -> int | None:
    """What ``amount`` of ``source`` buys of ``target`` on the book (rounded down)."""
    market = _market(state, target, source)
    if market is not None:  # buy base (target) with quote (source): asks
        out, left = 0, amount
        for price, total in _levels(state, market, True):
            unit = price * market.quote_per_price_size  # quote per size unit
            cost = total * unit
            if left >= cost:
                out += total * market.base_per_size
                left -= cost
            else:
                out += left * market.base_per_size // unit
                left = 0
            if not left:
                return out
        return None
    market = _market(state, source, target)
    if market is not None:  # sell base (source) for quote (target): bids
        out, left = 0, amount
        for price, total in _levels(state, market, False):
            level_base = total * market.base_per_size
            take = min(left, level_base)
            out += take * price * market.quote_per_price_size // market.base_per_size
            left -= take
            if not left:
                return out
        return None
    return None


def _leg_in(state: EngineState, source: str, target: str, wanted: int) -> int | None:
    """How much ``source`` it takes to get ``wanted`` of ``target`` on the book (rounded up)."""
    market = _market(state, target, source)
    if market is not None:  # buy base (target): asks
        cost, left = 0, wanted
        for price, total in _levels(state, market, True):
            unit = price * market.quote_per_price_size
            level_base = total * market.base_per_size
            take = min(left, level_base)
            cost += div_ceil(take * unit, market.base_per_size)
            left -= take
            if not left:
                return cost
        return None
    market = _market(state, source, target)
    if market is not None:  # sell base (source) for quote (target): bids
        paid, left = 0, wanted
        for price, total in _levels(state, market, False):
            unit = price * market.quote_per_price_size
            level_quote = total * unit
            if left >= level_quote:
                paid += total * market.base_per_size
                left -= level_quote
            else:
                paid += div_ceil(left * market.base_per_size, unit)
                left = 0
            if not left:
                return paid
        return None
    return None


def amount_out(state: EngineState, source: str, target: str, amount: int) -> int | None:
    direct = _leg_out(state, source, target, amount)
    if direct is not None or _market(state, target, source) or _market(state, source, target):
        return direct
    if BRIDGE in (source, target):
        return None
    middle = _leg_out(state, source, BRIDGE, amount)
    return None if middle is None else _leg_out(state, BRIDGE, target, middle)


def amount_in(state: EngineState, source: str, target: str, wanted: int) -> int | None:
    direct = _leg_in(state, source, target, wanted)
    if direct is not None or _market(state, target, source) or _market(state, source, target):
        return direct
    if BRIDGE in (source, target):
        return None
    middle = _leg_in(state, BRIDGE, target, wanted)
    return None if middle is None else _leg_in(state, source, BRIDGE, middle)
