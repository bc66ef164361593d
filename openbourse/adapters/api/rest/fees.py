"""Trading fee rates (``common/trade-rate``, ccxt ``fetch_trading_fee``).

Spot and margin orders pay the market's rates unless the operator gave the user a fee
tier (``SetUserFees``, which only the engine state knows, so the answer is a query on the
sequencer thread); futures pay their contract's rates.
"""
from __future__ import annotations

from typing import Any, Dict, Tuple

from ....core.markets import fee_rates
from ...readmodels.products import products_of
from ..errors import ApiError, E
from .context import ApiContext, Req
from .formats import ppm_text
from .mix_common import contract, views_of
from .registry import Registry

__all__ = ["registry"]

registry = Registry()
route = registry.route


@route("GET", "common/trade-rate", family="account", permission="read",
       params=("symbol", "businessType"), required=("symbol", "businessType"))
async def trade_rate(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """The maker and taker fee rates the caller pays on ``symbol`` (businessType ``spot``,
    ``margin`` or ``mix``)."""
    symbol = req.params.text("symbol")
    kind = req.params.text("businessType").lower()
    if kind == "mix":
        info = contract(views_of(ctx), symbol)
        maker, taker = info.maker_fee_ppm, info.taker_fee_ppm
    elif kind in ("spot", "margin"):
        ctx.market_info(symbol)  # 40034 for a symbol that is not listed
        user = req.user

        def rates(state: Any) -> Tuple[int, int]:
            return fee_rates(state.user_fees, user, state.markets[symbol])

        maker, taker = await products_of(ctx.views).query(rates)
    else:
        raise ApiError(E.PARAM_INVALID, "businessType must be spot, margin or mix")
    return {"symbol": symbol, "makerFeeRate": ppm_text(maker), "takerFeeRate": ppm_text(taker)}
