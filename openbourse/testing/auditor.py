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
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Set, Tuple

from ..core.enums import AccountType, OrderStatus, OrderType, Side, Stp, SystemOwner, TransferCode
from ..core.events import (AssetListed, BalanceChanged, MarketListed, OrderAccepted, OrderClosed,
                           PlanClosed, PlanPlaced, PlanTriggered, TradeExecuted, TransferPosted,
                           UserFeesSet, WithdrawalCompleted, WithdrawalFailed, WithdrawalRequested)
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

Key = Tuple[int, int, str]


class AuditError(AssertionError):
    pass


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise AuditError(message)


class _Order:
    __slots__ = ("order_id", "user", "symbol", "side", "order_type", "price", "size",
                 "remaining", "budget", "filled_size", "filled_quote", "maker_ppm", "taker_ppm",
                 "stp", "force")

    def __init__(self, event: OrderAccepted, maker_ppm: int, taker_ppm: int) -> None:
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

    # ------------------------------------------------------------------ feeding
    def feed(self, events: List[Any]) -> None:
        """Audit the events of ONE command."""
        changed: Set[Key] = set()
        reported: Dict[Key, BalanceChanged] = {}
        pending_plan_order: Optional[Tuple[int, int]] = None
        for event in events:
            kind = type(event)
            if kind is BalanceChanged:
                key = (event.owner, event.account, event.asset)
                _require(key not in reported, f"two BalanceChanged for {key} in one command")
                reported[key] = event
                continue
            _require(not reported, f"{event} after the BalanceChanged events of its command")
            if kind is TradeExecuted:
                self._trade(event, changed)
            elif kind is OrderAccepted:
                if pending_plan_order is not None:
                    _require((event.order_id, event.plan_id) == pending_plan_order,
                             f"plan trigger announced {pending_plan_order}, got {event}")
                    pending_plan_order = None
                else:
                    _require(event.plan_id == 0, f"plan order without PlanTriggered: {event}")
                self._accept(event)
            elif kind is OrderClosed:
                self._close(event)
            elif kind is TransferPosted:
                _require(event.code in _VALUE_CODES and event.amount > 0, f"odd transfer {event}")
                debit = (event.debit_owner, event.debit_account, event.asset)
                credit = (event.credit_owner, event.credit_account, event.asset)
                _require(debit != credit, f"transfer to itself {event}")
                self._move(debit, credit, event.amount, changed)
            elif kind is WithdrawalRequested:
                _require(event.withdrawal_id not in self.withdrawals, f"twice pending {event}")
                self.withdrawals[event.withdrawal_id] = (event.user, event.asset, event.amount)
                self._freeze((event.user, _SPOT, event.asset), event.amount)
            elif kind in (WithdrawalCompleted, WithdrawalFailed):
                pending = self.withdrawals.pop(event.withdrawal_id, None)
                _require(pending == (event.user, event.asset, event.amount),
                         f"{event} does not match the pending withdrawal {pending}")
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
                _require(event.plan_id > self.last_order_id, f"plan id reused {event}")
                self.last_order_id = event.plan_id
                self.plans.add(event.plan_id)
            elif kind is PlanTriggered:
                _require(event.plan_id in self.plans, f"unknown plan fired {event}")
                self.plans.discard(event.plan_id)
                pending_plan_order = (event.order_id, event.plan_id)
            elif kind is PlanClosed:
                _require(event.plan_id in self.plans, f"unknown plan closed {event}")
                self.plans.discard(event.plan_id)
        _require(pending_plan_order is None, "PlanTriggered without its order")
        _require(not self._transient, f"orders {self._transient} outlived their command")
        frozen = self.frozen
        for key, before in self._frozen_touched.items():
            _require(frozen.get(key, 0) >= 0, f"predicted frozen of {key} went negative")
            if frozen.get(key, 0) != before:
                changed.add(key)
            if not frozen.get(key, 1):
                del frozen[key]
        self._frozen_touched = {}
        for key in changed:
            _require(key in reported, f"balance {key} changed without a BalanceChanged event")
        for key, event in reported.items():
            total = self.totals.get(key, 0)
            want_frozen = frozen.get(key, 0)
            _require((event.available + event.frozen, event.frozen) == (total, want_frozen),
                     f"{event}: predicted total {total}, frozen {want_frozen}")

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
        _require(event.order_id > self.last_order_id, f"order id not increasing {event}")
        self.last_order_id = event.order_id
        _require(event.symbol in self.markets, f"order on unknown market {event}")
        order = self.orders[event.order_id] = _Order(event, *self._rates(event.user, event.symbol))
        if order.order_type == _LIMIT:
            key, amount = self._hold(order, order.size)
            self._freeze(key, amount)
        if order.order_type != _LIMIT or order.force not in (0, 3):
            self._transient.add(order.order_id)

    def _trade(self, trade: TradeExecuted, changed: Set[Key]) -> None:
        base, quote, base_per_size, quote_per, _, _ = self.markets[trade.symbol]
        maker = self.orders.get(trade.maker_order_id)
        taker = self.orders.get(trade.taker_order_id)
        _require(maker is not None and taker is not None, f"trade of unknown orders {trade}")
        assert maker is not None and taker is not None
        _require(maker.symbol == taker.symbol == trade.symbol, f"cross-market trade {trade}")
        _require(maker.side != taker.side and trade.taker_side == taker.side, f"sides {trade}")
        _require((maker.user, taker.user) == (trade.maker_user, trade.taker_user), f"users {trade}")
        _require(maker.user != taker.user or taker.stp == int(Stp.NONE),
                 f"self-trade despite STP {taker.stp}: {trade}")
        _require(maker.order_type == _LIMIT and trade.price == maker.price,
                 f"trade not at the maker's price {trade}")
        _require(0 < trade.size <= maker.remaining, f"maker overfilled {trade}")
        if taker.order_type == _LIMIT:
            _require(trade.size <= taker.remaining, f"taker overfilled {trade}")
            better = trade.price <= taker.price if taker.side == _BUY else trade.price >= taker.price
            _require(better, f"trade beyond the taker's limit {trade}")
        _require(trade.base_amount == trade.size * base_per_size, f"base amount {trade}")
        _require(trade.quote_amount == trade.size * trade.price * quote_per, f"quote amount {trade}")
        maker_gets = trade.base_amount if maker.side == _BUY else trade.quote_amount
        taker_gets = trade.base_amount if taker.side == _BUY else trade.quote_amount
        _require(trade.maker_fee == fee_units(maker_gets, maker.maker_ppm),
                 f"maker fee {trade.maker_fee} != {fee_units(maker_gets, maker.maker_ppm)}")
        _require(trade.taker_fee == fee_units(taker_gets, taker.taker_ppm),
                 f"taker fee {trade.taker_fee} != {fee_units(taker_gets, taker.taker_ppm)}")
        for source, target, which, amount in trade_postings(trade):
            asset = base if which == "base" else quote
            debit = (source, _SPOT, asset)
            credit = (_FEES, _SYSTEM, asset) if target == "FEES" else (target, _SPOT, asset)
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
            _require(taker.budget >= 0, f"market buy overspent {trade}")
        self.trades += 1

    def _close(self, event: OrderClosed) -> None:
        order = self.orders.pop(event.order_id, None)
        _require(order is not None, f"close of unknown order {event}")
        assert order is not None
        self._transient.discard(order.order_id)
        if order.order_type == _LIMIT:
            self._freeze(*self._unhold(order, order.remaining))
        _require((event.filled_size, event.filled_quote) == (order.filled_size, order.filled_quote),
                 f"{event} reports fills other than {order.filled_size}/{order.filled_quote}")
        if event.status == int(OrderStatus.FILLED):
            _require(event.reason == 0 and order.filled_size > 0, f"odd fill close {event}")
            if order.order_type == _LIMIT or order.side != _BUY:
                _require(order.remaining == 0, f"FILLED with {order.remaining} left: {event}")
        else:
            _require(event.status == int(OrderStatus.CANCELLED) and event.reason > 0,
                     f"odd close {event}")

    def _hold(self, order: _Order, size: int) -> Tuple[Key, int]:
        """What ``size`` of a limit order holds: quote at its own price, or base."""
        base, quote, base_per_size, quote_per, _, _ = self.markets[order.symbol]
        if order.side == _BUY:
            return (order.user, _SPOT, quote), size * order.price * quote_per
        return (order.user, _SPOT, base), size * base_per_size

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
            _require((balance.available + balance.frozen, balance.frozen) == want,
                     f"{balance!r}: auditor predicts total/frozen {want}")
        for key, total in self.totals.items():
            _require(total == 0 or key in seen, f"auditor has {key}={total}, ledger has none")
        live = {o.order_id: o.remaining for o in state.orders.values()}
        mine = {o.order_id: o.remaining for o in self.orders.values()}
        _require(live == mine, f"open orders differ: engine {live} auditor {mine}")
        _require(set(state.plans) == self.plans, "live plans differ")
        pending = {w.withdrawal_id for w in state.withdrawals.values() if w.status == 0}
        _require(pending == set(self.withdrawals), "pending withdrawals differ")
