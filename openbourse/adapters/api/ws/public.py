"""Public channels: ``ticker``, ``trade``, ``books``, ``books1/5/15/50`` and ``candle*``.

Subscribers are grouped by (channel, symbol) and then by the exact ``arg`` JSON the client
sent, because Bitget echoes the arg verbatim; each push serialises its ``data`` once and
reuses the frame for every subscriber with the same arg spelling.
"""
from __future__ import annotations

from typing import Callable, Dict, List, Optional, Set, Tuple

from ....core.units import from_units
from ...readmodels.catalog import Catalog, MarketInfo
from ...readmodels.market import WS_CHANNELS, Candle, MarketChanges, MarketData, PublicTrade
from ...readmodels.market.tickers import Ticker
from .books import BookView, fixed_depth_data
from .conn import Connection
from .frames import Shared, dumps, push_frame

__all__ = ["PublicFeed", "PUBLIC_CHANNELS"]

_FIXED_DEPTHS = {"books1": 1, "books5": 5, "books15": 15, "books50": 50}
PUBLIC_CHANNELS = frozenset({"ticker", "trade", "books", *_FIXED_DEPTHS, *WS_CHANNELS})
_SIDES = ("buy", "sell")
_TRADE_CHUNK = 100
Key = Tuple[str, str]  # (channel, symbol)


class PublicFeed:
    def __init__(self, market: MarketData, catalog: Catalog, *, book_depth: int = 200,
                 snapshot_candles: int = 200, snapshot_trades: int = 50) -> None:
        self.market = market
        self.catalog = catalog
        self.book_depth = book_depth
        self.snapshot_candles = snapshot_candles
        self.snapshot_trades = snapshot_trades
        self.subs: Dict[Key, Dict[str, Set[Connection]]] = {}
        self.views: Dict[str, BookView] = {}
        self._fixed: Dict[Key, Tuple[int, tuple]] = {}  # last (seq, levels) per books<N>
        self._by_symbol: Dict[str, Set[str]] = {}  # symbol -> subscribed channels
        self.frames = 0  # frames queued by the current publish round

    # -- subscriptions ---------------------------------------------------------------
    def subscribe(self, conn: Connection, key: Key, arg_json: str, now_ms: int) -> None:
        """Register and push the channel's snapshot to this connection only."""
        channel, symbol = key
        group = self.subs.setdefault(key, {})
        group.setdefault(arg_json, set()).add(conn)
        self._by_symbol.setdefault(symbol, set()).add(channel)
        conn.public_subs.add((key, arg_json))
        data = self._snapshot(key, now_ms)
        if data is not None:
            conn.push(push_frame("snapshot", arg_json, data, now_ms))

    def unsubscribe(self, conn: Connection, key: Key, arg_json: str) -> None:
        conn.public_subs.discard((key, arg_json))
        group = self.subs.get(key)
        if group is None:
            return
        conns = group.get(arg_json)
        if conns is not None:
            conns.discard(conn)
            if not conns:
                del group[arg_json]
        if not group:
            del self.subs[key]
            channel, symbol = key
            self._by_symbol.get(symbol, set()).discard(channel)
            if channel == "books":
                self.views.pop(symbol, None)
            self._fixed.pop(key, None)

    def drop(self, conn: Connection) -> None:
        for key, arg_json in list(conn.public_subs):
            self.unsubscribe(conn, key, arg_json)

    # -- snapshots -------------------------------------------------------------------
    def _snapshot(self, key: Key, now_ms: int) -> Optional[str]:
        channel, symbol = key
        info = self.catalog.market(symbol)
        book = self.market.book(symbol)
        if info is None:
            return None
        if channel == "ticker":
            ticker = self.market.ticker(symbol)
            return dumps([_ticker_item(ticker, info, self._qs(info))]) if ticker else None
        if channel == "trade":
            trades = self.market.recent_trades(symbol, self.snapshot_trades)
            return dumps([_trade_item(t, info) for t in trades])
        if channel == "books":
            view = self.views.get(symbol)
            if view is None:
                view = self.views[symbol] = BookView(self.book_depth, info.price_str,
                                                     info.size_str)
                if book is not None:
                    view.reset(book)
            return view.snapshot_json(now_ms)
        if channel in _FIXED_DEPTHS:
            return self._fixed_push(key, info, now_ms, force=True) if book else None
        candles = self.market.candles(symbol, WS_CHANNELS[channel], limit=self.snapshot_candles)
        return dumps([_candle_item(c, info, self._qs(info)) for c in candles])

    def _fixed_push(self, key: Key, info: MarketInfo, now_ms: int, force: bool) -> Optional[str]:
        book = self.market.book(key[1])
        if book is None:
            return None
        seq, last = self._fixed.get(key, (0, None))
        levels, data = fixed_depth_data(book, _FIXED_DEPTHS[key[0]], seq + 1, now_ms,
                                        info.price_str, info.size_str)
        if levels == last and not force:
            return None
        self._fixed[key] = (seq + 1, levels)
        return data

    def _qs(self, info: MarketInfo) -> Callable[[int], str]:
        """Formatter for quote minor units at the quote asset's scale."""
        scale = self.catalog.assets.get(info.quote)
        if scale is None:
            return str
        return lambda units: from_units(units, scale)

    # -- pushes ----------------------------------------------------------------------
    def publish(self, changes: MarketChanges, now_ms: int) -> int:
        """Push one round of changes to every subscriber; returns the number of frames queued."""
        self.frames = 0
        for symbol, channels in self._by_symbol.items():
            if not channels:
                continue
            info = self.catalog.market(symbol)
            if info is None:
                continue
            if symbol in changes.levels:
                self._publish_books(symbol, channels, info, now_ms)
            trades = changes.trades.get(symbol)
            if trades and "trade" in channels:
                self._publish_trades(symbol, trades, info, now_ms)
            if symbol in changes.tickers and "ticker" in channels:
                ticker = self.market.ticker(symbol)
                if ticker is not None:
                    self._fanout(("ticker", symbol), "snapshot",
                                 dumps([_ticker_item(ticker, info, self._qs(info))]), now_ms)
            for channel in channels:
                gran = WS_CHANNELS.get(channel)
                touched = changes.candles.get((symbol, gran)) if gran else None
                if touched:
                    items = [_candle_item(c, info, self._qs(info))
                             for _, c in sorted(touched.items())]
                    self._fanout((channel, symbol), "update", dumps(items), now_ms)
        return self.frames

    def _publish_books(self, symbol: str, channels: Set[str], info: MarketInfo,
                       now_ms: int) -> None:
        view = self.views.get(symbol)
        book = self.market.book(symbol)
        if view is not None and book is not None:
            data = view.update_json(book, now_ms)
            if data is not None:
                self._fanout(("books", symbol), "update", data, now_ms)
        for channel in channels & _FIXED_DEPTHS.keys():
            data = self._fixed_push((channel, symbol), info, now_ms, force=False)
            if data is not None:
                self._fanout((channel, symbol), "snapshot", data, now_ms)

    def _publish_trades(self, symbol: str, trades: List[PublicTrade], info: MarketInfo,
                        now_ms: int) -> None:
        newest_first = [_trade_item(t, info) for t in reversed(trades)]
        for start in range(0, len(newest_first), _TRADE_CHUNK):
            chunk = newest_first[start:start + _TRADE_CHUNK]
            self._fanout(("trade", symbol), "update", dumps(chunk), now_ms)

    def _fanout(self, key: Key, action: str, data_json: str, now_ms: int) -> None:
        group = self.subs.get(key)
        if not group:
            return
        for arg_json, conns in list(group.items()):
            frame = Shared(push_frame(action, arg_json, data_json, now_ms))
            self.frames += len(conns)
            for conn in list(conns):
                conn.push(frame)


def _ticker_item(t: Ticker, info: MarketInfo, qs: Callable[[int], str]) -> dict:
    p, s = info.price_str, info.size_str
    return {
        "instId": t.symbol, "lastPr": p(t.last), "open24h": p(t.open_24h),
        "high24h": p(t.high_24h), "low24h": p(t.low_24h), "change24h": t.change_24h(),
        "bidPr": p(t.bid), "askPr": p(t.ask), "bidSz": s(t.bid_size), "askSz": s(t.ask_size),
        "baseVolume": s(t.base_volume), "quoteVolume": qs(t.quote_volume),
        "openUtc": p(t.open_utc), "changeUtc24h": t.change_utc(), "ts": str(t.ts_ms),
    }


def _trade_item(t: PublicTrade, info: MarketInfo) -> dict:
    return {"ts": str(t.ts_ms), "price": info.price_str(t.price), "size": info.size_str(t.size),
            "side": _SIDES[t.side], "tradeId": str(t.trade_id)}


def _candle_item(c: Candle, info: MarketInfo, qs: Callable[[int], str]) -> List[str]:
    p = info.price_str
    quote = qs(c.quote_volume)
    return [str(c.start_ms), p(c.open), p(c.high), p(c.low), p(c.close),
            info.size_str(c.base_volume), quote, quote]
