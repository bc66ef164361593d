"""``openbourse bench server``: REST order round trips and WebSocket fan-out over loopback.

(a) N concurrent signed clients loop place-order + cancel-order on one symbol (orders/s,
p50/p99 per request), then the same clients hit ``GET /api/v2/public/time``; the ratio
of the two request rates says how much of the web tier's budget an order costs.
(b) S subscribers on ``books`` + ``trade`` of one symbol while a separate process drives
orders that rest, cancel and trade; messages/s delivered, first without and then with a
deliberately slow subscriber that stops reading, which must not lower the others' rate.

When the bench starts the server itself it also reads the server process's CPU time
around each REST phase (``rest.server_cpu``): the CPU one order (place + cancel) and one
``public/time`` request cost, their ratio, and the cores the server used.  On a shared
machine this tells a run that got less CPU from a run whose every request cost more.
When the data dir is known (the bench started the server, or ``--data-dir``), ``disk_sync``
reports what one journal fsync cost on its disk just before the REST phase
(``openbourse/journal/sync_probe.py``): every order waits for two of them.

The HTTP client is a minimal keep-alive HTTP/1.1 client (a general-purpose Python
client would saturate before the server does).  Everything is loopback only, bounded by
``--duration`` and ``--max-requests``; without ``--url`` a throwaway server is started
in a subprocess (rate limits and market makers off) and stopped afterwards.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any, Callable, Dict, Optional, Tuple
from urllib.parse import urlsplit

from ...journal.sync_probe import probe_disk_sync
from .fanout import fanout_phase
from .rest import rest_phase, run_client

__all__ = ["register", "run_bench"]


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


def process_cpu(pid: int) -> Optional[Callable[[], float]]:
    """A reader of the CPU seconds (user + system, all threads) process ``pid`` has used,
    from /proc; None where there is no /proc."""
    path = f"/proc/{pid}/stat"
    if not os.path.exists(path):
        return None
    ticks = os.sysconf("SC_CLK_TCK")

    def read() -> float:
        with open(path) as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime

    return read


async def run_bench(args: argparse.Namespace, url: str, creds: Dict[str, str],
                    server_cpu: Optional[Callable[[], float]] = None,
                    data_dir: Optional[str] = None) -> Dict[str, Any]:
    report: Dict[str, Any] = {"url": url, "symbol": args.symbol}
    if data_dir is not None:
        report["disk_sync"] = probe_disk_sync(data_dir)
    report["rest"] = await rest_phase(url, creds, args.symbol, args.clients, args.duration,
                                      args.max_requests, server_cpu)
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
    data_dir: Optional[str] = args.data_dir
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
        data_dir = args.data_dir or tmp.name
        proc, creds = _start_server(data_dir, port)
        url = f"http://127.0.0.1:{port}"
    try:
        server_cpu = process_cpu(proc.pid) if proc is not None else None
        report = run_client(run_bench(args, url, creds, server_cpu, data_dir))
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
