"""How a product (margin, convert, futures, later earn, loans...) plugs into the core.

Spot and the wallet are the core's own command tables; every other product is a package
under ``openbourse/core/`` that exposes one ``PRODUCT = Product(...)``, listed once in
``engine/products.py``.  The engine, the journal codec, snapshots, the ClockTick handler
and the invariant checks pick products up from there, so a product never edits spot code
to exist and replay, recovery and the state hash cover it automatically.

Rules for a product:

* Commands and events are NamedTuples like the core's (``ts_ns`` first; events start with
  ``seq, ts_ns`` and hold only ints and strs).  Their journal tags are the keys of
  ``commands`` / ``events``: fixed forever, inside the product's reserved range below.
* Its state lives in ``state.products[name]`` (built by ``new_state``) and is written to
  snapshots by ``state_tuple`` (a canonical tuple: ints, strs, tuples, sorted keys) and read
  back by ``restore(engine_state, tuple)`` (after the core state, so balances and markets
  can be re-bound).
* Money moves only through the ledger (``state.ledger``), as all-or-nothing batches.
* Time-driven work (interest, funding, expiries) runs in ``on_tick``, called by every
  ``ClockTick`` after the core's own tick work, in ``PRODUCTS`` order.
* ``holds`` reports what the product keeps frozen per (owner, account, asset), so the
  core's hold invariant can account for every frozen unit; ``invariants`` raises
  ``InvariantViolation`` on the product's own broken rules.
* ``transferable(state, user, account, asset)`` answers for the accounts the product owns
  (margin, futures): how much may leave that balance now without breaking its risk rules
  (``None`` = not my account).  The wallet's ``Transfer`` asks it before moving money out.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict, NamedTuple, Optional, Tuple

from .context import Context

if TYPE_CHECKING:
    from .engine.state import EngineState

__all__ = ["Product", "Handler", "HoldKey", "TAG_RANGES"]

Handler = Callable[["EngineState", Context, Any], None]
HoldKey = Tuple[int, int, str]  # (owner, account type, asset)

#: Journal tag ranges (commands and events alike).  The core (spot, wallet, admin) uses
#: 0..99.  Append only: a tag once journaled is never reused.
TAG_RANGES: Dict[str, range] = {
    "margin": range(100, 200),
    "convert": range(200, 250),
    "futures": range(300, 500),
    "earn": range(500, 600),
    "loans": range(600, 700),
    "copy": range(700, 800),
    "bots": range(800, 900),
    "launchpool": range(900, 1000),
}


class Product(NamedTuple):
    name: str
    commands: Dict[int, type]  # journal tag -> command type
    events: Dict[int, type]  # journal tag -> event type
    handlers: Dict[type, Handler]  # command type -> handler(state, ctx, cmd)
    new_state: Callable[[], Any]
    state_tuple: Callable[[Any], Tuple[Any, ...]]
    restore: Callable[["EngineState", Tuple[Any, ...]], Any]
    on_tick: Optional[Callable[["EngineState", Context], None]] = None
    holds: Optional[Callable[["EngineState"], Dict[HoldKey, int]]] = None
    invariants: Optional[Callable[["EngineState"], None]] = None
    transferable: Optional[Callable[["EngineState", int, int, str], Optional[int]]] = None
