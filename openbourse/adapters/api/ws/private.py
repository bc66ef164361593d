"""Private channels ``orders``, ``fill``, ``account`` and ``orders-algo`` (instType SPOT).

Pushes are derived from events only, for the user the event belongs to: the feed keeps
just enough per-order state (accepted terms, cumulative fill, fees) to render Bitget's
order and fill records, and forgets an order when it closes.  Within one drained batch an
order is pushed once with its latest state (Bitget also coalesces).

These are the spot account's channels: orders on margin accounts (``PlaceMarginOrder``,
liquidation orders, the replacement of a margin order) are not pushed here, as on Bitget
where they have their own channels.  The feed learns them from the command (the gateway
passes it); for an order placed before a restart it asks ``order_account`` (the private
views' persisted account type) when one is set.
"""
from __future__ import annotations

from typing import Callable, Dict, List, Optional, Set, Tuple

from ....core import events as ev
from ....core.enums import AccountType, CloseReason, OrderType, Side
from ....core.margin import commands as mc
from ....core.margin import events as me
from ...readmodels.catalog import Catalog
from .conn import Connection
from .frames import dumps, push_frame
from .private_items import OrderState, PlanState, account_item, fill_item, order_item, plan_item

__all__ = ["PrivateFeed", "PRIVATE_CHANNELS"]

PRIVATE_CHANNELS = frozenset({"orders", "fill", "account", "orders-algo"})
# (user, channel) -> key -> (filter, item)
Pending = Dict[Tuple[int, str], Dict[object, Tuple[str, dict]]]


class PrivateFeed:
    def __init__(self, catalog: Catalog,
                 balances_of: Optional[Callable[[int], List[Tuple[str, int, int, int]]]] = None
                 ) -> None:
        self.catalog = catalog
        self.balances_of = balances_of
        self.users: Dict[int, Set[Connection]] = {}
        self.orders: Dict[int, OrderState] = {}
        self.plans: Dict[int, PlanState] = {}
        self._pending: Pending = {}
        self.margin_orders: Set[int] = set()  # open orders of margin accounts (not pushed)
        #: order id → account type, for orders the feed has not seen accepted (restart)
        self.order_account: Optional[Callable[[int], int]] = None

    # -- subscriptions ---------------------------------------------------------------
    def subscribe(self, conn: Connection, channel: str, filt: str, arg_json: str,
                  now_ms: int) -> None:
        assert conn.user is not None
        conn.private_subs.add((channel, filt, arg_json))
        self.users.setdefault(conn.user, set()).add(conn)
        if channel == "account" and self.balances_of is not None:
            rows = self.balances_of(conn.user)
            items = [account_item(self.catalog, asset, avail, frozen, u_ms)
                     for asset, avail, frozen, u_ms in rows if filt in ("default", asset)]
            conn.push(push_frame("snapshot", arg_json, dumps(items), now_ms))

    def unsubscribe(self, conn: Connection, channel: str, filt: str, arg_json: str) -> None:
        conn.private_subs.discard((channel, filt, arg_json))

    def drop(self, conn: Connection) -> None:
        if conn.user is not None:
            conns = self.users.get(conn.user)
            if conns is not None:
                conns.discard(conn)
                if not conns:
                    del self.users[conn.user]
        conn.private_subs.clear()

    # -- event intake (every event, so order state is complete when a user subscribes) ---
    def collect(self, events: List[object], command: object = None) -> None:
        tag = command.user if type(command) is mc.PlaceMarginOrder else None
        liquidating: Optional[int] = None
        margin_orders = self.margin_orders
        for event in events:
            kind = type(event)
            if kind is ev.OrderAccepted:
                if event.plan_id == 0 and (tag == event.user or liquidating == event.user):
                    if tag == event.user:
                        tag = None
                    margin_orders.add(event.order_id)
                    continue
                order = OrderState.from_event(event)
                self.orders[event.order_id] = order
                self._queue_order(order)
            elif kind is ev.TradeExecuted:
                self._on_trade(event)
            elif kind is ev.OrderClosed:
                if event.order_id in margin_orders:
                    margin_orders.discard(event.order_id)
                    if event.reason == CloseReason.REPLACED:
                        tag = event.user  # ModifyOrder: the replacement is a margin order too
                    continue
                order = self.orders.pop(event.order_id, None)
                if order is not None:
                    order.close(event)
                    self._queue_order(order)
            elif kind is ev.BalanceChanged:
                if event.owner in self.users and event.account == AccountType.SPOT:
                    item = account_item(self.catalog, event.asset, event.available,
                                        event.frozen, event.ts_ns // 1_000_000)
                    self._queue(event.owner, "account", event.asset, event.asset, item)
            elif kind in (ev.PlanPlaced, ev.PlanTriggered, ev.PlanClosed):
                self._on_plan(event)
            elif kind is me.LiquidationStarted:
                liquidating = event.user
            elif kind is me.LiquidationFinished and not event.asset:
                liquidating = None

    def _is_margin(self, order_id: int) -> bool:
        if order_id in self.margin_orders:
            return True
        if order_id in self.orders or self.order_account is None:
            return False
        return self.order_account(order_id) != AccountType.SPOT

    def _on_trade(self, e: ev.TradeExecuted) -> None:
        maker_side = Side.SELL if e.taker_side == Side.BUY else Side.BUY
        for user, order_id, side, fee, scope in (
            (e.maker_user, e.maker_order_id, maker_side, e.maker_fee, "maker"),
            (e.taker_user, e.taker_order_id, e.taker_side, e.taker_fee, "taker"),
        ):
            info = self.catalog.market(e.symbol)
            if info is None:
                continue
            fee_asset = info.base if side == Side.BUY else info.quote
            if user in self.users and self._is_margin(order_id):
                continue
            order = self.orders.get(order_id)
            if order is not None:
                order.fill(e, fee, fee_asset, scope)
                self._queue_order(order)
            if user in self.users:
                order_type = order.order_type if order is not None else OrderType.LIMIT
                item = fill_item(self.catalog, info, e, order_id, side, order_type, fee,
                                 fee_asset, scope)
                self._queue(user, "fill", e.symbol, (e.trade_id, order_id), item)

    def _on_plan(self, event: object) -> None:
        if type(event) is ev.PlanPlaced:
            plan = self.plans[event.plan_id] = PlanState.from_event(event)
        else:
            plan = self.plans.pop(event.plan_id, None)
            if plan is None:
                return
            plan.end(event)
        if plan.user in self.users:
            info = self.catalog.market(plan.symbol)
            if info is not None:
                self._queue(plan.user, "orders-algo", plan.symbol, plan.plan_id,
                            plan_item(self.catalog, info, plan))

    def _queue_order(self, order: OrderState) -> None:
        if order.user not in self.users:
            return
        info = self.catalog.market(order.symbol)
        if info is not None:
            self._queue(order.user, "orders", order.symbol, order.order_id,
                        order_item(self.catalog, info, order))

    def _queue(self, user: int, channel: str, filt: str, key: object, item: dict) -> None:
        self._pending.setdefault((user, channel), {})[key] = (filt, item)

    # -- pushes ----------------------------------------------------------------------
    def flush(self, now_ms: int) -> None:
        """Push what the drained batch produced to each user's matching subscriptions."""
        pending, self._pending = self._pending, {}
        for (user, channel), items in pending.items():
            for conn in list(self.users.get(user, ())):
                for sub_channel, filt, arg_json in list(conn.private_subs):
                    if sub_channel != channel:
                        continue
                    data = [item for f, item in items.values() if filt in ("default", f)]
                    if data:
                        conn.push(push_frame("snapshot", arg_json, dumps(data), now_ms))

