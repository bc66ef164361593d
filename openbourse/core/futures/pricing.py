"""Index and mark prices (products.md §3.6-3.7), all in the contract's price units.

* Index: the external references of ``UpdatePrices`` plus the exchange's own spot last
  price (weight ``spot_weight``).  A source more than 5 % from the median of all sources
  is excluded, and an excluded one is re-admitted only within 2 %.  Index = Σ w·p ÷ Σ w
  (rounded down; equal weights if all weights are 0).  No valid source: the index is held
  and flagged stale, which suspends liquidations.
* Premium sample (for funding): ``P = [max(0, impact_bid − index) − max(0, index −
  impact_ask)] ÷ index`` in 10**-8, impact prices = the price reached on each side of the
  book for the impact notional (200 × tier-1 max leverage units of the margin asset's
  quote value, at least one level); time-weighted ``Σ k·P_k ÷ Σ k`` over the interval.
* Mark = median(P1 last trade, P2 = index × (1 + F × τ ÷ T), P3 = index + 5-min mean of
  (mid − index)); P1 missing → P2.
"""
from __future__ import annotations

from typing import List, Optional, Tuple

from ..orderbook.book import BookSide
from .contracts import HOUR_NS, PPM, RATE_E8, Contract

__all__ = ["compute_index", "sample_premium", "compute_mark", "predicted_rate",
           "BASIS_WINDOW_NS"]

BASIS_WINDOW_NS = 5 * 60 * 1_000_000_000
OUT_PPM = 50_000  # 5 %
BACK_PPM = 20_000  # 2 %


def _median(values: List[int]) -> int:
    ordered = sorted(values)
    n = len(ordered)
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) // 2


def compute_index(contract: Contract, sources: List[Tuple[str, int, int]]
                  ) -> Tuple[Optional[int], List[Tuple[str, int, int, int]]]:
    """(index or None, components with a used flag); updates ``contract.excluded``."""
    if not sources:
        return None, []
    median = _median([price for _, price, _ in sources])
    used: List[Tuple[str, int, int, int]] = []
    excluded = []
    for name, price, weight in sources:
        gap = abs(price - median) * PPM
        limit = BACK_PPM if name in contract.excluded else OUT_PPM
        ok = gap <= limit * median
        used.append((name, price, weight, 1 if ok else 0))
        if not ok:
            excluded.append(name)
    contract.excluded = sorted(excluded)
    valid = [(p, w) for _, p, w, ok in used if ok]
    if not valid:
        return None, used
    total_w = sum(w for _, w in valid)
    if total_w <= 0:
        return sum(p for p, _ in valid) // len(valid), used
    return sum(p * w for p, w in valid) // total_w, used


def _impact(side: BookSide, contract: Contract, notional: int) -> Optional[int]:
    got = 0
    for key in side.keys:
        price = side.sign * key
        got += contract.order_value(side.levels[key].total, price)
        if got >= notional:
            return price
    return side.sign * side.keys[-1] if side.keys else None


def sample_premium(contract: Contract) -> None:
    index = contract.index
    if index <= 0:
        return
    notional = 200 * contract.max_leverage() * 10**contract.scale
    if contract.inverse:  # 200 × max leverage USD, in coin units at the index
        notional = notional * 10**contract.price_precision // index
    bid = _impact(contract.book.bids, contract, notional)
    ask = _impact(contract.book.asks, contract, notional)
    premium = 0
    if bid is not None and bid > index:
        premium += (bid - index) * RATE_E8 // index
    if ask is not None and ask < index:
        premium -= (index - ask) * RATE_E8 // index
    contract.prem_k += 1
    contract.prem_num += contract.prem_k * premium
    contract.prem_den += contract.prem_k


def predicted_rate(contract: Contract) -> int:
    """F = clamp([P̄ + clamp(I − P̄, ±0.05 %)] × N ÷ 8, ±cap), in 10**-8 (rounded toward 0)."""
    if contract.prem_den:
        num, den = contract.prem_num, contract.prem_den
        avg = num // den if num >= 0 else -((-num) // den)
    else:
        avg = 0
    interest = contract.interest_e8
    rate = avg + max(-50_000, min(50_000, interest - avg))
    n = contract.funding_interval_h
    rate = rate * n // 8 if rate >= 0 else -((-rate * n) // 8)
    cap = contract.funding_cap_e8
    return max(-cap, min(cap, rate))


def compute_mark(contract: Contract, ts_ns: int) -> int:
    index = contract.index
    rate = predicted_rate(contract)
    interval = contract.funding_interval_h * HOUR_NS
    left = max(0, contract.next_funding_ns - ts_ns)
    p2 = index + index * rate * left // (RATE_E8 * interval)
    # basis samples (mid − index), kept for 5 minutes
    bid, ask = contract.book.best_bid(), contract.book.best_ask()
    if bid is not None and ask is not None:
        sample = (bid + ask) // 2 - index
        contract.basis.append((ts_ns, sample))
        contract.basis_sum += sample
    while contract.basis and contract.basis[0][0] <= ts_ns - BASIS_WINDOW_NS:
        contract.basis_sum -= contract.basis.popleft()[1]
    n = len(contract.basis)
    if n:
        mean = contract.basis_sum // n if contract.basis_sum >= 0 else -((-contract.basis_sum) // n)
        p3 = index + mean
    else:
        p3 = index
    p1 = contract.last or p2
    return max(1, sorted((p1, p2, p3))[1])

