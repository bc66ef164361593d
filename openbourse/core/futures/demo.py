"""Demo contract listings (pure): BTC and ETH in each family, tiers after products.md §3.9.

Assets assumed listed with these scales: USDT 6, USDC 6, BTC 8, ETH 8 (``DEMO_ASSETS``).
Prices: 1 decimal (BTC) / 2 decimals (ETH); sizes in base coin in every family (BTC 0.001,
ETH 0.01 steps).
"""
from __future__ import annotations

from typing import List, Tuple

from .commands import ListContract

__all__ = ["DEMO_ASSETS", "demo_contracts", "btc_tiers"]

DEMO_ASSETS = (("USDT", 6), ("USDC", 6), ("BTC", 8), ("ETH", 8))

# BTCUSDT ordinary level (USD bounds, max leverage, MMR ppm), products.md §3.9
_BTC_TIERS = ((150_000, 125, 4_000), (900_000, 100, 5_000), (12_000_000, 50, 10_000),
              (38_000_000, 25, 15_000), (50_000_000, 20, 30_000), (100_000_000, 10, 50_000),
              (150_000_000, 5, 120_000), (200_000_000, 4, 150_000), (250_000_000, 3, 200_000),
              (400_000_000, 2, 300_000), (1_200_000_000, 1, 600_000))
_ETH_TIERS = ((100_000, 100, 5_000), (500_000, 75, 6_500), (5_000_000, 50, 10_000),
              (20_000_000, 25, 20_000), (50_000_000, 10, 50_000), (100_000_000, 5, 100_000),
              (300_000_000, 2, 250_000), (600_000_000, 1, 500_000))


def btc_tiers(scale: int, divisor: int = 1) -> Tuple[Tuple[int, int, int], ...]:
    """BTC tiers with bounds in minor units (``divisor`` converts USD to coin for Coin-M)."""
    return tuple((usd * 10**scale // divisor, lev, mmr) for usd, lev, mmr in _BTC_TIERS)


def _tiers(table: tuple, scale: int, divisor: int = 1) -> Tuple[Tuple[int, int, int], ...]:
    return tuple((usd * 10**scale // divisor, lev, mmr) for usd, lev, mmr in table)


def demo_contracts(ts_ns: int = 0) -> List[ListContract]:
    """The six demo perpetuals.  Coin-M tier bounds assume BTC ≈ 60,000 and ETH ≈ 3,000 USD."""
    out = []
    for quote, symbol_suffix, product_type in (("USDT", "USDT", 0), ("USDC", "PERP", 1)):
        out.append(ListContract(
            ts_ns, "BTC" + symbol_suffix, product_type, "BTC", quote, quote, 1, 3, 1, 1, 1,
            1_000_000, 5 * 10**6, 0, 200, 600, 600, 50_000, _tiers(_BTC_TIERS, 6), 8, 750_000,
            10_000, "BTC" + quote, 1))
        out.append(ListContract(
            ts_ns, "ETH" + symbol_suffix, product_type, "ETH", quote, quote, 2, 2, 1, 1, 1,
            10_000_000, 5 * 10**6, 0, 200, 600, 600, 50_000, _tiers(_ETH_TIERS, 6), 8, 750_000,
            10_000, "ETH" + quote, 1))
    out.append(ListContract(
        ts_ns, "BTCUSD", 2, "BTC", "USD", "BTC", 1, 3, 1, 1, 1, 1_000_000, 0, 0,
        200, 600, 600, 50_000, _tiers(_BTC_TIERS, 8, 60_000), 8, 750_000, 10_000, "BTCUSDT", 1))
    out.append(ListContract(
        ts_ns, "ETHUSD", 2, "ETH", "USD", "ETH", 2, 2, 1, 1, 1, 10_000_000, 0, 0,
        200, 600, 600, 50_000, _tiers(_ETH_TIERS, 8, 3_000), 8, 750_000, 10_000, "ETHUSDT", 1))
    return out
