"""Public endpoints through real ccxt (sync and pro) and through raw HTTP for the envelope."""

from __future__ import annotations

import asyncio
import time

import ccxt
import pytest

from .conftest import Server, ccxt_client


def test_load_markets_and_currencies(server: Server) -> None:
    ex = ccxt_client(server.url)
    markets = ex.load_markets()
    for symbol in ("BTC/USDT", "ETH/USDT", "SOL/USDT", "ETH/BTC", "BTC/USDC"):
        assert markets[symbol]["spot"] is True
        assert markets[symbol]["precision"]["price"] is not None
        assert markets[symbol]["precision"]["amount"] is not None
    btc = markets["BTC/USDT"]
    assert btc["precision"]["price"] == 0.01
    assert btc["maker"] == 0.001 and btc["taker"] == 0.001
    # the demo perpetuals (tests/futures_api covers them); no delivery futures
    assert {s for s, m in markets.items() if m["swap"]} == {
        "BTC/USDT:USDT", "ETH/USDT:USDT", "BTC/USDC:USDC", "ETH/USDC:USDC", "BTC/USD:BTC",
        "ETH/USD:ETH"}
    assert not any(m["future"] for m in markets.values())
    currencies = ex.fetch_currencies()
    assert set(currencies) >= {"BTC", "ETH", "SOL", "USDT", "USDC"}


def test_load_markets_with_credentials_skips_v3(server: Server) -> None:
    """With credentials and uta unset, ccxt probes /api/v3; the probe must fail → classic."""
    ex = ccxt_client(server.url, server.demo)
    ex.options["uta"] = None
    ex.load_markets()
    assert ex.options["uta"] is False
    assert ex.fetch_balance()["USDT"]["total"] > 0


def test_envelope_on_success_and_errors(server: Server) -> None:
    import httpx

    body = httpx.get(server.url + "/api/v2/public/time").json()
    assert body["code"] == "00000" and body["msg"] == "success"
    assert isinstance(body["requestTime"], int) and body["data"]["serverTime"].isdigit()
    for path, code in (
        ("/api/v2/nope", "40404"),
        ("/api/v3/account/settings", "40404"),
        ("/nope", "40404"),
    ):
        resp = httpx.get(server.url + path)
        assert resp.status_code == 404
        assert resp.json()["code"] == code and resp.json()["data"] is None
    margin = httpx.get(server.url + "/api/v2/margin/currencies").json()["data"]
    assert all(type(row["isBorrowable"]) is bool for row in margin)  # ccxt needs a JSON bool
    for product in (
        "USDT-FUTURES",
        "COIN-FUTURES",
        "USDC-FUTURES",
        "SUSDT-FUTURES",
        "SCOIN-FUTURES",
        "susdc-futures",
    ):
        resp = httpx.get(
            server.url + "/api/v2/mix/market/contracts", params={"productType": product}
        )
        body = resp.json()
        assert body["code"] == "00000"
        if product.lower().startswith("s"):  # Bitget's demo products: none listed
            assert body["data"] == []
        else:  # the demo contracts (tests/futures_api covers them in depth)
            assert all(row["symbolType"] == "perpetual" for row in body["data"])
    bad = httpx.get(server.url + "/api/v2/mix/market/contracts", params={"productType": "X"}).json()
    assert bad["code"] == "40017"


def test_docs(server: Server) -> None:
    import httpx

    doc = httpx.get(server.url + "/docs/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    assert "post" in doc["paths"]["/api/v2/spot/trade/place-order"]
    assert doc["paths"]["/api/v2/spot/trade/place-order"]["post"]["x-permission"] == "trade"
    negotiated = httpx.get(server.url + "/docs", headers={"Accept": "application/json"}).json()
    assert negotiated == doc
    page = httpx.get(server.url + "/docs")
    assert page.status_code == 200 and "place-order" in page.text


def test_market_data_after_trades(server: Server, make_user) -> None:
    """SOL/USDT is this test's market (other modules trade elsewhere)."""
    maker = ccxt_client(server.url, make_user({"SOL": "10"}))
    taker = ccxt_client(server.url, make_user({"USDT": "50000"}))
    maker.load_markets()
    taker.load_markets()
    maker.create_order("SOL/USDT", "limit", "sell", 0.5, 150)
    maker.create_order("SOL/USDT", "limit", "sell", 0.25, 151)
    maker.create_order("SOL/USDT", "limit", "sell", 0.25, 152)
    taker.create_order("SOL/USDT", "limit", "buy", 0.6, 151)
    ex = ccxt_client(server.url)
    ticker = ex.fetch_ticker("SOL/USDT")
    assert ticker["last"] == 151 and ticker["high"] == 151 and ticker["low"] == 150
    assert ticker["baseVolume"] == pytest.approx(0.6)
    assert ticker["ask"] == 151 and ticker["askVolume"] == pytest.approx(0.15)
    assert "SOL/USDT" in ex.fetch_tickers()
    book = ex.fetch_order_book("SOL/USDT", 5)
    assert book["asks"][:2] == [[151.0, 0.15], [152.0, 0.25]]
    merged = ex.fetch_order_book("SOL/USDT", 5, {"type": "step5"})  # 100.000-wide buckets
    assert merged["asks"][0] == [200.0, 0.4]
    trades = ex.fetch_trades("SOL/USDT")
    assert [t["price"] for t in trades][-2:] == [150.0, 151.0]
    assert all(t["side"] == "buy" for t in trades[-2:])
    recent = ex.fetch_trades("SOL/USDT", params={"method": "publicSpotGetV2SpotMarketFills"})
    assert [t["id"] for t in recent] == [t["id"] for t in trades]
    since = int(time.time() * 1000) - 3_600_000
    for timeframe in (
        "1m",
        "3m",
        "5m",
        "15m",
        "30m",
        "1h",
        "4h",
        "6h",
        "12h",
        "1d",
        "3d",
        "1w",
        "1M",
    ):
        candles = ex.fetch_ohlcv("SOL/USDT", timeframe, limit=10)
        assert candles and candles[-1][2] == 151.0 and candles[-1][3] == 150.0, timeframe
        assert candles[-1][5] == pytest.approx(0.6), timeframe
    assert ex.fetch_ohlcv("SOL/USDT", "1m", since=since, limit=100)[-1][4] == 151.0


def test_ccxt_pro_public_stream(server: Server) -> None:
    """The node mounts the WS gateway at /v2/ws/public (protocol details: WS tests)."""

    async def run() -> None:
        ex = ccxt_client(server.url, pro=True)
        try:
            ticker = await asyncio.wait_for(ex.watch_ticker("BTC/USDT"), 20)
            assert ticker["symbol"] == "BTC/USDT"
            book = await asyncio.wait_for(ex.watch_order_book("BTC/USDT"), 20)
            assert book["symbol"] == "BTC/USDT"
        finally:
            await ex.close()

    asyncio.run(run())


def test_rate_limit(make_user, raw) -> None:
    """The wallet family allows a key 10 requests/s (burst 20)."""
    client = raw(make_user({}, perms="read"))
    # each request differs (limit), or two in the same millisecond would be one replayed
    codes = [client.get("/api/v2/spot/wallet/deposit-records", f"limit={i}").json()["code"]
             for i in range(1, 41)]
    assert "429" in codes and codes[0] == "00000"
    body = client.get("/api/v2/spot/wallet/deposit-records", "limit=41").json()
    assert body["code"] == "429" and body["msg"] == "Request Frequency Is Too High"
    assert issubclass(
        ccxt.bitget().exceptions["exact"]["Request Frequency Is Too High"], ccxt.RateLimitExceeded
    )


def test_ccxt_pro_private_stream(server: Server, make_user) -> None:
    """The node mounts /v2/ws/private with login backed by the same API keys."""
    creds = make_user({"USDC": "1000"})

    async def run() -> None:
        ex = ccxt_client(server.url, creds, pro=True)
        try:
            await ex.load_markets()
            watch = asyncio.ensure_future(ex.watch_orders("BTC/USDC"))
            await asyncio.sleep(1.0)  # let the subscription land before the order
            ex2 = ccxt_client(server.url, creds)
            ex2.load_markets()
            placed = ex2.create_order("BTC/USDC", "limit", "buy", 0.001, 1000)
            orders = await asyncio.wait_for(watch, 20)
            assert placed["id"] in {o["id"] for o in orders}
            ex2.cancel_order(placed["id"], "BTC/USDC")
        finally:
            await ex.close()

    asyncio.run(run())
