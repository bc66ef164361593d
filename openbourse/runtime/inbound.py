"""The sequencer's inbound side: a bounded queue that never blocks producers, and the
exceptions a submitter can get back (re-exported by ``runtime.sequencer``)."""
from __future__ import annotations

import collections
import threading
from typing import Any, List

__all__ = ["InboundQueue", "Overloaded", "SequencerStopped", "EngineFailure"]


class EngineFailure(Exception):
    """``apply`` raised: an engine bug.  The sequencer stopped; restart and recover."""


class Overloaded(Exception):
    """The inbound queue is full: retry later (the API answers with a rate-limit error)."""


class SequencerStopped(Exception):
    """The sequencer is stopping, stopped or failed and accepts nothing more."""


class InboundQueue:
    """Bounded multi-producer, single-consumer queue that never blocks producers.

    A full queue raises ``Overloaded`` at once (back-pressure the API can report) instead
    of blocking an event loop.  The consumer takes everything waiting in one lock round
    trip, which is what makes batches (and group commit) form under load.  Producers only
    signal the condition when the consumer is actually waiting (``notify`` is Python code,
    and under load the consumer is usually busy with the previous batch).
    """

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be >= 1")
        self.capacity = capacity
        self._items: "collections.deque[Any]" = collections.deque()
        self._cond = threading.Condition(threading.Lock())
        self._closed = False
        self._consumer_waiting = False

    def __len__(self) -> int:
        return len(self._items)

    def put(self, item: Any) -> None:
        with self._cond:
            if self._closed:
                raise SequencerStopped("the sequencer is not accepting commands")
            if len(self._items) >= self.capacity:
                raise Overloaded(f"sequencer queue full ({self.capacity} waiting)")
            self._items.append(item)
            if self._consumer_waiting:
                self._cond.notify()

    def take(self, max_items: int) -> List[Any]:
        """Wait for at least one item; return up to ``max_items`` in arrival order."""
        with self._cond:
            while not self._items:
                self._consumer_waiting = True
                try:
                    self._cond.wait()
                finally:
                    self._consumer_waiting = False
            if len(self._items) <= max_items:
                items = list(self._items)
                self._items.clear()
                return items
            return [self._items.popleft() for _ in range(max_items)]

    def close(self, sentinel: Any) -> None:
        """Refuse new items; ``sentinel`` is queued after everything already waiting."""
        with self._cond:
            if not self._closed:
                self._closed = True
                self._items.append(sentinel)
                self._cond.notify_all()

    def drain(self) -> List[Any]:
        with self._cond:
            items = list(self._items)
            self._items.clear()
            return items
