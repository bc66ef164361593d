"""Public futures market data: contracts, tickers (with mark/index/funding), depth, trades,
candles (last, mark, index), funding (current, history, next time), open interest, prices.

Everything is read from ``FuturesViews`` under its lock; nothing touches the sequencer.
ccxt's ``load_markets`` asks ``contracts`` for six productTypes; Bitget's demo products
(``S*-FUTURES``) answer an empty list.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from ...readmodels.futures import ContractInfo, FuturesViews
from ...readmodels.market import parse_granularity
from ...readmodels.products import products_of
from ...readmodels.sentiment import PERIODS_MS, ratio_rows
from ..envelope import now_ms
from ..errors import ApiError, E
from .context import ApiContext, Req
from .market import _merged
from .formats import ppm_text
from .mix_common import contract, e8_str, product_type, quote_volume_str, views_of
from .queries import page_args
from .registry import Registry

__all__ = ["registry", "ticker_row"]

registry = Registry()
route = registry.route

_PUBLIC = dict(family="market")


def _contracts_of(views: FuturesViews, product: Optional[int]) -> List[ContractInfo]:
    if product == -1:
        return []
    return [c for c in views.catalog.markets.values()
            if product is None or c.product_type == product]


@route("GET", "mix/market/contracts", family="public", params=("productType", "symbol"),
       required=("productType",), response="list")
async def contracts(ctx: ApiContext, req: Req) -> List[Dict[str, Any]]:
    """Listed perpetual contracts of a productType (precisions, limits, fees, leverage, funding)."""
    views = views_of(ctx)
    product = product_type(req.params)
    symbol = req.params.text("symbol", required=False)
    with views.lock:
        rows = _contracts_of(views, product)
        if symbol is not None:
            rows = [c for c in rows if c.symbol == symbol]
            if not rows:
                raise ApiError(E.NOT_EXIST, f"Parameter {symbol} does not exist")
        return [_contract_row(c) for c in rows]


def _contract_row(c: ContractInfo) -> Dict[str, Any]:
    min_usdt = c.amount_str(c.min_notional) if c.min_notional else "0"
    return {
        "symbol": c.symbol,
        "baseCoin": c.base,
        "quoteCoin": c.quote,
        "buyLimitPriceRatio": ppm_text(c.price_band_ppm),
        "sellLimitPriceRatio": ppm_text(c.price_band_ppm),
        "feeRateUpRatio": "0",
        "makerFeeRate": ppm_text(c.maker_fee_ppm),
        "takerFeeRate": ppm_text(c.taker_fee_ppm),
        "openCostUpRatio": "0",
        "supportMarginCoins": [c.margin_asset],
        "minTradeNum": c.size_str(c.min_size),
        "priceEndStep": str(c.tick),
        "volumePlace": str(c.quantity_precision),
        "pricePlace": str(c.price_precision),
        "sizeMultiplier": c.size_str(c.lot),
        "symbolType": "perpetual",
        "minTradeUSDT": min_usdt,
        "maxSymbolOrderNum": "200",
        "maxProductOrderNum": "400",
        "maxPositionNum": "150",
        "symbolStatus": "normal" if c.status == 0 else "maintain",
        "offTime": "-1",
        "limitOpenTime": "-1",
        "deliveryTime": "",
        "deliveryStartTime": "",
        "deliveryPeriod": "",
        "launchTime": str(c.listed_ns // 1_000_000),
        "fundInterval": str(c.funding_interval_h),
        "minLever": "1",
        "maxLever": str(c.max_leverage),
        "posLimit": "1",
        "maintainTime": "",
        "maxMarketOrderQty": c.size_str(c.max_size),
        "maxOrderQty": c.size_str(c.max_size),
    }


def ticker_row(views: FuturesViews, info: ContractInfo, now: int) -> Dict[str, Any]:
    """One mix ticker (REST and the WS ``ticker`` push share it); caller holds the lock."""
    t = views.market.ticker(info.symbol, now)
    prices = views.price(info.symbol)
    p = info.price_str
    px = (lambda v: p(v) if v else None)  # noqa: E731
    last = (t.last if t else 0) or prices.last
    quote = quote_volume_str(info, t.quote_volume) if t else "0"
    oi = _open_interest(views, info.symbol)
    return {
        "symbol": info.symbol,
        "instId": info.symbol,
        "lastPr": px(last),
        "askPr": px(t.ask) if t else None,
        "bidPr": px(t.bid) if t else None,
        "bidSz": info.size_str(t.bid_size) if t and t.bid else None,
        "askSz": info.size_str(t.ask_size) if t and t.ask else None,
        "high24h": px(t.high_24h) if t else None,
        "low24h": px(t.low_24h) if t else None,
        "ts": str((t.ts_ms if t and t.ts_ms else 0) or now),
        "change24h": t.change_24h() if t else "0",
        "baseVolume": info.size_str(t.base_volume) if t else "0",
        "quoteVolume": quote,
        "usdtVolume": quote if info.margin_asset == "USDT" else "0",
        "openUtc": px(t.open_utc) if t else None,
        "changeUtc24h": t.change_utc() if t else "0",
        "indexPrice": p(prices.index) if prices.index else "0",
        "markPrice": p(prices.mark) if prices.mark else "0",
        "fundingRate": e8_str(prices.funding_rate_e8),
        "nextFundingTime": str(prices.next_funding_ns // 1_000_000),
        "holdingAmount": info.size_str(oi),
        "open24h": px(t.open_24h) if t else None,
        "deliveryStartTime": None,
        "deliveryTime": None,
        "deliveryStatus": "",
    }


def _open_interest(views: FuturesViews, symbol: str) -> int:
    total = 0
    for data in views.users.values():
        for (sym, side), rec in data.positions.items():
            if sym == symbol and side == 0:
                total += rec.event.qty  # base coin, as sizes are shown
    return total


@route("GET", "mix/market/tickers", params=("productType",), required=("productType",),
       response="list", **_PUBLIC)
async def tickers(ctx: ApiContext, req: Req) -> List[Dict[str, Any]]:
    """24 h tickers of every contract of a productType, with mark, index and funding rate."""
    views = views_of(ctx)
    product = product_type(req.params)
    now = now_ms()
    with views.lock:
        return [ticker_row(views, c, now) for c in _contracts_of(views, product)]


@route("GET", "mix/market/ticker", params=("symbol", "productType"),
       required=("symbol", "productType"), response="list", **_PUBLIC)
async def ticker(ctx: ApiContext, req: Req) -> List[Dict[str, Any]]:
    """One contract's ticker, as a one-element list."""
    views = views_of(ctx)
    info = contract(views, req.params.text("symbol"), product_type(req.params))
    with views.lock:
        return [ticker_row(views, info, now_ms())]


_SCALES = {f"scale{n}": n for n in range(6)}


def _depth(ctx: ApiContext, req: Req, default: int, maximum: int) -> Dict[str, Any]:
    views = views_of(ctx)
    params = req.params
    info = contract(views, params.text("symbol"), product_type(params))
    merge = params.choice("precision", _SCALES, default=0) if params.has("precision") else 0
    limit_text = params.text("limit", required=False)
    if limit_text == "max":
        limit = maximum
    else:
        limit = params.limit(default, maximum)
    step = 10**merge
    with views.lock:
        book = views.market.book(info.symbol)
        depth = limit if step <= 1 else 1 << 30
        bids = book.bids(depth) if book else []
        asks = book.asks(depth) if book else []
    fmt = lambda rows: [[info.price_str(p), info.size_str(s)] for p, s in rows]  # noqa: E731
    return {
        "asks": fmt(_merged(asks, step, False, limit)),
        "bids": fmt(_merged(bids, step, True, limit)),
        "ts": str(now_ms()),
        "precision": f"scale{merge}",
        "scale": info.price_str(step),
        "isMaxPrecision": "YES" if merge == 0 else "NO",
    }


@route("GET", "mix/market/merge-depth", params=("symbol", "productType", "precision", "limit"),
       required=("symbol", "productType"), **_PUBLIC)
async def merge_depth(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Order book, best first; ``precision=scaleN`` merges prices into 10^N-tick buckets."""
    return _depth(ctx, req, 100, 150)


@route("GET", "mix/market/orderbook", params=("symbol", "productType", "precision", "limit"),
       required=("symbol", "productType"), **_PUBLIC)
async def orderbook(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Order book (same as merge-depth, up to 150 levels a side)."""
    return _depth(ctx, req, 100, 150)


def _trade_rows(info: ContractInfo, trades: List[Any]) -> List[Dict[str, Any]]:
    return [{"tradeId": str(t.trade_id), "price": info.price_str(t.price),
             "size": info.size_str(t.size), "side": "buy" if t.side == 0 else "sell",
             "ts": str(t.ts_ms), "symbol": info.symbol} for t in trades]


@route("GET", "mix/market/fills", params=("symbol", "productType", "limit"),
       required=("symbol", "productType"), response="list", **_PUBLIC)
async def fills(ctx: ApiContext, req: Req) -> List[Dict[str, Any]]:
    """The most recent public trades, newest first."""
    views = views_of(ctx)
    info = contract(views, req.params.text("symbol"), product_type(req.params))
    limit = req.params.limit(100, 100)
    with views.lock:
        return _trade_rows(info, views.market.recent_trades(info.symbol, limit))


@route("GET", "mix/market/fills-history",
       params=("symbol", "productType", "limit", "idLessThan", "startTime", "endTime"),
       required=("symbol", "productType"), response="list", **_PUBLIC)
async def fills_history(ctx: ApiContext, req: Req) -> List[Dict[str, Any]]:
    """Public trade history, newest first, paged with ``idLessThan`` and a time range."""
    views = views_of(ctx)
    info = contract(views, req.params.text("symbol"), product_type(req.params))
    start, end, id_lt = page_args(req.params)
    limit = req.params.limit(500, 1000)
    with views.lock:
        return _trade_rows(info, views.market.trade_history(info.symbol, limit, id_lt, start, end))


_KLINE_TYPES = {"market": "market", "mark": "mark", "index": "index"}
_CANDLE_PARAMS = ("symbol", "productType", "granularity", "startTime", "endTime", "limit",
                  "kLineType")


def _candles(ctx: ApiContext, req: Req, max_limit: int, kind: Optional[str]) -> List[List[str]]:
    p = req.params
    views = views_of(ctx)
    info = contract(views, p.text("symbol"), product_type(p))
    text = p.text("granularity")
    gran = parse_granularity(text or "")
    if gran is None:
        raise ApiError(E.PARAM_INVALID,
                       f"Parameter verification failed: granularity {text} is not supported")
    if kind is None:
        kind = p.choice("kLineType", _KLINE_TYPES, default="market")
    start, end, _ = page_args(p)
    limit = p.limit(100, max_limit)
    with views.lock:
        if kind == "market":
            rows = views.market.candles(info.symbol, gran, start, end, limit)
        else:
            rows = views.mark_or_index_candles(kind, info.symbol, gran, start, end, limit)
    out = []
    for c in rows:
        quote = quote_volume_str(info, c.quote_volume)
        out.append([str(c.start_ms), info.price_str(c.open), info.price_str(c.high),
                    info.price_str(c.low), info.price_str(c.close),
                    info.size_str(c.base_volume), quote])
    return out


@route("GET", "mix/market/candles", params=_CANDLE_PARAMS,
       required=("symbol", "productType", "granularity"), response="list", **_PUBLIC)
async def candles(ctx: ApiContext, req: Req) -> List[List[str]]:
    """Candles oldest first: [ts, open, high, low, close, baseVol, quoteVol]; ``kLineType``
    MARKET (last price, default), MARK or INDEX."""
    return _candles(ctx, req, 1000, None)


@route("GET", "mix/market/history-candles", params=_CANDLE_PARAMS,
       required=("symbol", "productType", "granularity"), response="list", **_PUBLIC)
async def history_candles(ctx: ApiContext, req: Req) -> List[List[str]]:
    """Older last-price candles (at most 200 per page)."""
    return _candles(ctx, req, 200, "market")


@route("GET", "mix/market/history-mark-candles", params=_CANDLE_PARAMS,
       required=("symbol", "productType", "granularity"), response="list", **_PUBLIC)
async def history_mark_candles(ctx: ApiContext, req: Req) -> List[List[str]]:
    """Mark-price candles (volumes are 0)."""
    return _candles(ctx, req, 200, "mark")


@route("GET", "mix/market/history-index-candles", params=_CANDLE_PARAMS,
       required=("symbol", "productType", "granularity"), response="list", **_PUBLIC)
async def history_index_candles(ctx: ApiContext, req: Req) -> List[List[str]]:
    """Index-price candles (volumes are 0)."""
    return _candles(ctx, req, 200, "index")


@route("GET", "mix/market/current-fund-rate", params=("symbol", "productType"),
       required=("productType",), response="list", **_PUBLIC)
async def current_fund_rate(ctx: ApiContext, req: Req) -> List[Dict[str, Any]]:
    """The running interval's predicted funding rate (one contract, or all of a productType)."""
    views = views_of(ctx)
    product = product_type(req.params)
    symbol = req.params.text("symbol", required=False)
    with views.lock:
        infos = ([contract(views, symbol, product)] if symbol is not None
                 else _contracts_of(views, product))
        out = []
        for info in infos:
            prices = views.price(info.symbol)
            out.append({
                "symbol": info.symbol,
                "fundingRate": e8_str(prices.funding_rate_e8),
                "fundingRateInterval": str(info.funding_interval_h),
                "nextUpdate": str(prices.next_funding_ns // 1_000_000),
                "minFundingRate": "-" + e8_str(info.funding_cap_e8),
                "maxFundingRate": e8_str(info.funding_cap_e8),
                "markPrice": info.price_str(prices.mark) if prices.mark else "0",
                "indexPrice": info.price_str(prices.index) if prices.index else "0",
            })
        return out


@route("GET", "mix/market/funding-time", params=("symbol", "productType"),
       required=("symbol", "productType"), response="list", **_PUBLIC)
async def funding_time(ctx: ApiContext, req: Req) -> List[Dict[str, Any]]:
    """Next funding settlement time and interval (hours)."""
    views = views_of(ctx)
    info = contract(views, req.params.text("symbol"), product_type(req.params))
    with views.lock:
        prices = views.price(info.symbol)
        return [{"symbol": info.symbol, "nextFundingTime": str(prices.next_funding_ns // 1_000_000),
                 "ratePeriod": str(info.funding_interval_h)}]


@route("GET", "mix/market/history-fund-rate",
       params=("symbol", "productType", "pageSize", "pageNo"),
       required=("symbol", "productType"), response="list", **_PUBLIC)
async def history_fund_rate(ctx: ApiContext, req: Req) -> List[Dict[str, Any]]:
    """Settled funding rates, newest first (``pageSize`` ≤ 100, ``pageNo`` from 1)."""
    views = views_of(ctx)
    params = req.params
    info = contract(views, params.text("symbol"), product_type(params))
    size = params.integer("pageSize", default=20) or 20
    size = max(1, min(size, 100))
    page = params.integer("pageNo", default=1) or 1
    with views.lock:
        rows = list(views.funding.get(info.symbol, ()))
    rows.reverse()
    chunk = rows[(page - 1) * size: page * size]
    return [{"symbol": info.symbol, "fundingRate": e8_str(e.rate_e8),
             "fundingTime": str(e.funding_ns // 1_000_000)} for e in chunk]


@route("GET", "mix/market/open-interest", params=("symbol", "productType"),
       required=("symbol", "productType"), **_PUBLIC)
async def open_interest(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Open interest (total size of long positions)."""
    views = views_of(ctx)
    info = contract(views, req.params.text("symbol"), product_type(req.params))
    with views.lock:
        size = _open_interest(views, info.symbol)
    return {"openInterestList": [{"symbol": info.symbol, "size": info.size_str(size)}],
            "ts": str(now_ms())}


@route("GET", "mix/market/symbol-price", params=("symbol", "productType"),
       required=("symbol", "productType"), response="list", **_PUBLIC)
async def symbol_price(ctx: ApiContext, req: Req) -> List[Dict[str, Any]]:
    """Last, index and mark price of a contract."""
    views = views_of(ctx)
    info = contract(views, req.params.text("symbol"), product_type(req.params))
    with views.lock:
        prices = views.price(info.symbol)
        fmt = lambda v: info.price_str(v) if v else "0"  # noqa: E731
        return [{"symbol": info.symbol, "price": fmt(prices.last), "indexPrice": fmt(prices.index),
                 "markPrice": fmt(prices.mark), "ts": str(prices.ts_ns // 1_000_000 or now_ms())}]


@route("GET", "mix/market/index-components", params=("symbol", "productType"),
       required=("symbol", "productType"), response="list", **_PUBLIC)
async def index_components(ctx: ApiContext, req: Req) -> List[Dict[str, Any]]:
    """The sources of the latest index price: venue, price, weight, used (outliers are not)."""
    views = views_of(ctx)
    info = contract(views, req.params.text("symbol"), product_type(req.params))
    with views.lock:
        text = views.price(info.symbol).sources
    out = []
    for part in text.split(";"):
        if not part:
            continue
        name, price, weight, used = part.rsplit(":", 3)
        out.append({"exchange": name, "price": info.price_str(int(price)), "weight": weight,
                    "used": "true" if used == "1" else "false"})
    return out




@route("GET", "mix/market/query-position-lever", params=("symbol", "productType"),
       required=("symbol", "productType"), response="list", **_PUBLIC)
async def position_tiers(ctx: ApiContext, req: Req) -> List[Dict[str, Any]]:
    """Position tiers: from ``startUnit`` to ``endUnit`` of position value (margin coin) the
    maximum leverage and the maintenance margin rate (ccxt ``fetch_leverage_tiers``)."""
    views = views_of(ctx)
    info = contract(views, req.params.text("symbol"), product_type(req.params))
    rows, start = [], 0
    for level, (bound, leverage, mmr) in enumerate(info.tiers, 1):
        rows.append({"symbol": info.symbol, "level": str(level),
                     "startUnit": _trimmed(info.amount_str(start)),
                     "endUnit": _trimmed(info.amount_str(bound)),
                     "leverage": str(leverage), "keepMarginRate": ppm_text(mmr)})
        start = bound
    return rows


def _trimmed(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


@route("GET", "mix/market/account-long-short", params=("symbol", "productType", "period"),
       required=("symbol",), response="list", **_PUBLIC)
async def account_long_short(ctx: ApiContext, req: Req) -> List[Dict[str, Any]]:
    """Share of accounts holding a long / a short position, per ``period`` (5m … 1d, default
    5m), the latest 30 periods, oldest first (ccxt ``fetch_long_short_ratio_history``)."""
    views = views_of(ctx)
    params = req.params
    product = product_type(params, required=False)
    info = contract(views, params.text("symbol"), product)
    period = params.text("period", required=False) or "5m"
    if period not in PERIODS_MS:
        raise ApiError(E.PARAM_INVALID, f"Parameter period must be one of {', '.join(PERIODS_MS)}")
    history = products_of(ctx.views).history
    return ratio_rows(history, info.symbol, PERIODS_MS[period], 30, now_ms())
