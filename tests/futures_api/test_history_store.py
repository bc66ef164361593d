"""Futures history in SQLite (``futures.sqlite``): uncapped, paged, restart- and crash-safe.

Driven in-process by the real core (``test_views_inprocess.World``) through the REST
handlers: a user with more than 2,000 fills, closed orders, closed plans and closed
positions pages through all of them (``idLessThan`` = the previous ``endId``); the same
listings come back after a clean restart and after a simulated crash (rows projected but
never flushed are re-projected from the journal tail); simulator accounts keep a short
in-memory history only; the paging parameters answer Bitget's error codes.
"""
from __future__ import annotations

import sqlite3
from typing import Any, Dict, List, Optional, Tuple

import pytest

from openbourse.adapters.api.errors import ApiError
from openbourse.adapters.api.rest import mix_account, mix_trade
from openbourse.adapters.readmodels.futures import FuturesViews
from openbourse.adapters.readmodels.futures.store import FuturesStore, Page
from openbourse.core import commands as c
from openbourse.core.enums import AccountType, Force, OrderType
from openbourse.core.futures import commands as fc
from openbourse.core.futures import events as fe

from .test_views_inprocess import PRICE, S, World, _call, _setup

ROUNDS = 2_100  # > the old per-user cap of 2,000
SIM = 900_000_123  # a simulator account id (not tracked)
USDT = {"productType": "USDT-FUTURES"}


class Journal(World):
    """A ``World`` that remembers every command with its events (the journal)."""

    def __init__(self, data_dir: Any = None) -> None:
        super().__init__(data_dir)
        self.log: List[Tuple[int, Any, List[Any]]] = []
        self.ts = 0

    def run(self, command: Any, ts: int) -> List[Any]:
        events = super().run(command, ts)
        self.log.append((self.seq, command._replace(ts_ns=ts), events))
        return events

    def step(self, command: Any) -> List[Any]:
        self.ts += 1_000_000  # one ms per command: distinct creation times
        return self.run(command, self.ts)


def _order(user: int, side: int, force: int, size: int = 1) -> Any:
    return fc.PlaceFuturesOrder(0, user, "BTCUSDT", side, -1, int(OrderType.LIMIT), force,
                                PRICE, size, 0)


def _trade_rounds(world: Journal, rounds: int, *, flush_every: int = 0,
                  maker: int = 2) -> None:
    """User 1 takes ``maker``'s resting order each round, alternately opening and closing
    a 0.001 BTC long (a closed position every second round), and places and cancels a
    plan."""
    for i in range(rounds):
        side = i % 2  # 0: user 1 buys (opens), 1: sells (closes)
        world.step(_order(maker, 1 - side, int(Force.GTC)))
        taken = world.step(_order(1, side, int(Force.IOC)))
        assert any(type(e) is fe.FuturesTrade for e in taken), taken
        placed = world.step(fc.PlaceFuturesPlan(0, 1, "BTCUSDT", 0, PRICE * 2, 0, 0, -1, -1, 1,
                                                0, 1))
        plan = next(e for e in placed if type(e) is fe.FuturesPlanPlaced)
        world.step(fc.CancelFuturesPlan(0, 1, "BTCUSDT", plan.plan_id))
        if flush_every and i % flush_every == flush_every - 1:
            world.views.flush(state=False)


def _build(data_dir: Any, rounds: int = ROUNDS, **kw: Any) -> Journal:
    world = Journal(data_dir)
    world.ts = _setup(world)
    # flatten the setup's 0.1 BTC positions, so each second round closes one
    world.step(_order(2, 0, int(Force.GTC), 100))
    world.step(_order(1, 1, int(Force.IOC), 100))
    _trade_rounds(world, rounds, **kw)
    return world


def _all(views: FuturesViews, handler: Any, path: str, key: str, id_key: str,
         params: Optional[Dict[str, Any]] = None, user: int = 1, limit: int = 100) -> List[Any]:
    """Every row of a listing, following ``endId`` with ``idLessThan``."""
    rows: List[Any] = []
    cursor: Optional[str] = None
    while True:
        query = {**USDT, "limit": str(limit), **(params or {})}
        if cursor is not None:
            query["idLessThan"] = cursor
        page = _call(handler, path, query, views, user=user)
        got = page[key] or []
        assert len(got) <= limit
        if not got:
            assert page["endId"] is None
            return rows
        assert page["endId"] == got[-1][id_key]
        rows.extend(got)
        cursor = page["endId"]


def _listings(views: FuturesViews) -> Dict[str, List[Any]]:
    return {
        "fills": _all(views, mix_trade.fill_history, "mix/order/fill-history", "fillList",
                      "tradeId"),
        "orders": _all(views, mix_trade.orders_history, "mix/order/orders-history",
                       "entrustedList", "orderId"),
        "plans": _all(views, mix_trade.plans_history, "mix/order/orders-plan-history",
                      "entrustedList", "orderId", {"planType": "normal_plan"}),
        "positions": _all(views, mix_account.history_position, "mix/position/history-position",
                          "list", "positionId"),
        "bills": _all(views, mix_account.bills, "mix/account/bill", "bills", "billId"),
    }


def _expected(world: Journal, user: int = 1) -> Dict[str, List[str]]:
    fills, orders, plans, positions = [], [], [], []
    for event in world.events:
        kind = type(event)
        if kind is fe.FuturesTrade:
            for u, order_id in ((event.maker_user, event.maker_order_id),
                                (event.taker_user, event.taker_order_id)):
                if u == user:
                    fills.append((event.trade_id, order_id))
        elif kind is fe.FuturesOrderClosed and event.user == user:
            orders.append(event.order_id)
        elif kind in (fe.FuturesPlanClosed, fe.FuturesPlanTriggered) and event.user == user:
            plans.append(event.plan_id)
        elif kind is fe.PositionChanged and event.user == user and event.size == 0:
            positions.append(event.position_id)
    return {
        "fills": [f"{t}:{o}" for t, o in sorted(fills, reverse=True)],
        "orders": [str(i) for i in sorted(orders, reverse=True)],
        "plans": [str(i) for i in sorted(plans, reverse=True)],
        "positions": [str(i) for i in sorted(positions, reverse=True)],
    }


def _ids(listings: Dict[str, List[Any]]) -> Dict[str, List[str]]:
    return {
        "fills": [f"{r['tradeId']}:{r['orderId']}" for r in listings["fills"]],
        "orders": [r["orderId"] for r in listings["orders"]],
        "plans": [r["orderId"] for r in listings["plans"]],
        "positions": [r["positionId"] for r in listings["positions"]],
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Tuple[Journal, Dict[str, List[Any]]]:
    """One world with > 2,000 rows of each history kind, flushed now and then, the
    newest rows still in memory only (so listings merge both sides)."""
    world = _build(str(tmp_path_factory.mktemp("fhist")), flush_every=500)
    return world, _listings(world.views)


def test_more_than_2000_rows_page_through_sqlite_and_memory(built: Any) -> None:
    world, listings = built
    views = world.views
    expected = _expected(world)
    assert len(expected["fills"]) > 2_000 and len(expected["orders"]) > 2_000
    assert len(expected["plans"]) > 2_000 and len(expected["positions"]) > 1_000
    assert _ids(listings) == expected  # all of them, newest first, no gap, no duplicate
    # the older rows came from SQLite, the newest from memory (never flushed yet)
    pending = views.users[1]
    assert 0 < len(pending.fills) < 2 * 500 and 0 < len(pending.closed_orders) < 2 * 500
    assert views.store.count("fills", 1) + len(pending.fills) == len(expected["fills"])
    # the wire rows are the ones the handlers always rendered
    row = listings["fills"][0]
    assert row["symbol"] == "BTCUSDT" and row["tradeScope"] in ("maker", "taker")
    assert listings["orders"][0]["status"] == "filled"
    assert listings["plans"][0]["planStatus"] == "cancelled"


def test_flushed_rows_leave_memory_and_stay_findable(built: Any) -> None:
    world, listings = built
    views = world.views
    oldest_order = int(listings["orders"][-1]["orderId"])
    oldest_plan = int(listings["plans"][-1]["orderId"])
    views.flush()
    data = views.users[1]
    assert not data.fills and not data.closed_orders and not data.closed_plans
    assert not data.position_history
    assert views.store.count("fills", 1) == len(listings["fills"])
    # order detail, the WS feed's plan lookup and a client-oid lookup reach SQLite
    found = views.order(1, oldest_order)
    assert found is not None and found.order_id == oldest_order and found.status >= 2
    assert views.order(2, oldest_order) is None  # another user's order does not exist
    plan = views.plan(1, oldest_plan)
    assert plan is not None and plan.status == 3
    detail = _call(mix_trade.detail, "mix/order/detail",
                   {**USDT, "symbol": "BTCUSDT", "orderId": str(oldest_order)}, views, user=1)
    assert detail["orderId"] == str(oldest_order) and detail["state"] == "filled"
    assert _listings(views) == listings  # the same pages from SQLite alone


def test_paging_filters_and_bounds(built: Any) -> None:
    world, listings = built
    views = world.views
    fills = listings["fills"]
    # idLessThan is exclusive, pages are newest first and never overlap
    page = _call(mix_trade.fills, "mix/order/fills",
                 {**USDT, "idLessThan": fills[10]["tradeId"], "limit": "5"}, views, user=1)
    assert [r["tradeId"] for r in page["fillList"]] == [r["tradeId"] for r in fills[11:16]]
    # limit: default 100, larger values are capped at 100
    assert len(_call(mix_trade.orders_history, "mix/order/orders-history", USDT, views,
                     user=1)["entrustedList"]) == 100
    assert len(_call(mix_trade.orders_history, "mix/order/orders-history",
                     {**USDT, "limit": "1000"}, views, user=1)["entrustedList"]) == 100
    # startTime / endTime bound the creation time (ms, both inclusive)
    orders = listings["orders"]
    lo, hi = int(orders[700]["cTime"]), int(orders[300]["cTime"])
    window = _all(views, mix_trade.orders_history, "mix/order/orders-history", "entrustedList",
                  "orderId", {"startTime": str(lo), "endTime": str(hi)})
    assert window == [o for o in orders if lo <= int(o["cTime"]) <= hi]
    assert 400 <= len(window) < len(orders)
    # orderId filters fills; a symbol of another product type does not exist
    one = fills[1234]
    by_order = _call(mix_trade.fill_history, "mix/order/fill-history",
                     {**USDT, "orderId": one["orderId"]}, views, user=1)["fillList"]
    assert [r["tradeId"] for r in by_order] == [one["tradeId"]]
    assert _call(mix_trade.orders_history, "mix/order/orders-history",
                 {"productType": "COIN-FUTURES"}, views, user=1)["entrustedList"] is None
    assert _call(mix_trade.plans_history, "mix/order/orders-plan-history",
                 {**USDT, "planType": "profit_loss"}, views, user=1)["entrustedList"] is None
    # another user sees only their own rows
    other = _call(mix_trade.fill_history, "mix/order/fill-history", USDT, views, user=2)
    assert other["fillList"] and all(r["orderId"] not in {f["orderId"] for f in fills}
                                     for r in other["fillList"])
    # an empty page: no rows, no cursor
    assert _call(mix_account.history_position, "mix/position/history-position",
                 {**USDT, "idLessThan": "1"}, views, user=1) == {"list": [], "endId": None}


@pytest.mark.parametrize("handler,path", [
    (mix_trade.orders_history, "mix/order/orders-history"),
    (mix_trade.fill_history, "mix/order/fill-history"),
    (mix_trade.fills, "mix/order/fills"),
    (mix_trade.plans_history, "mix/order/orders-plan-history"),
    (mix_account.history_position, "mix/position/history-position"),
    (mix_account.bills, "mix/account/bill"),
])
def test_bad_paging_input_gives_bitget_codes(built: Any, handler: Any, path: str) -> None:
    views = built[0].views
    for params, code in (
        ({"startTime": "2000", "endTime": "1000"}, "40707"),
        ({"limit": "0"}, "40017"),
        ({"limit": "-5"}, "40017"),
        ({"limit": "ten"}, "40017"),
        ({"idLessThan": "abc"}, "40017"),
        ({"startTime": "-1"}, "40017"),
        ({"symbol": "NOPEUSDT"}, "40034"),
    ):
        with pytest.raises(ApiError) as err:
            _call(handler, path, {**USDT, **params}, views, user=1)
        assert err.value.code == code, (params, err.value.code)
    if path != "mix/position/history-position":  # productType is optional there
        with pytest.raises(ApiError) as err:
            _call(handler, path, {"productType": "NOPE-FUTURES"}, views, user=1)
        assert err.value.code == "40017"


def test_history_survives_a_restart(tmp_path: Any) -> None:
    world = _build(str(tmp_path), rounds=300, flush_every=70)
    before = _listings(world.views)
    seq = world.views.last_seq
    world.views.close()
    again = FuturesViews({}, str(tmp_path))
    try:
        assert again.last_seq == seq
        data = again.users[1]
        assert not data.fills and not data.closed_orders  # history is in SQLite only
        assert _listings(again) == before
        assert _ids(before) == _expected(world)
        # the open state came back too: user 2's settings, balances, the next bill id
        assert again.users[2].balances == world.views.users[2].balances
    finally:
        again.close()


def test_crash_reprojects_what_was_not_flushed(tmp_path: Any) -> None:
    """kill -9 between flushes: the state at the last state flush, history rows flushed
    after it and rows only in memory.  The journal tail after the state's seq brings
    every row back, with the same ids (bills are numbered by the views)."""
    world = _build(str(tmp_path), rounds=200)
    world.views.save()  # state + history at this seq
    state_seq = world.views.last_seq
    _trade_rounds(world, 150, flush_every=40)  # history flushed ahead of the state
    funding_due = world.views.price("BTCUSDT").next_funding_ns
    world.step(_order(2, 0, int(Force.GTC), 3))  # an open position to fund ...
    world.step(_order(1, 1, int(Force.IOC), 3))
    for ts in range(world.ts + S, funding_due, 3600 * S):  # ... with a fresh index
        world.run(fc.UpdatePrices(0, "BTCUSDT", (("ext-alpha", PRICE, 40),
                                                 ("ext-beta", PRICE, 35))), ts)
    world.run(c.ClockTick(funding_due + S), funding_due + S)  # bills
    world.ts = funding_due + 2 * S
    _trade_rounds(world, 30)  # never flushed
    before = _listings(world.views)
    assert before["bills"], "the funding settlement booked bills"
    assert len(world.views.users[1].fills) >= 30  # still in memory only

    # the "crash": nothing more is written by the old views; a new process opens the dir
    again = FuturesViews({}, str(tmp_path))
    try:
        assert again.last_seq == state_seq
        assert len(_listings(again)["fills"]) < len(before["fills"])  # not yet recovered
        for seq, command, events in world.log:  # the node replays the journal tail
            again.on_events(seq, command, events)
        assert again.last_seq == world.seq
        assert _listings(again) == before
        again.save()
    finally:
        again.close()
    third = FuturesViews({}, str(tmp_path))
    try:
        assert third.last_seq == world.seq and _listings(third) == before
    finally:
        third.close()


def test_simulator_accounts_keep_a_short_memory_history(tmp_path: Any) -> None:
    world = Journal(str(tmp_path))
    world.ts = _setup(world)
    world.run(c.Deposit(0, SIM, int(AccountType.SPOT), "USDT", 10_000 * 10**6, "ds"), world.ts)
    world.run(c.Transfer(0, SIM, "USDT", 10_000 * 10**6, int(AccountType.SPOT),
                         int(AccountType.USDT_FUTURES), "ts"), world.ts)
    world.step(_order(SIM, 0, int(Force.GTC), 100))  # flatten user 1 against the simulator
    world.step(_order(1, 1, int(Force.IOC), 100))
    _trade_rounds(world, 120, maker=SIM)
    world.views.save()
    sim = world.views.users[SIM]
    assert not sim.tracked and 0 < len(sim.fills) <= 50 and len(sim.closed_orders) <= 50
    assert world.views.store.count("fills", SIM) == 0
    assert world.views.store.count("fills", 1) == len(_expected(world)["fills"]) > 120
    rows = _call(mix_trade.fill_history, "mix/order/fill-history", USDT, world.views,
                 user=SIM)["fillList"]
    assert len(rows) == len(sim.fills)
    world.views.close()
    again = FuturesViews({}, str(tmp_path))
    try:
        assert len(again.users[SIM].fills) == len(sim.fills)  # kept in the state blob
    finally:
        again.close()


def test_replay_without_a_flusher_bounds_memory(tmp_path: Any, monkeypatch: Any) -> None:
    """A long journal replay (the flusher is not running yet) writes history as it goes."""
    from openbourse.adapters.readmodels.futures import views as views_module

    monkeypatch.setattr(views_module, "_INLINE_FLUSH", 50)
    world = _build(str(tmp_path), rounds=60)
    data = world.views.users[1]
    assert len(data.fills) + len(data.closed_orders) + len(data.closed_plans) < 60
    assert world.views.store.count("fills", 1) > 0
    assert _ids(_listings(world.views)) == _expected(world)
    world.views.close()


def test_bills_of_an_older_database_gain_their_filter_columns(tmp_path: Any) -> None:
    """A futures.sqlite written before bills had ``coin``/``kind`` columns: opening it adds
    them, filled from each row's data, so the businessType and coin filters find old rows."""
    path = tmp_path / "futures.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE bills (bill_id INTEGER, user INTEGER, symbol TEXT, c_ms INTEGER,"
               " data TEXT, PRIMARY KEY (bill_id))")
    db.execute("INSERT INTO bills VALUES (1, 7, 'BTCUSDT', 5,"
               " '[1,7,\"BTCUSDT\",\"USDT\",\"contract_settle_fee\",-30,5000000]')")
    db.commit()
    db.close()
    store = FuturesStore(path)
    try:
        found = store.query("bills", 7, Page(where={"kind": {"contract_settle_fee"},
                                                     "coin": {"USDT"}}))
        assert len(found) == 1
        assert store.query("bills", 7, Page(where={"kind": {"open_long"}})) == []
    finally:
        store.close()
