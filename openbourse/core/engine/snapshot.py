"""Canonical bytes of the whole engine state, and back.

The encoding is a nested tuple of ints, strs and tuples in a fixed order (sorted keys,
book priority order), marshalled at format 2 (no back-references), so equal states give
equal bytes whatever the history of dicts, deques and lazy cancels behind them.  It is
the basis of snapshots and of ``state_hash``.
"""
from __future__ import annotations

import marshal
from collections import deque
from typing import Any, Tuple

from ..commands import ListMarket
from ..markets import Market
from ..orderbook.book import OrderBook
from ..orderbook.order import Order
from ..spot.plans import Plan, TriggerBook
from ..wallet.withdrawal import Withdrawal
from .products import PRODUCTS
from .state import EngineState

__all__ = ["encode_state", "decode_state", "state_tuple", "SNAPSHOT_VERSION"]

SNAPSHOT_VERSION = 3  # 3: orders record their account type (margin orders)
_ORDER_FIELDS = ("order_id", "user", "symbol", "side", "order_type", "force", "price", "size",
                 "quote_size", "remaining", "filled_size", "filled_quote", "hold",
                 "client_oid", "stp", "maker_fee_ppm", "taker_fee_ppm", "tp_trigger",
                 "tp_price", "sl_trigger", "sl_price", "plan_id", "ts_ns", "fee_paid")


def _order_tuple(order: Order) -> Tuple[Any, ...]:
    # the account the order trades from (SPOT or a margin account) closes the record
    return tuple(getattr(order, name) for name in _ORDER_FIELDS) + (order.base_balance.account,)


def state_tuple(state: EngineState) -> Tuple[Any, ...]:
    markets = tuple(
        tuple(state.markets[symbol].spec()[1:]) + (state.markets[symbol].status,
                                                   state.markets[symbol].last_price)
        for symbol in sorted(state.markets))
    books = tuple(
        (symbol, tuple(_order_tuple(o) for o in state.books[symbol].bids.orders()),
         tuple(_order_tuple(o) for o in state.books[symbol].asks.orders()))
        for symbol in sorted(state.books))
    balances = tuple(sorted((b.owner, b.account, b.asset, b.available, b.frozen)
                            for b in state.ledger))
    return (
        SNAPSHOT_VERSION,
        (state.next_order_id, state.next_trade_id, state.next_transfer_id, state.event_seq,
         state.command_count, state.ts_ns),
        tuple(sorted(state.assets.items())),
        markets,
        balances,
        books,
        tuple(state.plans[plan_id].fields() for plan_id in sorted(state.plans)),
        tuple(sorted(state.user_fees.items())),
        tuple(sorted(state.client_oids.items())),
        tuple(state.client_oid_expiry),
        tuple(sorted(state.live_client_oids.items())),
        tuple(sorted(state.deposits.items())),
        tuple(sorted(state.transfers_done.items())),
        tuple((w.withdrawal_id, w.user, w.asset, w.amount, w.status)
              for w in sorted(state.withdrawals.values(), key=lambda w: w.withdrawal_id)),
        tuple((p.name, p.state_tuple(state.products[p.name])) for p in PRODUCTS),
    )


def encode_state(state: EngineState) -> bytes:
    return marshal.dumps(state_tuple(state), 2)


def _restore_order(state: EngineState, fields: Tuple[Any, ...]) -> Order:
    values = dict(zip(_ORDER_FIELDS, fields))
    account = fields[len(_ORDER_FIELDS)]
    market = state.markets[values["symbol"]]
    ledger = state.ledger
    order = Order(values["order_id"], values["user"], values["symbol"], values["side"],
                  values["order_type"], values["force"], values["price"], values["size"],
                  values["quote_size"], values["client_oid"], values["stp"],
                  values["maker_fee_ppm"], values["taker_fee_ppm"],
                  ledger.balance(values["user"], account, market.base),
                  ledger.balance(values["user"], account, market.quote), values["ts_ns"])
    for name in ("remaining", "filled_size", "filled_quote", "hold", "tp_trigger", "tp_price",
                 "sl_trigger", "sl_price", "plan_id", "fee_paid"):
        setattr(order, name, values[name])
    order.resting = True
    return order


def decode_state(data: bytes) -> EngineState:
    (version, counters, assets, markets, balances, books, plans, user_fees, client_oids,
     expiry, live_oids, deposits, transfers, withdrawals, products) = marshal.loads(data)
    if version != SNAPSHOT_VERSION:
        raise ValueError(f"snapshot version {version} is not {SNAPSHOT_VERSION}")
    state = EngineState()
    (state.next_order_id, state.next_trade_id, state.next_transfer_id, state.event_seq,
     state.command_count, state.ts_ns) = counters
    state.assets = dict(assets)
    for row in markets:
        spec = ListMarket(0, *row[:-2])
        market = Market(spec, state.assets[spec.base], state.assets[spec.quote])
        market.status, market.last_price = row[-2], row[-1]
        state.markets[spec.symbol] = market
        state.books[spec.symbol] = OrderBook(spec.symbol)
        state.triggers[spec.symbol] = TriggerBook()
    for owner, account, asset, available, frozen in balances:
        balance = state.ledger.balance(owner, account, asset)
        balance.available, balance.frozen = available, frozen
    for symbol, bids, asks in books:
        book = state.books[symbol]
        for fields in bids + asks:
            order = _restore_order(state, fields)
            book.side(order.side).add(order)
            state.orders[order.order_id] = order
            key = (order.user, order.symbol)
            state.open_count[key] = state.open_count.get(key, 0) + 1
    state.orders = dict(sorted(state.orders.items()))
    for fields in plans:
        plan = Plan(*fields)
        state.plans[plan.plan_id] = plan
        state.triggers[plan.symbol].add(plan)
    state.user_fees = dict(user_fees)
    state.client_oids = dict(client_oids)
    state.client_oid_expiry = deque(expiry)
    state.live_client_oids = dict(live_oids)
    state.deposits = dict(deposits)
    state.transfers_done = dict(transfers)
    state.withdrawals = {row[0]: Withdrawal(*row) for row in withdrawals}
    saved = dict(products)
    if sorted(saved) != sorted(p.name for p in PRODUCTS):
        raise ValueError(f"snapshot products {sorted(saved)} differ from this build's")
    for product in PRODUCTS:
        state.products[product.name] = product.restore(state, saved[product.name])
    return state
