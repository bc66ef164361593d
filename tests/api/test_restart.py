"""Restart: trade, stop (SIGTERM, then SIGKILL), start again on the same data dir.

Balances, open orders, order history, fills, plans, public trades and candles must be
exactly what they were before the stop, whether the read models were flushed (SIGTERM)
or killed mid-flight (SIGKILL: recovery replays the journal into them).  Snapshots are
taken every 7 commands so recovery also exercises the snapshot path.
"""

from __future__ import annotations

import signal
from typing import Any, Dict

import pytest

from .conftest import Raw, Server

SYMBOL = "BTCUSDT"


def ok(response: Any) -> Any:
    body = response.json()
    assert body["code"] == "00000", body
    return body["data"]


def place(client: Raw, side: str, price: str, size: str, **extra: str) -> str:
    return ok(
        client.post(
            "/api/v2/spot/trade/place-order",
            {
                "symbol": SYMBOL,
                "side": side,
                "orderType": "limit",
                "force": "gtc",
                "price": price,
                "size": size,
                **extra,
            },
        )
    )["orderId"]


def observe(server: Server, creds: Dict[str, Dict[str, str]]) -> Dict[str, Any]:
    """Everything a client can see, minus the fields that are the current time."""
    seen: Dict[str, Any] = {}
    for name, c in creds.items():
        client = Raw(server.url, c)
        seen[name] = {
            "assets": ok(client.get("/api/v2/spot/account/assets")),
            "open": ok(client.get("/api/v2/spot/trade/unfilled-orders")),
            "history": ok(client.get("/api/v2/spot/trade/history-orders")),
            "fills": ok(client.get("/api/v2/spot/trade/fills", f"symbol={SYMBOL}")),
            "plans": ok(client.get("/api/v2/spot/trade/current-plan-order", f"symbol={SYMBOL}")),
            "deposits": ok(client.get("/api/v2/spot/wallet/deposit-records")),
            "bills": ok(client.get("/api/v2/spot/account/bills")),
        }
    public = Raw(server.url)
    seen["trades"] = ok(
        public.get("/api/v2/spot/market/fills-history", f"symbol={SYMBOL}", signed=False)
    )
    seen["book"] = {
        k: v
        for k, v in ok(
            public.get("/api/v2/spot/market/orderbook", f"symbol={SYMBOL}", signed=False)
        ).items()
        if k != "ts"
    }
    for gran in ("1min", "1h", "1day"):
        seen["candles-" + gran] = ok(
            public.get(
                "/api/v2/spot/market/candles", f"symbol={SYMBOL}&granularity={gran}", signed=False
            )
        )
    ticker = ok(public.get("/api/v2/spot/market/tickers", f"symbol={SYMBOL}", signed=False))[0]
    seen["ticker"] = {k: v for k, v in ticker.items() if k != "ts"}
    return seen


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_restart_keeps_everything(sig: int, tmp_path) -> None:
    server = Server(tmp_path, ["--no-market-makers", "--snapshot-every", "7"]).start()
    demo = server.demo
    try:
        creds = {
            "a": server.user("a@test.io", {"USDT": "100000"}),
            "b": server.user("b@test.io", {"BTC": "3"}),
        }
        a, b = Raw(server.url, creds["a"]), Raw(server.url, creds["b"])
        for i in range(5):
            place(b, "sell", str(60000 + i * 10), "0.1")
        place(a, "buy", "60015", "0.25", clientOid="a-1")
        place(a, "buy", "59000", "0.1")
        ok(
            a.post(
                "/api/v2/spot/trade/place-plan-order",
                {
                    "symbol": SYMBOL,
                    "side": "buy",
                    "orderType": "limit",
                    "executePrice": "61000",
                    "size": "0.01",
                    "triggerPrice": "61000",
                },
            )
        )
        place(b, "sell", "59000", "0.05")
        before = observe(server, creds)
        assert before["a"]["fills"] and before["a"]["open"] and before["candles-1min"]
        assert before["a"]["bills"]
        assert server.stop(sig) in (0, -sig)
        server.start()
        assert server.demo == demo
        assert observe(server, creds) == before
        place(a, "buy", "60040", "0.1")
        after = observe(server, creds)
        assert after != before
        server.stop(sig)
        server.start()
        assert observe(server, creds) == after
    finally:
        if server.proc is not None:
            server.stop()


def test_sigkill_right_after_acks(tmp_path) -> None:
    """Acknowledged orders survive a kill that lands before the read models flushed."""
    server = Server(tmp_path, ["--no-market-makers", "--snapshot-every", "5"]).start()
    try:
        creds = server.user("fast@test.io", {"USDT": "100000"})
        client = Raw(server.url, creds)
        ids = [place(client, "buy", str(50000 + i), "0.01") for i in range(20)]
        server.stop(signal.SIGKILL)
        server.start()
        open_ids = {o["orderId"] for o in ok(client.get("/api/v2/spot/trade/unfilled-orders"))}
        assert open_ids == set(ids)
        book = ok(
            Raw(server.url).get(
                "/api/v2/spot/market/orderbook", f"symbol={SYMBOL}&limit=50", signed=False
            )
        )
        assert {p for p, _ in book["bids"]} >= {f"{50000 + i}.00" for i in range(20)}
        usdt = [a for a in ok(client.get("/api/v2/spot/account/assets")) if a["coin"] == "USDT"][0]
        frozen = sum(50000 + i for i in range(20)) / 100
        assert usdt["frozen"] == f"{frozen:.6f}"
    finally:
        if server.proc is not None:
            server.stop()
