"""Convert (RFQ swap), Bitget v2 ``/api/v2/convert/*``: currencies, quote, trade, history, dust.

A quote is the core's ``RequestQuote``: priced from the live spot book for the requested
size (directly or through USDT), minus the configured spread, zero fee, valid for the
configured time (Bitget: 8 s).  ``trade`` accepts it once with ``AcceptQuote``; the core
refuses an expired, reused or unknown quote and changes nothing.  The trade request must
repeat the quote's coins, sizes and price (as Bitget's does); a mismatch is refused here,
before anything is journaled.  Conversions settle in the spot account.

Small balances: Bitget converts them to BGB (``bgb-convert``); this exchange has no BGB,
so the same endpoints take an optional ``toCoin`` (default USDT).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Dict, List, Optional

from ....core.convert import commands as cc
from ....core.convert import events as ce
from ....core.enums import AccountType
from ....core.units import from_units
from ...readmodels.convert import quote_of
from ...readmodels.products import products_of
from ..errors import ApiError, E
from ..params import amount_units
from .context import ApiContext, Req
from .queries import page_args
from .registry import Registry

__all__ = ["registry", "price_text"]

registry = Registry()
route = registry.route

DUST_DEFAULT_TO = "USDT"


def price_text(price_e18: int) -> str:
    return from_units(price_e18, 18).rstrip("0").rstrip(".") or "0"


def _history(ctx: ApiContext) -> Any:
    return products_of(ctx.views).history


def _assets(ctx: ApiContext) -> Dict[str, list]:
    return {k[7:]: v for k, v in _history(ctx).items("casset:") if v[0]}


def _amount(ctx: ApiContext, coin: str, units: int) -> str:
    return from_units(units, ctx.catalog.assets[coin])


@route("GET", "convert/currencies", family="account", permission="read", response="list")
async def currencies(ctx: ApiContext, req: Req) -> List[Dict[str, Any]]:
    """Coins that can be converted, with the caller's spot balance and the per-trade limits."""
    balances = {a: av for a, av, _, _ in ctx.views.balances(req.user, AccountType.SPOT)}
    out = []
    for coin, (_, low, high) in sorted(_assets(ctx).items()):
        if coin not in ctx.catalog.assets:
            continue
        out.append(
            {
                "coin": coin,
                "available": _amount(ctx, coin, balances.get(coin, 0)),
                "minAmount": _amount(ctx, coin, int(low)),
                "maxAmount": _amount(ctx, coin, int(high)),
            }
        )
    return out


def _quote_json(ctx: ApiContext, q: ce.QuoteIssued) -> Dict[str, Any]:
    return {
        "fromCoin": q.from_asset,
        "fromCoinSize": _amount(ctx, q.from_asset, q.from_amount),
        "toCoin": q.to_asset,
        "toCoinSize": _amount(ctx, q.to_asset, q.to_amount),
        "cnvtPrice": price_text(q.price_e18),
        "fee": "0",
        "traceId": str(q.quote_id),
        "expireTime": str(q.expires_ns // 1_000_000),
    }


@route(
    "GET",
    "convert/quoted-price",
    family="trade",
    permission="trade",
    params=("fromCoin", "toCoin", "fromCoinSize", "toCoinSize"),
    required=("fromCoin", "toCoin"),
)
async def quoted_price(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """A firm quote for ``fromCoinSize`` or ``toCoinSize`` (exactly one), valid a few seconds."""
    p = req.params
    from_coin = ctx.coin_param(p, "fromCoin", required=True)
    to_coin = ctx.coin_param(p, "toCoin", required=True)
    assert from_coin is not None and to_coin is not None
    has_from, has_to = p.has("fromCoinSize"), p.has("toCoinSize")
    if has_from == has_to:
        raise ApiError(E.PARAM_EMPTY,
                       "Parameter fromCoinSize or toCoinSize (exactly one) cannot be empty")
    from_amount = to_amount = 0
    if has_from:
        text = p.decimal("fromCoinSize")
        assert text is not None
        from_amount = amount_units("fromCoinSize", text, ctx.asset_scale(from_coin), truncate=False)
    else:
        text = p.decimal("toCoinSize")
        assert text is not None
        to_amount = amount_units("toCoinSize", text, ctx.asset_scale(to_coin), truncate=False)
    events = await ctx.execute(
        cc.RequestQuote(0, req.user, from_coin, to_coin, from_amount, to_amount)
    )
    quote = next((e for e in events if type(e) is ce.QuoteIssued), None)
    if quote is None:
        raise ApiError(E.SYSTEM, "System error: the engine returned no quote")
    return _quote_json(ctx, quote)


@route(
    "POST",
    "convert/trade",
    family="trade",
    permission="trade",
    params=("fromCoin", "fromCoinSize", "toCoin", "toCoinSize", "cnvtPrice", "traceId"),
    required=("fromCoin", "fromCoinSize", "toCoin", "toCoinSize", "cnvtPrice", "traceId"),
)
async def trade(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Accept a quote (once, before it expires): the spot balances change at the quoted price."""
    p = req.params
    from_coin = ctx.coin_param(p, "fromCoin", required=True)
    to_coin = ctx.coin_param(p, "toCoin", required=True)
    assert from_coin is not None and to_coin is not None
    try:
        quote_id = p.order_id("traceId")
    except ApiError:
        raise ApiError("40020", "Parameter traceId error: no such quote") from None
    quote = quote_of(_history(ctx), quote_id)
    if quote is not None:
        if quote.user != req.user:
            raise ApiError("40020", "Parameter traceId error: no such quote")
        _same(p.decimal("fromCoinSize"), quote.from_amount, ctx, from_coin, "fromCoinSize")
        _same(p.decimal("toCoinSize"), quote.to_amount, ctx, to_coin, "toCoinSize")
        if (from_coin, to_coin) != (quote.from_asset, quote.to_asset):
            raise ApiError(E.PARAM_INVALID,
                           "Parameter verification failed: coins differ from the quote")
        price = p.decimal("cnvtPrice")
        if price is None or Decimal(price) != Decimal(price_text(quote.price_e18)):
            raise ApiError(E.PARAM_INVALID,
                           "Parameter verification failed: cnvtPrice differs from the quote")
    events = await ctx.execute(cc.AcceptQuote(0, req.user, quote_id))
    filled = next((e for e in events if type(e) is ce.ConvertFilled), None)
    if filled is None:
        raise ApiError(E.SYSTEM, "System error: the engine returned no conversion")
    return {
        "id": str(filled.convert_id),
        "ts": str(filled.ts_ns // 1_000_000),
        "cnvtPrice": price_text(filled.price_e18),
        "fromCoin": filled.from_asset,
        "fromCoinSize": _amount(ctx, filled.from_asset, filled.from_amount),
        "toCoinSize": _amount(ctx, filled.to_asset, filled.to_amount),
        "toCoin": filled.to_asset,
    }


def _same(text: Optional[str], units: int, ctx: ApiContext, coin: str, key: str) -> None:
    if text is None or Decimal(text) != Decimal(_amount(ctx, coin, units)):
        raise ApiError(E.PARAM_INVALID,
                       f"Parameter verification failed: {key} differs from the quote")


def _record_json(ctx: ApiContext, r: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "id": str(r["rid"]),
        "ts": str(r["ts_ms"]),
        "cnvtPrice": price_text(r["price_e18"]),
        "fee": "0",
        "fromCoinSize": _amount(ctx, r["from_asset"], r["from_amount"]),
        "fromCoin": r["from_asset"],
        "toCoinSize": _amount(ctx, r["to_asset"], r["to_amount"]),
        "toCoin": r["to_asset"],
    }


@route(
    "GET",
    "convert/convert-record",
    family="query",
    permission="read",
    params=("startTime", "endTime", "limit", "idLessThan"),
)
async def convert_record(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """The caller's conversions (quotes accepted and small-balance ones), newest first."""
    start, end, id_lt = page_args(req.params)
    limit = req.params.limit(20, 100)
    rows = _history(ctx).records("convert", req.user, None, None, start, end, id_lt, limit)
    data = [_record_json(ctx, r) for r in rows]
    return {"dataList": data, "endId": data[-1]["id"] if data else None}


@route(
    "GET",
    "convert/bgb-convert-coin-list",
    family="account",
    permission="read",
    params=("toCoin",),
)
async def dust_coins(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Spot coins the caller holds that may be swept into ``toCoin`` (default USDT)."""
    to_coin = req.params.text("toCoin", required=False) or DUST_DEFAULT_TO
    ctx.asset_scale(to_coin)
    enabled = _assets(ctx)
    rows = []
    for coin, available, _, u_ms in ctx.views.balances(req.user, AccountType.SPOT):
        if coin == to_coin or coin not in enabled or not available:
            continue
        rows.append(
            {
                "coin": coin,
                "available": _amount(ctx, coin, available),
                "bgbEstAmount": "",
                "precision": str(ctx.catalog.assets[coin]),
                "feeDetail": [],
                "cTime": str(u_ms),
            }
        )
    return {"coinList": rows}


@route(
    "POST",
    "convert/bgb-convert",
    family="trade",
    permission="trade",
    params=("coinList", "toCoin"),
    required=("coinList",),
)
async def dust_convert(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Convert the whole small balance of each listed coin into ``toCoin`` (default USDT)."""
    raw = req.params.raw("coinList")
    if raw is None or raw == "" or raw == []:
        raise ApiError(E.PARAM_EMPTY, "Parameter coinList cannot be empty")
    if isinstance(raw, str):
        coins = [c for c in raw.split(",") if c]
    elif isinstance(raw, list) and all(isinstance(c, str) for c in raw):
        coins = list(raw)
    else:
        raise ApiError(E.PARAM_INVALID, "Parameter verification failed: coinList")
    if not coins or len(coins) > 50:
        raise ApiError(E.PARAM_INVALID, "Parameter verification failed: coinList (1 to 50 coins)")
    for coin in coins:
        ctx.asset_scale(coin)
    to_coin = req.params.text("toCoin", required=False) or DUST_DEFAULT_TO
    ctx.asset_scale(to_coin)
    events = await ctx.execute(cc.ConvertDust(0, req.user, ",".join(coins), to_coin))
    return {
        "orderList": [
            {
                "coin": e.from_asset,
                "orderId": str(e.convert_id),
                "toCoin": e.to_asset,
                "fromCoinSize": _amount(ctx, e.from_asset, e.from_amount),
                "toCoinSize": _amount(ctx, e.to_asset, e.to_amount),
            }
            for e in events
            if type(e) is ce.ConvertFilled
        ]
    }


@route(
    "GET",
    "convert/bgb-convert-records",
    family="query",
    permission="read",
    params=("orderId", "startTime", "endTime", "limit", "idLessThan"),
    response="list",
)
async def dust_records(ctx: ApiContext, req: Req) -> List[Dict[str, Any]]:
    """The caller's small-balance conversions, newest first."""
    start, end, id_lt = page_args(req.params)
    limit = req.params.limit(100, 100)
    rows = _history(ctx).records("convert", req.user, None, None, start, end, id_lt, 1000)
    wanted = req.params.order_id() if req.params.has("orderId") else None
    rows = [r for r in rows if r["dust"] and (wanted is None or r["rid"] == wanted)][:limit]
    return [
        {
            "orderId": str(r["rid"]),
            "fromCoin": r["from_asset"],
            "fromAmount": _amount(ctx, r["from_asset"], r["from_amount"]),
            "fromCoinPrice": price_text(r["price_e18"]),
            "toCoin": r["to_asset"],
            "toAmount": _amount(ctx, r["to_asset"], r["to_amount"]),
            "toCoinPrice": "1",
            "feeDetail": [],
            "status": "success",
            "ctime": str(r["ts_ms"]),
        }
        for r in rows
    ]
