"""Fixtures: one ``openbourse serve`` (demo on, market makers off) with the demo contracts
listed and the price feeder running, users made with the real CLI, ccxt clients.

Without market makers the futures books hold only the tests' own orders, while the mark
price follows the feeder (simulated external venues around the demo start prices), so
tests cross their own orders at prices near the mark and check exact figures.
"""
from __future__ import annotations

import os
import time
from typing import Any, Dict, Iterator, Optional

import httpx
import pytest

from api.conftest import Server, ccxt_client  # noqa: F401  (re-exported for the tests)


@pytest.fixture(scope="module")
def fserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("fnode")).start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the feeder's first mark prices
        rows = httpx.get(srv.url + "/api/v2/mix/market/tickers",
                         params={"productType": "USDT-FUTURES"}).json()["data"]
        if rows and all(r["markPrice"] != "0" for r in rows):
            break
        time.sleep(0.3)
    yield srv
    if srv.proc is not None:
        srv.stop()


_counter = [0]


@pytest.fixture
def fuser(fserver: Server):
    def make(funds: Optional[Dict[str, str]] = None) -> Dict[str, str]:
        _counter[0] += 1
        email = f"fut{_counter[0]}-{os.getpid()}@test.io"
        return fserver.user(email, funds if funds is not None else
                            {"USDT": "100000", "USDC": "100000", "BTC": "2"})
    return make


def client(server: Server, creds: Dict[str, str], pro: bool = False) -> Any:
    ex = ccxt_client(server.url, creds, pro=pro)
    return ex


def mark(server: Server, symbol: str = "BTCUSDT", product: str = "USDT-FUTURES") -> float:
    rows = httpx.get(server.url + "/api/v2/mix/market/symbol-price",
                     params={"symbol": symbol, "productType": product}).json()["data"]
    return float(rows[0]["markPrice"])
