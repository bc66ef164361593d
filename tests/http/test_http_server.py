"""``openbourse serve`` end to end: the lean protocol, the hand-over to uvicorn, WebSockets.

One real server process (no market makers).  Raw sockets so the tests control exactly
which requests share a connection: a connection that only sends plain ``/api`` requests
stays on the lean protocol, one whose first request is ``/health`` is handed to uvicorn
(the ASGI path), which is how the two paths are compared byte for byte.
"""
from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import orjson
import pytest
from websockets.asyncio.client import connect

from openbourse.adapters.api.auth import sign


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Served:
    def __init__(self, data_dir: Path) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "openbourse.runtime.cli", "serve", "--port", str(self.port),
             "--data-dir", str(data_dir), "--no-market-makers"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert self.proc.stdout is not None
        lines: List[str] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise AssertionError("server exited during start-up:\n" + "".join(lines))
            lines.append(line)
            if line.startswith("{") and "apiKey" in line:
                self.creds: Dict[str, str] = json.loads(line)
                break
        else:
            raise AssertionError("server did not start:\n" + "".join(lines))
        while True:  # the credentials print before the port is bound
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "server never listened"
                time.sleep(0.05)

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=60)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    srv = Served(tmp_path_factory.mktemp("lean-http"))
    yield srv
    if srv.proc.poll() is None:
        srv.stop()


class Conn:
    """A blocking keep-alive connection that reads Content-Length framed responses."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        self.buf += chunk
        return bool(chunk)

    def response(self, head_only: bool = False) -> Tuple[int, List[Tuple[str, str]], bytes]:
        while b"\r\n\r\n" not in self.buf:
            assert self._fill(), "connection closed before a response"
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = [(n.strip().lower(), v.strip()) for n, _, v in
                   (line.partition(":") for line in lines[1:])]
        length = int(dict(headers).get("content-length", "0"))
        if head_only:
            length = 0
        while len(self.buf) < length:
            assert self._fill(), "connection closed inside a body"
        body, self.buf = self.buf[:length], self.buf[length:]
        return int(lines[0].split(" ")[1]), headers, body

    def closed(self) -> bool:
        try:
            return self.sock.recv(1) == b""
        except (ConnectionResetError, socket.timeout):
            return False

    def close(self) -> None:
        self.sock.close()


def signed(creds: Dict[str, str], path: str, payload: Dict[str, Any]) -> Tuple[str, bytes]:
    body = orjson.dumps(payload)
    ts = str(time.time_ns() // 1_000_000)
    headers = (f"ACCESS-KEY: {creds['apiKey']}\r\nACCESS-TIMESTAMP: {ts}\r\n"
               f"ACCESS-PASSPHRASE: {creds['passphrase']}\r\n"
               f"ACCESS-SIGN: {sign(creds['secretKey'], ts + 'POST' + path + body.decode())}\r\n"
               "Content-Type: application/json\r\n")
    return headers, body


def post(creds: Dict[str, str], path: str, payload: Dict[str, Any]) -> bytes:
    headers, body = signed(creds, path, payload)
    return (f"POST {path} HTTP/1.1\r\nHost: x\r\n{headers}Content-Length: {len(body)}\r\n\r\n"
            .encode() + body)


def get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode()


PLACE = "/api/v2/spot/trade/place-order"
CANCEL = "/api/v2/spot/trade/cancel-order"


def order(client_oid: str) -> Dict[str, Any]:
    return {"symbol": "BTCUSDT", "side": "buy", "orderType": "limit", "force": "gtc",
            "price": "1000.00", "size": "0.0010", "clientOid": client_oid}


def test_lean_and_asgi_paths_answer_the_same_bytes(served: Served) -> None:
    lean = Conn(served.port)
    asgi = Conn(served.port)
    asgi.send(get("/health"))  # hands this connection to uvicorn for good
    assert asgi.response()[0] == 200
    replies = []
    for conn, oid in ((lean, "lean-1"), (asgi, "asgi-1")):
        conn.send(post(served.creds, PLACE, order(oid)))
        replies.append(conn.response())
    (s1, h1, b1), (s2, h2, b2) = replies
    assert s1 == s2 == 200
    assert [name for name, _ in h1] == [name for name, _ in h2] == \
        ["date", "content-type", "content-length"]
    assert dict(h1)["content-type"] == dict(h2)["content-type"] == "application/json"
    e1, e2 = orjson.loads(b1), orjson.loads(b2)
    assert list(e1) == list(e2) == ["code", "msg", "requestTime", "data"]
    assert e1["code"] == e2["code"] == "00000" and e1["msg"] == e2["msg"] == "success"
    assert e1["data"]["clientOid"] == "lean-1" and e2["data"]["clientOid"] == "asgi-1"
    # errors too: unknown route, wrong method, bad signature, bad JSON
    for request in (get("/api/v2/nope"), get(PLACE), post({**served.creds, "secretKey": "x"},
                    PLACE, order("bad-sign")),
                    b"POST " + PLACE.encode() + b" HTTP/1.1\r\nContent-Length: 1\r\n\r\n{"):
        answers = []
        for conn in (lean, asgi):
            conn.send(request)
            status, headers, body = conn.response()
            envelope = orjson.loads(body)
            envelope.pop("requestTime")
            answers.append((status, [n for n, _ in headers], envelope))
        assert answers[0] == answers[1], request
    for conn, reply in ((lean, e1), (asgi, e2)):
        conn.send(post(served.creds, CANCEL, {"symbol": "BTCUSDT",
                                               "orderId": reply["data"]["orderId"]}))
        assert conn.response()[0] == 200
    lean.close()
    asgi.close()


def test_pipelined_mix_of_api_and_other_paths_keeps_order(served: Served) -> None:
    conn = Conn(served.port)
    conn.send(get("/api/v2/public/time") + post(served.creds, PLACE, order("pipe-1"))
              + get("/health") + get("/api/v2/public/time") + get("/docs/openapi.json")
              + get("/api/v2/spot/public/symbols?symbol=BTCUSDT"))
    assert "serverTime" in orjson.loads(conn.response()[2])["data"]
    placed = orjson.loads(conn.response()[2])
    assert placed["data"]["clientOid"] == "pipe-1"
    assert orjson.loads(conn.response()[2])["status"] == "ok"
    assert "serverTime" in orjson.loads(conn.response()[2])["data"]
    assert "openapi" in orjson.loads(conn.response()[2])
    assert orjson.loads(conn.response()[2])["data"][0]["symbol"] == "BTCUSDT"
    conn.send(post(served.creds, CANCEL, {"symbol": "BTCUSDT",
                                          "orderId": placed["data"]["orderId"]}))
    assert conn.response()[0] == 200
    conn.close()


def test_unusual_and_malformed_requests_get_4xx_and_the_server_carries_on(
        served: Served) -> None:
    cases = [
        (b"GARBAGE\r\n\r\n", 400),
        (b"FOO /api/v2/public/time HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        (b"GET /api/v2/public/time HTTP/1.1\r\nBad Header: 1\r\n\r\n", 400),
        (b"GET /api/v2/public/time HTTP/1.1\r\nX: " + b"a" * 40_000 + b"\r\n\r\n", 431),
        (b"POST /api/v2/spot/trade/place-order HTTP/1.1\r\nContent-Length: 10000000\r\n\r\n",
         413),
    ]
    for request, status in cases:
        conn = Conn(served.port)
        conn.send(request)
        answer = conn.response()
        assert answer[0] == status, (request[:40], answer)
        if status in (413,):
            assert orjson.loads(answer[2])["code"] == "40017"
        assert conn.closed()
        conn.close()
    conn = Conn(served.port)
    conn.send(b"HEAD /api/v2/public/time HTTP/1.1\r\nHost: x\r\n\r\n")
    status, headers, _ = conn.response(head_only=True)
    assert status == 405 and int(dict(headers)["content-length"]) > 0
    conn.send(get("/api/v2/public/time"))  # still usable (now on uvicorn)
    assert conn.response()[0] == 200
    conn.close()


def test_chunked_and_http10_requests_are_served_by_the_fallback(served: Served) -> None:
    headers, body = signed(served.creds, PLACE, order("chunked-1"))
    conn = Conn(served.port)
    conn.send(f"POST {PLACE} HTTP/1.1\r\nHost: x\r\n{headers}Transfer-Encoding: chunked\r\n\r\n"
              .encode() + b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
    reply = orjson.loads(conn.response()[2])
    assert reply["code"] == "00000" and reply["data"]["clientOid"] == "chunked-1"
    conn.send(post(served.creds, CANCEL, {"symbol": "BTCUSDT",
                                          "orderId": reply["data"]["orderId"]}))
    assert conn.response()[0] == 200
    conn.close()
    conn = Conn(served.port)
    conn.send(b"GET /api/v2/public/time HTTP/1.0\r\n\r\n")
    status, headers_, _ = conn.response()
    assert status == 200 and conn.closed()
    conn.close()


def test_websocket_upgrade_on_the_same_port(served: Served) -> None:
    async def scenario() -> None:
        async with connect(f"ws://127.0.0.1:{served.port}/v2/ws/public") as ws:
            await ws.send("ping")
            assert await asyncio.wait_for(ws.recv(), 10) == "pong"
            arg = {"instType": "SPOT", "channel": "ticker", "instId": "BTCUSDT"}
            await ws.send(orjson.dumps({"op": "subscribe", "args": [arg]}).decode())
            while True:
                frame = orjson.loads(await asyncio.wait_for(ws.recv(), 10))
                if frame.get("event") == "subscribe":
                    assert frame["arg"] == arg
                    break

    asyncio.run(scenario())


def test_partial_requests_do_not_hold_up_other_clients(served: Served) -> None:
    stalled = [Conn(served.port) for _ in range(20)]
    for index, conn in enumerate(stalled):
        conn.send(b"POST /api/v2/spot/trade/place-order HTTP/1.1\r\nContent-Length: 50\r\n\r\n{"
                  if index % 2 else b"GET /api/v2/public/ti")
    started = time.monotonic()
    conn = Conn(served.port)
    for _ in range(20):
        conn.send(get("/api/v2/public/time"))
        assert conn.response()[0] == 200
    assert time.monotonic() - started < 5
    for each in stalled + [conn]:
        each.close()


def test_sigterm_with_idle_keep_alive_connections_exits_promptly(tmp_path: Path) -> None:
    srv = Served(tmp_path)
    conns = [Conn(srv.port) for _ in range(3)]
    for conn in conns:
        conn.send(get("/api/v2/public/time"))
        assert conn.response()[0] == 200
    conns[0].send(b"GET /api/v2/public/ti")  # a partial request too
    started = time.monotonic()
    assert srv.stop() == 0
    assert time.monotonic() - started < 10
    for conn in conns:
        assert conn.closed()
        conn.close()
