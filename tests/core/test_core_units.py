"""Fixed-point units: the edge's decimal conversions and the rounding-side helpers."""
from __future__ import annotations

from decimal import Context, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openbourse.core.units import (
    AMOUNT_MAX,
    UnitsError,
    div_ceil,
    div_floor,
    fee_units,
    from_units,
    to_units,
)

EXACT = Context(prec=128)


def test_amounts_with_more_than_28_digits_are_not_rounded() -> None:
    """Decimal's default context keeps 28 digits; AMOUNT_MAX has 29."""
    assert to_units(str(AMOUNT_MAX), 0) == AMOUNT_MAX
    assert to_units("79228162514.264337593543950335", 18) == AMOUNT_MAX
    assert from_units(AMOUNT_MAX, 18) == "79228162514.264337593543950335"


@pytest.mark.parametrize("text, scale, units", [
    ("0", 0, 0), ("1", 8, 10**8), ("0.5", 8, 50_000_000), ("60000.05", 2, 6_000_005),
    ("-1.25", 2, -125), ("0.000000000000000001", 18, 1), ("007.10", 2, 710),
])
def test_to_units_exact(text: str, scale: int, units: int) -> None:
    assert to_units(text, scale) == units


@pytest.mark.parametrize("text", ["", " 1", "1 ", "1e3", "1E3", "nan", "NaN", "inf", "1_000",
                                  "abc", "1.2.3", "0x10", "1" * 65])
def test_to_units_refuses_what_is_not_a_plain_decimal(text: str) -> None:
    with pytest.raises(UnitsError):
        to_units(text, 8)


def test_to_units_refuses_non_strings() -> None:
    with pytest.raises(UnitsError):
        to_units(1.5, 2)  # type: ignore[arg-type]


def test_extra_digits_are_refused_unless_truncated() -> None:
    """products.md §1.10: 0.123456789 BTC with lot 0.000001 → 0.123456 (the edge truncates
    sizes; a price with too many digits is an error)."""
    with pytest.raises(UnitsError):
        to_units("0.123456789", 6)
    assert to_units("0.123456789", 6, truncate=True) == 123_456
    assert to_units("0.1234569999", 6, truncate=True) == 123_456  # down, never up
    assert to_units("-0.0000019", 6, truncate=True) == -1  # toward zero
    with pytest.raises(UnitsError):
        to_units("60000.005", 2)


def test_fee_and_division_round_towards_the_exchange() -> None:
    assert fee_units(1, 1000) == 1  # 0.001 of a unit owed → 1 unit
    assert fee_units(1000, 1000) == 1
    assert fee_units(1001, 1000) == 2
    assert fee_units(0, 1000) == 0 and fee_units(10**6, 0) == 0
    assert (div_ceil(7, 2), div_floor(7, 2), div_ceil(-7, 2), div_floor(-7, 2)) == (4, 3, -3, -4)


@given(st.integers(-(10**30), 10**30), st.integers(0, 18))
def test_units_round_trip(units: int, scale: int) -> None:
    text = from_units(units, scale)
    assert to_units(text, scale) == units
    assert Decimal(text) == Decimal(units).scaleb(-scale, EXACT)
    if scale:
        assert len(text.split(".")[1]) == scale


@given(st.decimals(min_value=-(10**12), max_value=10**12, allow_nan=False, allow_infinity=False,
                   places=12), st.integers(0, 12))
def test_truncation_never_rounds_away_from_zero(value: Decimal, scale: int) -> None:
    text = format(value, "f")
    units = to_units(text, scale, truncate=True)
    exact = value.scaleb(scale, EXACT)
    assert abs(Decimal(units)) <= abs(exact) < abs(Decimal(units)) + 1


@given(st.integers(0, AMOUNT_MAX), st.integers(0, 999_999))
def test_fee_is_the_smallest_amount_not_below_the_exact_fee(amount: int, rate: int) -> None:
    fee = fee_units(amount, rate)
    assert 0 <= fee <= amount
    assert fee * 10**6 >= amount * rate > (fee - 1) * 10**6


@given(st.integers(-(10**40), 10**40), st.integers(1, 10**20))
def test_div_ceil_and_floor_bracket_the_quotient(numerator: int, denominator: int) -> None:
    low, high = div_floor(numerator, denominator), div_ceil(numerator, denominator)
    assert low * denominator <= numerator <= high * denominator
    assert high - low == (0 if numerator % denominator == 0 else 1)


@given(st.integers(0, 10**20), st.integers(0, 10**20), st.integers(0, 18))
def test_adding_and_subtracting_units_is_exact(a: int, b: int, scale: int) -> None:
    total = to_units(from_units(a, scale), scale) + to_units(from_units(b, scale), scale)
    assert total - b == a
    assert Decimal(from_units(total, scale)) == Decimal(from_units(a, scale)) + \
        Decimal(from_units(b, scale))
