"""Seeded reference prices: one geometric random walk per asset, priced in USD.

A market's reference is ``usd(base) / usd(quote)``, so cross rates stay consistent by
construction (ETH/BTC == ETH/USDT ÷ BTC/USDT exactly, BTC/USDC tracks BTC/USDT through
a tight USDC walk).  The walk advances in fixed steps, never by wall time, so the price
path is a pure function of the seed and the step count.  Floats live only here; a
reference becomes integer price units through ``price_units`` (round half to even on
the scaled value, then down to the tick), a deterministic conversion.
"""
from __future__ import annotations

import math
import random
from decimal import Decimal
from typing import Dict, Mapping

__all__ = ["ReferenceWalk", "price_units"]


class ReferenceWalk:
    """USD prices of assets; ``step()`` moves them all by one seeded increment."""

    def __init__(self, seed: int, start_usd: Mapping[str, str],
                 vol_per_step: Mapping[str, float], *, reversion: float = 0.0002) -> None:
        self._rng = random.Random(seed)
        self._anchor = {a: math.log(float(Decimal(p))) for a, p in start_usd.items()}
        self._log = dict(self._anchor)
        self._vol = dict(vol_per_step)
        self._reversion = reversion
        self.steps = 0

    def step(self) -> None:
        """One increment for every asset, in sorted asset order (stable across runs)."""
        for asset in sorted(self._log):
            vol = self._vol.get(asset, 0.0)
            if vol <= 0:
                continue
            drift = -self._reversion * (self._log[asset] - self._anchor[asset])
            self._log[asset] += drift + vol * self._rng.gauss(0.0, 1.0)
        self.steps += 1

    def usd(self, asset: str) -> float:
        return math.exp(self._log[asset])

    def rate(self, base: str, quote: str) -> float:
        """Reference price of ``base`` in ``quote``."""
        return self.usd(base) / self.usd(quote)

    def snapshot(self) -> Dict[str, float]:
        return {asset: self.usd(asset) for asset in sorted(self._log)}


def price_units(reference: float, price_precision: int, tick: int) -> int:
    """A float reference as integer price units on the tick grid (at least one tick)."""
    scaled = round(reference * 10**price_precision)
    return max(tick, scaled // tick * tick)
