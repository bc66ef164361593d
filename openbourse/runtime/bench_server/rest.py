"""(a) REST: signed place+cancel round trips and the public time endpoint, same clients.

A minimal keep-alive HTTP/1.1 client, because a general-purpose Python client saturates
before the server does and would measure itself.
"""
from __future__ import annotations

import asyncio
import re
import time
from typing import Any, Dict, List, Tuple
from urllib.parse import urlsplit

import orjson

from ...adapters.api.auth import sign

__all__ = ["RawHttp", "Signer", "rest_phase", "public_phase", "order_price", "pct"]


class RawHttp:
    """One keep-alive HTTP/1.1 connection; responses must carry Content-Length."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: Any = None
        self.writer: Any = None

    async def request(self, method: str, path: str, headers: Dict[str, str] = {},
                      body: bytes = b"") -> Tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in headers.items()) + f"Content-Length: {len(body)}\r\n\r\n"
        self.writer.write(head.encode() + body)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        status = int(raw[9:12])
        match = re.search(rb"(?i)content-length:\s*(\d+)", raw)
        return status, await self.reader.readexactly(int(match.group(1)) if match else 0)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


class Signer:
    def __init__(self, creds: Dict[str, str]) -> None:
        self.key, self.secret, self.phrase = creds["apiKey"], creds["secretKey"], creds["passphrase"]

    def post(self, path: str, payload: Dict[str, Any]) -> Tuple[Dict[str, str], bytes]:
        body = orjson.dumps(payload)
        ts = str(time.time_ns() // 1_000_000)
        return {"ACCESS-KEY": self.key, "ACCESS-TIMESTAMP": ts, "ACCESS-PASSPHRASE": self.phrase,
                "ACCESS-SIGN": sign(self.secret, ts + "POST" + path + body.decode()),
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
                     duration: float, max_requests: int) -> Dict[str, Any]:
    """(a) place+cancel round trips, then public time requests, same concurrency."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    price, size = await order_price(host, port, symbol)
    signer = Signer(creds)
    place_lat: List[float] = []
    cancel_lat: List[float] = []
    errors = [0]
    budget = [max_requests]

    async def trader() -> None:
        http = RawHttp(host, port)
        deadline = time.perf_counter() + duration
        while time.perf_counter() < deadline and budget[0] > 0:
            budget[0] -= 2
            headers, body = signer.post("/api/v2/spot/trade/place-order", {
                "symbol": symbol, "side": "buy", "orderType": "limit", "force": "gtc",
                "price": price, "size": size})
            t0 = time.perf_counter()
            status, raw = await http.request("POST", "/api/v2/spot/trade/place-order", headers, body)
            t1 = time.perf_counter()
            reply = orjson.loads(raw)
            if status != 200 or reply.get("code") != "00000":
                errors[0] += 1
                continue
            place_lat.append(t1 - t0)
            headers, body = signer.post("/api/v2/spot/trade/cancel-order", {
                "symbol": symbol, "orderId": reply["data"]["orderId"]})
            status, raw = await http.request("POST", "/api/v2/spot/trade/cancel-order", headers, body)
            cancel_lat.append(time.perf_counter() - t1)
            errors[0] += status != 200
        http.close()

    started = time.perf_counter()
    await asyncio.gather(*(trader() for _ in range(clients)))
    order_elapsed = time.perf_counter() - started
    public = await public_phase(host, port, clients, duration, max_requests)
    place = _summary(len(place_lat), order_elapsed, place_lat, errors[0])
    cancel = _summary(len(cancel_lat), order_elapsed, cancel_lat, 0)
    requests_per_s = (len(place_lat) + len(cancel_lat)) / order_elapsed if order_elapsed else 0
    return {"clients": clients, "orders_per_s": place["per_s"], "place": place, "cancel": cancel,
            "public_time": public,
            "ratio_orders_to_public": round(place["per_s"] / public["per_s"], 3)
            if public["per_s"] else None,
            "ratio_signed_requests_to_public": round(requests_per_s / public["per_s"], 3)
            if public["per_s"] else None}


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
