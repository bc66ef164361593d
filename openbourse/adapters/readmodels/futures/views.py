"""``FuturesViews``: every futures read model, projected from the core's futures events.

One object per node, fed ``on_events(seq, command, events)`` by the sequencer (listener
thread, and during recovery by the journal replay) and read by the REST handlers and the
WebSocket feeds (event loop); one re-entrant lock guards the memory side.

What it keeps:

* the public contract market (books, trades, tickers, last-price candles): a second
  ``MarketData`` fed translated order/trade events, so depth, trades, candles and the
  WebSocket ``books`` checksum logic are the spot ones;
* prices per contract (index, mark, last, predicted funding) and mark/index candles;
* funding history per contract; per user: settings (position mode, margin mode,
  leverage), futures balances, open positions, open orders and plans;
* per user *history*: closed orders, fills, closed plans, closed positions and bills.

Persistence (``futures.sqlite``, ``store.py``), like the spot private views: history rows
of real users (``tracked``) are appended to per-user pending deques on the listener
thread (read-your-writes), and a flusher thread writes them to SQLite, one transaction
per flush with the seq it covers; they leave memory only after their commit, so a row is
always visible in memory or in SQLite (``history`` merges both).  History has no cap.
The current state (everything but history and the public market, which has its own
``futures-market.sqlite``) is pickled into the same database with its seq every few
seconds and on close, in the same transaction as every history row up to that seq; on
start the node replays the journal after that seq (history rows written ahead of the
state are written again, unchanged).  Simulator accounts (not ``tracked``) keep only their
newest ``_SIM_HISTORY`` rows of each kind, in memory (and in the state blob).
"""
from __future__ import annotations

import json
import logging
import os
import pickle
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace
from typing import (
    Any,
    Callable,
    Deque,
    Dict,
    Iterable,
    List,
    NamedTuple,
    Optional,
    Sequence,
    Set,
    Tuple,
)

from ....core import events as ev
from ....core.enums import AccountType, OrderType, TransferCode
from ....core.futures import commands as fc
from ....core.futures import events as fe
from ..market import MarketData
from ..market.candles import GRANULARITIES, Candle
from ..market.data import _Series
from .contracts import ContractInfo, FuturesCatalog, contract_from_event
from .store import TABLES, FuturesStore, Page

__all__ = ["FuturesViews", "OrderRec", "FillRec", "PlanRec", "PositionRec", "BillRec", "Page",
           "FUTURES_ACCOUNTS"]

_log = logging.getLogger(__name__)

FUTURES_ACCOUNTS = (
    int(AccountType.USDT_FUTURES),
    int(AccountType.USDC_FUTURES),
    int(AccountType.COIN_FUTURES),
)
_INTERNAL = int(TransferCode.INTERNAL)  # a wallet transfer between a user's account types
_FUNDING = 1000  # funding settlements kept per contract
_CANDLES = 1000  # mark / index candles kept per granularity
_STATE_VERSION = 2
_SIMULATED = 900_000_000  # user ids of the simulated market makers (adapters/marketdata)
_SIM_HISTORY = 50  # history rows of each kind kept (in memory only) per untracked account
_INLINE_FLUSH = 20_000  # pending history rows that make a replay (no flusher yet) flush
_HISTORY_KINDS = ("closed_orders", "fills", "closed_plans", "position_history", "bills")


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


class BillRec(NamedTuple):
    """One futures account bill: a fill (realised PnL and its fee), a transfer in or out,
    a funding fee, a liquidation loss."""

    bill_id: int
    user: int
    symbol: str  # "" for transfers
    coin: str
    kind: str  # Bitget businessType
    amount: int  # signed change of the balance, the fee excluded
    ts_ns: int
    fee: int = 0  # trading fee paid (≥ 0)


def _history() -> Deque[Any]:
    return deque()


@dataclass
class UserData:
    pos_mode: Dict[int, int] = field(default_factory=dict)  # product type -> PosMode
    margin_mode: Dict[str, int] = field(default_factory=dict)  # symbol -> MarginMode
    leverage: Dict[Tuple[str, int], int] = field(default_factory=dict)  # (symbol, side)
    auto_margin: Dict[Tuple[str, int], int] = field(default_factory=dict)
    balances: Dict[Tuple[int, str], Tuple[int, int, int]] = field(default_factory=dict)
    positions: Dict[Tuple[str, int], PositionRec] = field(default_factory=dict)
    open_orders: Dict[int, OrderRec] = field(default_factory=dict)
    open_plans: Dict[int, PlanRec] = field(default_factory=dict)
    #: history not yet in SQLite (tracked users; oldest first), or the newest
    #: ``_SIM_HISTORY`` rows of a simulator account (never written to SQLite)
    position_history: Deque[PositionRec] = field(default_factory=_history)
    closed_orders: Deque[OrderRec] = field(default_factory=_history)
    fills: Deque[FillRec] = field(default_factory=_history)
    closed_plans: Deque[PlanRec] = field(default_factory=_history)
    bills: Deque[BillRec] = field(default_factory=_history)
    tracked: bool = True


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


# -- history kinds: how a record is keyed, filtered, stored and read back -------------------
def _fields_of(cls: Any) -> int:
    return len(cls.__dataclass_fields__)


def _decode_dc(cls: Any) -> Callable[[List[Any]], Any]:
    n = _fields_of(cls)
    return lambda values: cls(*values[:n])


def _encode_dc(rec: Any) -> List[Any]:
    return list(rec.__dict__.values())


def _encode_position(rec: PositionRec) -> List[Any]:
    return [list(rec.event), rec.open_size, rec.open_value, rec.close_size, rec.close_value,
            rec.close_ns]


def _decode_position(values: List[Any]) -> PositionRec:
    names = fe.PositionChanged._fields
    event = list(values[0][:len(names)])
    written = len(event)
    event += [0] * (len(names) - len(event))  # a field added since the row was written
    if written <= names.index("qty"):  # rows from before qty: linear, where qty == size
        event[names.index("qty")] = event[names.index("size")]
    return PositionRec(fe.PositionChanged(*event), *values[1:6])


def _decode_bill(values: List[Any]) -> BillRec:
    return BillRec(*values[:len(BillRec._fields)])


class _Kind(NamedTuple):
    table: Optional[str]  # history table (None: live rows, memory only)
    rows: str  # the UserData attribute holding the memory side
    key: Callable[[Any], Tuple[int, ...]]  # newest first = key descending
    attr: Callable[[Any, str], Any]  # filter / store column of a record
    encode: Callable[[Any], List[Any]]
    decode: Callable[[List[Any]], Any]


def _plain(ts: str) -> Callable[[Any, str], Any]:
    def attr(rec: Any, column: str) -> Any:
        return getattr(rec, ts) // 1_000_000 if column == "c_ms" else getattr(rec, column)
    return attr


def _position_attr(rec: PositionRec, column: str) -> Any:
    if column == "c_ms":
        return rec.event.opened_ns // 1_000_000
    return getattr(rec.event, column)


_ORDER = _Kind("orders", "closed_orders", lambda r: (r.order_id,), _plain("c_ns"), _encode_dc,
               _decode_dc(OrderRec))
_PLAN = _Kind("plans", "closed_plans", lambda r: (r.plan_id,), _plain("c_ns"), _encode_dc,
              _decode_dc(PlanRec))
KINDS: Dict[str, _Kind] = {
    "orders": _ORDER,
    "fills": _Kind("fills", "fills", lambda r: (r.trade_id, r.order_id), _plain("ts_ns"),
                   _encode_dc, _decode_dc(FillRec)),
    "plans": _PLAN,
    "positions": _Kind("positions", "position_history", lambda r: (r.event.position_id,),
                       _position_attr, _encode_position, _decode_position),
    "bills": _Kind("bills", "bills", lambda r: (r.bill_id,), _plain("ts_ns"), list,
                   _decode_bill),
    "open_orders": _ORDER._replace(table=None, rows="open_orders"),
    "open_plans": _PLAN._replace(table=None, rows="open_plans"),
}
_KIND_OF_ROWS = {k.rows: k for k in KINDS.values() if k.table is not None}


def _keep(kind: _Kind, rec: Any, page: Page) -> bool:
    if page.start_ms is not None or page.end_ms is not None:
        ms = kind.attr(rec, "c_ms")
        if (page.start_ms is not None and ms < page.start_ms) or \
                (page.end_ms is not None and ms > page.end_ms):
            return False
    if page.id_lt is not None and kind.key(rec)[0] >= page.id_lt:
        return False
    for column, allowed in page.where.items():
        if allowed is not None and kind.attr(rec, column) not in allowed:
            return False
    return True


def _store_row(kind: _Kind, rec: Any) -> Tuple[Any, ...]:
    assert kind.table is not None
    columns = TABLES[kind.table].columns[:-1]
    return (*(kind.attr(rec, c) for c in columns),
            json.dumps(kind.encode(rec), separators=(",", ":")))


def _default_tracked(user: int) -> bool:
    return 0 < user < _SIMULATED


class FuturesViews:
    """See the module doc.  ``listeners`` get ``(kind, payload)`` after each command.

    ``tracked(user)`` tells real users (history in SQLite, uncapped) from simulator
    accounts (a short in-memory history); the node passes the user directory's ``is_user``.
    """

    def __init__(self, assets: Dict[str, int], data_dir: Optional[str] = None,
                 tracked: Optional[Callable[[int], bool]] = None) -> None:
        self.lock = threading.RLock()
        self.catalog = FuturesCatalog(assets)
        path = os.path.join(data_dir, "futures-market.sqlite") if data_dir else None
        self.market = MarketData(path)
        self.store = FuturesStore(os.path.join(data_dir, "futures.sqlite") if data_dir else None)
        self._legacy_pickle = os.path.join(data_dir, "futures-views.pickle") if data_dir else None
        self._tracked = tracked or _default_tracked
        self.last_seq = 0
        self.users: Dict[int, UserData] = {}
        self.prices: Dict[str, PriceState] = {}
        self.mark_candles: Dict[str, Dict[str, _Series]] = {}
        self.index_candles: Dict[str, Dict[str, _Series]] = {}
        self.funding: Dict[str, Deque[Any]] = {}
        self.insurance: Dict[str, int] = {}
        self.orders_by_id: Dict[int, OrderRec] = {}  # open orders only (any user)
        self._accepted: Dict[int, OrderRec] = {}  # orders accepted by the current command
        self._bill_id = 0
        self._last_trade_price: Dict[str, int] = {}
        self._dirty: Set[int] = set()  # tracked users with pending history rows
        self._pending = 0  # pending history rows (approximate: only grows between flushes)
        self._flushed_seq = 0  # history in SQLite up to here
        self._state_seq = 0  # state blob in SQLite at this seq
        self._flush_lock = threading.Lock()
        self._thread: Optional[threading.Thread] = None
        self._stop = threading.Event()
        self._state_every_s = 10.0
        self._state_at = time.monotonic()
        #: callbacks ``fn(events)`` run under the lock after each command (WS feeds)
        self.listeners: List[Any] = []
        self._load()

    # -- lifecycle (node extra view protocol: last_seq, on_events, start, close) ---------
    def start(self, interval_s: float = 0.2, state_every_s: float = 10.0) -> None:
        """Run the flusher: history every ``interval_s``, the state every ``state_every_s``."""
        if self._thread is not None:
            return
        self._state_every_s = state_every_s

        def run() -> None:
            while not self._stop.wait(interval_s):
                try:
                    self.flush()
                except Exception:  # noqa: BLE001
                    _log.exception("futures views: flush failed")

        self._thread = threading.Thread(target=run, name="futures-views-flush", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.save()
        with self.lock:
            self.market.close()
        self.store.close()

    def save(self) -> None:
        """Write the pending history and the state (at ``last_seq``) now."""
        self.flush(state=True)

    def flush(self, state: Optional[bool] = None) -> None:
        """Write the pending history rows of tracked users (and, when ``state`` or when
        the state is older than ``state_every_s``, the state blob) in one transaction
        with the seq they cover; then drop the written rows from memory."""
        with self._flush_lock:
            with_state = bool(state) or (
                state is None and time.monotonic() - self._state_at >= self._state_every_s)
            with self.lock:
                seq = self.last_seq
                if seq == self._flushed_seq and (not with_state or seq == self._state_seq):
                    return
                taken: Dict[int, Tuple[int, ...]] = {}
                recs: Dict[str, List[Any]] = {name: [] for name in _HISTORY_KINDS}
                for user in self._dirty:
                    data = self.users[user]
                    counts = []
                    for name in _HISTORY_KINDS:
                        rows: Deque[Any] = getattr(data, name)
                        recs[name].extend(rows)
                        counts.append(len(rows))
                    taken[user] = tuple(counts)
                self._dirty = set()
                self._pending = 0
                blob = None
                if with_state:
                    self.market.flush()  # never behind the state (it skips seqs it has)
                    blob = pickle.dumps(self._state(), protocol=pickle.HIGHEST_PROTOCOL)
            # closed records are immutable: encode them outside the lock
            rows_by_table: Dict[str, List[Tuple[Any, ...]]] = {}
            for name, items in recs.items():
                kind = _KIND_OF_ROWS[name]
                assert kind.table is not None
                rows_by_table[kind.table] = [_store_row(kind, r) for r in items]
            try:
                self.store.write(seq, rows_by_table, blob)
            except BaseException:
                with self.lock:
                    self._dirty.update(taken)
                raise
            with self.lock:
                for user, taken_counts in taken.items():
                    data = self.users[user]
                    for name, n in zip(_HISTORY_KINDS, taken_counts):
                        rows = getattr(data, name)
                        for _ in range(n):
                            rows.popleft()
                self._flushed_seq = seq
                if blob is not None:
                    self._state_seq = seq
            if blob is not None:
                self._state_at = time.monotonic()
                if self._legacy_pickle and os.path.exists(self._legacy_pickle):
                    os.remove(self._legacy_pickle)  # superseded by futures.sqlite

    def _state(self) -> Dict[str, Any]:
        users = {}
        for user, data in self.users.items():
            if data.tracked:  # their history is in (or goes to) SQLite, not in the blob
                data = replace(data, position_history=deque(), closed_orders=deque(),
                               fills=deque(), closed_plans=deque(), bills=deque())
            users[user] = data
        return {
            "version": _STATE_VERSION, "last_seq": self.last_seq,
            "contracts": self.catalog.markets, "users": users, "prices": self.prices,
            "mark": self.mark_candles, "index": self.index_candles, "funding": self.funding,
            "insurance": self.insurance, "bill_id": self._bill_id,
            "assets": dict(self.catalog.assets), "last_trade_price": self._last_trade_price,
        }

    def _load(self) -> None:
        found = self.store.load_state()
        if found is None:
            if self._legacy_pickle and os.path.exists(self._legacy_pickle):
                _log.warning("futures views: rebuilding %s from the journal (history no longer "
                             "capped)", self.store.path)
            return
        try:
            state = pickle.loads(found[1])  # our own database in the 0700 data dir
            if state.get("version") != _STATE_VERSION or state["last_seq"] != found[0]:
                raise ValueError("version")
        except Exception:  # noqa: BLE001 - unreadable: rebuild from the journal
            _log.warning("futures views: state in %s unreadable, rebuilding from the journal",
                         self.store.path)
            return
        self.last_seq = self._state_seq = state["last_seq"]
        self._flushed_seq = self.last_seq
        self.catalog.markets.update(state["contracts"])
        self.users = state["users"]
        self.prices = state["prices"]
        self.mark_candles = state["mark"]
        self.index_candles = state["index"]
        self.funding = state["funding"]
        self.insurance = state["insurance"]
        self._bill_id = state["bill_id"]
        self.catalog.assets.update(state.get("assets", {}))
        self._last_trade_price = state.get("last_trade_price", {})
        for data in self.users.values():
            self.orders_by_id.update(data.open_orders)

    # -- projection ---------------------------------------------------------------------
    def on_events(self, seq: int, command: object, events: Sequence[object]) -> None:
        if seq <= self.last_seq:
            return
        if not _concerns_futures(events):
            # Spot order flow (most commands): nothing here changes, so neither the lock
            # nor the futures market data are touched (they catch up with the next futures
            # command; a seq they skip is one they had nothing to do for).
            self.last_seq = seq
            return
        with self.lock:
            self.last_seq = seq
            self._accepted.clear()
            translated: List[object] = []
            for event in events:
                handler = _HANDLERS.get(type(event))
                if handler is not None:
                    handler(self, event, translated)
            if type(command) is fc.PlaceFuturesOrder and (command.tp_trigger or command.sl_trigger):
                for event in events:  # the preset TP/SL is on the command, not the event
                    if type(event) is fe.FuturesOrderAccepted:
                        rec = self._accepted.get(event.order_id)
                        if rec is not None:
                            rec.tp_trigger, rec.tp_price = command.tp_trigger, command.tp_price
                            rec.sl_trigger, rec.sl_price = command.sl_trigger, command.sl_price
            self._accepted.clear()
            self.market.on_events(seq, command, translated)
            for listener in self.listeners:
                try:
                    listener(events)
                except Exception:  # noqa: BLE001
                    _log.exception("futures views listener failed")
        if self._pending >= _INLINE_FLUSH and self._thread is None:
            self.flush(state=False)  # a long replay before the flusher runs: bound memory

    def user(self, user: int) -> UserData:
        data = self.users.get(user)
        if data is None:
            data = self.users[user] = UserData()
            if not self._tracked(user):  # simulator accounts: a short history, memory only
                data.tracked = False
                for name in _HISTORY_KINDS:
                    setattr(data, name, deque(maxlen=_SIM_HISTORY))
        return data

    def _add(self, user: int, data: UserData, name: str, rec: Any) -> None:
        """Append one history record (pending until flushed, for tracked users)."""
        getattr(data, name).append(rec)
        if data.tracked:
            self._dirty.add(user)
            self._pending += 1

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
        self._accepted[e.order_id] = rec
        self.user(e.user).open_orders[e.order_id] = rec
        out.append(ev.OrderAccepted(e.seq, e.ts_ns, e.order_id, e.user, e.symbol, e.side,
                                    e.order_type, e.force, e.price, e.size, 0, e.client_oid, 0,
                                    e.plan_id))

    def _trade(self, e: Any, out: List[object]) -> None:
        self._last_trade_price[e.symbol] = e.price
        maker_side = 1 - e.taker_side
        info = self.catalog.markets.get(e.symbol)
        notional = e.size * e.price if info is not None and info.inverse else e.value
        for order_id, user, side, fee, pnl, scope in (
            (e.maker_order_id, e.maker_user, maker_side, e.maker_fee, e.maker_pnl, "maker"),
            (e.taker_order_id, e.taker_user, e.taker_side, e.taker_fee, e.taker_pnl, "taker"),
        ):
            rec = self.orders_by_id.get(order_id)
            if info is not None:
                self._fill_bill(e, info.margin_asset, user, rec, side, pnl, fee,
                                e.liquidation and scope == "taker")
            if rec is not None:
                rec.filled += e.size
                rec.filled_value += notional
                rec.fee += fee
                rec.pnl += pnl
                rec.last_fill_price = e.price
                rec.last_fill_size = e.size
                rec.status = 1
                rec.u_ns = e.ts_ns
            data = self.user(user)
            self._add(user, data, "fills", FillRec(
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
                                        e.maker_user, e.taker_user, 0, notional, 0, 0))

    def _order_closed(self, e: Any, out: List[object]) -> None:
        rec = self.orders_by_id.pop(e.order_id, None)
        data = self.user(e.user)
        data.open_orders.pop(e.order_id, None)
        if rec is not None:
            rec.status, rec.reason, rec.u_ns = e.status, e.reason, e.ts_ns
            rec.filled, rec.filled_value, rec.fee, rec.pnl = (e.filled_size, e.filled_value,
                                                              e.fee, e.pnl)
            self._add(e.user, data, "closed_orders", rec)
        out.append(ev.OrderClosed(e.seq, e.ts_ns, e.order_id, e.user, e.symbol, e.status,
                                  e.reason, e.filled_size, e.filled_value))

    def _position(self, e: Any, out: List[object]) -> None:
        data = self.user(e.user)
        key = (e.symbol, e.hold_side)
        rec = data.positions.get(key)
        if rec is None or rec.event.position_id != e.position_id:
            rec = PositionRec(e)
            prev_size = 0
        else:
            prev_size = rec.event.qty
        price = self._last_trade_price.get(e.symbol, e.entry_price)
        info = self.catalog.markets.get(e.symbol)
        if e.qty > prev_size:
            grown = e.qty - prev_size
            rec.open_size += grown
            if info is not None:  # inverse: quote notional, as order records keep it
                rec.open_value += grown * e.entry_price if info.inverse else \
                    info.value(grown, e.entry_price)
        elif e.qty < prev_size:
            shrunk = prev_size - e.qty
            if (e.reason == fe_enums.PositionReason.LIQUIDATION
                    or e.reason == fe_enums.PositionReason.ADL):
                price = e.bankruptcy_price or price
            rec.close_size += shrunk
            rec.close_value += shrunk * price
        rec.event = e
        if e.size == 0:
            data.positions.pop(key, None)
            rec.close_ns = e.ts_ns
            self._add(e.user, data, "position_history", rec)
        else:
            data.positions[key] = rec

    def _price(self, e: Any, out: List[object]) -> None:
        state = self.prices.setdefault(e.symbol, PriceState())
        state.index, state.mark, state.last = e.index_price, e.mark_price, e.last_price
        state.funding_rate_e8, state.next_funding_ns = e.funding_rate_e8, e.next_funding_ns
        state.stale, state.sources, state.ts_ns = e.stale, e.sources, e.ts_ns
        ts_ms = e.ts_ns // 1_000_000
        for store, price in ((self.mark_candles, e.mark_price),
                             (self.index_candles, e.index_price)):
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

    def _bill(self, user: int, symbol: str, coin: str, kind: str, amount: int, ts_ns: int,
              fee: int = 0) -> None:
        self._bill_id += 1
        self._add(user, self.user(user), "bills",
                  BillRec(self._bill_id, user, symbol, coin, kind, amount, ts_ns, fee))

    def _fill_bill(self, e: Any, coin: str, user: int, rec: Optional[OrderRec], side: int,
                   pnl: int, fee: int, forced: bool) -> None:
        """Bitget's businessType of one side of a fill: hedge orders name the position
        they open or close; a one-way buy closes a short if there is one, else opens a long."""
        if rec is not None and rec.trade_side >= 0:
            closing, hold = rec.trade_side == 1, rec.hold_side
        else:
            hold = 1 if side == 0 else 0  # the position a one-way fill would close
            closing = (e.symbol, hold) in self.user(user).positions
            hold = hold if closing else side
        name = ("long" if hold == 0 else "short")
        kind = ("force_close_" if forced else "close_" if closing else "open_") + name
        self._bill(user, e.symbol, coin, kind, pnl, e.ts_ns, fee)

    def _transfer(self, e: Any, out: List[object]) -> None:
        """A wallet transfer into or out of a user's futures account."""
        if e.code != _INTERNAL:
            return
        if e.credit_account in FUTURES_ACCOUNTS and e.credit_owner > 0:
            self._bill(e.credit_owner, "", e.asset, "trans_from_exchange", e.amount, e.ts_ns)
        if e.debit_account in FUTURES_ACCOUNTS and e.debit_owner > 0:
            self._bill(e.debit_owner, "", e.asset, "trans_to_exchange", -e.amount, e.ts_ns)

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
        self._add(e.user, data, "closed_plans", rec)

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

    def _decoded(self, name: str, data: Optional[str]) -> Any:
        return KINDS[name].decode(json.loads(data)) if data is not None else None

    def order(self, user: int, order_id: int) -> Optional[OrderRec]:
        """One of ``user``'s orders, open or closed (memory, then SQLite)."""
        with self.lock:
            rec = self.orders_by_id.get(order_id)
            if rec is not None:
                return rec if rec.user == user else None
            data = self.users.get(user)
            for rec in reversed(data.closed_orders if data is not None else ()):
                if rec.order_id == order_id:
                    return rec
            if data is not None and not data.tracked:
                return None
        # not pending: if it is closed, its commit came before it left memory
        return self._decoded("orders", self.store.find("orders", user, "order_id", order_id))

    def order_by_client_oid(self, user: int, client_oid: str) -> Optional[OrderRec]:
        with self.lock:
            data = self.users.get(user)
            if data is not None:
                for rec in data.open_orders.values():
                    if rec.client_oid == client_oid:
                        return rec
                for rec in reversed(data.closed_orders):
                    if rec.client_oid == client_oid:
                        return rec
            if (data is not None and not data.tracked) or not client_oid:
                return None
        return self._decoded("orders", self.store.find("orders", user, "client_oid", client_oid))

    def plan(self, user: int, plan_id: int) -> Optional[PlanRec]:
        """One of ``user``'s plans, live or ended (memory, then SQLite)."""
        with self.lock:
            data = self.users.get(user)
            if data is not None:
                found = data.open_plans.get(plan_id)
                if found is not None:
                    return found
                for found in reversed(data.closed_plans):
                    if found.plan_id == plan_id:
                        return found
                if not data.tracked:
                    return None
        return self._decoded("plans", self.store.find("plans", user, "plan_id", plan_id))

    def recent_fill(self, user: int, trade_id: int, order_id: int) -> Optional[FillRec]:
        """A fill projected by the current command (listeners, under the lock: a fill is
        flushed at the earliest after the command that made it)."""
        with self.lock:
            data = self.users.get(user)
            for rec in reversed(data.fills if data is not None else ()):
                if rec.trade_id == trade_id and rec.order_id == order_id:
                    return rec
            return None

    def history(self, kind: str, user: int, page: Page) -> List[Any]:
        """A page of ``user``'s records of ``kind`` (``orders``, ``fills``, ``plans``,
        ``positions``, ``bills``; ``open_orders``, ``open_plans`` are the live ones),
        newest first: the rows still in memory merged with SQLite's (memory wins)."""
        spec = KINDS[kind]
        if page.empty():
            return []
        with self.lock:
            data = self.users.get(user)
            rows: Iterable[Any] = getattr(data, spec.rows) if data is not None else ()
            memory = [r for r in (rows.values() if isinstance(rows, dict) else rows)
                      if _keep(spec, r, page)]
            tracked = data.tracked if data is not None else True
        if spec.table is not None and tracked:
            seen = {spec.key(r) for r in memory}
            for text in self.store.query(spec.table, user, page):
                rec = spec.decode(json.loads(text))
                if spec.key(rec) not in seen:
                    memory.append(rec)
        memory.sort(key=spec.key, reverse=True)
        return memory[:page.limit]

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
    ev.TransferPosted: FuturesViews._transfer,
    ev.AssetListed: FuturesViews._asset_listed,
}


def _concerns_futures(events: Sequence[object]) -> bool:
    """Does a command's event list hold anything this projection handles?  (A balance
    change only when it is a futures account's.)"""
    for event in events:
        kind = type(event)
        if kind is ev.BalanceChanged:
            if event.account in FUTURES_ACCOUNTS:  # type: ignore[attr-defined]
                return True
        elif kind in _HANDLERS:
            return True
    return False


def iter_contracts(views: FuturesViews) -> Iterable[ContractInfo]:
    return list(views.catalog.markets.values())
