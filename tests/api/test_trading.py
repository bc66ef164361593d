"""Order entry and queries through real ccxt, balances checked to the last minor unit.

ETH/USDT is this module's market: ETH has 8 decimals, USDT 6, fees 0.1 % in the asset
received (rounded up), so every expected balance below is exact decimal arithmetic.
"""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any, Dict, Tuple

import ccxt
import pytest

from .conftest import Server, ccxt_client

SYMBOL = "ETH/USDT"


def balances(ex: Any) -> Dict[str, Tuple[D, D]]:
    """coin → (available, frozen) exactly as the server sent them (no float)."""
    rows = ex.fetch_balance()["info"]
    return {row["coin"]: (D(row["available"]), D(row["frozen"])) for row in rows}


def assert_balance(ex: Any, coin: str, available: str, frozen: str = "0") -> None:
    got = balances(ex).get(coin, (D(0), D(0)))
    assert got == (D(available), D(frozen)), f"{coin}: got {got}, want ({available}, {frozen})"


@pytest.fixture
def pair(server: Server, make_user):
    maker = ccxt_client(server.url, make_user({"ETH": "1"}))
    taker = ccxt_client(server.url, make_user({"USDT": "10000"}))
    maker.load_markets()
    taker.load_markets()
    yield maker, taker
    for ex in (maker, taker):
        ex.cancel_all_orders(SYMBOL)


def test_limit_market_and_fees_to_the_unit(pair) -> None:
    maker, taker = pair
    sell = maker.create_order(SYMBOL, "limit", "sell", 0.5, 3000, {"clientOrderId": "mk-1"})
    assert sell["clientOrderId"] == "mk-1"
    assert_balance(maker, "ETH", "0.5", "0.5")
    buy = taker.create_order(SYMBOL, "limit", "buy", 0.3, 3000)
    order = taker.fetch_order(buy["id"], SYMBOL)
    assert (order["status"], order["filled"], order["cost"], order["average"]) == (
        "closed",
        0.3,
        900,
        3000,
    )
    assert order["fee"] == {"cost": 0.0003, "currency": "ETH"}
    assert_balance(taker, "ETH", "0.2997")
    assert_balance(taker, "USDT", "9100")
    assert_balance(maker, "ETH", "0.5", "0.2")
    assert_balance(maker, "USDT", "899.1")
    resting = maker.fetch_order(sell["id"], SYMBOL)
    assert (resting["status"], resting["filled"], resting["remaining"]) == ("open", 0.3, 0.2)

    market_buy = taker.create_order(SYMBOL, "market", "buy", None, None, {"cost": 150})
    done = taker.fetch_order(market_buy["id"], SYMBOL)
    assert (done["status"], done["amount"], done["filled"], done["cost"]) == (
        "closed",
        0.05,
        0.05,
        150,
    )
    assert_balance(taker, "ETH", "0.34965")
    assert_balance(taker, "USDT", "8950")
    assert_balance(maker, "USDT", "1048.95")

    bid = taker.create_order(SYMBOL, "limit", "buy", 0.1, 2990)
    assert_balance(taker, "USDT", "8651", "299")
    market_sell = maker.create_order(SYMBOL, "market", "sell", 0.1)
    assert maker.fetch_order(market_sell["id"], SYMBOL)["filled"] == 0.1
    assert_balance(maker, "ETH", "0.4", "0.15")
    assert_balance(maker, "USDT", "1347.651")
    assert_balance(taker, "ETH", "0.44955")
    assert_balance(taker, "USDT", "8651")
    assert taker.fetch_order(bid["id"], SYMBOL)["status"] == "closed"

    mine = taker.fetch_my_trades(SYMBOL)
    assert [(t["price"], t["amount"], t["takerOrMaker"]) for t in mine] == [
        (3000.0, 0.3, "taker"),
        (3000.0, 0.05, "taker"),
        (2990.0, 0.1, "maker"),
    ]
    assert [t["fee"]["cost"] for t in mine] == [0.0003, 0.00005, 0.0001]
    theirs = maker.fetch_my_trades(SYMBOL)
    assert [t["fee"] for t in theirs] == [
        {"currency": "USDT", "cost": 0.9},
        {"currency": "USDT", "cost": 0.15},
        {"currency": "USDT", "cost": 0.299},
    ]
    closed = taker.fetch_closed_orders(SYMBOL)
    assert {o["id"] for o in closed} == {buy["id"], market_buy["id"], bid["id"]}
    assert [o["id"] for o in maker.fetch_open_orders(SYMBOL)] == [sell["id"]]


def test_time_in_force_variants(pair) -> None:
    maker, taker = pair
    maker.create_order(SYMBOL, "limit", "sell", 0.2, 3000)
    before = balances(taker)
    post = taker.create_order(SYMBOL, "limit", "buy", 0.1, 3000, {"postOnly": True})
    post_order = taker.fetch_order(post["id"], SYMBOL)
    assert (post_order["status"], post_order["filled"], post_order["postOnly"]) == (
        "canceled",
        0,
        True,
    )
    assert balances(taker) == before
    resting = taker.create_order(SYMBOL, "limit", "buy", 0.1, 2900, {"postOnly": True})
    assert taker.fetch_order(resting["id"], SYMBOL)["status"] == "open"
    assert_balance(taker, "USDT", "9710", "290")

    fok = taker.create_order(SYMBOL, "limit", "buy", 0.3, 3000, {"timeInForce": "FOK"})
    fok_order = taker.fetch_order(fok["id"], SYMBOL)
    assert (fok_order["status"], fok_order["filled"], fok_order["timeInForce"]) == (
        "canceled",
        0,
        "FOK",
    )
    assert_balance(taker, "USDT", "9710", "290")

    ioc = taker.create_order(SYMBOL, "limit", "buy", 0.3, 3000, {"timeInForce": "IOC"})
    ioc_order = taker.fetch_order(ioc["id"], SYMBOL)
    assert (ioc_order["status"], ioc_order["filled"], ioc_order["timeInForce"]) == (
        "canceled",
        0.2,
        "IOC",
    )
    assert_balance(taker, "USDT", "9110", "290")
    assert_balance(taker, "ETH", "0.1998")
    assert ioc["id"] in {o["id"] for o in taker.fetch_canceled_orders(SYMBOL)}


def test_client_order_id_cancel_and_cancel_all(pair, raw) -> None:
    maker, taker = pair
    first = taker.create_order(SYMBOL, "limit", "buy", 0.1, 2000, {"clientOrderId": "cid-A"})
    second = taker.create_order(SYMBOL, "limit", "buy", 0.1, 2001)
    by_cid = taker.fetch_order(None, SYMBOL, {"clientOid": "cid-A"})
    assert by_cid["id"] == first["id"] and by_cid["clientOrderId"] == "cid-A"
    assert {o["id"] for o in taker.fetch_open_orders(SYMBOL)} == {first["id"], second["id"]}
    assert_balance(taker, "USDT", "9599.9", "400.1")
    canceled = taker.cancel_order(None, SYMBOL, {"clientOid": "cid-A"})
    assert canceled["id"] == first["id"]
    assert taker.fetch_order(first["id"], SYMBOL)["status"] == "canceled"
    with pytest.raises(ccxt.OrderNotFound):
        taker.cancel_order(first["id"], SYMBOL)
    taker.cancel_all_orders(SYMBOL)
    assert taker.fetch_open_orders(SYMBOL) == []
    assert_balance(taker, "USDT", "10000")


def test_idempotent_client_oid_retry(pair, raw) -> None:
    """The same clientOid and payload twice is one order (the retry gets the same id)."""
    _, taker = pair
    client = raw(taker_creds(taker))
    body = {
        "symbol": "ETHUSDT",
        "side": "buy",
        "orderType": "limit",
        "force": "gtc",
        "price": "1000",
        "size": "0.1",
        "clientOid": "retry-1",
    }
    first = client.post("/api/v2/spot/trade/place-order", body).json()
    second = client.post("/api/v2/spot/trade/place-order", body).json()
    assert first["code"] == second["code"] == "00000"
    assert first["data"]["orderId"] == second["data"]["orderId"]
    assert_balance(taker, "USDT", "9900", "100")


def taker_creds(ex: Any) -> Dict[str, str]:
    return {"apiKey": ex.apiKey, "secretKey": ex.secret, "passphrase": ex.password}


def test_trigger_orders(pair) -> None:
    maker, taker = pair
    maker.create_order(SYMBOL, "limit", "sell", 0.01, 3000)
    taker.create_order(SYMBOL, "limit", "buy", 0.01, 3000)  # last price 3000
    trigger = taker.create_order(SYMBOL, "limit", "buy", 0.05, 3100, {"triggerPrice": 3050})
    open_plans = taker.fetch_open_orders(SYMBOL, params={"trigger": True})
    assert [(o["id"], o["triggerPrice"], o["price"], o["status"]) for o in open_plans] == [
        (trigger["id"], 3050.0, 3100.0, "open")
    ]
    assert balances(taker)["USDT"][1] == 0  # nothing is frozen before the trigger fires
    market_trigger = taker.create_order(
        SYMBOL, "market", "buy", None, None, {"triggerPrice": 2500, "cost": 100}
    )
    taker.cancel_order(market_trigger["id"], SYMBOL, {"trigger": True})
    maker.create_order(SYMBOL, "limit", "sell", 0.01, 3050)
    taker.create_order(SYMBOL, "limit", "buy", 0.01, 3050)  # last price 3050 → the plan fires
    assert taker.fetch_open_orders(SYMBOL, params={"trigger": True}) == []
    placed = taker.fetch_open_orders(SYMBOL)
    assert [(o["price"], o["amount"]) for o in placed] == [(3100.0, 0.05)]
    maker.create_order(SYMBOL, "limit", "sell", 0.05, 3000)  # fills the triggered bid at 3100
    history = taker.fetch_closed_orders(SYMBOL, params={"trigger": True})
    assert [(o["id"], o["status"]) for o in history] == [(trigger["id"], "closed")]
    canceled = taker.fetch_canceled_orders(SYMBOL, params={"trigger": True})
    assert [o["id"] for o in canceled] == [market_trigger["id"]]
    last = max(taker.fetch_my_trades(SYMBOL), key=lambda t: int(t["id"]))
    assert (last["price"], last["amount"], last["takerOrMaker"]) == (3100.0, 0.05, "maker")
    assert_balance(taker, "USDT", str(D(10000) - D("30") - D("30.5") - D("155")))
    assert_balance(taker, "ETH", str(D("0.07") - D("0.00007")))


def test_batch_orders_edit_and_batch_cancel(pair) -> None:
    maker, taker = pair
    created = taker.create_orders(
        [
            {"symbol": SYMBOL, "type": "limit", "side": "buy", "amount": 0.1, "price": 1500},
            {
                "symbol": SYMBOL,
                "type": "limit",
                "side": "buy",
                "amount": 0.1,
                "price": 1600,
                "params": {"clientOrderId": "batch-2"},
            },
            {
                "symbol": SYMBOL,
                "type": "limit",
                "side": "buy",
                "amount": 100,
                "price": 1600,
            },  # unaffordable
        ]
    )
    # the failed item comes back in failureList; ccxt 4.5.90 drops it (no symbol on rejected rows)
    assert len(created) == 2 and created[1]["clientOrderId"] == "batch-2"
    assert_balance(taker, "USDT", "9690", "310")
    edited = taker.edit_order(created[0]["id"], SYMBOL, "limit", "buy", 0.2, 1400)
    assert edited["id"] != created[0]["id"]
    assert taker.fetch_order(created[0]["id"], SYMBOL)["status"] == "canceled"
    new = taker.fetch_order(edited["id"], SYMBOL)
    assert (new["status"], new["price"], new["amount"]) == ("open", 1400.0, 0.2)
    assert_balance(taker, "USDT", "9560", "440")
    canceled = taker.cancel_orders([edited["id"], created[1]["id"], "424242"], SYMBOL)
    assert sorted(o["id"] for o in canceled if o["status"] != "rejected") == sorted(
        [edited["id"], created[1]["id"]]
    )
    assert taker.fetch_open_orders(SYMBOL) == []
    assert_balance(taker, "USDT", "10000")


def test_attached_take_profit_and_stop_loss(pair) -> None:
    maker, taker = pair
    maker.create_order(SYMBOL, "limit", "sell", 0.11, 3000)
    taker.create_order(SYMBOL, "limit", "buy", 0.01, 3000)  # a last price for the TP/SL check
    order = taker.create_order(
        SYMBOL,
        "limit",
        "buy",
        0.1,
        3000,
        {"presetTakeProfitPrice": "3300", "presetStopLossPrice": "2700"},
    )
    fetched = taker.fetch_order(order["id"], SYMBOL)
    assert (fetched["status"], fetched["takeProfitPrice"], fetched["stopLossPrice"]) == (
        "closed",
        3300,
        2700,
    )
    legs = taker.fetch_open_orders(SYMBOL, params={"trigger": True})
    assert sorted((o["triggerPrice"], o["side"], o["amount"]) for o in legs) == [
        (2700.0, "sell", 0.0999),
        (3300.0, "sell", 0.0999),
    ]  # the bought size net of the fee
    for leg in legs:
        taker.cancel_order(leg["id"], SYMBOL, {"trigger": True})
    assert taker.fetch_open_orders(SYMBOL, params={"trigger": True}) == []


def test_client_oid_with_reserved_characters(pair) -> None:
    """ccxt signs the unquoted query but sends it percent-encoded (§2): both must agree."""
    _, taker = pair
    odd = "a b/c$d+é&x=1"
    placed = taker.create_order(SYMBOL, "limit", "buy", 0.01, 1000, {"clientOrderId": odd})
    found = taker.fetch_order(None, SYMBOL, {"clientOid": odd})
    assert (found["id"], found["clientOrderId"]) == (placed["id"], odd)
    taker.cancel_order(None, SYMBOL, {"clientOid": odd})
    assert taker.fetch_order(placed["id"], SYMBOL)["status"] == "canceled"


def test_history_pagination(pair, raw) -> None:
    """Newest first; ``idLessThan`` continues where the previous page ended; time bounds."""
    _, taker = pair
    client = raw(taker_creds(taker))
    ids = [taker.create_order(SYMBOL, "limit", "buy", 0.01, 1000 + i)["id"] for i in range(5)]
    taker.cancel_all_orders(SYMBOL)

    def page(query: str) -> list:
        body = client.get("/api/v2/spot/trade/history-orders", query).json()
        assert body["code"] == "00000", body
        return [o["orderId"] for o in body["data"]]

    first = page(f"limit=2&symbol={SYMBOL.replace('/', '')}")
    assert first == [ids[4], ids[3]]
    second = page(f"idLessThan={first[-1]}&limit=2&symbol=ETHUSDT")
    assert second == [ids[2], ids[1]]
    assert page(f"idLessThan={second[-1]}&limit=2&symbol=ETHUSDT")[:1] == [ids[0]]
    created = [taker.fetch_order(i, SYMBOL)["timestamp"] for i in ids]
    window = page(f"endTime={created[2]}&limit=100&startTime={created[0]}&symbol=ETHUSDT")
    assert set(ids[:3]) <= set(window)
    assert set(window) == {i for i, ts in zip(ids, created) if created[0] <= ts <= created[2]}
    assert (
        page(f"endTime={created[0] - 1}&limit=100&startTime={created[0] - 1}&symbol=ETHUSDT") == []
    )


def test_transfer_spot_funding_round_trip(pair, raw) -> None:
    _, taker = pair
    client = raw(taker_creds(taker))
    path = "/api/v2/spot/wallet/transfer"
    body = {"fromType": "spot", "toType": "p2p", "amount": 10.5, "coin": "USDT", "clientOid": "t-1"}
    first = client.post(path, body).json()
    assert first["code"] == "00000" and first["data"]["transferId"]
    assert client.post(path, body).json()["code"] == "00000"  # idempotent retry
    assert_balance(taker, "USDT", "9989.5")
    back = {"fromType": "p2p", "toType": "spot", "amount": "10.5", "coin": "USDT"}
    assert client.post(path, back).json()["code"] == "00000"
    assert_balance(taker, "USDT", "10000")


    def futures_usdt() -> D:
        rows = client.get("/api/v2/mix/account/accounts", "productType=USDT-FUTURES").json()
        assert rows["code"] == "00000", rows
        return sum((D(r["available"]) for r in rows["data"] if r["marginCoin"] == "USDT"), D(0))

    assert futures_usdt() == 0
    there = {"fromType": "spot", "toType": "usdt_futures", "amount": "25.25", "coin": "USDT"}
    assert client.post(path, there).json()["code"] == "00000"
    assert_balance(taker, "USDT", "9974.75")
    assert futures_usdt() == D("25.25")
    # more than the futures account holds: refused as Bitget does, nothing moves
    too_much = {"fromType": "usdt_futures", "toType": "spot", "amount": "25.250001", "coin": "USDT"}
    refused = client.post(path, too_much).json()
    assert refused["code"] == "43012" and refused.get("data") is None, refused  # InsufficientFunds
    assert_balance(taker, "USDT", "9974.75")
    assert futures_usdt() == D("25.25")
    home = {"fromType": "usdt_futures", "toType": "spot", "amount": "25.25", "coin": "USDT"}
    assert client.post(path, home).json()["code"] == "00000"
    assert_balance(taker, "USDT", "10000")
    assert futures_usdt() == 0
