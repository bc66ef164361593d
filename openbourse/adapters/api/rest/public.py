"""Public reference data: server time, coins, spot symbols, margin and futures listings.

``load_markets`` in ccxt fires nine requests and fails if any one fails (§0.1), so the
margin and futures listings must answer well-formed empty lists until those products
exist.  Unknown productTypes are refused (they would be a client bug), the six ccxt sends
are accepted in any case.  Contract market-data endpoints exist for the same reason:
they answer "symbol does not exist" (40034) because no contract is listed yet.
"""

from __future__ import annotations

from typing import Any, Dict, List

from ....core.units import from_units
from ..envelope import now_ms
from ..errors import ApiError, E
from .context import ApiContext, Req
from .registry import Registry

__all__ = ["registry", "PRODUCT_TYPES"]

registry = Registry()
route = registry.route

PRODUCT_TYPES = {
    p.lower(): p
    for p in (
        "USDT-FUTURES",
        "COIN-FUTURES",
        "USDC-FUTURES",
        "SUSDT-FUTURES",
        "SCOIN-FUTURES",
        "SUSDC-FUTURES",
    )
}
CHAIN = "OPENBOURSE"  # the only "network": deposits are admin credits on this ledger


@route("GET", "public/time", family="public")
async def server_time(ctx: ApiContext, req: Req) -> Dict[str, str]:
    """Server time in milliseconds."""
    return {"serverTime": str(now_ms())}


@route("GET", "spot/public/coins", family="public", params=("coin",), response="list")
async def coins(ctx: ApiContext, req: Req) -> List[Dict[str, Any]]:
    """Listed assets with their single internal chain (scale = withdrawMinScale)."""
    coin = req.params.text("coin", required=False)
    if coin is not None:
        ctx.asset_scale(coin)
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
                "takerFeeRate": _rate(m.taker_fee_ppm),
                "makerFeeRate": _rate(m.maker_fee_ppm),
                "pricePrecision": str(m.price_precision),
                "quantityPrecision": str(m.quantity_precision),
                "quotePrecision": str(min(quote_scale, m.price_precision + m.quantity_precision)),
                "status": "online" if m.status == 0 else "halt",
                "minTradeUSDT": from_units(m.min_notional, quote_scale),
                "buyLimitPriceRatio": _rate(m.price_band_ppm),
                "sellLimitPriceRatio": _rate(m.price_band_ppm),
                "areaSymbol": "no",
                "orderQuantity": str(m.max_open_orders or 500),
                "openTime": "0",
                "offTime": "",
            }
        )
    return out


def _rate(ppm: int) -> str:
    text = from_units(ppm, 6)
    return text.rstrip("0").rstrip(".") if "." in text else text


@route("GET", "margin/currencies", family="public", response="list")
async def margin_currencies(ctx: ApiContext, req: Req) -> List[Dict[str, Any]]:
    """Margin-enabled pairs (``isBorrowable`` is a JSON bool, as ccxt's load_markets needs)."""
    from .margin import margin_currencies_json  # margin imports this module's neighbours

    return margin_currencies_json(ctx)


def _product_type(req: Req) -> str:
    text = req.params.text("productType")
    assert text is not None
    product = PRODUCT_TYPES.get(text.lower())
    if product is None:
        raise ApiError(E.PARAM_INVALID, f"Parameter verification failed: productType {text}")
    return product


@route(
    "GET",
    "mix/market/contracts",
    family="public",
    params=("productType", "symbol"),
    required=("productType",),
    response="list",
)
async def contracts(ctx: ApiContext, req: Req) -> List[Dict[str, Any]]:
    """Futures contracts of a productType: none listed yet."""
    _product_type(req)
    symbol = req.params.text("symbol", required=False)
    if symbol is not None:
        raise ApiError(E.NOT_EXIST, f"Parameter {symbol} does not exist")
    return []


@route(
    "GET",
    "mix/market/tickers",
    family="public",
    params=("productType",),
    required=("productType",),
    response="list",
)
async def mix_tickers(ctx: ApiContext, req: Req) -> List[Dict[str, Any]]:
    """Futures tickers of a productType: none listed yet."""
    _product_type(req)
    return []


async def _no_contract(ctx: ApiContext, req: Req) -> None:
    """Any contract symbol is unknown until futures are listed."""
    _product_type(req)
    symbol = req.params.text("symbol")
    raise ApiError(E.NOT_EXIST, f"Parameter {symbol} does not exist")


_MIX_SYMBOL_PARAMS = (
    "symbol",
    "productType",
    "limit",
    "precision",
    "granularity",
    "startTime",
    "endTime",
    "kLineType",
    "idLessThan",
    "pageSize",
    "pageNo",
)
for _path in (
    "mix/market/ticker",
    "mix/market/merge-depth",
    "mix/market/candles",
    "mix/market/history-candles",
    "mix/market/history-mark-candles",
    "mix/market/fills",
    "mix/market/fills-history",
    "mix/market/current-fund-rate",
    "mix/market/history-fund-rate",
    "mix/market/symbol-price",
):
    route(
        "GET", _path, family="public", params=_MIX_SYMBOL_PARAMS, required=("symbol", "productType")
    )(_no_contract)
