"""Node configuration: where the data lives and how the server listens.

One small dataclass, filled from CLI flags (and ``OPENBOURSE_DATA_DIR`` for the default
data dir), so tests can build a node in-process with the same knobs as ``openbourse serve``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Config", "default_data_dir"]


def default_data_dir() -> Path:
    """``$OPENBOURSE_DATA_DIR`` or ``~/.openbourse`` (shared by serve and the admin commands)."""
    env = os.environ.get("OPENBOURSE_DATA_DIR")
    return Path(env).expanduser() if env else Path.home() / ".openbourse"


@dataclass
class Config:
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 8080
    demo: bool = True  # list the demo markets and fund a demo user on first start
    market_makers: bool = True  # run the simulated market makers
    rate_limit_scale: float = 1.0  # 0 disables rate limiting (benchmarks)
    max_body: int = 64 * 1024
    snapshot_every: int = 100_000  # commands between engine snapshots
    max_queue: int = 10_000  # sequencer inbound queue (Overloaded beyond)
    seed: int = 1  # market-maker randomness
    tick_interval_s: float = 1.0  # ClockTick pulse (interest, funding, expiries); 0 = none
    access_log: bool = False

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def path(self, name: str) -> Path:
        return self.data_dir / name
