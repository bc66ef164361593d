"""In-process checks of the edge helpers: error map, parameter parsing, signing, formatting."""

from __future__ import annotations

import ccxt
import pytest

from openbourse.adapters.api.auth import Authenticator, sign
from openbourse.adapters.api.errors import REJECT_MAP, ApiError, reject_error
from openbourse.adapters.api.params import Params, price_units, size_units
from openbourse.adapters.api.rest.formats import ratio_text
from openbourse.adapters.api.rest.ratelimit import RateLimiter
from openbourse.adapters.readmodels.catalog import MarketInfo
from openbourse.adapters.users import ApiKey, _passphrase_digest
from openbourse.core.reject import RejectCode

EXCHANGE = ccxt.bitget()


def test_every_reject_code_is_mapped_to_a_ccxt_friendly_error() -> None:
    assert set(REJECT_MAP) == set(RejectCode)
    message_keys = set(EXCHANGE.exceptions["exact"])
    for code, (wire, msg) in REJECT_MAP.items():
        assert msg not in message_keys, f"{code}: message collides with a ccxt message key"
        assert "invalid size, valid range" not in msg
        assert reject_error(code).code == wire
    insufficient = EXCHANGE.exceptions["exact"][REJECT_MAP[RejectCode.INSUFFICIENT_BALANCE][0]]
    assert insufficient is ccxt.InsufficientFunds
    assert (
        EXCHANGE.exceptions["exact"][REJECT_MAP[RejectCode.ORDER_NOT_FOUND][0]]
        is ccxt.OrderNotFound
    )
    assert issubclass(
        EXCHANGE.exceptions["exact"][REJECT_MAP[RejectCode.PRICE_PRECISION][0]], ccxt.InvalidOrder
    )
    assert reject_error(99999).code == "40015"


MARKET = MarketInfo("BTCUSDT", "BTC", "USDT", 2, 4, 1, 1, 1, 10**12, 10**6, 1000, 1000, 0, 0)


def test_price_and_size_parsing() -> None:
    assert price_units("price", "65000.5", MARKET) == 6500050
    assert size_units("size", "0.123456", MARKET) == 1234  # truncated to the lot
    with pytest.raises(ApiError) as err:
        price_units("price", "1.001", MARKET)
    assert err.value.code == "41103"
    with pytest.raises(ApiError) as err:
        size_units("size", "0.00001", MARKET)
    assert err.value.code == "45110"


@pytest.mark.parametrize(
    "value",
    [
        "1e5",
        "-1",
        "+1",
        " 1",
        "1_0",
        ".5",
        "1.",
        "0x10",
        "NaN",
        "inf",
        True,
        None,
        [],
        {},
        float("nan"),
    ],
)
def test_decimal_rejects(value: object) -> None:
    params = Params({"price": value}, frozenset({"price"}))
    with pytest.raises(ApiError) as err:
        params.decimal("price")
    assert err.value.code in ("40017", "40019")


def test_params_accept_numbers_and_case() -> None:
    params = Params(
        {"price": 26000, "amount": 10.5, "side": "BUY", "force": "Post_Only"},
        frozenset({"price", "amount", "side", "force"}),
    )
    assert params.decimal("price") == "26000"
    assert params.decimal("amount") == "10.5"
    assert params.choice("side", {"buy": 0}) == 0
    assert params.choice("force", {"post_only": 3}) == 3
    with pytest.raises(ApiError) as err:
        Params({"sneaky": "1"}, frozenset({"price"}))
    assert err.value.code == "40017"


def test_ratio_text() -> None:
    assert ratio_text(240_000000, 6, 40, 4, 2) == "60000.00"  # 240 USDT / 0.004 BTC
    assert ratio_text(1_000000, 6, 3, 0, 2) == "0.333333"
    assert ratio_text(5, 0, 0, 0, 2) == "0"


def _key(perms=("read",), ips=()) -> ApiKey:
    salt = b"s" * 16
    return ApiKey(
        "k1",
        7,
        b"secret",
        salt,
        _passphrase_digest(salt, "pass"),
        frozenset(perms),
        frozenset(ips),
        False,
    )


def test_authenticator_matches_ccxt_signing() -> None:
    key = _key(("read", "trade"))
    auth = Authenticator(lambda k: key if k == "k1" else None, clock_ms=lambda: 1_700_000_000_000)
    ts = "1700000000000"
    query = "clientOid=a%20b%2Fc$d%2B%C3%A9&symbol=BTCUSDT"
    prehash = ts + "GET" + "/api/v2/spot/trade/orderInfo" + "?clientOid=a b/c$d+é&symbol=BTCUSDT"
    headers = {
        "access-key": "k1",
        "access-sign": sign("secret", prehash),
        "access-timestamp": ts,
        "access-passphrase": "pass",
    }
    got = auth.verify(
        headers, "GET", "/api/v2/spot/trade/orderInfo", query.encode(), b"", "1.2.3.4", "read"
    )
    assert got.user_id == 7
    with pytest.raises(ApiError) as err:
        auth.verify(
            headers,
            "GET",
            "/api/v2/spot/trade/orderInfo",
            query.encode(),
            b"",
            "1.2.3.4",
            "withdraw",
        )
    assert err.value.code == "40014"
    with pytest.raises(ApiError) as err:
        auth.verify(
            {**headers, "access-timestamp": "1699999960000"},
            "GET",
            "/api/v2/spot/trade/orderInfo",
            query.encode(),
            b"",
            "1.2.3.4",
            "read",
        )
    assert err.value.code == "40008"


def test_rate_limiter_refills() -> None:
    now = [0.0]
    limiter = RateLimiter({"x": (2.0, 2.0)}, clock=lambda: now[0])
    assert [limiter.allow("k", "x") for _ in range(3)] == [True, True, False]
    now[0] += 0.5
    assert limiter.allow("k", "x") and not limiter.allow("k", "x")
    assert limiter.allow("other", "x")
    assert RateLimiter(scale=0).allow("k", "trade")
