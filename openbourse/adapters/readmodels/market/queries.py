"""Read API of ``MarketData`` (what the REST spot market endpoints call).

Endpoint → method:

* ``market/tickers``          → ``tickers()`` / ``ticker(symbol)``
* ``market/orderbook``        → ``book(symbol).bids(n)`` / ``.asks(n)``
* ``market/fills``            → ``recent_trades(symbol, limit)``
* ``market/fills-history``    → ``trade_history(symbol, limit, id_less_than, start_ms, end_ms)``
* ``market/candles``, ``market/history-candles``
                              → ``candles(symbol, granularity, start_ms, end_ms, limit)``
  with ``granularity`` from ``candles.parse_granularity(request_value)``.

Recent data is served from memory; older history falls through to SQLite, merged with
what has not been flushed yet, so a read never misses a trade the engine acknowledged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Dict, List, NamedTuple, Optional

from .book import L2Book
from .candles import GRANULARITIES, Candle
from .tickers import Ticker

if TYPE_CHECKING:  # pragma: no cover
    from .data import _Symbol
    from .store import MarketStore

__all__ = ["MarketQueries", "PublicTrade"]


class PublicTrade(NamedTuple):
    trade_id: int
    ts_ms: int
    price: int  # price units
    size: int  # size units
    quote: int  # quote minor units (price × size in quote)
    side: int  # taker side (Side.BUY / Side.SELL)


class MarketQueries:
    """Mixin: read methods over the state ``MarketData`` maintains."""

    _symbols: "Dict[str, _Symbol]"
    store: "Optional[MarketStore]"
    _pending_trades: "List[tuple]"
    _dirty_candles: "Dict[tuple, Candle]"

    def symbols(self) -> List[str]:
        return list(self._symbols)

    def book(self, symbol: str) -> Optional[L2Book]:
        """The L2 book (``bids(n)``, ``asks(n)``, ``update_id``), None for unknown symbols."""
        state = self._symbols.get(symbol)
        return state.book if state else None

    def ticker(self, symbol: str, now_ms: Optional[int] = None) -> Optional[Ticker]:
        """24 h ticker; ``now_ms`` rolls the window forward first (REST reads pass the clock)."""
        state = self._symbols.get(symbol)
        if state is None:
            return None
        if now_ms is not None:
            state.rolling.advance(now_ms)
        rolling = state.rolling
        stats = rolling.stats()
        last = rolling.last
        bid = state.book.best_bid() or (0, 0)
        ask = state.book.best_ask() or (0, 0)
        day = state.series["1d"].candles
        today = rolling.now_ms // 86_400_000 * 86_400_000
        open_utc = day[-1].open if day and day[-1].start_ms == today else last
        if stats is None:
            return Ticker(
                symbol,
                rolling.now_ms,
                last,
                last,
                last,
                last,
                0,
                0,
                open_utc,
                bid[0],
                bid[1],
                ask[0],
                ask[1],
            )
        return Ticker(
            symbol,
            max(rolling.now_ms, rolling.last_ts_ms),
            last,
            stats.open,
            stats.high,
            stats.low,
            stats.base_volume,
            stats.quote_volume,
            open_utc,
            bid[0],
            bid[1],
            ask[0],
            ask[1],
        )

    def tickers(self, now_ms: Optional[int] = None) -> List[Ticker]:
        return [t for t in (self.ticker(s, now_ms) for s in self._symbols) if t is not None]

    def recent_trades(self, symbol: str, limit: int = 100) -> List[PublicTrade]:
        """Newest first, from the in-memory ring (``market/fills``)."""
        state = self._symbols.get(symbol)
        if state is None or limit <= 0:
            return []
        out: List[PublicTrade] = []
        for trade in reversed(state.recent):
            out.append(trade)
            if len(out) >= limit:
                break
        return out

    def trade_history(
        self,
        symbol: str,
        limit: int = 100,
        id_less_than: Optional[int] = None,
        start_ms: Optional[int] = None,
        end_ms: Optional[int] = None,
    ) -> List[PublicTrade]:
        """Newest first; ``id_less_than`` is Bitget's cursor; times are inclusive bounds."""
        state = self._symbols.get(symbol)
        if state is None or limit <= 0:
            return []
        found: Dict[int, PublicTrade] = {}
        memory = list(state.recent) + [t for s, t in self._pending_trades if s == symbol]
        for trade in memory:
            if _trade_matches(trade, id_less_than, start_ms, end_ms):
                found[trade.trade_id] = trade
        oldest_in_ring = state.recent[0].trade_id if state.recent else None
        if self.store is not None and len(found) < limit:
            cursor = id_less_than
            if oldest_in_ring is not None and len(state.recent) == state.recent.maxlen:
                cursor = oldest_in_ring if cursor is None else min(cursor, oldest_in_ring)
            for row in self.store.trades(symbol, limit, cursor, start_ms, end_ms):
                found.setdefault(row[1], PublicTrade(*row[1:]))
        return sorted(found.values(), key=lambda t: -t.trade_id)[:limit]

    def candles(
        self,
        symbol: str,
        granularity: str,
        start_ms: Optional[int] = None,
        end_ms: Optional[int] = None,
        limit: int = 100,
    ) -> List[Candle]:
        """The newest ``limit`` candles whose start is in [start_ms, end_ms], oldest first.

        ``granularity`` is canonical (``1m``…``1M``, see ``candles.parse_granularity``).
        Returned candles are copies; the current candle is included while it is open.
        """
        state = self._symbols.get(symbol)
        if state is None or granularity not in GRANULARITIES or limit <= 0:
            return []
        series = state.series[granularity].candles
        lo = start_ms if start_ms is not None else -(1 << 62)
        hi = end_ms if end_ms is not None else 1 << 62
        memory = [c for c in series if lo <= c.start_ms <= hi]
        rows = {c.start_ms: c for c in memory}
        memory_complete = len(series) < (series.maxlen or 0)
        if (
            self.store is not None
            and len(memory) < limit
            and not memory_complete
            and series
            and lo < series[0].start_ms
        ):
            upper = min(hi, series[0].start_ms - 1)
            for candle in self.store.candles(symbol, granularity, lo, upper, limit):
                rows.setdefault(candle.start_ms, candle)
            for (sym, gran, start), candle in self._dirty_candles.items():
                if sym == symbol and gran == granularity and lo <= start <= upper:
                    rows[start] = candle
        ordered = sorted(rows.values(), key=lambda c: c.start_ms)[-limit:]
        return [Candle(*c.as_tuple(), c.trades) for c in ordered]


def _trade_matches(
    trade: PublicTrade, id_less_than: Optional[int], start_ms: Optional[int], end_ms: Optional[int]
) -> bool:
    if id_less_than is not None and trade.trade_id >= id_less_than:
        return False
    if start_ms is not None and trade.ts_ms < start_ms:
        return False
    return end_ms is None or trade.ts_ms <= end_ms
