"""Margin trading (cross and isolated): accounts, loans, interest, risk, liquidation.

docs/margin.md describes the rules; ``PRODUCT`` plugs the package into the core.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..product import Product
from .commands import (
    Borrow,
    FundLendingPool,
    FundMarginInsurance,
    PlaceMarginOrder,
    Repay,
    SetCrossMargin,
    SetMarginAsset,
    SetMarginPair,
)
from .events import (
    Borrowed,
    CrossMarginSet,
    InterestCharged,
    LiquidationFinished,
    LiquidationStarted,
    MarginAssetSet,
    MarginCall,
    MarginPairSet,
    Repaid,
)
from .handlers import HANDLERS, margin_state
from .invariants import check
from .liquidation import on_tick
from .risk import account_assets, transferable_amount
from .state import CROSS, MarginState, restore, state_tuple

if TYPE_CHECKING:
    from ..engine.state import EngineState

__all__ = ["PRODUCT", "account_symbol", "isolated_account"]


def isolated_account(state: EngineState, symbol: str) -> int | None:
    """The ledger account number of ``symbol``'s isolated margin account (None: not enabled)."""
    pair = margin_state(state).pairs.get(symbol)
    return pair.account if pair is not None else None


def account_symbol(state: EngineState, account: int) -> str | None:
    """The pair of an isolated account number (None: not an isolated account)."""
    return margin_state(state).account_pair.get(account)


def transferable(state: EngineState, user: int, account: int, asset: str) -> int | None:
    """None: not a margin account; -1: the account cannot hold ``asset``; else the amount
    that may leave it now (products.md §2.7)."""
    ms = margin_state(state)
    if (account != CROSS or not ms.assets) and account not in ms.account_pair:
        return None  # (no margin asset configured: the exchange offers no cross margin)
    if asset not in ms.assets or asset not in account_assets(state, ms, account):
        return -1
    return transferable_amount(state, ms, user, account, asset)


PRODUCT = Product(
    name="margin",
    commands={
        100: SetMarginAsset,
        101: SetMarginPair,
        102: SetCrossMargin,
        103: FundLendingPool,
        104: FundMarginInsurance,
        105: Borrow,
        106: Repay,
        107: PlaceMarginOrder,
    },
    events={
        100: MarginAssetSet,
        101: MarginPairSet,
        102: CrossMarginSet,
        103: Borrowed,
        104: Repaid,
        105: InterestCharged,
        106: MarginCall,
        107: LiquidationStarted,
        108: LiquidationFinished,
    },
    handlers=HANDLERS,
    new_state=MarginState,
    state_tuple=state_tuple,
    restore=restore,
    on_tick=on_tick,
    holds=None,
    invariants=check,
    transferable=transferable,
)
