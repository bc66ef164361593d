"""Request parameter parsing: strict where money is concerned, lenient where ccxt varies.

ccxt sends most values as strings but some as JSON numbers (``triggerPrice``, transfer
``amount``), and enums in mixed case (``GTC`` but ``post_only``), so every accessor
accepts both types and any case (§0.8).  What is *not* tolerated: unknown keys,
exponents, signs, NaN/Infinity, absurdly long numbers and digits beyond the market's
price precision, because each of those would otherwise turn into a silently different
order.  Decimal text becomes integers only through ``core.units.to_units``.
"""

from __future__ import annotations

import functools
import math
import re
from decimal import Decimal
from typing import Any, Dict, FrozenSet, Mapping, Optional, TypeVar

from ...core.enums import Force, OrderType, Side, Stp
from ...core.units import AMOUNT_MAX, UnitsError
from ...core.units import to_units as _to_units
from ..readmodels.catalog import MarketInfo
from .errors import ApiError, E

__all__ = [
    "Params",
    "SIDES",
    "ORDER_TYPES",
    "FORCES",
    "STP_MODES",
    "price_units",
    "size_units",
    "amount_units",
    "check_unique_keys",
]

T = TypeVar("T")

SIDES: Dict[str, int] = {"buy": int(Side.BUY), "sell": int(Side.SELL)}
ORDER_TYPES: Dict[str, int] = {"limit": int(OrderType.LIMIT), "market": int(OrderType.MARKET)}
FORCES: Dict[str, int] = {
    "gtc": int(Force.GTC),
    "normal": int(Force.GTC),
    "ioc": int(Force.IOC),
    "fok": int(Force.FOK),
    "post_only": int(Force.POST_ONLY),
}
STP_MODES: Dict[str, int] = {
    "none": int(Stp.NONE),
    "cancel_taker": int(Stp.CANCEL_TAKER),
    "cancel_maker": int(Stp.CANCEL_MAKER),
    "cancel_both": int(Stp.CANCEL_BOTH),
}

_DECIMAL = re.compile(r"[0-9]{1,40}(?:\.[0-9]{1,40})?")
_DIGITS = re.compile(r"[0-9]{1,20}")
_CLIENT_OID = re.compile(r"[^\x00-\x1f\x7f]{1,50}")  # up to 50 characters, no control codes


@functools.lru_cache(maxsize=16384)
def to_units(text: str, scale: int, truncate: bool = False) -> int:
    """``core.units.to_units``, memoised: order entry repeats the same few price and size
    strings, and the Decimal round trip was a quarter of the place-order handler's time.
    (Failures raise and are not cached.)  Plain ``digits[.digits]`` text that fits the
    scale, what clients send nearly always, is converted with integer arithmetic only;
    everything else (and every error) goes through the core's exact Decimal path."""
    if len(text) <= 64 and text.isascii():
        whole, dot, frac = text.partition(".")
        if whole.isdigit() and len(frac) <= scale and (frac.isdigit() if dot else True):
            return int(whole + frac + "0" * (scale - len(frac)))
    return _to_units(text, scale, truncate=truncate)


def _bad(key: str, why: str = "") -> ApiError:
    return ApiError(
        E.PARAM_INVALID, f"Parameter verification failed: {key}{' ' + why if why else ''}"
    )


def _number_text(key: str, value: Any) -> str:
    """A JSON string or number as plain decimal text; anything else is a type error."""
    if type(value) is str:
        return value
    if type(value) is int:
        return str(value)
    if type(value) is float:
        if not math.isfinite(value):
            raise _bad(key, "is not a finite number")
        return format(Decimal(repr(value)), "f")
    raise _bad(key, "must be a decimal string")


class Params:
    """One request's parameters, checked against the endpoint's allowed keys."""

    __slots__ = ("data",)

    def __init__(self, data: Mapping[str, Any], allowed: FrozenSet[str]) -> None:
        for key in data:
            if key not in allowed:
                raise _bad(key, "is not a parameter of this endpoint")
        self.data = data

    def has(self, key: str) -> bool:
        value = self.data.get(key)
        return value is not None and value != ""

    def raw(self, key: str) -> Any:
        return self.data.get(key)

    def text(self, key: str, *, required: bool = True, max_len: int = 64) -> Optional[str]:
        """A string (or number rendered as text); missing/empty → 40019 when required."""
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                raise ApiError(E.PARAM_EMPTY, f"Parameter {key} cannot be empty")
            return None
        if type(value) is not str:
            value = _number_text(key, value)
        if len(value) > max_len:
            raise _bad(key, "is too long")
        return value

    def decimal(self, key: str, *, required: bool = True) -> Optional[str]:
        """Plain positive decimal text: digits, at most one dot, nothing else."""
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                raise ApiError(E.PARAM_EMPTY, f"Parameter {key} cannot be empty")
            return None
        text = _number_text(key, value)
        if not _DECIMAL.fullmatch(text):
            raise _bad(key, "must be a plain positive decimal")
        return text

    def choice(self, key: str, table: Mapping[str, T], *, default: Optional[T] = None) -> T:
        """A case-insensitive enum value; ``default`` (when given) stands for absent."""
        value = self.data.get(key)
        if value is None or value == "":
            if default is None:
                raise ApiError(E.PARAM_EMPTY, f"Parameter {key} cannot be empty")
            return default
        if type(value) is not str:
            raise _bad(key, "must be a string")
        try:
            return table[value.lower()]
        except KeyError:
            raise _bad(key, "has an unsupported value") from None

    def integer(
        self, key: str, *, default: Optional[int] = None, max_value: int = 2**63 - 1
    ) -> Optional[int]:
        """A non-negative integer given as digits or a JSON integer (ids, ms times, limits)."""
        value = self.data.get(key)
        if value is None or value == "":
            return default
        if type(value) is int and value >= 0:
            number = value
        elif type(value) is str and _DIGITS.fullmatch(value):
            number = int(value)
        else:
            raise _bad(key, "must be a non-negative integer")
        if number > max_value:
            raise _bad(key, "is out of range")
        return number

    def order_id(self, key: str = "orderId") -> int:
        """An order id; ids are positive integers, sent as strings by ccxt."""
        try:
            number = self.integer(key)
        except ApiError:
            number = None
        if not number:
            raise ApiError("40020", f"Parameter {key} error")
        return number

    def client_oid(self, key: str = "clientOid") -> str:
        value = self.data.get(key)
        if value is None or value == "":
            return ""
        if type(value) is not str or not _CLIENT_OID.fullmatch(value):
            raise _bad(key, "must be 1-50 characters without control codes")
        return value

    def limit(self, default: int, maximum: int) -> int:
        number = self.integer("limit", default=default)
        assert number is not None
        if number < 1:
            raise _bad("limit", "must be at least 1")
        return min(number, maximum)


_KEY_COLON_WITH_SPACE = re.compile(rb'"[ \t\r\n]+:')


def check_unique_keys(body: bytes, data: Mapping[str, Any]) -> None:
    """Refuse a JSON body that names a key twice (at any depth) with 40017.

    orjson keeps the last of duplicated keys silently, so ``{"size":"1","size":"100"}``
    would be read differently by a proxy or log viewer that keeps the first.  Fast path
    for the usual flat body: every key is followed directly by ``":``, so when the count
    of ``":`` equals the number of keys parsed, no key can have been repeated (nor can any
    nested object exist).  Anything else is re-parsed with the standard library, which
    reports every object's pairs.
    """
    if body.count(b'":') == len(data) and not _KEY_COLON_WITH_SPACE.search(body):
        return
    import json

    def pairs(items: Any) -> Dict[str, Any]:
        seen: Dict[str, Any] = {}
        for key, value in items:
            if key in seen:
                raise _bad(key, "is given twice")
            seen[key] = value
        return seen

    try:
        json.loads(body, object_pairs_hook=pairs)
    except ValueError:
        raise ApiError(E.PARAM_INVALID, "Parameter verification failed: body is not JSON") \
            from None


def _in_range(key: str, units: int) -> int:
    if units <= 0:
        raise _bad(key, "must be positive")
    if units > AMOUNT_MAX:
        raise _bad(key, "is out of range")
    return units


def price_units(key: str, text: str, market: MarketInfo) -> int:
    """A price in price units; more decimals than the market allows is 41103 (no rounding)."""
    try:
        units = to_units(text, market.price_precision)
    except UnitsError:
        raise ApiError(
            E.PRICE_SCALE, f"param {key} scale error, max {market.price_precision} decimals"
        ) from None
    return _in_range(key, units)


def size_units(key: str, text: str, market: MarketInfo) -> int:
    """A base size truncated to the quantity precision (products.md §0.2)."""
    try:
        units = to_units(text, market.quantity_precision, True)
    except UnitsError:
        raise _bad(key) from None
    if units == 0:
        raise ApiError(
            E.MIN_AMOUNT, f"less than the minimum order quantity {market.size_str(market.min_size)}"
        )
    return _in_range(key, units)


def amount_units(key: str, text: str, scale: int, *, truncate: bool = True) -> int:
    """An asset amount (quote size of a market buy, transfer amount) in minor units."""
    try:
        units = to_units(text, scale, truncate)
    except UnitsError:
        raise ApiError(E.SIZE_SCALE, f"Parameter {key} has more than {scale} decimals") from None
    if units == 0:
        raise ApiError(E.MIN_AMOUNT, f"less than the minimum amount for {key}")
    return _in_range(key, units)
