"""The CLI forms outside tooling relies on: live (admin socket) and offline (data dir) modes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict

from .conftest import Raw, Server, cli


def ok(response: Any) -> Any:
    body = response.json()
    assert body["code"] == "00000", body
    return body["data"]


def usdt(server: Server, creds: Dict[str, str]) -> str:
    rows = ok(Raw(server.url, creds).get("/api/v2/spot/account/assets"))
    return {r["coin"]: r["available"] for r in rows}.get("USDT", "0")


def test_bad_input_exits_non_zero(server: Server) -> None:
    d = ["--data-dir", str(server.data_dir)]
    cli("users", "create", "cli-bad@test.io", "--password", "correct-horse-3", *d)
    for args, needle in (
        (("deposit", "nobody@test.io", "USDT", "1"), "unknown user"),
        (("deposit", "cli-bad@test.io", "DOGE", "1"), "unknown asset"),
        (("deposit", "cli-bad@test.io", "USDT", "abc"), "bad amount"),
        (("deposit", "cli-bad@test.io", "USDT", "-5"), "bad amount"),
        (("deposit", "cli-bad@test.io", "USDT", "1e3"), "bad amount"),
        (("deposit", "cli-bad@test.io", "USDT", "0.0000001"), "bad amount"),
        (("deposit", "cli-bad@test.io", "USDT", "0"), "bad amount"),
        (("users", "create", "cli-bad@test.io", "--password", "correct-horse-3"), "already exists"),
        (("users", "create", "not-an-email", "--password", "correct-horse-3"), "not an email"),
        (("keys", "create", "nobody@test.io", "--perm", "read"), "unknown user"),
        (("keys", "create", "cli-bad@test.io", "--perm", "read,fly"), "unknown permission"),
        (("keys", "revoke", "bg_not_a_key"), "unknown"),
    ):
        result = cli(*args, *d, check=False)
        assert result.returncode != 0, args
        assert needle in result.stderr, (args, result.stderr)
    creds = json.loads(
        cli("keys", "create", "cli-bad@test.io", "--perm", "read", "--json", *d).stdout
    )
    assert usdt(server, creds) == "0"  # none of the bad deposits landed


def test_live_deposit_and_revoke(server: Server) -> None:
    d = ["--data-dir", str(server.data_dir)]
    cli("users", "create", "cli-live@test.io", *d)
    cli("deposit", "cli-live@test.io", "USDT", "12.5", *d)
    out = cli(
        "keys", "create", "cli-live@test.io", "--perm", "read,trade,transfer", "--json", *d
    ).stdout
    creds = json.loads(out)
    assert set(creds) == {"apiKey", "secretKey", "passphrase"}
    assert usdt(server, creds) == "12.500000"
    cli("deposit", "cli-live@test.io", "USDT", "0.5", *d)
    assert usdt(server, creds) == "13.000000"
    cli("keys", "revoke", creds["apiKey"], *d)
    assert Raw(server.url, creds).get("/api/v2/spot/account/assets").json()["code"] == "40006"


def test_offline_admin_and_replay(tmp_path: Path) -> None:
    d = ["--data-dir", str(tmp_path)]
    server = Server(tmp_path).start()
    maker = server.user("maker@test.io", {"BTC": "1"})
    buyer = server.user("buyer@test.io", {"USDT": "1000"})
    order = {
        "symbol": "BTCUSDT",
        "side": "sell",
        "orderType": "limit",
        "force": "gtc",
        "price": "1000",
        "size": "0.5",
    }
    ok(Raw(server.url, maker).post("/api/v2/spot/trade/place-order", order))
    assert cli("replay", *d, check=False).returncode != 0  # refuses while the node runs
    server.stop()

    cli("users", "create", "offline@test.io", "--password", "correct-horse-4", *d)
    cli("deposit", "offline@test.io", "USDT", "77", *d)
    offline = json.loads(
        cli("keys", "create", "offline@test.io", "--perm", "read,trade", "--json", *d).stdout
    )
    assert cli("deposit", "offline@test.io", "NOPE", "1", *d, check=False).returncode != 0

    server.start()
    assert usdt(server, offline) == "77.000000"
    buy = dict(order, side="buy", size="0.1")
    ok(Raw(server.url, buyer).post("/api/v2/spot/trade/place-order", buy))
    history = ok(Raw(server.url, buyer).get("/api/v2/spot/trade/history-orders"))
    fills = ok(Raw(server.url, maker).get("/api/v2/spot/trade/fills", "symbol=BTCUSDT"))
    candles = ok(
        Raw(server.url).get(
            "/api/v2/spot/market/candles", "symbol=BTCUSDT&granularity=1min", signed=False
        )
    )
    server.stop()

    result = cli("replay", *d)
    assert "rebuilt" in result.stdout
    server.start()
    try:
        assert ok(Raw(server.url, buyer).get("/api/v2/spot/trade/history-orders")) == history
        assert ok(Raw(server.url, maker).get("/api/v2/spot/trade/fills", "symbol=BTCUSDT")) == fills
        assert (
            ok(
                Raw(server.url).get(
                    "/api/v2/spot/market/candles", "symbol=BTCUSDT&granularity=1min", signed=False
                )
            )
            == candles
        )
        assert usdt(server, offline) == "77.000000"
        assert usdt(server, buyer) == "900.000000"
    finally:
        server.stop()
