"""The simulator's workload: a registry of seeded action generators, one set per product.

An *action* makes one command from the generation context (``Gen``): its seeded ``rng``,
the users, and whatever per-product state the product keeps in ``gen.state``.  Every
product registers its actions (name, weight, maker) and, optionally, setup commands
(listings, funding) and auditor extensions for its own events::

    from openbourse.testing.sim import actions

    @actions.setup("futures")
    def list_contracts(gen):                     # commands run once, before the stream
        return [ListContract(0, "BTCUSDT-PERP", ...)]

    @actions.action("futures", "open", weight=8)
    def open_position(gen):
        return OpenPosition(0, gen.user(), "BTCUSDT-PERP", gen.rng.randint(1, 50), ...)

    @actions.auditor("futures")
    def teach(auditor):                          # predict the product's postings
        auditor.extend(PositionChanged, on_position_changed)

The simulator draws an action by weight among the enabled products for every command
(``ts_ns`` is left 0: the sequencer stamps it from the simulated clock).  Spot, wallet
and admin actions come from ``testing.workload.Workload`` (all order types, cancels,
modifies, batches, plans, TP/SL, deposits, withdrawals, transfers, halts, fee tiers,
clock ticks); ``bad`` is its share of malformed commands.  Keep makers deterministic:
use ``gen.rng`` only, never the wall clock, ``hash()`` or set iteration.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence

from ..auditor import Auditor
from ..workload import MIX, Workload

__all__ = ["Gen", "Action", "action", "setup", "auditor", "registered", "products",
           "remove", "DEFAULT_PRODUCTS"]


@dataclass
class Gen:
    """What action makers see.  ``workload`` drives spot/wallet/admin; products keep their
    own state under ``state[product]``."""

    seed: int
    rng: random.Random
    workload: Workload
    users: int
    state: Dict[str, Any] = field(default_factory=dict)

    def user(self) -> int:
        return self.rng.randint(1, self.users)


Maker = Callable[[Gen], Any]


class Action(NamedTuple):
    product: str
    name: str
    weight: float
    make: Maker


_ACTIONS: Dict[str, Action] = {}
_SETUPS: Dict[str, Callable[[Gen], List[Any]]] = {}
_AUDITORS: Dict[str, Callable[[Auditor], None]] = {}


def action(product: str, name: str, weight: float) -> Callable[[Maker], Maker]:
    """Register ``make(gen) -> command`` as ``product``'s action ``name``."""
    def register(make: Maker) -> Maker:
        key = f"{product}.{name}"
        if key in _ACTIONS:
            raise ValueError(f"action {key} registered twice")
        _ACTIONS[key] = Action(product, name, weight, make)
        return make
    return register


def setup(product: str) -> Callable[[Callable[[Gen], List[Any]]], Callable[[Gen], List[Any]]]:
    """Register the commands that prepare ``product`` (run once, first, in product order)."""
    def register(fn: Callable[[Gen], List[Any]]) -> Callable[[Gen], List[Any]]:
        _SETUPS[product] = fn
        return fn
    return register


def auditor(product: str) -> Callable[[Callable[[Auditor], None]], Callable[[Auditor], None]]:
    """Register ``teach(auditor)``, called on every fresh auditor (see ``Auditor.extend``)."""
    def register(fn: Callable[[Auditor], None]) -> Callable[[Auditor], None]:
        _AUDITORS[product] = fn
        return fn
    return register


def remove(product: str) -> None:
    """Forget everything ``product`` registered (tests that add a toy product)."""
    for key in [k for k, a in _ACTIONS.items() if a.product == product]:
        del _ACTIONS[key]
    _SETUPS.pop(product, None)
    _AUDITORS.pop(product, None)


def products() -> List[str]:
    """Every product with at least one action, in registration order."""
    seen: List[str] = []
    for item in _ACTIONS.values():
        if item.product not in seen:
            seen.append(item.product)
    return seen


def registered(enabled: Optional[Sequence[str]] = None) -> List[Action]:
    """The actions of the ``enabled`` products (default: all), in registration order."""
    return [a for a in _ACTIONS.values() if enabled is None or a.product in enabled]


def setup_commands(gen: Gen, enabled: Sequence[str]) -> List[Any]:
    out: List[Any] = []
    for product in enabled:
        fn = _SETUPS.get(product)
        if fn is not None:
            out.extend(fn(gen))
    return out


def new_auditor(enabled: Sequence[str]) -> Auditor:
    audit = Auditor()
    for product in enabled:
        teach = _AUDITORS.get(product)
        if teach is not None:
            teach(audit)
    return audit


# -- spot, wallet, admin: the core's products today -----------------------------------------
_PRODUCT_OF = {
    "limit": "spot", "market": "spot", "tpsl": "spot", "cancel": "spot", "cancel_all": "spot",
    "modify": "spot", "batch_place": "spot", "batch_cancel": "spot", "plan": "spot",
    "cancel_plan": "spot",
    "deposit": "wallet", "withdraw": "wallet", "transfer": "wallet",
    "halt": "admin", "resume_halted": "admin", "fees": "admin", "tick": "admin",
}


def _workload_maker(kind: str) -> Maker:
    def make(gen: Gen) -> Any:
        return gen.workload.make(kind)
    make.__name__ = f"workload_{kind}"
    return make


for _kind, _weight in MIX.items():
    action(_PRODUCT_OF[_kind], _kind, _weight)(_workload_maker(_kind))
action("spot", "bad", 1.5)(_workload_maker("bad"))  # malformed: must change nothing


@setup("spot")
def _spot_setup(gen: Gen) -> List[Any]:
    """Assets, the two markets and every user's starting funds (``Workload.setup``)."""
    return gen.workload.setup()


from . import products as _products  # noqa: E402,F401  margin, convert, futures

DEFAULT_PRODUCTS = tuple(products())
