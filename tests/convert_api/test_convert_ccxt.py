"""Convert through the real ccxt and signed HTTP: currencies, quote then accept, history,
small balances, and the bad inputs (expired quote, reused quote, a trade that does not
repeat its quote, same coin), each a Bitget error code that changes nothing."""

from __future__ import annotations

import time
from decimal import Decimal

import ccxt
import pytest

from margin_api.conftest import Raw, ccxt_client
from margin_api.conftest import seed_book as _seed

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def book(server):
    return _seed(server, "BTCUSDT", 60000)


def _spot(ex) -> dict:
    bal = ex.fetch_balance()
    return {c: bal[c]["total"] for c in ("USDT", "BTC") if c in bal}


def test_quote_then_accept(server, make_user, book):
    creds = make_user({"USDT": "1000"})
    ex = ccxt_client(server.url, creds)
    ex.load_markets()
    currencies = ex.fetch_convert_currencies()
    assert {"USDT", "BTC"} <= set(currencies)
    assert currencies["USDT"]["withdraw"] == pytest.approx(1000)
    quote = ex.fetch_convert_quote("USDT", "BTC", 600)
    assert quote["fromCurrency"] == "USDT" and quote["toCurrency"] == "BTC"
    assert quote["fee"] == 0 and quote["id"]
    # 600 USDT at the asks (60010, 60020...) less a 0.2 % spread: a little under 0.01 BTC
    assert 0.0099 < quote["toAmount"] < 0.01
    info = quote["info"]
    trade = ex.create_convert_trade(
        quote["id"], "USDT", "BTC", 600,
        {"price": info["cnvtPrice"], "toAmount": info["toCoinSize"]},
    )
    assert trade["toAmount"] == pytest.approx(quote["toAmount"])
    spot = _spot(ex)
    assert spot["USDT"] == pytest.approx(400)
    assert Decimal(str(spot["BTC"])) == Decimal(info["toCoinSize"])
    history = ex.fetch_convert_trade_history()
    assert [h["id"] for h in history][:1] == [trade["info"]["id"]]
    assert history[0]["fromAmount"] == 600
    # the same quote again: 40500, nothing changes
    with pytest.raises(ccxt.InvalidOrder):
        ex.create_convert_trade(
            quote["id"], "USDT", "BTC", 600,
            {"price": info["cnvtPrice"], "toAmount": info["toCoinSize"]},
        )
    assert _spot(ex) == spot


def test_expired_and_mismatched_quotes(server, make_user, book):
    creds = make_user({"USDT": "1000"})
    ex = ccxt_client(server.url, creds)
    ex.load_markets()
    raw = Raw(server.url, creds)
    quote = raw.get(
        "/api/v2/convert/quoted-price", "fromCoin=USDT&fromCoinSize=100&toCoin=BTC"
    ).json()
    assert quote["code"] == "00000", quote
    q = quote["data"]
    body = {k: q[k] for k in ("fromCoin", "fromCoinSize", "toCoin", "toCoinSize", "cnvtPrice")}
    body["traceId"] = q["traceId"]
    # a trade that does not repeat the quote is refused before anything is journaled
    bad = raw.post("/api/v2/convert/trade", {**body, "toCoinSize": "1"}).json()
    assert bad["code"] == "40017"
    before = _spot(ex)
    time.sleep(8.5)  # the demo quote lives 8 s (Bitget's traceId)
    expired = raw.post("/api/v2/convert/trade", body).json()
    assert expired["code"] == "40017" and "expired" in expired["msg"]
    assert _spot(ex) == before
    unknown = raw.post("/api/v2/convert/trade", {**body, "traceId": "999999999"}).json()
    assert unknown["code"] == "40020"
    same = raw.get(
        "/api/v2/convert/quoted-price", "fromCoin=USDT&fromCoinSize=100&toCoin=USDT"
    ).json()
    assert same["code"] == "40017"
    both = raw.get(
        "/api/v2/convert/quoted-price", "fromCoin=USDT&fromCoinSize=1&toCoin=BTC&toCoinSize=1"
    ).json()
    assert both["code"] == "40019"
    assert _spot(ex) == before


def test_quote_by_target_size_and_small_balances(server, make_user, book):
    creds = make_user({"USDT": "1000", "BTC": "0.0001"})
    ex = ccxt_client(server.url, creds)
    ex.load_markets()
    raw = Raw(server.url, creds)
    q = raw.get("/api/v2/convert/quoted-price", "fromCoin=USDT&toCoin=BTC&toCoinSize=0.001").json()
    assert q["code"] == "00000", q
    assert (Decimal(q["data"]["toCoinSize"]) == Decimal("0.001")
            and Decimal(q["data"]["fromCoinSize"]) > 60)
    dust = raw.get("/api/v2/convert/bgb-convert-coin-list", "").json()["data"]["coinList"]
    assert [d["coin"] for d in dust] == ["BTC"]
    done = raw.post("/api/v2/convert/bgb-convert", {"coinList": ["BTC"], "toCoin": "USDT"}).json()
    assert done["code"] == "00000", done
    assert done["data"]["orderList"][0]["coin"] == "BTC"
    spot = _spot(ex)
    assert spot.get("BTC", 0) == 0 and spot["USDT"] > 1000
    again = raw.post("/api/v2/convert/bgb-convert", {"coinList": ["BTC"]}).json()
    assert again["code"] == "50003"
    records = raw.get("/api/v2/convert/bgb-convert-records", "").json()["data"]
    assert records[0]["fromCoin"] == "BTC"
