"""Fixtures: a real ``openbourse serve`` subprocess, users made with the real CLI, ccxt clients.

The server runs without market makers so every balance in these tests is the result of
the tests' own trades and can be checked to the last minor unit.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import httpx
import pytest

from openbourse.adapters.api.auth import sign

PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cli(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [PYTHON, "-m", "openbourse.runtime.cli", *args], capture_output=True, text=True, timeout=120
    )
    if check and result.returncode != 0:
        raise AssertionError(f"openbourse {' '.join(args)} failed: {result.stderr}")
    return result


class Server:
    """One ``openbourse serve`` process on a data dir (restartable on the same dir)."""

    def __init__(self, data_dir: Path, extra: Optional[List[str]] = None) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.extra = extra if extra is not None else ["--no-market-makers"]
        self.proc: Optional[subprocess.Popen] = None
        self.demo: Dict[str, str] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Server":
        self.proc = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "openbourse.runtime.cli",
                "serve",
                "--data-dir",
                str(self.data_dir),
                "--port",
                str(self.port),
                *self.extra,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert self.proc.stdout is not None
        deadline = time.monotonic() + 60
        lines = []
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise AssertionError("server exited during start-up:\n" + "".join(lines))
            lines.append(line)
            if line.startswith("{") and "apiKey" in line:
                self.demo = json.loads(line)
                return self
        raise AssertionError("server did not start:\n" + "".join(lines))

    def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout=60)
        self.proc = None
        return code

    def user(
        self, email: str, funds: Dict[str, str], perms: str = "read,trade,transfer"
    ) -> Dict[str, str]:
        """Create a user, fund it and mint a key, all through the CLI against this server."""
        d = ["--data-dir", str(self.data_dir)]
        cli("users", "create", email, "--password", "correct-horse-1", *d)
        for asset, amount in funds.items():
            cli("deposit", email, asset, amount, *d)
        creds = json.loads(cli("keys", "create", email, "--perm", perms, "--json", *d).stdout)
        creds["email"] = email
        return creds


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("node")).start()
    yield srv
    if srv.proc is not None:
        srv.stop()


_counter = [0]


@pytest.fixture
def make_user(server: Server):
    def make(
        funds: Optional[Dict[str, str]] = None, perms: str = "read,trade,transfer"
    ) -> Dict[str, str]:
        _counter[0] += 1
        email = f"user{_counter[0]}-{os.getpid()}@test.io"
        return server.user(
            email, funds if funds is not None else {"USDT": "100000", "BTC": "2"}, perms
        )

    return make


def ccxt_client(url: str, creds: Optional[Dict[str, str]] = None, pro: bool = False) -> Any:
    import ccxt
    import ccxt.pro

    config: Dict[str, Any] = {"enableRateLimit": False}
    if creds:
        config.update(
            apiKey=creds["apiKey"], secret=creds["secretKey"], password=creds["passphrase"]
        )
    ex = (ccxt.pro.bitget if pro else ccxt.bitget)(config)
    for name, value in list(ex.urls["api"].items()):
        if isinstance(value, str):
            ex.urls["api"][name] = url
    if pro:
        ws = url.replace("http://", "ws://")
        ex.urls["api"]["ws"]["public"] = ws + "/v2/ws/public"
        ex.urls["api"]["ws"]["private"] = ws + "/v2/ws/private"
    ex.options["uta"] = False
    return ex


class Raw:
    """A hand-rolled signed client, for the requests ccxt would never send."""

    def __init__(self, url: str, creds: Optional[Dict[str, str]] = None) -> None:
        self.url = url
        self.creds = creds
        self.http = httpx.Client(base_url=url, timeout=30)

    def headers(
        self,
        method: str,
        path: str,
        query: str = "",
        body: str = "",
        ts: Optional[str] = None,
        secret: Optional[str] = None,
        passphrase: Optional[str] = None,
    ) -> Dict[str, str]:
        assert self.creds is not None
        ts = ts or str(int(time.time() * 1000))
        prehash = ts + method + path + (("?" + query) if query else "") + body
        return {
            "ACCESS-KEY": self.creds["apiKey"],
            "ACCESS-SIGN": sign(secret or self.creds["secretKey"], prehash),
            "ACCESS-TIMESTAMP": ts,
            "ACCESS-PASSPHRASE": passphrase or self.creds["passphrase"],
            "Content-Type": "application/json",
        }

    def get(self, path: str, query: str = "", signed: bool = True, **kw: Any) -> httpx.Response:
        headers = self.headers("GET", path, query, **kw) if signed else {}
        return self.http.get(path + ("?" + query if query else ""), headers=headers)

    def post(self, path: str, body: Any, signed: bool = True, **kw: Any) -> httpx.Response:
        text = body if isinstance(body, str) else json.dumps(body, separators=(",", ":"))
        headers = self.headers("POST", path, "", text, **kw) if signed else {}
        return self.http.post(path, content=text.encode(), headers=headers)


@pytest.fixture
def raw(server: Server):
    def make(creds: Optional[Dict[str, str]] = None) -> Raw:
        return Raw(server.url, creds)

    return make
