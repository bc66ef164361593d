"""Small integer vocabularies shared by commands, events and state.

They are ``IntEnum`` so that the journal and the state hash see plain integers while
code reads as words.  Values are part of the journal format: never renumber, only add.
"""
from __future__ import annotations

from enum import IntEnum

__all__ = [
    "Side",
    "OrderType",
    "Force",
    "Stp",
    "MarketStatus",
    "AccountType",
    "SystemOwner",
    "OrderStatus",
    "CloseReason",
    "PlanStatus",
    "TransferCode",
]


class Side(IntEnum):
    BUY = 0
    SELL = 1


class OrderType(IntEnum):
    LIMIT = 0
    MARKET = 1


class Force(IntEnum):
    """Time in force (Bitget's ``force``)."""

    GTC = 0
    IOC = 1
    FOK = 2
    POST_ONLY = 3


class Stp(IntEnum):
    """Self-trade prevention mode of the incoming (taker) order (Bitget's ``stpMode``)."""

    NONE = 0
    CANCEL_TAKER = 1
    CANCEL_MAKER = 2
    CANCEL_BOTH = 3


class MarketStatus(IntEnum):
    ONLINE = 0
    HALTED = 1  # only cancels are accepted; plan orders stay dormant


class AccountType(IntEnum):
    """A user's account types.  Later products add theirs without touching the ledger."""

    SYSTEM = 0  # the one account of a system owner
    SPOT = 1
    FUNDING = 2
    CROSS_MARGIN = 3
    ISOLATED_MARGIN = 4
    USDT_FUTURES = 5
    USDC_FUTURES = 6
    COIN_FUTURES = 7


class SystemOwner(IntEnum):
    """Owners that are not users (users are positive integers)."""

    EXTERNAL = -1  # the outside world: deposits come from it, withdrawals go to it
    FEES = -2  # trading fees collected by the exchange
    INSURANCE = -3  # reserved for futures and margin
    LENDING_POOL = -4  # reserved for margin and loans
    MARGIN_INSURANCE = -5  # margin risk reserve: covers liquidation deficits (core/margin)
    CONVERT_LIQUIDITY = -6  # the exchange's inventory that settles Convert trades (core/convert)
    CLEARING = -7  # futures clearing: pays realised profits, receives realised losses; its
    #   balance is Σ unrealised PnL of open positions, so it may be negative (core/futures)


class OrderStatus(IntEnum):
    LIVE = 0
    PARTIALLY_FILLED = 1
    FILLED = 2
    CANCELLED = 3


class CloseReason(IntEnum):
    """Why an order left the book; FILLED orders carry ``NONE``."""

    NONE = 0
    USER = 1  # cancel, cancel-all, batch cancel
    IOC = 2  # immediate-or-cancel remainder
    FOK = 3  # fill-or-kill could not fill entirely
    POST_ONLY = 4  # post-only would have taken liquidity
    STP = 5  # self-trade prevention
    NO_LIQUIDITY = 6  # market order remainder: book empty or outside the price band
    REPLACED = 7  # modify: the order was replaced by a new one
    MARKET_CLOSED = 8  # market delisted
    LIQUIDATION = 9  # margin (or futures) liquidation cancelled the account's orders


class PlanStatus(IntEnum):
    LIVE = 0  # Bitget: not_trigger
    EXECUTED = 1
    FAILED = 2  # Bitget: fail_execute
    CANCELLED = 3


class TransferCode(IntEnum):
    """Business type of a ledger transfer (what the transfer records)."""

    DEPOSIT = 1
    WITHDRAW_HOLD = 2
    WITHDRAW_COMPLETE = 3
    WITHDRAW_RETURN = 4
    INTERNAL = 5  # between a user's own account types
    ORDER_HOLD = 6
    ORDER_RELEASE = 7
    TRADE = 8
    FEE = 9
