"""Loans: borrowing from and repaying to the lending pool, and hourly interest (products.md §2.4).

Interest rule: the rate is daily; an hour's interest is ``principal * daily_rate / 24``
(rounded up, per loan and hour).  Every started hour counts: a borrow charges the current
hour on the amount borrowed at once, and the first ``ClockTick`` at or after each hour
boundary charges the new hour on the principal then outstanding (catching up hours whose
tick was missed).  Repayment pays interest first, then principal.  A rate change
applies from the next hour charged.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..context import Context
from ..enums import AccountType, SystemOwner
from ..events import TransferPosted
from ..ledger.balances import Balance
from ..ledger.ledger import AVAILABLE
from ..units import div_ceil
from .events import Borrowed, InterestCharged, MarginTransferCode, Repaid
from .state import CROSS, HOUR_NS, ISOLATED, RATE_DEN, Loan, MarginState

if TYPE_CHECKING:
    from ..engine.state import EngineState

__all__ = ["accrue", "borrow", "hourly_interest", "kind", "posted", "repay"]

_POOL = int(SystemOwner.LENDING_POOL)
_SYSTEM = int(AccountType.SYSTEM)
_HOURLY_DEN = 24 * RATE_DEN


def kind(ms: MarginState, account: int) -> tuple[int, str]:
    """(account_type, symbol) of a margin ledger account, for events."""
    if account == CROSS:
        return CROSS, ""
    return ISOLATED, ms.account_pair[account]


def posted(state: EngineState, ctx: Context, code: int, debit: Balance, credit: Balance,
           amount: int, ref: str) -> None:
    transfer_id = state.next_transfer_id
    state.next_transfer_id = transfer_id + 1
    ctx.emit(TransferPosted, transfer_id, int(code), debit.owner, debit.account, credit.owner,
             credit.account, debit.asset, amount, ref)
    ctx.touch(debit)
    ctx.touch(credit)


def hourly_interest(principal: int, daily_rate: int, hours: int = 1) -> int:
    return div_ceil(principal * daily_rate * hours, _HOURLY_DEN)


def _charge(state: EngineState, ctx: Context, ms: MarginState, key: tuple[int, int, str],
            loan: Loan, principal: int, hours: int) -> None:
    rate = ms.assets[key[2]].daily_rate
    amount = hourly_interest(principal, rate, hours)
    if not amount:
        return
    loan.interest += amount
    account_type, symbol = kind(ms, key[1])
    ctx.emit(InterestCharged, key[0], account_type, symbol, key[1], key[2], principal, rate,
             hours, amount, loan.interest)


def accrue(state: EngineState, ctx: Context, ms: MarginState, key: tuple[int, int, str],
           loan: Loan) -> None:
    """Charge every hour started since the loan was last charged, up to the current one."""
    hour = ctx.ts // HOUR_NS
    if hour > loan.hour:
        if loan.principal:
            _charge(state, ctx, ms, key, loan, loan.principal, hour - loan.hour)
        loan.hour = hour


def borrow(state: EngineState, ctx: Context, ms: MarginState, user: int, account: int,
           asset: str, amount: int, auto: int, ref: str) -> None:
    """Post pool -> account and record the debt (the caller checked every limit)."""
    key = (user, account, asset)
    loan = ms.loans.get(key)
    if loan is None:
        loan = ms.loans[key] = Loan(0, 0, ctx.ts // HOUR_NS)
    else:
        accrue(state, ctx, ms, key, loan)
    ledger = state.ledger
    pool = ledger.balance(_POOL, _SYSTEM, asset)
    target = ledger.balance(user, account, asset)
    ledger.post([(pool, AVAILABLE, target, AVAILABLE, amount)])
    posted(state, ctx, MarginTransferCode.BORROW, pool, target, amount, ref)
    loan.principal += amount
    _charge(state, ctx, ms, key, loan, amount, 1)  # the started hour counts in full
    loan_id = ms.next_loan_id
    ms.next_loan_id = loan_id + 1
    account_type, symbol = kind(ms, account)
    ctx.emit(Borrowed, loan_id, user, account_type, symbol, account, asset, amount,
             loan.principal, loan.interest, auto, ref)


def repay(state: EngineState, ctx: Context, ms: MarginState, user: int, account: int,
          asset: str, amount: int, reason: int, ref: str, payer: Balance = None) -> int:  # type: ignore[assignment]
    """Pay ``amount`` (at most what is owed) from the account (or ``payer``): interest first.

    Returns the amount paid.  The caller made sure the payer has it available.
    """
    key = (user, account, asset)
    loan = ms.loans.get(key)
    if loan is None or amount <= 0:
        return 0
    amount = min(amount, loan.principal + loan.interest)
    if amount <= 0:
        return 0
    ledger = state.ledger
    source = payer if payer is not None else ledger.balance(user, account, asset)
    pool = ledger.balance(_POOL, _SYSTEM, asset)
    interest_part = min(amount, loan.interest)
    principal_part = amount - interest_part
    ledger.post([(source, AVAILABLE, pool, AVAILABLE, amount)])
    code_interest, code_principal = (MarginTransferCode.REPAY_INTEREST,
                                     MarginTransferCode.REPAY_PRINCIPAL)
    if payer is not None:
        code_interest = code_principal = MarginTransferCode.INSURANCE_COVER
    if interest_part:
        posted(state, ctx, code_interest, source, pool, interest_part, ref)
    if principal_part:
        posted(state, ctx, code_principal, source, pool, principal_part, ref)
    loan.interest -= interest_part
    loan.principal -= principal_part
    counters = ms.pool.setdefault(asset, [0, 0, 0])
    counters[1] += interest_part
    repay_id = ms.next_repay_id
    ms.next_repay_id = repay_id + 1
    account_type, symbol = kind(ms, account)
    ctx.emit(Repaid, repay_id, user, account_type, symbol, account, asset, amount,
             interest_part, principal_part, loan.principal, loan.interest, reason, ref)
    if not loan.principal and not loan.interest:
        del ms.loans[key]
    return amount
