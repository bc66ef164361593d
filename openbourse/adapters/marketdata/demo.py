"""The demo universe: assets, markets and their starting reference prices.

Precisions satisfy the core's listing rule (price decimals + quantity decimals must not
exceed the quote asset's scale, so every notional is a whole number of quote minor
units).  ``listing_commands()`` is what a fresh node submits on first start; replaying
it is harmless (the core rejects existing listings).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Tuple

from ...core import commands as c

__all__ = ["DemoMarket", "DEMO_ASSETS", "DEMO_MARKETS", "START_USD", "VOL_PER_STEP",
           "listing_commands"]

#: asset -> scale (decimal places of one minor unit)
DEMO_ASSETS: Dict[str, int] = {"BTC": 8, "ETH": 8, "SOL": 8, "USDT": 6, "USDC": 6}

#: starting USD reference of each asset
START_USD: Dict[str, str] = {"BTC": "65000", "ETH": "3400", "SOL": "150", "USDT": "1",
                             "USDC": "1"}

#: log-return standard deviation per simulator step (0 = pegged)
VOL_PER_STEP: Dict[str, float] = {"BTC": 0.0004, "ETH": 0.0005, "SOL": 0.0008, "USDC": 0.00002}


@dataclass(frozen=True)
class DemoMarket:
    symbol: str
    base: str
    quote: str
    price_precision: int
    quantity_precision: int
    min_notional: int  # quote minor units

    def listing(self, ts_ns: int) -> c.ListMarket:
        return c.ListMarket(
            ts_ns, self.symbol, self.base, self.quote, self.price_precision,
            self.quantity_precision, 1, 1, 1, 10**12, self.min_notional,
            1000, 1000,  # maker / taker fee 0.1 %
            200_000,  # limit prices within ±20 % of the last trade
            0,  # no open-order cap
        )


DEMO_MARKETS: Tuple[DemoMarket, ...] = (
    DemoMarket("BTCUSDT", "BTC", "USDT", 2, 4, 1_000_000),
    DemoMarket("ETHUSDT", "ETH", "USDT", 2, 4, 1_000_000),
    DemoMarket("SOLUSDT", "SOL", "USDT", 3, 3, 1_000_000),
    DemoMarket("ETHBTC", "ETH", "BTC", 5, 3, 1_000),
    DemoMarket("BTCUSDC", "BTC", "USDC", 2, 4, 1_000_000),
)


def listing_commands(ts_ns: int = 0) -> List[object]:
    """ListAsset for every demo asset, then ListMarket for every demo market."""
    out: List[object] = [c.ListAsset(ts_ns, asset, scale) for asset, scale in DEMO_ASSETS.items()]
    out.extend(market.listing(ts_ns) for market in DEMO_MARKETS)
    return out
