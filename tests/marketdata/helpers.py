"""Shared fixtures: a listed market, funded users and a seeded random command stream."""
from __future__ import annotations

import random
from typing import Iterator, List, Tuple

from openbourse.core import commands as c
from openbourse.core.engine import EngineState, apply
from openbourse.core.enums import AccountType, Force, OrderType, Side

T0 = 1_700_000_000_000_000_000  # ns
SYMBOL = "BTCUSDT"


def listing_commands(ts: int = T0) -> List[object]:
    """BTC (8 dp) / USDT (6 dp); prices with 2 decimals, sizes with 4."""
    return [
        c.ListAsset(ts, "BTC", 8),
        c.ListAsset(ts, "USDT", 6),
        c.ListMarket(ts, SYMBOL, "BTC", "USDT", 2, 4, 1, 1, 1, 10**9, 0, 1000, 2000, 0, 0),
    ]


def funding_commands(users: List[int], ts: int = T0) -> List[object]:
    out: List[object] = []
    for user in users:
        out.append(c.Deposit(ts, user, int(AccountType.SPOT), "BTC", 10**14, f"b{user}"))
        out.append(c.Deposit(ts, user, int(AccountType.SPOT), "USDT", 10**16, f"u{user}"))
    return out


def random_stream(seed: int, n: int, users: List[int], ts0: int = T0,
                  step_ns: int = 250_000_000) -> Iterator[object]:
    """Limit (all forces), market, cancel, cancel-all, modify and batch commands around 30000.00."""
    rng = random.Random(seed)
    ts = ts0
    for i in range(n):
        ts += rng.randrange(step_ns)
        user = rng.choice(users)
        roll = rng.random()
        side = int(rng.choice((Side.BUY, Side.SELL)))
        price = 3_000_000 + rng.randrange(-300, 301)
        size = rng.randrange(1, 500)
        if roll < 0.55:
            force = int(rng.choice((int(Force.GTC), int(Force.GTC), Force.IOC, Force.FOK,
                                    Force.POST_ONLY)))
            yield c.PlaceOrder(ts, user, SYMBOL, side, int(OrderType.LIMIT), force, price, size, 0,
                               f"o{i}" if rng.random() < 0.3 else "")
        elif roll < 0.65:
            if side == int(Side.BUY):
                yield c.PlaceOrder(ts, user, SYMBOL, side, int(OrderType.MARKET), int(Force.GTC),
                                   0, 0, rng.randrange(1, 10**9))
            else:
                yield c.PlaceOrder(ts, user, SYMBOL, side, int(OrderType.MARKET), int(Force.GTC),
                                   0, size, 0)
        elif roll < 0.85:
            yield c.CancelOrder(ts, user, SYMBOL, rng.randrange(1, i + 2))
        elif roll < 0.88:
            yield c.CancelAll(ts, user, SYMBOL)
        elif roll < 0.94:
            yield c.ModifyOrder(ts, user, SYMBOL, rng.randrange(1, i + 2), "",
                                price + rng.randrange(-50, 51), rng.randrange(0, 300))
        else:
            orders = tuple(
                c.PlaceOrder(0, user, SYMBOL, int(rng.choice((Side.BUY, Side.SELL))),
                             int(OrderType.LIMIT), int(Force.GTC),
                             3_000_000 + rng.randrange(-300, 301), rng.randrange(1, 300), 0)
                for _ in range(rng.randrange(1, 6)))
            yield c.BatchPlace(ts, orders)


def run(commands, listener) -> Tuple[EngineState, int]:
    """Apply commands to a fresh engine, calling ``listener(seq, command, events)``."""
    state = EngineState()
    seq = 0
    for command in commands:
        seq += 1
        listener(seq, command, apply(state, command))
    return state, seq
