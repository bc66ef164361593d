"""An independent auditor: predicts every balance from the event stream alone.

It never looks at the engine's internals while predicting.  From the events of each
command it rebuilds:

* every balance's total (available + frozen) from the value postings: ``TransferPosted``
  and ``TradeExecuted`` (through ``core.spot.settlement.trade_postings``);
* every balance's frozen part from its own model of open orders (``OrderAccepted``, the
  fills of ``TradeExecuted``, ``OrderClosed``) and of pending withdrawals;
* fee amounts from the fee rates it saw (``MarketListed``, ``UserFeesSet``) at the time each
  order was accepted, rounded up;

and checks each ``BalanceChanged`` event against those predictions, that every balance
whose prediction changed got exactly one ``BalanceChanged``, that orders only trade at the
maker's price and within the taker's limit, that STP never lets a user trade with itself,
and that closed orders report the fills the auditor counted.  ``check_state`` compares the
predictions with a live ``EngineState`` (all balances and the set of open orders).

Products that land later (futures, margin, convert) teach the auditor their events with
``Auditor.extend(EventType, handler)``: ``handler(auditor, event, changed)`` moves value
with ``auditor.move(debit, credit, amount, changed)`` and holds with
``auditor.freeze(key, delta)``, so their postings are predicted like spot's.  An event
type nobody handles is ignored, which is safe only for events that move no value.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from ..core.enums import AccountType, OrderStatus, OrderType, Side, Stp, SystemOwner, TransferCode
from ..core.events import (
    AssetListed,
    BalanceChanged,
    MarketListed,
    OrderAccepted,
    OrderClosed,
    PlanClosed,
    PlanPlaced,
    PlanTriggered,
    TradeExecuted,
    TransferPosted,
    UserFeesSet,
    WithdrawalCompleted,
    WithdrawalFailed,
    WithdrawalRequested,
)
from ..core.spot.settlement import trade_postings
from ..core.units import fee_units

__all__ = ["Auditor", "AuditError"]

_SPOT = int(AccountType.SPOT)
_SYSTEM = int(AccountType.SYSTEM)
_FEES = int(SystemOwner.FEES)
_BUY = int(Side.BUY)
_LIMIT = int(OrderType.LIMIT)
_VALUE_CODES = (int(TransferCode.DEPOSIT), int(TransferCode.WITHDRAW_COMPLETE),
                int(TransferCode.INTERNAL))

#: ``TransferPosted`` codes from here on belong to products (margin uses 101..): each is a
#: plain value posting from the debit balance to the credit balance
_PRODUCT_CODES = 100
Key = Tuple[int, int, str]
#: ``handler(auditor, event, changed)`` for an event type a product adds (see module doc)
Extension = Callable[["Auditor", Any, Set[Key]], None]


class AuditError(AssertionError):
    pass


class _Order:
    __slots__ = ("order_id", "user", "symbol", "side", "order_type", "price", "size",
                 "remaining", "budget", "filled_size", "filled_quote", "maker_ppm", "taker_ppm",
                 "stp", "force", "account")

    def __init__(self, event: OrderAccepted, maker_ppm: int, taker_ppm: int,
                 account: int = _SPOT) -> None:
        self.account = account  # the ledger account the order trades from (margin: 3, 1000+n)
        self.order_id = event.order_id
        self.user = event.user
        self.symbol = event.symbol
        self.side = event.side
        self.order_type = event.order_type
        self.price = event.price
        self.size = event.size
        self.remaining = event.size
        self.budget = event.quote_size  # market buys: quote still unspent
        self.filled_size = 0
        self.filled_quote = 0
        self.maker_ppm = maker_ppm
        self.taker_ppm = taker_ppm
        self.stp = event.stp
        self.force = event.force


class Auditor:
    def __init__(self) -> None:
        self.scales: Dict[str, int] = {}
        self.markets: Dict[str, Tuple[str, str, int, int, int, int]] = {}
        self.user_fees: Dict[int, Tuple[int, int]] = {}
        self.totals: Dict[Key, int] = {}
        self.orders: Dict[int, _Order] = {}
        self.plans: Set[int] = set()
        self.withdrawals: Dict[str, Tuple[int, str, int]] = {}
        self.frozen: Dict[Key, int] = {}  # predicted frozen (kept incrementally)
        self._frozen_touched: Dict[Key, int] = {}  # key -> frozen before this command
        self._transient: Set[int] = set()  # orders that must close within their command
        self.last_order_id = 0
        self.trades = 0
        self.fees: Dict[str, int] = {}  # fees collected per asset
        self.extensions: Dict[type, Extension] = {}
        #: ``hook(auditor, command)`` run before the events of a command of that type
        self.command_hooks: Dict[type, Callable[["Auditor", Any], None]] = {}
        #: account of the next ``OrderAccepted`` (no plan) of a user, set by a product's
        #: command hook: user -> ledger account, used once; spot when absent
        self.order_account: Dict[int, int] = {}
        #: user -> account of all its orders until removed (a margin liquidation's orders)
        self.order_sticky: Dict[int, int] = {}
        #: predicates of balances the auditor does not predict itself (a product whose
        #: postings it cannot derive from events): their ``BalanceChanged`` is adopted, and
        #: per-asset conservation over all balances is checked instead
        self.loose: List[Callable[[Key], bool]] = []
        self._loosened: Set[Key] = set()  # loose for the current command only
        self.posted: List[TransferPosted] = []  # the current command's value postings
        self.adopted = 0  # BalanceChanged values adopted for loose balances

    def extend(self, event_type: type, handler: Extension) -> None:
        """Predict the postings of ``event_type`` (a product's own event) with ``handler``."""
        self.extensions[event_type] = handler

    def move(self, debit: Key, credit: Key, amount: int, changed: Set[Key]) -> None:
        """Public form of a value posting, for extensions."""
        self._move(debit, credit, amount, changed)

    def freeze(self, key: Key, delta: int) -> None:
        """Public form of a hold change, for extensions."""
        self._freeze(key, delta)

    def on_command(self, command_type: type, hook: Callable[["Auditor", Any], None]) -> None:
        """Run ``hook(auditor, command)`` before the events of each ``command_type``."""
        self.command_hooks[command_type] = hook

    def loosen(self, key: Key) -> None:
        """Adopt ``key``'s ``BalanceChanged`` in the current command (conservation checked)."""
        self._loosened.add(key)

    def _is_loose(self, key: Key) -> bool:
        return key in self._loosened or any(test(key) for test in self.loose)

    # ------------------------------------------------------------------ feeding
    def feed(self, events: List[Any], command: Any = None) -> None:
        """Audit the events of ONE command (``command``: the command itself, if known, for
        products whose events alone do not say everything, e.g. a margin order's account)."""
        self.posted = []
        self._loosened = set()
        self.order_account = {}
        self.order_sticky = {}
        if command is not None:
            hook = self.command_hooks.get(type(command))
            if hook is not None:
                hook(self, command)
        changed: Set[Key] = set()
        reported: Dict[Key, BalanceChanged] = {}
        pending_plan_order: Optional[Tuple[int, int]] = None
        for event in events:
            kind = type(event)
            if kind is BalanceChanged:
                key = (event.owner, event.account, event.asset)
                if key in reported:
                    raise AuditError(f"two BalanceChanged for {key} in one command")
                reported[key] = event
                continue
            if reported:
                raise AuditError(f"{event} after the BalanceChanged events of its command")
            if kind is TradeExecuted:
                self._trade(event, changed)
            elif kind is OrderAccepted:
                if pending_plan_order is not None:
                    if (event.order_id, event.plan_id) != pending_plan_order:
                        raise AuditError(f"plan trigger said {pending_plan_order}, got {event}")
                    pending_plan_order = None
                else:
                    if event.plan_id != 0:
                        raise AuditError(f"plan order without PlanTriggered: {event}")
                self._accept(event)
            elif kind is OrderClosed:
                self._close(event)
            elif kind is TransferPosted:
                if not ((event.code in _VALUE_CODES or event.code >= _PRODUCT_CODES)
                        and event.amount > 0):
                    raise AuditError(f"odd transfer {event}")
                debit = (event.debit_owner, event.debit_account, event.asset)
                credit = (event.credit_owner, event.credit_account, event.asset)
                if debit == credit:
                    raise AuditError(f"transfer to itself {event}")
                self._move(debit, credit, event.amount, changed)
                self.posted.append(event)
            elif kind is WithdrawalRequested:
                if event.withdrawal_id in self.withdrawals:
                    raise AuditError(f"twice pending {event}")
                self.withdrawals[event.withdrawal_id] = (event.user, event.asset, event.amount)
                self._freeze((event.user, _SPOT, event.asset), event.amount)
            elif kind in (WithdrawalCompleted, WithdrawalFailed):
                pending = self.withdrawals.pop(event.withdrawal_id, None)
                if pending != (event.user, event.asset, event.amount):
                    raise AuditError(f"{event} does not match the pending withdrawal {pending}")
                self._freeze((event.user, _SPOT, event.asset), -event.amount)
            elif kind is AssetListed:
                self.scales[event.asset] = event.scale
            elif kind is MarketListed:
                base_per_size = 10 ** (self.scales[event.base] - event.quantity_precision)
                quote_per = 10 ** (self.scales[event.quote] - event.price_precision
                                   - event.quantity_precision)
                self.markets[event.symbol] = (event.base, event.quote, base_per_size, quote_per,
                                              event.maker_fee_ppm, event.taker_fee_ppm)
            elif kind is UserFeesSet:
                if (event.maker_fee_ppm, event.taker_fee_ppm) == (-1, -1):
                    self.user_fees.pop(event.user, None)
                else:
                    self.user_fees[event.user] = (event.maker_fee_ppm, event.taker_fee_ppm)
            elif kind is PlanPlaced:
                if event.plan_id <= self.last_order_id:
                    raise AuditError(f"plan id reused {event}")
                self.last_order_id = event.plan_id
                self.plans.add(event.plan_id)
            elif kind is PlanTriggered:
                if event.plan_id not in self.plans:
                    raise AuditError(f"unknown plan fired {event}")
                self.plans.discard(event.plan_id)
                pending_plan_order = (event.order_id, event.plan_id)
            elif kind is PlanClosed:
                if event.plan_id not in self.plans:
                    raise AuditError(f"unknown plan closed {event}")
                self.plans.discard(event.plan_id)
            else:
                extension = self.extensions.get(kind)
                if extension is not None:
                    extension(self, event, changed)
        if pending_plan_order is not None:
            raise AuditError("PlanTriggered without its order")
        if self._transient:
            raise AuditError(f"orders {self._transient} outlived their command")
        frozen = self.frozen
        for key, before in self._frozen_touched.items():
            if frozen.get(key, 0) < 0:
                raise AuditError(f"predicted frozen of {key} went negative")
            if frozen.get(key, 0) != before:
                changed.add(key)
            if not frozen.get(key, 1):
                del frozen[key]
        self._frozen_touched = {}
        for key in changed:
            if key not in reported and not self._is_loose(key):
                raise AuditError(f"balance {key} changed without a BalanceChanged event")
        imbalance: Dict[str, int] = {}
        for key, event in reported.items():
            if self._is_loose(key):
                # adopt the engine's value; conservation over all balances is checked below
                if event.frozen < 0 or (event.available < 0 and key[0] > 0):
                    raise AuditError(f"negative balance reported: {event}")
                new_total = event.available + event.frozen
                imbalance[key[2]] = imbalance.get(key[2], 0) + new_total - self.totals.get(key, 0)
                self.totals[key] = new_total
                if event.frozen:
                    frozen[key] = event.frozen
                else:
                    frozen.pop(key, None)
                self.adopted += 1
                continue
            total = self.totals.get(key, 0)
            want_frozen = frozen.get(key, 0)
            if (event.available + event.frozen, event.frozen) != (total, want_frozen):
                raise AuditError(f"{event}: predicted total {total}, frozen {want_frozen}")
        for asset, delta in imbalance.items():
            if delta:
                raise AuditError(f"{asset} not conserved: balances the auditor adopted from "
                                 f"BalanceChanged moved by {delta} net")

    def _freeze(self, key: Key, delta: int) -> None:
        if not delta:
            return
        if key not in self._frozen_touched:
            self._frozen_touched[key] = self.frozen.get(key, 0)
        self.frozen[key] = self.frozen.get(key, 0) + delta

    def _move(self, debit: Key, credit: Key, amount: int, changed: Set[Key]) -> None:
        if amount == 0:
            return
        self.totals[debit] = self.totals.get(debit, 0) - amount
        self.totals[credit] = self.totals.get(credit, 0) + amount
        changed.add(debit)
        changed.add(credit)

    def _rates(self, user: int, symbol: str) -> Tuple[int, int]:
        market = self.markets[symbol]
        maker, taker = self.user_fees.get(user, (-1, -1))
        return (market[4] if maker < 0 else maker, market[5] if taker < 0 else taker)

    def _accept(self, event: OrderAccepted) -> None:
        if event.order_id <= self.last_order_id:
            raise AuditError(f"order id not increasing {event}")
        self.last_order_id = event.order_id
        if event.symbol not in self.markets:
            raise AuditError(f"order on unknown market {event}")
        if event.plan_id:
            account = _SPOT  # plans are spot's
        elif event.user in self.order_sticky:
            account = self.order_sticky[event.user]
        else:
            account = self.order_account.pop(event.user, _SPOT)  # once: the command's order
        order = self.orders[event.order_id] = _Order(event, *self._rates(event.user, event.symbol),
                                                     account)
        if order.order_type == _LIMIT:
            key, amount = self._hold(order, order.size)
            self._freeze(key, amount)
        if order.order_type != _LIMIT or order.force not in (0, 3):
            self._transient.add(order.order_id)

    def _trade(self, trade: TradeExecuted, changed: Set[Key]) -> None:
        base, quote, base_per_size, quote_per, _, _ = self.markets[trade.symbol]
        maker = self.orders.get(trade.maker_order_id)
        taker = self.orders.get(trade.taker_order_id)
        if maker is None or taker is None:
            raise AuditError(f"trade of unknown orders {trade}")
        if not (maker.symbol == taker.symbol == trade.symbol):
            raise AuditError(f"cross-market trade {trade}")
        if not (maker.side != taker.side and trade.taker_side == taker.side):
            raise AuditError(f"sides {trade}")
        if (maker.user, taker.user) != (trade.maker_user, trade.taker_user):
            raise AuditError(f"users {trade}")
        if not (maker.user != taker.user or taker.stp == int(Stp.NONE)):
            raise AuditError(f"self-trade despite STP {taker.stp}: {trade}")
        if not (maker.order_type == _LIMIT and trade.price == maker.price):
            raise AuditError(f"trade not at the maker's price {trade}")
        if not (0 < trade.size <= maker.remaining):
            raise AuditError(f"maker overfilled {trade}")
        if taker.order_type == _LIMIT:
            if trade.size > taker.remaining:
                raise AuditError(f"taker overfilled {trade}")
            better = (trade.price <= taker.price) if taker.side == _BUY else \
                (trade.price >= taker.price)
            if not better:
                raise AuditError(f"trade beyond the taker's limit {trade}")
        if trade.base_amount != trade.size * base_per_size:
            raise AuditError(f"base amount {trade}")
        if trade.quote_amount != trade.size * trade.price * quote_per:
            raise AuditError(f"quote amount {trade}")
        maker_gets = trade.base_amount if maker.side == _BUY else trade.quote_amount
        taker_gets = trade.base_amount if taker.side == _BUY else trade.quote_amount
        if trade.maker_fee != fee_units(maker_gets, maker.maker_ppm):
            raise AuditError(f"maker fee {trade.maker_fee}, rate {maker.maker_ppm}: {trade}")
        if trade.taker_fee != fee_units(taker_gets, taker.taker_ppm):
            raise AuditError(f"taker fee {trade.taker_fee}, rate {taker.taker_ppm}: {trade}")
        buyer, seller = (taker, maker) if trade.taker_side == _BUY else (maker, taker)
        # trade_postings: buyer->seller quote, seller->buyer base, buyer fee, seller fee
        owners = (buyer, seller, buyer, seller)
        for (source, target, which, amount), order in zip(trade_postings(trade), owners):
            asset = base if which == "base" else quote
            if source != order.user:
                raise AuditError(f"postings out of order: {trade}")
            debit = (source, order.account, asset)
            other = seller if order is buyer else buyer
            credit = ((_FEES, _SYSTEM, asset) if target == "FEES"
                      else (target, other.account, asset))
            self._move(debit, credit, amount, changed)
            if target == "FEES":
                self.fees[asset] = self.fees.get(asset, 0) + amount
        maker.remaining -= trade.size
        self._freeze(*self._unhold(maker, trade.size))
        if taker.order_type == _LIMIT:
            self._freeze(*self._unhold(taker, trade.size))
        for order in (maker, taker):
            order.filled_size += trade.size
            order.filled_quote += trade.quote_amount
        if taker.order_type == _LIMIT or taker.side != _BUY:
            taker.remaining -= trade.size
        else:
            taker.budget -= trade.quote_amount
            if taker.budget < 0:
                raise AuditError(f"market buy overspent {trade}")
        self.trades += 1

    def _close(self, event: OrderClosed) -> None:
        order = self.orders.pop(event.order_id, None)
        if order is None:
            raise AuditError(f"close of unknown order {event}")
        self._transient.discard(order.order_id)
        if order.order_type == _LIMIT:
            self._freeze(*self._unhold(order, order.remaining))
        if (event.filled_size, event.filled_quote) != (order.filled_size, order.filled_quote):
            raise AuditError(f"{event}: auditor counted {order.filled_size}/{order.filled_quote}")
        if event.status == int(OrderStatus.FILLED):
            if not (event.reason == 0 and order.filled_size > 0):
                raise AuditError(f"odd fill close {event}")
            if (order.order_type == _LIMIT or order.side != _BUY) and order.remaining:
                raise AuditError(f"FILLED with {order.remaining} left: {event}")
        else:
            if not (event.status == int(OrderStatus.CANCELLED) and event.reason > 0):
                raise AuditError(f"odd close {event}")

    def _hold(self, order: _Order, size: int) -> Tuple[Key, int]:
        """What ``size`` of a limit order holds: quote at its own price, or base."""
        base, quote, base_per_size, quote_per, _, _ = self.markets[order.symbol]
        if order.side == _BUY:
            return (order.user, order.account, quote), size * order.price * quote_per
        return (order.user, order.account, base), size * base_per_size

    def _unhold(self, order: _Order, size: int) -> Tuple[Key, int]:
        key, amount = self._hold(order, size)
        return key, -amount

    # ------------------------------------------------------------------ checking a state
    def check_state(self, state: Any) -> None:
        """The engine's ledger and open orders equal the auditor's predictions."""
        seen: Set[Key] = set()
        for balance in state.ledger:
            key = (balance.owner, balance.account, balance.asset)
            seen.add(key)
            want = (self.totals.get(key, 0), self.frozen.get(key, 0))
            if (balance.available + balance.frozen, balance.frozen) != want:
                raise AuditError(f"{balance!r}: auditor predicts total/frozen {want}")
        for key, total in self.totals.items():
            if not (total == 0 or key in seen):
                raise AuditError(f"auditor has {key}={total}, ledger has none")
        live = {o.order_id: o.remaining for o in state.orders.values()}
        mine = {o.order_id: o.remaining for o in self.orders.values()}
        if live != mine:
            raise AuditError(f"open orders differ: engine {live} auditor {mine}")
        if set(state.plans) != self.plans:
            raise AuditError("live plans differ")
        pending = {w.withdrawal_id for w in state.withdrawals.values() if w.status == 0}
        if pending != set(self.withdrawals):
            raise AuditError("pending withdrawals differ")
