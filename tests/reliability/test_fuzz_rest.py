"""REST fuzzing: schemathesis over the OpenAPI document, then a hand-made corpus of nasty bodies.

Every request is signed with a real key (so it gets past authentication into parameter
parsing and the handlers), sent to the real app in-process, and must answer with the
Bitget envelope and no 5xx.  The fuzzing user has no funds and the engine state (per-
command counters masked) must be identical before and after: nothing generated may
change anything.  ``OPENBOURSE_FUZZ_EXAMPLES`` raises the examples per operation and mode
for long runs (docs/reliability.md).
"""
from __future__ import annotations

import json
import os
from typing import Any, Dict, List
from urllib.parse import quote

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from openbourse.adapters.api.openapi import openapi_document
from openbourse.adapters.api.rest import endpoints

from .conftest import Harness, assert_envelope

EXAMPLES = int(os.environ.get("OPENBOURSE_FUZZ_EXAMPLES", "3"))
SCHEMA = schemathesis.openapi.from_dict(openapi_document(endpoints()))
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
COUNTS: Dict[str, int] = {"cases": 0}


@pytest.fixture(scope="module")
def fuzz(harness: Harness) -> Dict[str, Any]:
    users = {
        "plain": harness.user(),  # every permission, no funds
        "admin": harness.user(admin=True),
    }
    return {"h": harness, "users": users, "before": harness.state()}


def _query(values: Any) -> str:
    if not isinstance(values, dict):
        return ""
    parts = []
    for key, value in values.items():
        items = value if isinstance(value, list) else [value]
        for item in items:
            text = json.dumps(item) if not isinstance(item, str) else item
            parts.append(f"{quote(str(key), safe='')}={quote(text, safe='')}")
    return "&".join(parts)


def _jsonable(value: Any) -> Any:
    return value.decode("latin-1") if isinstance(value, (bytes, bytearray)) else str(value)


def _send_case(fuzz: Dict[str, Any], case: Any, who: str) -> None:
    h: Harness = fuzz["h"]
    creds = fuzz["users"][who]
    method = case.method.upper()
    query = _query(case.query) if case.query else ""
    body = b""
    if method != "GET" and not isinstance(case.body, schemathesis.core.NotSet):
        if isinstance(case.body, (bytes, bytearray)):
            body = bytes(case.body)
        else:
            body = json.dumps(case.body, default=_jsonable).encode()
    headers = h.sign_headers(method, case.path, query, body, creds)
    status, payload, _, _ = h.send(method, case.path, query, body, headers)
    COUNTS["cases"] += 1
    assert_envelope(status, payload, f"{method} {case.path} ?{query} {body[:200]!r}")


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: f"{op.method} {op.path}")
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                         ids=["positive", "negative"])
def test_schemathesis(fuzz: Dict[str, Any], operation: Any, mode: GenerationMode) -> None:
    try:
        strategy = operation.as_strategy(generation_mode=mode)
    except Exception as exc:  # noqa: BLE001 - nothing negative to generate for this one
        pytest.skip(f"schemathesis cannot generate {mode.value} cases here: {exc}")
    who = "admin" if "/admin/" in operation.path else "plain"

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def check(case: Any) -> None:
        _send_case(fuzz, case, who)

    try:
        check()
    except Unsatisfiable:  # no parameter to break: nothing negative exists
        pytest.skip(f"no {mode.value} cases exist for {operation.path}")


NASTY_VALUES: List[Any] = [
    "", " ", "0", "-1", "1e3", "1E-3", "1e400", "NaN", "nan", "Infinity", "-Infinity",
    "0x10", "1_000", "١٢٣", "１２３", "1" * 40, "0." + "1" * 40, "9" * 41 + ".5", "1.2.3",
    "+5", "5 ", "\u0000", "\u202e100", "😀", "a" * 10_000, None, True, False, 0, -1,
    1e308, 10**40, -(10**40), 0.1, [], {}, ["1"], {"$gt": ""},
]
NASTY_BODIES: List[bytes] = [
    b"", b"{", b"}", b"[]", b"null", b"true", b"1", b'"string"', b"{'single': 'quotes'}",
    b'{"symbol": NaN}', b'{"size": Infinity}', b'{"size": -Infinity}', b'{"price": 1e999}',
    b'{"price": 1' + b"0" * 40 + b"}", b'{"a":' * 5000 + b"1" + b"}" * 5000,
    b'{"symbol":"BTCUSDT","symbol":"ETHUSDT"}', b"\xff\xfe\xfd", b'{"symbol":"\xc3\x28"}',
    b'{"symbol":"BTCUSDT"}' + b" " * 70_000, b'{"x":"' + b"A" * 200_000 + b'"}',
    b'{"symbol":"BTC\\u0000USDT"}', b'{"orderList":' + b"[" * 2000 + b"]" * 2000 + b"}",
]
TARGETS = ["/api/v2/spot/trade/place-order", "/api/v2/spot/trade/batch-orders",
           "/api/v2/spot/trade/cancel-order", "/api/v2/spot/wallet/transfer",
           "/api/v2/spot/wallet/withdrawal", "/api/v2/spot/trade/place-plan-order",
           "/api/v2/spot/trade/cancel-replace-order"]
ORDER = {"symbol": "BTCUSDT", "side": "buy", "orderType": "limit", "force": "gtc",
         "price": "100", "size": "0.01"}


@pytest.mark.parametrize("path", TARGETS)
def test_nasty_bodies(fuzz: Dict[str, Any], path: str) -> None:
    h: Harness = fuzz["h"]
    creds = fuzz["users"]["plain"]
    for body in NASTY_BODIES:
        status, payload, _, _ = h.signed("POST", path, None, creds, raw_body=body)
        COUNTS["cases"] += 1
        assert_envelope(status, payload, f"{path} {body[:80]!r}")
        assert payload["code"] != "00000", (path, body[:80], payload)


@pytest.mark.parametrize("field", ["symbol", "side", "orderType", "force", "price", "size",
                                   "clientOid", "stpMode", "presetTakeProfitPrice"])
def test_nasty_values_in_every_order_field(fuzz: Dict[str, Any], field: str) -> None:
    """The fuzz user has no funds: whatever parses must still be refused, nothing rests."""
    h: Harness = fuzz["h"]
    creds = fuzz["users"]["plain"]
    for value in NASTY_VALUES:
        status, payload, _, body = h.signed("POST", "/api/v2/spot/trade/place-order",
                                            {**ORDER, field: value}, creds)
        COUNTS["cases"] += 1
        assert_envelope(status, payload, f"{field}={value!r}"[:200])
        assert payload["code"] != "00000", (field, value, payload)
    for value in NASTY_VALUES:  # the same in the query of a signed read
        status, payload, _, _ = h.signed("GET", "/api/v2/spot/trade/orderInfo",
                                         {"orderId": value if value is not None else ""},
                                         creds)
        COUNTS["cases"] += 1
        assert_envelope(status, payload, f"orderInfo {value!r}"[:200])


def test_nasty_query_strings(fuzz: Dict[str, Any]) -> None:
    h: Harness = fuzz["h"]
    creds = fuzz["users"]["plain"]
    for query in ["a", "=", "&&&", "symbol", "symbol=%ZZ", "symbol=%00", "symbol=%C3%28",
                  "symbol=BTCUSDT&symbol=ETHUSDT", "limit=-1", "limit=1e3", "limit=" + "9" * 40,
                  "idLessThan=" + "9" * 40, "startTime=NaN", "x" * 5000 + "=1"]:
        for path in ("/api/v2/spot/trade/unfilled-orders", "/api/v2/spot/market/orderbook",
                     "/api/v2/spot/market/candles"):
            headers = h.sign_headers("GET", path, query, b"", creds)
            status, payload, _, _ = h.send("GET", path, query, b"", headers)
            COUNTS["cases"] += 1
            assert_envelope(status, payload, f"{path}?{query[:80]}")


@given(body=st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8),
                                                                      children, max_size=4),
    max_leaves=20))
@settings(max_examples=EXAMPLES * 10, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_random_json_bodies(fuzz: Dict[str, Any], body: Any) -> None:
    h: Harness = fuzz["h"]
    for path in ("/api/v2/spot/trade/place-order", "/api/v2/spot/trade/batch-orders"):
        status, payload, _, _ = h.signed("POST", path, body, fuzz["users"]["plain"])
        COUNTS["cases"] += 1
        assert_envelope(status, payload, f"{path} {json.dumps(body)[:200]}")


def test_nothing_changed(fuzz: Dict[str, Any]) -> None:
    """Runs last in this module: every case above left the engine state untouched."""
    h: Harness = fuzz["h"]
    assert h.state() == fuzz["before"]
    status, payload, _, _ = h.signed("GET", "/api/v2/public/time", {}, None)
    assert payload["code"] == "00000"
    print(f"fuzz cases sent: {COUNTS['cases']}")
