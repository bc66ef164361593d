"""Commands of the perpetual-futures product (journal tags 300..499, appended in order).

Units (every field is an int or a str; ``0``/``""`` mean "not given" unless stated):

* ``price``/``trigger_price``: integer units of the contract's price precision
  (``10**-price_precision`` quote per base, e.g. BTCUSDT ``price_precision=1`` → 65000.5 is
  ``650005``).  Coin-M contracts are quoted in USD the same way.
* ``size``: integer units of the contract's quantity precision, in the base coin for every
  family (``10**-quantity_precision`` BTC), as Bitget v2 and ccxt count them.  Coin-M
  positions keep their USD face internally (``contracts.py``).
* ``amount``: minor units of the contract's margin asset (USDT/USDC, or BTC/ETH for Coin-M).
* rates: fee, margin and band rates in parts per million (``ppm``, 0.06 % = 600);
  funding rates in parts per 10**8 (``e8``, 0.01 % = 10_000).
* ``leverage``: a whole number 1..max (Bitget's leverage is an integer).
* vocabularies: ``core/futures/enums.py`` (``ProductType``, ``HoldSide``, ``TradeSide``,
  ``MarginMode``, ``PosMode``, ``PlanType``, ``TriggerType``) and ``core/enums.py``
  (``Side``, ``OrderType``, ``Force``, ``Stp``).

Who sends what: operators ``ListContract``/``SetContractStatus``/``FundInsurance``; users
(through the mix API) the settings, orders, plans and margin commands; the runtime price
feeder ``UpdatePrices`` (about once a second per contract).  Funding settles from the
core's ``ClockTick`` (``Product.on_tick``), so it needs no command of its own.  Transfers
between spot and futures accounts are the wallet's ``Transfer`` (account types
``USDT_FUTURES``/``USDC_FUTURES``/``COIN_FUTURES``).
"""
from __future__ import annotations

from typing import NamedTuple

__all__ = [
    "ListContract",
    "SetContractStatus",
    "SetPositionMode",
    "SetMarginMode",
    "SetLeverage",
    "AdjustMargin",
    "SetAutoMargin",
    "PlaceFuturesOrder",
    "CancelFuturesOrder",
    "CancelAllFutures",
    "ClosePositions",
    "PlaceFuturesPlan",
    "CancelFuturesPlan",
    "UpdatePrices",
    "FundInsurance",
    "FUTURES_COMMANDS",
]


class ListContract(NamedTuple):
    """List a perpetual contract (operator).  Assets must be listed first (``ListAsset``).

    ``tiers`` is a tuple of ``(max_value, max_leverage, mmr_ppm)`` triples, ascending by
    ``max_value`` (the position value up to which the tier applies, in margin-asset minor
    units: linear ``size×mark``, inverse the coin value of the USD face ``face÷mark``; the
    last tier's bound is also the largest position allowed).  E.g. BTCUSDT tier 1 with USDT
    scale 6: ``(150_000_000_000, 125, 4000)`` = up to 150,000 USDT, 125x, MMR 0.40 %.
    ``face_value`` is reserved and must be 0 (Coin-M sizes are base coin, not USD-face
    contracts).
    """

    ts_ns: int
    symbol: str  # Bitget id: BTCUSDT (USDT-M), BTCPERP (USDC-M), BTCUSD (Coin-M)
    product_type: int  # ProductType: 0 USDT-FUTURES, 1 USDC-FUTURES, 2 COIN-FUTURES
    base: str  # base coin, e.g. "BTC"
    quote: str  # quote: "USDT", "USDC", or "USD" for Coin-M (USD need not be a listed asset)
    margin_asset: str  # settlement/margin coin: USDT, USDC, or the base coin for Coin-M
    price_precision: int  # decimals of a price (Bitget pricePlace)
    quantity_precision: int  # decimals of a size (Bitget volumePlace)
    tick: int  # price step in price units (Bitget priceEndStep)
    lot: int  # size step in size units (Bitget sizeMultiplier)
    min_size: int  # size units (Bitget minTradeNum)
    max_size: int  # size units per order
    min_notional: int  # margin-asset minor units of order value (Bitget minTradeUSDT); 0 = none
    face_value: int  # reserved, 0
    maker_fee_ppm: int
    taker_fee_ppm: int
    liquidation_fee_ppm: int  # charged on liquidation fills (Bitget: taker rate 600)
    # market/limit orders must stay within mark ± band (also liquidation sweep bound)
    price_band_ppm: int
    tiers: tuple  # ((max_value, max_leverage, mmr_ppm), ...), see above
    funding_interval_h: int  # 8, 4, 2 or 1 (Bitget fundInterval)
    funding_cap_e8: int  # |F| cap, e.g. 750_000 = 0.75 %
    interest_e8: int  # I per 8 h, default 10_000 = 0.01 %
    spot_symbol: str  # own spot market feeding the index ("" = none)
    spot_weight: int  # weight of the own spot price in the index (same scale as source weights)


class SetContractStatus(NamedTuple):
    """``status``: 0 normal, 1 halted (only cancels and reduce-only/close orders accepted)."""

    ts_ns: int
    symbol: str
    status: int


class SetPositionMode(NamedTuple):
    """Bitget ``set-position-mode``: per user and product type; refused with open
    positions/orders."""

    ts_ns: int
    user: int
    product_type: int  # ProductType
    pos_mode: int  # PosMode: 0 one_way_mode, 1 hedge_mode


class SetMarginMode(NamedTuple):
    """Bitget ``set-margin-mode``: per user and symbol; refused with a position or open order."""

    ts_ns: int
    user: int
    symbol: str
    margin_mode: int  # MarginMode: 0 crossed, 1 isolated


class SetLeverage(NamedTuple):
    """Bitget ``set-leverage``.  ``hold_side`` HoldSide.LONG/SHORT, or BOTH (-1) for both sides.

    Lowering the leverage of an isolated position adds the needed margin from available
    (refused if short); raising it leaves the margin (remove it with ``AdjustMargin``).
    Refused if the position's value does not fit a tier allowing that leverage.
    """

    ts_ns: int
    user: int
    symbol: str
    hold_side: int  # HoldSide (LONG 0, SHORT 1, BOTH -1); in one-way mode use BOTH
    leverage: int


class AdjustMargin(NamedTuple):
    """Bitget ``set-margin`` (isolated only): ``amount`` > 0 adds, < 0 removes (margin-asset
    units)."""

    ts_ns: int
    user: int
    symbol: str
    hold_side: int  # HoldSide of the position (one-way: the side it has)
    amount: int


class SetAutoMargin(NamedTuple):
    """Bitget ``set-auto-margin`` (isolated): top the position up from available before
    liquidation."""

    ts_ns: int
    user: int
    symbol: str
    hold_side: int
    on: int  # 1 on, 0 off


class PlaceFuturesOrder(NamedTuple):
    """Bitget ``place-order`` on a contract.

    One-way mode: ``side`` buy/sell nets against the position; ``reduce_only`` 1 forbids
    growing or flipping it; ``trade_side`` must be TradeSide.NONE (-1).
    Hedge mode: ``trade_side`` OPEN or CLOSE; Bitget semantics: open long = buy+open,
    open short = sell+open, close long = **buy**+close, close short = **sell**+close.
    Market orders execute within mark ± ``price_band_ppm`` (IOC).  Opening orders hold
    initial margin (value at the order price ÷ leverage) plus the taker fee on the value.
    """

    ts_ns: int
    user: int
    symbol: str
    side: int  # Side: 0 buy, 1 sell
    trade_side: int  # TradeSide: -1 none (one-way), 0 open, 1 close (hedge mode)
    order_type: int  # OrderType: 0 limit, 1 market
    force: int  # Force: gtc/ioc/fok/post_only (ignored for market)
    price: int  # price units; 0 for market
    size: int  # size units
    reduce_only: int = 0  # 1 = YES (one-way mode)
    client_oid: str = ""
    stp: int = 0  # Stp
    margin_mode: int = -1  # MarginMode the caller sent (-1 = the symbol's setting); a different
    #   mode switches the setting if the user has no position/order on the symbol, else rejected
    tp_trigger: int = 0  # presetStopSurplusPrice (price units), 0 = none
    tp_price: int = 0  # presetStopSurplusExecutePrice, 0 = market
    sl_trigger: int = 0  # presetStopLossPrice
    sl_price: int = 0  # presetStopLossExecutePrice, 0 = market


class CancelFuturesOrder(NamedTuple):
    ts_ns: int
    user: int
    symbol: str
    order_id: int = 0  # either the order id ...
    client_oid: str = ""  # ... or the client order id


class CancelAllFutures(NamedTuple):
    """Cancel the user's open orders (and plans when ``plans`` = 1) on ``symbol``, or on every
    contract of ``product_type`` when ``symbol`` is ""."""

    ts_ns: int
    user: int
    product_type: int
    symbol: str = ""
    plans: int = 0


class ClosePositions(NamedTuple):
    """Bitget ``close-positions`` (flash close): market reduce-only orders for whole positions.

    ``symbol`` "" = every position of ``product_type``; ``hold_side`` BOTH (-1) = both sides.
    """

    ts_ns: int
    user: int
    product_type: int
    symbol: str = ""
    hold_side: int = -1


class PlaceFuturesPlan(NamedTuple):
    """Trigger / TP-SL / trailing orders (Bitget ``place-plan-order`` and ``place-tpsl-order``).

    * ``NORMAL_PLAN``: an order (``side``/``trade_side``/``order_type``/``price``/``size``/
      ``reduce_only`` as in ``PlaceFuturesOrder``) placed when the trigger is crossed.
    * ``POS_PROFIT``/``POS_LOSS``: close the whole ``hold_side`` position (size ignored);
      one of each per position, cancelled when the position closes.
    * ``PROFIT_PLAN``/``LOSS_PLAN``: close ``size`` of the ``hold_side`` position.
    * ``TRACK_PLAN`` (trailing): market close/open of ``size`` when the price retraces
      ``callback_ppm`` from its best since activation (activation = ``trigger_price``, or
      immediately when 0).
    Trigger direction is fixed at placement against the reference price (mark or last,
    ``trigger_type``); plans hold no margin until they fire.
    """

    ts_ns: int
    user: int
    symbol: str
    plan_type: int  # PlanType
    trigger_price: int  # price units
    trigger_type: int = 0  # TriggerType: 0 fill_price (last), 1 mark_price
    side: int = 0  # Side (NORMAL_PLAN / TRACK_PLAN)
    trade_side: int = -1  # TradeSide (NORMAL_PLAN / TRACK_PLAN in hedge mode)
    hold_side: int = -1  # HoldSide of the position (TP/SL plans)
    order_type: int = 1  # OrderType of the order placed on trigger
    price: int = 0  # limit price of the placed order (executePrice), 0 = market
    size: int = 0  # size units (0 for POS_PROFIT/POS_LOSS)
    reduce_only: int = 0
    callback_ppm: int = 0  # TRACK_PLAN callback ratio (Bitget callbackRatio, max 10 %)
    client_oid: str = ""


class CancelFuturesPlan(NamedTuple):
    ts_ns: int
    user: int
    symbol: str
    plan_id: int = 0
    client_oid: str = ""


class ModifyFuturesOrder(NamedTuple):
    """Bitget ``modify-order``: replace a resting limit order (cancel + new order, new id).

    The replacement is checked in full (as a ``PlaceFuturesOrder`` with the old order's
    hold and closing size credited) before anything changes: a refused modify leaves the
    old order live.  Accepted: the old order closes CANCELLED/REPLACED, then the new one
    is accepted and matched like a placement.  ``new_price``/``new_size`` 0 keep the old
    price / the unfilled remainder; ``new_tp_trigger``/``new_sl_trigger`` -1 keep the preset
    (``newPresetStopSurplusPrice``/``newPresetStopLossPrice``), 0 drop it.
    """

    ts_ns: int
    user: int
    symbol: str
    order_id: int = 0  # either the order id ...
    client_oid: str = ""  # ... or the client order id
    new_client_oid: str = ""  # newClientOid of the replacement ("" = none)
    new_size: int = 0  # newSize (size units), 0 = the old remainder
    new_price: int = 0  # newPrice (price units), 0 = the old price
    new_tp_trigger: int = -1  # newPresetStopSurplusPrice, -1 keep, 0 none
    new_sl_trigger: int = -1  # newPresetStopLossPrice, -1 keep, 0 none


class ModifyFuturesPlan(NamedTuple):
    """Bitget ``modify-plan-order`` / ``modify-tpsl-order``: replace a live plan with the
    same type, side, position side, reduce-only flag, client id and parent but these new
    values (all given in full: the edge fills in the unchanged ones).  Checked in full as a
    ``PlaceFuturesPlan`` first (the old plan is no duplicate of its replacement): a refusal
    leaves the old plan live; accepted, the old plan closes CANCELLED and the new one (new
    id) is placed."""

    ts_ns: int
    user: int
    symbol: str
    plan_id: int = 0  # either the plan id ...
    client_oid: str = ""  # ... or its client id
    trigger_price: int = 0
    trigger_type: int = 0  # TriggerType
    order_type: int = 1  # OrderType of the order placed on trigger
    price: int = 0  # limit price (0 = market)
    size: int = 0  # ignored (0) for POS_PROFIT/POS_LOSS
    callback_ppm: int = 0  # TRACK_PLAN


class UpdatePrices(NamedTuple):
    """The runtime price feeder's tick for one contract (about once per second).

    ``sources`` is a tuple of ``(name, price, weight)`` triples: external reference spot
    prices (the demo's simulated exchanges) in the contract's price units, with weights
    (e.g. 24 h volumes, any integer scale).  The handler adds the exchange's own spot
    last price (``spot_symbol``, ``spot_weight``), drops outliers (> 5 % from the median,
    re-admitted within 2 %), computes the index (weighted mean), the premium sample and
    the mark price (median of last, funding basis, 5-min basis), triggers plans and
    runs the liquidation check.  An empty ``sources`` with no spot price keeps the last
    index and marks it stale (liquidations are suspended while stale).
    """

    ts_ns: int
    symbol: str
    sources: tuple  # ((name: str, price: int, weight: int), ...)


class FundInsurance(NamedTuple):
    """Operator seeds the insurance fund of ``asset`` from the outside world (EXTERNAL)."""

    ts_ns: int
    asset: str
    amount: int  # minor units


#: Journal tags of the futures commands (fixed forever, append only; 300..499).
FUTURES_COMMANDS = {
    300: ListContract,
    301: SetContractStatus,
    302: SetPositionMode,
    303: SetMarginMode,
    304: SetLeverage,
    305: AdjustMargin,
    306: SetAutoMargin,
    307: PlaceFuturesOrder,
    308: CancelFuturesOrder,
    309: CancelAllFutures,
    310: ClosePositions,
    311: PlaceFuturesPlan,
    312: CancelFuturesPlan,
    313: UpdatePrices,
    314: FundInsurance,
    315: ModifyFuturesOrder,
    316: ModifyFuturesPlan,
}
