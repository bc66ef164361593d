"""Perpetual futures through the real, unmodified ccxt (sync): USDT-M, USDC-M and Coin-M.

Two users trade against each other at a price near the mark (market makers are off, so
the books hold only these orders); positions, TP/SL, reduce-only closes, funding,
mark candles and transfers are then read back through ccxt's own parsers.
"""
from __future__ import annotations

from decimal import Decimal as D
from typing import Any, Tuple

import ccxt
import pytest

from .conftest import client, mark

USDT_SYM = "BTC/USDT:USDT"
USDC_SYM = "BTC/USDC:USDC"
COIN_SYM = "BTC/USD:BTC"


def _pair(fserver: Any, fuser: Any, account: str, coin: str, amount: float) -> Tuple[Any, Any]:
    a, b = client(fserver, fuser()), client(fserver, fuser())
    for ex in (a, b):
        ex.load_markets()
        ex.transfer(coin, amount, "spot", account)
    return a, b


def _price(ex: Any, symbol: str, fserver: Any, product: str, market_id: str) -> float:
    return float(ex.price_to_precision(symbol, mark(fserver, market_id, product)))


def test_load_markets_lists_the_three_families(fserver: Any) -> None:
    ex = client(fserver, None)
    markets = ex.load_markets()
    usdt, usdc, coin = markets[USDT_SYM], markets[USDC_SYM], markets[COIN_SYM]
    assert usdt["swap"] and usdt["linear"] and usdt["settle"] == "USDT" and usdt["id"] == "BTCUSDT"
    assert usdc["swap"] and usdc["linear"] and usdc["settle"] == "USDC" and usdc["id"] == "BTCPERP"
    assert coin["swap"] and coin["inverse"] and coin["settle"] == "BTC" and coin["id"] == "BTCUSD"
    assert usdt["precision"]["price"] == 0.1 and usdt["precision"]["amount"] == 0.001
    assert usdt["limits"]["leverage"]["max"] == 125
    assert markets["BTC/USDT"]["spot"]  # the spot market with the same id is intact
    ticker = ex.fetch_ticker(USDT_SYM)
    assert float(ticker["info"]["markPrice"]) > 0 and float(ticker["info"]["indexPrice"]) > 0
    rates = ex.fetch_funding_rates([USDT_SYM])
    assert USDT_SYM in rates and rates[USDT_SYM]["markPrice"] > 0


def test_usdt_m_lifecycle(fserver: Any, fuser: Any) -> None:
    a, b = _pair(fserver, fuser, "swap", "USDT", 5000)
    bal = a.fetch_balance({"type": "swap"})
    assert bal["USDT"]["free"] == 5000 and bal["USDT"]["total"] == 5000

    assert a.set_leverage(20, USDT_SYM)["code"] == "00000"
    assert a.fetch_leverage(USDT_SYM)["longLeverage"] == 20
    a.set_margin_mode("isolated", USDT_SYM)
    assert a.fetch_leverage(USDT_SYM)["marginMode"] == "isolated"
    a.set_margin_mode("cross", USDT_SYM)

    price = _price(a, USDT_SYM, fserver, "USDT-FUTURES", "BTCUSDT")
    # open: B rests a sell 0.01, A buys it with a limit order carrying TP/SL
    resting = b.create_order(USDT_SYM, "limit", "sell", 0.01, price)
    assert b.fetch_open_orders(USDT_SYM)[0]["id"] == resting["id"]
    opened = a.create_order(USDT_SYM, "limit", "buy", 0.01, price, {
        "takeProfit": {"triggerPrice": round(price * 1.08, 1)},
        "stopLoss": {"triggerPrice": round(price * 0.92, 1)}})
    order = a.fetch_order(opened["id"], USDT_SYM)
    assert order["takeProfitPrice"] == round(price * 1.08, 1)
    assert order["status"] == "closed" and order["filled"] == 0.01 and order["average"] == price

    pos = a.fetch_positions([USDT_SYM])
    assert len(pos) == 1
    p = pos[0]
    assert p["side"] == "long" and p["contracts"] == 0.01 and p["entryPrice"] == price
    assert p["marginMode"] == "cross" and p["leverage"] == 20 and p["hedged"] is False
    assert p["info"]["takeProfit"] and p["info"]["stopLoss"]
    short = b.fetch_positions([USDT_SYM])[0]
    assert short["side"] == "short" and short["contracts"] == 0.01

    # a position stop-loss through place-tpsl-order, visible as a TP/SL plan
    a.create_order(USDT_SYM, "market", "sell", 0.01, None,
                   {"stopLossPrice": round(price * 0.9, 1), "reduceOnly": True})
    plans = a.fetch_open_orders(USDT_SYM, None, None, {"trigger": True, "planType": "profit_loss"})
    assert any(o["stopLossPrice"] for o in plans)

    trades = a.fetch_my_trades(USDT_SYM)
    assert len(trades) == 1 and trades[0]["amount"] == 0.01 and trades[0]["fee"]["cost"] > 0

    # close: reduce-only sell from A, B buys back
    close_price = price
    a.create_order(USDT_SYM, "limit", "sell", 0.01, close_price, {"reduceOnly": True})
    b.create_order(USDT_SYM, "limit", "buy", 0.01, close_price, {"reduceOnly": True})
    assert a.fetch_positions([USDT_SYM]) == []
    assert b.fetch_positions([USDT_SYM]) == []
    # whole-position TP/SL plans end with the position
    assert a.fetch_open_orders(USDT_SYM, None, None,
                               {"trigger": True, "planType": "profit_loss"}) == []
    history = a.fetch_positions_history([USDT_SYM])
    assert history and history[0]["side"] == "long"

    # fees were paid: 0.06 % taker / 0.02 % maker on 0.01 BTC, both ways
    total = D(str(a.fetch_balance({"type": "swap"})["USDT"]["total"]))
    assert total < D(5000)
    # reduce-only with no position
    with pytest.raises(ccxt.ExchangeError):
        a.create_order(USDT_SYM, "limit", "sell", 0.01, price, {"reduceOnly": True})
    # money back to spot
    a.transfer("USDT", 100, "swap", "spot")


def test_usdc_m_and_coin_m(fserver: Any, fuser: Any) -> None:
    a, b = _pair(fserver, fuser, "usdc_swap", "USDC", 3000)
    price = _price(a, USDC_SYM, fserver, "USDC-FUTURES", "BTCPERP")
    a.set_leverage(10, USDC_SYM)
    a.create_order(USDC_SYM, "limit", "buy", 0.005, price)
    b.create_order(USDC_SYM, "limit", "sell", 0.005, price)
    pos = a.fetch_positions([USDC_SYM])
    assert pos[0]["contracts"] == 0.005 and pos[0]["side"] == "long"

    c, d = client(fserver, fuser()), client(fserver, fuser())
    for ex in (c, d):
        ex.load_markets()
        ex.transfer("BTC", 0.5, "spot", "future")  # ccxt's "future" = coin_futures
    cprice = _price(c, COIN_SYM, fserver, "COIN-FUTURES", "BTCUSD")
    c.set_leverage(5, COIN_SYM)
    assert c.market(COIN_SYM)["contractSize"] == 1  # sizes in BTC, as on Bitget
    c.create_order(COIN_SYM, "limit", "sell", 0.01, cprice)  # 0.01 BTC
    d.create_order(COIN_SYM, "limit", "buy", 0.01, cprice)
    cpos = c.fetch_positions([COIN_SYM])
    assert cpos[0]["side"] == "short" and cpos[0]["contracts"] == 0.01
    assert cpos[0]["entryPrice"] == cprice
    bal = c.fetch_balance({"type": "swap", "productType": "COIN-FUTURES"})
    assert bal["BTC"]["total"] > 0
    # closing the same 0.01 BTC (reduce-only) ends both positions
    d.create_order(COIN_SYM, "limit", "sell", 0.01, cprice, {"reduceOnly": True})
    order = c.create_order(COIN_SYM, "market", "buy", 0.01, None, {"reduceOnly": True})
    assert c.fetch_order(order["id"], COIN_SYM)["filled"] == 0.01
    assert c.fetch_positions([COIN_SYM]) == [] and d.fetch_positions([COIN_SYM]) == []
    # market data: base volume in BTC, quote volume in USD (what ccxt reads for inverse)
    ticker = c.fetch_ticker(COIN_SYM)
    assert float(ticker["info"]["quoteVolume"]) >= 0.02 * cprice * 0.99
    assert float(ticker["info"]["baseVolume"]) >= 0.02


def test_coin_m_lifecycle(fserver: Any, fuser: Any) -> None:
    """The USDT-M lifecycle on BTC/USD:BTC: sizes in BTC, PnL and fees in BTC."""
    a, b = _pair(fserver, fuser, "future", "BTC", 0.5)
    a.set_leverage(10, COIN_SYM)
    a.set_margin_mode("isolated", COIN_SYM)
    assert a.fetch_leverage(COIN_SYM)["marginMode"] == "isolated"
    price = _price(a, COIN_SYM, fserver, "COIN-FUTURES", "BTCUSD")
    b.create_order(COIN_SYM, "limit", "sell", 0.02, price)
    opened = a.create_order(COIN_SYM, "limit", "buy", 0.02, price, {
        "marginMode": "isolated",  # ccxt sends "crossed" unless told: the order's mode wins
        "takeProfit": {"triggerPrice": round(price * 1.08, 1)},
        "stopLoss": {"triggerPrice": round(price * 0.92, 1)}})
    order = a.fetch_order(opened["id"], COIN_SYM)
    assert order["filled"] == 0.02 and order["average"] == price
    assert float(order["info"]["quoteVolume"]) == pytest.approx(0.02 * price)  # USD
    p = a.fetch_positions([COIN_SYM])[0]
    assert (p["side"], p["contracts"], p["entryPrice"], p["marginMode"]) == \
        ("long", 0.02, price, "isolated")
    assert float(p["info"]["marginSize"]) == pytest.approx(0.002)  # 0.02 BTC ÷ 10x
    assert p["info"]["takeProfit"] and p["info"]["stopLoss"]
    trades = a.fetch_my_trades(COIN_SYM)
    assert trades[0]["amount"] == 0.02 and trades[0]["fee"]["currency"] == "BTC"
    # close half, then the rest with a market reduce-only order against B's bid
    b.create_order(COIN_SYM, "limit", "buy", 0.02, price, {"reduceOnly": True})
    iso = {"reduceOnly": True, "marginMode": "isolated"}
    a.create_order(COIN_SYM, "limit", "sell", 0.01, price, iso)
    assert a.fetch_positions([COIN_SYM])[0]["contracts"] == 0.01
    a.create_order(COIN_SYM, "market", "sell", 0.01, None, iso)
    assert a.fetch_positions([COIN_SYM]) == [] and b.fetch_positions([COIN_SYM]) == []
    history = a.fetch_positions_history([COIN_SYM])
    assert history and history[0]["side"] == "long"
    # bad input: more than the position, and a size finer than 0.001 BTC
    with pytest.raises(ccxt.ExchangeError):
        a.create_order(COIN_SYM, "limit", "sell", 0.01, price, iso)
    with pytest.raises(ccxt.ExchangeError):
        a.privateMixPostV2MixOrderPlaceOrder({
            "symbol": "BTCUSD", "productType": "COIN-FUTURES", "marginMode": "isolated",
            "marginCoin": "BTC", "size": "0.0005", "price": str(price), "side": "buy",
            "orderType": "limit", "force": "gtc"})


def test_ledger_lists_transfers_and_fills(fserver: Any, fuser: Any) -> None:
    """ccxt fetch_ledger on the futures account: the transfer in, the opening and the
    closing fill (realised PnL, fee); Bitget's businessType and coin filters."""
    a, b = _pair(fserver, fuser, "swap", "USDT", 3000)
    price = _price(a, USDT_SYM, fserver, "USDT-FUTURES", "BTCUSDT")
    b.create_order(USDT_SYM, "limit", "sell", 0.01, price)
    a.create_order(USDT_SYM, "limit", "buy", 0.01, price)
    b.create_order(USDT_SYM, "limit", "buy", 0.01, price, {"reduceOnly": True})
    a.create_order(USDT_SYM, "limit", "sell", 0.01, price, {"reduceOnly": True})
    a.transfer("USDT", 100, "swap", "spot")
    ledger = a.fetch_ledger("USDT", None, None, {"type": "swap"})
    kinds = [e["info"]["businessType"] for e in sorted(ledger, key=lambda e: int(e["id"]))]
    assert kinds == ["trans_from_exchange", "open_long", "close_long", "trans_to_exchange"]
    by_kind = {e["info"]["businessType"]: e for e in ledger}
    assert by_kind["trans_from_exchange"]["amount"] == 3000
    assert by_kind["trans_from_exchange"]["type"] == "transfer"
    assert by_kind["trans_to_exchange"]["direction"] == "out"
    assert by_kind["open_long"]["type"] == "trade" and by_kind["open_long"]["fee"]["cost"] > 0
    raw = a.privateMixGetV2MixAccountBill
    only = raw({"productType": "USDT-FUTURES", "businessType": "close_long"})["data"]["bills"]
    assert [r["businessType"] for r in only] == ["close_long"] and only[0]["symbol"] == "BTCUSDT"
    assert raw({"productType": "USDT-FUTURES", "coin": "BTC"})["data"]["bills"] == []
    assert raw({"productType": "USDT-FUTURES", "marginCoin": "BTC"})["data"]["bills"] == []
    assert len(raw({"productType": "USDT-FUTURES", "marginCoin": "usdt"})["data"]["bills"]) == 4
    assert a.fetch_funding_history(USDT_SYM) == []  # (sends marginCoin) no funding settled yet
    with pytest.raises(ccxt.ExchangeError, match="40034"):
        raw({"productType": "USDT-FUTURES", "symbol": "NOPEUSDT"})


def test_funding_and_mark_candles(fserver: Any) -> None:
    ex = client(fserver, None)
    ex.load_markets()
    for symbol in (USDT_SYM, USDC_SYM, COIN_SYM):
        rate = ex.fetch_funding_rate(symbol)
        assert rate["fundingRate"] is not None and rate["fundingTimestamp"] > 0
        assert rate["interval"] == "8h"
        assert isinstance(ex.fetch_funding_rate_history(symbol), list)
        candles = ex.fetch_mark_ohlcv(symbol, "1m", limit=5)
        assert candles and all(c[1] > 0 for c in candles)
        index = ex.fetch_index_ohlcv(symbol, "1m", limit=5)
        assert index and all(c[4] > 0 for c in index)


def test_bad_input_is_refused_cleanly(fserver: Any, fuser: Any) -> None:
    ex = client(fserver, fuser())
    ex.load_markets()
    ex.transfer("USDT", 100, "spot", "swap")
    price = _price(ex, USDT_SYM, fserver, "USDT-FUTURES", "BTCUSDT")
    with pytest.raises(ccxt.InsufficientFunds):
        ex.create_order(USDT_SYM, "limit", "buy", 1, price)  # 65k notional at 10x > 100
    with pytest.raises(ccxt.ExchangeError):
        ex.set_leverage(500, USDT_SYM)
    with pytest.raises(ccxt.OrderNotFound):
        ex.cancel_order("123456789", USDT_SYM)
    with pytest.raises(ccxt.OrderNotFound):
        ex.fetch_order("123456789", USDT_SYM)
    raw = {"symbol": "BTCUSDT", "productType": "USDT-FUTURES", "side": "buy",
           "orderType": "limit", "size": "0.01", "marginCoin": "USDT"}
    with pytest.raises(ccxt.InvalidOrder):  # ccxt rounds; a raw price off the 0.1 tick
        ex.privateMixPostV2MixOrderPlaceOrder({**raw, "price": f"{price:.1f}5"})
    with pytest.raises(ccxt.BadRequest):
        ex.privateMixPostV2MixOrderPlaceOrder({**raw, "price": str(price), "tradeSide": "sideways"})
    with pytest.raises(ccxt.BadRequest):
        ex.privateMixPostV2MixOrderPlaceOrder({**raw, "price": str(price), "productType": "X"})
    with pytest.raises(ccxt.ExchangeError):  # hedge-mode tradeSide in one-way mode
        ex.privateMixPostV2MixOrderPlaceOrder({**raw, "price": str(price), "tradeSide": "open"})
    with pytest.raises(ccxt.BadRequest):
        ex.privateMixPostV2MixOrderPlaceOrder({"symbol": "BTCUSDT", "productType": "USDT-FUTURES",
                                               "side": "buy", "orderType": "limit",
                                               "size": "0.01", "price": str(price),
                                               "marginCoin": "USDT", "bogus": "1"})
    assert ex.fetch_open_orders(USDT_SYM) == []
    assert ex.fetch_balance({"type": "swap"})["USDT"]["total"] == 100


def test_hedge_mode_and_isolated_margin(fserver: Any, fuser: Any) -> None:
    a, b = _pair(fserver, fuser, "swap", "USDT", 4000)
    a.set_position_mode(True, USDT_SYM)
    a.set_margin_mode("isolated", USDT_SYM)
    a.set_leverage(10, USDT_SYM)
    price = _price(a, USDT_SYM, fserver, "USDT-FUTURES", "BTCUSDT")
    # hedge mode: a long and a short side by side.  ccxt always sends ``marginMode``
    # (default cross), and an order's margin mode is authoritative, so say isolated.
    iso = {"hedged": True, "marginMode": "isolated"}
    b.create_order(USDT_SYM, "limit", "sell", 0.02, price)
    a.create_order(USDT_SYM, "limit", "buy", 0.02, price, iso)
    b.create_order(USDT_SYM, "limit", "buy", 0.01, price)
    a.create_order(USDT_SYM, "limit", "sell", 0.01, price, iso)
    sides = {p["side"]: p for p in a.fetch_positions([USDT_SYM])}
    assert set(sides) == {"long", "short"} and sides["long"]["hedged"] is True
    assert sides["long"]["marginMode"] == "isolated" and sides["long"]["contracts"] == 0.02
    margin = sides["long"]["initialMargin"]
    # isolated margin: add then remove
    a.add_margin(USDT_SYM, 50, {"holdSide": "long"})
    after = {p["side"]: p for p in a.fetch_positions([USDT_SYM])}
    assert round(after["long"]["initialMargin"] - margin, 6) == 50
    a.reduce_margin(USDT_SYM, -20, {"holdSide": "long"})  # ccxt wants it negative
    after = {p["side"]: p for p in a.fetch_positions([USDT_SYM])}
    assert round(after["long"]["initialMargin"] - margin, 6) == 30
    # close the long only: ccxt sends side=buy + tradeSide=close (Bitget's hedge semantics)
    b.create_order(USDT_SYM, "limit", "buy", 0.02, price)
    a.create_order(USDT_SYM, "limit", "sell", 0.02, price, {**iso, "reduceOnly": True})
    left = a.fetch_positions([USDT_SYM])
    assert [(p["side"], p["contracts"]) for p in left] == [("short", 0.01)]
    # the position mode cannot change while a position is open
    with pytest.raises(ccxt.ExchangeError):
        a.set_position_mode(False, USDT_SYM)


def test_edit_orders(fserver: Any, fuser: Any) -> None:
    a, b = _pair(fserver, fuser, "swap", "USDT", 3000)
    price = _price(a, USDT_SYM, fserver, "USDT-FUTURES", "BTCUSDT")
    low = round(price * 0.97, 1)
    order = a.create_order(USDT_SYM, "limit", "buy", 0.002, low)
    edited = a.edit_order(order["id"], USDT_SYM, "limit", "buy", 0.003, round(low - 1, 1))
    assert edited["id"] != order["id"]
    (live,) = a.fetch_open_orders(USDT_SYM)
    assert (live["id"] == edited["id"] and live["amount"] == 0.003
            and live["price"] == round(low - 1, 1))
    assert a.fetch_order(order["id"], USDT_SYM)["status"] == "canceled"
    # a trigger order: new trigger price
    trig = a.create_order(USDT_SYM, "market", "buy", 0.001, None,
                          {"triggerPrice": round(price * 1.05, 1)})
    a.edit_order(trig["id"], USDT_SYM, "market", "buy", 0.001, None,
                 {"triggerPrice": round(price * 1.06, 1)})
    (plan,) = a.fetch_open_orders(USDT_SYM, None, None, {"trigger": True})
    assert plan["triggerPrice"] == round(price * 1.06, 1)
    # a position stop-loss: new trigger
    b.create_order(USDT_SYM, "limit", "sell", 0.002, price)
    a.create_order(USDT_SYM, "limit", "buy", 0.002, price)
    sl = a.create_order(USDT_SYM, "market", "sell", 0.002, None,
                        {"stopLossPrice": round(price * 0.9, 1)})
    a.edit_order(sl["id"], USDT_SYM, "market", "sell", 0.002, None,
                 {"stopLossPrice": round(price * 0.85, 1)})
    plans = a.fetch_open_orders(USDT_SYM, None, None, {"trigger": True, "planType": "profit_loss"})
    assert [p["stopLossPrice"] for p in plans] == [round(price * 0.85, 1)]
    a.cancel_all_orders(USDT_SYM)
    assert a.fetch_open_orders(USDT_SYM) == []
