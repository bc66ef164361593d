"""Positions and their exact risk arithmetic.

A position counts ``qty`` in order units (what closing orders take, base coin) and
``size`` in value units (``Contract.value``; the same as ``qty`` for linear contracts, the
USD face for inverse ones, see contracts.py).  It keeps its **cost**: the sum of the
values of the fills that opened it, less what closes removed.  Average entry is derived
from it, so every PnL is exact and the clearing identity holds: Σ realised PnL + Σ
unrealised PnL(any mark) = 0 per contract (linear exactly; inverse with the house
position, up to the rounding of each fill's value).

* unrealised PnL at mark ``m``: ``d × sgn × (value(size, m) − cost)``
* closing ``q`` order units at ``price``: ``size``, ``cost`` and ``margin`` leave in the
  proportion ``q ÷ qty`` (all of them on a full close), ``pnl = d × sgn × (value(removed
  size, price) − removed cost)``; for inverse that is ``q × (1 − entry ÷ price)`` in coin.

Liquidation test (margin ratio reaches 100 %, products.md §3.9-3.11, maintenance includes
the liquidation fee like Bitget's liquidation-price formula):
``equity × 10**6 ≤ value(size, mark) × (MMR(tier) + liquidation fee)`` in ppm, with
``equity = margin + unrealised PnL`` (isolated) or the account's cross equity.
"""
from __future__ import annotations

from bisect import bisect_left
from typing import Any, Tuple

from .contracts import PPM, Contract

__all__ = ["Position", "shrink", "unrealised", "trigger_price", "bankruptcy_price", "risk_rate",
           "liquidation_price"]


class Position:
    __slots__ = ("position_id", "user", "symbol", "side", "margin_mode", "pos_mode", "leverage",
                 "qty", "size", "cost", "margin", "realised", "fees", "funding", "auto_margin",
                 "opened_ns", "trigger", "account", "asset", "liq", "liq_at")

    def __init__(self, position_id: int, user: int, contract: Contract, side: int,
                 margin_mode: int, pos_mode: int, leverage: int, auto_margin: int,
                 opened_ns: int) -> None:
        self.position_id = position_id
        self.user = user
        self.symbol = contract.symbol
        self.side = side  # HoldSide LONG 0 / SHORT 1
        self.margin_mode = margin_mode
        self.pos_mode = pos_mode
        self.leverage = leverage
        self.qty = 0  # order units
        self.size = 0  # value units
        self.cost = 0
        self.margin = 0
        self.realised = 0
        self.fees = 0
        self.funding = 0
        self.auto_margin = auto_margin
        self.opened_ns = opened_ns
        self.trigger = 0  # current liquidation-index trigger price (0 = not indexed)
        self.account = contract.account
        self.asset = contract.margin_asset
        self.liq = 0  # isolated: liquidation price at the last re-index, for (size, cost, margin)
        self.liq_at: Tuple[int, int, int] = (0, 0, 0)

    @property
    def d(self) -> int:
        return 1 - 2 * self.side

    FIELDS = ("position_id", "user", "symbol", "side", "margin_mode", "pos_mode", "leverage",
              "size", "cost", "margin", "realised", "fees", "funding", "auto_margin",
              "opened_ns", "trigger", "qty")

    def fields(self) -> Tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.FIELDS)

    def __repr__(self) -> str:
        return (f"Position({self.position_id}, user={self.user}, {self.symbol}, side={self.side},"
                f" qty={self.qty}, size={self.size}, cost={self.cost}, margin={self.margin})")


def shrink(pos: Position, qty: int, units: int = -1) -> Tuple[int, int, int]:
    """Take ``qty`` order units (or, for ADL, ``units`` value units) out of ``pos``; the rest
    leaves in proportion (everything on a full close).  Returns the removed
    (value units, cost, margin)."""
    whole, part = (pos.qty, qty) if units < 0 else (pos.size, units)
    if part >= whole:
        removed = (pos.size, pos.cost, pos.margin)
        pos.qty = 0
    else:
        removed = (pos.size * part // whole, pos.cost * part // whole, pos.margin * part // whole)
        pos.qty -= qty if units < 0 else pos.qty * part // whole
    pos.size -= removed[0]
    pos.cost -= removed[1]
    pos.margin -= removed[2]
    return removed


def unrealised(contract: Contract, pos: Position, mark: int) -> int:
    return contract.pnl(pos.d, pos.size, pos.cost, mark)


def risk_rate(contract: Contract, value: int) -> int:
    """Maintenance rate in ppm at a position value: tier MMR plus the liquidation fee."""
    return contract.risk(value)


def _solve(contract: Contract, side: int, size: int, cost: int, margin_e6: int,
           rate: int) -> int:
    """Price at which ``margin + upnl`` equals maintenance at ``rate`` (0 = never).

    Longs are liquidated at or below the result (rounded down), shorts at or above it
    (rounded up); ``margin_e6`` is the margin in 10**-6 units (cross shares are fractional).
    """
    c6 = cost * PPM
    if not contract.inverse:
        qk = size * contract.k
        if side == 0:
            num = c6 - margin_e6
            return num // (qk * (PPM - rate)) if num > 0 else 0
        return -((-(c6 + margin_e6)) // (qk * (PPM + rate)))
    qk = size * contract.big_k
    if side == 0:
        den = c6 + margin_e6
        return qk * (PPM + rate) // den if den > 0 else 1 << 120
    den = c6 - margin_e6
    return -((-qk * (PPM - rate)) // den) if den > 0 else 0


def trigger_price(contract: Contract, side: int, size: int, cost: int, margin_e6: int) -> int:
    """Liquidation price, using the MMR of the tier the position reaches at that price."""
    if size <= 0:
        return 0
    bounds, risks = contract.bounds, contract.risks
    last = len(risks) - 1
    value = contract.value
    i = bisect_left(bounds, value(size, contract.mark or 1))
    rate = risks[i if i <= last else last]
    price = 0
    for _ in range(last + 2):
        price = _solve(contract, side, size, cost, margin_e6, rate)
        if price <= 0 or price >= 1 << 100:
            return price
        i = bisect_left(bounds, value(size, price))
        at = risks[i if i <= last else last]
        if at == rate:
            break
        rate = at
    return price


def liquidation_price(contract: Contract, pos: Position, margin_e6: int) -> int:
    price = trigger_price(contract, pos.side, pos.size, pos.cost, margin_e6)
    return price if 0 < price < 1 << 100 else 0


def bankruptcy_price(contract: Contract, side: int, size: int, cost: int, margin: int) -> int:
    """Price at which ``margin + upnl = 0`` (rounded against the position: longs up, shorts
    down, so a fill at it never loses more than the margin).  0 = none."""
    if size <= 0:
        return 0
    if not contract.inverse:
        qk = size * contract.k
        if side == 0:
            num = cost - margin
            return max(contract.tick, -((-num) // qk)) if num > 0 else contract.tick
        return (cost + margin) // qk
    qk = size * contract.big_k
    if side == 0:
        return -((-qk) // (cost + margin)) if cost + margin > 0 else 0
    den = cost - margin
    return qk // den if den > 0 else 1 << 62
