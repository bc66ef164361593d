"""The inbound queue's wake-ups: one per sleep, deferrable, never lost.

``put(item, wake=False)`` leaves waking the sleeping consumer to the caller (the
sequencer does it once per event-loop iteration); these tests check that no item is ever
stranded and that the one-shot signal is never released twice.
"""
from __future__ import annotations

import asyncio
import random
import threading
import time
from typing import Any, List

import pytest

from openbourse.runtime.inbound import InboundQueue, Overloaded, SequencerStopped


def _consumer(queue: InboundQueue, out: List[Any], stop: object) -> threading.Thread:
    def run() -> None:
        while True:
            for item in queue.take(7):
                if item is stop:
                    return
                out.append(item)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _wait_sleeping(queue: InboundQueue) -> None:
    deadline = time.monotonic() + 5
    while not queue._consumer_waiting:  # noqa: SLF001
        assert time.monotonic() < deadline
        time.sleep(0.001)


def test_deferred_wake_is_reported_once_and_delivers() -> None:
    queue = InboundQueue(100)
    out: List[Any] = []
    stop = object()
    thread = _consumer(queue, out, stop)
    _wait_sleeping(queue)
    assert queue.put(1, wake=False) is True  # asleep: the caller must wake it
    assert queue.put(2, wake=False) is True  # still asleep (nobody woke it yet)
    time.sleep(0.02)
    assert out == []
    queue.wake()
    queue.wake()  # a second wake is a no-op, not a second release
    deadline = time.monotonic() + 5
    while out != [1, 2]:
        assert time.monotonic() < deadline
        time.sleep(0.001)
    queue.close(stop)
    thread.join(5)
    assert not thread.is_alive()


def test_close_wakes_a_sleeping_consumer_and_refuses_more() -> None:
    queue = InboundQueue(10)
    out: List[Any] = []
    stop = object()
    thread = _consumer(queue, out, stop)
    _wait_sleeping(queue)
    queue.close(stop)
    thread.join(5)
    assert not thread.is_alive()
    with pytest.raises(SequencerStopped):
        queue.put(1)


def test_capacity_is_enforced() -> None:
    queue = InboundQueue(2)
    queue.put(1)
    queue.put(2, wake=False)
    with pytest.raises(Overloaded):
        queue.put(3)
    assert queue.drain() == [1, 2] and len(queue) == 0


def test_many_producers_mixed_wakes_lose_nothing() -> None:
    queue = InboundQueue(1_000_000)
    out: List[Any] = []
    stop = object()
    thread = _consumer(queue, out, stop)
    rng = random.Random(7)
    plans = [[rng.random() < 0.5 for _ in range(3000)] for _ in range(4)]

    def produce(index: int) -> None:
        for number, deferred in enumerate(plans[index]):
            if queue.put((index, number), wake=not deferred):
                queue.wake()  # what the sequencer's call_soon does, a moment later
            if number % 500 == 0:
                time.sleep(0.001)

    producers = [threading.Thread(target=produce, args=(i,)) for i in range(4)]
    for producer in producers:
        producer.start()
    for producer in producers:
        producer.join(30)
    queue.close(stop)
    thread.join(30)
    assert not thread.is_alive()
    assert len(out) == 12_000
    for index in range(4):
        assert [n for i, n in out if i == index] == list(range(3000))


def test_event_loop_submitters_wake_the_sequencer_once_per_iteration() -> None:
    """Through a real Sequencer: a burst of submit_async calls in one loop iteration is
    acknowledged, with far fewer wake-ups than commands."""
    from test_sequencer import make  # noqa: PLC0415  (the toy machine of that module)

    from openbourse.core.commands import Deposit

    seq, _state, _storage = make()
    seq.start()
    wakes = [0]
    inbound = seq._inbound  # noqa: SLF001
    real_wake = inbound.wake

    def counting_wake() -> None:
        wakes[0] += 1
        real_wake()

    inbound.wake = counting_wake  # type: ignore[method-assign]
    try:
        async def burst() -> List[Any]:
            return await asyncio.gather(*(
                seq.submit_async(Deposit(0, 1, 1, "BTC", 10 + i, f"ref{i}")) for i in range(500)))

        results = asyncio.run(burst())
        assert len(results) == 500 and all(results)
        assert wakes[0] <= 50
    finally:
        seq.stop()
