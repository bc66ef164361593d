"""ccxt.pro (pinned 4.5.90) against a real server on a free port, market makers running.

ccxt itself verifies every ``books`` checksum (a mismatch raises ChecksumError from
``watch_order_book``), routes pushes by ``arg`` and parses orders, fills and balances
with its own code, so these tests fail on any wire-format drift.
"""
from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any, Dict

import ccxt.pro as ccxtpro
import pytest

from .live_server import LiveServer

pytestmark = pytest.mark.slow


def make_client(server: LiveServer, creds: Dict[str, Any]) -> Any:
    ex = ccxtpro.bitget({"apiKey": creds["apiKey"], "secret": creds["secretKey"],
                         "password": creds["passphrase"], "enableRateLimit": False,
                         "options": {"ws": {"keepAlive": 1000}}})
    for key, value in list(ex.urls["api"].items()):
        if isinstance(value, str):
            ex.urls["api"][key] = server.url
    ex.urls["api"]["ws"]["public"] = server.ws_url + "/public"
    ex.urls["api"]["ws"]["private"] = server.ws_url + "/private"
    ex.options["uta"] = False
    return ex


def run(server: LiveServer, scenario: Any) -> Any:
    async def wrapper() -> Any:
        ex = make_client(server, server.app.demo_credentials)
        try:
            return await asyncio.wait_for(scenario(ex), timeout=60)
        finally:
            await ex.close()
    return asyncio.run(wrapper())


async def subscribed(server: LiveServer, *channels: str) -> None:
    """Wait until the server has registered private subscriptions to ``channels``."""
    def present() -> bool:
        subs = {sub[0] for conn in list(server.app.gateway.connections)
                for sub in list(conn.private_subs)}
        return set(channels) <= subs

    while not present():
        await asyncio.sleep(0.02)


def test_watch_order_book_verifies_checksums_over_many_updates(server: LiveServer) -> None:
    async def scenario(ex: Any) -> None:
        assert ex.handle_option("watchOrderBook", "checksum", True) is True
        for symbol in ("BTC/USDT", "ETH/BTC"):
            seen = set()
            for _ in range(25):  # snapshot + updates, each update checksum-verified by ccxt
                book = await ex.watch_order_book(symbol)
                seen.add((tuple(map(tuple, (lvl[:2] for lvl in book["bids"][:3]))),
                          tuple(map(tuple, (lvl[:2] for lvl in book["asks"][:3])))))
                bids, asks = book["bids"], book["asks"]
                assert [b[0] for b in bids] == sorted((b[0] for b in bids), reverse=True)
                assert [a[0] for a in asks] == sorted(a[0] for a in asks)
                if bids and asks:
                    assert bids[0][0] < asks[0][0]
                for level in bids[:25] + asks[:25]:
                    raw_price, raw_size = level[2]
                    assert isinstance(raw_price, str) and Decimal(raw_size) > 0
            assert len(seen) > 1  # the book really moved while we watched
        limited = await ex.watch_order_book("SOL/USDT", 5)  # books5: full replacements
        assert len(limited["bids"]) <= 5 and len(limited["asks"]) <= 5

    run(server, scenario)


def test_watch_trades_ticker_and_ohlcv(server: LiveServer) -> None:
    async def scenario(ex: Any) -> None:
        trades: list = []
        while len(trades) < 3:
            trades = await ex.watch_trades("BTC/USDT")
        ids = [t["id"] for t in trades]
        assert len(ids) == len(set(ids))
        assert all(t["side"] in ("buy", "sell") and t["price"] > 0 and t["amount"] > 0
                   for t in trades)
        assert [t["timestamp"] for t in trades] == sorted(t["timestamp"] for t in trades)
        ticker = await ex.watch_ticker("ETH/USDT")
        assert ticker["symbol"] == "ETH/USDT" and ticker["last"] > 0
        assert ticker["bid"] < ticker["ask"]
        for timeframe in ("1m", "1h", "1d", "1w"):
            candles: list = []
            while not candles:
                candles = await ex.watch_ohlcv("BTC/USDT", timeframe)
            ts, o, h, low, c, v = candles[-1]
            assert low <= min(o, c) <= max(o, c) <= h and v > 0
        rest = await ex.fetch_ohlcv("BTC/USDT", "1m", limit=5)
        assert rest and rest[-1][0] >= candles[-1][0] - 7 * 86_400_000

    run(server, scenario)


def test_private_orders_fills_and_balance_follow_a_trade(server: LiveServer) -> None:
    async def scenario(ex: Any) -> None:
        await ex.load_markets()
        balance = await ex.watch_balance()  # the account snapshot on subscribe
        before = await ex.fetch_balance()
        assert balance["USDT"]["free"] == before["USDT"]["free"]
        orders = asyncio.ensure_future(ex.watch_orders("BTC/USDT"))
        fills = asyncio.ensure_future(ex.watch_my_trades("BTC/USDT"))
        balance_update = asyncio.ensure_future(ex.watch_balance())
        await subscribed(server, "orders", "fill", "account")
        placed = await ex.create_order("BTC/USDT", "market", "buy", None, None, {"cost": 50})
        pushed = await orders
        mine = [o for o in pushed if o["id"] == placed["id"]]
        assert mine and mine[-1]["symbol"] == "BTC/USDT" and mine[-1]["side"] == "buy"
        my_trades = await fills
        assert my_trades and all(t["order"] == placed["id"] for t in my_trades)
        assert all(t["takerOrMaker"] == "taker" and t["fee"]["currency"] == "BTC"
                   for t in my_trades)
        await balance_update
        final = await ex.fetch_order(placed["id"], "BTC/USDT")
        assert final["status"] == "closed"
        bought = sum(Decimal(str(t["amount"])) for t in my_trades)
        assert bought == Decimal(str(final["filled"]))
        for _ in range(20):  # pushes for USDT and BTC may arrive in separate frames
            rest = await ex.fetch_balance()
            if ex.balance["USDT"]["free"] == rest["USDT"]["free"] and \
                    ex.balance["BTC"]["free"] == rest["BTC"]["free"]:
                break
            await ex.watch_balance()
        assert ex.balance["USDT"]["free"] == rest["USDT"]["free"]
        assert ex.balance["BTC"]["free"] == rest["BTC"]["free"]
        assert rest["USDT"]["free"] < before["USDT"]["free"]

    run(server, scenario)


def test_unwatch_is_acknowledged(server: LiveServer) -> None:
    async def scenario(ex: Any) -> None:
        await ex.watch_ticker("SOL/USDT")
        await ex.un_watch_ticker("SOL/USDT")
        await ex.watch_order_book("SOL/USDT")
        await ex.un_watch_order_book("SOL/USDT")

    run(server, scenario)


def test_trigger_orders_are_pushed_on_orders_algo(server: LiveServer) -> None:
    async def scenario(ex: Any) -> None:
        await ex.load_markets()
        watcher = asyncio.ensure_future(ex.watch_orders("BTC/USDT", params={"trigger": True}))
        await subscribed(server, "orders-algo")
        ticker = await ex.watch_ticker("BTC/USDT")
        while not ticker["last"]:  # first trade of a fresh server
            ticker = await ex.watch_ticker("BTC/USDT")
        trigger = round(ticker["last"] * 1.1, 2)
        placed = await ex.create_order("BTC/USDT", "limit", "buy", 0.001,
                                       round(ticker["last"] * 0.9, 2), {"triggerPrice": trigger})
        pushed = await watcher
        mine = [o for o in pushed if o["id"] == placed["id"]]
        assert mine and mine[-1]["status"] == "open"
        assert mine[-1]["triggerPrice"] == trigger
        watcher = asyncio.ensure_future(ex.watch_orders("BTC/USDT", params={"trigger": True}))
        await ex.cancel_order(placed["id"], "BTC/USDT", {"trigger": True})
        pushed = await watcher
        assert [o["status"] for o in pushed if o["id"] == placed["id"]][-1] == "canceled"

    run(server, scenario)
