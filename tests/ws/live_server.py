"""A real openbourse server on a free loopback port, run in a background thread for tests."""
from __future__ import annotations

import asyncio
import socket
import threading
import time
from pathlib import Path
from typing import Any, Optional

import uvicorn

from openbourse.runtime.config import Config
from openbourse.runtime.node import Node
from openbourse.runtime.server import build_app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """``with LiveServer(tmp_path) as server:`` → ``server.url``, ``server.ws_url``,
    ``server.app``."""

    def __init__(self, data_dir: Path, *, market_makers: bool = True, seed: int = 3) -> None:
        self.port = free_port()
        self.config = Config(data_dir=data_dir, port=self.port, market_makers=market_makers,
                             rate_limit_scale=0, seed=seed)
        self.node: Optional[Node] = None
        self.app: Any = None
        self._server: Optional[uvicorn.Server] = None
        self._thread: Optional[threading.Thread] = None
        self._ready = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/v2/ws"

    def __enter__(self) -> "LiveServer":
        self.node = Node(self.config).open()
        self.node.start()
        self.app = build_app(self.node, on_ready=lambda app: self._ready.set())
        # WebSocket settings as ``openbourse serve`` (no permessage-deflate), so ccxt.pro
        # exercises the raw-frame write path of ``ws.conn``
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning",
                                ws_max_size=64 * 1024, lifespan="on",
                                ws_per_message_deflate=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not (self._ready.is_set() and self._server.started):
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: Any) -> None:
        assert self._server is not None and self._thread is not None and self.node is not None
        self._server.should_exit = True
        self._thread.join(30)
        self.node.close()

    def call(self, coro: Any) -> Any:
        """Run a coroutine on the server's own loop (for reaching into the app in tests)."""
        loop = self._server_loop()
        return asyncio.run_coroutine_threadsafe(coro, loop).result(30)

    def _server_loop(self) -> asyncio.AbstractEventLoop:
        assert self.app is not None
        return self.app.gateway._loop  # noqa: SLF001  (bound by gateway.start)
