"""A digest of the whole state, equal for equal states (replay checks, snapshots, standbys)."""
from __future__ import annotations

import hashlib

from .snapshot import encode_state
from .state import EngineState

__all__ = ["state_hash"]


def state_hash(state: EngineState) -> str:
    return hashlib.sha256(encode_state(state)).hexdigest()
