"""Margin through the real ccxt against a real server: transfers between account types,
cross and isolated borrow / repay, interest, max borrowable, margin orders with loan types,
and the bad inputs (borrow above the limit, repay more than owed, transfer from the wrong
account), each a Bitget error code that changes nothing."""

from __future__ import annotations

from decimal import Decimal

import ccxt
import pytest

from .conftest import Raw, ccxt_client, seed_book

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def book(server):
    return seed_book(server, "BTCUSDT", 60000)


def _balances(raw: Raw, path: str, query: str = "") -> dict:
    body = raw.get(path, query).json()
    assert body["code"] == "00000", body
    return {(r.get("symbol", ""), r["coin"]): r for r in body["data"]}


def test_margin_currencies_keep_ccxt_markets(server, book):
    ex = ccxt_client(server.url)
    markets = ex.load_markets()
    assert markets["BTC/USDT"]["spot"] and markets["ETH/BTC"]["spot"]
    assert markets["BTC/USDT"]["margin"] is True
    assert "BTCUSDT" in ex.options["crossMarginPairsData"]
    assert "BTCUSDT" in ex.options["isolatedMarginPairsData"]
    rows = Raw(server.url).get("/api/v2/margin/currencies", signed=False).json()["data"]
    row = next(r for r in rows if r["symbol"] == "BTCUSDT")
    assert row["isBorrowable"] is True and row["maxIsolatedLeverage"] == "5"


def test_transfer_between_account_types(server, make_user, book):
    creds = make_user({"USDT": "1000"})
    ex = ccxt_client(server.url, creds)
    ex.load_markets()
    ex.transfer("USDT", 300, "spot", "cross")
    ex.transfer("USDT", 200, "spot", "isolated", {"symbol": "BTC/USDT"})
    ex.transfer("USDT", 50, "cross", "p2p")
    spot = ex.fetch_balance()
    assert spot["USDT"]["free"] == pytest.approx(500)
    cross = ex.fetch_balance({"marginMode": "cross"})
    assert cross["USDT"]["total"] == pytest.approx(250)
    iso = ex.fetch_balance({"marginMode": "isolated", "symbol": "BTCUSDT"})
    assert iso["USDT"]["total"] == pytest.approx(200)
    records = Raw(server.url, creds).get(
        "/api/v2/spot/account/transferRecords", "coin=USDT&fromType=spot"
    ).json()["data"]
    kinds = {(r["toType"], r["toSymbol"]) for r in records}
    assert ("crossed_margin", "") in kinds and ("isolated_margin", "BTCUSDT") in kinds
    # from the wrong account: isolated ETHUSDT holds nothing → insufficient, nothing moves
    with pytest.raises(ccxt.InsufficientFunds):
        ex.transfer("USDT", 10, "isolated", "spot", {"symbol": "ETH/USDT"})
    # isolated without a symbol is a parameter error
    with pytest.raises(ccxt.BadRequest):
        ex.transfer("USDT", 10, "isolated", "spot")
    assert ex.fetch_balance()["USDT"]["free"] == pytest.approx(500)


def test_cross_borrow_repay_interest(server, make_user, book):
    creds = make_user({"USDT": "3000"})
    ex = ccxt_client(server.url, creds)
    ex.load_markets()
    raw = Raw(server.url, creds)
    ex.transfer("USDT", 1000, "spot", "cross")
    limit = raw.get("/api/v2/margin/crossed/account/max-borrowable-amount", "coin=USDT").json()
    assert limit["code"] == "00000", limit
    max_usdt = Decimal(limit["data"]["maxBorrowableAmount"])
    # 3x: net x (3 - 1), less an hour's interest
    assert Decimal("1900") < max_usdt < Decimal("2000")
    loan = ex.borrow_cross_margin("USDT", 500)
    assert loan["currency"] == "USDT" and loan["amount"] == 500 and loan["id"]
    row = _balances(raw, "/api/v2/margin/crossed/account/assets")[("", "USDT")]
    assert Decimal(row["borrow"]) == 500 and Decimal(row["interest"]) > 0
    interest = ex.fetch_borrow_interest("USDT")
    assert interest and interest[0]["currency"] == "USDT" and interest[0]["marginMode"] == "cross"
    assert interest[0]["interest"] > 0
    rate = ex.fetch_cross_borrow_rate("USDT")
    assert rate["rate"] == pytest.approx(0.000126279)
    # borrow above the limit: 33008 (InsufficientFunds), nothing changes
    with pytest.raises(ccxt.InsufficientFunds):
        ex.borrow_cross_margin("USDT", 100000)
    # repay more than owed: 33003, nothing changes
    with pytest.raises(ccxt.InsufficientFunds):
        ex.repay_cross_margin("USDT", 900)
    after = _balances(raw, "/api/v2/margin/crossed/account/assets")[("", "USDT")]
    assert after == row
    owed = Decimal(row["borrow"]) + Decimal(row["interest"])
    repaid = ex.repay_cross_margin("USDT", float(owed))
    assert repaid["id"]
    done = _balances(raw, "/api/v2/margin/crossed/account/assets")[("", "USDT")]
    assert Decimal(done["borrow"]) == 0 and Decimal(done["interest"]) == 0
    history = raw.get("/api/v2/margin/crossed/repay-history", "").json()["data"]["resultList"]
    assert Decimal(history[0]["repayInterest"]) > 0


def test_isolated_borrow_repay_and_rate(server, make_user, book):
    creds = make_user({"USDT": "2000"})
    ex = ccxt_client(server.url, creds)
    ex.load_markets()
    ex.transfer("USDT", 1000, "spot", "isolated", {"symbol": "BTC/USDT"})
    loan = ex.borrow_isolated_margin("BTC/USDT", "USDT", 1000)
    assert loan["symbol"] == "BTC/USDT" and loan["amount"] == 1000
    loan_btc = ex.borrow_isolated_margin("BTC/USDT", "BTC", 0.01)
    assert loan_btc["currency"] == "BTC"
    rate = ex.fetch_isolated_borrow_rate("BTC/USDT")
    assert rate["base"] == "BTC" and rate["quote"] == "USDT" and rate["quoteRate"] > 0
    interest = ex.fetch_borrow_interest("USDT", "BTC/USDT", params={"marginMode": "isolated"})
    assert interest and interest[0]["marginMode"] == "isolated"
    assert interest[0]["symbol"] == "BTC/USDT"
    with pytest.raises(ccxt.InsufficientFunds):
        ex.borrow_isolated_margin("BTC/USDT", "USDT", 50000)
    repaid = ex.repay_isolated_margin("BTC/USDT", "USDT", 400)
    assert repaid["amount"] == 400
    raw = Raw(server.url, creds)
    rows = _balances(raw, "/api/v2/margin/isolated/account/assets", "symbol=BTCUSDT")
    usdt = rows[("BTCUSDT", "USDT")]
    # interest first, then principal: 400 repaid leaves 600 + interest - interest = 600 + ε
    assert Decimal("600") <= Decimal(usdt["borrow"]) < Decimal("601")
    risk = raw.get("/api/v2/margin/isolated/account/risk-rate", "symbol=BTCUSDT").json()["data"]
    assert 0 < Decimal(risk[0]["riskRateRatio"]) < 1


def test_margin_orders_with_loan_types(server, make_user, book):
    creds = make_user({"USDT": "2000"})
    ex = ccxt_client(server.url, creds)
    ex.load_markets()
    ex.transfer("USDT", 1000, "spot", "cross")
    # auto-borrow: buy 0.03 BTC (~1,800 USDT) with 1,000 USDT of own funds
    order = ex.create_order(
        "BTC/USDT", "limit", "buy", 0.03, 60010, {"marginMode": "cross", "loanType": "autoLoan"}
    )
    assert order["id"]
    raw = Raw(server.url, creds)
    rows = _balances(raw, "/api/v2/margin/crossed/account/assets")
    assert Decimal(rows[("", "USDT")]["borrow"]) > 0
    assert Decimal(rows[("", "BTC")]["available"]) == Decimal("0.03") * Decimal("0.999")
    closed = ex.fetch_closed_orders("BTC/USDT", params={"marginMode": "cross"})
    assert any(o["id"] == order["id"] and o["filled"] == pytest.approx(0.03) for o in closed)
    # a resting order on the cross account, listed and cancelled through the margin endpoints
    resting = ex.create_order(
        "BTC/USDT", "limit", "sell", 0.01, 70000, {"marginMode": "cross"}
    )
    open_ = ex.fetch_open_orders("BTC/USDT", params={"marginMode": "cross"})
    assert [o["id"] for o in open_] == [resting["id"]]
    ex.cancel_order(resting["id"], "BTC/USDT", {"marginMode": "cross"})
    assert ex.fetch_open_orders("BTC/USDT", params={"marginMode": "cross"}) == []
    # auto-repay: selling the BTC repays the USDT loan from the proceeds
    ex.create_order(
        "BTC/USDT", "market", "sell", 0.02997, None,
        {"marginMode": "cross", "loanType": "autoRepay"},
    )
    after = _balances(raw, "/api/v2/margin/crossed/account/assets")
    assert Decimal(after[("", "USDT")]["borrow"]) < Decimal(rows[("", "USDT")]["borrow"])
    # spot orders are unaffected: the spot account still has its 1,000 USDT
    assert ex.fetch_balance()["USDT"]["free"] == pytest.approx(1000)
