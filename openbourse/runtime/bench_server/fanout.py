"""(b) WebSocket fan-out: S subscribers on ``books`` + ``trade`` while orders flow.

Orders come from a separate (spawned) process so the load generator does not share a
GIL with the counting clients; the counting clients are raw asyncio protocols.
"""
from __future__ import annotations

import asyncio
import multiprocessing
import time
from typing import Any, Dict, Optional
from urllib.parse import urlsplit

import orjson

from .rest import RawHttp, Signer, order_price, pct, run_client

__all__ = ["WsCounter", "fanout_phase"]


def _drive_orders(url: str, creds: Dict[str, str], symbol: str, duration: float,
                  workers: int) -> None:
    """Child process: rest, cross and cancel orders so books and trades keep changing."""
    run_client(_order_flow(url, creds, symbol, duration, workers))


async def _order_flow(url: str, creds: Dict[str, str], symbol: str, duration: float,
                      workers: int) -> None:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    price, size = await order_price(host, port, symbol)
    base = float(price) / 0.85
    signer = Signer(creds)

    async def worker(index: int) -> None:
        http = RawHttp(host, port)
        deadline = time.perf_counter() + duration
        step = 0
        while time.perf_counter() < deadline:
            step += 1
            px = f"{base * (1 + ((step * 7 + index) % 40 - 20) / 10_000):.2f}"
            for side, force in (("sell", "gtc"), ("buy", "ioc"), ("buy", "gtc")):
                headers, body = signer.post("/api/v2/spot/trade/place-order", {
                    "symbol": symbol, "side": side, "orderType": "limit", "force": force,
                    "price": px if side == "sell" or force == "ioc" else f"{float(px) * 0.999:.2f}",
                    "size": size})
                _, raw = await http.request("POST", "/api/v2/spot/trade/place-order", headers, body)
            data = orjson.loads(raw).get("data") or {}
            if data.get("orderId"):
                headers, body = signer.post("/api/v2/spot/trade/cancel-order", {
                    "symbol": symbol, "orderId": data["orderId"]})
                await http.request("POST", "/api/v2/spot/trade/cancel-order", headers, body)
        http.close()

    await asyncio.gather(*(worker(i) for i in range(workers)))


class WsCounter(asyncio.Protocol):
    """Minimal WebSocket client that counts push frames without a task wake-up per message.

    A general-purpose client library tops out at a few thousand messages per second per
    process, which would measure the bench instead of the server.  Server frames are
    unmasked; the one frame we send (subscribe) is masked with a zero key, as allowed.
    """

    def __init__(self, request: bytes, subscribe: bytes, stall: bool) -> None:
        self.request, self.subscribe, self.stall = request, subscribe, stall
        self.buffer = bytearray()
        self.upgraded = False
        self.pushes = 0
        self.closed = asyncio.get_running_loop().create_future()
        self.transport: Any = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.upgraded:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            del self.buffer[:end + 4]
            self.upgraded = True
            self.transport.write(_client_frame(self.subscribe))
            if self.stall:  # the deliberately slow subscriber: stop reading entirely
                self.transport.pause_reading()
        self._parse()

    def _parse(self) -> None:
        buf, pos = self.buffer, 0
        while len(buf) - pos >= 2:
            opcode, length, head = buf[pos] & 0x0F, buf[pos + 1] & 0x7F, 2
            if length == 126:
                if len(buf) - pos < 4:
                    break
                length, head = int.from_bytes(buf[pos + 2:pos + 4], "big"), 4
            elif length == 127:
                if len(buf) - pos < 10:
                    break
                length, head = int.from_bytes(buf[pos + 2:pos + 10], "big"), 10
            if len(buf) - pos < head + length:
                break
            if opcode == 1 and buf[pos + head:pos + head + 9] == b'{"action"':
                self.pushes += 1
            elif opcode == 8:
                self.transport.close()
            pos += head + length
        del buf[:pos]

    def connection_lost(self, exc: Optional[BaseException]) -> None:
        if not self.closed.done():
            self.closed.set_result(True)


def _client_frame(payload: bytes) -> bytes:
    """A masked text frame with a zero masking key (payload bytes unchanged)."""
    n = len(payload)
    head = bytes([0x81, 0x80 | n]) if n < 126 else bytes([0x81, 0x80 | 126]) + n.to_bytes(2, "big")
    return head + b"\x00\x00\x00\x00" + payload


async def _connect_counter(host: str, port: int, symbol: str, stall: bool) -> WsCounter:
    args = [{"instType": "SPOT", "channel": ch, "instId": symbol} for ch in ("books", "trade")]
    request = (f"GET /v2/ws/public HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n").encode()
    subscribe = orjson.dumps({"op": "subscribe", "args": args})
    loop = asyncio.get_running_loop()
    _, proto = await loop.create_connection(lambda: WsCounter(request, subscribe, stall),
                                            host, port)
    return proto


async def fanout_phase(url: str, creds: Dict[str, str], symbol: str, subscribers: int,
                       duration: float, slow: bool, workers: int) -> Dict[str, Any]:
    """(b) messages/s delivered to ``subscribers`` while a child process drives orders."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    clients = [await _connect_counter(host, port, symbol, False) for _ in range(subscribers)]
    slow_client = await _connect_counter(host, port, symbol, True) if slow else None
    await asyncio.sleep(1.0)  # subscribed, snapshots received
    ctx = multiprocessing.get_context("spawn")
    driver = ctx.Process(target=_drive_orders, args=(url, creds, symbol, duration + 1, workers))
    driver.start()
    await asyncio.sleep(0.5)
    start_counts = [c.pushes for c in clients]
    started = time.perf_counter()
    await asyncio.sleep(duration)
    elapsed = time.perf_counter() - started
    delivered = [c.pushes - n for c, n in zip(clients, start_counts)]
    dropped = [i for i, c in enumerate(clients) if c.closed.done()]
    slow_dropped = slow_client is not None and slow_client.closed.done()
    for client in clients + ([slow_client] if slow_client else []):
        client.transport.close()
    driver.join(duration + 30)
    result = {"subscribers": subscribers, "seconds": round(elapsed, 2),
              "messages_per_s": round(sum(delivered) / elapsed, 1),
              "per_subscriber_per_s": {"min": round(min(delivered) / elapsed, 1),
                                       "median": round(pct(delivered, 0.5) / elapsed, 1),
                                       "max": round(max(delivered) / elapsed, 1)},
              "fast_subscribers_dropped": len(dropped)}
    if slow:
        result["slow_subscriber_dropped"] = slow_dropped
    return result
