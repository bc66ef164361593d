"""Events of the perpetual-futures product (journal tags 300..399).

Units as in ``commands.py``: prices in price units, sizes in size units, amounts in
minor units of the contract's margin asset (signed where stated), fee/margin rates in
ppm, funding rates in 10**-8.  Vocabularies: ``core/futures/enums.py``.

Balances: every money movement is a ledger posting; each command ends with the core's
``BalanceChanged`` for every touched balance (user futures accounts
``(user, USDT_FUTURES|USDC_FUTURES|COIN_FUTURES, asset)``, the insurance fund
``(INSURANCE, SYSTEM, asset)``, fees ``(FEES, SYSTEM, asset)`` and the clearing account
``(CLEARING = -7, <futures account type>, asset)``: the counterpart of open positions'
unrealised PnL, see docs/futures.md).  ``frozen`` of a user's futures balance = position
margins + margin held by open orders.

Order life: ``FuturesOrderAccepted`` → ``FuturesTrade``* → ``FuturesOrderClosed``; each
fill is followed by ``PositionChanged`` for both users.  Derived views the edge builds:
average entry = ``cost / size`` (see ``PositionChanged``), unrealised PnL from the mark
price of ``PriceUpdated``, candles (mark/index) from ``PriceUpdated``.
"""
from __future__ import annotations

from typing import NamedTuple

__all__ = [
    "ContractListed",
    "ContractStatusChanged",
    "PositionModeSet",
    "MarginModeSet",
    "LeverageSet",
    "AutoMarginSet",
    "FuturesOrderAccepted",
    "FuturesTrade",
    "FuturesOrderClosed",
    "PositionChanged",
    "PriceUpdated",
    "FundingSettled",
    "FundingPaid",
    "Liquidated",
    "Deleveraged",
    "InsuranceChanged",
    "FuturesPlanPlaced",
    "FuturesPlanTriggered",
    "FuturesPlanClosed",
    "FUTURES_EVENTS",
]


class ContractListed(NamedTuple):
    """All ``ListContract`` fields; ``tiers`` as text ``"max_value:max_leverage:mmr_ppm;..."``."""

    seq: int
    ts_ns: int
    symbol: str
    product_type: int
    base: str
    quote: str
    margin_asset: str
    price_precision: int
    quantity_precision: int
    tick: int
    lot: int
    min_size: int
    max_size: int
    min_notional: int
    face_value: int
    maker_fee_ppm: int
    taker_fee_ppm: int
    liquidation_fee_ppm: int
    price_band_ppm: int
    tiers: str
    funding_interval_h: int
    funding_cap_e8: int
    interest_e8: int
    spot_symbol: str
    spot_weight: int
    next_funding_ns: int  # first funding settlement time


class ContractStatusChanged(NamedTuple):
    seq: int
    ts_ns: int
    symbol: str
    status: int  # ContractStatus


class PositionModeSet(NamedTuple):
    seq: int
    ts_ns: int
    user: int
    product_type: int
    pos_mode: int  # PosMode


class MarginModeSet(NamedTuple):
    seq: int
    ts_ns: int
    user: int
    symbol: str
    margin_mode: int  # MarginMode


class LeverageSet(NamedTuple):
    """One per side changed (a BOTH command gives two events)."""

    seq: int
    ts_ns: int
    user: int
    symbol: str
    hold_side: int  # HoldSide LONG / SHORT
    leverage: int


class AutoMarginSet(NamedTuple):
    seq: int
    ts_ns: int
    user: int
    symbol: str
    hold_side: int
    on: int


class FuturesOrderAccepted(NamedTuple):
    seq: int
    ts_ns: int
    order_id: int
    user: int
    symbol: str
    side: int  # Side
    trade_side: int  # TradeSide (-1 in one-way mode)
    hold_side: int  # HoldSide the order opens or closes (one-way: the side it would open)
    order_type: int  # OrderType
    force: int  # Force
    price: int  # limit price; market orders: the band-limit price they may fill up to
    size: int
    reduce_only: int  # 1 when the order can only reduce (reduce-only, hedge close, liquidation)
    client_oid: str
    margin_mode: int  # MarginMode
    leverage: int
    hold: int  # margin-asset units frozen for it (initial margin + taker fee), 0 for closes
    kind: int  # OrderKind
    plan_id: int  # the plan that placed it, 0 if none


class FuturesTrade(NamedTuple):
    """One fill between two orders (both sides' position changes follow as PositionChanged)."""

    seq: int
    ts_ns: int
    trade_id: int
    symbol: str
    price: int  # the maker's price
    size: int
    taker_side: int  # Side of the taker
    maker_order_id: int
    taker_order_id: int
    maker_user: int
    taker_user: int
    value: int  # margin-asset units: linear size×price×k, inverse size×face÷price (floor)
    maker_fee: int  # margin-asset units (can be 0)
    taker_fee: int
    maker_pnl: int  # realised PnL of the maker's closing part (signed, before fees)
    taker_pnl: int
    liquidation: int  # 1 when the taker is a liquidation order (hidden from public trades)


class FuturesOrderClosed(NamedTuple):
    seq: int
    ts_ns: int
    order_id: int
    user: int
    symbol: str
    status: int  # OrderStatus FILLED / CANCELLED
    reason: int  # CloseReason (NONE when filled)
    filled_size: int
    # quote volume: linear Σ FuturesTrade.value; inverse Σ size × price (USD face)
    filled_value: int
    fee: int  # total fees paid
    pnl: int  # total realised PnL of its fills (signed)


class PositionChanged(NamedTuple):
    """The whole position after a change (``size`` 0 = closed; the id is then retired).

    ``size`` is in value units (``Contract.value``; linear: = ``qty``, inverse: the USD
    face, contracts.py).  Average entry price = ``cost / size`` in value terms: linear
    ``entry = cost ÷ (size × k)`` price units, inverse ``entry = size × K ÷ cost``.
    ``entry_price`` carries that value rounded to the tick for display.
    """

    seq: int
    ts_ns: int
    position_id: int
    user: int
    symbol: str
    hold_side: int  # HoldSide LONG / SHORT
    margin_mode: int  # MarginMode
    pos_mode: int  # PosMode
    leverage: int
    size: int  # value units (0 = closed)
    cost: int  # margin-asset units: value at entry prices (the cost basis)
    entry_price: int  # price units (display)
    margin: int  # margin-asset units held for it (frozen); isolated: its whole collateral
    realised_pnl: int  # cumulative realised PnL since opened (signed), fees excluded
    fees: int  # cumulative trading fees paid since opened
    funding: int  # cumulative funding since opened (signed, + = received)
    liquidation_price: int  # price units, 0 = none (cross: estimate at current marks)
    bankruptcy_price: int  # price units, 0 = none
    auto_margin: int
    reason: int  # PositionReason
    opened_ns: int  # ts of the opening fill
    qty: int  # order units (base coin): what the position shows and closing orders take


class PriceUpdated(NamedTuple):
    """Result of an ``UpdatePrices``: index, mark, last and the funding estimate."""

    seq: int
    ts_ns: int
    symbol: str
    index_price: int  # price units
    mark_price: int
    last_price: int  # 0 = no trade yet
    funding_rate_e8: int  # predicted rate of the running interval
    next_funding_ns: int
    stale: int  # 1 = no valid index source: index held, liquidations suspended
    sources: str  # index components "name:price:weight:used;..." (used 1/0)


class FundingSettled(NamedTuple):
    seq: int
    ts_ns: int
    symbol: str
    rate_e8: int  # the settled rate: > 0 longs pay shorts
    mark_price: int  # price used for position values
    funding_ns: int  # the scheduled settlement instant
    interval_h: int
    collected: int  # margin-asset units paid by payers
    distributed: int  # paid to receivers (≤ collected; rounding dust goes to FEES)
    next_funding_ns: int


class FundingPaid(NamedTuple):
    seq: int
    ts_ns: int
    position_id: int
    user: int
    symbol: str
    hold_side: int
    size: int
    rate_e8: int
    amount: int  # signed: > 0 received, < 0 paid


class Liquidated(NamedTuple):
    """The liquidation engine took over a position (and closed it within this command)."""

    seq: int
    ts_ns: int
    position_id: int
    user: int
    symbol: str
    hold_side: int
    margin_mode: int
    size: int  # size taken over
    mark_price: int
    bankruptcy_price: int
    book_size: int  # closed through the order book
    adl_size: int  # closed against ADL counterparties at the bankruptcy price
    fee: int  # liquidation fee charged
    insurance_delta: int  # signed: + surplus to the fund, − deficit paid by the fund
    order_id: int  # the liquidation order, 0 if none was needed


class Deleveraged(NamedTuple):
    """ADL: ``counterparty``'s position was reduced against a bankrupt one at ``price``."""

    seq: int
    ts_ns: int
    symbol: str
    price: int  # the bankruptcy price
    size: int
    user: int  # the deleveraged (profitable) user
    hold_side: int  # their position side
    position_id: int
    bankrupt_user: int
    bankrupt_position_id: int
    pnl: int  # realised PnL credited to the counterparty


class InsuranceChanged(NamedTuple):
    seq: int
    ts_ns: int
    asset: str
    delta: int  # signed
    balance: int  # after
    reason: int  # InsuranceReason
    symbol: str  # "" for FundInsurance


class FuturesPlanPlaced(NamedTuple):
    seq: int
    ts_ns: int
    plan_id: int
    user: int
    symbol: str
    plan_type: int  # PlanType
    trigger_price: int
    trigger_type: int  # TriggerType
    side: int
    trade_side: int
    hold_side: int
    order_type: int
    price: int
    size: int  # 0 = whole position (POS_PROFIT/POS_LOSS)
    reduce_only: int
    callback_ppm: int
    client_oid: str
    parent_order_id: int  # preset TP/SL of this order, 0 otherwise


class FuturesPlanTriggered(NamedTuple):
    seq: int
    ts_ns: int
    plan_id: int
    user: int
    symbol: str
    order_id: int  # the order it placed (0 if it could not be placed: see FuturesPlanClosed)
    trigger_price: int  # the reference price that fired it


class FuturesPlanClosed(NamedTuple):
    seq: int
    ts_ns: int
    plan_id: int
    user: int
    symbol: str
    status: int  # PlanStatus CANCELLED / FAILED
    code: int  # RejectCode when FAILED, 0 otherwise


#: Journal tags of the futures events (fixed forever; 300..399).
FUTURES_EVENTS = {
    300: ContractListed,
    301: ContractStatusChanged,
    302: PositionModeSet,
    303: MarginModeSet,
    304: LeverageSet,
    305: AutoMarginSet,
    306: FuturesOrderAccepted,
    307: FuturesTrade,
    308: FuturesOrderClosed,
    309: PositionChanged,
    310: PriceUpdated,
    311: FundingSettled,
    312: FundingPaid,
    313: Liquidated,
    314: Deleveraged,
    315: InsuranceChanged,
    316: FuturesPlanPlaced,
    317: FuturesPlanTriggered,
    318: FuturesPlanClosed,
}
