"""Candle granularities, bucket arithmetic and the mutable candle record.

Buckets are pure functions of a trade's millisecond timestamp, so candles rebuilt from the
journal are identical to the live ones.  Fixed-width buckets align to the Unix epoch,
except the week (Monday 00:00 UTC, like Bitget's ``1Wutc``) and the calendar month.
All alignment is UTC; Bitget's UTC+8 variants (``1day``, ``6h``...) are served as UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

__all__ = [
    "GRANULARITIES",
    "WS_CHANNELS",
    "Candle",
    "bucket_start",
    "next_bucket_start",
    "parse_granularity",
]

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS
WEEK_MS = 7 * DAY_MS
_MONDAY_OFFSET_MS = 4 * DAY_MS  # 1970-01-01 was a Thursday; Monday 1970-01-05 is 4 days on

#: canonical name -> width in ms (0 = calendar month)
GRANULARITIES: Dict[str, int] = {
    "1m": MINUTE_MS,
    "3m": 3 * MINUTE_MS,
    "5m": 5 * MINUTE_MS,
    "15m": 15 * MINUTE_MS,
    "30m": 30 * MINUTE_MS,
    "1h": HOUR_MS,
    "4h": 4 * HOUR_MS,
    "6h": 6 * HOUR_MS,
    "12h": 12 * HOUR_MS,
    "1d": DAY_MS,
    "3d": 3 * DAY_MS,
    "1w": WEEK_MS,
    "1M": 0,
}

#: Bitget WebSocket channel name -> canonical granularity (ccxt's ``options.timeframes``
#: plus the other channels Bitget documents)
WS_CHANNELS: Dict[str, str] = {
    "candle1m": "1m",
    "candle3m": "3m",
    "candle5m": "5m",
    "candle15m": "15m",
    "candle30m": "30m",
    "candle1H": "1h",
    "candle4H": "4h",
    "candle6H": "6h",
    "candle12H": "12h",
    "candle1D": "1d",
    "candle3D": "3d",
    "candle1W": "1w",
    "candle1M": "1M",
    "candle6Hutc": "6h",
    "candle12Hutc": "12h",
    "candle1Dutc": "1d",
    "candle3Dutc": "3d",
    "candle1Wutc": "1w",
    "candle1Mutc": "1M",
}

# REST ``granularity`` spellings (spot and mix, UTC and UTC+8 variants) -> canonical name
_REST_ALIASES: Dict[str, str] = {
    "1min": "1m",
    "3min": "3m",
    "5min": "5m",
    "15min": "15m",
    "30min": "30m",
    "1m": "1m",
    "3m": "3m",
    "5m": "5m",
    "15m": "15m",
    "30m": "30m",
    "1h": "1h",
    "4h": "4h",
    "6h": "6h",
    "12h": "12h",
    "1H": "1h",
    "4H": "4h",
    "6H": "6h",
    "12H": "12h",
    "1day": "1d",
    "3day": "3d",
    "1week": "1w",
    "1D": "1d",
    "3D": "3d",
    "1W": "1w",
    "1M": "1M",
    "1Dutc": "1d",
    "3Dutc": "3d",
    "1Wutc": "1w",
    "1Mutc": "1M",
    "6Hutc": "6h",
    "12Hutc": "12h",
}


def parse_granularity(text: str) -> Optional[str]:
    """Canonical granularity for a REST ``granularity`` value, or None if unsupported."""
    return _REST_ALIASES.get(text)


def _month_index(ts_ms: int) -> int:
    """Months since 1970-01 of a UTC timestamp (civil-from-days, integer only)."""
    days = ts_ms // DAY_MS
    year, month, _ = _civil_from_days(days)
    return (year - 1970) * 12 + (month - 1)


def _civil_from_days(days: int) -> Tuple[int, int, int]:
    """(year, month, day) of a day count since 1970-01-01 (H. Hinnant's algorithm)."""
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    year = yoe + era * 400 + (1 if month <= 2 else 0)
    return year, month, day


def _days_from_civil(year: int, month: int, day: int) -> int:
    year -= month <= 2
    era = year // 400
    yoe = year - era * 400
    mp = month - 3 if month > 2 else month + 9
    doy = (153 * mp + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _month_start_ms(index: int) -> int:
    year, month0 = divmod(index, 12)
    return _days_from_civil(1970 + year, month0 + 1, 1) * DAY_MS


def bucket_start(granularity: str, ts_ms: int) -> int:
    """Start (ms, UTC) of the candle of ``granularity`` that contains ``ts_ms``."""
    width = GRANULARITIES[granularity]
    if width == 0:
        return _month_start_ms(_month_index(ts_ms))
    if width == WEEK_MS:
        return (ts_ms - _MONDAY_OFFSET_MS) // WEEK_MS * WEEK_MS + _MONDAY_OFFSET_MS
    return ts_ms // width * width


def next_bucket_start(granularity: str, start_ms: int) -> int:
    """Start of the bucket after the one starting at ``start_ms``."""
    width = GRANULARITIES[granularity]
    if width == 0:
        return _month_start_ms(_month_index(start_ms) + 1)
    return start_ms + width


@dataclass
class Candle:
    """OHLC in price units, ``base_volume`` in size units, ``quote_volume`` in quote minor units."""

    start_ms: int
    open: int
    high: int
    low: int
    close: int
    base_volume: int
    quote_volume: int
    trades: int = 1

    @classmethod
    def first(cls, start_ms: int, price: int, size: int, quote: int) -> "Candle":
        return cls(start_ms, price, price, price, price, size, quote, 1)

    def add(self, price: int, size: int, quote: int) -> None:
        if price > self.high:
            self.high = price
        if price < self.low:
            self.low = price
        self.close = price
        self.base_volume += size
        self.quote_volume += quote
        self.trades += 1

    def as_tuple(self) -> Tuple[int, int, int, int, int, int, int]:
        return (
            self.start_ms,
            self.open,
            self.high,
            self.low,
            self.close,
            self.base_volume,
            self.quote_volume,
        )


def merge_window(candles: List[Candle]) -> Optional[Candle]:
    """One candle spanning ``candles`` (in time order); None when empty."""
    if not candles:
        return None
    first = candles[0]
    merged = Candle(
        first.start_ms,
        first.open,
        first.high,
        first.low,
        first.close,
        first.base_volume,
        first.quote_volume,
        first.trades,
    )
    for candle in candles[1:]:
        merged.high = max(merged.high, candle.high)
        merged.low = min(merged.low, candle.low)
        merged.close = candle.close
        merged.base_volume += candle.base_volume
        merged.quote_volume += candle.quote_volume
        merged.trades += candle.trades
    return merged
