"""The single entry point of the core: ``apply(state, command) -> events``.

Dispatch is a static, exhaustive table from command type to handler; a command type
without a handler is a programming error (tests/architecture checks the table is
complete).  Handlers validate first and mutate after, so a rejected command changes
nothing; a broken invariant raises and the node recovers from the journal.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Tuple

from .. import admin
from ..commands import ClockTick, Command
from ..context import Context
from ..events import Rejected
from ..field_types import field_types
from ..reject import RejectCode
from ..spot import handlers as spot_handlers
from ..wallet import handlers as wallet_handlers
from .products import COMMAND_TAGS, PRODUCTS
from .state import EngineState

__all__ = ["apply", "HANDLERS"]

Handler = Callable[[EngineState, Context, Any], None]

HANDLERS: Dict[type, Handler] = {
    **admin.HANDLERS,
    **wallet_handlers.HANDLERS,
    **spot_handlers.HANDLERS,
}
_TICKERS = tuple(product.on_tick for product in PRODUCTS if product.on_tick is not None)


def _clock_tick(state: EngineState, ctx: Context, cmd: ClockTick) -> None:
    """The core's tick work, then each product's (interest, funding, expiries), in order."""
    admin.clock_tick(state, ctx, cmd)
    for on_tick in _TICKERS:
        on_tick(state, ctx)


HANDLERS[ClockTick] = _clock_tick
for _product in PRODUCTS:
    assert not set(_product.handlers) & set(HANDLERS), f"{_product.name} handles a taken command"
    HANDLERS.update(_product.handlers)
assert set(HANDLERS) == set(COMMAND_TAGS.values()), "every command type needs exactly one handler"


#: every command type's exact field types (core/field_types.py)
_FIELD_TYPES: Dict[type, Tuple[type, ...]] = {cls: field_types(cls) for cls in HANDLERS}
_INVALID = int(RejectCode.INVALID_ARGUMENT)


def apply(state: EngineState, command: Command) -> List[Any]:
    """Apply one command; return its events (``seq`` continues from the previous command).

    A command of an unknown type, with a field of another type than declared (a bool, a
    float, an unhashable value...) or a negative timestamp is rejected here, whole, so
    no handler meets one (handlers check values, not types)."""
    ts_ns = command.ts_ns
    valid_ts = type(ts_ns) is int and ts_ns >= 0
    ctx = state.context
    ctx.begin(ts_ns if valid_ts else state.ts_ns, state.event_seq, state.command_count)
    cls = type(command)
    if not valid_ts or _FIELD_TYPES.get(cls) != tuple(map(type, command)):
        user = getattr(command, "user", 0)
        ctx.emit(Rejected, cls.__name__, user if type(user) is int else 0, _INVALID, "")
    else:
        HANDLERS[cls](state, ctx, command)
    events = ctx.finish()
    state.event_seq = ctx.seq
    state.command_count += 1
    if ctx.ts > state.ts_ns:
        state.ts_ns = ctx.ts
    return events
