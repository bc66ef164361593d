"""``openbourse futures risk``: the operator's view of open interest, the Coin-M house
position, the clearing account, the insurance fund and bad debt, from the running node."""
from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from api.conftest import cli

from .conftest import client, mark

COIN_SYM = "BTC/USD:BTC"


def _risk(fserver: Any) -> Any:
    out = cli("futures", "risk", "--json", "--data-dir", str(fserver.data_dir)).stdout
    return {row["symbol"]: row for row in json.loads(out)}


def test_risk_view_shows_the_house_position(fserver: Any, fuser: Any) -> None:
    a, b, c = (client(fserver, fuser()) for _ in range(3))
    for ex in (a, b, c):
        ex.load_markets()
        ex.transfer("BTC", 0.5, "spot", "future")
    price = float(a.price_to_precision(COIN_SYM, mark(fserver, "BTCUSD", "COIN-FUTURES")))
    higher = float(a.price_to_precision(COIN_SYM, price * 1.02))
    b.create_order(COIN_SYM, "limit", "sell", 0.01, price)
    a.create_order(COIN_SYM, "limit", "buy", 0.01, price)  # a long 0.01 at price
    c.create_order(COIN_SYM, "limit", "buy", 0.01, higher)
    a.create_order(COIN_SYM, "limit", "sell", 0.01, higher, {"reduceOnly": True})
    row = _risk(fserver)["BTCUSD"]
    assert row["marginCoin"] == "BTC" and row["positions"] >= 2
    long_face, short_face = Decimal(row["longValueUnits"]), Decimal(row["shortValueUnits"])
    house = Decimal(row["houseSize"])
    assert long_face + house == short_face  # the house holds the face difference
    # this module only
    assert house == -Decimal("0.01") * (Decimal(str(higher)) - Decimal(str(price)))
    assert Decimal(row["longSize"]) > 0 and Decimal(row["clearing"]) <= 0
    linear = _risk(fserver)["BTCUSDT"]
    assert linear["houseSize"] == "0.000" and linear["marginCoin"] == "USDT"


def test_risk_view_unknown_action_fails() -> None:
    result = cli("futures", "nothing", check=False)
    assert result.returncode != 0 and "invalid choice" in result.stderr
