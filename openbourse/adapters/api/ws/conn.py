"""One WebSocket client: a bounded outbound queue drained by its own writer task.

Pushes never await: the gateway's fan-out calls ``push`` synchronously, and a client whose
queue is full is a slow consumer that gets disconnected (close code 1008) instead of
making everyone else wait or growing memory without bound.
"""
from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any, Deque, Optional, Set, Tuple

from starlette.websockets import WebSocket

__all__ = ["Connection"]

CLOSE_SLOW = 1008  # policy violation: the client does not read fast enough
CLOSE_ABUSE = 1008


class Connection:
    """State of one socket: queue, login, subscriptions and a simple inbound rate counter."""

    def __init__(self, ws: WebSocket, *, private: bool, max_queue: int = 2048,
                 max_inbound_per_s: int = 50) -> None:
        self.ws = ws
        self.private = private
        self.user: Optional[int] = None
        self.public_subs: Set[Tuple[Any, str]] = set()
        self.private_subs: Set[Tuple[str, str, str]] = set()  # (channel, filter, arg_json)
        self.closed = False
        self.close_reason = ""
        self._queue: Deque[str] = deque()
        self._max_queue = max_queue
        self._wake = asyncio.Event()
        self._writer: Optional[asyncio.Task] = None
        self._closer: Optional[asyncio.Task] = None
        self._window_start = 0.0
        self._window_count = 0
        self._max_inbound = max_inbound_per_s
        self.sent = 0

    def start(self) -> None:
        self._writer = asyncio.get_running_loop().create_task(self._write_loop())

    def push(self, frame: str) -> bool:
        """Queue a frame; on overflow disconnect this client (never block the caller)."""
        if self.closed:
            return False
        if len(self._queue) >= self._max_queue:
            self.kill(CLOSE_SLOW, "slow consumer: outbound queue overflow")
            return False
        self._queue.append(frame)
        if len(self._queue) == 1:
            self._wake.set()
        return True

    def inbound_ok(self) -> bool:
        """False when the client sends more frames per second than allowed."""
        now = time.monotonic()
        if now - self._window_start >= 1.0:
            self._window_start = now
            self._window_count = 0
        self._window_count += 1
        return self._window_count <= self._max_inbound

    def kill(self, code: int, reason: str) -> None:
        """Stop sending and close the socket in the background."""
        if self.closed:
            return
        self.closed = True
        self.close_reason = reason
        self._queue.clear()
        if self._writer is not None:
            self._writer.cancel()
        self._closer = asyncio.get_running_loop().create_task(self._close(code, reason))

    async def _close(self, code: int, reason: str) -> None:
        try:
            await asyncio.wait_for(self.ws.close(code=code, reason=reason[:120]), timeout=2.0)
        except Exception:  # noqa: BLE001  (the peer may be gone already)
            pass

    async def stop(self) -> None:
        """Stop the writer and finish a pending close (so the close frame goes out first)."""
        self.closed = True
        if self._writer is not None:
            self._writer.cancel()
            try:
                await self._writer
            except BaseException:  # noqa: BLE001
                pass
        if self._closer is not None:
            await self._closer

    async def _write_loop(self) -> None:
        """Send queued frames in order.  Uses the raw ASGI ``send`` when Starlette exposes it
        (skipping its per-call state bookkeeping matters at tens of thousands of sends/s)."""
        queue = self._queue
        raw_send = getattr(self.ws, "_send", None)
        send_text = self.ws.send_text
        try:
            while True:
                if not queue:
                    self._wake.clear()
                    await self._wake.wait()
                    continue
                frame = queue.popleft()
                if raw_send is not None:
                    await raw_send({"type": "websocket.send", "text": frame})
                else:
                    await send_text(frame)
                self.sent += 1
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001  (socket closed under us)
            self.closed = True
