"""The engine functions the journal needs, bundled so they can be swapped in tests.

Recovery and snapshots only need five pure functions of the core; passing them as one
``StateMachine`` value (instead of importing the engine everywhere) lets the journal be
tested against a tiny toy state machine and keeps the dependency on the engine in one
place, ``engine_machine()``.
"""
from __future__ import annotations

from typing import Any, Callable, List, NamedTuple

from ..core.commands import Command

__all__ = ["StateMachine", "engine_machine"]


class StateMachine(NamedTuple):
    new_state: Callable[[], Any]  # the empty state (``EngineState()``)
    apply: Callable[[Any, Command], List[Any]]  # mutates the state, returns events
    encode_state: Callable[[Any], bytes]  # canonical snapshot bytes
    decode_state: Callable[[bytes], Any]
    state_hash: Callable[[Any], str]  # hex digest of the canonical state


def engine_machine() -> StateMachine:
    """The real engine (imported lazily, so the journal imports without it)."""
    from ..core.engine import EngineState, apply
    from ..core.engine.snapshot import decode_state, encode_state
    from ..core.engine.state_hash import state_hash

    return StateMachine(EngineState, apply, encode_state, decode_state, state_hash)
