"""Fee tiers: ``openbourse fees set`` (the operator's VIP tiers) and ccxt ``fetch_trading_fee``
(``common/trade-rate``), for spot, margin and futures, with the rate charged on a fill."""
from __future__ import annotations

import json
from typing import Any

import ccxt
import pytest

from .conftest import Server, ccxt_client, cli

SYMBOL = "ETH/USDT"  # 0.1 % maker and taker on the demo market


def _rates(raw_client: Any, symbol: str, kind: str) -> Any:
    query = f"symbol={symbol}&businessType={kind}"
    return raw_client.get("/api/v2/common/trade-rate", query).json()


def test_fee_tier_is_quoted_and_charged(server: Server, make_user, raw) -> None:
    taker_creds = make_user({"USDT": "10000"})
    taker = ccxt_client(server.url, taker_creds)
    maker = ccxt_client(server.url, make_user({"ETH": "1"}))
    for ex in (taker, maker):
        ex.load_markets()
    fee = taker.fetch_trading_fee(SYMBOL)
    assert (fee["maker"], fee["taker"], fee["info"]["makerFeeRate"]) == (0.001, 0.001, "0.001")
    futures = taker.fetch_trading_fee("BTC/USDT:USDT")  # the contract's own rates
    assert (futures["maker"], futures["taker"]) == (0.0002, 0.0006)

    data_dir = ["--data-dir", str(server.data_dir)]
    out = json.loads(cli("fees", "set", taker_creds["email"], "--maker", "0.0002",
                         "--taker", "0.0005", "--json", *data_dir).stdout)
    assert (out["makerFeeRate"], out["takerFeeRate"]) == ("0.0002", "0.0005")
    fee = taker.fetch_trading_fee(SYMBOL)
    assert (fee["maker"], fee["taker"]) == (0.0002, 0.0005)
    margin = _rates(raw(taker_creds), "ETHUSDT", "margin")["data"]
    assert (margin["makerFeeRate"], margin["takerFeeRate"]) == ("0.0002", "0.0005")
    assert taker.fetch_trading_fee("BTC/USDT:USDT")["taker"] == 0.0006  # spot tiers only
    assert maker.fetch_trading_fee(SYMBOL)["taker"] == 0.001  # another user: the market's

    try:  # the tier is what a fill charges: 0.1 ETH bought as taker at 0.05 %
        maker.create_order(SYMBOL, "limit", "sell", 0.1, 2500)
        bought = taker.create_order(SYMBOL, "limit", "buy", 0.1, 2500)
        fee_paid = taker.fetch_order(bought["id"], SYMBOL)["fee"]
        assert fee_paid == {"cost": 0.00005, "currency": "ETH"}
    finally:
        for ex in (taker, maker):
            ex.cancel_all_orders(SYMBOL)

    cli("fees", "set", taker_creds["email"], "--taker", "0.0008", *data_dir)  # maker: market's
    fee = taker.fetch_trading_fee(SYMBOL)
    assert (fee["maker"], fee["taker"]) == (0.001, 0.0008)
    cli("fees", "set", taker_creds["email"], *data_dir)  # no rate: back to the market's
    fee = taker.fetch_trading_fee(SYMBOL)
    assert (fee["maker"], fee["taker"]) == (0.001, 0.001)


def test_trade_rate_bad_input(server: Server, make_user, raw) -> None:
    creds = make_user({})
    client = raw(creds)
    assert _rates(client, "NOPEUSDT", "spot")["code"] == "40034"
    assert _rates(client, "NOPEUSDT", "mix")["code"] == "40034"
    assert _rates(client, "ETHUSDT", "futures")["code"] == "40017"
    assert client.get("/api/v2/common/trade-rate", "symbol=ETHUSDT").json()["code"] == "40019"
    assert client.get("/api/v2/common/trade-rate", "symbol=ETHUSDT&businessType=spot",
                      signed=False).json()["code"] == "40001"
    with pytest.raises(ccxt.AuthenticationError):
        ccxt_client(server.url).fetch_trading_fee(SYMBOL)

    data_dir = ["--data-dir", str(server.data_dir)]
    for args, message in (
        (("nobody@test.io", "--maker", "0.001"), "unknown user"),
        ((creds["email"], "--maker", "1"), "below 1"),
        ((creds["email"], "--taker", "-0.001"), "at least 0"),
        ((creds["email"], "--taker", "abc"), "bad taker rate"),
        ((creds["email"], "--maker", "0.0000001"), "at most 6 decimals"),
    ):
        result = cli("fees", "set", *args, *data_dir, check=False)
        assert result.returncode != 0 and message in result.stderr, (args, result.stderr)
    fee = ccxt_client(server.url, creds).fetch_trading_fee(SYMBOL)
    assert (fee["maker"], fee["taker"]) == (0.001, 0.001)  # nothing was changed
