"""Commands: the only input of the core.

Every command is an immutable ``NamedTuple`` whose first field is ``ts_ns``: time arrives
in the command, the core never reads a clock.  Fields are ints, strs or tuples of
commands, so the journal can encode them canonically (see ``engine/codec.py``), and each
field has exactly its declared type: ``apply`` rejects any other command
(``core/field_types.py``), so no handler meets a float, a bool or an unhashable value.

Units: ``price`` is in units of the market's price precision (``10**-pricePrecision`` of
the quote asset per base unit), ``size`` in units of its quantity precision
(``10**-quantityPrecision`` base), ``amount``/``quote_size`` in the asset's minor units.
``0`` stands for "not given" in optional price fields, ``""`` in optional id fields.

Users are positive integers; the edge owns the user directory (emails, keys) and checks
that a user exists before it submits a command.
"""
from __future__ import annotations

from typing import NamedTuple, Tuple, Union

__all__ = [
    "ListAsset",
    "ListMarket",
    "SetMarketStatus",
    "SetUserFees",
    "Deposit",
    "RequestWithdrawal",
    "CompleteWithdrawal",
    "FailWithdrawal",
    "Transfer",
    "PlaceOrder",
    "CancelOrder",
    "CancelAll",
    "ModifyOrder",
    "BatchPlace",
    "BatchCancel",
    "PlacePlan",
    "CancelPlan",
    "ClockTick",
    "Command",
    "COMMAND_TYPES",
]


class ListAsset(NamedTuple):
    ts_ns: int
    asset: str
    scale: int  # decimal places of one minor unit, 0..SCALE_MAX


class ListMarket(NamedTuple):
    ts_ns: int
    symbol: str  # e.g. "BTCUSDT"
    base: str
    quote: str
    price_precision: int  # decimals of a price
    quantity_precision: int  # decimals of a base size
    tick: int  # price step, in price units (usually 1)
    lot: int  # size step, in size units (usually 1)
    min_size: int  # size units
    max_size: int  # size units
    min_notional: int  # quote minor units
    maker_fee_ppm: int
    taker_fee_ppm: int
    price_band_ppm: int  # limit price must stay within last price ± band; 0 = no band
    max_open_orders: int  # per user and symbol; 0 = no limit


class SetMarketStatus(NamedTuple):
    ts_ns: int
    symbol: str
    status: int  # MarketStatus


class SetUserFees(NamedTuple):
    """A user's fee tier (VIP).  ``-1`` means "the market's default rate"."""

    ts_ns: int
    user: int
    maker_fee_ppm: int
    taker_fee_ppm: int


class Deposit(NamedTuple):
    ts_ns: int
    user: int
    account: int  # AccountType
    asset: str
    amount: int
    ref: str  # idempotency key (e.g. a chain transaction id)


class RequestWithdrawal(NamedTuple):
    """Hold ``amount`` (available → frozen) until the withdrawal completes or fails."""

    ts_ns: int
    user: int
    asset: str
    amount: int
    withdrawal_id: str  # idempotency key chosen by the edge


class CompleteWithdrawal(NamedTuple):
    ts_ns: int
    withdrawal_id: str


class FailWithdrawal(NamedTuple):
    ts_ns: int
    withdrawal_id: str


class Transfer(NamedTuple):
    """Move available funds between two of a user's account types."""

    ts_ns: int
    user: int
    asset: str
    amount: int
    from_account: int
    to_account: int
    ref: str  # idempotency key (Bitget clientOid)


class PlaceOrder(NamedTuple):
    ts_ns: int
    user: int
    symbol: str
    side: int  # Side
    order_type: int  # OrderType
    force: int  # Force (ignored for market orders)
    price: int  # price units; 0 for market orders
    size: int  # base size units (limit orders, market sells)
    quote_size: int  # quote minor units (market buys)
    client_oid: str = ""
    stp: int = 0  # Stp
    tp_trigger: int = 0  # attached take-profit trigger price (price units), 0 = none
    tp_price: int = 0  # take-profit limit price, 0 = market
    sl_trigger: int = 0  # attached stop-loss trigger price, 0 = none
    sl_price: int = 0  # stop-loss limit price, 0 = market


class CancelOrder(NamedTuple):
    ts_ns: int
    user: int
    symbol: str
    order_id: int = 0  # either the order id ...
    client_oid: str = ""  # ... or the client order id


class CancelAll(NamedTuple):
    """Cancel the user's resting spot orders on ``symbol`` (margin orders are left alone)."""

    ts_ns: int
    user: int
    symbol: str


class ModifyOrder(NamedTuple):
    """Replace a resting limit order: the old one is cancelled, a new one placed (loses
    priority)."""

    ts_ns: int
    user: int
    symbol: str
    order_id: int
    client_oid: str
    new_price: int  # 0 = keep
    new_size: int  # 0 = keep the remaining size
    new_client_oid: str = ""


class BatchPlace(NamedTuple):
    """Each order is applied on its own: one may be rejected while others are accepted."""

    ts_ns: int
    orders: Tuple[PlaceOrder, ...]


class BatchCancel(NamedTuple):
    ts_ns: int
    cancels: Tuple[CancelOrder, ...]


class PlacePlan(NamedTuple):
    """A trigger (plan) order: dormant until the last trade price crosses ``trigger_price``."""

    ts_ns: int
    user: int
    symbol: str
    side: int
    trigger_price: int
    order_type: int  # order placed when triggered
    price: int  # limit price of the triggered order (0 for market)
    size: int
    quote_size: int
    force: int = 0
    client_oid: str = ""
    stp: int = 0


class CancelPlan(NamedTuple):
    ts_ns: int
    user: int
    symbol: str
    plan_id: int = 0
    client_oid: str = ""


class ClockTick(NamedTuple):
    """Time passes.  Time-driven work (expiries; later funding, interest) hangs off ticks."""

    ts_ns: int


Command = Union[
    ListAsset,
    ListMarket,
    SetMarketStatus,
    SetUserFees,
    Deposit,
    RequestWithdrawal,
    CompleteWithdrawal,
    FailWithdrawal,
    Transfer,
    PlaceOrder,
    CancelOrder,
    CancelAll,
    ModifyOrder,
    BatchPlace,
    BatchCancel,
    PlacePlan,
    CancelPlan,
    ClockTick,
]

#: Wire tags for the journal codec.  Append only: a tag is never reused.
COMMAND_TYPES: Tuple[type, ...] = (
    ListAsset,
    ListMarket,
    SetMarketStatus,
    SetUserFees,
    Deposit,
    RequestWithdrawal,
    CompleteWithdrawal,
    FailWithdrawal,
    Transfer,
    PlaceOrder,
    CancelOrder,
    CancelAll,
    ModifyOrder,
    BatchPlace,
    BatchCancel,
    PlacePlan,
    CancelPlan,
    ClockTick,
)
