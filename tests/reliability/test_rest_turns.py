"""``RestApp.respond_many``: the requests of one event-loop turn, step by step.

The lean protocol hands every request parsed in one loop turn to ``respond_many`` at once
(signatures for all, then parameters for all, then the handlers).  Each request must get
exactly the answer it would get alone: a refusal in one step for one request neither
stops the others nor leaks into them, answers keep the requests' order, and refused
requests change nothing.
"""
from __future__ import annotations

import asyncio
import json
from typing import Any, Dict, List, Optional, Tuple

from .conftest import Harness

PLACE = "/api/v2/spot/trade/place-order"


def _request(h: Harness, method: str, path: str, params: Optional[Dict[str, Any]],
             creds: Optional[Dict[str, Any]], **sign: Any) -> Tuple[Any, ...]:
    """(endpoint, path, query, headers, body, ip) as the lean protocol passes it."""
    query, body = b"", b""
    if params is not None:
        if method == "GET":
            query = "&".join(f"{k}={v}" for k, v in sorted(params.items())).encode()
        else:
            body = json.dumps(params, separators=(",", ":")).encode()
    headers = h.sign_headers(method, path, query.decode(), body, creds, **sign)
    wanted = {k.lower(): v for k, v in headers.items() if k.lower().startswith("access-")}
    endpoint = h.app.rest.begin(method, path, "127.0.0.1")
    return endpoint, path, query, wanted, body, "127.0.0.1"


def _order(price: str, size: str, oid: str) -> Dict[str, str]:
    return {"symbol": "BTCUSDT", "side": "buy", "orderType": "limit", "force": "gtc",
            "price": price, "size": size, "clientOid": oid}


def _run(h: Harness, requests: List[Tuple[Any, ...]]) -> List[Tuple[int, Dict[str, Any]]]:
    async def main() -> List[Tuple[int, bytes]]:
        return list(await asyncio.gather(*h.app.rest.respond_many(requests)))

    return [(status, json.loads(body)) for status, body in asyncio.run(main())]


def test_one_turn_of_mixed_requests_answers_each_as_if_alone(harness: Harness) -> None:
    h = harness
    alice = h.user({"USDT": "1000"})
    bob = h.user({"USDT": "1000"})
    wrong_pass = dict(alice, passphrase="not-the-passphrase")
    requests = [
        _request(h, "POST", PLACE, _order("100", "0.01", "turn-a1"), alice),
        _request(h, "POST", PLACE, _order("100", "0.01", "turn-bad-sign"), alice,
                 secret="not-the-secret"),
        _request(h, "POST", PLACE, _order("100.001", "0.01", "turn-tick"), alice),
        _request(h, "POST", PLACE, _order("100", "0.01", "turn-pass"), wrong_pass),
        _request(h, "GET", "/api/v2/public/time", None, None),
        _request(h, "POST", PLACE, {"symbol": "BTCUSDT", "side": "buy"}, bob),
        _request(h, "POST", PLACE, _order("101", "0.02", "turn-b1"), bob),
        _request(h, "POST", PLACE, _order("100", "100", "turn-too-much"), bob),
    ]
    before = h.state()
    answers = _run(h, requests)
    codes = [payload["code"] for _, payload in answers]
    assert codes == ["00000", "40009", "41103", "40012", "00000", "40019", "00000", "43012"]
    assert [status for status, _ in answers][:2] == [200, 400]
    assert answers[0][1]["data"]["clientOid"] == "turn-a1"
    assert answers[6][1]["data"]["clientOid"] == "turn-b1"
    assert isinstance(answers[4][1]["data"]["serverTime"], str)
    # exactly the two accepted orders rest, each with its own owner
    after = h.state()
    new_orders = set(after[1]) - set(before[1])
    assert sorted(user for _, user, _ in new_orders) == sorted([alice["user"], bob["user"]])
    assert {str(order_id) for order_id, _, _ in new_orders} == {
        answers[0][1]["data"]["orderId"], answers[6][1]["data"]["orderId"]}


def test_a_turn_of_one_is_the_single_request_path(harness: Harness) -> None:
    h = harness
    carol = h.user({"USDT": "50"})
    (status, payload), = _run(h, [_request(h, "GET", "/api/v2/spot/account/assets",
                                           {"coin": "USDT"}, carol)])
    assert status == 200 and payload["code"] == "00000"
    assert payload["data"][0]["available"] == "50.000000"
