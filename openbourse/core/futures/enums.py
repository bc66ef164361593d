"""Integer vocabularies of the futures product.  Values are journal format: only add.

Bitget wire names are given per value; the edge maps them.
"""
from __future__ import annotations

from enum import IntEnum

from ..enums import AccountType

__all__ = [
    "ProductType",
    "HoldSide",
    "TradeSide",
    "MarginMode",
    "PosMode",
    "PlanType",
    "TriggerType",
    "ContractStatus",
    "PositionReason",
    "OrderKind",
    "InsuranceReason",
    "PRODUCT_ACCOUNT",
    "PRODUCT_TYPE_NAMES",
]


class ProductType(IntEnum):
    USDT_FUTURES = 0  # "USDT-FUTURES": linear, margin USDT
    USDC_FUTURES = 1  # "USDC-FUTURES": linear, margin USDC
    COIN_FUTURES = 2  # "COIN-FUTURES": inverse, margin = base coin


#: The ledger account type of each product type's futures account.
PRODUCT_ACCOUNT = {
    ProductType.USDT_FUTURES: int(AccountType.USDT_FUTURES),
    ProductType.USDC_FUTURES: int(AccountType.USDC_FUTURES),
    ProductType.COIN_FUTURES: int(AccountType.COIN_FUTURES),
}
PRODUCT_TYPE_NAMES = {0: "USDT-FUTURES", 1: "USDC-FUTURES", 2: "COIN-FUTURES"}


class HoldSide(IntEnum):
    """Side of a position.  Bitget ``holdSide`` long/short (one-way mode shows buy/sell)."""

    BOTH = -1  # in commands: both sides / "the side the one-way position has"
    LONG = 0
    SHORT = 1


class TradeSide(IntEnum):
    """Bitget ``tradeSide`` (hedge mode only)."""

    NONE = -1  # one-way mode
    OPEN = 0
    CLOSE = 1


class MarginMode(IntEnum):
    CROSSED = 0  # "crossed"
    ISOLATED = 1  # "isolated"


class PosMode(IntEnum):
    ONE_WAY = 0  # "one_way_mode" (the default here)
    HEDGE = 1  # "hedge_mode"


class PlanType(IntEnum):
    NORMAL_PLAN = 0  # "normal_plan"
    POS_PROFIT = 1  # "pos_profit"
    POS_LOSS = 2  # "pos_loss"
    PROFIT_PLAN = 3  # "profit_plan"
    LOSS_PLAN = 4  # "loss_plan"
    TRACK_PLAN = 5  # "track_plan" (trailing stop; Bitget "moving_plan" for TP/SL endpoint)


class TriggerType(IntEnum):
    FILL_PRICE = 0  # "fill_price": last trade price
    MARK_PRICE = 1  # "mark_price"


class ContractStatus(IntEnum):
    NORMAL = 0  # "normal"
    HALTED = 1  # "maintain": only cancels and closing orders


class PositionReason(IntEnum):
    """Why a ``PositionChanged`` was emitted."""

    TRADE = 0  # an order fill (open, add, reduce, close, flip)
    MARGIN = 1  # AdjustMargin / leverage change / auto margin top-up
    FUNDING = 2  # funding settlement changed the (isolated) margin
    LIQUIDATION = 3  # closed (partly) by the liquidation engine
    ADL = 4  # reduced as an auto-deleveraging counterparty (or the bankrupt side)
    SETTINGS = 5  # leverage / auto-margin flag changed


class OrderKind(IntEnum):
    NORMAL = 0
    LIQUIDATION = 1  # placed by the liquidation engine
    PLAN = 2  # placed by a triggered plan (see plan_id)
    CLOSE_ALL = 3  # ClosePositions flash close


class InsuranceReason(IntEnum):
    FUNDED = 0  # operator FundInsurance
    LIQUIDATION_SURPLUS = 1  # margin left above bankruptcy went to the fund
    DEFICIT_COVERED = 2  # the fund paid a bankrupt position's shortfall
