"""One WebSocket client: a bounded outbound queue drained by its own writer task.

Pushes never await: the gateway's fan-out calls ``push`` synchronously, and a client whose
queue is full is a slow consumer that gets disconnected (close code 1008) instead of
making everyone else wait or growing memory without bound.

Fast path: when the socket is served by uvicorn's ``websockets-sansio`` protocol with no
extension negotiated (the server turns permessage-deflate off), every frame it would
write for a text message is exactly ``frames.text_frame(text)``.  The writer then takes
everything queued, joins the pre-encoded frames (a fan-out frame is encoded once for all
subscribers, ``frames.Shared``) and makes one ``transport.write`` per wake-up, instead of
one ASGI ``send`` (frame object, serialisation, syscall) per message per subscriber.  It
honours the protocol's flow control (waits while the transport is paused, so a stalled
reader still overflows its queue and is dropped) and leaves control frames (ping, pong,
close) to the protocol; frames are never fragmented, so they cannot interleave badly.
Any other server, or a compressed connection, uses the ASGI ``send`` path.
"""
from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any, Deque, Optional, Set, Tuple, Union

from starlette.websockets import WebSocket

from .frames import Shared, text_frame

__all__ = ["Connection"]

Frame = Union[str, Shared]

CLOSE_SLOW = 1008  # policy violation: the client does not read fast enough
CLOSE_ABUSE = 1008
CLOSE_REVOKED = 1008  # the API key it logged in with was revoked


class Connection:
    """State of one socket: queue, login, subscriptions and a simple inbound rate counter."""

    def __init__(self, ws: WebSocket, *, private: bool, max_queue: int = 2048,
                 max_inbound_per_s: int = 50) -> None:
        self.ws = ws
        self.private = private
        self.user: Optional[int] = None
        self.api_key = ""  # the key the connection logged in with (revocation drops it)
        self.public_subs: Set[Tuple[Any, str]] = set()
        self.private_subs: Set[Tuple[str, str, str]] = set()  # (channel, filter, arg_json)
        self.closed = False
        self.close_reason = ""
        self._queue: Deque[Frame] = deque()
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

    def push(self, frame: Frame) -> bool:
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
        (skipping its per-call state bookkeeping matters at tens of thousands of sends/s),
        or raw frames on the transport when that is safe (see the module doc)."""
        queue = self._queue
        raw_send = getattr(self.ws, "_send", None)
        protocol = _raw_frame_protocol(raw_send)
        send_text = self.ws.send_text
        try:
            if protocol is not None:
                await self._write_raw(protocol)
                return
            while True:
                if not queue:
                    self._wake.clear()
                    await self._wake.wait()
                    continue
                frame = queue.popleft()
                text = frame if type(frame) is str else frame.text
                if raw_send is not None:
                    await raw_send({"type": "websocket.send", "text": text})
                else:
                    await send_text(text)
                self.sent += 1
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001  (socket closed under us)
            self.closed = True

    async def _write_raw(self, protocol: Any) -> None:
        """The fast path: everything queued goes out as one write of pre-encoded frames."""
        queue = self._queue
        transport = protocol.transport
        writable = protocol.writable
        while True:
            if not queue:
                self._wake.clear()
                await self._wake.wait()
                continue
            if not writable.is_set():  # the peer is not reading: let the queue fill up
                await writable.wait()
            if protocol.close_sent or protocol.disconnected or transport.is_closing():
                self.closed = True
                return
            count = len(queue)
            transport.write(b"".join([
                text_frame(frame) if type(frame) is str else frame.wire
                for frame in [queue.popleft() for _ in range(count)]
            ]))
            self.sent += count


def _raw_frame_protocol(send: Any) -> Optional[Any]:
    """The uvicorn protocol behind ``send`` if raw text frames can be written to it.

    Only uvicorn's sans-I/O websockets protocol (``send`` is its bound method when the
    gateway is mounted on the raw ASGI app, see ``ws.ws_asgi``), after the handshake, with
    no extension (no compression) negotiated."""
    protocol = getattr(send, "__self__", None)
    if protocol is None:
        return None
    try:
        from uvicorn.protocols.websockets.websockets_sansio_impl import (
            WebSocketsSansIOProtocol,
        )
    except ImportError:  # pragma: no cover - another uvicorn layout
        return None
    if not isinstance(protocol, WebSocketsSansIOProtocol):
        return None
    conn = getattr(protocol, "conn", None)
    required = ("transport", "writable", "close_sent", "disconnected", "handshake_complete")
    if conn is None or getattr(conn, "extensions", None) != [] or not all(
        hasattr(protocol, name) for name in required
    ):
        return None
    if not protocol.handshake_complete or protocol.transport is None:
        return None
    return protocol
