"""A client that stops reading is disconnected once its queue overflows; others are unaffected."""
from __future__ import annotations

import asyncio
from typing import List, Optional

from openbourse.adapters.api.ws.conn import CLOSE_SLOW, Connection


class FakeSocket:
    """A Starlette-like socket; ``stalled`` makes ``send_text`` hang like a full TCP buffer."""

    def __init__(self, stalled: bool) -> None:
        self.stalled = stalled
        self.sent: List[str] = []
        self.closed_with: Optional[int] = None
        self._never = asyncio.Event()

    async def send_text(self, text: str) -> None:
        if self.stalled:
            await self._never.wait()
        self.sent.append(text)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        self.closed_with = code


def test_overflow_disconnects_only_the_stalled_client() -> None:
    async def scenario() -> None:
        slow_ws, fast_ws = FakeSocket(stalled=True), FakeSocket(stalled=False)
        slow = Connection(slow_ws, private=False, max_queue=10)  # type: ignore[arg-type]
        fast = Connection(fast_ws, private=False, max_queue=10)  # type: ignore[arg-type]
        slow.start()
        fast.start()
        accepted_slow = []
        for i in range(100):
            accepted_slow.append(slow.push(f"m{i}"))
            assert fast.push(f"m{i}")  # the fan-out never waits on the slow one
            await asyncio.sleep(0)  # let writers run, as between gateway batches
        assert slow.closed and "slow consumer" in slow.close_reason
        await slow.stop()  # waits for the close frame to go out
        assert slow_ws.closed_with == CLOSE_SLOW
        assert accepted_slow.count(True) <= 12 and accepted_slow[-1] is False
        while fast._queue:  # noqa: SLF001  (drain the healthy writer)
            await asyncio.sleep(0)
        assert not fast.closed and fast_ws.sent == [f"m{i}" for i in range(100)]
        await fast.stop()

    asyncio.run(scenario())


def test_queue_is_bounded_even_without_a_running_writer() -> None:
    async def scenario() -> None:
        ws = FakeSocket(stalled=False)
        conn = Connection(ws, private=False, max_queue=5)  # type: ignore[arg-type]
        results = [conn.push(str(i)) for i in range(6)]
        assert results == [True] * 5 + [False]
        assert conn.closed
        await conn.stop()
        assert ws.closed_with == CLOSE_SLOW

    asyncio.run(scenario())
