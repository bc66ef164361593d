"""Long/short account ratios: the projection (counts, five-minute samples, carry-forward,
restart) and the ``mix/market/account-long-short`` endpoint through ccxt."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import ccxt
import httpx
import pytest

from openbourse.adapters.readmodels.product_store import ProductProjection, ProductStore
from openbourse.adapters.readmodels.sentiment import (SENTIMENT_HANDLERS, ratio_rows,
                                                      sentiment_hook)
from openbourse.core.commands import ClockTick
from openbourse.core.futures import events as fe

from futures_api.conftest import client

MIN_NS = 60 * 1_000_000_000


def _projection(path: Path) -> ProductProjection:
    return ProductProjection(ProductStore(path / "products.sqlite"), [SENTIMENT_HANDLERS],
                             [{ClockTick: sentiment_hook}])


def _listed(symbol: str) -> Any:
    fields = {name: 0 for name in fe.ContractListed._fields}
    fields.update(symbol=symbol, tiers=(), base="BTC", quote="USDT", margin_asset="USDT",
                  spot_symbol="")
    return fe.ContractListed(**fields)


def _pos(ts_ns: int, pid: int, user: int, side: int, size: int, symbol: str = "BTCUSDT") -> Any:
    fields = {name: 0 for name in fe.PositionChanged._fields}
    fields.update(ts_ns=ts_ns, position_id=pid, user=user, symbol=symbol, hold_side=side,
                  size=size)
    return fe.PositionChanged(**fields)


def test_counts_samples_and_restart(tmp_path: Path) -> None:
    p = _projection(tmp_path)
    seq = 0

    def feed(command: Any, *events: Any) -> None:
        nonlocal seq
        seq += 1
        p.on_events(seq, command, list(events))

    feed(None, _listed("BTCUSDT"))
    feed(ClockTick(0))                                   # bucket 0 sampled: 0 / 0
    feed(None, _pos(1 * MIN_NS, 1, 10, 0, 5))            # user 10 long
    feed(None, _pos(2 * MIN_NS, 1, 10, 0, 7))            # a change, not a new account
    feed(None, _pos(2 * MIN_NS, 2, 11, 0, 1), _pos(2 * MIN_NS, 3, 12, 1, 1))
    feed(None, _pos(3 * MIN_NS, 4, -7, 1, 9))            # the exchange's own account: ignored
    feed(ClockTick(5 * MIN_NS))                          # bucket 1 sampled: 2 long / 1 short
    feed(None, _pos(6 * MIN_NS, 2, 11, 0, 0))            # user 11 closes
    feed(ClockTick(16 * MIN_NS))                         # bucket 3 sampled (2 skipped): 1 / 1
    now_ms = 17 * 60_000
    rows = ratio_rows(p, "BTCUSDT", 300_000, 4, now_ms)
    assert [(r["ts"], r["longAccountRatio"], r["shortAccountRatio"]) for r in rows] == [
        ("0", "0", "0"), ("300000", "0.6667", "0.3333"), ("600000", "0.6667", "0.3333"),
        ("900000", "0.5", "0.5")]
    assert rows[1]["longShortAccountRatio"] == "2"
    fifteen = ratio_rows(p, "BTCUSDT", 900_000, 2, now_ms)
    assert [(r["ts"], r["longAccountRatio"]) for r in fifteen] == [("0", "0"), ("900000", "0.5")]
    p.close()

    again = _projection(tmp_path)  # a restart resumes counts, open marks and samples
    assert again.last_seq == seq
    again.on_events(seq + 1, None, [_pos(18 * MIN_NS, 3, 12, 1, 0)])  # user 12 closes
    rows = ratio_rows(again, "BTCUSDT", 300_000, 4, 18 * 60_000)
    assert rows[-1]["longAccountRatio"] == "1" and rows[-1]["shortAccountRatio"] == "0"
    assert rows[1]["longAccountRatio"] == "0.6667"  # history kept
    again.close()


def test_ccxt_tiers_and_long_short(fserver: Any, fuser: Any) -> None:
    a, b = client(fserver, fuser()), client(fserver, fuser())
    for ex in (a, b):
        ex.load_markets()
        ex.transfer("USDT", 5000, "spot", "swap")
    price = float(httpx.get(fserver.url + "/api/v2/mix/market/symbol-price", params={
        "symbol": "BTCUSDT", "productType": "USDT-FUTURES"}).json()["data"][0]["markPrice"])
    price = round(price, 1)
    a.create_order("BTC/USDT:USDT", "limit", "buy", 0.01, price)
    b.create_order("BTC/USDT:USDT", "limit", "sell", 0.01, price)
    ratios = a.fetch_long_short_ratio_history("BTC/USDT:USDT", "5m")
    assert ratios and ratios[-1]["longShortRatio"] is not None
    last = ratios[-1]["info"]
    assert (float(last["longAccountRatio"]) + float(last["shortAccountRatio"])
            == pytest.approx(1, abs=1e-3))

    tiers = a.fetch_market_leverage_tiers("BTC/USDT:USDT")
    assert tiers[0]["maxLeverage"] == 125 and tiers[0]["minNotional"] == 0
    assert tiers[0]["maxNotional"] == 150000 and tiers[0]["maintenanceMarginRate"] == 0.004
    assert all(t["minNotional"] == prev["maxNotional"] for prev, t in zip(tiers, tiers[1:]))
    coin = a.fetch_market_leverage_tiers("BTC/USD:BTC")
    assert coin[0]["currency"] == "BTC" and coin[0]["maxLeverage"] == 125

    for params, code in (({"symbol": "BTCUSDT", "period": "7m"}, "40017"),
                         ({"symbol": "NOPE"}, "40034"), ({}, "40019")):
        body = httpx.get(fserver.url + "/api/v2/mix/market/account-long-short",
                         params=params).json()
        assert body["code"] == code, body
    with pytest.raises(ccxt.ExchangeError, match="40034"):
        a.fetch_market_leverage_tiers("BTC/USDT:USDT", {"productType": "COIN-FUTURES"})
