"""The private read models behind one lock: what ``/trade/*`` and ``/account/*`` answer from.

``on_events`` runs on the sequencer's listener thread and only touches memory, so a REST
handler that awaited its command's ack already sees its own order (read-your-writes, which
ccxt's ``create_order`` → ``fetch_order`` relies on).  A flusher thread copies the dirty
rows to SQLite under the lock and writes them outside it, one transaction per flush with
the sequence number it covers; closed orders and fills leave memory only after their
commit, so every row is always visible in at least one of the two places.

Spot and margin orders are kept apart as on Bitget: an order placed by
``PlaceMarginOrder``, a liquidation order (between ``LiquidationStarted`` and its closing
``LiquidationFinished``) and the replacement of a margin order (``ModifyOrder``) belong to
the margin account type (3 cross, 4 isolated); every other order is a spot order.  The
order and fill queries take ``account_type`` (default spot), so ``/spot/trade/*`` lists
only spot orders and ``/margin/{crossed,isolated}/*`` only that mode's.  The account type
of non-spot orders is persisted (``order_accounts``) with the orders, so it survives a
restart and a replay rebuilds it from the commands in the journal.
"""

from __future__ import annotations

import threading
from typing import Callable, Any, List, Optional, Tuple

from ...core import commands as cmd
from ...core import events as ev
from ...core.enums import CloseReason, PlanStatus
from ...core.margin import commands as mc
from ...core.margin import events as me
from .accounts import AccountProjection
from .orders import SPOT, OrderProjection
from .private_store import Batch, PrivateStore
from .paging import keep as _keep
from .paging import merge as _merge
from .paging import page as _page
from .records import Fill, OrderView, PlanView
from .wallet_queries import WalletQueries
from .withdrawals import FAIL, SUCCESS, WithdrawalProjection

__all__ = ["PrivateViews"]

_NO_TPSL = (0, 0, 0, 0)


def _place_items(command: Any) -> List[Any]:
    """The PlaceOrder commands inside ``command``, in the order the engine handles them."""
    if type(command) is cmd.PlaceOrder:
        return [command]
    if type(command) is cmd.BatchPlace:
        return list(command.orders)
    return []


class PrivateViews(WalletQueries):
    def __init__(
        self, store: PrivateStore, tracked: Callable[[int], bool] = lambda u: u > 0
    ) -> None:
        """``tracked(user)`` limits the views to real users (the node passes the directory's
        ``is_user``), so simulator accounts and system owners cost no memory or SQLite rows."""
        self.store = store
        self.lock = threading.Lock()
        self.orders = OrderProjection(tracked)
        self.accounts = AccountProjection(tracked)
        self.last_seq = store.last_seq()
        self.orders.load(store.load_open_orders(), store.load_live_plans())
        self.orders.load_accounts(store.load_open_order_accounts())
        self.accounts.load(store.load_balances())
        self.withdrawals = WithdrawalProjection(tracked)
        self.withdrawals.load(store.load_pending_withdrawals())
        self._flushed_seq = self.last_seq
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    # projection (listener thread) ------------------------------------------------------
    def on_events(self, seq: int, command: Any, events: List[Any]) -> None:
        if seq <= self.last_seq:
            return  # already projected before a restart
        items = _place_items(command)
        next_item = 0
        orders, accounts = self.orders, self.accounts
        # (user, account type) the next own order of ``user`` is placed on (not spot)
        tag: Optional[Tuple[int, int]] = None
        if type(command) is mc.PlaceMarginOrder:
            tag = (command.user, command.account_type)
        liquidating: Optional[Tuple[int, int]] = None
        with self.lock:
            for e in events:
                kind = type(e)
                if kind is ev.BalanceChanged:
                    accounts.balance_changed(e)
                elif kind is ev.TradeExecuted:
                    orders.traded(e)
                elif kind is ev.OrderAccepted:
                    tpsl = _NO_TPSL
                    account_type = SPOT
                    if e.plan_id == 0:
                        if tag is not None and tag[0] == e.user:
                            account_type = tag[1]
                            tag = None
                        elif liquidating is not None and liquidating[0] == e.user:
                            account_type = liquidating[1]
                        elif next_item < len(items):
                            item = items[next_item]
                            next_item += 1
                            tpsl = (item.tp_trigger, item.tp_price, item.sl_trigger, item.sl_price)
                    orders.accepted(e, tpsl, account_type)
                elif kind is ev.OrderClosed:
                    if e.reason == CloseReason.REPLACED:  # ModifyOrder: the new one inherits
                        replaced = orders.accounts.get(e.order_id, SPOT)
                        if replaced != SPOT:
                            tag = (e.user, replaced)
                    orders.closed(e)
                elif kind is me.LiquidationStarted:
                    liquidating = (e.user, e.account_type)
                elif kind is me.LiquidationFinished:
                    if not e.asset:
                        liquidating = None
                elif kind is ev.Rejected or kind is ev.Duplicate:
                    if e.command == "PlaceOrder":
                        next_item += 1
                elif kind is ev.PlanPlaced:
                    orders.plan_placed(e)
                elif kind is ev.PlanTriggered:
                    orders.plan_ended(e.plan_id, PlanStatus.EXECUTED, 0, e.order_id, e.ts_ns)
                elif kind is ev.PlanClosed:
                    orders.plan_ended(e.plan_id, e.status, e.code, 0, e.ts_ns)
                elif kind is ev.TransferPosted:
                    accounts.transfer_posted(e)
                elif kind is ev.WithdrawalRequested:
                    self.withdrawals.requested(e)
                elif kind is ev.WithdrawalCompleted or kind is ev.WithdrawalFailed:
                    status = SUCCESS if kind is ev.WithdrawalCompleted else FAIL
                    self.withdrawals.settled(e.withdrawal_id, status, e.ts_ns)
            self.last_seq = seq

    # flushing ------------------------------------------------------------------------------
    def flush(self) -> None:
        """Write everything projected so far to SQLite (flusher thread, or at shutdown)."""
        with self.lock:
            if self.last_seq == self._flushed_seq:
                return
            batch = Batch(self.last_seq)
            batch.orders, batch.plans, batch.fills, n_fills = self.orders.take_dirty()
            batch.balances, batch.ledger, n_ledger = self.accounts.take_dirty()
            batch.withdrawals, withdrawals = self.withdrawals.take_dirty()
            batch.accounts = self.orders.take_accounts()
        self.store.write(batch)
        with self.lock:
            self.orders.forget_flushed(
                [r[0] for r in batch.orders], [r[0] for r in batch.plans], n_fills
            )
            self.accounts.forget_flushed(n_ledger)
            self.withdrawals.forget_flushed(withdrawals)
            self._flushed_seq = batch.seq

    def start(self, interval_s: float = 0.05) -> None:
        def run() -> None:
            while not self._stop.wait(interval_s):
                self.flush()

        self._thread = threading.Thread(target=run, name="private-views-flush", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.flush()
        self.store.close()

    # queries (API thread) --------------------------------------------------------------
    def balances(self, user: int, account: int) -> List[Tuple[str, int, int, int]]:
        with self.lock:
            return self.accounts.of(user, account)

    def order(
        self, user: int, order_id: int = 0, client_oid: str = "",
        account_type: Optional[int] = SPOT,
    ) -> Optional[OrderView]:
        """One of ``user``'s orders by id or clientOid; another user's order, or an order of
        another account type (``None``: any), is not found."""
        with self.lock:
            found = self._find_in_memory(user, order_id, client_oid, account_type)
        if found is not None:
            return found
        if order_id:
            return self.store.order(user, order_id, account_type)
        return self.store.order_by_client_oid(user, client_oid, account_type)

    def order_account(self, order_id: int) -> int:
        """The account type of an order (``SPOT`` for spot orders and unknown ids)."""
        with self.lock:
            found = self.orders.account_of(order_id)
        return found if found is not None else self.store.order_account(order_id)

    def _in(self, order_id: int, account_type: Optional[int]) -> bool:
        return account_type is None or self.orders.accounts.get(order_id, SPOT) == account_type

    def _find_in_memory(
        self, user: int, order_id: int, client_oid: str, account_type: Optional[int]
    ) -> Optional[OrderView]:
        if order_id:
            order = self.orders.find(order_id)
            if order is None or order.user != user or not self._in(order_id, account_type):
                return None
            return order
        best = None
        for pool in (
            self.orders.open_by_user.get(user, {}).values(),
            self.orders.closed_pending.values(),
        ):
            for order in pool:
                if order.user == user and order.client_oid == client_oid and \
                        self._in(order.order_id, account_type):
                    if best is None or order.order_id > best.order_id:
                        best = order
        return best

    def open_orders(
        self,
        user: int,
        symbol: Optional[str],
        start_ms: Optional[int],
        end_ms: Optional[int],
        id_less_than: Optional[int],
        limit: int,
        account_type: Optional[int] = SPOT,
    ) -> List[OrderView]:
        with self.lock:
            pool = [
                o
                for o in self.orders.open_by_user.get(user, {}).values()
                if self._in(o.order_id, account_type)
            ]
        return _page(pool, "order_id", symbol, start_ms, end_ms, id_less_than, limit)

    def history_orders(
        self,
        user: int,
        symbol: Optional[str],
        start_ms: Optional[int],
        end_ms: Optional[int],
        id_less_than: Optional[int],
        limit: int,
        account_type: Optional[int] = SPOT,
    ) -> List[OrderView]:
        with self.lock:
            pending = [
                o
                for o in self.orders.closed_pending.values()
                if o.user == user and self._in(o.order_id, account_type)
            ]
        stored = self.store.orders(
            user, True, symbol, start_ms, end_ms, id_less_than, limit, account_type
        )
        return _merge(pending, stored, "order_id", symbol, start_ms, end_ms, id_less_than, limit)

    def fills(
        self,
        user: int,
        symbol: Optional[str],
        order_id: Optional[int],
        start_ms: Optional[int],
        end_ms: Optional[int],
        id_less_than: Optional[int],
        limit: int,
        account_type: Optional[int] = SPOT,
    ) -> List[Fill]:
        with self.lock:
            pending = [
                f
                for f in self.orders.fills_pending
                if f.user == user and (order_id is None or f.order_id == order_id)
            ]
            kinds = {f.order_id: self.orders.account_of(f.order_id) for f in pending}
        if account_type is not None:
            pending = [
                f
                for f in pending
                if (kinds[f.order_id] if kinds[f.order_id] is not None
                    else self.store.order_account(f.order_id)) == account_type
            ]
        stored = self.store.fills(
            user, symbol, order_id, start_ms, end_ms, id_less_than, limit, account_type
        )
        seen = {(f.trade_id, f.order_id) for f in stored}
        rows = [f for f in pending if (f.trade_id, f.order_id) not in seen] + stored
        rows = [f for f in rows if _keep(f, "trade_id", symbol, start_ms, end_ms, id_less_than)]
        rows.sort(key=lambda f: (f.trade_id, f.order_id), reverse=True)
        return rows[:limit]

    def plans(
        self,
        user: int,
        live: bool,
        symbol: Optional[str],
        start_ms: Optional[int],
        end_ms: Optional[int],
        id_less_than: Optional[int],
        limit: int,
    ) -> List[PlanView]:
        with self.lock:
            if live:
                return _page(
                    list(self.orders.plans_by_user.get(user, {}).values()),
                    "plan_id",
                    symbol,
                    start_ms,
                    end_ms,
                    id_less_than,
                    limit,
                )
            pending = [p for p in self.orders.plans_closed_pending.values() if p.user == user]
        stored = self.store.plans(user, False, symbol, start_ms, end_ms, id_less_than, limit)
        return _merge(pending, stored, "plan_id", symbol, start_ms, end_ms, id_less_than, limit)

    def plan(self, user: int, plan_id: int = 0, client_oid: str = "") -> Optional[PlanView]:
        with self.lock:
            for plan in self.orders.plans_by_user.get(user, {}).values():
                if plan.plan_id == plan_id or (client_oid and plan.client_oid == client_oid):
                    return plan
        return None
