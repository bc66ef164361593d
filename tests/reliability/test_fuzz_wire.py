"""Malformed bytes on the wire against a real ``openbourse serve``: broken request lines and
headers, lying or conflicting lengths, chunked junk, oversized bodies and headers,
pipelining, half-sent requests, oversized and invalid WebSocket traffic.

The server must answer each with a 4xx (a Bitget envelope under ``/api``) or close that
connection, never a 5xx; after every case a fresh connection is served; the process is
alive at the end, a funded user's balances are unchanged, and the server's log holds no
API secret or passphrase.
"""
from __future__ import annotations

import asyncio
import json
import socket
import time
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

from openbourse.testing.torture.client import ServerProcess, SignedClient, admin, free_port

PATH = "/api/v2/spot/account/assets"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    data_dir = tmp_path_factory.mktemp("wire")
    server = ServerProcess(data_dir, free_port(), ["--no-market-makers", "--no-rate-limit"],
                           data_dir / "server.log")
    server.start()
    admin(data_dir, "user_create", {"email": "wire@test.io", "password": "wire-pass-1"})
    admin(data_dir, "deposit", {"email": "wire@test.io", "asset": "USDT", "amount": "1000"})
    creds = admin(data_dir, "key_create", {"email": "wire@test.io", "perm": "read,trade"})
    client = SignedClient(server.port, creds)
    status, body = client.request("GET", PATH)
    assert body["code"] == "00000"
    yield {"server": server, "creds": creds, "client": client, "balances": body["data"],
           "log": data_dir / "server.log"}
    client.close()
    server.stop()


def _exchange(port: int, payload: bytes, wait: float = 2.0, trickle: bool = False) -> bytes:
    """Send raw bytes, return whatever comes back before the server closes or goes quiet."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=wait)
    try:
        if trickle:
            for index in range(0, len(payload), 7):
                sock.sendall(payload[index:index + 7])
                time.sleep(0.001)
        else:
            sock.sendall(payload)
        try:
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        chunks: List[bytes] = []
        while True:
            try:
                chunk = sock.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)
    except (BrokenPipeError, ConnectionResetError):
        return b""
    finally:
        sock.close()


def _statuses(raw: bytes) -> List[Tuple[int, bytes]]:
    """(status, body) of every HTTP response in ``raw`` (best effort for pipelining)."""
    out = []
    rest = raw
    while rest.startswith(b"HTTP/1."):
        head, _, rest = rest.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        out.append((status, rest[:length]))
        rest = rest[length:]
    return out


def _alive(live: dict) -> None:
    status, body = live["client"].request("GET", "/api/v2/public/time")
    assert status == 200 and body["code"] == "00000"


BIG = 70 * 1024
CASES: List[Tuple[str, bytes]] = [
    ("garbage", b"\x00\x01\x02\x03\xff\r\n\r\n"),
    ("http09", b"GET /api/v2/public/time\r\n\r\n"),
    ("no-version", b"GET /api/v2/public/time\r\nHost: x\r\n\r\n"),
    ("bad-version", b"GET /api/v2/public/time HTTP/9.9\r\nHost: x\r\n\r\n"),
    ("unknown-method", b"BREW /api/v2/public/time HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("method-mismatch", b"DELETE /api/v2/public/time HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("nul-path", b"GET /api/v2/public/time%00 HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("dotdot", b"GET /api/v2/../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("long-path", b"GET /api/" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("non-utf8-path", b"GET /api/v2/\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("long-header", b"GET /api/v2/public/time HTTP/1.1\r\nHost: x\r\nX-A: " + b"a" * 200_000
     + b"\r\n\r\n"),
    ("many-headers", b"GET /api/v2/public/time HTTP/1.1\r\nHost: x\r\n"
     + b"".join(b"X-%d: 1\r\n" % i for i in range(2000)) + b"\r\n"),
    ("header-no-colon", b"GET /api/v2/public/time HTTP/1.1\r\nHost x\r\n\r\n"),
    ("header-ctl", b"GET /api/v2/public/time HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n"),
    ("negative-length", b"POST /api/v2/spot/trade/place-order HTTP/1.1\r\nHost: x\r\n"
     b"Content-Length: -1\r\n\r\n{}"),
    ("text-length", b"POST /api/v2/spot/trade/place-order HTTP/1.1\r\nHost: x\r\n"
     b"Content-Length: abc\r\n\r\n{}"),
    ("double-length", b"POST /api/v2/spot/trade/place-order HTTP/1.1\r\nHost: x\r\n"
     b"Content-Length: 2\r\nContent-Length: 40\r\n\r\n{}"),
    ("huge-length", b"POST /api/v2/spot/trade/place-order HTTP/1.1\r\nHost: x\r\n"
     b"Content-Length: 99999999999999999999\r\n\r\n{}"),
    ("short-body", b"POST /api/v2/spot/trade/place-order HTTP/1.1\r\nHost: x\r\n"
     b"Content-Length: 500\r\n\r\n{\"symbol\":"),
    ("oversized-body", b"POST /api/v2/spot/trade/place-order HTTP/1.1\r\nHost: x\r\n"
     b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % BIG + b" " * BIG),
    ("oversized-chunked", b"POST /api/v2/spot/trade/place-order HTTP/1.1\r\nHost: x\r\n"
     b"Transfer-Encoding: chunked\r\n\r\n" + b"".join(b"4000\r\n" + b" " * 0x4000 + b"\r\n"
                                                     for _ in range(6)) + b"0\r\n\r\n"),
    ("bad-chunk", b"POST /api/v2/spot/trade/place-order HTTP/1.1\r\nHost: x\r\n"
     b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"),
    ("smuggle", b"POST /api/v2/spot/trade/place-order HTTP/1.1\r\nHost: x\r\n"
     b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
     b"GET /api/v2/public/time HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("pipelined", b"GET /api/v2/public/time HTTP/1.1\r\nHost: x\r\n\r\n" * 3),
    ("half-request", b"GET /api/v2/public/ti"),
    ("expect-100", b"POST /api/v2/spot/trade/place-order HTTP/1.1\r\nHost: x\r\n"
     b"Expect: 100-continue\r\nContent-Length: 2\r\n\r\n{}"),
    ("bad-upgrade", b"GET /v2/ws/public HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
     b"Connection: Upgrade\r\nSec-WebSocket-Key: nope\r\nSec-WebSocket-Version: 99\r\n\r\n"),
    ("unsigned-private", b"GET /api/v2/spot/account/assets HTTP/1.1\r\nHost: x\r\n\r\n"),
]


@pytest.mark.parametrize("name,payload", CASES, ids=[c[0] for c in CASES])
def test_malformed_http(live: dict, name: str, payload: bytes) -> None:
    raw = _exchange(live["server"].port, payload, trickle=name == "half-request")
    for status, body in _statuses(raw):
        assert status < 500, (name, raw[:300])
        if body.startswith(b"{"):
            envelope = json.loads(body)
            assert isinstance(envelope.get("code"), str) and "data" in envelope, (name, body)
    if name == "pipelined":
        assert [s for s, _ in _statuses(raw)] == [200, 200, 200]
    if name in ("oversized-body", "unsigned-private"):
        assert _statuses(raw) and _statuses(raw)[0][0] in (400, 413), (name, raw[:300])
    _alive(live)


def test_oversized_and_invalid_websocket_traffic(live: dict) -> None:
    import websockets

    url = f"ws://127.0.0.1:{live['server'].port}/v2/ws/public"

    async def scenario() -> None:
        async with websockets.connect(url) as calm:
            arg = {"instType": "SPOT", "channel": "ticker", "instId": "BTCUSDT"}
            await calm.send(json.dumps({"op": "subscribe", "args": [arg]}))
            assert json.loads(await calm.recv())["event"] == "subscribe"
            async with websockets.connect(url, max_size=None) as big:
                await big.send("x" * (200 * 1024))  # above the server's 64 KiB frame limit
                with pytest.raises(websockets.ConnectionClosed):
                    for _ in range(10):
                        await asyncio.wait_for(big.recv(), 5)
            async with websockets.connect(url) as binary:
                await binary.send(b"\x00\xff" * 1000)
                await binary.send("ping")
                for _ in range(5):
                    if await asyncio.wait_for(binary.recv(), 5) == "pong":
                        break
                else:
                    raise AssertionError("no pong after a binary frame")
            await calm.send("ping")
            for _ in range(20):
                if await asyncio.wait_for(calm.recv(), 5) == "pong":
                    break
            else:
                raise AssertionError("the calm client stopped being served")

    asyncio.run(scenario())
    _alive(live)


def test_nothing_changed_and_nothing_leaked(live: dict) -> None:
    """Runs last: the server survived everything, balances are as before, no secret logged."""
    assert live["server"].proc is not None and live["server"].proc.poll() is None
    status, body = live["client"].request("GET", PATH)
    assert body["code"] == "00000" and body["data"] == live["balances"]
    log = Path(live["log"]).read_text(errors="replace")
    creds = live["creds"]
    assert creds["secretKey"] not in log and creds["passphrase"] not in log
