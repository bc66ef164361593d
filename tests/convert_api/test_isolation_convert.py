"""Cross-user isolation on every private convert endpoint (``/api/v2/convert/*``).

A quote is its requester's: another user accepting it (with the very fields the quote
answered) gets exactly the error of an unknown traceId and nothing moves, after which the
owner still accepts it.  Currencies, small balances and both record lists are the
caller's own."""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any, Dict

import pytest
from margin_api.conftest import Raw
from margin_api.conftest import seed_book as _seed

pytestmark = pytest.mark.timeout(300)

C = "/api/v2/convert/"

#: every private convert endpoint, exercised below (tests/api/test_isolation.py imports it)
CONVERT_PRIVATE = {
    C + path
    for path in (
        "currencies", "quoted-price", "trade", "convert-record",
        "bgb-convert-coin-list", "bgb-convert", "bgb-convert-records",
    )
}


def ok(resp: Any) -> Any:
    body = resp.json()
    assert body["code"] == "00000", body
    return body["data"]


def spot(raw: Raw) -> Dict[str, str]:
    return {a["coin"]: a["available"] for a in ok(raw.get("/api/v2/spot/account/assets"))}


def test_intruder_cannot_see_or_take_the_owners_conversions(server) -> None:
    _seed(server, "BTCUSDT", 60000)
    pid = os.getpid()
    owner = Raw(server.url, server.user(f"c-owner-{pid}@test.io",
                                        {"USDT": "1000", "BTC": "0.0001"}))
    intruder = Raw(server.url, server.user(f"c-intruder-{pid}@test.io", {"USDT": "500"}))

    # the owner: a small-balance sweep (BTC) and a quote, not accepted yet
    swept = ok(owner.post(C + "bgb-convert", {"coinList": ["BTC"], "toCoin": "USDT"}))
    dust_id = swept["orderList"][0]["orderId"]
    q = ok(owner.get(C + "quoted-price", "fromCoin=USDT&fromCoinSize=100&toCoin=BTC"))
    body = {k: q[k] for k in ("fromCoin", "fromCoinSize", "toCoin", "toCoinSize", "cnvtPrice",
                              "traceId")}
    owner_before, intruder_before = spot(owner), spot(intruder)

    # the intruder accepting it: the same answer as a quote that does not exist
    theirs = intruder.post(C + "trade", body).json()
    unknown = intruder.post(C + "trade", {**body, "traceId": "987654321987"}).json()
    assert theirs["code"] == "40020" and theirs.get("data") is None, theirs
    assert (theirs["code"], theirs["msg"]) == (unknown["code"], unknown["msg"])
    assert (spot(owner), spot(intruder)) == (owner_before, intruder_before)
    # its own quote with the owner's traceId is no better
    mine = ok(intruder.get(C + "quoted-price", "fromCoin=USDT&fromCoinSize=100&toCoin=BTC"))
    assert mine["traceId"] != q["traceId"]
    crossed = intruder.post(C + "trade", {**{k: mine[k] for k in body}, "traceId": q["traceId"]})
    assert crossed.json()["code"] == "40020"
    # nor may the owner take the intruder's
    stolen = owner.post(C + "trade", {k: mine[k] for k in body}).json()
    assert (stolen["code"], stolen["msg"]) == (unknown["code"], unknown["msg"])
    assert (spot(owner), spot(intruder)) == (owner_before, intruder_before)

    # the owner's quote is still good
    done = ok(owner.post(C + "trade", body))
    assert done["toCoinSize"] == q["toCoinSize"]
    assert Decimal(spot(owner)["BTC"]) == Decimal(q["toCoinSize"])
    assert spot(intruder) == intruder_before

    # every query is the caller's: currencies (its balances), small balances, records
    for who in (intruder, owner):
        held = {c["coin"]: Decimal(c["available"]) for c in ok(who.get(C + "currencies"))}
        assert held["USDT"] == Decimal(spot(who)["USDT"])
    assert held["USDT"] != Decimal(intruder_before["USDT"])
    assert ok(intruder.get(C + "bgb-convert-coin-list"))["coinList"] == []
    assert [c["coin"] for c in ok(owner.get(C + "bgb-convert-coin-list"))["coinList"]] == ["BTC"]
    assert ok(intruder.get(C + "convert-record"))["dataList"] == []
    assert {r["id"] for r in ok(owner.get(C + "convert-record"))["dataList"]} \
        == {done["id"], dust_id}
    assert ok(intruder.get(C + "bgb-convert-records")) == []
    assert ok(intruder.get(C + "bgb-convert-records", f"orderId={dust_id}")) == []
    assert [r["orderId"] for r in ok(owner.get(C + "bgb-convert-records"))] == [dust_id]
    # the intruder's sweep of a coin it does not hold: 50003, the owner's untouched
    assert intruder.post(C + "bgb-convert", {"coinList": ["BTC"]}).json()["code"] == "50003"
    assert Decimal(spot(owner)["BTC"]) == Decimal(q["toCoinSize"])
