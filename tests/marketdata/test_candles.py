"""Candle bucketing (incl. weeks and calendar months) and candles/tickers built from trades."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from openbourse.adapters.readmodels.market import GRANULARITIES, MarketData, bucket_start
from openbourse.adapters.readmodels.market.candles import next_bucket_start, parse_granularity
from openbourse.core import events as ev

SYMBOL = "BTCUSDT"


def ms(*parts: int) -> int:
    return int(datetime(*parts, tzinfo=timezone.utc).timestamp()) * 1000


@pytest.mark.parametrize("gran, ts, start", [
    ("1m", ms(2024, 2, 29, 23, 59) + 59_999, ms(2024, 2, 29, 23, 59)),
    ("15m", ms(2024, 3, 1, 0, 44, 59), ms(2024, 3, 1, 0, 30)),
    ("4h", ms(2024, 3, 1, 3, 59, 59), ms(2024, 3, 1, 0)),
    ("1d", ms(2024, 3, 1, 0, 0) - 1, ms(2024, 2, 29)),
    ("1w", ms(2024, 3, 3, 23, 59), ms(2024, 2, 26)),  # Sunday belongs to the week of Monday 26th
    ("1w", ms(2024, 3, 4), ms(2024, 3, 4)),  # Monday starts a week
    ("1M", ms(2024, 2, 29, 12), ms(2024, 2, 1)),  # leap day
    ("1M", ms(2024, 3, 1) - 1, ms(2024, 2, 1)),
    ("1M", ms(2024, 3, 1), ms(2024, 3, 1)),
    ("1M", ms(2023, 12, 31, 23, 59, 59), ms(2023, 12, 1)),
    ("1M", ms(2100, 3, 1) - 1, ms(2100, 2, 1)),  # 2100 is not a leap year
    ("1M", ms(1969, 12, 31, 23), ms(1969, 12, 1)),
])
def test_bucket_start(gran: str, ts: int, start: int) -> None:
    assert bucket_start(gran, ts) == start


def test_month_boundaries_walk_the_calendar() -> None:
    start = ms(2023, 1, 1)
    for month in range(2, 13 + 12):
        start = next_bucket_start("1M", start)
        year, m = 2023 + (month - 1) // 12, (month - 1) % 12 + 1
        assert start == ms(year, m, 1)


def test_every_fixed_bucket_contains_its_timestamp() -> None:
    for gran in GRANULARITIES:
        for ts in (0, 1, ms(2024, 7, 15, 13, 37, 11) + 123, ms(2031, 1, 1) - 1):
            start = bucket_start(gran, ts)
            assert start <= ts < next_bucket_start(gran, start)


def test_rest_spellings() -> None:
    assert parse_granularity("1min") == "1m"
    assert parse_granularity("1Dutc") == "1d"
    assert parse_granularity("1M") == "1M" and parse_granularity("1Mutc") == "1M"
    assert parse_granularity("1m") == "1m"
    assert parse_granularity("2h") is None and parse_granularity("bogus") is None


def _trade(seq: int, ts_ms: int, price: int, size: int) -> ev.TradeExecuted:
    return ev.TradeExecuted(seq, ts_ms * 1_000_000, seq, SYMBOL, price, size, 0, 1, 2, 1, 2,
                            size * 10, price * size, 0, 0)


def test_candles_across_a_month_boundary() -> None:
    market = MarketData()
    trades = [(ms(2024, 1, 31, 23, 59, 30), 100, 2), (ms(2024, 1, 31, 23, 59, 50), 120, 1),
              (ms(2024, 2, 1, 0, 0, 10), 90, 5), (ms(2024, 2, 1, 0, 3), 95, 1)]
    for seq, (ts, price, size) in enumerate(trades, start=1):
        market.on_events(seq, None, [_trade(seq, ts, price, size)])
    months = market.candles(SYMBOL, "1M")
    assert [c.as_tuple() for c in months] == [
        (ms(2024, 1, 1), 100, 120, 100, 120, 3, 320),
        (ms(2024, 2, 1), 90, 95, 90, 95, 6, 545),
    ]
    minutes = market.candles(SYMBOL, "1m")
    assert [(c.start_ms, c.open, c.close) for c in minutes] == [
        (ms(2024, 1, 31, 23, 59), 100, 120), (ms(2024, 2, 1, 0, 0), 90, 90),
        (ms(2024, 2, 1, 0, 3), 95, 95)]
    three = market.candles(SYMBOL, "3m", start_ms=ms(2024, 2, 1), limit=1)
    assert [(c.start_ms, c.base_volume) for c in three] == [(ms(2024, 2, 1, 0, 3), 1)]


def test_ticker_rolls_24h_window_from_event_time() -> None:
    market = MarketData()
    t0 = ms(2024, 5, 1, 10)
    market.on_events(1, None, [_trade(1, t0, 100, 1)])
    market.on_events(2, None, [_trade(2, t0 + 3_600_000, 150, 2)])
    ticker = market.ticker(SYMBOL)
    assert (ticker.open_24h, ticker.high_24h, ticker.low_24h, ticker.last) == (100, 150, 100, 150)
    assert ticker.base_volume == 3 and ticker.change_24h() == "0.5000"
    market.on_events(3, None, [_trade(3, t0 + 86_400_000 + 60_000, 120, 1)])
    ticker = market.ticker(SYMBOL)  # the first trade has left the window
    assert (ticker.open_24h, ticker.high_24h, ticker.low_24h) == (150, 150, 120)
    assert ticker.base_volume == 3 and ticker.change_24h() == "-0.2000"
    ticker = market.ticker(SYMBOL, now_ms=t0 + 3 * 86_400_000)
    assert (ticker.last, ticker.base_volume, ticker.open_24h) == (120, 0, 120)
