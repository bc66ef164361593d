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
    trip, which is what makes batches (and group commit) form under load.

    Waking the consumer is the expensive part (a futex wake of a sleeping thread, several
    microseconds on a VM), so producers only do it when the consumer is actually asleep,
    and with a plain lock used as a one-shot signal (C code) rather than a
    ``threading.Condition`` (Python code).  ``put(item, wake=False)`` leaves even that to
    the caller: it returns True when the consumer is asleep, and the caller calls
    ``wake()`` once for a whole burst (the sequencer does, once per event-loop iteration).
    """

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be >= 1")
        self.capacity = capacity
        self._items: "collections.deque[Any]" = collections.deque()
        self._lock = threading.Lock()
        #: held while nobody has signalled; the sleeping consumer blocks acquiring it and a
        #: producer releases it exactly once per sleep (guarded by ``_consumer_waiting``)
        self._signal = threading.Lock()
        self._signal.acquire()
        self._closed = False
        self._consumer_waiting = False

    def __len__(self) -> int:
        return len(self._items)

    def put(self, item: Any, wake: bool = True) -> bool:
        """Queue ``item``; True if the consumer sleeps and ``wake()`` is the caller's job
        (only with ``wake=False``)."""
        with self._lock:
            if self._closed:
                raise SequencerStopped("the sequencer is not accepting commands")
            if len(self._items) >= self.capacity:
                raise Overloaded(f"sequencer queue full ({self.capacity} waiting)")
            self._items.append(item)
            if not self._consumer_waiting:
                return False
            if not wake:
                return True
            self._consumer_waiting = False
        self._signal.release()
        return False

    def wake(self) -> None:
        """Wake the consumer if it sleeps (after ``put(..., wake=False)``)."""
        with self._lock:
            if not self._consumer_waiting:
                return
            self._consumer_waiting = False
        self._signal.release()

    def take(self, max_items: int) -> List[Any]:
        """Wait for at least one item; return up to ``max_items`` in arrival order."""
        while True:
            with self._lock:
                if self._items:
                    if len(self._items) <= max_items:
                        items = list(self._items)
                        self._items.clear()
                        return items
                    return [self._items.popleft() for _ in range(max_items)]
                self._consumer_waiting = True
            self._signal.acquire()

    def close(self, sentinel: Any) -> None:
        """Refuse new items; ``sentinel`` is queued after everything already waiting."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._items.append(sentinel)
            if not self._consumer_waiting:
                return
            self._consumer_waiting = False
        self._signal.release()

    def drain(self) -> List[Any]:
        with self._lock:
            items = list(self._items)
            self._items.clear()
            return items
