"""A seeded command stream for the real engine: listings, deposits, then trading.

Shared by the crash test's child process and the determinism test.  Commands carry
``ts_ns=0``: the sequencer stamps them.  Prices hover around 30 000.00 so limit orders
cross often, producing trades, partial fills, cancels and rejects.
"""
from __future__ import annotations

import random
from typing import List

from openbourse.core.commands import (
    CancelOrder,
    Command,
    Deposit,
    ListAsset,
    ListMarket,
    PlaceOrder,
)
from openbourse.core.enums import AccountType, Force, OrderType, Side

USERS = range(1, 9)
SPOT = int(AccountType.SPOT)
MID_PRICE = 3_000_000  # 30 000.00 at price precision 2


def setup_commands() -> List[Command]:
    """List BTC/USDT (both scale 8) and BTCUSDT, and fund every user."""
    commands: List[Command] = [
        ListAsset(0, "BTC", 8),
        ListAsset(0, "USDT", 8),
        ListMarket(0, "BTCUSDT", "BTC", "USDT", 2, 6, 1, 1, 1, 10**12, 0, 1000, 2000, 0, 0),
    ]
    for user in USERS:
        commands.append(Deposit(0, user, SPOT, "BTC", 1_000 * 10**8, f"fund-btc-{user}"))
        commands.append(Deposit(0, user, SPOT, "USDT", 10**8 * 10**8, f"fund-usdt-{user}"))
    return commands


def random_command(rng: random.Random, index: int) -> Command:
    """One trading command; ``index`` keeps references (client ids, deposit refs) unique."""
    roll = rng.random()
    user = rng.choice(USERS)
    side = rng.choice((int(Side.BUY), int(Side.SELL)))
    if roll < 0.62:
        force = rng.choice((Force.GTC, Force.GTC, Force.IOC, Force.POST_ONLY, Force.FOK))
        price = MID_PRICE + rng.randint(-3_000, 3_000)
        return PlaceOrder(0, user, "BTCUSDT", side, int(OrderType.LIMIT), int(force), price,
                          rng.randint(1, 2_000_000), 0, f"c{index}")
    if roll < 0.70:
        if side == Side.BUY:
            return PlaceOrder(0, user, "BTCUSDT", side, int(OrderType.MARKET), 0, 0, 0,
                              rng.randint(1, 5 * 10**10))
        return PlaceOrder(0, user, "BTCUSDT", side, int(OrderType.MARKET), 0, 0,
                          rng.randint(1, 1_000_000), 0)
    if roll < 0.95:
        return CancelOrder(0, user, "BTCUSDT", rng.randint(1, max(1, index)))
    return Deposit(0, user, SPOT, rng.choice(("BTC", "USDT")), rng.randint(1, 10**9), f"d{index}")


def workload(seed: int, count: int) -> List[Command]:
    """The setup followed by ``count`` trading commands, all from one integer seed."""
    rng = random.Random(seed)
    return setup_commands() + [random_command(rng, index) for index in range(count)]
