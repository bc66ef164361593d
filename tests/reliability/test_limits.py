"""Resource limits: rate limits answer Bitget's 429 envelope, a flood meets a bounded queue
(back-pressure with a clear error, never unbounded memory), and parameters that could be
read two ways are refused.

Slow WebSocket consumers are covered next to the gateway, against a real server:
tests/ws/test_slow_consumer.py and tests/ws/test_protocol.py
(``test_slow_consumer_is_dropped_while_others_keep_receiving``).
"""
from __future__ import annotations

import asyncio
import threading
import time
from typing import Any, Dict, List

import httpx
import pytest

from openbourse.adapters.api.rest.ratelimit import RateLimiter

from .conftest import Harness, assert_envelope

ORDER = {"symbol": "BTCUSDT", "side": "buy", "orderType": "limit", "force": "gtc",
         "price": "100", "size": "0.0001"}


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory):
    h = Harness(tmp_path_factory.mktemp("limited"), rate_limit=True)
    yield h
    h.close()


def test_per_key_rate_limit_answers_429(limited: Harness) -> None:
    user = limited.user({"USDT": "100"})
    codes: List[str] = []
    for _ in range(60):  # the account family allows a burst of 40 per key
        status, payload, _, _ = limited.signed("GET", "/api/v2/spot/account/assets", {}, user)
        assert_envelope(status, payload)
        codes.append(payload["code"])
        if payload["code"] == "429":
            assert status == 429 and payload["msg"] == "Request Frequency Is Too High"
    assert codes[0] == "00000" and "429" in codes
    other = limited.user()  # another key on the same address is not affected
    assert limited.signed("GET", "/api/v2/spot/account/assets", {}, other)[1]["code"] == "00000"


def test_per_address_buckets_are_separate_and_ten_times_a_key() -> None:
    """Every request also takes a token from its address's bucket (``RestApp.begin``)."""
    now = [0.0]
    limiter = RateLimiter(scale=1.0, clock=lambda: now[0])
    key_allowed = sum(limiter.allow("key-1", "account") for _ in range(100))
    address_allowed = sum(limiter.allow("10.0.0.1", "ip:account") for _ in range(1000))
    assert (key_allowed, address_allowed) == (40, 400)  # bursts: 40 per key, 400 per address
    assert limiter.allow("10.0.0.2", "ip:account")  # other addresses keep their own
    now[0] += 1.0
    assert sum(limiter.allow("10.0.0.1", "ip:account") for _ in range(1000)) == 200


@pytest.fixture(scope="module")
def narrow(tmp_path_factory: pytest.TempPathFactory):
    h = Harness(tmp_path_factory.mktemp("narrow"), max_queue=8)
    yield h
    h.close()


def test_a_flood_meets_back_pressure_not_unbounded_memory(narrow: Harness) -> None:
    h = narrow
    user = h.user({"USDT": "100000"})
    sequencer = h.node.sequencer
    assert sequencer is not None
    deepest = [0]
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            deepest[0] = max(deepest[0], sequencer.queue_depth)
            time.sleep(0.0005)

    async def flood() -> List[Any]:
        transport = httpx.ASGITransport(app=h.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            async def one(index: int) -> Any:
                body = f'{{"symbol":"BTCUSDT","side":"buy","orderType":"limit","force":"gtc",' \
                       f'"price":"1000","size":"0.01","clientOid":"flood-{index}"}}'.encode()
                path = "/api/v2/spot/trade/place-order"
                headers = h.sign_headers("POST", path, "", body, user)
                response = await http.post(path, content=body, headers=headers)
                return response.status_code, response.json()

            return await asyncio.gather(*(one(i) for i in range(600)))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        results = asyncio.run(flood())
    finally:
        stop.set()
        watcher.join()
    codes: Dict[str, int] = {}
    for status, payload in results:
        assert_envelope(status, payload)
        codes[payload["code"]] = codes.get(payload["code"], 0) + 1
        if payload["code"] == "40604":
            assert status == 503 and "busy" in payload["msg"]
    assert set(codes) <= {"00000", "40604"}, codes
    assert codes.get("40604", 0) > 0, f"600 concurrent orders never met the queue bound: {codes}"
    assert deepest[0] <= 8
    open_orders = h.node.sequencer.query(  # type: ignore[union-attr]
        lambda state: sum(1 for o in state.orders.values() if o.user == user["user"]))
    assert open_orders == codes.get("00000", 0), "an order refused as busy was placed anyway"


def test_duplicated_keys_are_refused(narrow: Harness) -> None:
    """orjson keeps the last of two equal keys; a body naming a key twice must be refused."""
    h = narrow
    rich = h.user({"USDT": "1000"})
    body = (b'{"symbol":"BTCUSDT","side":"buy","orderType":"limit","force":"gtc",'
            b'"price":"100","size":"0.01","size":"0.02"}')
    status, payload, _, _ = h.signed("POST", "/api/v2/spot/trade/place-order", None, rich,
                                     raw_body=body)
    assert_envelope(status, payload)
    assert payload["code"] == "40017"
