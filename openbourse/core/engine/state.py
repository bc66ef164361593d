"""EngineState: everything the core knows.  Only ``engine.apply`` mutates it."""
from __future__ import annotations

from collections import deque
from typing import Any, Deque, Dict, Tuple

from ..context import Context
from ..ledger.ledger import Ledger
from ..markets import Market
from ..orderbook.book import OrderBook
from ..orderbook.order import Order
from ..spot.plans import Plan, TriggerBook
from ..wallet.withdrawal import Withdrawal
from .products import PRODUCTS

__all__ = ["EngineState", "ClientOidEntry"]

# (first result id, payload without ts, ts of use) for client-id idempotency
ClientOidEntry = Tuple[int, tuple, int]
OidKey = Tuple[int, int, str]


class EngineState:
    def __init__(self) -> None:
        self.assets: Dict[str, int] = {}  # asset -> scale
        self.markets: Dict[str, Market] = {}
        self.books: Dict[str, OrderBook] = {}
        self.triggers: Dict[str, TriggerBook] = {}
        self.ledger = Ledger()
        self.orders: Dict[int, Order] = {}  # live orders by id
        self.plans: Dict[int, Plan] = {}  # live plan orders by id
        self.open_count: Dict[Tuple[int, str], int] = {}  # (user, symbol) -> live orders
        self.user_fees: Dict[int, Tuple[int, int]] = {}  # user -> (maker, taker) ppm, -1 = default
        # Client ids: (user, client_oid) -> entry, with an expiry queue (6 h window).
        # Client ids, keyed (namespace, user, client_oid); namespace 0 orders, 1 plans.
        self.client_oids: Dict[OidKey, ClientOidEntry] = {}
        self.client_oid_expiry: Deque[Tuple[int, OidKey]] = deque()  # (ts_ns, key), oldest first
        self.live_client_oids: Dict[OidKey, int] = {}  # key -> id of the live order/plan
        self.deposits: Dict[str, tuple] = {}  # ref -> payload (idempotency)
        self.transfers_done: Dict[Tuple[int, str], tuple] = {}  # (user, ref) -> payload
        self.withdrawals: Dict[str, Withdrawal] = {}
        self.next_order_id = 1
        self.next_trade_id = 1
        self.next_transfer_id = 1
        self.event_seq = 1  # seq of the next event
        self.command_count = 0
        self.ts_ns = 0  # timestamp of the last applied command
        # Each plugged-in product's own state (core/product.py), by product name.
        self.products: Dict[str, Any] = {p.name: p.new_state() for p in PRODUCTS}
        # Scratch of ``apply``, reset for every command (not part of the state proper:
        # snapshots and the state hash ignore it).
        self.context = Context(0, 0, 0)
