"""A listed perpetual contract: its spec, integer value functions, risk tiers and prices.

Two kinds of quantity:

* **order units** (``qty``): what orders, the book and fills count, in
  ``10**-quantity_precision`` of the base coin for every family (Bitget v2 and ccxt count
  Coin-M sizes in the base coin too, ``contractSize`` 1);
* **value units** (``size``): what a position's value is a function of.  Linear: the same
  base units.  Inverse: the USD face, ``qty × price`` of each opening fill, in
  ``10**-(quantity_precision + price_precision)`` USD (exact, no rounding).

Value of ``size`` at ``price`` in margin-asset minor units (all PnL, margin and fees are
derived from it):

* linear (USDT-M, USDC-M): ``size × price × k`` with ``k = 10**(scale − pp − qp)``, exact;
  listing requires ``scale ≥ pp + qp``;
* inverse (Coin-M): ``size × K ÷ price`` rounded down, ``K = 10**(scale − qp)``, i.e. the
  coin worth of the USD face; an opening fill of ``q`` at ``P`` is worth exactly
  ``q × K`` (its base amount).  Listing requires ``scale ≥ qp``.

``sgn`` turns a value change into PnL: linear longs gain when value rises, inverse longs
gain when the coin value of their USD face falls, so ``pnl = d × sgn × (value − cost)``
with ``d`` = +1 long / −1 short and ``sgn`` = +1 linear / −1 inverse.

The **house position** (inverse only, ``house_size``/``house_cost``, signed: + long): a
Coin-M close in base coin removes face at the position's own entry while the other side
of the fill opens face at the fill price, so long and short face can drift apart.  The
clearing account holds the difference as this position, so face is conserved
(Σ long = Σ short with the house) and unrealised PnL plus the clearing balance still sum
to zero.  See docs/futures.md, "Coin-M sizes".
"""
from __future__ import annotations

from bisect import bisect_left
from collections import deque
from typing import Any, Deque, Dict, List, Optional, Tuple

from ..orderbook.book import OrderBook
from ..reject import RejectCode
from ..units import AMOUNT_MAX, FEE_RATE_DENOMINATOR
from .commands import ListContract
from .enums import PRODUCT_ACCOUNT, ContractStatus, ProductType

__all__ = ["Contract", "Valuation", "validate_contract", "PPM", "RATE_E8", "tiers_text"]

PPM = FEE_RATE_DENOMINATOR
RATE_E8 = 10**8
HOUR_NS = 3600 * 1_000_000_000


def tiers_text(tiers: Tuple[Tuple[int, int, int], ...]) -> str:
    return ";".join(f"{v}:{lev}:{mmr}" for v, lev, mmr in tiers)


class Valuation:
    """A contract's value and PnL formulas (module doc).  The core's ``Contract`` is one;
    the edge's read model builds one from the listing, so both compute the same integers."""

    __slots__ = ("inverse", "sgn", "k", "big_k")

    def __init__(self, product_type: int, scale: int, price_precision: int,
                 quantity_precision: int) -> None:
        self.inverse = product_type == ProductType.COIN_FUTURES
        self.sgn = -1 if self.inverse else 1
        self.k = 0 if self.inverse else 10 ** (scale - price_precision - quantity_precision)
        self.big_k = 10 ** (scale - quantity_precision) if self.inverse else 0

    def value(self, size: int, price: int) -> int:
        """Margin-asset units of ``size`` at ``price`` (inverse: rounded down)."""
        if self.inverse:
            return size * self.big_k // price if price > 0 else 0
        return size * price * self.k

    def pnl(self, d: int, size: int, cost: int, mark: int) -> int:
        """Unrealised PnL of a position (``d`` +1 long, −1 short) at ``mark``; 0 without one."""
        if not size or mark <= 0:
            return 0
        return d * self.sgn * (self.value(size, mark) - cost)


class Contract(Valuation):
    __slots__ = (
        "symbol", "product_type", "account", "base", "quote", "margin_asset", "scale",
        "price_precision", "quantity_precision", "tick", "lot", "min_size", "max_size",
        "min_notional", "face_value", "maker_fee_ppm", "taker_fee_ppm", "liquidation_fee_ppm",
        "price_band_ppm", "tiers", "funding_interval_h", "funding_cap_e8", "interest_e8",
        "spot_symbol", "spot_weight", "status",
        # prices
        "index", "mark", "last", "stale", "excluded", "basis", "basis_sum",
        # funding
        "next_funding_ns", "prem_num", "prem_den", "prem_k", "last_rate_e8",
        # live objects (rebuilt on restore)
        "book", "positions", "long_heap", "short_heap",
        # inverse: the clearing account's position (signed value units and cost, + = long)
        "house_size", "house_cost",
        # derived: tier bounds and maintenance rates (MMR + liquidation fee) for bisect
        "bounds", "risks",
    )

    def __init__(self, spec: ListContract, scale: int) -> None:
        self.symbol = spec.symbol
        self.product_type = spec.product_type
        self.account = PRODUCT_ACCOUNT[ProductType(spec.product_type)]
        self.base = spec.base
        self.quote = spec.quote
        self.margin_asset = spec.margin_asset
        self.scale = scale
        self.price_precision = spec.price_precision
        self.quantity_precision = spec.quantity_precision
        self.tick = spec.tick
        self.lot = spec.lot
        self.min_size = spec.min_size
        self.max_size = spec.max_size
        self.min_notional = spec.min_notional
        self.face_value = spec.face_value
        self.maker_fee_ppm = spec.maker_fee_ppm
        self.taker_fee_ppm = spec.taker_fee_ppm
        self.liquidation_fee_ppm = spec.liquidation_fee_ppm
        self.price_band_ppm = spec.price_band_ppm
        self.tiers: Tuple[Tuple[int, int, int], ...] = tuple(tuple(t) for t in spec.tiers)  # type: ignore
        self.bounds = [t[0] for t in self.tiers]
        self.risks = [t[2] + spec.liquidation_fee_ppm for t in self.tiers]
        self.funding_interval_h = spec.funding_interval_h
        self.funding_cap_e8 = spec.funding_cap_e8
        self.interest_e8 = spec.interest_e8
        self.spot_symbol = spec.spot_symbol
        self.spot_weight = spec.spot_weight
        self.status = int(ContractStatus.NORMAL)
        Valuation.__init__(self, spec.product_type, scale, spec.price_precision,
                           spec.quantity_precision)
        self.index = 0
        self.mark = 0
        self.last = 0
        self.stale = 1
        self.excluded: List[str] = []  # index sources currently excluded as outliers (sorted)
        self.basis: Deque[Tuple[int, int]] = deque()  # (ts_ns, mid − index) samples, 5 min
        self.basis_sum = 0
        interval = spec.funding_interval_h * HOUR_NS
        self.next_funding_ns = (spec.ts_ns // interval + 1) * interval
        self.prem_num = 0  # Σ k·P_k (P in 1e-8) over the running interval
        self.prem_den = 0  # Σ k
        self.prem_k = 0  # samples so far in the running interval
        self.last_rate_e8 = 0
        self.book = OrderBook(spec.symbol)
        self.positions: Dict[int, Any] = {}  # position id -> Position (open positions)
        self.long_heap: List[Tuple[int, int]] = []  # (−trigger, position id): liquidation index
        self.short_heap: List[Tuple[int, int]] = []  # (trigger, position id)
        self.house_size = 0
        self.house_cost = 0

    def spec(self, ts_ns: int = 0) -> ListContract:
        return ListContract(
            ts_ns, self.symbol, self.product_type, self.base, self.quote, self.margin_asset,
            self.price_precision, self.quantity_precision, self.tick, self.lot, self.min_size,
            self.max_size, self.min_notional, self.face_value, self.maker_fee_ppm,
            self.taker_fee_ppm, self.liquidation_fee_ppm, self.price_band_ppm, self.tiers,
            self.funding_interval_h, self.funding_cap_e8, self.interest_e8, self.spot_symbol,
            self.spot_weight)

    # ---- values ---------------------------------------------------------------------
    def units(self, qty: int, price: int) -> int:
        """Value units of ``qty`` order units filled at ``price`` (inverse: the USD face)."""
        return qty * price if self.inverse else qty

    def order_value(self, qty: int, price: int) -> int:
        """Margin-asset units of ``qty`` order units at ``price`` (inverse: exactly qty × K)."""
        return qty * self.big_k if self.inverse else qty * price * self.k

    def house_upnl(self, mark: int) -> int:
        """PnL of the house position at ``mark`` (0 for linear contracts).  Its size and cost
        are plain sums of what it took, never closed out, so this is its whole PnL: what
        it made while flat included."""
        size = self.house_size
        if size and mark <= 0:
            return 0
        value = 0 if not size else \
            self.value(size, mark) if size > 0 else -self.value(-size, mark)
        return self.sgn * (value - self.house_cost)

    def tier(self, value: int) -> Tuple[int, int, int]:
        """The risk tier of a position value (the last tier beyond the table)."""
        i = bisect_left(self.bounds, value)
        return self.tiers[i] if i < len(self.tiers) else self.tiers[-1]

    def risk(self, value: int) -> int:
        """Maintenance rate (ppm) at a position value: tier MMR + liquidation fee."""
        risks = self.risks
        i = bisect_left(self.bounds, value)
        return risks[i] if i < len(risks) else risks[-1]

    def mmr(self, value: int) -> int:
        return self.tier(value)[2]

    def max_leverage(self) -> int:
        return self.tiers[0][1]

    def band_price(self, side: int) -> int:
        """Worst price a market order may reach: mark × (1 ± band)."""
        band = self.price_band_ppm or 100_000
        if side == 0:
            return self.mark * (PPM + band) // PPM
        return max(self.tick, -((-self.mark * (PPM - band)) // PPM))

    def state_fields(self) -> Tuple[Any, ...]:
        return (self.status, self.index, self.mark, self.last, self.stale, tuple(self.excluded),
                tuple(self.basis), self.basis_sum, self.next_funding_ns, self.prem_num,
                self.prem_den, self.prem_k, self.last_rate_e8, self.house_size, self.house_cost)

    def restore_fields(self, fields: Tuple[Any, ...]) -> None:
        (self.status, self.index, self.mark, self.last, self.stale, excluded, basis,
         self.basis_sum, self.next_funding_ns, self.prem_num, self.prem_den, self.prem_k,
         self.last_rate_e8, self.house_size, self.house_cost) = fields
        self.excluded = list(excluded)
        self.basis = deque(tuple(b) for b in basis)


def validate_contract(spec: ListContract, assets: Dict[str, int],
                      contracts: Dict[str, Contract]) -> Optional[RejectCode]:
    if not spec.symbol.isalnum() or len(spec.symbol) > 32:
        return RejectCode.INVALID_ARGUMENT
    if spec.symbol in contracts:
        return RejectCode.SYMBOL_EXISTS
    if spec.product_type not in (0, 1, 2):
        return RejectCode.INVALID_ARGUMENT
    if spec.margin_asset not in assets:
        return RejectCode.UNKNOWN_ASSET
    inverse = spec.product_type == ProductType.COIN_FUTURES
    if inverse and spec.margin_asset != spec.base:
        return RejectCode.INVALID_ARGUMENT
    if not inverse and spec.margin_asset != spec.quote:
        return RejectCode.INVALID_ARGUMENT
    ints = (spec.price_precision, spec.quantity_precision, spec.tick, spec.lot, spec.min_size,
            spec.max_size, spec.min_notional, spec.face_value, spec.maker_fee_ppm,
            spec.taker_fee_ppm, spec.liquidation_fee_ppm, spec.price_band_ppm,
            spec.funding_interval_h, spec.funding_cap_e8, spec.interest_e8, spec.spot_weight)
    if any(v < 0 for v in ints):
        return RejectCode.INVALID_ARGUMENT
    if spec.tick < 1 or spec.lot < 1 or spec.max_size < max(spec.min_size, spec.lot):
        return RejectCode.INVALID_ARGUMENT
    if max(spec.maker_fee_ppm, spec.taker_fee_ppm, spec.liquidation_fee_ppm,
           spec.price_band_ppm) >= PPM or spec.funding_interval_h not in (1, 2, 4, 8):
        return RejectCode.INVALID_ARGUMENT
    if spec.max_size > AMOUNT_MAX or spec.min_notional > AMOUNT_MAX:
        return RejectCode.AMOUNT_OUT_OF_RANGE
    if spec.face_value != 0:  # reserved: Coin-M sizes are base coin, not face contracts
        return RejectCode.INVALID_ARGUMENT
    if inverse and assets[spec.margin_asset] < spec.quantity_precision:
        return RejectCode.UNITS_NOT_INTEGRAL
    if not inverse and assets[spec.margin_asset] < spec.price_precision + spec.quantity_precision:
        return RejectCode.UNITS_NOT_INTEGRAL
    tiers = spec.tiers
    if not tiers:
        return RejectCode.INVALID_ARGUMENT
    previous = 0
    for tier in tiers:  # apply checks that ``tiers`` is a tuple, not what it holds
        if type(tier) is not tuple or len(tier) != 3 or \
                any(type(x) is not int for x in tier) or tier[0] <= previous or \
                not 1 <= tier[1] <= 1000 or not 0 < tier[2] < PPM:
            return RejectCode.INVALID_ARGUMENT
        previous = tier[0]
    return None
