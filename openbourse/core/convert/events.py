"""Convert events (journal tags 200..249).  Amounts in minor units of the asset named.

``price_e18``: the quoted conversion price, to-asset per from-asset in whole units,
times 10**18 and rounded down (Bitget ``cnvtPrice`` = ``price_e18 / 10**18``):
``to_amount / 10**to_scale / (from_amount / 10**from_scale)``.
"""
from __future__ import annotations

from enum import IntEnum
from typing import NamedTuple

__all__ = [
    "ConvertAssetSet",
    "ConvertConfigSet",
    "ConvertFilled",
    "ConvertTransferCode",
    "QuoteIssued",
]


class ConvertTransferCode(IntEnum):
    """``TransferPosted.code`` of convert postings."""

    CONVERT_PAY = 201  # user SPOT from_asset -> CONVERT_LIQUIDITY
    CONVERT_RECEIVE = 202  # CONVERT_LIQUIDITY to_asset -> user SPOT
    LIQUIDITY_FUNDING = 203  # EXTERNAL -> CONVERT_LIQUIDITY


class ConvertConfigSet(NamedTuple):
    seq: int
    ts_ns: int
    spread_ppm: int
    quote_ttl_ns: int
    dust_max_value: int


class ConvertAssetSet(NamedTuple):
    seq: int
    ts_ns: int
    asset: str
    enabled: int
    min_amount: int
    max_amount: int


class QuoteIssued(NamedTuple):
    seq: int
    ts_ns: int
    quote_id: int  # Bitget traceId
    user: int
    from_asset: str
    to_asset: str
    from_amount: int  # what the user pays if he accepts
    to_amount: int  # what the user receives if he accepts
    price_e18: int  # to per from in whole units x 10**18, rounded down
    spread_ppm: int
    expires_ns: int  # last ts_ns at which AcceptQuote succeeds


class ConvertFilled(NamedTuple):
    """A settled conversion (quote accepted, or one asset of a dust conversion: quote_id 0)."""

    seq: int
    ts_ns: int
    convert_id: int  # order id of the conversion (its own counter)
    quote_id: int
    user: int
    from_asset: str
    to_asset: str
    from_amount: int
    to_amount: int
    price_e18: int
    dust: int  # 1 = small-balance conversion
