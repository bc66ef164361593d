"""openbourse engines for the peer harness in ../shared/bench/peers (see its README).

    cd ../shared/bench/peers
    python3 harness.py run reference pyorderbook \
        /path/to/openbourse/bench/peers_adapter.py:MatchOnly \
        /path/to/openbourse/bench/peers_adapter.py:FullCore --repeats 5

``MatchOnly`` runs the project's order book and matching alone; ``FullCore`` runs every
command through ``apply`` (validation, ledger holds, fees, events).  Both must report
"same as reference" on trades, volume, L3 and L2.
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from openbourse.bench.engine_bench import (fresh_state, run_match_only,  # noqa: E402
                                           to_core_commands)
from openbourse.core.engine import apply  # noqa: E402
from openbourse.core.events import TradeExecuted  # noqa: E402
from openbourse.core.orderbook.book import OrderBook  # noqa: E402


def _l3(book: OrderBook):
    return [(order.side, order.price, order.order_id, order.remaining)
            for side in (book.bids, book.asks) for order in side.orders()]


class MatchOnly:
    name = "openbourse book+matching"
    language = "Python"
    supports_market = False

    def __init__(self):
        self.book = None

    def run(self, cmds):
        seconds, trades, volume, self.book = run_match_only(cmds, return_book=True)
        return trades, volume

    def snapshot(self):
        return {"l3": _l3(self.book)}


class FullCore:
    name = "openbourse full core (apply)"
    language = "Python"
    supports_market = False

    def __init__(self):
        self.state = fresh_state()
        self.commands = None

    def run(self, cmds):
        state, trades, volume = self.state, 0, 0
        for command in to_core_commands(cmds):
            for event in apply(state, command):
                if type(event) is TradeExecuted:
                    trades += 1
                    volume += event.size
        return trades, volume

    def snapshot(self):
        return {"l3": _l3(self.state.books["BENCHUSD"])}
