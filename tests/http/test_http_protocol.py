"""``LeanHttpProtocol`` on a real loopback socket, with a toy service and a toy fallback.

The fallback stands in for uvicorn: it answers every request it gets with status 299 and
the request line, so a test sees exactly which requests were handed over, and in which
order relative to the lean answers.
"""
from __future__ import annotations

import asyncio
import json
import socket
import time
from typing import Any, Dict, List, Tuple

import pytest

from openbourse.adapters.api.http import MAX_HEAD, ConnectionSet, LeanHttpProtocol


class Refused(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class Service:
    prefix = "/api/"
    max_body = 1024
    headers = frozenset(("x-key", "content-length"))
    content_type = b"application/json"

    def __init__(self) -> None:
        self.begun: List[str] = []
        self.turns: List[List[str]] = []  # the paths of each respond_many call

    def begin(self, method: str, path: str, ip: str) -> Any:
        self.begun.append(path)
        if path == "/api/missing":
            raise Refused(404)
        if path == "/api/bug-in-begin":
            raise RuntimeError("boom")
        return (method, ip)

    async def respond(self, handle: Any, path: str, query: bytes, headers: Dict[str, str],
                      body: bytes, ip: str) -> Tuple[int, bytes]:
        if path == "/api/slow":
            await asyncio.sleep(0.05)
        if path == "/api/yield":
            await asyncio.sleep(0)
        if path == "/api/raise":
            await asyncio.sleep(0)
            raise asyncio.CancelledError()
        reply = {"method": handle[0], "path": path, "query": query.decode(),
                 "headers": headers, "body": body.decode(), "ip": ip}
        return 200, json.dumps(reply, sort_keys=True).encode()

    def respond_many(self, requests: List[Tuple[Any, ...]]) -> List[Any]:
        self.turns.append([request[1] for request in requests])
        if any(request[1] == "/api/bug-in-turn" for request in requests):
            raise RuntimeError("boom")
        return [self.respond(*request) for request in requests]

    def refusal(self, exc: BaseException) -> Tuple[int, bytes]:
        if isinstance(exc, Refused):
            return exc.status, b'{"refused":%d}' % exc.status
        return 500, b'{"error":"system"}'

    def too_large(self) -> Exception:
        return Refused(413)


class Fallback(asyncio.Protocol):
    """Answers each complete request head with ``299`` and its request line."""

    def __init__(self) -> None:
        self.buf = b""
        self.transport: Any = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while b"\r\n\r\n" in self.buf:
            head, _, self.buf = self.buf.partition(b"\r\n\r\n")
            line = head.split(b"\r\n")[0]
            self.transport.write(b"HTTP/1.1 299 Fallback\r\ncontent-length: %d\r\n\r\n%s"
                                 % (len(line), line))


class Server:
    def __init__(self, **timeouts: float) -> None:
        self.service = Service()
        self.connections = ConnectionSet(**timeouts)
        self.server: Any = None
        self.port = 0

    async def __aenter__(self) -> "Server":
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(
            lambda: LeanHttpProtocol(self.service, Fallback, self.connections),
            "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self.connections.shutdown()
        self.server.close()


class Client:
    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: Any = None
        self.writer: Any = None

    async def open(self) -> "Client":
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        return self

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def response(self) -> Tuple[int, Dict[str, str], bytes]:
        head = await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), 5)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        body = await self.reader.readexactly(int(headers.get("content-length", "0")))
        return status, headers, body

    async def closed(self) -> bool:
        """True once the server closed the connection (EOF) within 5 s."""
        try:
            data = await asyncio.wait_for(self.reader.read(1), 5)
        except (ConnectionResetError, asyncio.TimeoutError):
            return False
        return data == b""

    def close(self) -> None:
        self.writer.close()


def get(path: str, extra: str = "") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: t\r\n{extra}\r\n".encode()


def post(path: str, body: bytes, extra: str = "") -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: t\r\nContent-Length: {len(body)}\r\n{extra}\r\n"
            .encode() + body)


def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 30))


def test_keep_alive_serves_many_requests_on_one_connection() -> None:
    async def main() -> None:
        async with Server() as srv:
            client = await Client(srv.port).open()
            for index in range(5):
                await client.send(post("/api/echo", b'{"n":%d}' % index, "X-Key: k1  \r\n"))
                status, headers, body = await client.response()
                reply = json.loads(body)
                assert status == 200 and reply["body"] == '{"n":%d}' % index
                length = str(len(reply["body"]))
                assert reply["headers"] == {"x-key": "k1", "content-length": length}
                assert reply["ip"] == "127.0.0.1" and reply["method"] == "POST"
                assert headers["content-type"] == "application/json"
                assert "date" in headers and "connection" not in headers
            client.close()

    run(main())


def test_response_bytes_are_what_uvicorn_writes() -> None:
    async def main() -> None:
        async with Server() as srv:
            client = await Client(srv.port).open()
            await client.send(get("/api/echo?a=1&b=%20x"))
            head = await client.reader.readuntil(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            assert lines[0] == b"HTTP/1.1 200 OK"
            assert lines[1].startswith(b"date: ") and lines[1].endswith(b" GMT")
            assert lines[2] == b"content-type: application/json"
            assert lines[3].startswith(b"content-length: ")
            body = await client.reader.readexactly(int(lines[3].split(b": ")[1]))
            assert json.loads(body)["query"] == "a=1&b=%20x"  # raw, as signed
            client.close()

    run(main())


def test_pipelined_requests_are_answered_in_order() -> None:
    async def main() -> None:
        async with Server() as srv:
            client = await Client(srv.port).open()
            await client.send(get("/api/slow") + get("/api/one") + post("/api/yield", b"x")
                              + get("/api/two"))
            paths = [json.loads((await client.response())[2])["path"] for _ in range(4)]
            assert paths == ["/api/slow", "/api/one", "/api/yield", "/api/two"]
            client.close()

    run(main())


def test_requests_sent_before_a_half_close_are_all_answered_then_closed() -> None:
    async def main() -> None:
        async with Server() as srv:
            client = await Client(srv.port).open()
            await client.send(get("/api/slow") + get("/api/one") + get("/api/two"))
            client.writer.write_eof()  # the client sends nothing more
            paths = [json.loads((await client.response())[2])["path"] for _ in range(3)]
            assert paths == ["/api/slow", "/api/one", "/api/two"]
            assert await client.closed()
            # a half-close with only part of a request: closed at once, nothing answered
            partial = await Client(srv.port).open()
            await partial.send(b"GET /api/one HTTP/1.1\r\nHost:")
            partial.writer.write_eof()
            assert await partial.closed()
            await asyncio.sleep(0.05)
            assert not srv.connections.live

    run(main())


def test_many_pipelined_synchronous_requests_do_not_recurse() -> None:
    async def main() -> None:
        async with Server() as srv:
            client = await Client(srv.port).open()
            await client.send(get("/api/sync") * 3000)
            for _ in range(3000):
                assert (await client.response())[0] == 200
            client.close()

    run(main())


def test_other_paths_hand_the_connection_over_after_earlier_answers() -> None:
    async def main() -> None:
        async with Server() as srv:
            client = await Client(srv.port).open()
            await client.send(get("/api/slow") + get("/ui/page") + get("/api/after"))
            first = await client.response()
            assert first[0] == 200 and json.loads(first[2])["path"] == "/api/slow"
            assert await client.response() == (299, {"content-length": "21"},
                                               b"GET /ui/page HTTP/1.1")
            # the rest of the connection stays with the fallback
            assert (await client.response())[2] == b"GET /api/after HTTP/1.1"
            await client.send(get("/api/later"))
            assert (await client.response())[2] == b"GET /api/later HTTP/1.1"
            client.close()
            assert srv.service.begun == ["/api/slow"]
            assert not srv.connections.live

    run(main())


@pytest.mark.parametrize("request_bytes", [
    b"HEAD /api/echo HTTP/1.1\r\nHost: t\r\n\r\n",
    b"DELETE /api/echo HTTP/1.1\r\nHost: t\r\n\r\n",
    b"FOO /api/echo HTTP/1.1\r\n\r\n",
    b"GET /api/echo HTTP/1.0\r\n\r\n",
    b"GET /api/%65cho HTTP/1.1\r\n\r\n",
    b"POST /api/echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n",
    b"POST /api/echo HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
    b"POST /api/echo HTTP/1.1\r\nContent-Length: +1\r\n\r\nx",
    b"POST /api/echo HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx",
    b"GET /api/echo HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
    b"GET /api/echo HTTP/1.1\r\nBad Header: x\r\n\r\n",
    b"GET /api/echo HTTP/1.1\r\nX-Ctl: a\x01b\r\n\r\n",
    b"GET /api/echo HTTP/1.1\r\n folded: x\r\n\r\n",
    b"GARBAGE\r\n\r\n",
    b"GET  /api/echo HTTP/1.1\r\n\r\n",
    b"GET /api/echo HTTP/1.1\nHost: t\n\n\r\n\r\n",
])
def test_requests_outside_the_lean_subset_go_to_the_fallback(request_bytes: bytes) -> None:
    async def main() -> None:
        async with Server() as srv:
            client = await Client(srv.port).open()
            await client.send(get("/api/first") + request_bytes)
            assert (await client.response())[0] == 200
            status, _, body = await client.response()
            assert status == 299 and body == request_bytes.split(b"\r\n")[0]
            client.close()
            assert srv.service.begun == ["/api/first"]

    run(main())


def test_oversized_head_is_refused_with_431_and_closed() -> None:
    async def main() -> None:
        async with Server() as srv:
            client = await Client(srv.port).open()
            # never terminated: refused as soon as the buffer passes the limit
            await client.send(b"GET /api/echo HTTP/1.1\r\nX-Pad: " + b"a" * (MAX_HEAD + 10))
            status, headers, body = await client.response()
            assert status == 431 and body == b"Request header fields too large"
            assert headers["connection"] == "close" and await client.closed()
            # complete but too large
            client = await Client(srv.port).open()
            await client.send(get("/api/echo", "X-Pad: " + "a" * MAX_HEAD + "\r\n"))
            assert (await client.response())[0] == 431 and await client.closed()

    run(main())


def test_oversized_body_is_refused_without_reading_it() -> None:
    async def main() -> None:
        async with Server() as srv:
            client = await Client(srv.port).open()
            await client.send(b"POST /api/echo HTTP/1.1\r\nContent-Length: 1025\r\n\r\n")
            status, headers, body = await client.response()
            assert (status, body) == (413, b'{"refused":413}')
            assert headers["connection"] == "close" and await client.closed()
            # the route's own refusal comes first, as on the ASGI path
            client = await Client(srv.port).open()
            await client.send(b"POST /api/missing HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n")
            assert (await client.response())[0] == 404 and await client.closed()

    run(main())


def test_refused_route_consumes_its_body_and_keeps_the_connection() -> None:
    async def main() -> None:
        async with Server() as srv:
            client = await Client(srv.port).open()
            await client.send(post("/api/missing", b"abc") + get("/api/next"))
            assert await client.response() == (404, client_headers(), b'{"refused":404}')
            assert (await client.response())[0] == 200
            await client.send(get("/api/bug-in-begin") + post("/api/raise", b"x"))
            assert (await client.response())[2] == b'{"error":"system"}'
            assert (await client.response())[2] == b'{"error":"system"}'
            client.close()

    run(main())


def client_headers() -> Any:
    class Anything(dict):
        def __eq__(self, other: Any) -> bool:
            return isinstance(other, dict)
    return Anything()


def test_body_and_head_split_into_single_bytes() -> None:
    async def main() -> None:
        async with Server() as srv:
            client = await Client(srv.port).open()
            data = b"\r\n" + post("/api/echo", b'{"split":true}') + get("/api/two")
            for index in range(len(data)):
                await client.send(data[index:index + 1])
            assert json.loads((await client.response())[2])["body"] == '{"split":true}'
            assert json.loads((await client.response())[2])["path"] == "/api/two"
            client.close()

    run(main())


def test_connection_close_is_honoured() -> None:
    async def main() -> None:
        async with Server() as srv:
            client = await Client(srv.port).open()
            await client.send(get("/api/slow", "Connection: close\r\n") + get("/api/never"))
            status, headers, _ = await client.response()
            assert status == 200 and headers["connection"] == "close"
            assert await client.closed()
            assert srv.service.begun == ["/api/slow"]

    run(main())


def test_a_stalled_partial_request_blocks_nobody_and_times_out() -> None:
    async def main() -> None:
        async with Server(request_s=0.5, interval_s=0.1) as srv:
            stalled = await Client(srv.port).open()
            await stalled.send(b"POST /api/echo HTTP/1.1\r\nContent-Length: 10\r\n\r\n12345")
            slow_head = await Client(srv.port).open()
            await slow_head.send(b"GET /api/echo HTTP/1.1\r\nHost:")
            others = [await Client(srv.port).open() for _ in range(5)]
            started = time.monotonic()
            for client in others:
                await client.send(get("/api/echo"))
            for client in others:
                assert (await client.response())[0] == 200
            assert time.monotonic() - started < 0.4
            assert await stalled.closed() and await slow_head.closed()
            for client in others:
                client.close()

    run(main())


def test_idle_keep_alive_connections_are_closed() -> None:
    async def main() -> None:
        async with Server(keep_alive_s=0.3, interval_s=0.1) as srv:
            client = await Client(srv.port).open()
            await client.send(get("/api/echo"))
            assert (await client.response())[0] == 200
            started = time.monotonic()
            assert await client.closed()
            assert 0.2 < time.monotonic() - started < 3

    run(main())


def test_shutdown_closes_idle_connections_and_finishes_busy_ones() -> None:
    async def main() -> None:
        async with Server() as srv:
            idle = await Client(srv.port).open()
            await idle.send(get("/api/echo"))
            await idle.response()
            busy = await Client(srv.port).open()
            await busy.send(get("/api/slow"))
            await asyncio.sleep(0.01)
            srv.connections.shutdown()
            assert await idle.closed()
            status, headers, _ = await busy.response()
            assert status == 200 and headers["connection"] == "close"
            assert await busy.closed()
            assert not srv.connections.live

    run(main())


def test_client_that_does_not_read_pauses_serving_but_not_the_server() -> None:
    async def main() -> None:
        async with Server() as srv:
            sock = socket.create_connection(("127.0.0.1", srv.port))
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.setblocking(False)
            flood = get("/api/echo") * 20000
            sent = 0
            loop = asyncio.get_running_loop()
            deadline = time.monotonic() + 2
            while sent < len(flood) and time.monotonic() < deadline:
                try:
                    sent += sock.send(flood[sent:sent + 65536])
                except BlockingIOError:
                    await asyncio.sleep(0.01)
            other = await Client(srv.port).open()
            await other.send(get("/api/echo"))
            assert (await other.response())[0] == 200
            other.close()
            sock.close()
            await loop.run_in_executor(None, time.sleep, 0.05)

    run(main())


class _Transport:
    """Just enough transport for driving the protocol without a socket."""

    def __init__(self) -> None:
        self.written: List[bytes] = []

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 1) if name == "peername" else default

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        pass


def test_resume_settled_answers_at_once_and_the_late_callback_is_ignored() -> None:
    """What the sequencer does for an acknowledged batch: resolve, then resume."""
    from openbourse.adapters.api.http import resume_settled

    class Awaiting(Service):
        def __init__(self) -> None:
            super().__init__()
            self.waiters: List[Any] = []
            self.resumed = 0

        async def respond(self, handle: Any, path: str, query: bytes,
                          headers: Dict[str, str], body: bytes, ip: str) -> Tuple[int, bytes]:
            waiter = asyncio.get_running_loop().create_future()
            self.waiters.append(waiter)
            value = await waiter
            self.resumed += 1
            return 200, value

    async def main() -> None:
        service = Awaiting()
        protocol = LeanHttpProtocol(service, Fallback, ConnectionSet())
        transport = _Transport()
        protocol.connection_made(transport)
        protocol.data_received(get("/api/one"))
        assert service.waiters == []  # served at the end of the loop turn
        await asyncio.sleep(0)
        assert len(service.waiters) == 1 and transport.written == []
        waiter = service.waiters[0]
        waiter.set_result(b"first")
        resume_settled([waiter, asyncio.get_running_loop().create_future()])
        assert service.resumed == 1 and transport.written[-1].endswith(b"first")
        await asyncio.sleep(0)  # the done callback arrives late and must do nothing
        await asyncio.sleep(0)
        assert service.resumed == 1 and len(transport.written) == 1
        # without resume_settled the done callback still answers
        protocol.data_received(get("/api/two"))
        await asyncio.sleep(0)
        service.waiters[1].set_result(b"second")
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert service.resumed == 2 and transport.written[-1].endswith(b"second")
        protocol.connection_lost(None)

    run(main())


def test_requests_of_one_loop_turn_are_served_together_in_order() -> None:
    """Several connections' requests parsed in one turn reach ``respond_many`` in one call,
    in arrival order; each connection gets its own answer, and the next turn is new."""
    async def main() -> None:
        service = Service()
        connections = ConnectionSet()
        protocols, transports = [], []
        for _ in range(3):
            protocol = LeanHttpProtocol(service, Fallback, connections)
            transport = _Transport()
            protocol.connection_made(transport)
            protocols.append(protocol)
            transports.append(transport)
        for index, protocol in enumerate(protocols):
            protocol.data_received(get(f"/api/r{index}"))
        assert service.turns == [] and all(t.written == [] for t in transports)
        await asyncio.sleep(0)
        assert service.turns == [["/api/r0", "/api/r1", "/api/r2"]]
        for index, transport in enumerate(transports):
            assert len(transport.written) == 1
            assert json.loads(transport.written[0].partition(b"\r\n\r\n")[2])["path"] \
                == f"/api/r{index}"
        protocols[1].data_received(get("/api/again"))
        await asyncio.sleep(0)
        assert service.turns[1:] == [["/api/again"]]
        assert len(transports[1].written) == 2
        for protocol in protocols:
            protocol.connection_lost(None)

    run(main())


def test_input_from_a_connection_lost_before_its_turn_is_not_served() -> None:
    """A request whose connection dropped before the turn's callback is not started: no
    command runs for a client that is gone (once started, it runs to its end)."""
    async def main() -> None:
        service = Service()
        connections = ConnectionSet()
        gone, stays = (LeanHttpProtocol(service, Fallback, connections) for _ in range(2))
        transports = [_Transport(), _Transport()]
        for protocol, transport in zip((gone, stays), transports):
            protocol.connection_made(transport)
        gone.data_received(get("/api/gone"))
        stays.data_received(get("/api/stays"))
        gone.connection_lost(None)
        await asyncio.sleep(0)
        assert service.turns == [["/api/stays"]]
        assert transports[0].written == [] and len(transports[1].written) == 1
        stays.connection_lost(None)

    run(main())


def test_a_failing_turn_answers_every_request_in_it() -> None:
    """A bug in ``respond_many`` answers each request of the turn with the service's 500
    and leaves the connections usable."""
    async def main() -> None:
        service = Service()
        connections = ConnectionSet()
        pairs = []
        for path in ("/api/ok", "/api/bug-in-turn"):
            protocol = LeanHttpProtocol(service, Fallback, connections)
            transport = _Transport()
            protocol.connection_made(transport)
            protocol.data_received(get(path))
            pairs.append((protocol, transport))
        await asyncio.sleep(0)
        for _, transport in pairs:
            assert transport.written[0].startswith(b"HTTP/1.1 500 ")
            assert transport.written[0].endswith(b'{"error":"system"}')
        protocol, transport = pairs[0]
        protocol.data_received(get("/api/fine"))
        await asyncio.sleep(0)
        assert transport.written[1].startswith(b"HTTP/1.1 200 ")
        for protocol, _ in pairs:
            protocol.connection_lost(None)

    run(main())


def test_connections_of_one_set_share_one_service() -> None:
    async def main() -> None:
        connections = ConnectionSet()
        first = LeanHttpProtocol(Service(), Fallback, connections)
        first.connection_made(_Transport())
        other = LeanHttpProtocol(Service(), Fallback, connections)
        with pytest.raises(ValueError):
            other.connection_made(_Transport())
        first.connection_lost(None)

    run(main())
