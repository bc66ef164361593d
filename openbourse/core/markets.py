"""Assets and markets: listing rules and the integer conversion factors of a market.

A market quotes ``price`` in units of ``10**-price_precision`` quote per base and ``size``
in units of ``10**-quantity_precision`` base.  Listing is refused unless both conversions
to minor units are exact integers:

* ``base_per_size``  = 10**(base_scale - quantity_precision)      base units per size unit
* ``quote_per_price_size`` = 10**(quote_scale - price_precision - quantity_precision)
  quote units per (price unit × size unit), so a notional is ``size * price * that``.

Both being integers means every fill moves whole minor units and nothing is rounded
except fees (which round up, in the exchange's favour).
"""
from __future__ import annotations

from typing import Dict, Optional, Tuple

from .commands import ListMarket
from .enums import MarketStatus
from .reject import RejectCode
from .units import AMOUNT_MAX, FEE_RATE_DENOMINATOR, SCALE_MAX

__all__ = ["Market", "fee_rates", "validate_asset", "validate_market"]

PRECISION_MAX = SCALE_MAX


class Market:
    """A listed spot market: its spec, status and last trade price."""

    __slots__ = (
        "symbol", "base", "quote", "price_precision", "quantity_precision", "tick", "lot",
        "min_size", "max_size", "min_notional", "maker_fee_ppm", "taker_fee_ppm",
        "price_band_ppm", "max_open_orders", "status", "last_price",
        "base_per_size", "quote_per_price_size",
    )

    def __init__(self, spec: ListMarket, base_scale: int, quote_scale: int) -> None:
        self.symbol = spec.symbol
        self.base = spec.base
        self.quote = spec.quote
        self.price_precision = spec.price_precision
        self.quantity_precision = spec.quantity_precision
        self.tick = spec.tick
        self.lot = spec.lot
        self.min_size = spec.min_size
        self.max_size = spec.max_size
        self.min_notional = spec.min_notional
        self.maker_fee_ppm = spec.maker_fee_ppm
        self.taker_fee_ppm = spec.taker_fee_ppm
        self.price_band_ppm = spec.price_band_ppm
        self.max_open_orders = spec.max_open_orders
        self.status = int(MarketStatus.ONLINE)
        self.last_price = 0
        self.base_per_size = 10 ** (base_scale - spec.quantity_precision)
        self.quote_per_price_size = 10 ** (
            quote_scale - spec.price_precision - spec.quantity_precision
        )

    def spec(self) -> ListMarket:
        return ListMarket(
            0, self.symbol, self.base, self.quote, self.price_precision,
            self.quantity_precision, self.tick, self.lot, self.min_size, self.max_size,
            self.min_notional, self.maker_fee_ppm, self.taker_fee_ppm, self.price_band_ppm,
            self.max_open_orders,
        )


def fee_rates(user_fees: Dict[int, Tuple[int, int]], user: int,
              market: Market) -> Tuple[int, int]:
    """(maker, taker) fee rates in ppm that ``user`` pays on ``market``: the user's tier
    (``SetUserFees``) where it sets a rate, -1 meaning "the market's", else the market's."""
    tier = user_fees.get(user)
    if tier is None:
        return market.maker_fee_ppm, market.taker_fee_ppm
    return (market.maker_fee_ppm if tier[0] < 0 else tier[0],
            market.taker_fee_ppm if tier[1] < 0 else tier[1])


def validate_asset(asset: str, scale: int, assets: Dict[str, int]) -> Optional[RejectCode]:
    if not asset.isalnum() or not asset.isupper() or len(asset) > 16:
        return RejectCode.INVALID_ARGUMENT
    if asset in assets:
        return RejectCode.ASSET_EXISTS
    if not 0 <= scale <= SCALE_MAX:
        return RejectCode.INVALID_SCALE
    return None


def validate_market(spec: ListMarket, assets: Dict[str, int],
                    markets: Dict[str, Market]) -> Optional[RejectCode]:
    """Listing rules, checked in this order; the first failing one is the reject code.
    (Field types: checked by ``engine.apply`` for every command.)"""
    if not spec.symbol.isalnum() or len(spec.symbol) > 32:
        return RejectCode.INVALID_ARGUMENT
    if spec.symbol in markets:
        return RejectCode.SYMBOL_EXISTS
    if spec.base not in assets or spec.quote not in assets or spec.base == spec.quote:
        return RejectCode.UNKNOWN_ASSET
    ints = (spec.price_precision, spec.quantity_precision, spec.tick, spec.lot, spec.min_size,
            spec.max_size, spec.min_notional, spec.maker_fee_ppm, spec.taker_fee_ppm,
            spec.price_band_ppm, spec.max_open_orders)
    if min(ints) < 0:
        return RejectCode.INVALID_ARGUMENT
    if spec.tick < 1 or spec.lot < 1 or spec.max_size < max(spec.min_size, spec.lot):
        return RejectCode.INVALID_ARGUMENT
    if spec.price_precision > PRECISION_MAX or spec.quantity_precision > PRECISION_MAX:
        return RejectCode.INVALID_SCALE
    if max(spec.maker_fee_ppm, spec.taker_fee_ppm, spec.price_band_ppm) >= FEE_RATE_DENOMINATOR:
        return RejectCode.INVALID_ARGUMENT
    if spec.max_size > AMOUNT_MAX or spec.min_notional > AMOUNT_MAX:
        return RejectCode.AMOUNT_OUT_OF_RANGE
    base_scale, quote_scale = assets[spec.base], assets[spec.quote]
    if base_scale < spec.quantity_precision:
        return RejectCode.UNITS_NOT_INTEGRAL
    if quote_scale < spec.price_precision + spec.quantity_precision:
        return RejectCode.UNITS_NOT_INTEGRAL
    return None
