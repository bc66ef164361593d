"""``openbourse bench server``: REST order round trips and WebSocket fan-out over loopback.

(a) N concurrent signed clients loop place-order + cancel-order on one symbol (orders/s,
p50/p99 per request), then the same clients hit ``GET /api/v2/public/time``; the ratio
of the two request rates says how much of the web tier's budget an order costs.
(b) S subscribers on ``books`` + ``trade`` of one symbol while a separate process drives
orders that rest, cancel and trade; messages/s delivered, first without and then with a
deliberately slow subscriber, whose drop must not lower the others' rate.

The HTTP client is a minimal keep-alive HTTP/1.1 client (a general-purpose Python
client would saturate before the server does).  Everything is loopback only, bounded by
``--duration`` and ``--max-requests``; without ``--url`` a throwaway server is started
in a subprocess (rate limits and market makers off) and stopped afterwards.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import re
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import urlsplit

import orjson

from ..adapters.api.auth import sign

__all__ = ["register", "run_bench"]


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


def _pct(values: List[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _summary(count: int, elapsed: float, lat: List[float], errors: int) -> Dict[str, Any]:
    return {"requests": count, "per_s": round(count / elapsed, 1) if elapsed else 0.0,
            "p50_ms": round(_pct(lat, 0.50) * 1000, 2), "p99_ms": round(_pct(lat, 0.99) * 1000, 2),
            "errors": errors}


async def _order_price(host: str, port: int, symbol: str) -> Tuple[str, str]:
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
    price, size = await _order_price(host, port, symbol)
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
    time_lat: List[float] = []

    async def poller() -> None:
        http = RawHttp(host, port)
        deadline = time.perf_counter() + duration
        count = 0
        while time.perf_counter() < deadline and count < max_requests // clients:
            t0 = time.perf_counter()
            status, _ = await http.request("GET", "/api/v2/public/time")
            time_lat.append(time.perf_counter() - t0)
            count += 1
        http.close()

    started = time.perf_counter()
    await asyncio.gather(*(poller() for _ in range(clients)))
    time_elapsed = time.perf_counter() - started
    place = _summary(len(place_lat), order_elapsed, place_lat, errors[0])
    cancel = _summary(len(cancel_lat), order_elapsed, cancel_lat, 0)
    public = _summary(len(time_lat), time_elapsed, time_lat, 0)
    requests_per_s = (len(place_lat) + len(cancel_lat)) / order_elapsed if order_elapsed else 0
    return {"clients": clients, "orders_per_s": place["per_s"], "place": place, "cancel": cancel,
            "public_time": public,
            "ratio_signed_requests_to_public": round(requests_per_s / public["per_s"], 3)
            if public["per_s"] else None}


def _drive_orders(url: str, creds: Dict[str, str], symbol: str, duration: float,
                  workers: int) -> None:
    """Child process: rest, cross and cancel orders so books and trades keep changing."""
    asyncio.run(_order_flow(url, creds, symbol, duration, workers))


async def _order_flow(url: str, creds: Dict[str, str], symbol: str, duration: float,
                      workers: int) -> None:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    price, size = await _order_price(host, port, symbol)
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


async def _subscriber(url: str, symbol: str, counts: List[int], index: int, delay: float,
                      stop: asyncio.Event, dropped: List[int]) -> None:
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    args = [{"instType": "SPOT", "channel": ch, "instId": symbol} for ch in ("books", "trade")]
    try:
        async with connect(url, compression=None, max_queue=64, ping_interval=None) as ws:
            await ws.send(orjson.dumps({"op": "subscribe", "args": args}).decode())
            while not stop.is_set():
                try:
                    message = await asyncio.wait_for(ws.recv(), timeout=0.5)
                except asyncio.TimeoutError:
                    continue
                if message.startswith('{"action"'):
                    counts[index] += 1
                if delay:
                    await asyncio.sleep(delay)
    except ConnectionClosed:
        dropped.append(index)


async def fanout_phase(url: str, creds: Dict[str, str], symbol: str, subscribers: int,
                       duration: float, slow: bool, workers: int) -> Dict[str, Any]:
    """(b) messages/s delivered to ``subscribers`` while a child process drives orders."""
    ws_url = url.replace("http://", "ws://") + "/v2/ws/public"
    total = subscribers + (1 if slow else 0)
    counts = [0] * total
    dropped: List[int] = []
    stop = asyncio.Event()
    tasks = [asyncio.create_task(_subscriber(ws_url, symbol, counts, i,
                                             0.05 if slow and i == subscribers else 0.0,
                                             stop, dropped)) for i in range(total)]
    await asyncio.sleep(1.0)  # connected and subscribed (snapshots received)
    ctx = multiprocessing.get_context("spawn")
    driver = ctx.Process(target=_drive_orders, args=(url, creds, symbol, duration + 1, workers))
    driver.start()
    await asyncio.sleep(0.5)
    start_counts = list(counts)
    started = time.perf_counter()
    await asyncio.sleep(duration)
    elapsed = time.perf_counter() - started
    delivered = [counts[i] - start_counts[i] for i in range(subscribers)]
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    driver.join(duration + 30)
    result = {"subscribers": subscribers, "seconds": round(elapsed, 2),
              "messages_per_s": round(sum(delivered) / elapsed, 1),
              "per_subscriber_per_s": {"min": round(min(delivered) / elapsed, 1),
                                       "median": round(_pct(delivered, 0.5) / elapsed, 1),
                                       "max": round(max(delivered) / elapsed, 1)},
              "fast_subscribers_dropped": len([i for i in dropped if i < subscribers])}
    if slow:
        result["slow_subscriber_dropped"] = subscribers in dropped
    return result


def _wait_listening(port: int, deadline: float) -> None:
    """The credentials print during lifespan start-up, before uvicorn binds the port."""
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the server never started listening")


def _start_server(data_dir: str, port: int) -> Tuple[subprocess.Popen, Dict[str, str]]:
    cmd = [sys.executable, "-m", "openbourse.runtime.cli", "serve", "--host", "127.0.0.1",
           "--port", str(port), "--data-dir", data_dir, "--no-rate-limit", "--no-market-makers"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    deadline = time.monotonic() + 60
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith('{"apiKey"'):
            _wait_listening(port, deadline)
            return proc, json.loads(line)
    proc.kill()
    raise RuntimeError("the server did not print its demo credentials")


async def run_bench(args: argparse.Namespace, url: str, creds: Dict[str, str]) -> Dict[str, Any]:
    report: Dict[str, Any] = {"url": url, "symbol": args.symbol}
    report["rest"] = await rest_phase(url, creds, args.symbol, args.clients, args.duration,
                                      args.max_requests)
    report["ws_fanout"] = await fanout_phase(url, creds, args.symbol, args.subscribers,
                                             args.ws_duration, False, args.workers)
    report["ws_fanout_with_slow_subscriber"] = await fanout_phase(
        url, creds, args.symbol, args.subscribers, args.ws_duration, True, args.workers)
    base = report["ws_fanout"]["messages_per_s"]
    with_slow = report["ws_fanout_with_slow_subscriber"]["messages_per_s"]
    report["slow_subscriber_effect"] = round(with_slow / base, 3) if base else None
    return report


def cmd_bench_server(args: argparse.Namespace) -> int:
    if args.url and urlsplit(args.url).hostname not in ("127.0.0.1", "localhost", "::1"):
        print("error: bench server only targets loopback", file=sys.stderr)
        return 2
    proc: Optional[subprocess.Popen] = None
    tmp: Optional[tempfile.TemporaryDirectory] = None
    if args.url:
        if not args.credentials:
            print("error: --url needs --credentials FILE", file=sys.stderr)
            return 2
        url = args.url.rstrip("/")
        with open(args.credentials) as handle:
            creds = json.load(handle)
    else:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        tmp = tempfile.TemporaryDirectory(prefix="openbourse-bench-")
        proc, creds = _start_server(args.data_dir or tmp.name, port)
        url = f"http://127.0.0.1:{port}"
    try:
        report = asyncio.run(run_bench(args, url, creds))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(30)
        if tmp is not None:
            tmp.cleanup()
    print(json.dumps(report, indent=None if args.json else 2))
    return 0


def register(subparsers: Any) -> None:
    """Add ``bench server`` to the CLI's ``bench`` subcommands."""
    p = subparsers.add_parser("server", help="REST order round trips and WS fan-out (loopback)")
    p.add_argument("--url", help="target a running server (loopback) instead of starting one")
    p.add_argument("--credentials", help="JSON file with apiKey/secretKey/passphrase (with --url)")
    p.add_argument("--data-dir", help="data dir for the server started by the bench")
    p.add_argument("--symbol", default="BTCUSDT")
    p.add_argument("--clients", type=int, default=32, help="concurrent signed REST clients")
    p.add_argument("--duration", type=float, default=10.0, help="seconds per REST phase")
    p.add_argument("--max-requests", type=int, default=200_000, help="cap per REST phase")
    p.add_argument("--subscribers", type=int, default=200, help="WebSocket subscribers")
    p.add_argument("--ws-duration", type=float, default=5.0, help="seconds per fan-out phase")
    p.add_argument("--workers", type=int, default=8, help="order-flow connections in phase (b)")
    p.add_argument("--json", action="store_true", help="one-line JSON output")
    p.set_defaults(func=cmd_bench_server)
