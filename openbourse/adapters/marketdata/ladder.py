"""Integer quote ladders and the cancel/replace diff a maker sends to move its quotes.

Pure functions of integers: given a mid price in price units, a maker's ladder is a
list of (side, price, size); requoting only cancels the levels that moved and places the
new ones, so a book with a slowly drifting reference produces small, realistic updates
instead of a full wipe every second.
"""
from __future__ import annotations

import random
from typing import Dict, Iterable, List, Sequence, Tuple

from ...core.enums import Side

__all__ = ["Quote", "ladder", "nice_step", "requote_diff", "size_units", "random_sizes"]

Quote = Tuple[int, int, int]  # (side, price units, size units)
_BP = 10_000


def ladder(mid: int, tick: int, levels: int, first_bp: int, step_bp: int,
           sizes: Sequence[int]) -> List[Quote]:
    """Bids below and asks above ``mid`` on a fixed price grid, ``first_bp`` from the mid.

    The grid step is ``step_bp`` of the mid rounded to a 1-2-5 number of ticks, so it
    stays the same while the price drifts; levels then sit on the same prices from one
    requote to the next and only the edges of the ladder move.
    """
    grid = nice_step(mid * step_bp // _BP, tick)
    offset = max(tick, mid * first_bp // _BP)
    top_bid = (mid - offset) // grid * grid
    low_ask = -((-(mid + offset)) // grid) * grid
    quotes: List[Quote] = []
    for k in range(levels):
        size = sizes[k % len(sizes)]
        if size <= 0:
            continue
        bid = top_bid - k * grid
        if bid > 0:
            quotes.append((int(Side.BUY), bid, size))
        quotes.append((int(Side.SELL), low_ask + k * grid, size))
    return quotes


def nice_step(raw: int, tick: int) -> int:
    """The 1-2-5 multiple of ``tick`` nearest below ``raw`` (at least one tick)."""
    ticks = max(1, raw // tick)
    magnitude = 1
    while magnitude * 10 <= ticks:
        magnitude *= 10
    for factor in (5, 2, 1):
        if factor * magnitude <= ticks:
            return factor * magnitude * tick
    return tick


def size_units(value_quote: float, reference: float, quantity_precision: int, lot: int,
               min_size: int) -> int:
    """Size units worth about ``value_quote`` at ``reference`` (on the lot grid)."""
    raw = int(value_quote / reference * 10**quantity_precision)
    return max(min_size, raw // lot * lot, lot)


def random_sizes(rng: random.Random, levels: int, value_quote: float, reference: float,
                 quantity_precision: int, lot: int, min_size: int) -> List[int]:
    """Level sizes growing away from the touch, with seeded jitter."""
    return [size_units(value_quote * (1 + 0.35 * k) * rng.uniform(0.6, 1.4), reference,
                       quantity_precision, lot, min_size) for k in range(levels)]


def requote_diff(live: Iterable[Tuple[int, int, int]],
                 desired: Sequence[Quote]) -> Tuple[List[int], List[Quote]]:
    """(order ids to cancel, quotes to place) turning ``live`` into ``desired``.

    ``live`` holds (order_id, side, price).  An existing order at a desired (side, price)
    is kept even if partly filled; duplicates at one price keep the oldest.
    """
    wanted: Dict[Tuple[int, int], Quote] = {(q[0], q[1]): q for q in desired}
    kept: Dict[Tuple[int, int], int] = {}
    cancel: List[int] = []
    for order_id, side, price in sorted(live):
        key = (side, price)
        if key in wanted and key not in kept:
            kept[key] = order_id
        else:
            cancel.append(order_id)
    place = [q for key, q in wanted.items() if key not in kept]
    return cancel, place
