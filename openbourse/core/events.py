"""Events: the only output of the core.

Every event is an immutable ``NamedTuple`` whose first two fields are ``seq`` (a global,
gap-free event sequence number) and ``ts_ns`` (the timestamp of the command that caused
it).  Read models, the WebSocket feeds and the audit tools are built from these alone.

How the ledger shows up:

* ``TransferPosted`` for every business transfer (deposit, withdrawal, internal transfer).
* ``TradeExecuted`` *is* the record of a spot settlement batch: the four postings it
  implies (base seller→buyer, quote buyer→seller, and the two fees to the fee account)
  are a pure function of its fields (``ledger.postings.trade_postings``).
* ``BalanceChanged`` once per touched (owner, account, asset) per command, with the new
  available and frozen amounts.  Order holds and releases appear only here.

Order lifecycle: ``OrderAccepted`` → zero or more ``TradeExecuted`` (each one a partial
or final fill of both orders) → ``OrderClosed`` (FILLED or CANCELLED with a reason).
An order that ends within its own command still gets its ``OrderAccepted`` first.
"""
from __future__ import annotations

from typing import NamedTuple, Tuple

__all__ = [
    "AssetListed",
    "MarketListed",
    "MarketStatusChanged",
    "UserFeesSet",
    "Rejected",
    "Duplicate",
    "OrderAccepted",
    "TradeExecuted",
    "OrderClosed",
    "BalanceChanged",
    "TransferPosted",
    "WithdrawalRequested",
    "WithdrawalCompleted",
    "WithdrawalFailed",
    "PlanPlaced",
    "PlanTriggered",
    "PlanClosed",
    "EVENT_TYPES",
]


class AssetListed(NamedTuple):
    seq: int
    ts_ns: int
    asset: str
    scale: int


class MarketListed(NamedTuple):
    seq: int
    ts_ns: int
    symbol: str
    base: str
    quote: str
    price_precision: int
    quantity_precision: int
    tick: int
    lot: int
    min_size: int
    max_size: int
    min_notional: int
    maker_fee_ppm: int
    taker_fee_ppm: int
    price_band_ppm: int
    max_open_orders: int


class MarketStatusChanged(NamedTuple):
    seq: int
    ts_ns: int
    symbol: str
    status: int


class UserFeesSet(NamedTuple):
    seq: int
    ts_ns: int
    user: int
    maker_fee_ppm: int
    taker_fee_ppm: int


class Rejected(NamedTuple):
    """A command (or one item of a batch) was refused and changed nothing."""

    seq: int
    ts_ns: int
    command: str  # the command's class name, e.g. "PlaceOrder"
    user: int  # 0 when the command has no user
    code: int  # RejectCode
    ref: str  # the caller's id when it gave one (clientOid, withdrawal id, order id)


class Duplicate(NamedTuple):
    """Idempotent retry: same id and same payload as an earlier command.  Nothing changed."""

    seq: int
    ts_ns: int
    command: str
    user: int
    ref: str
    original_id: int  # the order/plan id the first command produced (0 for deposits)


class OrderAccepted(NamedTuple):
    seq: int
    ts_ns: int
    order_id: int
    user: int
    symbol: str
    side: int
    order_type: int
    force: int
    price: int
    size: int
    quote_size: int
    client_oid: str
    stp: int
    plan_id: int  # the plan order that created it, 0 if none


class TradeExecuted(NamedTuple):
    seq: int
    ts_ns: int
    trade_id: int
    symbol: str
    price: int  # the maker's price
    size: int  # size units
    taker_side: int
    maker_order_id: int
    taker_order_id: int
    maker_user: int
    taker_user: int
    base_amount: int  # base minor units exchanged (before fees)
    quote_amount: int  # quote minor units exchanged (before fees)
    maker_fee: int  # in the asset the maker receives
    taker_fee: int  # in the asset the taker receives


class OrderClosed(NamedTuple):
    seq: int
    ts_ns: int
    order_id: int
    user: int
    symbol: str
    status: int  # OrderStatus.FILLED or OrderStatus.CANCELLED
    reason: int  # CloseReason
    filled_size: int  # size units
    filled_quote: int  # quote minor units


class BalanceChanged(NamedTuple):
    seq: int
    ts_ns: int
    owner: int
    account: int
    asset: str
    available: int
    frozen: int


class TransferPosted(NamedTuple):
    seq: int
    ts_ns: int
    transfer_id: int
    code: int  # TransferCode
    debit_owner: int
    debit_account: int
    credit_owner: int
    credit_account: int
    asset: str
    amount: int
    ref: str


class WithdrawalRequested(NamedTuple):
    seq: int
    ts_ns: int
    withdrawal_id: str
    user: int
    asset: str
    amount: int


class WithdrawalCompleted(NamedTuple):
    seq: int
    ts_ns: int
    withdrawal_id: str
    user: int
    asset: str
    amount: int


class WithdrawalFailed(NamedTuple):
    seq: int
    ts_ns: int
    withdrawal_id: str
    user: int
    asset: str
    amount: int


class PlanPlaced(NamedTuple):
    seq: int
    ts_ns: int
    plan_id: int
    user: int
    symbol: str
    side: int
    trigger_price: int
    order_type: int
    price: int
    size: int
    quote_size: int
    force: int
    client_oid: str
    stp: int
    parent_order_id: int  # TP/SL attached to this order, 0 for a plain plan order
    oco_plan_id: int  # the other leg of a TP/SL pair, 0 if none


class PlanTriggered(NamedTuple):
    seq: int
    ts_ns: int
    plan_id: int
    user: int
    symbol: str
    order_id: int  # the order it placed (its OrderAccepted follows)


class PlanClosed(NamedTuple):
    """A plan left the trigger book without placing an order (cancelled or failed)."""

    seq: int
    ts_ns: int
    plan_id: int
    user: int
    symbol: str
    status: int  # PlanStatus.CANCELLED or PlanStatus.FAILED
    code: int  # RejectCode when FAILED (e.g. insufficient balance at trigger time), else 0


#: Wire tags for the event codec.  Append only.
EVENT_TYPES: Tuple[type, ...] = (
    AssetListed,
    MarketListed,
    MarketStatusChanged,
    UserFeesSet,
    Rejected,
    Duplicate,
    OrderAccepted,
    TradeExecuted,
    OrderClosed,
    BalanceChanged,
    TransferPosted,
    WithdrawalRequested,
    WithdrawalCompleted,
    WithdrawalFailed,
    PlanPlaced,
    PlanTriggered,
    PlanClosed,
)
