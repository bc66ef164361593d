"""The engine: state, the apply function, snapshots, state hash, invariants, queries."""
from .engine import apply
from .state import EngineState

__all__ = ["EngineState", "apply"]
