"""The Bitget v2 WebSocket gateway: event intake, batching, and the client protocol.

``on_events`` may be called from any thread (the sequencer's listener runs after fsync,
possibly off the event loop): it only appends to a deque and wakes the loop.  The loop
then drains every pending command as one batch — projecting market data, collecting
private records — and pushes once per batch, which caps the message rate per subscriber
no matter how many commands per second the engine acknowledges.  The same loop serves
REST reads of ``MarketData``, so the read models are only ever touched from one thread.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import time
from collections import deque
from typing import Any, Callable, Deque, List, Optional, Sequence, Tuple

from ....core import events as ev
from ...readmodels.catalog import Catalog
from ...readmodels.market import MarketData
from .conn import CLOSE_REVOKED, Connection
from .extensions import attach as attach_extensions
from .frames import ERR_KEY, error_frame
from .private import PrivateFeed
from .protocol import Protocol
from .public import PublicFeed

__all__ = ["WsGateway"]

_log = logging.getLogger(__name__)
_LISTINGS = (ev.AssetListed, ev.MarketListed, ev.MarketStatusChanged)


def _wall_ms() -> int:
    return time.time_ns() // 1_000_000


class WsGateway(Protocol):
    """Owns the market-data projection on the loop thread and every WS connection.

    Wiring: ``sequencer.add_listener(gateway.on_events)``; ``await gateway.start()`` inside
    the server's lifespan (binds the loop, starts the SQLite flusher); routes from
    ``ws_routes(gateway)``; ``await gateway.stop()`` on shutdown (final flush).
    """

    def __init__(self, market: MarketData, catalog: Catalog,
                 key_lookup: Optional[Callable[[str], Any]] = None, *,
                 balances_of: Optional[Callable[[int], List[Tuple[str, int, int, int]]]] = None,
                 clock_ms: Callable[[], int] = _wall_ms, max_queue: int = 2048,
                 max_frame: int = 4096, flush_interval_s: float = 0.5,
                 book_depth: int = 200, max_batch: int = 2000, frame_budget: int = 20_000,
                 apply_listings: bool = True) -> None:
        super().__init__()
        self.market = market
        self.catalog = catalog
        self.key_lookup = key_lookup
        self.clock_ms = clock_ms
        self.max_queue = max_queue
        self.max_frame = max_frame
        self.public = PublicFeed(market, catalog, book_depth=book_depth)
        self.private = PrivateFeed(catalog, balances_of)
        self._apply_listings = apply_listings
        self._inbox: Deque[Tuple[int, object, Sequence[object]]] = deque()
        self._scheduled = False
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._max_batch = max_batch
        self.frame_budget = frame_budget
        self._flush_interval = flush_interval_s
        self._flusher: Optional[asyncio.Task] = None
        self._flushed_seq = -1
        self._db_pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="md-flush")
        self.batches = 0
        self.extensions = attach_extensions(self)  # product channels (ws/extensions.py)
        self._extension_list = list({id(e): e for e in self.extensions.values()}.values())
        self.revalidate_s = 1.0  # how often logged-in keys are checked for revocation
        self._revalidator: Optional[asyncio.TimerHandle] = None

    # -- lifecycle -------------------------------------------------------------------
    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._scheduled = True
        self._loop.call_soon(self._drain)
        if self.market.store is not None and self._flusher is None:
            self._flusher = self._loop.create_task(self._flush_loop())
        if self._revalidator is None:
            self._revalidator = self._loop.call_later(self.revalidate_s, self._revalidate)

    def _revalidate(self) -> None:
        """Drop private connections whose API key was revoked (or deleted) since login."""
        self._revalidator = None
        lookup = self.key_lookup
        if lookup is not None:
            for conn in list(self.connections):
                if conn.api_key and not conn.closed and lookup(conn.api_key) is None:
                    conn.push(error_frame(ERR_KEY, "the API key was revoked"))
                    conn.kill(CLOSE_REVOKED, "API key revoked")
        if self._loop is not None and not self._loop.is_closed():
            self._revalidator = self._loop.call_later(self.revalidate_s, self._revalidate)

    async def stop(self) -> None:
        if self._revalidator is not None:
            self._revalidator.cancel()
            self._revalidator = None
        for conn in list(self.connections):
            conn.kill(1001, "server shutting down")
        if self._flusher is not None:
            self._flusher.cancel()
            try:
                await self._flusher
            except asyncio.CancelledError:
                pass
            self._flusher = None
        self._drain_now()
        await self._flush_once()
        self._db_pool.shutdown(wait=True)

    # -- event intake (any thread) ---------------------------------------------------
    def on_events(self, seq: int, command: object, events: Sequence[object]) -> None:
        """Sequencer listener: queue the command's events for the next loop batch."""
        self._inbox.append((seq, command, events))
        if not self._scheduled and self._loop is not None:
            self._scheduled = True
            try:
                self._loop.call_soon_threadsafe(self._drain)
            except RuntimeError:  # loop closed during shutdown
                self._scheduled = False

    def _drain(self) -> None:
        self._scheduled = False
        more = self._drain_guarded(self._max_batch)
        if more and self._loop is not None and not self._scheduled:
            self._scheduled = True
            self._loop.call_soon(self._drain)

    def drain_pending(self) -> None:
        """Apply every command queued so far, now (on the loop, before the commands of an
        acknowledged batch are answered, so whoever got an ack and then reads market data
        sees its write even when more than ``max_batch`` commands were waiting)."""
        if self._inbox:
            self._drain_guarded()

    def _drain_guarded(self, limit: int = 1 << 62) -> bool:
        """``_drain_now``, logging instead of raising: a projection bug must not stop the
        feed.  True if commands still wait."""
        try:
            return self._drain_now(limit)
        except Exception:  # noqa: BLE001
            _log.exception("WebSocket gateway failed to apply a batch")
            return bool(self._inbox)

    def _drain_now(self, limit: int = 1 << 62) -> bool:
        """Apply up to ``limit`` queued commands and push their changes; True if more wait.

        Changes are published after every command (fine-grained updates, lowest latency)
        until this drain has queued ``frame_budget`` frames; the remaining commands are
        then coalesced into one final round.  Under light load every command is its own
        update; under heavy load the message rate stays bounded by the budget per loop
        turn, so the event loop (and every subscriber's queue) keeps up.
        """
        inbox, market, private, public = self._inbox, self.market, self.private, self.public
        count = 0
        frames = 0
        now = self.clock_ms()
        # Nobody subscribed to a public channel: nothing to publish per command, so the
        # changes are taken (and dropped by ``publish``) once for the whole batch.
        budget = self.frame_budget if public.subs else 0
        while inbox and count < limit:
            seq, command, events = inbox.popleft()
            count += 1
            if self._apply_listings:
                self._listings(events)
            market.on_events(seq, command, events)
            private.collect(events, command)
            if frames < budget:
                frames += public.publish(market.take_changes(), now)
        if count:
            if frames >= budget:
                public.publish(market.take_changes(), now)
            private.flush(now)
            for extension in self._extension_list:
                extension.flush(now)
            self.batches += 1
        return bool(inbox)

    def _listings(self, events: Sequence[object]) -> None:
        """Keep the shared catalogue current if nobody upstream applied the event yet."""
        catalog = self.catalog
        for event in events:
            kind = type(event)
            if kind not in _LISTINGS:
                continue
            if kind is ev.AssetListed and event.asset in catalog.assets:
                continue
            if kind is ev.MarketListed and event.symbol in catalog.markets:
                continue
            catalog.apply([event])

    # -- persistence -----------------------------------------------------------------
    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(self._flush_interval)
            try:
                await self._flush_once()
            except Exception:  # noqa: BLE001  (keep trying; replay repairs a gap on restart)
                _log.exception("market data flush failed")

    async def _flush_once(self) -> None:
        store = self.market.store
        if store is None:
            return
        batch = self.market.collect_flush()
        if batch.empty() and batch.last_seq == self._flushed_seq:
            return
        self._flushed_seq = batch.last_seq
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._db_pool, store.write, batch)

    # -- connections -----------------------------------------------------------------
    def new_connection(self, ws: Any, private: bool) -> Connection:
        return Connection(ws, private=private, max_queue=self.max_queue)
