"""Node wiring: one process, one data dir, one sequencer, every read model and the API.

Start-up is the recovery path every time (crash or not): the engine state comes from the
newest usable snapshot plus the journal, and each read model resumes from its own
``last_seq``.  When a read model is behind the newest snapshot (it was killed before its
last flush) the journal is replayed from the beginning instead, so no projection ever
misses a command.  The data dir is locked for the node's lifetime: admin commands either
talk to the running node (``admin.sock``) or take the lock and use this same code.
"""

from __future__ import annotations

import fcntl
import gc
import logging
import os
from pathlib import Path
from typing import Any, List, Optional

from ..adapters.api.errors import ApiError, E
from ..adapters.readmodels.catalog import Catalog
from ..adapters.readmodels.market import MarketData
from ..adapters.readmodels.private import PrivateViews
from ..adapters.readmodels.private_store import PrivateStore
from ..adapters.users import UserStore
from ..core import events as ev
from ..core.commands import Command
from ..journal.machine import engine_machine
from ..journal.recovery import Recovery, recover
from ..journal.snapshots import SnapshotStore
from .clock import WallClock
from .config import Config
from .product_views import open_product_views
from .sequencer import Overloaded, Sequencer, SequencerStopped
from .ticker import Ticker

__all__ = ["Node", "DataDirLocked", "catalog_from_state"]

_log = logging.getLogger(__name__)
_LISTINGS = (ev.AssetListed, ev.MarketListed, ev.MarketStatusChanged)


def _futures_views(node: "Node") -> List[Any]:
    """The futures read models and price feeder, when the futures product is in this tree."""
    try:
        from .futures_feed import open_futures_views
    except ImportError:
        _log.warning("futures not available in this build", exc_info=True)
        return []
    return open_futures_views(node)


class DataDirLocked(RuntimeError):
    """Another node (or admin command) is using this data dir."""


def catalog_from_state(state: Any) -> Catalog:
    """The catalogue as of a recovered state (a snapshot skips the listing events)."""
    catalog = Catalog()
    listed: List[Any] = [
        ev.AssetListed(0, 0, asset, scale) for asset, scale in state.assets.items()
    ]
    for market in state.markets.values():
        listed.append(ev.MarketListed(0, 0, *market.spec()[1:]))
        if market.status:
            listed.append(ev.MarketStatusChanged(0, 0, market.symbol, market.status))
    catalog.apply(listed)
    return catalog


class Node:
    """Owns the stores, the sequencer and the read models of one data dir."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.users: Optional[UserStore] = None
        self.views: Optional[PrivateViews] = None
        self.market: Optional[MarketData] = None
        self.catalog = Catalog()
        self.sequencer: Optional[Sequencer] = None
        self.recovery: Optional[Recovery] = None
        self._lock_fd: Optional[int] = None
        self.ticker: Optional[Ticker] = None
        self.extra_views: List[Any] = []  # product read models (runtime/product_views.py)

    # -- lifecycle ---------------------------------------------------------------------
    def open(self, *, wait_lock: bool = False) -> "Node":
        """Lock the data dir, recover, and start the sequencer (no network yet)."""
        data_dir = self.config.data_dir
        self.lock_data_dir(wait_lock)
        self.users = UserStore(data_dir / "users.db")
        self.views = PrivateViews(PrivateStore(data_dir / "private.sqlite"), self.users.is_user)
        self.market = MarketData(str(data_dir / "market.sqlite"))
        self.extra_views = open_product_views(self)
        self.extra_views += _futures_views(self)  # issue 5 (runtime/futures_feed.py)
        self.recovery = self._recover(data_dir)
        self.catalog = catalog_from_state(self.recovery.state)
        recovery = self.recovery
        assert recovery.writer is not None
        self.sequencer = Sequencer(
            recovery.state,
            recovery.writer,
            recovery.next_seq,
            WallClock(recovery.last_ts_ns),
            last_ts_ns=recovery.last_ts_ns,
            max_queue=self.config.max_queue,
            snapshots=recovery.snapshots,
            snapshot_every=self.config.snapshot_every,
        )
        self.sequencer.add_listener(self._on_listings)
        self.sequencer.add_listener(self.views.on_events)
        for extra in self.extra_views:
            self.sequencer.add_listener(extra.on_events)
        return self

    def _recover(self, data_dir: Path) -> Recovery:
        assert self.views is not None and self.market is not None
        extra_seqs = [v.last_seq for v in self.extra_views]
        behind = min(self.views.last_seq, self.market.last_seq, *extra_seqs)
        snapshots = SnapshotStore(str(data_dir), engine_machine()).seqs()
        use_snapshot = not snapshots or max(snapshots) <= behind
        views, market = self.views, self.market

        def replay(seq: int, command: Command, events: List[Any]) -> None:
            views.on_events(seq, command, events)
            market.on_events(seq, command, events)
            for extra in self.extra_views:
                extra.on_events(seq, command, events)

        recovery = recover(str(data_dir), on_events=replay, use_snapshot=use_snapshot)
        if max(views.last_seq, market.last_seq) > recovery.last_seq:
            _log.warning(
                "read models are ahead of the journal (seq %d > %d); run `openbourse replay`",
                max(views.last_seq, market.last_seq),
                recovery.last_seq,
            )
        return recovery

    def start(self) -> None:
        assert self.sequencer is not None and self.views is not None
        # The recovered state and read models are long-lived trees without cycles: move
        # them out of the cyclic collector's reach so a full collection stays cheap.
        gc.collect()
        gc.freeze()
        self.sequencer.start()
        self.ticker = Ticker(self.sequencer, self.config.tick_interval_s).start()
        self.views.start()
        for extra in self.extra_views:
            extra.start()

    def close(self) -> None:
        """Drain and stop the sequencer, flush every read model, release the lock."""
        if self.ticker is not None:
            self.ticker.stop()
            self.ticker = None
        if self.sequencer is not None:
            try:
                self.sequencer.stop()
            except RuntimeError:
                pass  # never started
        if self.recovery is not None and self.recovery.writer is not None:
            self.recovery.writer.close()
        if self.views is not None:
            self.views.close()
        if self.market is not None:
            self.market.close()
        for extra in self.extra_views:
            extra.close()
        self.extra_views = []
        if self.users is not None:
            self.users.close()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def lock_data_dir(self, wait: bool = False) -> None:
        """Take the data dir's exclusive lock (held until ``close``)."""
        # 0700: users.db holds API secrets (they must stay readable for HMAC checks)
        self.config.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self.config.data_dir / "node.lock"
        fd = os.open(str(path), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(fd)
            raise DataDirLocked(f"{path.parent} is in use by another openbourse process") from None
        self._lock_fd = fd

    # -- commands ------------------------------------------------------------------------
    def _on_listings(self, seq: int, command: Command, events: List[Any]) -> None:
        """Listener: keep the shared catalogue current (listings are rare and tiny)."""
        for event in events:
            if type(event) in _LISTINGS:
                self.catalog.apply([event])

    async def submit(self, command: Command) -> List[Any]:
        """Submit through the sequencer; back-pressure becomes Bitget's "system busy"."""
        assert self.sequencer is not None
        try:
            return await self.sequencer.submit_async(command)
        except Overloaded:
            raise ApiError(E.BUSY, "Server is busy, please try again later", 503) from None
        except SequencerStopped:
            raise ApiError(E.SYSTEM, "System is abnormal, please try again later", 503) from None
