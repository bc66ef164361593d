"""Bitget error codes: the only place where core reject codes become wire codes.

ccxt decides which exception to raise from the response body alone (msg first, as an exact
key or a substring of its ``broad`` table, then ``code``), so every message below is worded
so that it never equals one of ccxt's message keys ("invalid sign", "invalid symbol", ...):
the numeric code alone must pick the exception.  The table in
``shared/research/bitget-v2-api.md`` §3.3 lists which code maps to which ccxt class.
"""

from __future__ import annotations

from typing import Dict, Tuple

from ...core.reject import RejectCode

__all__ = ["ApiError", "REJECT_MAP", "reject_error", "E"]


class ApiError(Exception):
    """An error answered with the Bitget envelope ``{"code":..,"msg":..,"data":null}``."""

    __slots__ = ("code", "msg", "status")

    def __init__(self, code: str, msg: str, status: int = 400) -> None:
        super().__init__(f"{code}: {msg}")
        self.code = code
        self.msg = msg
        self.status = status


class E:
    """Edge error codes (auth, parameters, routing, throttling); see §2 and §3.3."""

    KEY_EMPTY = "40001"  # AuthenticationError
    SIGN_EMPTY = "40003"  # AuthenticationError
    TIMESTAMP_INVALID = "40005"  # InvalidNonce
    KEY_UNKNOWN = "40006"  # AuthenticationError
    TIMESTAMP_EXPIRED = "40008"  # InvalidNonce
    SIGN_WRONG = "40009"  # AuthenticationError
    PASSPHRASE_EMPTY = "40011"  # AuthenticationError
    PASSPHRASE_WRONG = "40012"  # AuthenticationError
    PERMISSION = "40014"  # PermissionDenied
    PARAM_INVALID = "40017"  # BadRequest
    IP_DENIED = "40018"  # PermissionDenied
    PARAM_EMPTY = "40019"  # BadRequest
    NOT_EXIST = "40034"  # Bitget's "Parameter X does not exist" (unknown symbol/coin)
    UNSUPPORTED_ACCOUNT = "40085"  # PermissionDenied: the v3 (UTA) API is refused
    NOT_FOUND = "40404"  # BadRequest: unknown route
    SIZE_SCALE = "40808"  # InvalidOrder
    PRICE_SCALE = "41103"  # InvalidOrder
    ORDER_NOT_FOUND = "43001"  # OrderNotFound
    INSUFFICIENT = "43012"  # InsufficientFunds
    MIN_AMOUNT = "45110"  # InvalidOrder
    RATE_LIMIT = "429"  # DDoSProtection
    BUSY = "40604"  # ExchangeNotAvailable (sequencer queue full)
    SYSTEM = "40015"  # ExchangeError


#: RejectCode → (Bitget code, message).  Every RejectCode has an entry (tested).
REJECT_MAP: Dict[RejectCode, Tuple[str, str]] = {
    RejectCode.INVALID_ARGUMENT: (E.PARAM_INVALID, "Parameter verification failed"),
    RejectCode.AMOUNT_OUT_OF_RANGE: (
        E.PARAM_INVALID,
        "Parameter verification failed: amount out of range",
    ),
    RejectCode.UNKNOWN_USER: ("40300", "User does not exist"),
    RejectCode.DUPLICATE_DIFFERENT: ("40500", "Duplicate clientOid with a different request"),
    RejectCode.UNKNOWN_ASSET: (E.NOT_EXIST, "Parameter coin does not exist"),
    RejectCode.ASSET_EXISTS: (
        E.PARAM_INVALID,
        "Parameter verification failed: asset already listed",
    ),
    RejectCode.INVALID_SCALE: (E.PARAM_INVALID, "Parameter verification failed: scale"),
    RejectCode.UNKNOWN_SYMBOL: (E.NOT_EXIST, "Parameter symbol does not exist"),
    RejectCode.SYMBOL_EXISTS: (
        E.PARAM_INVALID,
        "Parameter verification failed: symbol already listed",
    ),
    RejectCode.UNITS_NOT_INTEGRAL: (E.PARAM_INVALID, "Parameter verification failed: units"),
    RejectCode.MARKET_HALTED: ("41114", "The current trading pair is under maintenance"),
    RejectCode.PRICE_PRECISION: (E.PRICE_SCALE, "param price scale error"),
    RejectCode.SIZE_PRECISION: (
        E.SIZE_SCALE,
        "Parameter verification exception size checkBDScale error",
    ),
    RejectCode.SIZE_TOO_SMALL: (E.MIN_AMOUNT, "less than the minimum order quantity"),
    RejectCode.SIZE_TOO_LARGE: ("45113", "Maximum order quantity exceeded"),
    RejectCode.NOTIONAL_TOO_SMALL: (E.MIN_AMOUNT, "less than the minimum order value"),
    RejectCode.PRICE_OUT_OF_BAND: ("40706", "The order price is outside the allowed price band"),
    RejectCode.MARKET_ORDER_SIZE: ("40108", "Wrong order quantity for a market order"),
    RejectCode.ORDER_NOT_FOUND: (E.ORDER_NOT_FOUND, "The order does not exist"),
    RejectCode.TOO_MANY_OPEN_ORDERS: ("32005", "Too many open orders on this symbol"),
    RejectCode.NOTHING_TO_MODIFY: (
        E.PARAM_INVALID,
        "Parameter verification failed: nothing to modify",
    ),
    RejectCode.BATCH_TOO_LARGE: ("40306", "Batch processing orders can only process up to 50"),
    RejectCode.DUPLICATE_ORDER_ID: ("40500", "Duplicate clientOid: an open order already uses it"),
    RejectCode.INSUFFICIENT_BALANCE: (E.INSUFFICIENT, "Insufficient balance"),
    RejectCode.SAME_ACCOUNT: (E.PARAM_INVALID, "Parameter verification failed: same account"),
    RejectCode.ACCOUNT_TYPE_NOT_ALLOWED: (
        E.PARAM_INVALID,
        "Parameter verification failed: account type",
    ),
    RejectCode.WITHDRAWAL_NOT_FOUND: (E.NOT_EXIST, "Parameter withdrawal does not exist"),
    RejectCode.WITHDRAWAL_NOT_PENDING: (
        E.PARAM_INVALID,
        "Parameter verification failed: withdrawal state",
    ),
    RejectCode.PLAN_NOT_FOUND: ("43025", "Plan order does not exist"),
    RejectCode.TRIGGER_EQUALS_PRICE: ("43011", "The trigger price equals the last price"),
    RejectCode.TOO_MANY_PLANS: ("32005", "Too many plan orders on this symbol"),
    RejectCode.NO_LAST_PRICE: (
        "43011",
        "No trade yet on this symbol: a trigger price has no reference",
    ),
    RejectCode.TPSL_WRONG_SIDE: (
        "40917",
        "Take-profit/stop-loss price is on the wrong side of the order price",
    ),
    # margin and convert (issue 6): Bitget codes ccxt maps to a fitting exception
    RejectCode.TRANSFER_RISK_LIMIT: (
        "40713",
        "Cannot exceed the maximum transferable amount of this account (risk line)",
    ),
    RejectCode.ASSET_NOT_IN_ACCOUNT: (
        E.PARAM_INVALID,
        "Parameter verification failed: this account cannot hold the coin",
    ),
    RejectCode.MARGIN_NOT_ENABLED: ("33001", "Margin is not enabled for this pair or coin"),
    RejectCode.BORROW_LIMIT_EXCEEDED: (
        "33008",
        "Borrow amount exceeds the maximum borrowable amount",
    ),
    RejectCode.BORROW_TOO_SMALL: ("33004", "Borrow amount is below the minimum borrow amount"),
    RejectCode.LENDING_POOL_EXHAUSTED: ("33008", "The lending pool cannot lend this amount now"),
    RejectCode.REPAY_EXCEEDS_DEBT: (
        "33003",
        "Repay amount exceeds the loan balance (principal + interest owed)",
    ),
    RejectCode.NO_PRICE: ("40107", "No price yet to value this coin"),
    RejectCode.QUOTE_NOT_FOUND: ("40020", "Parameter traceId error: no such quote"),
    RejectCode.QUOTE_EXPIRED: (
        E.PARAM_INVALID,
        "Parameter verification failed: traceId expired, request a new quote",
    ),
    RejectCode.QUOTE_USED: ("40500", "Duplicate request: this traceId was already used"),
    RejectCode.CONVERT_SAME_ASSET: (
        E.PARAM_INVALID,
        "Parameter verification failed: fromCoin and toCoin are the same",
    ),
    RejectCode.CONVERT_NO_ROUTE: (
        "50004",
        "This conversion is not available now (no market or not enough depth)",
    ),
    RejectCode.CONVERT_AMOUNT_LIMIT: (E.MIN_AMOUNT, "Convert amount outside the coin's limits"),
    RejectCode.CONVERT_LIQUIDITY: (
        E.BUSY,
        "Convert liquidity is short for this amount, please try again later",
    ),
    RejectCode.NO_DUST: ("50003", "No record: no small balance qualifies"),
    # perpetual futures (issue 5)
    RejectCode.CONTRACT_HALTED: ("41114", "The contract is under maintenance: closing only"),
    RejectCode.LEVERAGE_TOO_HIGH: ("40797", "Exceeded the maximum settable leverage"),
    RejectCode.INSUFFICIENT_MARGIN: ("40762", "The order amount exceeds the balance"),
    RejectCode.NO_POSITION: ("22002", "No position to close"),
    RejectCode.REDUCE_EXCEEDS_POSITION: ("40757", "Not enough position is available"),
    RejectCode.POSITION_MODE_MISMATCH: (
        "40774",
        "The order type for unilateral position must also be the unilateral position type",
    ),
    RejectCode.HAS_POSITIONS_OR_ORDERS: (
        "40920",
        "Position or order exists: the margin or position mode cannot be switched",
    ),
    RejectCode.POSITION_TIER_EXCEEDED: ("40766", "The position would exceed its risk tier limit"),
    RejectCode.NOT_ISOLATED: ("45134", "Only isolated positions support this margin operation"),
    RejectCode.MARGIN_REMOVE_EXCEEDS: ("40711", "Insufficient margin left in the position"),
    RejectCode.INDEX_STALE: ("40725", "No usable index or mark price for this contract yet"),
    RejectCode.UNDER_LIQUIDATION: ("45128", "The position is being liquidated"),
    RejectCode.DUPLICATE_TPSL: (
        "43023",
        "A take-profit/stop-loss already exists for this position",
    ),
}


def reject_error(code: int) -> ApiError:
    """The ApiError for a core ``Rejected.code``; an unknown code is a system error."""
    try:
        wire, msg = REJECT_MAP[RejectCode(code)]
    except (ValueError, KeyError):
        return ApiError(E.SYSTEM, f"System error (reject {code})")
    return ApiError(wire, msg)
