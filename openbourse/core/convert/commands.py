"""Convert commands (journal tags 200..249, ``convert.PRODUCT``).

Convert is an RFQ swap between two assets of the user's SPOT account, settled against the
exchange's convert liquidity account (``SystemOwner.CONVERT_LIQUIDITY``).  Units: amounts
in the asset's minor units, ``spread_ppm`` in parts per million, durations in ns.
docs/convert.md has the pricing rules and worked examples.
"""
from __future__ import annotations

from typing import NamedTuple

__all__ = [
    "AcceptQuote",
    "ConvertDust",
    "FundConvertLiquidity",
    "RequestQuote",
    "SetConvertAsset",
    "SetConvertConfig",
]


class SetConvertConfig(NamedTuple):
    """Operator: global convert parameters."""

    ts_ns: int
    spread_ppm: int  # taken from what the user receives (or added to what he pays); 0..999_999
    quote_ttl_ns: int  # how long a quote may be accepted (Bitget traceId: 8 s)
    dust_max_value: int  # a balance worth at most this (bridge-asset minor units) is "dust"


class SetConvertAsset(NamedTuple):
    """Operator: allow ``asset`` in convert, with its per-trade limits (as *from* and *to*)."""

    ts_ns: int
    asset: str
    enabled: int  # 1 / 0
    min_amount: int  # minor units; smallest from/to amount of a quote
    max_amount: int  # minor units; largest from/to amount of a quote


class FundConvertLiquidity(NamedTuple):
    """Operator: move exchange inventory from the outside world into the convert liquidity
    account."""

    ts_ns: int
    asset: str
    amount: int
    ref: str  # idempotency key


class RequestQuote(NamedTuple):
    """Ask for a firm price: exactly one of ``from_amount`` / ``to_amount`` is non-zero.

    Priced from the live spot book walk for that size (directly, or through the bridge
    asset USDT), minus the spread; valid ``quote_ttl_ns`` from ``ts_ns``.  Answered by
    ``QuoteIssued`` (``quote_id`` is Bitget's ``traceId``) or ``Rejected``.  Changes no
    balance.
    """

    ts_ns: int
    user: int
    from_asset: str
    to_asset: str
    from_amount: int  # minor units of from_asset (0 = compute it from to_amount)
    to_amount: int  # minor units of to_asset (0 = compute it from from_amount)


class AcceptQuote(NamedTuple):
    """Execute quote ``quote_id`` (once, before it expires): ``ConvertFilled`` or ``Rejected``."""

    ts_ns: int
    user: int
    quote_id: int


class ConvertDust(NamedTuple):
    """Convert every small balance of ``assets`` in SPOT to ``to_asset`` at the live price.

    ``assets`` is a comma-separated list ("SHIB,PEPE"); each qualifying asset (its whole
    available balance worth at most ``dust_max_value``) becomes one ``ConvertFilled``
    (quote_id 0); assets that do not qualify are skipped.  Rejected with ``NO_DUST`` when
    none qualifies.
    """

    ts_ns: int
    user: int
    assets: str
    to_asset: str
