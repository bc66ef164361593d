"""Simulated liquidity: maker accounts quoting ladders and a taker crossing now and then.

The simulator is an ordinary client: it only submits commands (``submit_async``) and
reads its own open orders (``query_async`` with ``queries.open_orders``, like a client
calling unfilled-orders).  All randomness is here, seeded; the core stays deterministic
because the commands it receives are journaled like any others.  The rate is bounded:
per tick one maker requotes each market (a BatchCancel and a BatchPlace at most) and the
taker may send one IOC order, i.e. about ten commands per second per market by default.
"""
from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Awaitable, Callable, Dict, List, Optional, Sequence, Tuple

from ...core import commands as c
from ...core.engine import queries
from ...core.enums import AccountType, Force, OrderType, Side
from ...core.units import to_units
from ..readmodels.catalog import Catalog, MarketInfo
from .demo import START_USD, VOL_PER_STEP
from .ladder import ladder, random_sizes, requote_diff, size_units
from .walk import ReferenceWalk, price_units

__all__ = ["SimConfig", "MarketSimulator", "MarketMakers", "MAKER_USERS", "TAKER_USER"]

_log = logging.getLogger(__name__)

#: User ids reserved for simulated accounts (far above the user directory's autoincrement).
MAKER_USERS: Tuple[int, ...] = (900_000_001, 900_000_002, 900_000_003)
TAKER_USER = 900_000_010
_BATCH = 50  # core MAX_BATCH

Submit = Callable[[Any], Awaitable[List[Any]]]
Query = Callable[[Callable[[Any], Any]], Awaitable[Any]]


@dataclass
class SimConfig:
    seed: int = 7
    tick_s: float = 0.25  # one walk step and one requote round per tick
    levels: int = 10  # per side per maker
    first_bp: int = 5  # touch distance from the reference, basis points (maker 0)
    step_bp: int = 6  # distance between levels
    level_value_usd: float = 1500.0
    taker_probability: float = 0.35  # per market per tick
    taker_value_usd: float = 600.0
    budget_usd: str = "50000000"  # deposited per asset per simulated account
    makers: Tuple[int, ...] = MAKER_USERS
    taker: int = TAKER_USER
    start_usd: Dict[str, str] = field(default_factory=lambda: dict(START_USD))
    vol_per_step: Dict[str, float] = field(default_factory=lambda: dict(VOL_PER_STEP))
    symbols: Optional[Sequence[str]] = None  # None = every listed market


class MarketSimulator:
    def __init__(self, submit: Submit, query: Optional[Query], catalog: Catalog,
                 config: Optional[SimConfig] = None) -> None:
        self.submit = submit
        self.query = query
        self.catalog = catalog
        self.config = config or SimConfig()
        self.rng = random.Random(self.config.seed ^ 0x5EED)
        self.walk = ReferenceWalk(self.config.seed, self.config.start_usd,
                                  self.config.vol_per_step)
        self.ticks = 0
        self.commands = 0
        self.errors = 0
        self._task: Optional[asyncio.Task] = None
        self._stop = asyncio.Event()

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> "asyncio.Task[None]":
        self._task = asyncio.get_running_loop().create_task(self.run(), name="market-sim")
        return self._task

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, timeout=5)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                self._task.cancel()
            self._task = None

    async def run(self) -> None:
        await self.bootstrap()
        loop = asyncio.get_running_loop()
        while not self._stop.is_set():
            started = loop.time()
            try:
                await self.tick()
            except Exception:  # noqa: BLE001  (keep the demo alive; count and log)
                self.errors += 1
                _log.exception("market simulator tick failed")
            delay = self.config.tick_s - (loop.time() - started)
            try:
                await asyncio.wait_for(self._stop.wait(), timeout=max(0.0, delay))
            except asyncio.TimeoutError:
                pass

    # -- setup -----------------------------------------------------------------------
    def markets(self) -> List[MarketInfo]:
        wanted = self.config.symbols
        out = []
        for info in self.catalog.markets.values():
            if wanted is not None and info.symbol not in wanted:
                continue
            if info.base in self.config.start_usd and info.quote in self.config.start_usd:
                out.append(info)
        return out

    async def bootstrap(self) -> None:
        """Zero fees and idempotent deposits (same refs on every start) for sim accounts."""
        assets = sorted({a for m in self.markets() for a in (m.base, m.quote)})
        for user in (*self.config.makers, self.config.taker):
            await self._send(c.SetUserFees(0, user, 0, 0))
            for asset in assets:
                scale = self.catalog.assets[asset]
                whole = Decimal(self.config.budget_usd) / Decimal(self.config.start_usd[asset])
                amount = to_units(str(whole.quantize(Decimal(1))), 0) * 10**scale
                await self._send(c.Deposit(0, user, int(AccountType.SPOT), asset, amount,
                                           f"sim:{user}:{asset}"))

    # -- one step --------------------------------------------------------------------
    async def tick(self) -> None:
        self.walk.step()
        maker = self.config.makers[self.ticks % len(self.config.makers)]
        maker_index = self.ticks % len(self.config.makers)
        self.ticks += 1
        for info in self.markets():
            reference = self.walk.rate(info.base, info.quote)
            await self.requote(maker, maker_index, info, reference)
            if self.rng.random() < self.config.taker_probability:
                await self.take(info, reference)

    async def requote(self, user: int, index: int, info: MarketInfo, reference: float) -> None:
        cfg = self.config
        mid = price_units(reference, info.price_precision, info.tick)
        quote_usd = self.walk.usd(info.quote)
        sizes = random_sizes(self.rng, cfg.levels, cfg.level_value_usd / quote_usd, reference,
                             info.quantity_precision, info.lot, info.min_size)
        desired = ladder(mid, info.tick, cfg.levels, cfg.first_bp + 2 * index,
                         cfg.step_bp + 3 * index, sizes)
        symbol = info.symbol
        if self.query is None:  # no way to see our fills: replace the whole ladder
            await self._send(c.CancelAll(0, user, symbol))
            cancel, place = [], list(desired)
        else:
            live = await self.query(lambda state: [
                (o.order_id, o.side, o.price) for o in queries.open_orders(state, user, symbol)])
            cancel, place = requote_diff(live, desired)
        for start in range(0, len(cancel), _BATCH):
            chunk = cancel[start:start + _BATCH]
            await self._send(c.BatchCancel(0, tuple(c.CancelOrder(0, user, symbol, oid)
                                                     for oid in chunk)))
        for start in range(0, len(place), _BATCH):
            chunk = place[start:start + _BATCH]
            await self._send(c.BatchPlace(0, tuple(
                c.PlaceOrder(0, user, symbol, side, int(OrderType.LIMIT), int(Force.GTC), price,
                             size, 0) for side, price, size in chunk)))

    async def take(self, info: MarketInfo, reference: float) -> None:
        """An IOC order through the touch, sized around ``taker_value_usd``."""
        side = int(Side.BUY) if self.rng.random() < 0.5 else int(Side.SELL)
        through = reference * (1.004 if side == Side.BUY else 0.996)
        price = price_units(through, info.price_precision, info.tick)
        value = self.config.taker_value_usd / self.walk.usd(info.quote) * self.rng.uniform(0.2, 2)
        size = size_units(value, reference, info.quantity_precision, info.lot, info.min_size)
        await self._send(c.PlaceOrder(0, self.config.taker, info.symbol, side,
                                      int(OrderType.LIMIT), int(Force.IOC), price, size, 0))

    async def _send(self, command: Any) -> List[Any]:
        try:
            events = await self.submit(command)
        except Exception:  # noqa: BLE001  (overloaded or stopping: skip this command)
            self.errors += 1
            return []
        self.commands += 1
        return events


class MarketMakers(MarketSimulator):
    """``MarketMakers(submit, catalog, seed, query)``: the constructor ``runtime/server.py`` uses.

    Pass ``query=sequencer.query_async`` so makers requote incrementally (only moved
    levels); without it every requote is a cancel-all plus a full ladder.
    """

    def __init__(self, submit: Submit, catalog: Catalog, seed: int = 7,
                 query: Optional[Query] = None, config: Optional[SimConfig] = None) -> None:
        config = config or SimConfig()
        config.seed = seed
        super().__init__(submit, query, catalog, config)
