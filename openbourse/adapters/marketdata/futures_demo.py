"""The demo perpetual contracts: one per product family (USDT-M, USDC-M, Coin-M) plus ETH.

``contract_listings()`` is what a fresh demo node submits after the spot listings (the
core refuses a contract that is already listed, so replaying it is harmless).  Tiers
follow Bitget's BTCUSDT table (products.md §3.9), amounts in the margin asset's minor
units; Coin-M sizes are contracts of 1 USD face value.
"""
from __future__ import annotations

from typing import List, Tuple

from ...core.futures.commands import ListContract
from ...core.futures.enums import ProductType

__all__ = ["DEMO_CONTRACTS", "contract_listings", "SPOT_REFERENCE"]

_USDT = 10**6
_BTC = 10**8

_BTC_TIERS_USD = ((150_000, 125, 4000), (900_000, 100, 5000), (12_000_000, 50, 10_000),
                  (38_000_000, 25, 15_000), (50_000_000, 20, 30_000), (100_000_000, 10, 50_000))
_ETH_TIERS_USD = ((100_000, 100, 5000), (500_000, 75, 6500), (2_000_000, 50, 10_000),
                  (10_000_000, 20, 25_000), (50_000_000, 10, 50_000))
_BTC_TIERS_COIN = ((2, 125, 4000), (15, 100, 5000), (180, 50, 10_000), (600, 25, 15_000),
                   (800, 20, 30_000), (1500, 10, 50_000))


def _tiers(rows: Tuple[Tuple[int, int, int], ...], unit: int) -> tuple:
    return tuple((bound * unit, lev, mmr) for bound, lev, mmr in rows)


def _linear(symbol: str, product: int, base: str, quote: str, pp: int, qp: int, max_size: int,
            tiers: tuple, spot: str) -> ListContract:
    return ListContract(
        0, symbol, product, base, quote, quote, pp, qp, 1, 1, 1, max_size, 5 * _USDT, 0,
        200, 600, 600,  # maker 0.02 %, taker 0.06 %, liquidation fee 0.06 %
        100_000,  # orders within mark ± 10 %
        tiers, 8, 750_000, 10_000, spot, 50)


DEMO_CONTRACTS: Tuple[ListContract, ...] = (
    _linear("BTCUSDT", int(ProductType.USDT_FUTURES), "BTC", "USDT", 1, 4, 1_000_000,
            _tiers(_BTC_TIERS_USD, _USDT), "BTCUSDT"),
    _linear("ETHUSDT", int(ProductType.USDT_FUTURES), "ETH", "USDT", 2, 3, 1_000_000,
            _tiers(_ETH_TIERS_USD, _USDT), "ETHUSDT"),
    _linear("BTCPERP", int(ProductType.USDC_FUTURES), "BTC", "USDC", 1, 4, 1_000_000,
            _tiers(_BTC_TIERS_USD, _USDT), "BTCUSDC"),
    ListContract(
        0, "BTCUSD", int(ProductType.COIN_FUTURES), "BTC", "USD", "BTC", 1, 0, 1, 1, 1,
        10_000_000, 0, 10,  # 1 USD face value (10 price units at one price decimal)
        200, 600, 600, 100_000, _tiers(_BTC_TIERS_COIN, _BTC), 8, 750_000, 10_000,
        "BTCUSDT", 50),
)

#: contract → (spot market whose mid anchors the simulated external venues, its quote)
SPOT_REFERENCE = {"BTCUSDT": "BTCUSDT", "ETHUSDT": "ETHUSDT", "BTCPERP": "BTCUSDC",
                  "BTCUSD": "BTCUSDT"}


def contract_listings(ts_ns: int = 0) -> List[ListContract]:
    return [c._replace(ts_ns=ts_ns) for c in DEMO_CONTRACTS]
