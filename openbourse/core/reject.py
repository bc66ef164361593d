"""Stable reject codes.

A rejected command changes no state and yields one ``Rejected`` event carrying one of
these codes.  Numbers are grouped by subsystem and never reused:

* 1xxx  command shape (bad field values the edge could not catch)
* 2xxx  markets and assets
* 3xxx  orders and matching
* 4xxx  balances and transfers
* 5xxx  withdrawals
* 6xxx  plan (trigger) orders
* 71xx  margin, 72xx convert

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

    # 4xxx (continued): transfers between product accounts
    # margin/futures: the amount would leave the account below its risk line
    TRANSFER_RISK_LIMIT = 4004
    ASSET_NOT_IN_ACCOUNT = 4005  # the account cannot hold this asset (isolated pair, margin assets)

    # 71xx: margin (core/margin)
    MARGIN_NOT_ENABLED = 7101  # pair or asset not enabled for margin / not borrowable
    BORROW_LIMIT_EXCEEDED = 7102  # above max borrowable (risk metric, tier limit)
    BORROW_TOO_SMALL = 7103  # below the asset's minimum borrow
    LENDING_POOL_EXHAUSTED = 7104  # the exchange's lending pool lacks the amount
    REPAY_EXCEEDS_DEBT = 7105  # repay more than principal + interest owed (or nothing owed)
    NO_PRICE = 7106  # an asset cannot be valued (no market to the valuation asset, no trade yet)

    # 72xx: convert (core/convert)
    QUOTE_NOT_FOUND = 7201
    QUOTE_EXPIRED = 7202
    QUOTE_USED = 7203
    CONVERT_SAME_ASSET = 7204
    CONVERT_NO_ROUTE = 7205  # no market (direct or via the bridge asset) or not enough depth
    CONVERT_AMOUNT_LIMIT = 7206  # outside the asset's convert min/max
    CONVERT_LIQUIDITY = 7207  # the exchange's convert liquidity account cannot pay
    NO_DUST = 7208  # nothing qualifies as a small balance

    # 73xx: perpetual futures (core/futures)
    CONTRACT_HALTED = 7301  # only cancels and closing orders while halted
    LEVERAGE_TOO_HIGH = 7302  # above the contract's / the position tier's max leverage
    INSUFFICIENT_MARGIN = 7303  # order cost or margin change exceeds available balance
    NO_POSITION = 7304  # reduce/close/TP-SL with no position on that side
    REDUCE_EXCEEDS_POSITION = 7305  # close size larger than the closable position
    POSITION_MODE_MISMATCH = 7306  # trade_side given in one-way mode / missing in hedge mode
    HAS_POSITIONS_OR_ORDERS = 7307  # mode change refused while positions/orders exist
    POSITION_TIER_EXCEEDED = 7308  # the resulting position exceeds the largest tier
    NOT_ISOLATED = 7309  # margin adjustment / auto-margin on a cross position
    MARGIN_REMOVE_EXCEEDS = 7310  # removing margin would leave less than initial margin
    INDEX_STALE = 7311  # no usable index/mark price yet (opening orders need one)
    UNDER_LIQUIDATION = 7312  # reserved: position is being liquidated
    DUPLICATE_TPSL = 7313  # a whole-position TP (or SL) already exists for this position
