"""Stable reject codes.

A rejected command changes no state and yields one ``Rejected`` event carrying one of
these codes.  Numbers are grouped by subsystem and never reused:

* 1xxx  command shape (bad field values the edge could not catch)
* 2xxx  markets and assets
* 3xxx  orders and matching
* 4xxx  balances and transfers
* 5xxx  withdrawals
* 6xxx  plan (trigger) orders

Inside a handler, rules are checked in the order the codes are declared within their
group, so the first failing rule wins deterministically.  Bitget error codes are mapped
only in the API adapter.
"""
from __future__ import annotations

from enum import IntEnum

__all__ = ["RejectCode"]


class RejectCode(IntEnum):
    # 1xxx: command shape
    INVALID_ARGUMENT = 1001
    AMOUNT_OUT_OF_RANGE = 1002
    UNKNOWN_USER = 1003  # raised by the edge; the core accepts any positive user id
    DUPLICATE_DIFFERENT = 1004  # same idempotency id, different payload

    # 2xxx: markets and assets
    UNKNOWN_ASSET = 2001
    ASSET_EXISTS = 2002
    INVALID_SCALE = 2003
    UNKNOWN_SYMBOL = 2004
    SYMBOL_EXISTS = 2005
    UNITS_NOT_INTEGRAL = 2006  # listing: lot/tick products are not whole minor units
    MARKET_HALTED = 2007

    # 3xxx: orders and matching
    PRICE_PRECISION = 3001  # price not a multiple of the tick
    SIZE_PRECISION = 3002  # size not a multiple of the lot
    SIZE_TOO_SMALL = 3003
    SIZE_TOO_LARGE = 3004
    NOTIONAL_TOO_SMALL = 3005
    PRICE_OUT_OF_BAND = 3006
    MARKET_ORDER_SIZE = 3007  # market buy needs a quote size, market sell a base size
    ORDER_NOT_FOUND = 3008
    TOO_MANY_OPEN_ORDERS = 3009
    NOTHING_TO_MODIFY = 3010
    BATCH_TOO_LARGE = 3011
    DUPLICATE_ORDER_ID = 3012  # client order id already used by another open order

    # 4xxx: balances and transfers
    INSUFFICIENT_BALANCE = 4001
    SAME_ACCOUNT = 4002
    ACCOUNT_TYPE_NOT_ALLOWED = 4003

    # 5xxx: withdrawals
    WITHDRAWAL_NOT_FOUND = 5001
    WITHDRAWAL_NOT_PENDING = 5002

    # 6xxx: plan orders
    PLAN_NOT_FOUND = 6001
    TRIGGER_EQUALS_PRICE = 6002  # trigger equal to last price: direction is ambiguous
    TOO_MANY_PLANS = 6003
    NO_LAST_PRICE = 6004  # no trade yet, so a trigger has no reference to compare with
    TPSL_WRONG_SIDE = 6005  # take-profit/stop-loss on the wrong side of the order price
