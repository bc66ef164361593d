"""The insurance fund (one per margin asset: ``(INSURANCE, SYSTEM, asset)``).

It receives what is left of a liquidated position's margin above its bankruptcy value and
pays the shortfall when a position closes beyond it.  A shortfall larger than the fund is
what ADL prevents (liquidation.py); anything still uncovered is recorded as ``bad_debt``
(the clearing account then holds less than the open positions' unrealised PnL by exactly
that amount, which the invariant accounts for).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..context import Context
from ..enums import SystemOwner
from ..ledger.ledger import AVAILABLE
from .contracts import Contract
from .enums import InsuranceReason
from .events import InsuranceChanged
from .state import FuturesState

if TYPE_CHECKING:
    from ..engine.state import EngineState

__all__ = ["pay_deficit", "fund_balance", "emit_fund"]


def fund_balance(state: "EngineState", asset: str) -> int:
    found = state.ledger.balances.get((int(SystemOwner.INSURANCE), 0, asset))
    return found.available if found is not None else 0


def emit_fund(state: "EngineState", ctx: Context, asset: str, delta: int, reason: int,
              symbol: str) -> None:
    if delta:
        ctx.emit(InsuranceChanged, asset, delta, fund_balance(state, asset), reason, symbol)


def pay_deficit(state: "EngineState", ctx: Context, fs: FuturesState, contract: Contract,
                amount: int) -> int:
    """Fund → clearing for ``amount`` (as far as it goes); returns what the fund paid."""
    from .trading import clearing, move
    fund = state.ledger.system(SystemOwner.INSURANCE, contract.margin_asset)
    paid = min(amount, fund.available)
    move(state, ctx, fund, AVAILABLE, clearing(state, contract), AVAILABLE, paid)
    if amount > paid:
        asset = contract.margin_asset
        fs.bad_debt[asset] = fs.bad_debt.get(asset, 0) + amount - paid
    emit_fund(state, ctx, contract.margin_asset, -paid, int(InsuranceReason.DEFICIT_COVERED),
              contract.symbol)
    return paid
