"""Invariants of a sound engine state; ``check_all`` raises ``InvariantViolation`` on the first.

Tests call it after every command; the simulator and the recovery check call it too.
It is deliberately independent of the hot-path bookkeeping: it recomputes holds, level
totals and open-order counts from the orders themselves.
"""
from __future__ import annotations

from typing import Dict, Tuple

from ..enums import AccountType, OrderType, Side, SystemOwner
from ..wallet.withdrawal import PENDING
from .products import PRODUCTS
from .state import EngineState

__all__ = ["check_all", "InvariantViolation"]

_SPOT = int(AccountType.SPOT)


class InvariantViolation(AssertionError):
    pass


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise InvariantViolation(message)


def check_conservation(state: EngineState) -> None:
    for asset, total in state.ledger.totals().items():
        _require(total == 0, f"asset {asset} sums to {total}, not 0")


def check_no_negative(state: EngineState) -> None:
    for balance in state.ledger:
        if balance.owner == SystemOwner.EXTERNAL or balance.owner == SystemOwner.CLEARING:
            continue  # the outside world and the futures clearing account may be negative
        _require(balance.available >= 0 and balance.frozen >= 0, f"negative {balance!r}")


def _expected_hold(state: EngineState, order) -> int:  # type: ignore[no-untyped-def]
    market = state.markets[order.symbol]
    if order.side == Side.SELL:
        return order.remaining * market.base_per_size
    _require(order.order_type == OrderType.LIMIT, f"resting market order {order!r}")
    return order.remaining * order.price * market.quote_per_price_size


def check_holds(state: EngineState) -> None:
    """frozen == what open orders, pending withdrawals and products need, per balance."""
    needed: Dict[Tuple[int, int, str], int] = {}
    for order in state.orders.values():
        _require(order.resting and order.remaining > 0, f"live order not resting {order!r}")
        _require(order.hold == _expected_hold(state, order), f"hold mismatch {order!r}")
        market = state.markets[order.symbol]
        _require(order.base_balance.key == (order.user, order.quote_balance.account, market.base)
                 and order.quote_balance.key == (order.user, order.base_balance.account,
                                                 market.quote), f"order balances {order!r}")
        held = order.quote_balance if order.side == Side.BUY else order.base_balance
        key = (order.user, held.account, held.asset)
        needed[key] = needed.get(key, 0) + order.hold
    for withdrawal in state.withdrawals.values():
        if withdrawal.status == PENDING:
            key = (withdrawal.user, _SPOT, withdrawal.asset)
            needed[key] = needed.get(key, 0) + withdrawal.amount
    for product in PRODUCTS:
        if product.holds is not None:
            for key, amount in product.holds(state).items():
                needed[key] = needed.get(key, 0) + amount
    for balance in state.ledger:
        if balance.owner > 0:
            expected = needed.pop((balance.owner, balance.account, balance.asset), 0)
            _require(balance.frozen == expected,
                     f"{balance!r} frozen {balance.frozen} != needed {expected}")
        else:
            _require(balance.frozen == 0, f"system balance frozen {balance!r}")
    _require(not needed, f"holds without a balance: {needed}")


def check_books(state: EngineState) -> None:
    counts: Dict[Tuple[int, str], int] = {}
    for symbol, book in state.books.items():
        for side in (book.bids, book.asks):
            _require(side.keys == sorted(side.keys) and len(set(side.keys)) == len(side.keys),
                     f"{symbol} level keys not sorted/unique")
            _require(set(side.keys) == set(side.levels), f"{symbol} keys != levels")
            for key in side.keys:
                level = side.levels[key]
                live = level.orders()
                _require(bool(live) and all(o.remaining > 0 for o in live),
                         f"{symbol} level {key} empty or holding a dead order")
                _require(level.tail is live[-1] and live[0].prev is None
                         and all(b.prev is a for a, b in zip(live, live[1:])),
                         f"{symbol} level {key} links broken")
                _require(sum(o.remaining for o in live) == level.total, f"{symbol} level total")
                _require(all(side.sign * o.price == key for o in live), f"{symbol} price/key")
                _require(all(state.orders.get(o.order_id) is o for o in live), "unindexed order")
                for order in live:
                    counts[(order.user, symbol)] = counts.get((order.user, symbol), 0) + 1
        bid, ask = book.best_bid(), book.best_ask()
        _require(bid is None or ask is None or bid < ask, f"{symbol} crossed: {bid} >= {ask}")
    _require(counts == state.open_count, "open-order counts out of date")
    _require(sum(counts.values()) == len(state.orders), "orders outside the books")


def check_plans(state: EngineState) -> None:
    indexed = sum(len(triggers) for triggers in state.triggers.values())
    _require(indexed == len(state.plans), "trigger book out of step with plans")


def check_all(state: EngineState) -> None:
    check_conservation(state)
    check_no_negative(state)
    check_holds(state)
    check_books(state)
    check_plans(state)
    for product in PRODUCTS:
        if product.invariants is not None:
            product.invariants(state)
