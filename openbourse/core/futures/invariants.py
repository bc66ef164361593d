"""The futures product's own invariants (``Product.invariants``), checked after every command
in tests.

* longs and shorts of every contract have equal total size;
* positions are positive, margins and costs non-negative, indexes consistent;
* clearing identity: for every contract family (account type, asset) the clearing
  account's balance equals −(Σ cost-basis PnL already realised) = Σ over open positions
  of ``d × sgn × (−cost)`` ... which, with equal long/short sizes, is Σ unrealised PnL at
  any common price; checked exactly for linear contracts (inverse values round per fill).
  Bad debt (deficits nobody covered) is added back.
* resting orders: indexed, in the book, reduce orders within their position.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Dict, Tuple

from ..enums import SystemOwner
from .state import fstate

if TYPE_CHECKING:
    from ..engine.state import EngineState

__all__ = ["check", "clearing_gap"]


def _fail(message: str) -> None:
    from ..engine.invariants import InvariantViolation
    raise InvariantViolation(message)


def clearing_gap(state: "EngineState") -> Dict[Tuple[int, str], int]:
    """Per (account type, asset) of linear contracts: clearing balance − Σ_open(−d×cost) − bad debt.

    Zero when every realised PnL was paid through the clearing account."""
    fs = fstate(state)
    expected: Dict[Tuple[int, str], int] = {}
    linear: Dict[Tuple[int, str], bool] = {}
    for contract in fs.contracts.values():
        key = (contract.account, contract.margin_asset)
        linear[key] = linear.get(key, True) and not contract.inverse
        total = expected.get(key, 0)
        for pos in contract.positions.values():
            total -= pos.d * contract.sgn * pos.cost
        expected[key] = total
    gaps = {}
    for key, total in expected.items():
        if not linear[key]:
            continue
        found = state.ledger.balances.get((int(SystemOwner.CLEARING), key[0], key[1]))
        have = found.available if found is not None else 0
        gaps[key] = have - total + fs.bad_debt.get(key[1], 0)
    return gaps


def check(state: "EngineState") -> None:
    fs = fstate(state)
    for symbol, contract in fs.contracts.items():
        longs = shorts = 0
        for pid, pos in contract.positions.items():
            if fs.positions.get(pid) is not pos or pos.size <= 0 or pos.qty <= 0 or \
                    pos.margin < 0 or pos.cost < 0 or \
                    (pos.qty != pos.size and not contract.inverse):
                _fail(f"bad position {pos!r}")
            if pos.side == 0:
                longs += pos.size
            else:
                shorts += pos.size
        longs += contract.house_size  # inverse: the house holds the face difference
        if longs != shorts:
            _fail(f"{symbol}: longs {longs} != shorts {shorts}")
        for side in (contract.book.bids, contract.book.asks):
            for order in side.orders():
                if fs.orders.get(order.order_id) is not order:
                    _fail(f"unindexed order {order!r}")
    if sum(len(c.positions) for c in fs.contracts.values()) != len(fs.positions):
        _fail("positions outside their contract")
    for order in fs.orders.values():
        if not order.resting or order.remaining <= 0 or order.hold < 0:
            _fail(f"bad order {order!r}")
    for key, gap in clearing_gap(state).items():
        if gap:
            _fail(f"clearing account {key} off by {gap}")
    _check_indexes(fs)


def _check_indexes(fs) -> None:  # type: ignore[no-untyped-def]
    """The derived indexes equal what the primary records give."""
    held: Dict[Tuple[int, int, str], int] = {}
    closes: Dict[Tuple[int, str], set] = {}
    for order in fs.orders.values():
        contract = fs.contracts[order.symbol]
        key = (order.user, contract.account, contract.margin_asset)
        if order.hold:
            held[key] = held.get(key, 0) + order.hold
        if order.reduce:
            closes.setdefault((order.user, order.symbol), set()).add(order.order_id)
    if held != fs.held:
        _fail(f"order-hold totals {fs.held} != {held}")
    if closes != {k: set(v) for k, v in fs.reduce_orders.items()}:
        _fail("reduce-order index out of step")
    indexed = sum(len(b.rising) + len(b.falling) for b in fs.triggers.values()) + \
        sum(len(t) for t in fs.trailing.values())
    if indexed != len(fs.plans) or fs.firing:
        _fail(f"plan index holds {indexed} entries for {len(fs.plans)} plans")
    if sum(len(m) for m in fs.user_plans.values()) != len(fs.plans):
        _fail("user plan index out of step")
    for (kind, user, oid), ident in fs.client_oids.items():
        if (kind, user, oid) not in fs.oid_seen and kind == 0 and ident in fs.orders:
            _fail(f"live client id {oid} without an idempotency entry")
