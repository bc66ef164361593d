"""Simulated external reference venues for the futures index (demo only).

A real venue computes its index from several spot exchanges (products.md §3.6).  The demo
has one exchange, so three fake external venues quote each index pair: each is the
exchange's own spot mid plus a small seeded, mean-reverting drift of its own, and now
and then one venue goes wrong for a few seconds (a quote several percent away), which is
what the core's outlier rule (> 5 % from the median is excluded) must absorb.

Floats and randomness live here only; quotes leave as integer price units, and the core
receives them as ordinary journaled commands, so replay stays deterministic.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

__all__ = ["ExternalVenues", "VenueConfig", "VENUES"]

VENUES: Tuple[str, ...] = ("ext-alpha", "ext-beta", "ext-gamma")


@dataclass
class VenueConfig:
    venues: Tuple[str, ...] = VENUES
    noise_bp: float = 4.0  # per-quote noise (basis points, one standard deviation)
    drift_bp: float = 1.5  # per-step drift of each venue's basis to our mid
    max_basis_bp: float = 15.0  # a venue's basis is kept within this band
    outlier_probability: float = 0.01  # per pair per step: one venue starts misquoting
    outlier_bp: Tuple[int, int] = (700, 1500)  # how far off a misquoting venue is
    outlier_steps: Tuple[int, int] = (3, 10)  # for how many steps
    # index weights (any integer scale, like 24 h volumes); the demo contracts give the
    # exchange's own spot price weight 1, so the three venues carry 80 % of the index
    weights: Dict[str, int] = field(default_factory=lambda: {"ext-alpha": 2, "ext-beta": 1,
                                                             "ext-gamma": 1})


class ExternalVenues:
    """``quotes(pair, mid)`` → [(venue, price units)], one step of every venue's path."""

    def __init__(self, seed: int, config: Optional[VenueConfig] = None) -> None:
        self.config = config or VenueConfig()
        self._rng = random.Random(seed ^ 0xE7E7)
        self._basis: Dict[Tuple[str, str], float] = {}  # (pair, venue) -> bp
        self._outlier: Dict[str, Tuple[str, float, int]] = {}  # pair -> (venue, bp, steps left)
        self.outliers_started = 0

    def outlier_of(self, pair: str) -> Optional[str]:
        """The venue currently misquoting ``pair`` (None when all are sane)."""
        current = self._outlier.get(pair)
        return current[0] if current else None

    def quotes(self, pair: str, mid: int, tick: int = 1) -> List[Tuple[str, int]]:
        cfg, rng = self.config, self._rng
        if mid <= 0:
            return []
        current = self._outlier.get(pair)
        if current is None and rng.random() < cfg.outlier_probability:
            venue = cfg.venues[rng.randrange(len(cfg.venues))]
            size = rng.uniform(*cfg.outlier_bp) * (1 if rng.random() < 0.5 else -1)
            current = (venue, size, rng.randint(*cfg.outlier_steps))
            self.outliers_started += 1
        out: List[Tuple[str, int]] = []
        for venue in cfg.venues:
            key = (pair, venue)
            basis = self._basis.get(key, rng.gauss(0.0, cfg.max_basis_bp / 3))
            basis += rng.gauss(0.0, cfg.drift_bp) - 0.05 * basis
            basis = max(-cfg.max_basis_bp, min(cfg.max_basis_bp, basis))
            self._basis[key] = basis
            bp = basis + rng.gauss(0.0, cfg.noise_bp)
            if current is not None and current[0] == venue:
                bp += current[1]
            price = round(mid * (1 + bp / 10_000))
            out.append((venue, max(tick, price // tick * tick)))
        if current is not None:
            venue, size, left = current
            if left <= 1:
                self._outlier.pop(pair, None)
            else:
                self._outlier[pair] = (venue, size, left - 1)
        return out
