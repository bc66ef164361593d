"""Fixed-point money: integers at a per-asset scale, and division that names its rounding side.

Every amount inside the core is an ``int`` of the asset's minor units (``amount_units``).
Decimal strings exist only at the API edge (``to_units`` / ``from_units`` are the only
conversions and are used by adapters, never by the matching path).

Rounding rule (products.md §0.2): what a user owes (fees, interest) is rounded UP with
``div_ceil``; what a user is credited is rounded DOWN with ``div_floor``.  Both helpers
exist so that no division on money is written as a bare ``//`` without saying which side
it favours.
"""
from __future__ import annotations

from decimal import Context, Decimal, InvalidOperation

__all__ = [
    "AMOUNT_MAX",
    "SCALE_MAX",
    "FEE_RATE_DENOMINATOR",
    "div_ceil",
    "div_floor",
    "fee_units",
    "to_units",
    "from_units",
    "UnitsError",
]

#: Largest amount of any asset the core accepts (in minor units).  2**96 - 1 keeps the
#: journal's varints short, fits a u128 replicated log, and at scale 18 still allows
#: ~79 billion whole units.  Read models store amounts as decimal TEXT, so SQLite's
#: 2**63 - 1 INTEGER limit never truncates a balance.
AMOUNT_MAX = 2**96 - 1

#: Largest per-asset scale (decimal places) a listing may choose.
SCALE_MAX = 18

#: Fee rates are integers in parts per million (0.1 % = 1000).
FEE_RATE_DENOMINATOR = 1_000_000

#: Enough digits for any accepted string (64 chars) scaled by up to 10**SCALE_MAX: the
#: default context keeps 28 digits and would silently round amounts near AMOUNT_MAX.
_EXACT = Context(prec=128)


class UnitsError(ValueError):
    """A decimal string that cannot be represented exactly at the requested scale."""


def div_floor(numerator: int, denominator: int) -> int:
    """Division rounding toward minus infinity: for amounts credited to a user."""
    assert denominator > 0
    return numerator // denominator


def div_ceil(numerator: int, denominator: int) -> int:
    """Division rounding toward plus infinity: for amounts a user owes (fees, interest)."""
    assert denominator > 0
    return -((-numerator) // denominator)


def fee_units(amount_units: int, rate_ppm: int) -> int:
    """Fee on ``amount_units`` at ``rate_ppm``, rounded up in the exchange's favour."""
    return -((-amount_units * rate_ppm) // FEE_RATE_DENOMINATOR)


def to_units(text: str, scale: int, *, truncate: bool = False) -> int:
    """Parse a decimal string into minor units at ``scale``.

    Raises ``UnitsError`` for anything that is not a finite plain decimal, for
    exponents and for digits beyond ``scale`` (unless ``truncate`` drops them, which
    is how order sizes are cut to the lot, products.md §0.2).
    """
    if not isinstance(text, str) or not text or len(text) > 64:
        raise UnitsError("not a decimal string")
    stripped = text.strip()
    if stripped != text or any(c in text for c in "eEnN_ "):
        raise UnitsError("not a plain decimal string")
    try:
        value = Decimal(text)
    except InvalidOperation as error:
        raise UnitsError("not a decimal string") from error
    if not value.is_finite():
        raise UnitsError("not a finite number")
    scaled = value.scaleb(scale, _EXACT)
    units = int(scaled)  # truncates toward zero
    if units != scaled and not truncate:
        raise UnitsError(f"more than {scale} decimal places")
    return units


def from_units(units: int, scale: int) -> str:
    """Format minor units as a plain decimal string with exactly ``scale`` places."""
    sign = "-" if units < 0 else ""
    digits = str(abs(units)).rjust(scale + 1, "0")
    if scale == 0:
        return sign + digits
    return f"{sign}{digits[:-scale]}.{digits[-scale:]}"
