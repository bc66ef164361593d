"""Margin commands (journal tags 100..199, ``margin.PRODUCT``).

Units, as everywhere in the core (docs/margin.md has the full rules):

* ``amount``, ``*_max_borrow``, ``min_borrow``: minor units of the asset concerned;
* ``price``, ``size``, ``quote_size`` of orders: as in ``core.commands.PlaceOrder``;
* ``*_ppm``: parts per million (``100_000`` = 10 %);
* ``daily_rate``: interest per day in parts per 10**9 (billionths): Bitget's
  ``dailyInterestRate`` 0.0126279 % is ``126_279``;
* ``max_leverage``: an integer multiple (3 = 3x);
* ``account_type``: ``AccountType.CROSS_MARGIN`` (3) or ``AccountType.ISOLATED_MARGIN`` (4);
  ``symbol`` names the isolated pair (required for isolated, ``""`` for cross borrow and
  repay; margin orders always name the market they trade).

An isolated pair account is a ledger account number of its own, assigned when the pair is
first enabled (``SetMarginPair``) and reported in ``MarginPairSet.account``; the edge uses
that number for ``Transfer`` to and from isolated accounts (see docs/margin.md).
"""
from __future__ import annotations

from enum import IntEnum
from typing import NamedTuple

__all__ = [
    "Borrow",
    "FundLendingPool",
    "FundMarginInsurance",
    "LoanType",
    "PlaceMarginOrder",
    "Repay",
    "SetCrossMargin",
    "SetMarginAsset",
    "SetMarginPair",
]


class LoanType(IntEnum):
    """Bitget's ``loanType`` of a margin order."""

    NORMAL = 0  # normal: spend only what the account holds
    AUTO_LOAN = 1  # autoLoan: borrow exactly the shortfall at placement
    AUTO_REPAY = 2  # autoRepay: proceeds repay debt of the received asset
    AUTO_LOAN_AND_REPAY = 3  # autoLoanAndRepay: both


class SetMarginAsset(NamedTuple):
    """Operator: make ``asset`` usable in margin accounts (cross collateral) and set its loan terms.

    Re-sending changes the terms; a new ``daily_rate`` applies from the next hour charged.
    """

    ts_ns: int
    asset: str
    borrowable: int  # 1 = may be borrowed, 0 = collateral only
    daily_rate: int  # interest per day, parts per 10**9 (126_279 = 0.0126279 %/day)
    # tier limit: most a user may owe in principal in the cross account (minor units)
    cross_max_borrow: int
    min_borrow: int  # smallest manual borrow (minor units)


class SetMarginPair(NamedTuple):
    """Operator: enable margin trading (cross and isolated) on a listed spot market.

    Sets the isolated tier of the pair; the first call assigns the pair's isolated account
    number (``MarginPairSet.account``), later calls keep it.  Both assets must have been
    set with ``SetMarginAsset``.
    """

    ts_ns: int
    symbol: str
    max_leverage: int  # isolated max leverage, >= 2 (Bitget BTCUSDT tier 1: 5)
    mmr_ppm: int  # isolated maintenance margin rate: liquidation when net <= mmr * liabilities
    base_max_borrow: int  # isolated tier limit for the base asset (base minor units)
    quote_max_borrow: int  # isolated tier limit for the quote asset (quote minor units)


class SetCrossMargin(NamedTuple):
    """Operator: the cross account's tier (one for all users; default 3x, MMR 5 %)."""

    ts_ns: int
    max_leverage: int  # >= 2
    mmr_ppm: int


class FundLendingPool(NamedTuple):
    """Operator: move exchange capital from the outside world into the lending pool of ``asset``."""

    ts_ns: int
    asset: str
    amount: int  # minor units
    ref: str  # idempotency key


class FundMarginInsurance(NamedTuple):
    """Operator: move exchange capital into the margin insurance fund (covers liquidation
    deficits)."""

    ts_ns: int
    asset: str
    amount: int  # minor units
    ref: str  # idempotency key


class Borrow(NamedTuple):
    """Borrow ``amount`` of ``asset`` from the lending pool into the margin account.

    Accepted only if ``min_borrow <= amount <= max borrowable`` (risk metric, tier limit,
    pool).  Answered by ``Borrowed`` (its ``loan_id`` is Bitget's ``loanId``).
    """

    ts_ns: int
    user: int
    account_type: int  # AccountType.CROSS_MARGIN or AccountType.ISOLATED_MARGIN
    symbol: str  # isolated pair, "" for cross
    asset: str
    amount: int  # minor units
    ref: str = ""  # idempotency key (clientOid), "" = none


class Repay(NamedTuple):
    """Repay ``amount`` of ``asset`` from the margin account: interest first, then principal.

    ``amount`` must not exceed what is owed (principal + interest) nor the account's
    available balance.  Answered by ``Repaid`` (``repay_id`` is Bitget's ``repayId``).
    """

    ts_ns: int
    user: int
    account_type: int
    symbol: str  # isolated pair, "" for cross
    asset: str
    amount: int  # minor units
    ref: str = ""  # idempotency key (clientOid), "" = none


class PlaceMarginOrder(NamedTuple):
    """A spot order on ``symbol`` that trades from a margin account (cross or the pair's isolated).

    Fields after ``loan_type`` mean what they mean in ``PlaceOrder`` (no TP/SL).  The order
    binds the margin account's balances; ``loan_type`` adds an automatic borrow of the
    shortfall before placement and/or automatic repayment from what the order receives
    (at placement for immediate fills, then at every ``ClockTick`` while it lives).
    Cancel it with the ordinary ``CancelOrder``.
    """

    ts_ns: int
    user: int
    account_type: int  # AccountType.CROSS_MARGIN or AccountType.ISOLATED_MARGIN
    symbol: str
    loan_type: int  # LoanType
    side: int  # Side
    order_type: int  # OrderType
    force: int  # Force
    price: int  # price units; 0 for market orders
    size: int  # size units (limit orders, market sells)
    quote_size: int  # quote minor units (market buys)
    client_oid: str = ""
    stp: int = 0
