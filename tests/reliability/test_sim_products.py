"""The simulator's margin, convert and futures workloads: every product runs, its paths are
met, and the auditor catches a wrong posting (docs/reliability.md)."""
from __future__ import annotations

import collections

import pytest

from openbourse.core.events import BalanceChanged
from openbourse.testing.auditor import AuditError
from openbourse.testing.sim import actions, run


def test_every_product_is_registered() -> None:
    assert {"spot", "wallet", "admin", "margin", "convert", "futures"} <= set(actions.products())


@pytest.mark.parametrize("product", ["margin", "convert", "futures"])
def test_a_product_runs_alone_with_spot(product: str) -> None:
    result = run(11, 60, products=["spot", "wallet", "admin", product])
    assert result.violations == result.lost == result.duplicated == 0


def test_product_paths_are_met() -> None:
    """A few short seeds reach borrows, repayments, interest, quotes, fills, futures trades,
    funding and futures liquidations (margin liquidations need longer runs: the soak)."""
    seen: collections.Counter = collections.Counter()
    for seed in range(2):
        seen.update(run(seed, 120).events)
    for name in ("Borrowed", "Repaid", "InterestCharged", "QuoteIssued", "ConvertFilled",
                 "FuturesTrade", "PositionChanged", "FundingSettled", "FundingPaid",
                 "Liquidated"):
        assert seen[name] > 0, name


def test_the_auditor_catches_an_adopted_balance_that_breaks_conservation() -> None:
    audit = actions.new_auditor(["futures"])
    with pytest.raises(AuditError, match="not conserved"):
        audit.feed([BalanceChanged(1, 1, 3, 5, "USDT", 100, 0)])
