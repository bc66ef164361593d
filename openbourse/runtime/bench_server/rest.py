"""(a) REST: signed place+cancel round trips and the public time endpoint, same clients.

A minimal keep-alive HTTP/1.1 client, because a general-purpose Python client saturates
before the server does and would measure itself (client and server share the machine).
"""
from __future__ import annotations

import asyncio
import re
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple, TypeVar
from urllib.parse import urlsplit

import orjson

from ...adapters.api.auth import sign

__all__ = ["RawHttp", "Signer", "rest_phase", "public_phase", "order_price", "pct", "run_client"]

T = TypeVar("T")


def run_client(coro: Awaitable[T]) -> T:
    """Run the load generator on uvloop when it is installed (as the server is): the
    client shares the machine's two cores with the server it measures, and on asyncio's
    own loop it spent 1.4-2x the CPU per request (38-47 against 19-27 us on public/time)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)  # type: ignore[arg-type]
    return uvloop.run(coro)  # type: ignore[no-any-return]


class _Reader(asyncio.Protocol):
    """Collects one Content-Length framed response at a time for ``RawHttp``."""

    def __init__(self) -> None:
        self.buf = b""
        self.waiter: Optional[asyncio.Future] = None
        self.transport: Any = None
        self.lost: Optional[BaseException] = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buf = self.buf + data if self.buf else data
        waiter = self.waiter
        if waiter is None or waiter.done():
            return
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return
        match = _LENGTH.search(self.buf, 0, end)
        total = end + 4 + (int(match.group(1)) if match else 0)
        if len(self.buf) < total:
            return
        reply, self.buf = self.buf[:total], self.buf[total:]
        self.waiter = None
        waiter.set_result((int(reply[9:12]), reply[end + 4:]))

    def connection_lost(self, exc: Optional[BaseException]) -> None:
        self.lost = exc or ConnectionResetError("connection closed by the server")
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(self.lost)


_LENGTH = re.compile(rb"(?i)\r\ncontent-length:[ \t]*(\d+)")


class RawHttp:
    """One keep-alive HTTP/1.1 connection; responses must carry Content-Length.

    An ``asyncio.Protocol`` rather than streams: one write and one future per request,
    so the load generator spends as little of the shared CPU as it can."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.protocol: Optional[_Reader] = None
        self._host_line = f"Host: {host}\r\n"

    async def request(self, method: str, path: str, headers: Dict[str, str] = {},
                      body: bytes = b"") -> Tuple[int, bytes]:
        protocol = self.protocol
        if protocol is None or protocol.lost is not None:
            loop = asyncio.get_running_loop()
            _, protocol = await loop.create_connection(_Reader, self.host, self.port)
            self.protocol = protocol
        head = f"{method} {path} HTTP/1.1\r\n{self._host_line}" + "".join(
            f"{k}: {v}\r\n" for k, v in headers.items()) + f"Content-Length: {len(body)}\r\n\r\n"
        waiter = protocol.waiter = asyncio.get_running_loop().create_future()
        protocol.transport.write(head.encode() + body)
        return await waiter

    def close(self) -> None:
        if self.protocol is not None and self.protocol.transport is not None:
            self.protocol.transport.close()


class Signer:
    """Signs as ccxt does.  Identical requests (same path and body) signed in the same
    millisecond get distinct timestamps: the server refuses a replayed signature."""

    def __init__(self, creds: Dict[str, str]) -> None:
        self.key, self.secret = creds["apiKey"], creds["secretKey"]
        self.phrase = creds["passphrase"]
        self._last: Dict[str, int] = {}  # prehash tail -> last timestamp used

    def _stamp(self, tail: str) -> int:
        now = time.time_ns() // 1_000_000
        last = self._last.get(tail, 0)
        stamp = now if now > last else last + 1
        if len(self._last) > 4096:
            self._last = {k: v for k, v in self._last.items() if v >= now}
        self._last[tail] = stamp
        return stamp

    def post(self, path: str, payload: Dict[str, Any]) -> Tuple[Dict[str, str], bytes]:
        body = orjson.dumps(payload)
        tail = "POST" + path + body.decode()
        ts = str(self._stamp(tail))
        return {"ACCESS-KEY": self.key, "ACCESS-TIMESTAMP": ts, "ACCESS-PASSPHRASE": self.phrase,
                "ACCESS-SIGN": sign(self.secret, ts + tail),
                "Content-Type": "application/json"}, body


def pct(values: List[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _summary(count: int, elapsed: float, lat: List[float], errors: int) -> Dict[str, Any]:
    return {"requests": count, "per_s": round(count / elapsed, 1) if elapsed else 0.0,
            "p50_ms": round(pct(lat, 0.50) * 1000, 2), "p99_ms": round(pct(lat, 0.99) * 1000, 2),
            "errors": errors}


async def order_price(host: str, port: int, symbol: str) -> Tuple[str, str]:
    """A resting buy price well below the market (inside the ±20 % band) and a size."""
    http = RawHttp(host, port)
    _, body = await http.request("GET", f"/api/v2/spot/market/tickers?symbol={symbol}")
    http.close()
    last = float((orjson.loads(body)["data"] or [{}])[0].get("lastPr") or 0) or 1000.0
    price = round(last * 0.85, 2)
    size = max(0.0001, round(2.0 / price + 0.00005, 4))
    return f"{price:.2f}", f"{size:.4f}"


async def rest_phase(url: str, creds: Dict[str, str], symbol: str, clients: int,
                     duration: float, max_requests: int,
                     server_cpu: Optional[Callable[[], float]] = None) -> Dict[str, Any]:
    """(a) place+cancel round trips, then public time requests, same concurrency.

    ``server_cpu`` (seconds of CPU the server process has used so far, when the bench
    knows the process) adds what each request cost the server and how many cores it used:
    on a shared machine, whether a slow run got less CPU or paid more per request."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    price, size = await order_price(host, port, symbol)
    signer = Signer(creds)
    place_lat: List[float] = []
    cancel_lat: List[float] = []
    errors = [0]
    budget = [max_requests]

    async def trader(index: int) -> None:
        http = RawHttp(host, port)
        # each client its own size, so no two clients sign the same request body
        own_size = f"{float(size) + index * 0.0001:.4f}"
        deadline = time.perf_counter() + duration
        while time.perf_counter() < deadline and budget[0] > 0:
            budget[0] -= 2
            headers, body = signer.post("/api/v2/spot/trade/place-order", {
                "symbol": symbol, "side": "buy", "orderType": "limit", "force": "gtc",
                "price": price, "size": own_size})
            t0 = time.perf_counter()
            status, raw = await http.request("POST", "/api/v2/spot/trade/place-order", headers,
                                             body)
            t1 = time.perf_counter()
            reply = orjson.loads(raw)
            if status != 200 or reply.get("code") != "00000":
                errors[0] += 1
                continue
            place_lat.append(t1 - t0)
            headers, body = signer.post("/api/v2/spot/trade/cancel-order", {
                "symbol": symbol, "orderId": reply["data"]["orderId"]})
            status, raw = await http.request("POST", "/api/v2/spot/trade/cancel-order", headers,
                                             body)
            cancel_lat.append(time.perf_counter() - t1)
            errors[0] += status != 200
        http.close()

    cpu = server_cpu or (lambda: 0.0)
    cpu_start, started = cpu(), time.perf_counter()
    await asyncio.gather(*(trader(index) for index in range(clients)))
    order_elapsed = time.perf_counter() - started
    order_cpu = cpu() - cpu_start
    cpu_start = cpu()
    public = await public_phase(host, port, clients, duration, max_requests)
    public_cpu = cpu() - cpu_start
    place = _summary(len(place_lat), order_elapsed, place_lat, errors[0])
    cancel = _summary(len(cancel_lat), order_elapsed, cancel_lat, 0)
    requests_per_s = (len(place_lat) + len(cancel_lat)) / order_elapsed if order_elapsed else 0
    report = {"clients": clients, "orders_per_s": place["per_s"], "place": place,
              "cancel": cancel, "public_time": public,
              "ratio_orders_to_public": round(place["per_s"] / public["per_s"], 3)
              if public["per_s"] else None,
              "ratio_signed_requests_to_public": round(requests_per_s / public["per_s"], 3)
              if public["per_s"] else None}
    if server_cpu is not None and place_lat and public["requests"]:
        order_us = order_cpu / len(place_lat) * 1e6  # one place plus its cancel
        public_us = public_cpu / public["requests"] * 1e6
        report["server_cpu"] = {
            "us_per_order": round(order_us, 1),
            "us_per_public_request": round(public_us, 1),
            "cores_used": round(order_cpu / order_elapsed, 2),
            "orders_per_cpu_s": round(1e6 / order_us) if order_us else None,
            "ratio_orders_to_public": round(public_us / order_us, 3) if order_us else None,
        }
    return report


async def public_phase(host: str, port: int, clients: int, duration: float,
                       max_requests: int) -> Dict[str, Any]:
    """``GET /api/v2/public/time`` from the same number of keep-alive clients."""
    latencies: List[float] = []

    async def poller() -> None:
        http = RawHttp(host, port)
        deadline = time.perf_counter() + duration
        count = 0
        while time.perf_counter() < deadline and count < max_requests // clients:
            t0 = time.perf_counter()
            await http.request("GET", "/api/v2/public/time")
            latencies.append(time.perf_counter() - t0)
            count += 1
        http.close()

    started = time.perf_counter()
    await asyncio.gather(*(poller() for _ in range(clients)))
    return _summary(len(latencies), time.perf_counter() - started, latencies, 0)
