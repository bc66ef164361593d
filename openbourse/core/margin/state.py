"""Margin product state: configuration, isolated account numbers, loans, pool accounting.

Ledger accounts (docs/margin.md): a user's cross margin account is
``(user, AccountType.CROSS_MARGIN, asset)``; an isolated pair account is
``(user, ISOLATED_BASE + n, asset)`` where ``n`` (1, 2, ...) is the order in which pairs
were first enabled for margin (``SetMarginPair``), stored here and in snapshots, so the
number of a pair never changes.  The lending pool is ``SystemOwner.LENDING_POOL``, the
margin insurance fund ``SystemOwner.MARGIN_INSURANCE`` (both in ``AccountType.SYSTEM``).
Debt is not a ledger balance: what a user owes is the loan record (principal, interest);
the pool's lent-out principal is the difference between its capital and its balance.
"""
from __future__ import annotations

from typing import Any, NamedTuple

from ..enums import AccountType

__all__ = [
    "CROSS",
    "HOUR_NS",
    "ISOLATED",
    "ISOLATED_BASE",
    "PPM",
    "RATE_DEN",
    "AssetCfg",
    "Loan",
    "LoanKey",
    "MarginState",
    "PairCfg",
]

ISOLATED_BASE = 1000  # isolated pair accounts are 1001, 1002, ... (never a core AccountType)
CROSS = int(AccountType.CROSS_MARGIN)
ISOLATED = int(AccountType.ISOLATED_MARGIN)
HOUR_NS = 3600 * 1_000_000_000
RATE_DEN = 1_000_000_000  # daily_rate is in parts per 10**9
PPM = 1_000_000

LoanKey = tuple[int, int, str]  # (user, ledger account, asset)


class AssetCfg(NamedTuple):
    borrowable: int
    daily_rate: int
    cross_max_borrow: int
    min_borrow: int


class PairCfg(NamedTuple):
    account: int
    max_leverage: int
    mmr_ppm: int
    base_max_borrow: int
    quote_max_borrow: int


class Loan:
    """What one user owes in one asset of one margin account."""

    __slots__ = ("hour", "interest", "principal")

    def __init__(self, principal: int = 0, interest: int = 0, hour: int = 0) -> None:
        self.principal = principal
        self.interest = interest
        self.hour = hour  # index (ts // HOUR_NS) of the last hour whose interest was charged

    def fields(self) -> tuple[int, int, int]:
        return (self.principal, self.interest, self.hour)


class MarginState:
    def __init__(self) -> None:
        self.assets: dict[str, AssetCfg] = {}
        self.pairs: dict[str, PairCfg] = {}
        self.account_pair: dict[int, str] = {}  # isolated account number -> symbol
        self.next_account = ISOLATED_BASE + 1
        self.cross: tuple[int, int] = (3, 50_000)  # (max leverage, mmr ppm)
        self.loans: dict[LoanKey, Loan] = {}
        # per asset: [capital funded, interest received, principal written off]
        self.pool: dict[str, list[int]] = {}
        self.called: dict[tuple[int, int], int] = {}  # accounts below their margin-call line
        self.auto_repay: dict[int, tuple[int, int, str]] = {}  # order id -> (user, account, asset)
        self.refs: dict[tuple[int, str], tuple[Any, ...]] = {}  # (user or 0, ref) -> payload
        self.next_loan_id = 1
        self.next_repay_id = 1
        self.next_liquidation_id = 1
        self.last_hour = -1  # hour of the last tick that accrued interest


def state_tuple(ms: MarginState) -> tuple[Any, ...]:
    return (
        tuple(sorted((k, tuple(v)) for k, v in ms.assets.items())),
        tuple(sorted((k, tuple(v)) for k, v in ms.pairs.items())),
        ms.next_account,
        ms.cross,
        tuple(sorted((k, loan.fields()) for k, loan in ms.loans.items())),
        tuple(sorted((k, tuple(v)) for k, v in ms.pool.items())),
        tuple(sorted(ms.called.items())),
        tuple(sorted(ms.auto_repay.items())),
        tuple(sorted(ms.refs.items())),
        (ms.next_loan_id, ms.next_repay_id, ms.next_liquidation_id, ms.last_hour),
    )


def restore(engine_state: Any, data: tuple[Any, ...]) -> MarginState:
    ms = MarginState()
    (assets, pairs, ms.next_account, cross, loans, pool, called, auto_repay, refs,
     counters) = data
    ms.assets = {k: AssetCfg(*v) for k, v in assets}
    ms.pairs = {k: PairCfg(*v) for k, v in pairs}
    ms.account_pair = {cfg.account: symbol for symbol, cfg in ms.pairs.items()}
    ms.cross = tuple(cross)  # type: ignore[assignment]
    ms.loans = {k: Loan(*v) for k, v in loans}
    ms.pool = {k: list(v) for k, v in pool}
    ms.called = dict(called)
    ms.auto_repay = dict(auto_repay)
    ms.refs = dict(refs)
    ms.next_loan_id, ms.next_repay_id, ms.next_liquidation_id, ms.last_hour = counters
    return ms
