"""Token buckets per (caller, endpoint family), the server-side twin of Bitget's limits (§6).

A caller is an API key for signed requests and a client IP for every request, so a key
shared across hosts and a host rotating keys are both bounded.  Buckets are refilled lazily
on use (no timer task) and idle ones are swept when the table grows, so an address scan
cannot grow memory without bound.
"""

from __future__ import annotations

import time
from typing import Callable, Dict, Tuple

__all__ = ["RateLimiter", "FAMILY_RATES"]

#: requests per second (sustained) and burst, per caller and family.
FAMILY_RATES: Dict[str, Tuple[float, float]] = {
    "public": (50.0, 100.0),
    "market": (50.0, 100.0),
    "account": (20.0, 40.0),
    "trade": (100.0, 200.0),
    "query": (50.0, 100.0),
    "plan": (20.0, 40.0),
    "wallet": (10.0, 20.0),
    "admin": (10.0, 20.0),
}

_MAX_BUCKETS = 100_000


class RateLimiter:
    def __init__(
        self,
        rates: Dict[str, Tuple[float, float]] = FAMILY_RATES,
        scale: float = 1.0,
        ip_factor: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``scale`` multiplies every rate (0 disables limiting, e.g. for benchmarks);
        an IP gets ``ip_factor`` times a key's rate, since several keys may share a host."""
        self._rates = {
            family: (rate * scale, burst * scale) for family, (rate, burst) in rates.items()
        }
        self._rates.update(
            {
                "ip:" + family: (rate * scale * ip_factor, burst * scale * ip_factor)
                for family, (rate, burst) in rates.items()
            }
        )
        self._enabled = scale > 0
        self._clock = clock
        self._buckets: Dict[Tuple[str, str], list] = {}

    def allow(self, caller: str, family: str) -> bool:
        """Take one token for ``caller`` (an API key, or "ip:" + family for addresses)."""
        if not self._enabled:
            return True
        rate, burst = self._rates.get(family, (50.0, 100.0))
        now = self._clock()
        key = (caller, family)
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= _MAX_BUCKETS:
                self._sweep(now)
            bucket = self._buckets[key] = [burst, now]
        tokens = min(burst, bucket[0] + (now - bucket[1]) * rate)
        bucket[1] = now
        if tokens < 1.0:
            bucket[0] = tokens
            return False
        bucket[0] = tokens - 1.0
        return True

    def _sweep(self, now: float) -> None:
        """Drop buckets idle long enough to be full again (forgetting them changes nothing)."""
        stale = [k for k, (_, last) in self._buckets.items() if now - last > 60.0]
        for key in stale:
            del self._buckets[key]
        if len(self._buckets) >= _MAX_BUCKETS:
            self._buckets.clear()
