"""Public spot market data: tickers, order book, recent and historical trades, candles.

All of it is read from ``MarketData`` (projected from engine events on the event loop), so
these endpoints never touch the sequencer and cost nothing on the write path.  Prices and
sizes are formatted with the market's precisions; empty sides answer ``null`` prices
rather than a fake zero price.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from ...readmodels.catalog import MarketInfo
from ...readmodels.market import parse_granularity
from ...readmodels.market.tickers import Ticker
from ..envelope import now_ms
from ..errors import ApiError, E
from .context import ApiContext, Req
from .queries import page_args
from .registry import Registry

__all__ = ["registry", "ticker_json"]

registry = Registry()
route = registry.route


def _px(market: MarketInfo, price: int) -> Optional[str]:
    return market.price_str(price) if price else None


def ticker_json(t: Ticker, market: MarketInfo, ctx: ApiContext) -> Dict[str, Any]:
    quote_volume = ctx.catalog.amount_str(market.quote, t.quote_volume)
    return {
        "symbol": t.symbol,
        "high24h": _px(market, t.high_24h),
        "open": _px(market, t.open_24h),
        "low24h": _px(market, t.low_24h),
        "lastPr": _px(market, t.last),
        "quoteVolume": quote_volume,
        "baseVolume": market.size_str(t.base_volume),
        "usdtVolume": quote_volume if market.quote == "USDT" else None,
        "bidPr": _px(market, t.bid),
        "bidSz": market.size_str(t.bid_size) if t.bid else None,
        "askPr": _px(market, t.ask),
        "askSz": market.size_str(t.ask_size) if t.ask else None,
        "openUtc": _px(market, t.open_utc),
        "ts": str(t.ts_ms or now_ms()),
        "changeUtc24h": t.change_utc(),
        "change24h": t.change_24h(),
    }


@route("GET", "spot/market/tickers", family="market", params=("symbol",), response="list")
async def tickers(ctx: ApiContext, req: Req) -> List[Dict[str, Any]]:
    """24 h tickers of every spot market, or of one when ``symbol`` is given (still a list)."""
    market = ctx.optional_market(req.params)
    now = now_ms()
    markets = [market] if market else list(ctx.catalog.markets.values())
    out = []
    for info in markets:
        ticker = ctx.market.ticker(info.symbol, now)
        if ticker is not None:
            out.append(ticker_json(ticker, info, ctx))
    return out


_STEPS = {f"step{n}": n for n in range(6)}
_SCALES = {f"scale{n}": n for n in range(6)}


def _merged(
    levels: List[Tuple[int, int]], step: int, is_bid: bool, limit: int
) -> List[Tuple[int, int]]:
    """Aggregate levels into buckets of ``step`` price units (bids down, asks up)."""
    if step <= 1:
        return levels[:limit]
    out: List[List[int]] = []
    for price, size in levels:
        bucket = price // step * step if is_bid else -(-price // step) * step
        if out and out[-1][0] == bucket:
            out[-1][1] += size
        else:
            if len(out) == limit:
                break
            out.append([bucket, size])
    return [(p, s) for p, s in out]


def _book(ctx: ApiContext, market: MarketInfo, step: int, limit: int) -> Dict[str, Any]:
    book = ctx.market.book(market.symbol)
    depth = limit if step <= 1 else 1 << 30
    bids = book.bids(depth) if book else []
    asks = book.asks(depth) if book else []
    fmt = lambda rows: [[market.price_str(p), market.size_str(s)] for p, s in rows]  # noqa: E731
    return {
        "asks": fmt(_merged(asks, step, False, limit)),
        "bids": fmt(_merged(bids, step, True, limit)),
        "ts": str(now_ms()),
    }


@route(
    "GET",
    "spot/market/orderbook",
    family="market",
    params=("symbol", "type", "limit"),
    required=("symbol",),
)
async def orderbook(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Aggregated depth, best first; ``type=stepN`` merges prices into 10^N-tick buckets."""
    market = ctx.market_info(req.params.text("symbol"))
    merge = req.params.choice("type", _STEPS, default=0) if req.params.has("type") else 0
    limit = req.params.limit(150, 150)
    return _book(ctx, market, 10**merge, limit)


@route(
    "GET",
    "spot/market/merge-depth",
    family="market",
    params=("symbol", "precision", "limit"),
    required=("symbol",),
)
async def merge_depth(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Depth merged to ``precision=scaleN`` (N fewer decimals than the market's price)."""
    market = ctx.market_info(req.params.text("symbol"))
    merge = req.params.choice("precision", _SCALES, default=0) if req.params.has("precision") else 0
    limit = req.params.limit(100, 150)
    data = _book(ctx, market, 10**merge, limit)
    data.update(
        {
            "precision": f"scale{merge}",
            "scale": market.price_str(10**merge),
            "isMaxPrecision": "YES" if merge == 0 else "NO",
        }
    )
    return data


def _trade_rows(ctx: ApiContext, market: MarketInfo, trades: List[Any]) -> List[Dict[str, Any]]:
    quote = market.quote
    return [
        {
            "symbol": market.symbol,
            "tradeId": str(t.trade_id),
            "side": "buy" if t.side == 0 else "sell",
            "price": market.price_str(t.price),
            "size": market.size_str(t.size),
            "amount": ctx.catalog.amount_str(quote, t.quote),
            "ts": str(t.ts_ms),
        }
        for t in trades
    ]


@route(
    "GET",
    "spot/market/fills",
    family="market",
    params=("symbol", "limit"),
    required=("symbol",),
    response="list",
)
async def recent_fills(ctx: ApiContext, req: Req) -> List[Dict[str, Any]]:
    """The most recent public trades, newest first."""
    market = ctx.market_info(req.params.text("symbol"))
    limit = req.params.limit(100, 500)
    return _trade_rows(ctx, market, ctx.market.recent_trades(market.symbol, limit))


@route(
    "GET",
    "spot/market/fills-history",
    family="market",
    params=("symbol", "limit", "idLessThan", "startTime", "endTime"),
    required=("symbol",),
    response="list",
)
async def fills_history(ctx: ApiContext, req: Req) -> List[Dict[str, Any]]:
    """Public trade history, newest first, paged with ``idLessThan`` and a time range."""
    market = ctx.market_info(req.params.text("symbol"))
    start, end, id_lt = page_args(req.params)
    limit = req.params.limit(500, 1000)
    return _trade_rows(
        ctx, market, ctx.market.trade_history(market.symbol, limit, id_lt, start, end)
    )


def _candles(ctx: ApiContext, req: Req, max_limit: int) -> List[List[str]]:
    p = req.params
    market = ctx.market_info(p.text("symbol"))
    text = p.text("granularity")
    granularity = parse_granularity(text or "")
    if granularity is None:
        raise ApiError(
            E.PARAM_INVALID, f"Parameter verification failed: granularity {text} is not supported"
        )
    start, end, _ = page_args(p)
    limit = p.limit(100, max_limit)
    rows = ctx.market.candles(market.symbol, granularity, start, end, limit)
    quote = market.quote
    out = []
    for c in rows:
        quote_volume = ctx.catalog.amount_str(quote, c.quote_volume)
        out.append(
            [
                str(c.start_ms),
                market.price_str(c.open),
                market.price_str(c.high),
                market.price_str(c.low),
                market.price_str(c.close),
                market.size_str(c.base_volume),
                quote_volume,
                quote_volume if quote == "USDT" else "0",
            ]
        )
    return out


_CANDLE_PARAMS = ("symbol", "granularity", "startTime", "endTime", "limit")


@route(
    "GET",
    "spot/market/candles",
    family="market",
    params=_CANDLE_PARAMS,
    required=("symbol", "granularity"),
    response="list",
)
async def candles(ctx: ApiContext, req: Req) -> List[List[str]]:
    """OHLCV candles, oldest first: [ts, open, high, low, close, baseVol, quoteVol, usdtVol]."""
    return _candles(ctx, req, 1000)


@route(
    "GET",
    "spot/market/history-candles",
    family="market",
    params=_CANDLE_PARAMS,
    required=("symbol", "granularity"),
    response="list",
)
async def history_candles(ctx: ApiContext, req: Req) -> List[List[str]]:
    """Older candles (same shape as ``candles``), at most 200 per page."""
    return _candles(ctx, req, 200)
