"""What a ``books`` subscriber has been told: the published top-K view of one symbol.

ccxt.pro keeps every level it was sent and verifies the checksum over its own top 25, so
the server must send every level that enters or leaves its window, not only the levels an
order touched.  The view therefore diffs the engine-projected book's top K against what
it published last; the checksum is computed from the same formatted strings it sends
(formatting is a pure function of the integers, so "the string last sent for a level" and
"the string of its current size" are the same thing).
"""
from __future__ import annotations

from typing import Callable, Dict, List, Optional, Tuple

from ...readmodels.market import L2Book
from .frames import books_checksum, dumps

__all__ = ["BookView", "fixed_depth_data"]

Fmt = Callable[[int], str]


class BookView:
    """Published levels (top ``depth`` per side) and the ``seq`` of the last message."""

    def __init__(self, depth: int, price_str: Fmt, size_str: Fmt) -> None:
        self.depth = depth
        self.price_str = price_str
        self.size_str = size_str
        self.bids: Dict[int, int] = {}
        self.asks: Dict[int, int] = {}
        self.seq = 0

    def reset(self, book: L2Book) -> None:
        self.bids = dict(book.bids(self.depth))
        self.asks = dict(book.asks(self.depth))

    def snapshot_json(self, ts_ms: int) -> str:
        """``data`` of a snapshot push for a new subscriber (current view, current seq)."""
        bids = sorted(self.bids.items(), reverse=True)
        asks = sorted(self.asks.items())
        return self._data(bids, asks, bids, asks, ts_ms, pseq=None)

    def update_json(self, book: L2Book, ts_ms: int) -> Optional[str]:
        """Diff against ``book``; the ``data`` of an update push, or None if nothing changed."""
        new_bids = book.bids(self.depth)
        new_asks = book.asks(self.depth)
        bid_deltas = _deltas(self.bids, new_bids, reverse=True)
        ask_deltas = _deltas(self.asks, new_asks, reverse=False)
        if not bid_deltas and not ask_deltas:
            return None
        self.bids = dict(new_bids)
        self.asks = dict(new_asks)
        pseq = self.seq
        self.seq += 1
        return self._data(bid_deltas, ask_deltas, new_bids, new_asks, ts_ms, pseq=pseq)

    def _data(self, bid_levels: List[Tuple[int, int]], ask_levels: List[Tuple[int, int]],
              top_bids: List[Tuple[int, int]], top_asks: List[Tuple[int, int]], ts_ms: int,
              pseq: Optional[int]) -> str:
        p, s = self.price_str, self.size_str
        checksum = books_checksum([(p(x), s(y)) for x, y in top_bids[:25]],
                                  [(p(x), s(y)) for x, y in top_asks[:25]])
        item: dict = {
            "asks": [[p(x), s(y)] for x, y in ask_levels],
            "bids": [[p(x), s(y)] for x, y in bid_levels],
            "checksum": checksum,
            "seq": self.seq,
            "ts": str(ts_ms),
        }
        if pseq is not None:
            item["pseq"] = pseq
        return dumps([item])


def _deltas(old: Dict[int, int], new: List[Tuple[int, int]],
            reverse: bool) -> List[Tuple[int, int]]:
    """Levels whose size differs (size 0 = removed), best first."""
    out: List[Tuple[int, int]] = []
    seen = set()
    for price, size in new:
        seen.add(price)
        if old.get(price) != size:
            out.append((price, size))
    for price in old:
        if price not in seen:
            out.append((price, 0))
    out.sort(reverse=reverse)
    return out


def fixed_depth_data(book: L2Book, depth: int, seq: int, ts_ms: int, price_str: Fmt,
                     size_str: Fmt) -> Tuple[Tuple, str]:
    """``books1/5/15/50``: a full replacement each push.  Returns (levels key, data JSON)."""
    bids = book.bids(depth)
    asks = book.asks(depth)
    b = [[price_str(x), size_str(y)] for x, y in bids]
    a = [[price_str(x), size_str(y)] for x, y in asks]
    item = {"asks": a, "bids": b, "checksum": books_checksum(b, a), "seq": seq, "ts": str(ts_ms)}
    return (tuple(bids), tuple(asks)), dumps([item])
