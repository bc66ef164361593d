"""A command with any field of another type than declared is rejected whole, never raises.

The core does not trust its input (a buggy edge, a damaged journal): an exception inside
``apply`` stops the node, so every command type and every field is tried here with values
the journal could carry (marshal encodes lists, dicts, floats, bools, None).
"""
from __future__ import annotations

from typing import Any

import pytest

from openbourse.core.commands import BatchCancel, BatchPlace, CancelOrder, PlaceOrder
from openbourse.core.engine.products import COMMAND_TAGS
from openbourse.core.events import Rejected
from openbourse.core.field_types import field_types
from openbourse.core.reject import RejectCode
from openbourse.testing.builders import BTCUSDT, masked_state, reject_code, standard_exchange

P = 6_000_000  # a price on BTCUSDT (2 decimals): 60,000.00
_BAD = ([1], {"a": 1}, 1.5, None, True, b"x")
_GOOD = {int: 1, str: BTCUSDT, tuple: ()}


def _sample(cls: type) -> Any:
    return cls(*(_GOOD[kind] for kind in field_types(cls)))


@pytest.mark.parametrize("cls", sorted(COMMAND_TAGS.values(), key=lambda c: c.__name__),
                         ids=lambda c: c.__name__)
def test_every_mistyped_field_is_rejected_and_changes_nothing(cls: type) -> None:
    ex = standard_exchange()
    ex.buy(1, P, 100)
    base = _sample(cls)
    for name in cls._fields[1:]:  # type: ignore[attr-defined]
        for bad in _BAD:
            before = masked_state(ex.state)
            events = ex.apply(base._replace(ts_ns=ex.state.ts_ns + 1, **{name: bad}))
            assert [(type(e), e.code) for e in events] == \
                [(Rejected, RejectCode.INVALID_ARGUMENT)], (name, bad, events)
            assert masked_state(ex.state) == before, (name, bad)


def test_a_bad_batch_item_is_rejected_alone() -> None:
    ex = standard_exchange()
    good = PlaceOrder(0, 1, BTCUSDT, 0, 0, 0, P, 100, 0, "a")
    bad = good._replace(size=100.0, client_oid="b")
    events = ex.apply(BatchPlace(0, (good, bad, good._replace(client_oid="c"))))
    rejected = [e for e in events if type(e) is Rejected]
    assert [(e.code, e.ref) for e in rejected] == [(RejectCode.INVALID_ARGUMENT, "b")]
    assert len(ex.state.orders) == 2
    resting = sorted(ex.state.orders)
    events = ex.apply(BatchCancel(0, (CancelOrder(0, 1, BTCUSDT, resting[0]),
                                      CancelOrder(0, 1, [BTCUSDT], resting[1]))))  # type: ignore
    assert reject_code(events) == RejectCode.INVALID_ARGUMENT
    assert sorted(ex.state.orders) == resting[1:]


def test_field_types_refuse_a_type_the_journal_cannot_hold() -> None:
    from typing import NamedTuple

    class Odd(NamedTuple):
        ts_ns: int
        ratio: float

    with pytest.raises(TypeError, match="Odd.ratio"):
        field_types(Odd)
