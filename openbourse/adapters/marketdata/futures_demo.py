"""The demo perpetual contracts (defined by the core: ``core/futures/demo.py``) and the spot
market whose mid anchors each one's simulated external venues.

``contract_listings()`` is what a fresh demo node submits after the spot listings (the
core refuses a contract that is already listed, so replaying it is harmless).
"""
from __future__ import annotations

from typing import List

from ...core.futures.commands import ListContract
from ...core.futures.demo import demo_contracts

__all__ = ["contract_listings", "SPOT_REFERENCE"]

#: contract → the demo spot market whose mid the simulated external venues follow
SPOT_REFERENCE = {"BTCUSDT": "BTCUSDT", "ETHUSDT": "ETHUSDT", "BTCPERP": "BTCUSDC",
                  "ETHPERP": "ETHUSDT", "BTCUSD": "BTCUSDT", "ETHUSD": "ETHUSDT"}


def contract_listings(ts_ns: int = 0) -> List[ListContract]:
    return demo_contracts(ts_ns)
