"""Perpetual futures (USDT-M, USDC-M linear; Coin-M inverse): see docs/futures.md."""
from __future__ import annotations

from ..product import Product
from . import handlers, margin, state
from .commands import FUTURES_COMMANDS
from .events import FUTURES_EVENTS
from .invariants import check

__all__ = ["PRODUCT"]

PRODUCT = Product(
    name="futures",
    commands=FUTURES_COMMANDS,
    events=FUTURES_EVENTS,
    handlers=handlers.HANDLERS,
    new_state=state.new_state,
    state_tuple=state.state_tuple,
    restore=state.restore,
    on_tick=handlers.on_tick,
    holds=margin.holds,
    invariants=check,
    transferable=margin.transferable,
)
