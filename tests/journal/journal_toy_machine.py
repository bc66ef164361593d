"""A tiny deterministic state machine for journal tests (the real engine lands separately).

It uses real command and event types so the real codec encodes them, but its "engine" is
a few lines: deposits add to a balance, everything else is counted and rejected.
"""
from __future__ import annotations

import hashlib
import marshal
import random
from typing import Any, Dict, List, Tuple

from openbourse.core.commands import CancelOrder, Command, Deposit
from openbourse.core.events import BalanceChanged, Rejected
from openbourse.journal.machine import StateMachine


class ToyState:
    def __init__(self) -> None:
        self.balances: Dict[Tuple[int, str], int] = {}
        self.commands = 0
        self.event_seq = 0


def toy_apply(state: ToyState, command: Command) -> List[Any]:
    state.commands += 1
    state.event_seq += 1
    if isinstance(command, Deposit):
        key = (command.user, command.asset)
        state.balances[key] = state.balances.get(key, 0) + command.amount
        return [BalanceChanged(state.event_seq, command.ts_ns, command.user, command.account,
                               command.asset, state.balances[key], 0)]
    return [Rejected(state.event_seq, command.ts_ns, type(command).__name__, 0, 1, "")]


def toy_encode(state: ToyState) -> bytes:
    return marshal.dumps((state.commands, state.event_seq, sorted(state.balances.items())), 2)


def toy_decode(data: bytes) -> ToyState:
    commands, event_seq, balances = marshal.loads(data)
    state = ToyState()
    state.commands, state.event_seq = commands, event_seq
    state.balances = {tuple(key): value for key, value in balances}
    return state


def toy_hash(state: ToyState) -> str:
    return hashlib.sha256(toy_encode(state)).hexdigest()


TOY = StateMachine(ToyState, toy_apply, toy_encode, toy_decode, toy_hash)


def toy_commands(count: int, seed: int = 1) -> List[Command]:
    """A seeded stream of deposits and (rejected) cancels with distinct timestamps."""
    rng = random.Random(seed)
    commands: List[Command] = []
    for index in range(count):
        ts_ns = 1_700_000_000_000_000_000 + index
        if rng.random() < 0.8:
            commands.append(Deposit(ts_ns, rng.randint(1, 5), 1, rng.choice(["BTC", "USDT"]),
                                    rng.randint(1, 10**20), f"ref-{index}"))
        else:
            commands.append(CancelOrder(ts_ns, rng.randint(1, 5), "BTCUSDT", rng.randint(1, 99)))
    return commands
