"""Margin events (journal tags 100..199).

Every event starts with ``seq, ts_ns`` like the core's.  Common fields:

* ``user``; ``account_type`` (3 cross, 4 isolated); ``symbol`` (isolated pair, "" for cross);
  ``account``: the ledger account number (3 for cross, the pair's isolated account number
  for isolated: the ``account`` of ``BalanceChanged`` / ``TransferPosted``);
* amounts in minor units of ``asset``; ``*_ppm`` parts per million; ``daily_rate`` parts
  per 10**9 per day;
* ``assets_value`` / ``liabilities_value``: the account valued in the valuation asset's
  minor units (cross: USDT; isolated: the pair's quote asset), assets rounded down,
  liabilities rounded up; ``risk_ratio_ppm`` = liabilities / assets (Bitget
  ``riskRateRatio``; 0 without debt, 10**12 when assets are 0).

Money moves appear as ``TransferPosted`` with a ``MarginTransferCode`` and one
``BalanceChanged`` per touched balance, as for every command.
"""
from __future__ import annotations

from enum import IntEnum
from typing import NamedTuple

__all__ = [
    "Borrowed",
    "CrossMarginSet",
    "InterestCharged",
    "LiquidationFinished",
    "LiquidationStarted",
    "MarginAssetSet",
    "MarginCall",
    "MarginPairSet",
    "MarginTransferCode",
    "Repaid",
    "RepayReason",
]


class MarginTransferCode(IntEnum):
    """``TransferPosted.code`` of margin postings (the core's ``TransferCode`` uses 1..99)."""

    BORROW = 101  # LENDING_POOL -> user margin account
    REPAY_PRINCIPAL = 102  # user margin account -> LENDING_POOL
    REPAY_INTEREST = 103  # user margin account -> LENDING_POOL (interest income)
    POOL_FUNDING = 104  # EXTERNAL -> LENDING_POOL
    INSURANCE_FUNDING = 105  # EXTERNAL -> MARGIN_INSURANCE
    LIQUIDATION_TAKEOVER = 106  # leftover collateral of a bankrupt account -> MARGIN_INSURANCE
    INSURANCE_COVER = 107  # MARGIN_INSURANCE -> LENDING_POOL (deficit covered)


class RepayReason(IntEnum):
    MANUAL = 0  # Repay command
    AUTO_REPAY = 1  # loan type autoRepay / autoLoanAndRepay
    LIQUIDATION = 2  # liquidation repaid from the account
    INSURANCE = 3  # deficit covered by the margin insurance fund (debtor: the user's account)


class MarginAssetSet(NamedTuple):
    seq: int
    ts_ns: int
    asset: str
    borrowable: int
    daily_rate: int  # parts per 10**9 per day
    cross_max_borrow: int
    min_borrow: int


class MarginPairSet(NamedTuple):
    seq: int
    ts_ns: int
    symbol: str
    account: int  # the pair's isolated ledger account number (stable forever)
    max_leverage: int
    mmr_ppm: int
    base_max_borrow: int
    quote_max_borrow: int


class CrossMarginSet(NamedTuple):
    seq: int
    ts_ns: int
    max_leverage: int
    mmr_ppm: int


class Borrowed(NamedTuple):
    seq: int
    ts_ns: int
    loan_id: int  # Bitget loanId
    user: int
    account_type: int
    symbol: str
    account: int
    asset: str
    amount: int  # borrowed now
    principal: int  # principal owed in this asset after the borrow
    interest: int  # interest owed in this asset after the borrow (incl. the started hour)
    auto: int  # 1 = auto-borrow of a margin order, 0 = Borrow command
    ref: str  # the command's ref ("" if none)


class Repaid(NamedTuple):
    seq: int
    ts_ns: int
    repay_id: int  # Bitget repayId
    user: int
    account_type: int
    symbol: str
    account: int
    asset: str
    amount: int  # interest_part + principal_part
    interest_part: int
    principal_part: int
    principal: int  # principal still owed after this repayment
    interest: int  # interest still owed after this repayment
    reason: int  # RepayReason
    ref: str


class InterestCharged(NamedTuple):
    """Interest added to a loan's liability (hourly; the started hour at borrow time)."""

    seq: int
    ts_ns: int
    user: int
    account_type: int
    symbol: str
    account: int
    asset: str
    principal: int  # principal the interest was charged on
    daily_rate: int  # parts per 10**9 per day
    hours: int  # hours charged (1 normally; more when ticks were missed)
    amount: int  # interest charged (rounded up)
    interest: int  # interest owed after the charge


class MarginCall(NamedTuple):
    """The account crossed below its margin-call line (emitted once per crossing)."""

    seq: int
    ts_ns: int
    user: int
    account_type: int
    symbol: str
    account: int
    assets_value: int
    liabilities_value: int
    risk_ratio_ppm: int


class LiquidationStarted(NamedTuple):
    """The account reached its liquidation line; its orders are cancelled and collateral sold.

    The orders, trades and repayments of the liquidation follow, then ``LiquidationFinished``.
    """

    seq: int
    ts_ns: int
    liquidation_id: int
    user: int
    account_type: int
    symbol: str
    account: int
    assets_value: int
    liabilities_value: int
    risk_ratio_ppm: int


class LiquidationFinished(NamedTuple):
    """One per (liquidation, debt asset) still owed after selling, plus one closing record.

    ``asset == ""`` marks the closing record (all amounts 0).  Otherwise: the debt left in
    ``asset`` after the account was sold out, ``covered`` of it paid by the margin
    insurance fund, ``written_off`` lost by the lending pool (principal) or forgiven
    (interest).
    """

    seq: int
    ts_ns: int
    liquidation_id: int
    user: int
    account_type: int
    symbol: str
    account: int
    asset: str
    deficit: int
    covered: int
    written_off: int
