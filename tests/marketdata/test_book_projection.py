"""The L2 book projected from events equals the engine's own book, command by command."""
from __future__ import annotations

import pytest

from openbourse.adapters.readmodels.market import MarketData
from openbourse.core.engine import EngineState, apply, queries

from .helpers import SYMBOL, funding_commands, listing_commands, random_stream

USERS = [1, 2, 3, 4, 5]


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_projection_matches_engine_depth_after_every_command(seed: int) -> None:
    state = EngineState()
    market = MarketData()
    commands = listing_commands() + funding_commands(USERS) + list(
        random_stream(seed, 1500, USERS))
    non_empty = 0
    for seq, command in enumerate(commands, start=1):
        events = apply(state, command)
        market.on_events(seq, command, events)
        if SYMBOL not in state.books:
            continue
        bids, asks = queries.depth(state, SYMBOL, 10_000)
        book = market.book(SYMBOL)
        assert book is not None
        assert book.bids() == bids, f"bids differ after command {seq}: {command}"
        assert book.asks() == asks, f"asks differ after command {seq}: {command}"
        non_empty += bool(bids and asks)
    assert non_empty > 100  # the stream really exercised a two-sided book


def test_changed_levels_cover_every_level_that_moved() -> None:
    state = EngineState()
    market = MarketData()
    commands = listing_commands() + funding_commands(USERS) + list(random_stream(9, 800, USERS))
    before: dict = {}
    for seq, command in enumerate(commands, start=1):
        market.on_events(seq, command, apply(state, command))
        book = market.book(SYMBOL)
        if book is None:
            continue
        now = {(0, p): s for p, s in book.bids()} | {(1, p): s for p, s in book.asks()}
        moved = {k for k in before.keys() | now.keys() if before.get(k) != now.get(k)}
        changed = market.take_changes().levels.get(SYMBOL, set())
        assert moved <= changed
        before = now


def test_replayed_commands_are_ignored() -> None:
    state = EngineState()
    market = MarketData()
    commands = listing_commands() + funding_commands(USERS) + list(random_stream(3, 300, USERS))
    log = []
    for seq, command in enumerate(commands, start=1):
        events = apply(state, command)
        log.append((seq, command, events))
        market.on_events(seq, command, events)
    snapshot = (market.book(SYMBOL).bids(), market.book(SYMBOL).asks(),
                market.recent_trades(SYMBOL, 10_000))
    for entry in log[-100:]:
        market.on_events(*entry)
    assert (market.book(SYMBOL).bids(), market.book(SYMBOL).asks(),
            market.recent_trades(SYMBOL, 10_000)) == snapshot
