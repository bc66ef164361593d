"""SQLite persistence: restart restores candles, trades, the book and last_seq; history pages."""
from __future__ import annotations

from pathlib import Path

from openbourse.adapters.readmodels.market import MarketData
from openbourse.core.engine import EngineState, apply

from .helpers import SYMBOL, funding_commands, listing_commands, random_stream

USERS = [1, 2, 3]


def _feed(market: MarketData, state: EngineState, commands, first_seq: int) -> int:
    seq = first_seq
    for command in commands:
        market.on_events(seq, command, apply(state, command))
        seq += 1
    return seq


def _view(market: MarketData):
    return (market.book(SYMBOL).bids(), market.book(SYMBOL).asks(),
            market.recent_trades(SYMBOL, 5000),
            [c.as_tuple() for g in ("1m", "1h", "1M") for c in market.candles(SYMBOL, g, limit=1000)],
            market.ticker(SYMBOL))


def test_restart_restores_everything_and_catches_up(tmp_path: Path) -> None:
    db = str(tmp_path / "market.sqlite")
    commands = listing_commands() + funding_commands(USERS) + list(random_stream(5, 1200, USERS))
    state = EngineState()
    first = MarketData(db)
    seq = _feed(first, state, commands[:800], 1)
    first.flush()
    first.close()

    second = MarketData(db)
    assert second.last_seq == seq - 1
    # replaying the whole journal is harmless: already-applied commands are skipped
    replay_state = EngineState()
    _feed(second, replay_state, commands[:800], 1)
    seq = _feed(second, state, commands[800:], seq)

    reference = MarketData()
    _feed(reference, EngineState(), commands, 1)
    assert _view(second) == _view(reference)
    second.close()


def test_trade_history_pages_with_id_less_than(tmp_path: Path) -> None:
    market = MarketData(str(tmp_path / "m.sqlite"), recent_trades=50)
    commands = listing_commands() + funding_commands(USERS) + list(random_stream(8, 1500, USERS))
    state = EngineState()
    for i, command in enumerate(commands, start=1):
        market.on_events(i, command, apply(state, command))
        if i % 200 == 0:
            market.flush()  # some history on disk, some still pending
    everything = []
    cursor = None
    while True:
        page = market.trade_history(SYMBOL, limit=37, id_less_than=cursor)
        if not page:
            break
        everything.extend(page)
        cursor = page[-1].trade_id
    ids = [t.trade_id for t in everything]
    assert ids == sorted(ids, reverse=True) and len(ids) == len(set(ids))
    assert len(ids) > 200
    assert market.recent_trades(SYMBOL, 50) == everything[:50]
    lo, hi = everything[-40].ts_ms, everything[-10].ts_ms
    windowed = market.trade_history(SYMBOL, limit=1000, start_ms=lo, end_ms=hi)
    assert windowed == [t for t in everything if lo <= t.ts_ms <= hi]
    market.close()
