"""Simulated market makers and a taker that keep the demo markets alive.

Wiring (node.py), after the demo listings are acknowledged::

    sim = MarketSimulator(sequencer.submit_async, sequencer.query_async, catalog)
    sim.start()          # inside the running loop; ``await sim.stop()`` on shutdown
"""
from .demo import DEMO_ASSETS, DEMO_MARKETS, START_USD, listing_commands
from .simulator import MAKER_USERS, TAKER_USER, MarketMakers, MarketSimulator, SimConfig
from .walk import ReferenceWalk, price_units

__all__ = [
    "MarketSimulator",
    "MarketMakers",
    "SimConfig",
    "MAKER_USERS",
    "TAKER_USER",
    "ReferenceWalk",
    "price_units",
    "DEMO_ASSETS",
    "DEMO_MARKETS",
    "START_USD",
    "listing_commands",
]
