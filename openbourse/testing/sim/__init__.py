"""Deterministic simulation of the whole node ("our VOPR").

The production sequencer, engine and journal run against a simulated disk that loses
power at seeded moments (losing unsynced bytes, tearing or garbling the last writes, or
dying after an fsync but before the acknowledgement) and a simulated clock, driven by a
seeded workload from a per-product action registry and checked by the independent
``Auditor``.  One integer seed reproduces a run exactly::

    from openbourse.testing.sim import run
    result = run(seed=7, steps=300)          # raises SimFailure("seed 7: ...") on a bug

Command line (soak): ``openbourse sim --seeds 0:1000 --steps 500``.  How to add a
product's actions: ``actions.py`` and docs/reliability.md.
"""
from . import actions
from .disk import FAULT_KINDS, PowerCut, SimDisk
from .node import MemorySnapshots, SimNode, StepTimeout
from .runner import SimFailure, SimResult, run

__all__ = ["run", "SimResult", "SimFailure", "SimDisk", "PowerCut", "FAULT_KINDS", "SimNode",
           "MemorySnapshots", "StepTimeout", "actions"]
