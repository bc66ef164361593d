"""Test builders: an exchange harness that applies commands and checks everything after each.

``Exchange`` wraps an ``EngineState`` and applies commands through ``core.engine.apply``.
After EVERY command it checks:

* ``invariants.check_all`` (conservation, no negatives, holds, books, plans);
* event ``seq`` gap-free and monotonic across the whole run, every event stamped with the
  command's timestamp, timestamps never going backwards;
* every event field has the type its NamedTuple declares (ints are ``int``, not ``bool``
  or ``float``; strs are ``str``) so events always encode canonically;
* a command answered only by ``Rejected``/``Duplicate`` changed nothing (the canonical
  state encoding is equal, with the per-command counters masked: see ``masked_state``);
* every resting order's size is a whole number of lots;
* the ``Auditor`` predicts every balance from the events alone and agrees with the ledger.

(Long seeded runs may pass ``check_every=N`` to run the O(state) checks — invariants,
reject purity, auditor vs ledger — every N commands and call ``check()`` at the end; the
sequence, timestamp, event-type and auditor event checks still run for every command.)

Amounts in the helpers are ints in minor units / price units / size units;
``Exchange.human`` converts decimal text with ``units.to_units`` the way the API edge does.
"""
from __future__ import annotations

import marshal
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from ..core.commands import (
    BatchCancel,
    BatchPlace,
    CancelAll,
    CancelOrder,
    CancelPlan,
    ClockTick,
    CompleteWithdrawal,
    Deposit,
    FailWithdrawal,
    ListAsset,
    ListMarket,
    ModifyOrder,
    PlaceOrder,
    PlacePlan,
    RequestWithdrawal,
    SetMarketStatus,
    SetUserFees,
    Transfer,
)
from ..core.engine import EngineState, apply
from ..core.engine.invariants import check_all
from ..core.engine.snapshot import state_tuple
from ..core.enums import AccountType, Force, MarketStatus, OrderType, Side, Stp
from ..core.engine.products import EVENT_TAGS
from ..core.events import (
    BalanceChanged,
    Duplicate,
    OrderAccepted,
    OrderClosed,
    Rejected,
    TradeExecuted,
)
from ..core.field_types import field_types
from ..core.reject import RejectCode
from ..core.units import to_units
from .auditor import Auditor

__all__ = [
    "Exchange",
    "HarnessError",
    "market_spec",
    "masked_state",
    "masked_tuple",
    "check_event_types",
    "of_type",
    "one",
    "reject_code",
    "l3",
    "BTC",
    "USDT",
    "ETH",
    "BTCUSDT",
    "ETHUSDT",
    "SPOT",
    "FUNDING",
    "BUY",
    "SELL",
    "LIMIT",
    "MARKET",
    "GTC",
    "IOC",
    "FOK",
    "POST_ONLY",
]

BTC, USDT, ETH = "BTC", "USDT", "ETH"
BTCUSDT, ETHUSDT = "BTCUSDT", "ETHUSDT"
SPOT, FUNDING = int(AccountType.SPOT), int(AccountType.FUNDING)
BUY, SELL = int(Side.BUY), int(Side.SELL)
LIMIT, MARKET = int(OrderType.LIMIT), int(OrderType.MARKET)
GTC, IOC, FOK, POST_ONLY = int(Force.GTC), int(Force.IOC), int(Force.FOK), int(Force.POST_ONLY)

#: Index of the counters tuple in ``snapshot.state_tuple`` and, inside it, the fields that
#: advance for every command (event_seq, command_count, ts_ns) and so are masked when
#: checking that a rejected command changed nothing.
_COUNTERS = 1
_PER_COMMAND_COUNTERS = (3, 4, 5)


class HarnessError(AssertionError):
    """A check of the harness failed (sequence, timestamps, event types, reject purity, audit)."""


def masked_tuple(state: EngineState) -> Tuple[Any, ...]:
    """``snapshot.state_tuple`` with the per-command counters (event_seq, count, ts) zeroed."""
    parts = list(state_tuple(state))
    counters = list(parts[_COUNTERS])
    for index in _PER_COMMAND_COUNTERS:
        counters[index] = 0
    parts[_COUNTERS] = tuple(counters)
    return tuple(parts)


def masked_state(state: EngineState) -> bytes:
    """Canonical state bytes with the per-command counters (event_seq, count, ts) zeroed."""
    return marshal.dumps(masked_tuple(state), 2)


def market_spec(symbol: str = BTCUSDT, base: str = BTC, quote: str = USDT, *,
                price_precision: int = 2, quantity_precision: int = 6, tick: int = 1,
                lot: int = 1, min_size: int = 1, max_size: int = 10**12, min_notional: int = 0,
                maker_fee_ppm: int = 1000, taker_fee_ppm: int = 1000, price_band_ppm: int = 0,
                max_open_orders: int = 0, ts_ns: int = 0) -> ListMarket:
    return ListMarket(ts_ns, symbol, base, quote, price_precision, quantity_precision, tick, lot,
                      min_size, max_size, min_notional, maker_fee_ppm, taker_fee_ppm,
                      price_band_ppm, max_open_orders)


_EVENT_FIELD_TYPES: Dict[type, Tuple[type, ...]] = {cls: field_types(cls)
                                                    for cls in EVENT_TAGS.values()}


def check_event_types(events: Iterable[Any]) -> None:
    """Every event field has exactly its declared type (no bool/float/None in int fields)."""
    for event in events:
        declared = _EVENT_FIELD_TYPES[type(event)]
        if tuple(map(type, event)) != declared:
            for index, kind in enumerate(declared):
                if type(event[index]) is not kind:
                    raise HarnessError(f"{type(event).__name__}.{event._fields[index]} = "
                                       f"{event[index]!r} is not {kind.__name__}: {event}")


def of_type(events: Iterable[Any], cls: type) -> List[Any]:
    return [event for event in events if type(event) is cls]


def one(events: Iterable[Any], cls: type) -> Any:
    found = of_type(events, cls)
    assert len(found) == 1, f"expected one {cls.__name__}, got {found}"
    return found[0]


def reject_code(events: Sequence[Any]) -> Optional[RejectCode]:
    """The code of the only Rejected event, or None when nothing was rejected."""
    rejects = of_type(events, Rejected)
    if not rejects:
        return None
    assert len(rejects) == 1, rejects
    return RejectCode(rejects[0].code)


def l3(state: EngineState, symbol: str) -> Dict[str, List[Tuple[int, int, int, int]]]:
    """The book as {"bids": [...], "asks": [...]} of (order_id, user, price, remaining),
    in priority order."""
    book = state.books[symbol]
    return {
        "bids": [(o.order_id, o.user, o.price, o.remaining) for o in book.bids.orders()],
        "asks": [(o.order_id, o.user, o.price, o.remaining) for o in book.asks.orders()],
    }


class Exchange:
    """An engine plus every per-command check; the building block of the core's tests.

    ``check_every``: run the (O(state)) invariant, purity and audit checks every N commands
    (1 = every command, the default; long seeded runs use more and always check at the end
    via ``check()``).  Sequence, timestamp and event-type checks run for every command.
    """

    def __init__(self, *, check_every: int = 1, audit: bool = True, start_ts: int = 1_000_000_000,
                 ts_step: int = 1_000_000) -> None:
        self.state = EngineState()
        self.check_every = check_every
        self.auditor: Optional[Auditor] = Auditor() if audit else None
        self.next_ts = start_ts
        self.ts_step = ts_step
        self.next_seq = 1
        self.last_ts = 0
        self.count = 0
        self.events: List[Any] = []  # every event of the run, in order
        self.commands: List[Any] = []  # every command as applied (with its timestamp)
        self.keep_events = True

    # ------------------------------------------------------------------ applying
    def stamp(self, command: Any) -> Any:
        """Give a command the next timestamp unless it carries one already."""
        if type(command.ts_ns) is int and command.ts_ns == 0:
            command = command._replace(ts_ns=self.next_ts)
            self.next_ts += self.ts_step
        elif type(command.ts_ns) is int and command.ts_ns >= self.next_ts:
            self.next_ts = command.ts_ns + self.ts_step
        return command

    def apply(self, command: Any) -> List[Any]:
        command = self.stamp(command)
        self.count += 1
        full = self.count % self.check_every == 0
        before = masked_tuple(self.state) if full else None
        events = apply(self.state, command)
        self.commands.append(command)
        if self.keep_events:
            self.events.extend(events)
        self._check_sequence(command, events)
        check_event_types(events)
        if self.auditor is not None:
            self.auditor.feed(events)
        if full:
            refused = events and all(type(e) in (Rejected, Duplicate) for e in events)
            if refused and masked_tuple(self.state) != before:
                raise HarnessError(f"{command} was answered by {events} but changed state")
            self.check()
        return events

    def apply_all(self, commands: Iterable[Any]) -> List[Any]:
        out: List[Any] = []
        for command in commands:
            out.extend(self.apply(command))
        return out

    def _check_sequence(self, command: Any, events: List[Any]) -> None:
        ts = command.ts_ns if type(command.ts_ns) is int and command.ts_ns >= 0 else None
        for event in events:
            if event.seq != self.next_seq:
                raise HarnessError(f"event seq {event.seq}, expected {self.next_seq}: {event}")
            self.next_seq += 1
            if ts is not None and event.ts_ns != ts:
                raise HarnessError(f"event ts {event.ts_ns} != command ts {ts}: {event}")
            if event.ts_ns < self.last_ts:
                raise HarnessError(f"event ts went backwards: {event}")
            self.last_ts = event.ts_ns
        if self.state.event_seq != self.next_seq:
            raise HarnessError("state.event_seq out of step with the events")

    def check(self) -> None:
        """The O(state) checks: invariants, whole lots at rest, the auditor's balances."""
        check_all(self.state)
        markets = self.state.markets
        for order in self.state.orders.values():
            if order.remaining % markets[order.symbol].lot:
                raise HarnessError(f"resting size not a whole number of lots: {order!r}")
        if self.auditor is not None:
            self.auditor.check_state(self.state)

    # ------------------------------------------------------------------ setup
    def list_asset(self, asset: str, scale: int = 8) -> List[Any]:
        return self.apply(ListAsset(0, asset, scale))

    def list_market(self, spec: Optional[ListMarket] = None, **fields: Any) -> List[Any]:
        return self.apply(spec if spec is not None else market_spec(**fields))

    def deposit(self, user: int, asset: str, amount: int, *, account: int = SPOT,
                ref: str = "") -> List[Any]:
        if not ref:
            ref = f"dep-{self.count + 1}"
        return self.apply(Deposit(0, user, account, asset, amount, ref))

    def fund(self, users: Iterable[int], amounts: Dict[str, int]) -> None:
        for user in users:
            for asset, amount in amounts.items():
                assert reject_code(self.deposit(user, asset, amount)) is None

    def set_fees(self, user: int, maker_ppm: int, taker_ppm: int) -> List[Any]:
        return self.apply(SetUserFees(0, user, maker_ppm, taker_ppm))

    def halt(self, symbol: str = BTCUSDT) -> List[Any]:
        return self.apply(SetMarketStatus(0, symbol, int(MarketStatus.HALTED)))

    def resume(self, symbol: str = BTCUSDT) -> List[Any]:
        return self.apply(SetMarketStatus(0, symbol, int(MarketStatus.ONLINE)))

    def tick(self, ts_ns: int) -> List[Any]:
        return self.apply(ClockTick(ts_ns))

    # ------------------------------------------------------------------ trading
    def place(self, user: int, side: int, price: int, size: int, *, symbol: str = BTCUSDT,
              order_type: int = LIMIT, force: int = GTC, quote_size: int = 0,
              client_oid: str = "", stp: int = int(Stp.NONE), **tpsl: int) -> List[Any]:
        return self.apply(PlaceOrder(0, user, symbol, side, order_type, force, price, size,
                                     quote_size, client_oid, stp, **tpsl))

    def buy(self, user: int, price: int, size: int, **kw: Any) -> List[Any]:
        return self.place(user, BUY, price, size, **kw)

    def sell(self, user: int, price: int, size: int, **kw: Any) -> List[Any]:
        return self.place(user, SELL, price, size, **kw)

    def market_buy(self, user: int, quote_size: int, **kw: Any) -> List[Any]:
        return self.place(user, BUY, 0, 0, order_type=MARKET, quote_size=quote_size, **kw)

    def market_sell(self, user: int, size: int, **kw: Any) -> List[Any]:
        return self.place(user, SELL, 0, size, order_type=MARKET, **kw)

    def cancel(self, user: int, order_id: int = 0, *, client_oid: str = "",
               symbol: str = BTCUSDT) -> List[Any]:
        return self.apply(CancelOrder(0, user, symbol, order_id, client_oid))

    def cancel_all(self, user: int, symbol: str = BTCUSDT) -> List[Any]:
        return self.apply(CancelAll(0, user, symbol))

    def modify(self, user: int, order_id: int = 0, *, client_oid: str = "", price: int = 0,
               size: int = 0, new_client_oid: str = "", symbol: str = BTCUSDT) -> List[Any]:
        return self.apply(ModifyOrder(0, user, symbol, order_id, client_oid, price, size,
                                      new_client_oid))

    def batch_place(self, orders: Sequence[PlaceOrder]) -> List[Any]:
        return self.apply(BatchPlace(0, tuple(orders)))

    def batch_cancel(self, cancels: Sequence[CancelOrder]) -> List[Any]:
        return self.apply(BatchCancel(0, tuple(cancels)))

    def plan(self, user: int, side: int, trigger: int, *, price: int = 0, size: int = 0,
             quote_size: int = 0, order_type: Optional[int] = None, force: int = GTC,
             client_oid: str = "", stp: int = 0, symbol: str = BTCUSDT) -> List[Any]:
        if order_type is None:
            order_type = LIMIT if price else MARKET
        return self.apply(PlacePlan(0, user, symbol, side, trigger, order_type, price, size,
                                    quote_size, force, client_oid, stp))

    def cancel_plan(self, user: int, plan_id: int = 0, *, client_oid: str = "",
                    symbol: str = BTCUSDT) -> List[Any]:
        return self.apply(CancelPlan(0, user, symbol, plan_id, client_oid))

    def withdraw(self, user: int, asset: str, amount: int, withdrawal_id: str) -> List[Any]:
        return self.apply(RequestWithdrawal(0, user, asset, amount, withdrawal_id))

    def complete_withdrawal(self, withdrawal_id: str) -> List[Any]:
        return self.apply(CompleteWithdrawal(0, withdrawal_id))

    def fail_withdrawal(self, withdrawal_id: str) -> List[Any]:
        return self.apply(FailWithdrawal(0, withdrawal_id))

    def transfer(self, user: int, asset: str, amount: int, from_account: int, to_account: int,
                 ref: str = "") -> List[Any]:
        return self.apply(Transfer(0, user, asset, amount, from_account, to_account, ref))

    def trade_at(self, price: int, size: int, *, symbol: str = BTCUSDT, seller: int = 9001,
                 buyer: int = 9002) -> List[Any]:
        """Trade ``size`` at ``price`` between two helper users (sets the last price), assuming
        no resting order would take the helper's sell first."""
        market = self.state.markets[symbol]
        self.deposit(seller, market.base, size * market.base_per_size)
        self.deposit(buyer, market.quote, size * price * market.quote_per_price_size)
        assert reject_code(self.sell(seller, price, size, symbol=symbol)) is None
        events = self.buy(buyer, price, size, symbol=symbol)
        # (plans that this trade fires may move the last price on within the same command)
        assert [t for t in of_type(events, TradeExecuted) if t.price == price], events
        return events

    # ------------------------------------------------------------------ reading
    def balance(self, user: int, asset: str, account: int = SPOT) -> Tuple[int, int]:
        found = self.state.ledger.balances.get((user, account, asset))
        return (found.available, found.frozen) if found is not None else (0, 0)

    def available(self, user: int, asset: str, account: int = SPOT) -> int:
        return self.balance(user, asset, account)[0]

    def book(self, symbol: str = BTCUSDT) -> Dict[str, List[Tuple[int, int, int, int]]]:
        return l3(self.state, symbol)

    def market(self, symbol: str = BTCUSDT) -> Any:
        return self.state.markets[symbol]

    # ------------------------------------------------------------------ human units
    def human(self, asset: str, text: str) -> int:
        return to_units(text, self.state.assets[asset])


def order_id_of(events: Sequence[Any]) -> int:
    """The id of the (first) order a command accepted."""
    return of_type(events, OrderAccepted)[0].order_id


def closed(events: Sequence[Any], order_id: int) -> Optional[OrderClosed]:
    found = [e for e in events if type(e) is OrderClosed and e.order_id == order_id]
    assert len(found) <= 1
    return found[0] if found else None


def balance_events(events: Sequence[Any]) -> List[BalanceChanged]:
    return of_type(events, BalanceChanged)


__all__ += ["order_id_of", "closed", "balance_events"]


#: Funding of ``standard_exchange`` users: 100 BTC, 1,000 ETH and 10,000,000 USDT each.
STANDARD_FUNDS = {BTC: 100 * 10**8, ETH: 1000 * 10**8, USDT: 10_000_000 * 10**8}


def standard_exchange(*, users: Iterable[int] = (1, 2, 3), fund: bool = True,
                      check_every: int = 1, **market: Any) -> Exchange:
    """BTC, ETH, USDT (scale 8 each); BTCUSDT (price 2 dp, size 6 dp: 1 size unit = 100 BTC
    units, notional = size * price quote units) and ETHUSDT (price 2 dp, size 4 dp); fees
    0.1 %/0.1 %; ``market`` overrides BTCUSDT's listing fields; users funded."""
    ex = Exchange(check_every=check_every)
    for asset in (BTC, ETH, USDT):
        assert reject_code(ex.list_asset(asset, 8)) is None
    assert reject_code(ex.list_market(market_spec(**market))) is None
    assert reject_code(ex.list_market(market_spec(ETHUSDT, ETH, USDT, quantity_precision=4))) \
        is None
    if fund:
        ex.fund(users, STANDARD_FUNDS)
    return ex


__all__ += ["STANDARD_FUNDS", "standard_exchange"]
