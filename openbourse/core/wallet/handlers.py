"""Money in, out and between a user's accounts: deposits, withdrawals, internal transfers.

Each is one ledger batch (``Ledger.post``) and one ``TransferPosted`` event per posting
that moves value between owners or account types.  Idempotency keys make retries safe:
the same key with the same payload is a ``Duplicate``, with another payload a reject.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from ..commands import CompleteWithdrawal, Deposit, FailWithdrawal, RequestWithdrawal, Transfer
from ..context import Context
from ..enums import AccountType, SystemOwner, TransferCode
from ..events import (Duplicate, Rejected, TransferPosted, WithdrawalCompleted,
                      WithdrawalFailed, WithdrawalRequested)
from ..ledger.balances import Balance
from ..ledger.ledger import AVAILABLE, FROZEN
from ..reject import RejectCode
from ..units import AMOUNT_MAX
from .withdrawal import COMPLETED, FAILED, PENDING, Withdrawal

if TYPE_CHECKING:
    from ..engine.state import EngineState

__all__ = ["HANDLERS", "TRANSFERABLE_ACCOUNTS"]

#: Accounts the wallet itself owns (deposits land in them; transfers need no risk check).
#: Accounts owned by a product (cross margin, isolated margin pair accounts, futures) are
#: recognised by asking each product's ``transferable`` (core/product.py).
TRANSFERABLE_ACCOUNTS = (int(AccountType.SPOT), int(AccountType.FUNDING))
_EXTERNAL = int(SystemOwner.EXTERNAL)
_SYSTEM = int(AccountType.SYSTEM)


def _reject(ctx: Context, name: str, user: int, code: RejectCode, ref: str) -> None:
    ctx.emit(Rejected, name, user, int(code), ref)


def _account_ok(account: int) -> bool:
    """An account type the wallet itself owns (SPOT, FUNDING)."""
    return account in TRANSFERABLE_ACCOUNTS


def _amount_error(state: "EngineState", user: int, asset: str,
                  amount: int) -> Optional[RejectCode]:
    if user <= 0:
        return RejectCode.INVALID_ARGUMENT
    if asset not in state.assets:
        return RejectCode.UNKNOWN_ASSET
    if amount <= 0 or amount > AMOUNT_MAX:
        return RejectCode.AMOUNT_OUT_OF_RANGE
    return None


def _posted(state: "EngineState", ctx: Context, code: TransferCode, debit: Balance,
            credit: Balance, amount: int, ref: str) -> None:
    transfer_id = state.next_transfer_id
    state.next_transfer_id = transfer_id + 1
    ctx.emit(TransferPosted, transfer_id, int(code), debit.owner, debit.account, credit.owner,
             credit.account, debit.asset, amount, ref)
    ctx.touch(debit)
    ctx.touch(credit)


def deposit(state: "EngineState", ctx: Context, cmd: Deposit) -> None:
    code = _amount_error(state, cmd.user, cmd.asset, cmd.amount)
    if code is None and not _account_ok(cmd.account):
        code = RejectCode.ACCOUNT_TYPE_NOT_ALLOWED
    if code is None and (not cmd.ref or len(cmd.ref) > 128):
        code = RejectCode.INVALID_ARGUMENT
    if code is not None:
        _reject(ctx, "Deposit", cmd.user, code, cmd.ref)
        return
    seen = state.deposits.get(cmd.ref)
    if seen is not None:
        if seen == cmd[1:]:
            ctx.emit(Duplicate, "Deposit", cmd.user, cmd.ref, 0)
        else:
            _reject(ctx, "Deposit", cmd.user, RejectCode.DUPLICATE_DIFFERENT, cmd.ref)
        return
    state.deposits[cmd.ref] = cmd[1:]
    ledger = state.ledger
    world = ledger.system(SystemOwner.EXTERNAL, cmd.asset)
    target = ledger.balance(cmd.user, cmd.account, cmd.asset)
    ledger.post([(world, AVAILABLE, target, AVAILABLE, cmd.amount)])
    _posted(state, ctx, TransferCode.DEPOSIT, world, target, cmd.amount, cmd.ref)


def request_withdrawal(state: "EngineState", ctx: Context, cmd: RequestWithdrawal) -> None:
    code = _amount_error(state, cmd.user, cmd.asset, cmd.amount)
    if code is None and (not cmd.withdrawal_id or len(cmd.withdrawal_id) > 128):
        code = RejectCode.INVALID_ARGUMENT
    if code is None and cmd.withdrawal_id in state.withdrawals:
        seen = state.withdrawals[cmd.withdrawal_id]
        if (seen.user, seen.asset, seen.amount) == (cmd.user, cmd.asset, cmd.amount):
            ctx.emit(Duplicate, "RequestWithdrawal", cmd.user, cmd.withdrawal_id, 0)
            return
        code = RejectCode.DUPLICATE_DIFFERENT
    if code is None:
        balance = state.ledger.balances.get((cmd.user, int(AccountType.SPOT), cmd.asset))
        if balance is None or balance.available < cmd.amount:
            code = RejectCode.INSUFFICIENT_BALANCE
    if code is not None:
        _reject(ctx, "RequestWithdrawal", cmd.user, code, cmd.withdrawal_id)
        return
    state.withdrawals[cmd.withdrawal_id] = Withdrawal(cmd.withdrawal_id, cmd.user, cmd.asset,
                                                      cmd.amount)
    balance = state.ledger.balance(cmd.user, int(AccountType.SPOT), cmd.asset)
    state.ledger.post([(balance, AVAILABLE, balance, FROZEN, cmd.amount)])
    ctx.touch(balance)
    ctx.emit(WithdrawalRequested, cmd.withdrawal_id, cmd.user, cmd.asset, cmd.amount)


def _settle_withdrawal(state: "EngineState", ctx: Context, name: str, withdrawal_id: str,
                       complete: bool) -> None:
    withdrawal = state.withdrawals.get(withdrawal_id)
    if withdrawal is None:
        _reject(ctx, name, 0, RejectCode.WITHDRAWAL_NOT_FOUND, withdrawal_id)
        return
    if withdrawal.status != PENDING:
        _reject(ctx, name, withdrawal.user, RejectCode.WITHDRAWAL_NOT_PENDING, withdrawal_id)
        return
    ledger = state.ledger
    balance = ledger.balance(withdrawal.user, int(AccountType.SPOT), withdrawal.asset)
    if complete:
        world = ledger.system(SystemOwner.EXTERNAL, withdrawal.asset)
        ledger.post([(balance, FROZEN, world, AVAILABLE, withdrawal.amount)])
        withdrawal.status = COMPLETED
        _posted(state, ctx, TransferCode.WITHDRAW_COMPLETE, balance, world, withdrawal.amount,
                withdrawal.withdrawal_id)
        event = WithdrawalCompleted
    else:
        ledger.post([(balance, FROZEN, balance, AVAILABLE, withdrawal.amount)])
        withdrawal.status = FAILED
        ctx.touch(balance)
        event = WithdrawalFailed
    ctx.emit(event, withdrawal.withdrawal_id, withdrawal.user, withdrawal.asset, withdrawal.amount)


def complete_withdrawal(state: "EngineState", ctx: Context, cmd: CompleteWithdrawal) -> None:
    _settle_withdrawal(state, ctx, "CompleteWithdrawal", cmd.withdrawal_id, True)


def fail_withdrawal(state: "EngineState", ctx: Context, cmd: FailWithdrawal) -> None:
    _settle_withdrawal(state, ctx, "FailWithdrawal", cmd.withdrawal_id, False)


def _product_limit(state: "EngineState", user: int, account: int,
                   asset: str) -> Optional[int]:
    """What may leave a product-owned account: None = no product owns it, -1 = the
    account cannot hold the asset, else the amount (products.md §10.1 risk rule)."""
    from ..engine.products import PRODUCTS  # (engine imports the wallet)

    for product in PRODUCTS:
        if product.transferable is not None:
            answer = product.transferable(state, user, account, asset)
            if answer is not None:
                return answer
    return None


def transfer(state: "EngineState", ctx: Context, cmd: Transfer) -> None:
    """Between any two of the user's accounts: spot, funding, and the accounts products own
    (cross margin, each isolated margin pair account, futures).  Only ``available`` moves;
    out of a margin/futures account at most what its product's ``transferable`` allows."""
    code = _amount_error(state, cmd.user, cmd.asset, cmd.amount)
    limit_from: Optional[int] = None
    if code is None:
        own_from, own_to = _account_ok(cmd.from_account), _account_ok(cmd.to_account)
        limit_from = None if own_from else _product_limit(state, cmd.user, cmd.from_account,
                                                          cmd.asset)
        limit_to = None if own_to else _product_limit(state, cmd.user, cmd.to_account, cmd.asset)
        if (not own_from and limit_from is None) or (not own_to and limit_to is None):
            code = RejectCode.ACCOUNT_TYPE_NOT_ALLOWED
        elif (limit_from is not None and limit_from < 0) or (limit_to is not None and limit_to < 0):
            code = RejectCode.ASSET_NOT_IN_ACCOUNT
    if code is None and cmd.from_account == cmd.to_account:
        code = RejectCode.SAME_ACCOUNT
    if code is None and cmd.ref:
        seen = state.transfers_done.get((cmd.user, cmd.ref))
        if seen is not None:
            if seen == cmd[1:]:
                ctx.emit(Duplicate, "Transfer", cmd.user, cmd.ref, 0)
                return
            code = RejectCode.DUPLICATE_DIFFERENT
    if code is None:
        source = state.ledger.balances.get((cmd.user, cmd.from_account, cmd.asset))
        if source is None or source.available < cmd.amount:
            code = RejectCode.INSUFFICIENT_BALANCE
        elif limit_from is not None and cmd.amount > limit_from:
            code = RejectCode.TRANSFER_RISK_LIMIT
    if code is not None:
        _reject(ctx, "Transfer", cmd.user, code, cmd.ref)
        return
    if cmd.ref:
        state.transfers_done[(cmd.user, cmd.ref)] = cmd[1:]
    ledger = state.ledger
    source = ledger.balance(cmd.user, cmd.from_account, cmd.asset)
    target = ledger.balance(cmd.user, cmd.to_account, cmd.asset)
    ledger.post([(source, AVAILABLE, target, AVAILABLE, cmd.amount)])
    _posted(state, ctx, TransferCode.INTERNAL, source, target, cmd.amount, cmd.ref)


HANDLERS = {
    Deposit: deposit,
    RequestWithdrawal: request_withdrawal,
    CompleteWithdrawal: complete_withdrawal,
    FailWithdrawal: fail_withdrawal,
    Transfer: transfer,
}
