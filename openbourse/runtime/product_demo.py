"""Demo margin and convert set-up: margin-enabled pairs, rates, lending pool, convert liquidity.

Called by ``bootstrap_demo`` right after the demo markets are listed.  The settings are
pure data from the core (``core/margin/demo.py`` and ``core/convert/demo.py`` when they
exist, else the defaults below); configuration commands are sent only while the product
projection has none (an operator's later changes survive restarts), and the funding
commands carry fixed refs so a retry is a ``Duplicate``.
"""

from __future__ import annotations

import importlib
from typing import Any, List, Optional

from ..adapters.api.errors import reject_error
from ..core import events as ev
from ..core.convert import commands as cc
from ..core.margin import commands as mc
from ..core.units import to_units

__all__ = ["bootstrap_products", "demo_commands"]

#: asset → (daily rate per 10**9, cross tier limit, min borrow, pool funding, convert liquidity)
_ASSETS = {
    "USDT": (126_279, "1000000", "10", "5000000", "2000000"),
    "USDC": (126_279, "1000000", "10", "2000000", "2000000"),
    "BTC": (27_000, "20", "0.0001", "100", "40"),
    "ETH": (40_000, "300", "0.001", "2000", "600"),
    "SOL": (80_000, "10000", "0.01", "50000", "20000"),
}
#: isolated pairs: (max leverage, mmr ppm, base tier limit, quote tier limit)
_PAIRS = {
    "BTCUSDT": (5, 100_000, "10", "200000"),
    "ETHUSDT": (5, 100_000, "150", "200000"),
    "SOLUSDT": (5, 100_000, "5000", "200000"),
}


def _default_commands(scales: dict) -> List[Any]:
    out: List[Any] = [mc.SetCrossMargin(0, 3, 50_000)]
    for asset, (rate, tier, minimum, _, _) in _ASSETS.items():
        if asset in scales:
            s = scales[asset]
            out.append(mc.SetMarginAsset(0, asset, 1, rate, to_units(tier, s),
                                         to_units(minimum, s)))
    for symbol, (leverage, mmr, base_max, quote_max) in _PAIRS.items():
        base, quote = symbol[:-4], symbol[-4:]
        if base in scales and quote in scales:
            out.append(mc.SetMarginPair(0, symbol, leverage, mmr, to_units(base_max, scales[base]),
                                        to_units(quote_max, scales[quote])))
    for asset, (_, _, _, pool, _) in _ASSETS.items():
        if asset in scales:
            out.append(mc.FundLendingPool(0, asset, to_units(pool, scales[asset]),
                                          f"demo-pool-{asset}"))
    if "USDT" in scales:
        out.append(mc.FundMarginInsurance(0, "USDT", to_units("100000", scales["USDT"]),
                                          "demo-margin-insurance-USDT"))
    out.append(cc.SetConvertConfig(0, 2_000, 8_000_000_000, to_units("10", scales.get("USDT", 6))))
    for asset, (_, _, _, _, liquidity) in _ASSETS.items():
        if asset in scales:
            s = scales[asset]
            minimum = "1" if asset in ("USDT", "USDC") else "0.00001"
            out.append(cc.SetConvertAsset(0, asset, 1, to_units(minimum, s),
                                          to_units("1000000", s)))
            out.append(cc.FundConvertLiquidity(0, asset, to_units(liquidity, s),
                                               f"demo-convert-{asset}"))
    return out


def demo_commands(scales: dict, symbols: Optional[dict] = None) -> List[Any]:
    """The core's demo settings (``core/margin/demo.py``, ``core/convert/demo.py``), else
    this module's defaults.  ``symbols``: listed symbol → (base, quote)."""
    try:
        margin_demo = importlib.import_module("openbourse.core.margin.demo")
        convert_demo = importlib.import_module("openbourse.core.convert.demo")
    except ImportError:
        return _default_commands(scales)
    return [*margin_demo.commands(scales, symbols or {}), *convert_demo.commands(scales)]


_CONFIG = (mc.SetCrossMargin, mc.SetMarginAsset, mc.SetMarginPair, cc.SetConvertConfig,
           cc.SetConvertAsset)


async def bootstrap_products(node: Any) -> None:
    views = getattr(node.views, "products", None)
    configured = views is not None and bool(views.history.items("masset:"))
    symbols = {m.symbol: (m.base, m.quote) for m in node.catalog.markets.values()}
    for command in demo_commands(dict(node.catalog.assets), symbols):
        if configured and isinstance(command, _CONFIG):
            continue
        for event in await node.submit(command):
            if type(event) is ev.Rejected:
                raise reject_error(event.code)
