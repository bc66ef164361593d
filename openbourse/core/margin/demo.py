"""Demo margin settings as pure data (the edge applies them at startup).

``commands(assets)``: the operator commands, in order, for the assets/markets the demo
lists (markets must be listed first).  Amounts in minor units of each asset's scale.
"""
from __future__ import annotations

from .commands import (
    FundLendingPool,
    FundMarginInsurance,
    SetCrossMargin,
    SetMarginAsset,
    SetMarginPair,
)

__all__ = ["ASSETS", "CROSS", "INSURANCE", "PAIRS", "POOL", "commands"]

#: asset -> (borrowable, daily rate in 1e-9, cross max borrow (whole units),
#: min borrow (whole units, as text))
ASSETS: dict[str, tuple[int, int, int, str]] = {
    "USDT": (1, 126_279, 1_000_000, "10"),  # 0.0126279 %/day (products.md §2.9)
    "USDC": (1, 126_279, 1_000_000, "10"),
    "BTC": (1, 50_000, 20, "0.0001"),
    "ETH": (1, 60_000, 300, "0.001"),
    "SOL": (1, 120_000, 5_000, "0.01"),
}
#: symbol -> (max leverage, mmr ppm, base max borrow (whole), quote max borrow (whole))
PAIRS: dict[str, tuple[int, int, int, int]] = {
    "BTCUSDT": (5, 100_000, 10, 400_000),  # Bitget BTCUSDT isolated tier 1: 5x, MMR 0.10
    "ETHUSDT": (5, 100_000, 150, 400_000),
    "SOLUSDT": (5, 100_000, 2_500, 200_000),
}
CROSS: tuple[int, int] = (3, 50_000)  # 3x, MMR 0.05 (products.md §2.2)
#: asset -> whole units funded into the lending pool / the margin insurance fund
POOL: dict[str, int] = {"USDT": 5_000_000, "USDC": 1_000_000, "BTC": 100, "ETH": 1_500,
                        "SOL": 20_000}
INSURANCE: dict[str, int] = {"USDT": 250_000, "BTC": 2, "ETH": 30}


def _units(text: str, scale: int) -> int:
    whole, _, frac = text.partition(".")
    return int(whole) * 10**scale + int((frac + "0" * scale)[:scale] or 0)


def commands(scales: dict[str, int], symbols: dict[str, tuple[str, str]]) -> list[object]:
    """``scales``: listed asset -> scale; ``symbols``: listed symbol -> (base, quote)."""
    out: list[object] = []
    for asset, (borrowable, rate, cross_max, minimum) in ASSETS.items():
        if asset in scales:
            scale = scales[asset]
            out.append(SetMarginAsset(0, asset, borrowable, rate, cross_max * 10**scale,
                                      _units(minimum, scale)))
    for symbol, (leverage, mmr, base_max, quote_max) in PAIRS.items():
        if symbol in symbols:
            base, quote = symbols[symbol]
            if base in scales and quote in scales and base in ASSETS and quote in ASSETS:
                out.append(SetMarginPair(0, symbol, leverage, mmr, base_max * 10**scales[base],
                                         quote_max * 10**scales[quote]))
    out.append(SetCrossMargin(0, *CROSS))
    for asset, amount in POOL.items():
        if asset in scales:
            out.append(FundLendingPool(0, asset, amount * 10**scales[asset], f"demo-pool-{asset}"))
    for asset, amount in INSURANCE.items():
        if asset in scales:
            out.append(FundMarginInsurance(0, asset, amount * 10**scales[asset],
                                           f"demo-insurance-{asset}"))
    return out
