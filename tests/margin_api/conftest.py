"""Fixtures for the margin API tests: one real ``openbourse serve`` (demo set-up on, market
makers off) per module, users made with the real CLI, ccxt clients (``tests/api``)."""

from __future__ import annotations

import os
from typing import Any, Dict, Iterator, Optional

import pytest

from api.conftest import Raw, Server  # noqa: F401  (re-exported to the tests)
from api.conftest import ccxt_client as _ccxt_client

_counter = [0]


def ccxt_client(url: str, creds: Optional[Dict[str, str]] = None) -> Any:
    """A ccxt client on spot markets only (margin is spot; futures are another issue's)."""
    ex = _ccxt_client(url, creds)
    ex.options["fetchMarkets"] = {"types": ["spot"]}
    return ex


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("node")).start()
    yield srv
    if srv.proc is not None:
        srv.stop()


@pytest.fixture
def make_user(server: Server):
    def make(funds: Optional[Dict[str, str]] = None) -> Dict[str, str]:
        _counter[0] += 1
        email = f"m{_counter[0]}-{os.getpid()}@test.io"
        return server.user(email, funds if funds is not None else {"USDT": "100000", "BTC": "2"})

    return make


def seed_book(server: Server, symbol: str = "BTCUSDT", mid: int = 60000) -> Dict[str, str]:
    """A market maker user with resting bids and asks around ``mid`` and one trade at mid."""
    maker = server.user(
        f"maker-{symbol}-{os.getpid()}-{_counter[0]}@test.io", {"USDT": "10000000", "BTC": "100"}
    )
    _counter[0] += 1
    ex = ccxt_client(server.url, maker)
    ex.load_markets()
    pair = symbol[:-4] + "/" + symbol[-4:]
    for i in range(1, 6):
        ex.create_order(pair, "limit", "buy", 0.5, mid - 10 * i)
        ex.create_order(pair, "limit", "sell", 0.5, mid + 10 * i)
    ex.create_order(pair, "limit", "sell", 0.01, mid)
    ex.create_order(pair, "limit", "buy", 0.01, mid)  # self-trade? no: STP none -> a trade
    return maker
