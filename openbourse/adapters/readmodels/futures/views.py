"""``FuturesViews``: every futures read model, projected from the core's futures events.

One object per node, fed ``on_events(seq, command, events)`` by the sequencer (listener
thread, and during recovery by the journal replay) and read by the REST handlers and the
WebSocket feeds (event loop); one re-entrant lock guards it.

What it keeps:

* the public contract market (books, trades, tickers, last-price candles): a second
  ``MarketData`` fed translated order/trade events, so depth, trades, candles and the
  WebSocket ``books`` checksum logic are the spot ones;
* prices per contract (index, mark, last, predicted funding) and mark/index candles;
* funding history per contract; per user: settings (position mode, margin mode,
  leverage), futures balances, open positions, position history, open/closed orders,
  fills, plans, funding payments.

Persistence: the whole projection (except the public market, which has its own SQLite
file) is pickled to ``futures-views.pickle`` with the seq it covers, at most every few
seconds and on close; on start the node replays the journal after ``last_seq``.
History is capped per user (Bitget keeps 90 days; the demo keeps the newest rows).
"""
from __future__ import annotations

import logging
import os
import pickle
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Deque, Dict, Iterable, List, Optional, Sequence, Tuple

from ....core import events as ev
from ....core.enums import AccountType, OrderType
from ....core.futures import commands as fc
from ....core.futures import events as fe
from ..market import MarketData
from ..market.candles import GRANULARITIES, Candle
from ..market.data import _Series
from .contracts import ContractInfo, FuturesCatalog, contract_from_event

__all__ = ["FuturesViews", "OrderRec", "FillRec", "PlanRec", "PositionRec", "FUTURES_ACCOUNTS"]

_log = logging.getLogger(__name__)

FUTURES_ACCOUNTS = (
    int(AccountType.USDT_FUTURES),
    int(AccountType.USDC_FUTURES),
    int(AccountType.COIN_FUTURES),
)
_HISTORY = 2000  # closed orders / fills / plans / positions / bills kept per user
_FUNDING = 1000  # funding settlements kept per contract
_CANDLES = 1000  # mark / index candles kept per granularity
_PICKLE_VERSION = 1
_SIMULATED = 900_000_000  # user ids of the simulated market makers (adapters/marketdata)
_SIM_HISTORY = 50


@dataclass
class OrderRec:
    order_id: int
    user: int
    symbol: str
    side: int
    trade_side: int
    hold_side: int
    order_type: int
    force: int
    price: int
    size: int
    reduce_only: int
    client_oid: str
    margin_mode: int
    leverage: int
    kind: int
    plan_id: int
    c_ns: int
    u_ns: int
    filled: int = 0
    filled_value: int = 0
    fee: int = 0
    pnl: int = 0
    last_fill_price: int = 0
    last_fill_size: int = 0
    status: int = 0  # OrderStatus
    reason: int = 0
    tp_trigger: int = 0
    tp_price: int = 0
    sl_trigger: int = 0
    sl_price: int = 0
    pos_mode: int = 0


@dataclass
class FillRec:
    trade_id: int
    order_id: int
    user: int
    symbol: str
    side: int
    trade_side: int
    hold_side: int
    order_type: int
    price: int
    size: int
    value: int
    fee: int
    pnl: int
    scope: str  # maker / taker
    ts_ns: int
    pos_mode: int
    reduce: bool = False


@dataclass
class PlanRec:
    plan_id: int
    user: int
    symbol: str
    plan_type: int
    trigger_price: int
    trigger_type: int
    side: int
    trade_side: int
    hold_side: int
    order_type: int
    price: int
    size: int
    reduce_only: int
    callback_ppm: int
    client_oid: str
    parent_order_id: int
    c_ns: int
    u_ns: int
    status: int = 0  # PlanStatus: 0 live, 1 executed, 2 failed, 3 cancelled
    order_id: int = 0
    code: int = 0
    pos_mode: int = 0


@dataclass
class PositionRec:
    """The latest ``PositionChanged`` plus what the edge accumulates over the position's life."""

    event: Any  # fe.PositionChanged
    open_size: int = 0  # total opened
    open_value: int = 0
    close_size: int = 0
    close_value: int = 0
    close_ns: int = 0

    @property
    def key(self) -> Tuple[int, str, int]:
        e = self.event
        return e.user, e.symbol, e.hold_side


@dataclass
class UserData:
    pos_mode: Dict[int, int] = field(default_factory=dict)  # product type -> PosMode
    margin_mode: Dict[str, int] = field(default_factory=dict)  # symbol -> MarginMode
    leverage: Dict[Tuple[str, int], int] = field(default_factory=dict)  # (symbol, side)
    auto_margin: Dict[Tuple[str, int], int] = field(default_factory=dict)
    balances: Dict[Tuple[int, str], Tuple[int, int, int]] = field(default_factory=dict)
    positions: Dict[Tuple[str, int], PositionRec] = field(default_factory=dict)
    position_history: Deque[PositionRec] = field(default_factory=lambda: deque(maxlen=_HISTORY))
    open_orders: Dict[int, OrderRec] = field(default_factory=dict)
    closed_orders: Deque[OrderRec] = field(default_factory=lambda: deque(maxlen=_HISTORY))
    fills: Deque[FillRec] = field(default_factory=lambda: deque(maxlen=_HISTORY))
    open_plans: Dict[int, PlanRec] = field(default_factory=dict)
    closed_plans: Deque[PlanRec] = field(default_factory=lambda: deque(maxlen=_HISTORY))
    bills: Deque[Tuple[int, str, str, str, int, int]] = field(
        default_factory=lambda: deque(maxlen=_HISTORY))  # (id, symbol, coin, type, amount, ts_ns)


@dataclass
class PriceState:
    index: int = 0
    mark: int = 0
    last: int = 0
    funding_rate_e8: int = 0
    next_funding_ns: int = 0
    stale: int = 0
    sources: str = ""
    ts_ns: int = 0


class FuturesViews:
    """See the module doc.  ``listeners`` get ``(kind, payload)`` after each command."""

    def __init__(self, assets: Dict[str, int], data_dir: Optional[str] = None) -> None:
        self.lock = threading.RLock()
        self.catalog = FuturesCatalog(assets)
        path = os.path.join(data_dir, "futures-market.sqlite") if data_dir else None
        self.market = MarketData(path)
        self._pickle_path = os.path.join(data_dir, "futures-views.pickle") if data_dir else None
        self.last_seq = 0
        self.users: Dict[int, UserData] = {}
        self.prices: Dict[str, PriceState] = {}
        self.mark_candles: Dict[str, Dict[str, _Series]] = {}
        self.index_candles: Dict[str, Dict[str, _Series]] = {}
        self.funding: Dict[str, Deque[Any]] = {}
        self.insurance: Dict[str, int] = {}
        self.orders_by_id: Dict[int, OrderRec] = {}  # open orders only (any user)
        self._closed_index: Dict[int, OrderRec] = {}  # recently closed, for order detail
        self._closed_order_ids: Deque[int] = deque(maxlen=50_000)
        self._bill_id = 0
        self._last_trade_price: Dict[str, int] = {}
        self._saved_seq = 0
        self._saver: Optional[threading.Thread] = None
        self._stop = threading.Event()
        #: callbacks ``fn(events)`` run under the lock after each command (WS feeds)
        self.listeners: List[Any] = []
        self._load()

    # -- lifecycle (node extra view protocol: last_seq, on_events, start, close) ---------
    def start(self, interval_s: float = 10.0) -> None:
        if self._pickle_path is None or self._saver is not None:
            return

        def run() -> None:
            while not self._stop.wait(interval_s):
                try:
                    self.save()
                except Exception:  # noqa: BLE001
                    _log.exception("futures views: save failed")

        self._saver = threading.Thread(target=run, name="futures-views-save", daemon=True)
        self._saver.start()

    def close(self) -> None:
        self._stop.set()
        if self._saver is not None:
            self._saver.join()
            self._saver = None
        self.save()
        with self.lock:
            self.market.close()

    def save(self) -> None:
        if self._pickle_path is None:
            return
        with self.lock:
            if self.last_seq == self._saved_seq:
                return
            self.market.flush()
            blob = pickle.dumps(self._state(), protocol=pickle.HIGHEST_PROTOCOL)
            seq = self.last_seq
        tmp = self._pickle_path + ".tmp"
        with open(tmp, "wb") as handle:
            handle.write(blob)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self._pickle_path)
        self._saved_seq = seq

    def _state(self) -> Dict[str, Any]:
        return {
            "version": _PICKLE_VERSION, "last_seq": self.last_seq, "contracts": self.catalog.markets,
            "users": self.users, "prices": self.prices, "mark": self.mark_candles,
            "index": self.index_candles, "funding": self.funding, "insurance": self.insurance,
            "orders_by_id": self.orders_by_id, "closed": list(self._closed_index.values()),
            "bill_id": self._bill_id, "assets": dict(self.catalog.assets),
        }

    def _load(self) -> None:
        if self._pickle_path is None or not os.path.exists(self._pickle_path):
            return
        try:
            with open(self._pickle_path, "rb") as handle:
                state = pickle.load(handle)  # noqa: S301 - our own file in the 0700 data dir
            if state.get("version") != _PICKLE_VERSION:
                raise ValueError("version")
        except Exception:  # noqa: BLE001 - unreadable: rebuild from the journal
            _log.warning("futures views: %s unreadable, rebuilding from the journal",
                         self._pickle_path)
            return
        self.last_seq = self._saved_seq = state["last_seq"]
        self.catalog.markets.update(state["contracts"])
        self.users = state["users"]
        self.prices = state["prices"]
        self.mark_candles = state["mark"]
        self.index_candles = state["index"]
        self.funding = state["funding"]
        self.insurance = state["insurance"]
        self.orders_by_id = state["orders_by_id"]
        for rec in state["closed"]:
            self._closed_index[rec.order_id] = rec
            self._closed_order_ids.append(rec.order_id)
        self._bill_id = state["bill_id"]
        self.catalog.assets.update(state.get("assets", {}))

    # -- projection ---------------------------------------------------------------------
    def on_events(self, seq: int, command: object, events: Sequence[object]) -> None:
        if seq <= self.last_seq:
            return
        with self.lock:
            self.last_seq = seq
            translated: List[object] = []
            for event in events:
                handler = _HANDLERS.get(type(event))
                if handler is not None:
                    handler(self, event, translated)
            if type(command) is fc.PlaceFuturesOrder and (command.tp_trigger or command.sl_trigger):
                for event in events:  # the preset TP/SL is on the command, not the event
                    if type(event) is fe.FuturesOrderAccepted:
                        rec = self.orders_by_id.get(event.order_id) or self._closed_index.get(
                            event.order_id)
                        if rec is not None:
                            rec.tp_trigger, rec.tp_price = command.tp_trigger, command.tp_price
                            rec.sl_trigger, rec.sl_price = command.sl_trigger, command.sl_price
            self.market.on_events(seq, command, translated)
            for listener in self.listeners:
                try:
                    listener(events)
                except Exception:  # noqa: BLE001
                    _log.exception("futures views listener failed")

    def user(self, user: int) -> UserData:
        data = self.users.get(user)
        if data is None:
            data = self.users[user] = UserData()
            if user >= _SIMULATED:  # demo market makers: keep their history short
                for name in ("position_history", "closed_orders", "fills", "closed_plans", "bills"):
                    setattr(data, name, deque(maxlen=_SIM_HISTORY))
        return data

    def _asset_listed(self, e: Any, out: List[object]) -> None:
        self.catalog.assets[e.asset] = e.scale

    def _contract_listed(self, e: Any, out: List[object]) -> None:
        if not isinstance(e.tiers, str) and isinstance(e.funding_interval_h, str):
            # tolerate an emitter that shifted the fields after ``tiers`` by one
            values = list(e)
            i = e._fields.index("tiers")
            e = type(e)(*values[:i + 1], 8, *values[i + 2:])  # the interval itself is lost
        scale = self.catalog.assets.get(e.margin_asset, 8)
        self.catalog.markets[e.symbol] = contract_from_event(e, scale)
        self.prices.setdefault(e.symbol, PriceState(next_funding_ns=e.next_funding_ns))
        out.append(ev.MarketListed(e.seq, e.ts_ns, e.symbol, e.base, e.quote, e.price_precision,
                                   e.quantity_precision, e.tick, e.lot, e.min_size, e.max_size,
                                   e.min_notional, e.maker_fee_ppm, e.taker_fee_ppm,
                                   e.price_band_ppm, 0))

    def _status(self, e: Any, out: List[object]) -> None:
        info = self.catalog.markets.get(e.symbol)
        if info is not None:
            info.status = e.status

    def _pos_mode(self, e: Any, out: List[object]) -> None:
        self.user(e.user).pos_mode[e.product_type] = e.pos_mode

    def _margin_mode(self, e: Any, out: List[object]) -> None:
        self.user(e.user).margin_mode[e.symbol] = e.margin_mode

    def _leverage(self, e: Any, out: List[object]) -> None:
        self.user(e.user).leverage[(e.symbol, e.hold_side)] = e.leverage

    def _auto_margin(self, e: Any, out: List[object]) -> None:
        self.user(e.user).auto_margin[(e.symbol, e.hold_side)] = e.on

    def _order_accepted(self, e: Any, out: List[object]) -> None:
        info = self.catalog.markets.get(e.symbol)
        pos_mode = self.pos_mode(e.user, info.product_type) if info else 0
        rec = OrderRec(e.order_id, e.user, e.symbol, e.side, e.trade_side, e.hold_side,
                       e.order_type, e.force, e.price, e.size, e.reduce_only, e.client_oid,
                       e.margin_mode, e.leverage, e.kind, e.plan_id, e.ts_ns, e.ts_ns,
                       pos_mode=pos_mode)
        self.orders_by_id[e.order_id] = rec
        self.user(e.user).open_orders[e.order_id] = rec
        out.append(ev.OrderAccepted(e.seq, e.ts_ns, e.order_id, e.user, e.symbol, e.side,
                                    e.order_type, e.force, e.price, e.size, 0, e.client_oid, 0,
                                    e.plan_id))

    def _trade(self, e: Any, out: List[object]) -> None:
        self._last_trade_price[e.symbol] = e.price
        maker_side = 1 - e.taker_side
        for order_id, user, side, fee, pnl, scope in (
            (e.maker_order_id, e.maker_user, maker_side, e.maker_fee, e.maker_pnl, "maker"),
            (e.taker_order_id, e.taker_user, e.taker_side, e.taker_fee, e.taker_pnl, "taker"),
        ):
            rec = self.orders_by_id.get(order_id)
            if rec is not None:
                rec.filled += e.size
                rec.filled_value += e.value
                rec.fee += fee
                rec.pnl += pnl
                rec.last_fill_price = e.price
                rec.last_fill_size = e.size
                rec.status = 1
                rec.u_ns = e.ts_ns
            data = self.user(user)
            data.fills.append(FillRec(
                e.trade_id, order_id, user, e.symbol, side,
                rec.trade_side if rec else -1, rec.hold_side if rec else 0,
                rec.order_type if rec else int(OrderType.LIMIT), e.price, e.size, e.value, fee,
                pnl, scope, e.ts_ns, rec.pos_mode if rec else 0,
                bool(rec.reduce_only) if rec else False))
        if e.liquidation:
            # hidden from public trades and candles, but the maker's resting size shrinks
            state = self.market._state(e.symbol)
            state.book.trade(e.maker_order_id, e.taker_order_id, e.size)
            self.market._touched_books.add(e.symbol)
        else:
            out.append(ev.TradeExecuted(e.seq, e.ts_ns, e.trade_id, e.symbol, e.price, e.size,
                                        e.taker_side, e.maker_order_id, e.taker_order_id,
                                        e.maker_user, e.taker_user, 0, e.value, 0, 0))

    def _order_closed(self, e: Any, out: List[object]) -> None:
        rec = self.orders_by_id.pop(e.order_id, None)
        data = self.user(e.user)
        data.open_orders.pop(e.order_id, None)
        if rec is not None:
            rec.status, rec.reason, rec.u_ns = e.status, e.reason, e.ts_ns
            rec.filled, rec.filled_value, rec.fee, rec.pnl = (e.filled_size, e.filled_value,
                                                              e.fee, e.pnl)
            data.closed_orders.append(rec)
            self._remember_closed(rec)
        out.append(ev.OrderClosed(e.seq, e.ts_ns, e.order_id, e.user, e.symbol, e.status,
                                  e.reason, e.filled_size, e.filled_value))

    def _remember_closed(self, rec: OrderRec) -> None:
        if len(self._closed_order_ids) == self._closed_order_ids.maxlen:
            self._closed_index.pop(self._closed_order_ids[0], None)
        self._closed_order_ids.append(rec.order_id)
        self._closed_index[rec.order_id] = rec

    def _position(self, e: Any, out: List[object]) -> None:
        data = self.user(e.user)
        key = (e.symbol, e.hold_side)
        rec = data.positions.get(key)
        if rec is None or rec.event.position_id != e.position_id:
            rec = PositionRec(e)
            prev_size = 0
        else:
            prev_size = rec.event.size
        price = self._last_trade_price.get(e.symbol, e.entry_price)
        info = self.catalog.markets.get(e.symbol)
        if e.size > prev_size:
            grown = e.size - prev_size
            rec.open_size += grown
            rec.open_value += info.value(grown, e.entry_price) if info else 0
        elif e.size < prev_size:
            shrunk = prev_size - e.size
            if e.reason == fe_enums.PositionReason.LIQUIDATION or e.reason == fe_enums.PositionReason.ADL:
                price = e.bankruptcy_price or price
            rec.close_size += shrunk
            rec.close_value += shrunk * price
        rec.event = e
        if e.size == 0:
            data.positions.pop(key, None)
            rec.close_ns = e.ts_ns
            data.position_history.append(rec)
        else:
            data.positions[key] = rec

    def _price(self, e: Any, out: List[object]) -> None:
        state = self.prices.setdefault(e.symbol, PriceState())
        state.index, state.mark, state.last = e.index_price, e.mark_price, e.last_price
        state.funding_rate_e8, state.next_funding_ns = e.funding_rate_e8, e.next_funding_ns
        state.stale, state.sources, state.ts_ns = e.stale, e.sources, e.ts_ns
        ts_ms = e.ts_ns // 1_000_000
        for store, price in ((self.mark_candles, e.mark_price), (self.index_candles, e.index_price)):
            if price <= 0:
                continue
            series = store.get(e.symbol)
            if series is None:
                series = store[e.symbol] = {g: _Series(g, _CANDLES) for g in GRANULARITIES}
            for s in series.values():
                s.add(ts_ms, price, 0, 0)
        self.market._changes.tickers.add(e.symbol)

    def _funding_settled(self, e: Any, out: List[object]) -> None:
        self.funding.setdefault(e.symbol, deque(maxlen=_FUNDING)).append(e)
        state = self.prices.setdefault(e.symbol, PriceState())
        state.next_funding_ns = e.next_funding_ns

    def _funding_paid(self, e: Any, out: List[object]) -> None:
        info = self.catalog.markets.get(e.symbol)
        coin = info.margin_asset if info else ""
        self._bill(e.user, e.symbol, coin, "contract_settle_fee", e.amount, e.ts_ns)
        data = self.user(e.user)
        rec = data.positions.get((e.symbol, e.hold_side))
        if rec is not None and rec.event.position_id == e.position_id:
            rec.event = rec.event._replace(funding=rec.event.funding + e.amount)

    def _liquidated(self, e: Any, out: List[object]) -> None:
        info = self.catalog.markets.get(e.symbol)
        coin = info.margin_asset if info else ""
        self._bill(e.user, e.symbol, coin, "burst_" + ("long" if e.hold_side == 0 else "short")
                   + "_loss_query", -e.fee, e.ts_ns)

    def _insurance(self, e: Any, out: List[object]) -> None:
        self.insurance[e.asset] = e.balance

    def _bill(self, user: int, symbol: str, coin: str, kind: str, amount: int, ts_ns: int) -> None:
        self._bill_id += 1
        self.user(user).bills.append((self._bill_id, symbol, coin, kind, amount, ts_ns))

    def _plan_placed(self, e: Any, out: List[object]) -> None:
        info = self.catalog.markets.get(e.symbol)
        rec = PlanRec(e.plan_id, e.user, e.symbol, e.plan_type, e.trigger_price, e.trigger_type,
                      e.side, e.trade_side, e.hold_side, e.order_type, e.price, e.size,
                      e.reduce_only, e.callback_ppm, e.client_oid, e.parent_order_id, e.ts_ns,
                      e.ts_ns, pos_mode=self.pos_mode(e.user, info.product_type) if info else 0)
        self.user(e.user).open_plans[e.plan_id] = rec
        parent = self.orders_by_id.get(e.parent_order_id) if e.parent_order_id else None
        if parent is not None:
            if e.plan_type in (1, 3):
                parent.tp_trigger, parent.tp_price = e.trigger_price, e.price
            elif e.plan_type in (2, 4):
                parent.sl_trigger, parent.sl_price = e.trigger_price, e.price

    def _plan_end(self, e: Any, status: int, out: List[object]) -> None:
        data = self.user(e.user)
        rec = data.open_plans.pop(e.plan_id, None)
        if rec is None:
            return
        rec.status, rec.u_ns = status, e.ts_ns
        if type(e) is fe.FuturesPlanTriggered:
            rec.order_id = e.order_id
        else:
            rec.code = e.code
        data.closed_plans.append(rec)

    def _plan_triggered(self, e: Any, out: List[object]) -> None:
        self._plan_end(e, 1 if e.order_id else 2, out)

    def _plan_closed(self, e: Any, out: List[object]) -> None:
        self._plan_end(e, e.status, out)

    def _balance(self, e: Any, out: List[object]) -> None:
        if e.account in FUTURES_ACCOUNTS and e.owner > 0:  # users, not system accounts
            self.user(e.owner).balances[(e.account, e.asset)] = (e.available, e.frozen,
                                                                 e.ts_ns // 1_000_000)

    # -- reads (take the lock) ----------------------------------------------------------
    def pos_mode(self, user: int, product_type: int) -> int:
        data = self.users.get(user)
        return data.pos_mode.get(product_type, 0) if data else 0

    def margin_mode(self, user: int, symbol: str) -> int:
        data = self.users.get(user)
        return data.margin_mode.get(symbol, 0) if data else 0

    def leverage(self, user: int, symbol: str, hold_side: int, default: int) -> int:
        data = self.users.get(user)
        return data.leverage.get((symbol, hold_side), default) if data else default

    def price(self, symbol: str) -> PriceState:
        return self.prices.get(symbol) or PriceState()

    def order(self, user: int, order_id: int) -> Optional[OrderRec]:
        with self.lock:
            rec = self.orders_by_id.get(order_id) or self._closed_index.get(order_id)
            if rec is None:
                data = self.users.get(user)
                if data is not None:
                    rec = next((o for o in data.closed_orders if o.order_id == order_id), None)
            return rec if rec is not None and rec.user == user else None

    def order_by_client_oid(self, user: int, client_oid: str) -> Optional[OrderRec]:
        with self.lock:
            data = self.users.get(user)
            if data is None:
                return None
            for rec in data.open_orders.values():
                if rec.client_oid == client_oid:
                    return rec
            for rec in reversed(data.closed_orders):
                if rec.client_oid == client_oid:
                    return rec
            return None

    def mark_or_index_candles(self, kind: str, symbol: str, gran: str, start: Optional[int],
                              end: Optional[int], limit: int) -> List[Candle]:
        with self.lock:
            store = self.mark_candles if kind == "mark" else self.index_candles
            series = store.get(symbol, {}).get(gran)
            if series is None:
                return []
            lo = start if start is not None else -(1 << 62)
            hi = end if end is not None else 1 << 62
            rows = [c for c in series.candles if lo <= c.start_ms <= hi]
            return [Candle(*c.as_tuple(), c.trades) for c in rows[-limit:]]


from ....core.futures import enums as fe_enums  # noqa: E402

_HANDLERS: Dict[type, Any] = {
    fe.ContractListed: FuturesViews._contract_listed,
    fe.ContractStatusChanged: FuturesViews._status,
    fe.PositionModeSet: FuturesViews._pos_mode,
    fe.MarginModeSet: FuturesViews._margin_mode,
    fe.LeverageSet: FuturesViews._leverage,
    fe.AutoMarginSet: FuturesViews._auto_margin,
    fe.FuturesOrderAccepted: FuturesViews._order_accepted,
    fe.FuturesTrade: FuturesViews._trade,
    fe.FuturesOrderClosed: FuturesViews._order_closed,
    fe.PositionChanged: FuturesViews._position,
    fe.PriceUpdated: FuturesViews._price,
    fe.FundingSettled: FuturesViews._funding_settled,
    fe.FundingPaid: FuturesViews._funding_paid,
    fe.Liquidated: FuturesViews._liquidated,
    fe.InsuranceChanged: FuturesViews._insurance,
    fe.FuturesPlanPlaced: FuturesViews._plan_placed,
    fe.FuturesPlanTriggered: FuturesViews._plan_triggered,
    fe.FuturesPlanClosed: FuturesViews._plan_closed,
    ev.BalanceChanged: FuturesViews._balance,
    ev.AssetListed: FuturesViews._asset_listed,
}


def iter_contracts(views: FuturesViews) -> Iterable[ContractInfo]:
    return list(views.catalog.markets.values())
