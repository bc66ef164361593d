"""The API's memoised ``to_units`` (with its integer fast path) agrees with the core's exact
Decimal conversion on every input: same units, same failures."""
import random

import pytest

from openbourse.adapters.api import params
from openbourse.core.units import UnitsError
from openbourse.core.units import to_units as core_to_units

FIXED = ["0", "1", "10", "0.1", "0.10", "1.", ".5", "00012.3400", "1.23456789", "5.0001",
         "\uff11", "\u00b2", "1e3", "-1", "+1", " 1", "1 ", "1_0", "NaN", "inf", "1.2.3", "",
         "9" * 64, "9" * 65, "0.000000000000000001", "0." + "0" * 17 + "1"]


def _outcome(fn, text, scale, truncate):
    try:
        return fn(text, scale, truncate)
    except UnitsError:
        return "error"


@pytest.mark.parametrize("scale", [0, 1, 2, 4, 8, 18])
@pytest.mark.parametrize("truncate", [False, True])
def test_fast_path_matches_core(scale: int, truncate: bool) -> None:
    rng = random.Random(scale * 2 + truncate)
    texts = list(FIXED)
    for _ in range(2000):
        whole = "".join(rng.choice("0123456789") for _ in range(rng.randint(0, 6)))
        frac = "".join(rng.choice("0123456789") for _ in range(rng.randint(0, 20)))
        texts.append(whole + rng.choice([".", ""]) + frac)
    core = lambda t, s, tr: core_to_units(t, s, truncate=tr)  # noqa: E731
    for text in texts:
        params.to_units.cache_clear()
        assert _outcome(params.to_units, text, scale, truncate) == _outcome(
            core, text, scale, truncate
        ), text
