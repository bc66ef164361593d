"""Read-only queries on the state (used on the sequencer thread)."""
from __future__ import annotations

from openbourse.core.engine import queries
from openbourse.core.engine.state_hash import state_hash
from openbourse.testing.builders import (
    BTCUSDT,
    STANDARD_FUNDS,
    USDT,
    order_id_of,
    standard_exchange,
)

P = 6_000_000


def test_queries_answer_from_the_state_and_change_nothing() -> None:
    ex = standard_exchange()
    bids = [order_id_of(ex.buy(1, P - i, 10 + i)) for i in range(3)]
    ex.buy(2, P, 5)
    ask = order_id_of(ex.sell(2, P + 7, 4))
    before = state_hash(ex.state)
    assert queries.depth(ex.state, BTCUSDT, 2) == ([(P, 15), (P - 1, 11)], [(P + 7, 4)])
    assert queries.depth(ex.state, BTCUSDT, 10)[0][-1] == (P - 2, 12)
    assert queries.balance(ex.state, 1, 1, USDT) == ex.balance(1, USDT)
    assert queries.balance(ex.state, 99, 1, USDT) == (0, 0)
    assert [o.order_id for o in queries.open_orders(ex.state, 1)] == bids
    assert [o.order_id for o in queries.open_orders(ex.state, 2, BTCUSDT)] == [bids[-1] + 1, ask]
    assert queries.open_orders(ex.state, 2, "ETHUSDT") == []
    assert queries.market(ex.state, BTCUSDT).symbol == BTCUSDT
    assert queries.market(ex.state, "NOPE") is None
    assert state_hash(ex.state) == before
    assert ex.balance(1, USDT)[1] == sum((10 + i) * (P - i) for i in range(3))
    assert STANDARD_FUNDS[USDT] == sum(ex.balance(1, USDT))
