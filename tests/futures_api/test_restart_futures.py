"""Futures read models survive a restart (clean stop, then SIGKILL): positions, open
orders, plans, order history, fills, settings and mark candles come back, rebuilt from
``futures.sqlite`` (state and history) plus the journal tail."""
from __future__ import annotations

import signal
from typing import Any

from .conftest import client, mark

SYM = "BTC/USDT:USDT"


def _state(ex: Any) -> Any:
    return (
        [(p["side"], p["contracts"], p["entryPrice"], p["leverage"])
         for p in ex.fetch_positions([SYM])],
        sorted(o["id"] for o in ex.fetch_open_orders(SYM)),
        sorted(o["id"] for o in ex.fetch_open_orders(SYM, None, None, {"trigger": True})),
        sorted(t["id"] + ":" + t["order"] for t in ex.fetch_my_trades(SYM)),
        sorted(o["id"] for o in ex.fetch_closed_orders(SYM)),
        ex.fetch_leverage(SYM)["longLeverage"],
        _available(ex),
    )


def _available(ex: Any) -> str:
    """The wallet's available USDT. Not ccxt's "free" (crossedMaxAvailable): that one
    counts a loss-making UPnL, so it moves with the mark between two reads."""
    rows = ex.privateMixGetV2MixAccountAccounts({"productType": "USDT-FUTURES"})["data"]
    return next(r["available"] for r in rows if r["marginCoin"] == "USDT")


def test_restart_keeps_everything(fserver: Any, fuser: Any) -> None:
    creds = [fuser(), fuser()]
    a, b = client(fserver, creds[0]), client(fserver, creds[1])
    for ex in (a, b):
        ex.load_markets()
        ex.transfer("USDT", 3000, "spot", "swap")
    a.set_leverage(7, SYM)
    price = float(a.price_to_precision(SYM, mark(fserver)))
    b.create_order(SYM, "limit", "sell", 0.01, price)
    a.create_order(SYM, "limit", "buy", 0.01, price)
    a.create_order(SYM, "limit", "buy", 0.002, round(price * 0.97, 1))
    a.create_order(SYM, "market", "buy", 0.001, None, {"triggerPrice": round(price * 1.05, 1)})
    before = _state(a)
    assert before[0] and before[1] and before[2] and before[3]
    candles = a.fetch_mark_ohlcv(SYM, "1m", limit=3)

    for sig in (signal.SIGTERM, signal.SIGKILL):
        fserver.stop(sig)
        fserver.start()
        a = client(fserver, creds[0])
        a.load_markets()
        after = _state(a)
        assert after == before
        assert a.fetch_mark_ohlcv(SYM, "1m", limit=3)[0][0] >= candles[0][0]
