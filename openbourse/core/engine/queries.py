"""Read-only questions about the state, for code running on the sequencer thread."""
from __future__ import annotations

from typing import List, Optional, Tuple

from ..markets import Market
from ..orderbook.order import Order
from .state import EngineState

__all__ = ["depth", "balance", "open_orders", "market"]


def depth(state: EngineState, symbol: str, limit: int) -> Tuple[List[Tuple[int, int]],
                                                                 List[Tuple[int, int]]]:
    """(bids, asks): up to ``limit`` levels of (price, size), best first."""
    book = state.books[symbol]
    return book.bids.depth(limit), book.asks.depth(limit)


def balance(state: EngineState, owner: int, account: int, asset: str) -> Tuple[int, int]:
    found = state.ledger.balances.get((owner, account, asset))
    return (found.available, found.frozen) if found is not None else (0, 0)


def open_orders(state: EngineState, user: int, symbol: Optional[str] = None) -> List[Order]:
    return [o for o in state.orders.values()
            if o.user == user and (symbol is None or o.symbol == symbol)]


def market(state: EngineState, symbol: str) -> Optional[Market]:
    return state.markets.get(symbol)
