"""Futures WebSocket channels through the real, unmodified ccxt.pro.

Public: ticker (with mark/index/funding), books (ccxt verifies every checksum), trades.
Private: watch_positions, watch_orders, watch_my_trades and watch_balance on USDT-M and
Coin-M, driven by two users trading against each other over REST.
"""
from __future__ import annotations

import asyncio
from typing import Any

import pytest

from .conftest import client, mark

SYM = "BTC/USDT:USDT"


def _run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, timeout=240))  # the CI machine may be busy


def test_public_channels(fserver: Any, fuser: Any) -> None:
    creds = [fuser(), fuser()]

    async def scenario() -> None:
        ex = client(fserver, None, pro=True)
        a, b = client(fserver, creds[0], pro=True), client(fserver, creds[1], pro=True)
        try:
            await ex.load_markets()
            for c in (a, b):
                await c.load_markets()
                await c.transfer("USDT", 3000, "spot", "swap")
            ticker = await ex.watch_ticker(SYM)
            assert ticker["symbol"] == SYM
            price = float(ex.price_to_precision(SYM, mark(fserver)))
            await ex.watch_order_book(SYM)  # the snapshot
            for side, size, factor in (("buy", 0.002, 0.99), ("sell", 0.003, 1.01),
                                       ("buy", 0.001, 0.98)):
                update = asyncio.ensure_future(ex.watch_order_book(SYM))
                await asyncio.sleep(0.2)
                await a.create_order(SYM, "limit", side, size, round(price * factor, 1))
                book = await update  # an update: ccxt verifies its checksum
            assert book["bids"][0][0] <= price and book["asks"][0][0] >= price
            assert await ex.watch_trades(SYM) == []  # the subscription snapshot: none yet
            trades_task = asyncio.ensure_future(ex.watch_trades(SYM))
            await asyncio.sleep(0.2)
            await b.create_order(SYM, "limit", "sell", 0.002, round(price * 0.99, 1))
            trades = await trades_task
            assert trades[-1]["symbol"] == SYM and trades[-1]["amount"] == 0.002
        finally:
            for c in (a, b):  # leave the shared book clean for the other tests
                await c.cancel_all_orders(SYM)
            for c in (ex, a, b):
                await c.close()

    _run(scenario())


@pytest.mark.parametrize("sym,coin,amount,account,product,size", [
    ("BTC/USDT:USDT", "USDT", 3000, "swap", "USDT-FUTURES", 0.01),
    ("BTC/USD:BTC", "BTC", 0.5, "future", "COIN-FUTURES", 0.01),  # sizes in BTC here too
])
def test_private_channels(fserver: Any, fuser: Any, sym: str, coin: str, amount: float,
                          account: str, product: str, size: float) -> None:
    creds = [fuser(), fuser()]
    SYM = sym

    async def scenario() -> None:
        a, b = client(fserver, creds[0], pro=True), client(fserver, creds[1], pro=True)
        try:
            for c in (a, b):
                await c.load_markets()
                await c.transfer(coin, amount, "spot", account)
            price = float(a.price_to_precision(SYM, mark(fserver, a.market(SYM)["id"], product)))
            positions_task = asyncio.ensure_future(a.watch_positions([SYM]))
            orders_task = asyncio.ensure_future(a.watch_orders(SYM))
            trades_task = asyncio.ensure_future(a.watch_my_trades(SYM))
            balance_task = asyncio.ensure_future(a.watch_balance({"type": "swap",
                                                                  "instType": product}))
            await asyncio.sleep(1.0)
            await b.create_order(SYM, "limit", "sell", size, price)
            placed = await a.create_order(SYM, "limit", "buy", size, price)

            await orders_task
            while True:  # pushes may arrive between two watch calls: read ccxt's own cache
                mine = [o for o in (a.orders or []) if o["id"] == placed["id"]]
                if mine and mine[-1]["status"] == "closed":
                    break
                try:
                    await asyncio.wait_for(a.watch_orders(SYM), 5)
                except asyncio.TimeoutError:
                    pass
            order = mine[-1]
            assert order["id"] == placed["id"] and order["symbol"] == SYM
            assert order["filled"] == size and order["amount"] == size

            positions = await positions_task
            while not positions or positions[-1]["contracts"] != size:
                positions = await a.watch_positions([SYM])
            pos = positions[-1]
            assert pos["symbol"] == SYM and pos["side"] == "long" and pos["contracts"] == size
            assert pos["entryPrice"] == price

            trades = await trades_task  # no snapshot on subscribe: this is the fill
            assert trades[-1]["symbol"] == SYM and trades[-1]["amount"] == size

            balance = await balance_task
            while balance.get(coin, {}).get("total") in (None, amount):
                balance = await a.watch_balance({"type": "swap", "instType": product})
            assert 0 < balance[coin]["free"] < amount
        finally:
            for c in (a, b):
                await c.close()

    _run(scenario())
