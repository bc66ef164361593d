"""Public reference data: server time, coins, spot symbols and margin listings.

``load_markets`` in ccxt fires nine requests and fails if any one fails (§0.1); the six
futures ``contracts`` requests are answered by ``mix_market.py``.
"""

from __future__ import annotations

from typing import Any, Dict, List

from ....core.units import from_units
from ..envelope import now_ms
from .context import ApiContext, Req
from .formats import ppm_text
from .registry import Registry

__all__ = ["registry"]

registry = Registry()
route = registry.route

CHAIN = "OPENBOURSE"  # the only "network": deposits are admin credits on this ledger


@route("GET", "public/time", family="public")
async def server_time(ctx: ApiContext, req: Req) -> Dict[str, str]:
    """Server time in milliseconds."""
    return {"serverTime": str(now_ms())}


@route("GET", "spot/public/coins", family="public", params=("coin",), response="list")
async def coins(ctx: ApiContext, req: Req) -> List[Dict[str, Any]]:
    """Listed assets with their single internal chain (scale = withdrawMinScale)."""
    coin = ctx.coin_param(req.params)
    out = []
    for index, (name, scale) in enumerate(ctx.catalog.assets.items(), start=1):
        if coin is not None and name != coin:
            continue
        chain = {
            "chain": CHAIN,
            "needTag": "false",
            "withdrawable": "true",
            "rechargeable": "true",
            "withdrawFee": "0",
            "extraWithdrawFee": "0",
            "depositConfirm": "0",
            "withdrawConfirm": "0",
            "minDepositAmount": from_units(1, scale),
            "minWithdrawAmount": from_units(1, scale),
            "browserUrl": "",
            "contractAddress": None,
            "withdrawStep": "0",
            "withdrawMinScale": str(scale),
            "congestion": "normal",
        }
        out.append({"coinId": str(index), "coin": name, "transfer": "true", "chains": [chain]})
    return out


@route("GET", "spot/public/symbols", family="public", params=("symbol",), response="list")
async def symbols(ctx: ApiContext, req: Req) -> List[Dict[str, Any]]:
    """Spot markets with precisions, limits and default fee rates (no ``symbolType``)."""
    market = ctx.optional_market(req.params)
    markets = [market] if market else list(ctx.catalog.markets.values())
    out = []
    for m in markets:
        quote_scale = ctx.catalog.assets[m.quote]
        out.append(
            {
                "symbol": m.symbol,
                "baseCoin": m.base,
                "quoteCoin": m.quote,
                "minTradeAmount": m.size_str(m.min_size),
                "maxTradeAmount": m.size_str(m.max_size),
                "takerFeeRate": ppm_text(m.taker_fee_ppm),
                "makerFeeRate": ppm_text(m.maker_fee_ppm),
                "pricePrecision": str(m.price_precision),
                "quantityPrecision": str(m.quantity_precision),
                "quotePrecision": str(min(quote_scale, m.price_precision + m.quantity_precision)),
                "status": "online" if m.status == 0 else "halt",
                "minTradeUSDT": from_units(m.min_notional, quote_scale),
                "buyLimitPriceRatio": ppm_text(m.price_band_ppm),
                "sellLimitPriceRatio": ppm_text(m.price_band_ppm),
                "areaSymbol": "no",
                "orderQuantity": str(m.max_open_orders or 500),
                "openTime": "0",
                "offTime": "",
            }
        )
    return out


@route("GET", "margin/currencies", family="public", response="list")
async def margin_currencies(ctx: ApiContext, req: Req) -> List[Dict[str, Any]]:
    """Margin-enabled pairs (``isBorrowable`` is a JSON bool, as ccxt's load_markets needs)."""
    from .margin import margin_currencies_json  # margin imports this module's neighbours

    return margin_currencies_json(ctx)
