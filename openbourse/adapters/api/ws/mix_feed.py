"""Futures WebSocket channels (instType ``USDT-FUTURES``, ``USDC-FUTURES``, ``COIN-FUTURES``).

Public: ``ticker`` (with ``markPrice``, ``indexPrice``, ``fundingRate``,
``nextFundingTime``), ``trade``, ``books`` (with the CRC32 checksum), ``books1/5/15/50``
and ``candle*`` (last-price candles): the spot ``PublicFeed`` over the futures market
read model.  Private (after login, ``instId``/``coin`` ``default`` or a symbol/coin):
``orders``, ``fill``, ``positions`` (every push is the full list of the productType's
positions, ``snapshot``, as ccxt resets its cache on each), ``account`` and
``orders-algo``.

Events reach ``FuturesViews`` on the sequencer's listener thread; this feed's listener
(run under the views lock) only notes what changed for subscribed users, and ``flush``
(on the event loop, once per gateway batch) renders and pushes.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from ....core import events as ev
from ....core.futures import events as fe
from ...readmodels.futures import FuturesViews, product_type_of
from ...readmodels.futures.views import FUTURES_ACCOUNTS
from ..rest.mix_account import account_rows
from ..rest.mix_common import fill_row, order_row, plan_row, position_row, quote_volume_str
from ..rest.mix_market import ticker_row
from .conn import Connection
from .frames import (ERR_CHANNEL, ERR_NEED_LOGIN, ERR_PARAM, dumps, error_frame, event_frame,
                     push_frame)
from .public import PUBLIC_CHANNELS, PublicFeed

__all__ = ["FuturesWsFeed", "MIX_INST_TYPES", "register_futures_ws"]

MIX_INST_TYPES = ("USDT-FUTURES", "USDC-FUTURES", "COIN-FUTURES", "SUSDT-FUTURES",
                  "SUSDC-FUTURES", "SCOIN-FUTURES")
PRIVATE = frozenset({"orders", "fill", "positions", "account", "orders-algo"})
_PRODUCT_OF_ACCOUNT = {5: 0, 6: 1, 7: 2}
Sub = Tuple[str, str, str, int]  # (channel, filter, arg_json, product)


def register_futures_ws(market: Any, views: FuturesViews) -> None:
    """Make every gateway built on ``market`` (the node's spot MarketData) serve futures."""
    from .extensions import register

    register(market, lambda gateway: FuturesWsFeed(views))


class _FuturesPublic(PublicFeed):
    """The spot public feed over the futures market, with Bitget's contract ticker."""

    def __init__(self, views: FuturesViews) -> None:
        super().__init__(views.market, views.catalog)  # type: ignore[arg-type]
        self.fviews = views  # (``self.views`` is PublicFeed's book views)

    def _qs(self, info: Any) -> Callable[[int], str]:
        # quote volumes: the margin asset (linear), USD (inverse: Σ size × price)
        return lambda units: quote_volume_str(info, units)

    def _snapshot(self, key: Tuple[str, str], now_ms: int) -> Optional[str]:
        channel, symbol = key
        if channel == "ticker":
            info = self.catalog.market(symbol)
            return dumps([ticker_row(self.fviews, info, now_ms)]) if info else None
        return super()._snapshot(key, now_ms)

    def publish(self, changes: Any, now_ms: int) -> int:
        tickers, changes.tickers = changes.tickers, set()
        super().publish(changes, now_ms)  # counts its frames in self.frames
        for symbol in tickers:
            if "ticker" in self._by_symbol.get(symbol, ()):
                info = self.catalog.market(symbol)
                if info is not None:
                    self._fanout(("ticker", symbol), "snapshot",
                                 dumps([ticker_row(self.fviews, info, now_ms)]), now_ms)
        return self.frames


class FuturesWsFeed:
    inst_types = MIX_INST_TYPES

    def __init__(self, views: FuturesViews) -> None:
        self.views = views
        self.public = _FuturesPublic(views)
        self.users: Dict[int, Set[Connection]] = {}
        self.subs: Dict[Connection, Set[Sub]] = {}
        self.public_subs: Dict[Connection, Set[Tuple[Tuple[str, str], str]]] = {}
        # (user, channel, product) -> key -> (filter, item builder args)
        self._orders: Dict[int, Set[int]] = {}
        self._plans: Dict[int, Set[int]] = {}
        self._fills: Dict[int, List[Any]] = {}
        self._positions: Set[Tuple[int, int]] = set()
        self._accounts: Set[Tuple[int, int]] = set()
        views.listeners.append(self._on_events)

    # -- protocol ---------------------------------------------------------------------
    def handle(self, conn: Connection, op: str, arg: Dict[str, Any], now_ms: int) -> None:
        inst_type, channel = arg.get("instType"), arg.get("channel")
        if not isinstance(channel, str) or len(arg) > 8:
            conn.push(error_frame(ERR_PARAM, "Param error: instType and channel are required",
                                  op=op, arg=arg))
            return
        target = arg.get("coin" if channel == "account" else "instId", "default")
        product = product_type_of(str(inst_type))
        missing = error_frame(ERR_CHANNEL, f"instType:{str(inst_type)[:20]},channel:{channel[:20]},"
                              f"instId:{str(target)[:20]} doesn't exist", op=op, arg=arg)
        if product is None or product < 0 or not isinstance(target, str):
            conn.push(missing)
            return
        arg_json = dumps(arg)
        with self.views.lock:
            if channel in PRIVATE:
                if conn.user is None:
                    conn.push(error_frame(ERR_NEED_LOGIN, "login required for private channels",
                                          op=op, arg=arg))
                    return
                info = self.views.catalog.markets.get(target)
                coins = {c.margin_asset for c in self.views.catalog.of_product(product)}
                known = (target == "default" or (info is not None and info.product_type == product)
                         or (channel == "account" and target in coins))
                if not known:
                    conn.push(missing)
                    return
                sub = (channel, target, arg_json, product)
                if op == "subscribe":
                    conn.push(event_frame("subscribe", arg))
                    self.subs.setdefault(conn, set()).add(sub)
                    self.users.setdefault(conn.user, set()).add(conn)
                    self._snapshot(conn, sub, now_ms)
                else:
                    self.subs.get(conn, set()).discard(sub)
                    conn.push(event_frame("unsubscribe", arg))
                return
            info = self.views.catalog.markets.get(target)
            if channel not in PUBLIC_CHANNELS or info is None or info.product_type != product:
                conn.push(missing)
                return
            if op == "subscribe":
                conn.push(event_frame("subscribe", arg))
                self.public_subs.setdefault(conn, set()).add(((channel, target), arg_json))
                self.public.subscribe(conn, (channel, target), arg_json, now_ms)
            else:
                self.public_subs.get(conn, set()).discard(((channel, target), arg_json))
                self.public.unsubscribe(conn, (channel, target), arg_json)
                conn.push(event_frame("unsubscribe", arg))

    def drop(self, conn: Connection) -> None:
        with self.views.lock:
            for key, arg_json in self.public_subs.pop(conn, ()):
                self.public.unsubscribe(conn, key, arg_json)
            self.subs.pop(conn, None)
            if conn.user is not None:
                conns = self.users.get(conn.user)
                if conns is not None:
                    conns.discard(conn)
                    if not conns:
                        del self.users[conn.user]

    # -- event intake (listener thread, views lock held) ---------------------------------
    def _on_events(self, events: List[Any]) -> None:
        users = self.users
        if not users:
            return
        for e in events:
            kind = type(e)
            if kind is fe.FuturesOrderAccepted or kind is fe.FuturesOrderClosed:
                if e.user in users:
                    self._orders.setdefault(e.user, set()).add(e.order_id)
            elif kind is fe.FuturesTrade:
                for user, order_id in ((e.maker_user, e.maker_order_id),
                                       (e.taker_user, e.taker_order_id)):
                    if user in users:
                        self._orders.setdefault(user, set()).add(order_id)
                        fill = self.views.recent_fill(user, e.trade_id, order_id)
                        if fill is not None:
                            self._fills.setdefault(user, []).append(fill)
            elif kind is fe.PositionChanged or kind is fe.FundingPaid:
                if e.user in users:
                    info = self.views.catalog.markets.get(e.symbol)
                    if info is not None:
                        self._positions.add((e.user, info.product_type))
                        self._accounts.add((e.user, info.product_type))
            elif kind is ev.BalanceChanged:
                if e.owner in users and e.account in FUTURES_ACCOUNTS:
                    self._accounts.add((e.owner, _PRODUCT_OF_ACCOUNT[e.account]))
            elif kind is fe.PriceUpdated:
                for user in users:
                    data = self.views.users.get(user)
                    if data is not None and any(sym == e.symbol for sym, _ in data.positions):
                        info = self.views.catalog.markets[e.symbol]
                        self._positions.add((user, info.product_type))
                        self._accounts.add((user, info.product_type))
            elif kind in (fe.FuturesPlanPlaced, fe.FuturesPlanTriggered, fe.FuturesPlanClosed):
                if e.user in users:
                    self._plans.setdefault(e.user, set()).add(e.plan_id)
                    info = self.views.catalog.markets.get(e.symbol)
                    if info is not None:  # a position's TP/SL is part of its pushed row
                        self._positions.add((e.user, info.product_type))

    # -- pushes (event loop) -----------------------------------------------------------
    def flush(self, now_ms: int) -> None:
        views = self.views
        with views.lock:
            self.public.publish(views.market.take_changes(), now_ms)
            orders, self._orders = self._orders, {}
            plans, self._plans = self._plans, {}
            fills, self._fills = self._fills, {}
            positions, self._positions = self._positions, set()
            accounts, self._accounts = self._accounts, set()
            for user, ids in orders.items():
                rows = []
                for order_id in sorted(ids):
                    rec = views.order(user, order_id)
                    info = views.catalog.markets.get(rec.symbol) if rec else None
                    if rec is not None and info is not None:
                        rows.append((info.product_type, rec.symbol, ws_order_row(info, rec)))
                self._push(user, "orders", rows, now_ms)
            for user, ids in plans.items():
                rows = []
                for plan_id in sorted(ids):
                    plan = views.plan(user, plan_id)  # live, pending or already in SQLite
                    info = views.catalog.markets.get(plan.symbol) if plan else None
                    if plan is not None and info is not None:
                        row = plan_row(info, plan)
                        row["instId"] = plan.symbol
                        rows.append((info.product_type, plan.symbol, row))
                self._push(user, "orders-algo", rows, now_ms)
            for user, recs in fills.items():
                rows = []
                for rec in recs:
                    info = views.catalog.markets.get(rec.symbol)
                    if info is not None:
                        row = fill_row(info, rec)
                        row["instId"] = rec.symbol
                        row["uTime"] = row["cTime"]
                        rows.append((info.product_type, rec.symbol, row))
                self._push(user, "fill", rows, now_ms)
            for user, product in positions:
                self._push_positions(user, product, now_ms)
            for user, product in accounts:
                for conn in list(self.users.get(user, ())):
                    for channel, filt, arg_json, sub_product in list(self.subs.get(conn, ())):
                        if channel == "account" and sub_product == product:
                            rows = [_ws_account(r) for r in account_rows(views, user, product, {})
                                    if filt in ("default", r["marginCoin"])]
                            conn.push(push_frame("snapshot", arg_json, dumps(rows), now_ms))

    def _push(self, user: int, channel: str, rows: List[Tuple[int, str, dict]],
              now_ms: int) -> None:
        if not rows:
            return
        for conn in list(self.users.get(user, ())):
            for sub_channel, filt, arg_json, product in list(self.subs.get(conn, ())):
                if sub_channel != channel:
                    continue
                data = [row for p, symbol, row in rows
                        if p == product and filt in ("default", symbol)]
                if data:
                    conn.push(push_frame("snapshot", arg_json, dumps(data), now_ms))

    def _positions_json(self, user: int, product: int, filt: str) -> str:
        views = self.views
        data = views.users.get(user)
        rows = []
        for (symbol, _side), rec in sorted(data.positions.items()) if data else []:
            info = views.catalog.markets.get(symbol)
            if info is None or info.product_type != product or filt not in ("default", symbol):
                continue
            row = position_row(views, info, rec, data.open_plans)
            row["instId"] = symbol
            row["posId"] = row["positionId"]
            row["unrealizedPLR"] = _ratio(row["unrealizedPL"], row["marginSize"])
            rows.append(row)
        return dumps(rows)

    def _push_positions(self, user: int, product: int, now_ms: int) -> None:
        for conn in list(self.users.get(user, ())):
            for channel, filt, arg_json, sub_product in list(self.subs.get(conn, ())):
                if channel == "positions" and sub_product == product:
                    conn.push(push_frame("snapshot", arg_json,
                                         self._positions_json(user, product, filt), now_ms))

    def _snapshot(self, conn: Connection, sub: Sub, now_ms: int) -> None:
        channel, filt, arg_json, product = sub
        assert conn.user is not None
        if channel == "positions":
            conn.push(push_frame("snapshot", arg_json,
                                 self._positions_json(conn.user, product, filt), now_ms))
        elif channel == "account":
            rows = [_ws_account(r) for r in account_rows(self.views, conn.user, product, {})
                    if filt in ("default", r["marginCoin"])]
            conn.push(push_frame("snapshot", arg_json, dumps(rows), now_ms))


def _ratio(num: str, den: str) -> str:
    from decimal import Decimal, InvalidOperation
    try:
        d = Decimal(den)
        return str((Decimal(num) / d).quantize(Decimal("0.0001"))) if d else "0"
    except (InvalidOperation, ValueError):
        return "0"


def _ws_account(row: Dict[str, Any]) -> Dict[str, Any]:
    return {"marginCoin": row["marginCoin"], "frozen": row["frozen"],
            "available": row["available"], "maxOpenPosAvailable": row["crossedMaxAvailable"],
            "maxTransferOut": row["maxTransferOut"], "equity": row["accountEquity"],
            "usdtEquity": row["usdtEquity"], "crossedRiskRate": row["crossedRiskRate"],
            "unrealizedPL": row["unrealizedPL"]}


def ws_order_row(info: Any, rec: Any) -> Dict[str, Any]:
    """The WS ``orders`` item of a contract order (ccxt's ``parse_ws_order``: ``posMode``
    marks it a contract order; ``baseVolume`` = cumulative fill, like ``accBaseVolume``)."""
    row = order_row(info, rec)
    status = row["status"]
    return {
        "instId": rec.symbol,
        "orderId": row["orderId"],
        "clientOid": row["clientOid"],
        "size": row["size"],
        "notionalUsd": row["quoteVolume"],
        "orderType": row["orderType"],
        "force": row["force"],
        "side": row["side"],
        "posSide": row["posSide"],
        "marginMode": row["marginMode"],
        "marginCoin": row["marginCoin"],
        "fillPrice": info.price_str(rec.last_fill_price) if rec.last_fill_price else "0",
        "tradeId": "",
        "baseVolume": row["baseVolume"],
        "accBaseVolume": row["baseVolume"],
        "fillTime": row["uTime"],
        "fillFee": row["fee"],
        "fillFeeCoin": info.margin_asset,
        "tradeScope": "",
        "fillNotionalUsd": row["quoteVolume"],
        "priceAvg": row["priceAvg"],
        "status": status,
        "leverage": row["leverage"],
        "feeDetail": [{"feeCoin": info.margin_asset, "fee": row["fee"]}],
        "pnl": row["totalProfits"],
        "uTime": row["uTime"],
        "cTime": row["cTime"],
        "posMode": row["posMode"],
        "reduceOnly": row["reduceOnly"],
        "tradeSide": row["tradeSide"],
        "price": row["price"],
        "presetStopSurplusPrice": row["presetStopSurplusPrice"],
        "presetStopLossPrice": row["presetStopLossPrice"],
        "enterPointSource": "API",
        "orderSource": row["orderSource"],
        "cancelReason": row["cancelReason"],
    }
