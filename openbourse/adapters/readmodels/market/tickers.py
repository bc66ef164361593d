"""Rolling 24-hour ticker statistics from one-minute buckets.

The window is the 1,440 one-minute buckets ending with the minute of the latest event
time, so the figures are a pure function of event timestamps (replaying the journal gives
the same ticker).  Aggregating the closed buckets once per minute and merging the current
bucket on read keeps a read O(1) however many trades there were.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Deque, Optional

from .candles import DAY_MS, MINUTE_MS, Candle, merge_window

__all__ = ["Rolling24h", "Ticker", "change_ratio_str"]


@dataclass(frozen=True)
class Ticker:
    """Ints only: prices in price units, sizes in size units, quote volume in quote minor units.

    ``open_24h`` is the first trade price inside the window (or ``last`` when the window
    is empty); ``open_utc`` is the open of the current UTC day.  ``bid``/``ask`` are 0 and
    their sizes 0 when that side of the book is empty.
    """

    symbol: str
    ts_ms: int
    last: int
    open_24h: int
    high_24h: int
    low_24h: int
    base_volume: int
    quote_volume: int
    open_utc: int
    bid: int
    bid_size: int
    ask: int
    ask_size: int

    def change_24h(self, places: int = 4) -> str:
        return change_ratio_str(self.open_24h, self.last, places)

    def change_utc(self, places: int = 4) -> str:
        return change_ratio_str(self.open_utc, self.last, places)


def change_ratio_str(open_: int, last: int, places: int = 4) -> str:
    """``(last - open) / open`` as a decimal string, truncated toward zero (no floats)."""
    if open_ <= 0:
        return "0"
    scaled = abs(last - open_) * 10**places // open_
    sign = "-" if last < open_ and scaled else ""
    digits = str(scaled).rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}" if places else sign + digits


class Rolling24h:
    """Per-symbol one-minute buckets over the last 24 hours plus the last trade price."""

    def __init__(self) -> None:
        self._minutes: Deque[Candle] = deque()
        self._closed: Optional[Candle] = None  # merge of every bucket but the newest
        self._closed_valid = True
        self.last = 0
        self.last_ts_ms = 0
        self.now_ms = 0

    def add_trade(self, ts_ms: int, price: int, size: int, quote: int) -> None:
        self.advance(ts_ms)
        start = ts_ms // MINUTE_MS * MINUTE_MS
        if self._minutes and self._minutes[-1].start_ms == start:
            self._minutes[-1].add(price, size, quote)
        elif self._minutes and self._minutes[-1].start_ms > start:
            return  # out-of-order timestamp: the sequencer never does this
        else:
            self._minutes.append(Candle.first(start, price, size, quote))
            self._closed_valid = False
        self.last = price
        self.last_ts_ms = ts_ms

    def load_minute(self, candle: Candle) -> None:
        """Restore a persisted one-minute candle (in time order) after a restart."""
        self._minutes.append(Candle(*candle.as_tuple(), candle.trades))
        self._closed_valid = False
        self.last = candle.close
        self.last_ts_ms = max(self.last_ts_ms, candle.start_ms)
        self.now_ms = max(self.now_ms, candle.start_ms)

    def advance(self, now_ms: int) -> None:
        """Move the window's end to ``now_ms`` (never backwards), dropping old buckets."""
        if now_ms <= self.now_ms:
            return
        self.now_ms = now_ms
        oldest_kept = now_ms // MINUTE_MS * MINUTE_MS - DAY_MS + MINUTE_MS
        while self._minutes and self._minutes[0].start_ms < oldest_kept:
            self._minutes.popleft()
            self._closed_valid = False

    def stats(self) -> Optional[Candle]:
        """The merged candle of the window (None when no trade happened in 24 h)."""
        if not self._minutes:
            return None
        if not self._closed_valid:
            self._closed = merge_window(list(self._minutes)[:-1])
            self._closed_valid = True
        newest = self._minutes[-1]
        if self._closed is None:
            return newest
        return merge_window([self._closed, newest])
