"""Seeded realistic workloads: auditor, snapshot round trip and the event codec.

* ``Workload`` streams (every command type, a share of malformed ones) run with the full
  per-command checks of ``Exchange`` (invariants, reject purity, event types, auditor).
* Snapshot: after a random stream, ``decode_state(encode_state(s))`` has the same state
  hash and the same canonical bytes; continuing the same stream on the original and on
  the restored state gives byte-identical events (``codec.encode_event``) and equal
  hashes at the end.
* Every event round-trips through ``encode_event``/``decode_event``; every command through
  ``encode_command``/``decode_command``.
"""
from __future__ import annotations

import collections
import itertools
from typing import Any, List

import pytest

from openbourse.core.commands import COMMAND_TYPES
from openbourse.core.engine import EngineState, apply
from openbourse.core.engine.codec import decode_command, decode_event, encode_command, encode_event
from openbourse.core.engine.invariants import check_all
from openbourse.core.engine.snapshot import decode_state, encode_state
from openbourse.core.engine.state_hash import state_hash
from openbourse.testing.builders import Exchange
from openbourse.testing.workload import Workload


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_workload_passes_every_per_command_check(seed: int) -> None:
    ex = Exchange(check_every=2)
    for command in Workload(seed).commands(1500):
        ex.apply(command)
    ex.check()
    kinds = collections.Counter(type(e).__name__ for e in ex.events)
    # the workload must really exercise the engine
    for kind, least in (("TradeExecuted", 200), ("OrderClosed", 300), ("PlanPlaced", 20),
                        ("PlanTriggered", 5), ("TransferPosted", 20), ("Rejected", 20),
                        ("MarketStatusChanged", 2), ("WithdrawalRequested", 3)):
        assert kinds[kind] >= least, (seed, kind, kinds)


def test_workload_generates_every_command_type() -> None:
    kinds = {type(c) for c in Workload(11).commands(3000)}
    assert kinds == set(COMMAND_TYPES)


def test_workload_is_a_function_of_its_seed() -> None:
    first = [encode_command(c) for c in Workload(42).commands(800)]
    again = [encode_command(c) for c in Workload(42).commands(800)]
    other = [encode_command(c) for c in Workload(43).commands(800)]
    assert first == again and first != other


def _run(state: EngineState, commands: List[Any]) -> List[bytes]:
    """Apply ``commands`` (checking the invariants after each); the encoded events."""
    out: List[bytes] = []
    for command in commands:
        out.extend(encode_event(e) for e in apply(state, command))
        check_all(state)
    return out


@pytest.mark.parametrize("seed, split", [(5, 400), (6, 1100), (7, 1700)])
def test_snapshot_round_trip_continues_byte_identically(seed: int, split: int) -> None:
    commands = list(Workload(seed).commands(2000))
    state = EngineState()
    _run(state, commands[:split])
    data = encode_state(state)
    restored = decode_state(data)
    assert encode_state(restored) == data
    assert state_hash(restored) == state_hash(state)
    check_all(restored)
    tail = commands[split:]
    assert _run(restored, tail) == _run(state, tail)
    assert state_hash(restored) == state_hash(state)
    # a second round trip at the end changes nothing either
    assert state_hash(decode_state(encode_state(state))) == state_hash(state)


def test_state_hash_tells_different_states_apart() -> None:
    commands = list(Workload(8).commands(300))
    first, second = EngineState(), EngineState()
    _run(first, commands)
    _run(second, commands[:-1])
    hashes = {state_hash(first), state_hash(second)}
    _run(second, commands[-1:])
    assert len(hashes) == 2 and state_hash(second) == state_hash(first)


def test_events_and_commands_round_trip_through_the_codec() -> None:
    state = EngineState()
    seen = set()
    for command in itertools.islice(Workload(9).commands(1500), 1500):
        data = encode_command(command)
        if not any(type(f) is float for f in command):  # floats only appear in bad commands
            assert decode_command(data) == command
            assert encode_command(decode_command(data)) == data
        events = apply(state, command)
        check_all(state)
        for event in events:
            raw = encode_event(event)
            back = decode_event(raw)
            assert back == event and type(back) is type(event)
            seen.add(type(event).__name__)
    assert {"TradeExecuted", "PlanClosed", "Rejected", "TransferPosted"} <= seen


def test_replaying_a_workload_gives_the_same_events_and_hash() -> None:
    commands = list(Workload(10).commands(1200))
    first, second = EngineState(), EngineState()
    assert _run(first, commands) == _run(second, commands)
    assert state_hash(first) == state_hash(second)
