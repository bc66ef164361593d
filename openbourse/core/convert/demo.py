"""Demo convert settings as pure data (the edge applies them at startup).

``commands(scales)``: operator commands for the listed assets (amounts in minor units).
"""
from __future__ import annotations

from .commands import FundConvertLiquidity, SetConvertAsset, SetConvertConfig

__all__ = ["DUST_MAX_USDT", "LIMITS", "LIQUIDITY", "QUOTE_TTL_NS", "SPREAD_PPM", "commands"]

SPREAD_PPM = 2_000  # 0.2 % (products.md §4.3: 0.1-0.5 %)
QUOTE_TTL_NS = 8 * 1_000_000_000  # Bitget traceId validity
DUST_MAX_USDT = 10  # balances worth at most 10 USDT count as small balances
#: asset -> (min, max) per conversion, whole units as text
LIMITS: dict[str, tuple[str, str]] = {
    "USDT": ("1", "1000000"), "USDC": ("1", "1000000"), "BTC": ("0.00001", "20"),
    "ETH": ("0.0001", "300"), "SOL": ("0.01", "10000"), "BGB": ("1", "1000000"),
}
#: asset -> whole units of inventory in the convert liquidity account
LIQUIDITY: dict[str, int] = {"USDT": 2_000_000, "USDC": 500_000, "BTC": 40, "ETH": 600,
                             "SOL": 10_000, "BGB": 1_000_000}


def _units(text: str, scale: int) -> int:
    whole, _, frac = text.partition(".")
    return int(whole) * 10**scale + int((frac + "0" * scale)[:scale] or 0)


def commands(scales: dict[str, int]) -> list[object]:
    usdt_scale = scales.get("USDT", 0)
    out: list[object] = [SetConvertConfig(0, SPREAD_PPM, QUOTE_TTL_NS,
                                          DUST_MAX_USDT * 10**usdt_scale)]
    for asset, (low, high) in LIMITS.items():
        if asset in scales:
            out.append(SetConvertAsset(0, asset, 1, _units(low, scales[asset]),
                                       _units(high, scales[asset])))
    for asset, amount in LIQUIDITY.items():
        if asset in scales:
            out.append(FundConvertLiquidity(0, asset, amount * 10**scales[asset],
                                            f"demo-convert-{asset}"))
    return out
