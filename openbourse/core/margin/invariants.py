"""Margin invariants (called after every command in tests)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..enums import AccountType, SystemOwner
from .state import CROSS, MarginState

if TYPE_CHECKING:
    from ..engine.state import EngineState

__all__ = ["check"]


def check(state: EngineState) -> None:
    from ..engine.invariants import InvariantViolation

    ms: MarginState = state.products["margin"]
    lent: dict[str, int] = {}
    for (user, account, asset), loan in ms.loans.items():
        if user <= 0 or (account != CROSS and account not in ms.account_pair) or \
                asset not in ms.assets:
            raise InvariantViolation(f"loan of an unknown account {(user, account, asset)}")
        if loan.principal < 0 or loan.interest < 0 or not (loan.principal or loan.interest):
            raise InvariantViolation(f"bad loan {(user, account, asset)} {loan.fields()}")
        lent[asset] = lent.get(asset, 0) + loan.principal
    balances = state.ledger.balances
    pool_owner, system = int(SystemOwner.LENDING_POOL), int(AccountType.SYSTEM)
    for asset in sorted(set(ms.pool) | set(lent)):
        funded, interest, written_off = ms.pool.get(asset, (0, 0, 0))
        balance = balances.get((pool_owner, system, asset))
        held = balance.available if balance is not None else 0
        if held + lent.get(asset, 0) != funded + interest - written_off:
            raise InvariantViolation(
                f"lending pool {asset}: {held} held + {lent.get(asset, 0)} lent != "
                f"{funded} funded + {interest} interest - {written_off} written off")
    for symbol, pair in ms.pairs.items():
        if ms.account_pair.get(pair.account) != symbol:
            raise InvariantViolation(f"isolated account table broken for {symbol}")
    for order_id, (user, account, asset) in ms.auto_repay.items():
        order = state.orders.get(order_id)
        if order is not None and order.base_balance.account != account:
            raise InvariantViolation(f"auto-repay order {order_id} in another account")
