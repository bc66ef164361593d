"""The order book's price levels: FIFO links, O(1) cancel anywhere in a level, matching.

A level is a linked list through the orders' ``prev``/``next`` slots, so these tests check
the links themselves against a plain list model after every step, not only what the
engine-level tests can see.
"""
from __future__ import annotations

import random
from typing import List

from openbourse.core.orderbook.book import BookSide, Level, OrderBook
from openbourse.core.orderbook.order import Order

BUY, SELL = 0, 1


def order(order_id: int, side: int, price: int, size: int, user: int = 1) -> Order:
    return Order(order_id, user, "X", side, 0, 0, price, size, 0, "", 0, 0, 0, None, None, 0)


def assert_links(level: Level, expected: List[Order]) -> None:
    """The level holds exactly ``expected``, oldest first, linked both ways."""
    assert level.orders() == expected
    assert level.head is expected[0] and level.tail is expected[-1]
    assert expected[0].prev is None and expected[-1].next is None
    for older, newer in zip(expected, expected[1:]):
        assert older.next is newer and newer.prev is older
    assert level.total == sum(o.remaining for o in expected)


def test_cancels_anywhere_in_a_deep_level_keep_fifo_order() -> None:
    side = BookSide(+1)
    orders = [order(i, SELL, 100, 1 + i % 7) for i in range(1, 401)]
    for o in orders:
        side.add(o)
    model = list(orders)
    rng = random.Random(7)
    while len(model) > 1:
        victim = model.pop(rng.randrange(len(model)))  # head, tail and middle all happen
        side.remove(victim)
        assert victim.remaining == 0
        assert victim.prev is None and victim.next is None  # the book keeps no reference
        assert_links(side.levels[100], model)
    side.remove(model[0])
    assert side.levels == {} and side.keys == []


def test_an_order_added_after_cancels_goes_to_the_back() -> None:
    side = BookSide(-1)
    first, second, third = order(1, BUY, 50, 2), order(2, BUY, 50, 3), order(3, BUY, 50, 4)
    for o in (first, second, third):
        side.add(o)
    side.remove(third)  # the tail
    side.remove(first)  # the head
    late = order(4, BUY, 50, 5)
    side.add(late)
    assert_links(side.levels[-50], [second, late])
    assert side.depth(5) == [(50, 8)]


def test_match_takes_the_oldest_survivors_and_unlinks_filled_makers() -> None:
    book = OrderBook("X")
    makers = [order(i, SELL, 100, 10) for i in range(1, 6)]
    for o in makers:
        book.asks.add(o)
    book.asks.remove(makers[1])
    book.asks.remove(makers[3])
    taker = order(9, BUY, 100, 25, user=2)
    fills, stp_makers, stopped = book.match(taker, 100, 25)
    assert [(m.order_id, size) for m, size in fills] == [(1, 10), (3, 10), (5, 5)]
    assert not stp_makers and not stopped
    for filled in (makers[0], makers[2]):
        assert filled.remaining == 0 and filled.prev is None and filled.next is None
    assert_links(book.asks.levels[100], [makers[4]])
    assert makers[4].remaining == 5


def test_sweeping_a_level_removes_it_and_moves_to_the_next_price() -> None:
    book = OrderBook("X")
    near = [order(1, SELL, 100, 4), order(2, SELL, 100, 6)]
    far = order(3, SELL, 101, 10)
    for o in (*near, far):
        book.asks.add(o)
    fills, _, _ = book.match(order(9, BUY, 101, 12, user=2), 101, 12)
    assert [(m.order_id, size) for m, size in fills] == [(1, 4), (2, 6), (3, 2)]
    assert book.asks.keys == [101]
    assert_links(book.asks.levels[101], [far])
    assert book.best_ask() == 101
