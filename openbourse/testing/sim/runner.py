"""``run(seed, steps)``: one deterministic simulation of the node, checked at every step.

A run is a sequence of steps.  Each step submits a seeded group of commands (first the
ones a power cut lost, then new ones from the action registry) to the lockstep node;
the simulated clock moves by the workload's own time jumps (hours, on clock ticks) and
sometimes backwards (the sequencer must keep stamps monotonic).  Between steps the
simulator may take a snapshot, restart the node cleanly, or cut the power while idle;
during a step the disk may cut the power at any append or fsync (``disk.py``).

Checked after every acknowledged command (dispatcher thread, in seq order):
  seq gap-free, stamps monotonic, event seqs gap-free, and the ``Auditor`` predicting
  every balance and checking every event from the events alone.
Checked every ``check_every`` steps and after every restart (on the sequencer thread):
  the core invariants (per-asset conservation, holds, books) and the auditor's
  predictions against the whole live state.
Checked at every restart:
  every acknowledged command is in the surviving journal byte for byte (0 lost); the
  journal is exactly a prefix of the submitted stream (0 duplicated, 0 reordered); a
  command that was durable but never acknowledged is replayed and audited like any
  other; events replayed for already-audited commands equal the live ones (determinism);
  the recovered state (snapshot + tail) has the same hash as a replay from empty.

The same seed gives the same ``SimResult.fingerprint``: a digest of every acknowledged
command, every power cut and the final state hash.
"""
from __future__ import annotations

import hashlib
import random
import time
import zlib
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

from ...core.commands import Command
from ...core.engine.codec import decode_command, encode_command, encode_event
from ...core.engine.invariants import check_all
from ...core.events import Rejected, TradeExecuted
from ...journal.format import JournalError
from ...journal.machine import engine_machine
from ...journal.reader import JournalScan
from ...journal.recovery import replay_storage
from ...journal.storage import MemoryStorage
from ...runtime.clock import FakeClock
from ..workload import Workload
from . import actions as registry
from .disk import SimDisk
from .node import MemorySnapshots, SimNode

__all__ = ["run", "SimResult", "SimFailure"]

_STEP_SIZES = (1, 1, 2, 3, 5, 8, 13, 21, 34, 64)
_START_NS = 1_700_000_000 * 10**9


class SimFailure(AssertionError):
    """A check failed; the message starts with the seed that reproduces it."""


@dataclass
class SimResult:
    seed: int
    steps: int
    commands: int  # journaled and checked (the final journal's last seq)
    acked: int  # acknowledgements received (a command re-sent after a cut counts again)
    durable_unacked: int  # durable at a power cut although never acknowledged
    resubmitted: int  # lost by a power cut before it was durable, sent again
    restarts: int
    power_cuts: Dict[str, int] = field(default_factory=dict)
    snapshots: int = 0
    trades: int = 0
    rejected: int = 0
    lost: int = 0  # acknowledged but missing after recovery: always 0 in a passing run
    duplicated: int = 0  # journaled twice: always 0 in a passing run
    violations: int = 0  # invariant or audit failures: always 0 in a passing run
    events: Dict[str, int] = field(default_factory=dict)  # audited events by type name
    state_hash: str = ""
    fingerprint: str = ""
    seconds: float = 0.0

    def line(self) -> str:
        cuts = sum(self.power_cuts.values())
        return (f"seed {self.seed}: {self.commands} commands, {self.acked} acks, "
                f"{cuts} power cuts, {self.restarts} restarts, {self.trades} trades, "
                f"state {self.state_hash[:12]} ({self.seconds:.1f}s)")


def _body_crc(command: Command) -> int:
    """crc32 of the command's encoding without its stamp (the stream's own identity)."""
    return zlib.crc32(encode_command(command._replace(ts_ns=0)))


def _events_crc(events: List[Any]) -> int:
    crc = 0
    for event in events:
        crc = zlib.crc32(encode_event(event), crc)
    return crc


class _Sim:
    def __init__(self, seed: int, steps: int, products: Sequence[str],
                 fault_rate: Optional[float], check_every: int) -> None:
        self.seed = seed
        self.steps = steps
        self.products = list(products)
        self.check_every = check_every
        self.rng = random.Random(f"sim-{seed}")
        self.machine = engine_machine()
        self.clock = FakeClock(_START_NS, step_ns=1_000)
        rate = fault_rate if fault_rate is not None else self.rng.choice((0.0, 0.01, 0.03, 0.08))
        self.disk = SimDisk(b"", random.Random(f"disk-{seed}"), rate)
        self.snapshots = MemorySnapshots(self.machine)
        workload = Workload(seed, users=6, bad_rate=0.0)
        self.gen = registry.Gen(seed, workload.rng, workload, workload.users)
        self.actions = registry.registered(self.products)
        if not self.actions:
            raise ValueError(f"no actions registered for products {self.products}")
        self.weights = [a.weight for a in self.actions]
        self.workload_ts = workload.ts
        self.stream: List[Command] = []  # every journalable command, in seq order
        self.stream_crc: List[int] = []
        self.setup = registry.setup_commands(self.gen, self.products)
        self.sent = 0  # stream commands durable (after a cut: the recovered last seq)
        self.auditor = registry.new_auditor(self.products)
        self.audited = 0  # last seq fed to the auditor
        self.event_crc: Dict[int, int] = {}
        self.acked: Dict[int, int] = {}  # seq -> body crc
        self.last_ts = 0
        self.last_event_seq = 0
        self.errors: List[str] = []
        self.fingerprint = hashlib.sha256(f"openbourse-sim {seed}".encode())
        self.result = SimResult(seed, steps, 0, 0, 0, 0, 0)
        self.node: Optional[SimNode] = None

    # -- failure -----------------------------------------------------------------------
    def fail(self, message: str) -> None:
        self.result.violations += 1
        raise SimFailure(f"seed {self.seed}: {message} "
                         f"(reproduce: openbourse sim --seeds {self.seed} --steps {self.steps})")

    # -- the dispatcher-thread checks ---------------------------------------------------
    def _audit(self, seq: int, command: Command, events: List[Any], replayed: bool) -> None:
        if seq != self.audited + 1:
            self.errors.append(f"seq {seq} after {self.audited}: not gap-free")
            return
        if command.ts_ns < self.last_ts:
            self.errors.append(f"seq {seq} stamped {command.ts_ns} < {self.last_ts}")
        self.last_ts = command.ts_ns
        counts = self.result.events
        for event in events:
            name = type(event).__name__
            counts[name] = counts.get(name, 0) + 1
            if event.seq != self.last_event_seq + 1:
                self.errors.append(f"event seq {event.seq} after {self.last_event_seq}")
            self.last_event_seq = event.seq
            kind = type(event)
            if kind is TradeExecuted:
                self.result.trades += 1
            elif kind is Rejected:
                self.result.rejected += 1
        if seq > len(self.stream) or _body_crc(command) != self.stream_crc[seq - 1]:
            self.errors.append(f"seq {seq} is not the command submitted in that place")
        try:
            self.auditor.feed(events, command)
        except AssertionError as exc:
            self.errors.append(f"auditor at seq {seq}: {exc}")
        self.audited = seq
        self.event_crc[seq] = _events_crc(events)
        if replayed:
            self.result.durable_unacked += 1

    def on_ack(self, seq: int, command: Command, events: List[Any]) -> None:
        self._audit(seq, command, events, replayed=False)
        self.acked[seq] = self.stream_crc[seq - 1] if seq <= len(self.stream_crc) else -1
        self.result.acked += 1
        self.fingerprint.update(b"a%d:%d:%d;" % (seq, command.ts_ns, self.event_crc.get(seq, 0)))

    def on_replay(self, seq: int, command: Command, events: List[Any]) -> None:
        """Recovery's replay: audited commands must replay identically; others are new."""
        if seq <= self.audited:
            if self.event_crc.get(seq) != _events_crc(events):
                self.errors.append(f"replay of seq {seq} produced different events")
            return
        self._audit(seq, command, events, replayed=True)

    # -- the run -----------------------------------------------------------------------
    def run(self) -> SimResult:
        started = time.monotonic()
        self.node = self._boot()
        try:
            for command in self.setup:
                self._add(command)
            for step in range(self.steps):
                self._step()
                self._between_steps(step)
            while self.sent < len(self.stream):  # re-send what the last cut lost
                self._step(fill=False)
            self._check_state(self.node)
            self.node.stop()
            image = MemoryStorage(self._stopped_image())
            self._check_image(image)
            final = replay_storage(image, self.machine, repair=False)
            self.result.state_hash = self.machine.state_hash(final.state)
            self.result.commands = final.last_seq
            if final.last_seq != len(self.stream):
                self.fail(f"journal ends at seq {final.last_seq}, {len(self.stream)} submitted")
        finally:
            if self.node is not None and not self.node.stopped:
                self.node.stop()
        self.result.power_cuts = dict(sorted(self.result.power_cuts.items()))
        self.fingerprint.update(self.result.state_hash.encode())
        self.result.fingerprint = self.fingerprint.hexdigest()
        self.result.seconds = time.monotonic() - started
        return self.result

    def _add(self, command: Command) -> None:
        self.stream.append(command)
        self.stream_crc.append(_body_crc(command))

    def _next_group(self, fill: bool) -> List[Command]:
        size = self.rng.choice(_STEP_SIZES)
        group = self.stream[self.sent : self.sent + size]  # setup, or what a cut lost
        while fill and len(group) < size:
            item = self.rng.choices(self.actions, self.weights)[0]
            command = item.make(self.gen)._replace(ts_ns=0)
            self._add(command)
            group.append(command)
        return group

    def _step(self, fill: bool = True) -> None:
        assert self.node is not None
        group = self._next_group(fill)
        wl_ts = self.gen.workload.ts
        self.clock.advance(max(0, wl_ts - self.workload_ts))  # hours pass on clock ticks
        self.workload_ts = wl_ts
        futures = self.node.step(group)
        self._raise_errors()
        if self.disk.cut.is_set():
            self._restart(cut=True)
            return
        for command, future in zip(group, futures):
            error = future.exception()
            if error is not None:
                self.fail(f"{type(command).__name__} failed without a power cut: {error!r}")
        self.sent += len(group)

    def _between_steps(self, step: int) -> None:
        assert self.node is not None
        roll = self.rng.random()
        if roll < 0.02:
            self._snapshot()
        elif roll < 0.03:
            self._restart(cut=False)
        elif roll < 0.04:
            self.disk.power_cut("idle")
            self._restart(cut=True)
        if self.rng.random() < 0.01:  # an operator (or NTP) steps the clock back
            self.clock.advance(-self.rng.randint(1, 3600) * 10**9)
        if (step + 1) % self.check_every == 0:
            self._check_state(self.node)

    def _snapshot(self) -> None:
        assert self.node is not None
        machine = self.machine
        state_bytes, digest = self.node.query(
            lambda state: (machine.encode_state(state), machine.state_hash(state)))
        self.snapshots.add(self.audited, self.last_ts, state_bytes, digest)
        self.result.snapshots += 1

    def _check_state(self, node: SimNode) -> None:
        auditor = self.auditor

        def check(state: Any) -> Optional[str]:
            try:
                check_all(state)
                auditor.check_state(state)
            except AssertionError as exc:
                return str(exc) or repr(exc)
            return None

        problem = node.query(check)
        if problem:
            self.fail(f"state check: {problem}")

    def _raise_errors(self) -> None:
        if self.errors:
            self.fail("; ".join(self.errors[:5]))

    # -- restarts ------------------------------------------------------------------------
    def _restart(self, cut: bool) -> None:
        assert self.node is not None
        old = self.node
        if cut:
            kind = self.disk.fault
            self.result.power_cuts[kind] = self.result.power_cuts.get(kind, 0) + 1
            old.stop()
            assert self.disk.image is not None
            image = self.disk.image.read(0, self.disk.image.size())
        else:
            old.stop()
            image = self._stopped_image()
        self.result.restarts += 1
        self.fingerprint.update(b"r%s:%d;" % (self.disk.fault.encode(), len(image)))
        self._check_image(MemoryStorage(image))
        self.disk = SimDisk(image, self.disk.rng, self.disk.fault_rate)
        self.node = self._boot()
        recovery = self.node.recovery
        self._raise_errors()
        if self.audited != recovery.last_seq:
            self.fail(f"recovered through seq {recovery.last_seq}, audited {self.audited}")
        self.result.resubmitted += len(self.stream) - recovery.last_seq  # sent again next
        self.sent = recovery.last_seq
        full = replay_storage(MemoryStorage(image), self.machine, repair=False)
        if full.last_seq != recovery.last_seq:
            self.fail(f"full replay ends at {full.last_seq}, recovery at {recovery.last_seq}")
        live = self.node.query(self.machine.state_hash)
        if live != self.machine.state_hash(full.state):
            self.fail(f"recovered state (snapshot {recovery.snapshot_seq} + tail) differs "
                      "from a replay from empty")
        self._check_state(self.node)

    def _stopped_image(self) -> bytes:
        """After a clean stop every appended byte must be synced."""
        if self.disk.size() != self.disk.synced_size:
            self.fail(f"a clean stop left {self.disk.size() - self.disk.synced_size} bytes"
                      " unsynced")
        return self.disk.synced_bytes()

    def _boot(self) -> SimNode:
        try:
            return SimNode(self.disk, self.clock, self.machine, self.snapshots, self.on_ack,
                           on_replay=self.on_replay)
        except Exception as exc:  # noqa: BLE001 - a refused recovery is a failure
            self.fail(f"recovery failed: {exc!r}")
            raise

    def _check_image(self, image: MemoryStorage) -> None:
        """Every acknowledged command survived, byte for byte; the journal is a prefix of
        the stream (nothing lost, duplicated or reordered)."""
        journal: Dict[int, int] = {}
        try:
            records = list(JournalScan(image))
        except JournalError as exc:
            self.fail(f"the journal left by a power cut is unreadable: {exc}")
            raise
        for seq, body in records:
            journal[seq] = _body_crc(decode_command(body))
            if seq > len(self.stream_crc) or journal[seq] != self.stream_crc[seq - 1]:
                self.result.duplicated += 1
                self.fail(f"journal seq {seq} is not the stream's command {seq}")
        lost = [seq for seq, crc in self.acked.items() if journal.get(seq) != crc]
        if lost:
            self.result.lost += len(lost)
            self.fail(f"acknowledged seqs lost after a power cut: {lost[:10]}")


def run(seed: int, steps: int = 200, *, products: Optional[Sequence[str]] = None,
        fault_rate: Optional[float] = None, check_every: int = 25) -> SimResult:
    """Simulate ``steps`` steps of the node for ``seed``; raise ``SimFailure`` on any
    violated check.  ``products`` defaults to every registered product; ``fault_rate``
    (the chance that a disk operation is a power cut) defaults to a seeded choice."""
    enabled = list(products) if products is not None else registry.products()
    return _Sim(seed, steps, enabled, fault_rate, check_every).run()
