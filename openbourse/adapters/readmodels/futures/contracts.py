"""Listed perpetual contracts as the edge sees them (projected from ``ContractListed``).

``ContractInfo`` quacks like ``catalog.MarketInfo`` (``symbol``, ``base``, ``quote``,
``price_str``, ``size_str``, precisions, tick, lot) so the spot book/trade/candle
formatters and the WebSocket public feed can serve contracts unchanged.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from ....core.futures.contracts import Valuation
from ....core.futures.enums import PRODUCT_ACCOUNT, PRODUCT_TYPE_NAMES, ProductType
from ....core.units import from_units

__all__ = ["ContractInfo", "FuturesCatalog", "PRODUCT_TYPES", "product_type_of",
           "contract_from_event"]

#: wire productType (any case) → ProductType; the demo products (S*) list nothing
PRODUCT_TYPES: Dict[str, int] = {name.lower(): int(pt) for pt, name in PRODUCT_TYPE_NAMES.items()}
DEMO_PRODUCT_TYPES = ("susdt-futures", "susdc-futures", "scoin-futures")


def product_type_of(text: str) -> Optional[int]:
    """ProductType for a wire productType; -1 for Bitget's demo products; None if unknown."""
    key = text.lower()
    if key in PRODUCT_TYPES:
        return PRODUCT_TYPES[key]
    if key in DEMO_PRODUCT_TYPES:
        return -1
    return None


@dataclass
class ContractInfo:
    symbol: str
    product_type: int
    base: str
    quote: str
    margin_asset: str
    price_precision: int
    quantity_precision: int
    tick: int
    lot: int
    min_size: int
    max_size: int
    min_notional: int
    face_value: int
    maker_fee_ppm: int
    taker_fee_ppm: int
    liquidation_fee_ppm: int
    price_band_ppm: int
    tiers: Tuple[Tuple[int, int, int], ...]
    funding_interval_h: int
    funding_cap_e8: int
    interest_e8: int
    spot_symbol: str
    spot_weight: int
    next_funding_ns: int
    listed_ns: int
    status: int = 0
    margin_scale: int = 6
    extra: Dict[str, str] = field(default_factory=dict)
    _valuation: Optional[Valuation] = field(default=None, init=False, repr=False, compare=False)

    # -- MarketInfo look-alike -----------------------------------------------------------
    @property
    def quote_for_volume(self) -> str:
        return self.margin_asset

    def price_str(self, price: int) -> str:
        return from_units(price, self.price_precision)

    def size_str(self, size: int) -> str:
        return from_units(size, self.quantity_precision)

    def amount_str(self, units: int) -> str:
        return from_units(units, self.margin_scale)

    @property
    def product_name(self) -> str:
        return PRODUCT_TYPE_NAMES[self.product_type]

    @property
    def account(self) -> int:
        return PRODUCT_ACCOUNT[ProductType(self.product_type)]

    @property
    def inverse(self) -> bool:
        return self.product_type == ProductType.COIN_FUTURES

    @property
    def max_leverage(self) -> int:
        return max((t[1] for t in self.tiers), default=1)

    def mmr_ppm(self, value: int) -> int:
        """Maintenance margin rate of the tier a position of ``value`` falls in."""
        for bound, _, mmr in self.tiers:
            if value <= bound:
                return mmr
        return self.tiers[-1][2] if self.tiers else 0

    @property
    def valuation(self) -> Valuation:
        """The core's value/PnL formulas for this contract (built once, on first use)."""
        if self._valuation is None:
            self._valuation = Valuation(self.product_type, self.margin_scale,
                                        self.price_precision, self.quantity_precision)
        return self._valuation

    def value(self, size: int, price: int) -> int:
        """Value of ``size`` value units (a position's ``size``; inverse: USD face in
        ``10**-(qp + pp)`` USD) in margin-asset minor units at ``price``."""
        return self.valuation.value(size, price) if price > 0 else 0

    def upnl(self, hold_side: int, size: int, cost: int, mark: int) -> int:
        """Unrealised PnL (signed, margin-asset units) of a position at ``mark``."""
        return self.valuation.pnl(1 if hold_side == 0 else -1, size, cost, mark)


def _tiers(text: object) -> Tuple[Tuple[int, int, int], ...]:
    if not isinstance(text, str):  # the core may carry the tuple itself
        return tuple((int(a), int(b), int(c)) for a, b, c in text)  # type: ignore[attr-defined]
    out: List[Tuple[int, int, int]] = []
    for part in text.split(";"):
        if part:
            a, b, c = part.split(":")
            out.append((int(a), int(b), int(c)))
    return tuple(out)


def contract_from_event(event: object, margin_scale: int) -> ContractInfo:
    f = event._asdict()  # type: ignore[attr-defined]
    ts_ns = f.pop("ts_ns")
    f.pop("seq")
    f["tiers"] = _tiers(f["tiers"])
    return ContractInfo(**f, listed_ns=ts_ns, margin_scale=margin_scale)


class FuturesCatalog:
    """Contracts by symbol (listing order) plus the node catalogue's asset scales."""

    def __init__(self, assets: Dict[str, int]) -> None:
        self.assets = assets  # shared with the node's Catalog (same dict object)
        self.markets: Dict[str, ContractInfo] = {}

    def market(self, symbol: str) -> Optional[ContractInfo]:
        return self.markets.get(symbol)

    def of_product(self, product_type: int) -> List[ContractInfo]:
        return [c for c in self.markets.values() if c.product_type == product_type]

    def amount_str(self, asset: str, units: int) -> str:
        return from_units(units, self.assets.get(asset, 0))
