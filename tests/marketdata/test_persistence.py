"""SQLite persistence: restart restores candles, trades, the book and last_seq; history pages."""
from __future__ import annotations

from pathlib import Path

from openbourse.adapters.readmodels.market import MarketData
from openbourse.core.engine import EngineState, apply

from .helpers import SYMBOL, T0, funding_commands, listing_commands, random_stream

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
            [c.as_tuple() for g in ("1m", "1h", "1M")
             for c in market.candles(SYMBOL, g, limit=1000)],
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


def test_book_rows_match_the_book_whatever_the_flush_cadence(tmp_path: Path) -> None:
    """Orders that rest and leave between two flushes are never written; everything else
    is, so the stored rows are exactly the resting orders and a restart rebuilds the book."""
    db = str(tmp_path / "market.sqlite")
    commands = listing_commands() + funding_commands(USERS) + list(random_stream(11, 3000, USERS))
    state = EngineState()
    market = MarketData(db)
    for seq, command in enumerate(commands, start=1):
        market.on_events(seq, command, apply(state, command))
        if seq % 37 == 0:
            market.flush()
    market.flush()
    assert market.store is not None
    stored = sorted(market.store.book_orders())
    live = sorted((oid, SYMBOL, side, price, remaining)
                  for oid, side, price, remaining in market.book(SYMBOL).resting_orders())
    assert stored == live and live
    market.close()
    reopened = MarketData(db)
    reference = MarketData()
    _feed(reference, EngineState(), commands, 1)
    assert reopened.book(SYMBOL).bids() == reference.book(SYMBOL).bids()
    assert reopened.book(SYMBOL).asks() == reference.book(SYMBOL).asks()
    reopened.close()


def test_an_order_placed_and_cancelled_between_flushes_is_not_written(tmp_path: Path) -> None:
    from openbourse.core.commands import CancelOrder, PlaceOrder

    market = MarketData(str(tmp_path / "m.sqlite"))
    state = EngineState()
    seq = _feed(market, state, listing_commands() + funding_commands(USERS), 1)
    seq = _feed(market, state, [PlaceOrder(T0, 1, SYMBOL, 0, 0, 0, 2_900_000, 10, 0)], seq)
    written = market.collect_flush()  # order 1 is written
    assert [row[0] for row in written.orders_upsert] == [1] and not written.orders_delete
    seq = _feed(market, state, [PlaceOrder(T0, 1, SYMBOL, 0, 0, 0, 2_900_000, 10, 0),
                                CancelOrder(T0, 1, SYMBOL, 2), CancelOrder(T0, 1, SYMBOL, 1)], seq)
    batch = market.collect_flush()
    assert not batch.orders_upsert and batch.orders_delete == [1]  # order 2 never existed there
    market.close()
