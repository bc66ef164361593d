"""``MarketData``: every public market view, projected from engine events.

One object per node.  It is fed ``on_events(seq, command, events)`` in sequencer order and
is not thread-safe: call it and read it from one thread (the WebSocket gateway does both
on the event loop).  Everything is integers; REST/WS adapters format with
``MarketInfo.price_str/size_str`` and ``Catalog.amount_str``.

Two change streams leave it: ``take_changes()`` (per WS batch: touched levels, new trades,
touched candles, tickers to refresh) and ``collect_flush()`` (per SQLite flush).  They are
separate because the push and the persistence run at different cadences.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Deque, Dict, List, Optional, Sequence, Set, Tuple

from ....core import events as ev
from ....core.enums import OrderType
from .book import L2Book
from .candles import GRANULARITIES, Candle, bucket_start, next_bucket_start
from .queries import MarketQueries, PublicTrade
from .store import FlushBatch, MarketStore
from .tickers import Rolling24h

__all__ = ["MarketData", "MarketChanges", "PublicTrade"]

_NS_PER_MS = 1_000_000
_NS_PER_MINUTE = 60_000 * _NS_PER_MS
_ACCEPTED, _CLOSED, _TRADE = ev.OrderAccepted, ev.OrderClosed, ev.TradeExecuted
_LISTED = ev.MarketListed
_LIMIT = int(OrderType.LIMIT)


@dataclass
class MarketChanges:
    """What changed since the previous ``take_changes()`` (for one WebSocket push round)."""

    levels: Dict[str, Set[Tuple[int, int]]] = field(default_factory=dict)
    trades: Dict[str, List[PublicTrade]] = field(default_factory=dict)  # oldest first
    candles: Dict[Tuple[str, str], Dict[int, Candle]] = field(default_factory=dict)
    tickers: Set[str] = field(default_factory=set)


class _Series:
    """In-memory tail of one (symbol, granularity) candle series, oldest first."""

    __slots__ = ("gran", "candles", "cur_start", "cur_end")

    def __init__(self, gran: str, cap: int) -> None:
        self.gran = gran
        self.candles: Deque[Candle] = deque(maxlen=cap)
        self.cur_start = -1
        self.cur_end = -1

    def add(self, ts_ms: int, price: int, size: int, quote: int) -> Optional[Candle]:
        if self.cur_start <= ts_ms < self.cur_end:
            candle = self.candles[-1]
            candle.add(price, size, quote)
            return candle
        start = bucket_start(self.gran, ts_ms)
        if self.candles and start <= self.candles[-1].start_ms:
            if start != self.candles[-1].start_ms:
                return None  # older than the tail: timestamps never go back in practice
            candle = self.candles[-1]
            candle.add(price, size, quote)
        else:
            candle = Candle.first(start, price, size, quote)
            self.candles.append(candle)
        self.cur_start, self.cur_end = start, next_bucket_start(self.gran, start)
        return candle


class _Symbol:
    def __init__(self, symbol: str, trade_cap: int, candle_cap: int) -> None:
        self.book = L2Book(symbol)
        self.rolling = Rolling24h()
        self.recent: Deque[PublicTrade] = deque(maxlen=trade_cap)
        self.series = {g: _Series(g, candle_cap) for g in GRANULARITIES}


class MarketData(MarketQueries):
    """Books, tickers, trades and candles for every symbol; optional SQLite persistence.

    ``db_path`` None keeps everything in memory (tests).  With a path, the constructor
    restores candles, recent trades, resting orders and ``last_seq``; the node then
    replays journal commands with ``seq > last_seq`` through ``on_events``.
    """

    def __init__(
        self, db_path: Optional[str] = None, *, recent_trades: int = 1000, candle_memory: int = 1000
    ) -> None:
        self._trade_cap = recent_trades
        self._candle_cap = candle_memory
        self._symbols: Dict[str, _Symbol] = {}
        self.store: Optional[MarketStore] = MarketStore(db_path) if db_path else None
        self.last_seq = 0
        self._changes = MarketChanges()
        self._dirty_candles: Dict[Tuple[str, str, int], Candle] = {}
        self._pending_trades: List[Tuple[str, PublicTrade]] = []
        self._touched_books: Set[str] = set()
        self._now_minute = -1
        if self.store is not None:
            self._restore(self.store)

    # -- feeding ---------------------------------------------------------------------
    def on_events(self, seq: int, command: object, events: Sequence[object]) -> None:
        """Apply one command's events.  Commands at or below ``last_seq`` are skipped.

        Runs for every command on the event loop, so the event classes and enum values
        are module constants (an ``IntEnum`` attribute costs ~0.1 us a read)."""
        if seq <= self.last_seq:
            return
        self.last_seq = seq
        touched = self._touched_books
        symbols = self._symbols
        for event in events:
            kind = type(event)
            if kind is _ACCEPTED:
                symbol = event.symbol  # type: ignore[attr-defined]
                state = symbols.get(symbol) or self._state(symbol)
                state.book.accept(event.order_id, event.side,  # type: ignore[attr-defined]
                                  event.price, event.size,  # type: ignore[attr-defined]
                                  event.order_type == _LIMIT)  # type: ignore[attr-defined]
                touched.add(symbol)
            elif kind is _CLOSED:
                symbol = event.symbol  # type: ignore[attr-defined]
                (symbols.get(symbol) or self._state(symbol)).book.close(
                    event.order_id)  # type: ignore[attr-defined]
                touched.add(symbol)
            elif kind is _TRADE:
                self._on_trade(event)  # type: ignore[arg-type]
                touched.add(event.symbol)  # type: ignore[attr-defined]
            elif kind is _LISTED:
                self._state(event.symbol)  # type: ignore[attr-defined]
        if touched:
            for symbol in touched:
                self._end_command(symbol)
            touched.clear()
        ts_ns = getattr(command, "ts_ns", 0) or (events[0].ts_ns if events else 0)
        if ts_ns and ts_ns // _NS_PER_MINUTE != self._now_minute:
            self.advance(ts_ns // _NS_PER_MS)

    def advance(self, now_ms: int) -> None:
        """Roll every 24 h window forward to ``now_ms`` (done once per new minute)."""
        minute = now_ms // 60_000
        if minute == self._now_minute:
            return
        self._now_minute = minute
        for symbol, state in self._symbols.items():
            before = state.rolling.stats()
            state.rolling.advance(now_ms)
            if state.rolling.stats() != before:
                self._changes.tickers.add(symbol)

    def _end_command(self, symbol: str) -> None:
        state = self._symbols[symbol]
        state.book.end_command()
        changed = state.book.take_changed()
        if changed:
            self._changes.levels.setdefault(symbol, set()).update(changed)
            self._changes.tickers.add(symbol)

    def _on_trade(self, event: ev.TradeExecuted) -> None:
        state = self._state(event.symbol)
        state.book.trade(event.maker_order_id, event.taker_order_id, event.size)
        ts_ms = event.ts_ns // _NS_PER_MS
        trade = PublicTrade(
            event.trade_id, ts_ms, event.price, event.size, event.quote_amount, event.taker_side
        )
        state.recent.append(trade)
        state.rolling.add_trade(ts_ms, event.price, event.size, event.quote_amount)
        self._pending_trades.append((event.symbol, trade))
        self._changes.trades.setdefault(event.symbol, []).append(trade)
        self._changes.tickers.add(event.symbol)
        for gran, series in state.series.items():
            candle = series.add(ts_ms, event.price, event.size, event.quote_amount)
            if candle is not None:
                self._dirty_candles[(event.symbol, gran, candle.start_ms)] = candle
                self._changes.candles.setdefault((event.symbol, gran), {})[candle.start_ms] = candle

    def _state(self, symbol: str) -> _Symbol:
        state = self._symbols.get(symbol)
        if state is None:
            state = self._symbols[symbol] = _Symbol(symbol, self._trade_cap, self._candle_cap)
        return state

    # -- change streams ----------------------------------------------------------------
    def take_changes(self) -> MarketChanges:
        """Changes since the previous call (levels, trades, candles, tickers), then reset."""
        changes, self._changes = self._changes, MarketChanges()
        return changes

    def collect_flush(self) -> FlushBatch:
        """Capture what must be persisted; hand it to ``store.write`` (may be another thread)."""
        batch = FlushBatch(last_seq=self.last_seq)
        batch.candles = [
            (s, g, Candle(*c.as_tuple(), c.trades)) for (s, g, _), c in self._dirty_candles.items()
        ]
        batch.trades = [(s, *t) for s, t in self._pending_trades]
        for symbol, state in self._symbols.items():
            upserts, removed = state.book.take_dirty_orders()
            batch.orders_upsert.extend((o, symbol, side, p, r) for o, side, p, r in upserts)
            batch.orders_delete.extend(removed)
        self._dirty_candles = {}
        self._pending_trades = []
        return batch

    def flush(self) -> None:
        """Synchronous flush (shutdown, tests)."""
        if self.store is not None:
            self.store.write(self.collect_flush())

    def close(self) -> None:
        if self.store is not None:
            self.flush()
            self.store.close()
            self.store = None

    def _restore(self, store: MarketStore) -> None:
        self.last_seq = store.last_seq()
        for order_id, symbol, side, price, remaining in store.book_orders():
            self._state(symbol).book.rest(order_id, side, price, remaining)
        for symbol, grans in store.symbols_with_candles().items():
            state = self._state(symbol)
            for gran in grans:
                if gran not in state.series:
                    continue
                for candle in store.recent_candles(symbol, gran, self._candle_cap):
                    state.series[gran].candles.append(candle)
            for candle in store.recent_candles(symbol, "1m", 1440):
                state.rolling.load_minute(candle)
        for symbol, state in self._symbols.items():
            rows = store.trades(symbol, self._trade_cap, None, None, None)
            state.recent.extend(PublicTrade(*row[1:]) for row in reversed(rows))
            state.book.take_changed()
            state.book.take_dirty_orders()
