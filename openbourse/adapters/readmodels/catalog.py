"""The catalogue of assets and markets, projected from listing events.

Every adapter that turns integers into Bitget decimal strings (REST, WebSocket, UI)
reads precisions from here, so a listing is visible everywhere the moment its event is
acknowledged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Iterable, Optional

from ...core import events as ev
from ...core.enums import MarketStatus
from ...core.units import from_units

__all__ = ["MarketInfo", "Catalog"]


@dataclass
class MarketInfo:
    symbol: str
    base: str
    quote: str
    price_precision: int
    quantity_precision: int
    tick: int
    lot: int
    min_size: int
    max_size: int
    min_notional: int
    maker_fee_ppm: int
    taker_fee_ppm: int
    price_band_ppm: int
    max_open_orders: int
    status: int = MarketStatus.ONLINE

    def price_str(self, price: int) -> str:
        return from_units(price, self.price_precision)

    def size_str(self, size: int) -> str:
        return from_units(size, self.quantity_precision)


class Catalog:
    """Assets (name → scale) and markets (symbol → MarketInfo), in listing order."""

    def __init__(self) -> None:
        self.assets: Dict[str, int] = {}
        self.markets: Dict[str, MarketInfo] = {}

    def apply(self, events: Iterable[object]) -> None:
        for event in events:
            kind = type(event)
            if kind is ev.AssetListed:
                self.assets[event.asset] = event.scale  # type: ignore[attr-defined]
            elif kind is ev.MarketListed:
                fields = event._asdict()  # type: ignore[attr-defined]
                del fields["seq"], fields["ts_ns"]
                self.markets[fields["symbol"]] = MarketInfo(**fields)
            elif kind is ev.MarketStatusChanged:
                self.markets[event.symbol].status = event.status  # type: ignore[attr-defined]

    def market(self, symbol: str) -> Optional[MarketInfo]:
        return self.markets.get(symbol)

    def amount_str(self, asset: str, units: int) -> str:
        return from_units(units, self.assets[asset])
