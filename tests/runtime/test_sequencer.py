"""The sequencer: ordered, durable-before-ack, back-pressured, fail-stop.

Runs against a tiny in-file state machine (a list of applied commands) so each property
can be provoked directly: a gate to hold the sequencer thread, a poison command to make
``apply`` raise.  The real engine is exercised in ``tests/crash`` and ``tests/journal``.
"""
from __future__ import annotations

import asyncio
import hashlib
import marshal
import threading
from pathlib import Path
from typing import Any, List, NamedTuple, Optional, Tuple

import pytest

from openbourse.core.commands import ClockTick, Command, Deposit
from openbourse.core.engine.codec import decode_command
from openbourse.core.events import BalanceChanged
from openbourse.journal.machine import StateMachine
from openbourse.journal.reader import JournalScan
from openbourse.journal.snapshots import SnapshotStore
from openbourse.journal.storage import MemoryStorage
from openbourse.journal.writer import JournalWriteFailed, JournalWriter
from openbourse.runtime.clock import FakeClock
from openbourse.runtime.sequencer import (
    EngineFailure,
    Overloaded,
    Sequencer,
    SequencerStopped,
)

POISON = 666  # a Deposit with this amount makes the toy engine raise


class ListState:
    def __init__(self) -> None:
        self.applied: List[Tuple[int, int]] = []  # (ts_ns, amount)
        self.gate: Optional[threading.Event] = None  # when set, apply waits on it


def list_apply(state: ListState, command: Command) -> List[Any]:
    if state.gate is not None:
        state.gate.wait()
    amount = getattr(command, "amount", 0)
    if amount == POISON:
        raise ZeroDivisionError("engine bug")
    state.applied.append((command.ts_ns, amount))
    return [BalanceChanged(len(state.applied), command.ts_ns, 1, 1, "BTC", amount, 0)]


def list_encode(state: ListState) -> bytes:
    return marshal.dumps(state.applied, 2)


def list_decode(data: bytes) -> ListState:
    state = ListState()
    state.applied = [tuple(item) for item in marshal.loads(data)]  # type: ignore[misc]
    return state


def list_hash(state: ListState) -> str:
    return hashlib.sha256(list_encode(state)).hexdigest()


MACHINE = StateMachine(ListState, list_apply, list_encode, list_decode, list_hash)


def deposit(amount: int) -> Deposit:
    return Deposit(0, 1, 1, "BTC", amount, f"ref-{amount}")


def make(storage: Optional[MemoryStorage] = None, clock: Optional[FakeClock] = None,
         **kwargs: Any) -> Tuple[Sequencer, ListState, MemoryStorage]:
    storage = storage or MemoryStorage()
    state = ListState()
    writer = JournalWriter(storage, next_seq=1)
    sequencer = Sequencer(state, writer, 1, clock or FakeClock(step_ns=1), machine=MACHINE,
                          **kwargs)
    return sequencer, state, storage


def durable_seqs(storage: MemoryStorage) -> List[int]:
    return [seq for seq, _ in JournalScan(MemoryStorage(storage.synced_bytes()))]


@pytest.mark.parametrize("inline", [True, False], ids=["inline-fsync", "writer-thread"])
def test_acks_and_listeners_only_after_fsync_in_order(inline: bool) -> None:
    sequencer, _, storage = make(group_window_s=0.001, inline_fsync=inline)
    heard: List[int] = []
    violations: List[str] = []

    def listener(seq: int, command: Command, events: List[Any]) -> None:
        heard.append(seq)
        if seq not in durable_seqs(storage):
            violations.append(f"listener saw seq {seq} before fsync")

    sequencer.add_listener(listener)
    sequencer.start()
    futures = [sequencer.submit(deposit(amount)) for amount in range(1, 201)]
    for seq, future in enumerate(futures, start=1):
        events = future.result(timeout=30)
        assert events[0].available == seq
        assert seq in durable_seqs(storage)
    sequencer.stop()
    assert violations == []
    assert heard == list(range(1, 201))
    assert storage.sync_count < 200 + 1  # header sync + grouped commits


def test_timestamps_are_stamped_and_never_go_backwards() -> None:
    clock = FakeClock(start_ns=1_000, step_ns=0)
    sequencer, state, storage = make(clock=clock)
    sequencer.start()
    sequencer.submit(deposit(1)).result(timeout=30)
    clock.set(500)  # the wall clock steps back
    sequencer.submit(deposit(2)).result(timeout=30)
    clock.set(2_000)
    sequencer.submit(deposit(3)).result(timeout=30)
    sequencer.stop()
    assert [ts for ts, _ in state.applied] == [1_000, 1_000, 2_000]
    journaled = [decode_command(body).ts_ns for _, body in JournalScan(storage)]
    assert journaled == [1_000, 1_000, 2_000]


def test_last_ts_from_recovery_is_a_floor() -> None:
    sequencer, state, _ = make(clock=FakeClock(start_ns=10), last_ts_ns=99)
    sequencer.start()
    sequencer.submit(deposit(1)).result(timeout=30)
    sequencer.stop()
    assert state.applied == [(99, 1)]


def test_full_queue_raises_overloaded_and_recovers() -> None:
    sequencer, state, _ = make(max_queue=3)
    state.gate = threading.Event()
    sequencer.start()
    first = sequencer.submit(deposit(1))
    accepted = [first]
    with pytest.raises(Overloaded):
        for amount in range(2, 100):  # the sequencer is stuck in apply: the queue fills
            accepted.append(sequencer.submit(deposit(amount)))
    assert 3 <= len(accepted) <= 4
    state.gate.set()
    results = [future.result(timeout=30)[0].available for future in accepted]
    assert results == list(range(1, len(accepted) + 1))
    sequencer.submit(deposit(1000)).result(timeout=30)
    sequencer.stop()


def test_query_sees_everything_submitted_before_it() -> None:
    sequencer, _, storage = make()
    sequencer.start()
    for amount in range(1, 51):
        sequencer.submit(deposit(amount))
    count = sequencer.query(lambda state: len(state.applied))
    assert count == 50
    assert durable_seqs(storage)[-1] == 50  # released only once those commands are durable
    sequencer.stop()


def test_query_errors_reach_the_caller_only() -> None:
    sequencer, _, _ = make()
    sequencer.start()
    with pytest.raises(KeyError):
        sequencer.query(lambda state: {"present": 1}["missing"])
    assert sequencer.submit(deposit(1)).result(timeout=30)
    sequencer.stop()


def test_query_from_a_listener_refuses_to_deadlock() -> None:
    sequencer, _, _ = make()
    errors: List[BaseException] = []

    def listener(seq: int, command: Command, events: List[Any]) -> None:
        try:
            sequencer.query(lambda state: 0)
        except RuntimeError as exc:
            errors.append(exc)

    sequencer.add_listener(listener)
    sequencer.start()
    sequencer.submit(deposit(1)).result(timeout=30)
    sequencer.stop()
    assert len(errors) == 1


def test_snapshots_are_taken_at_exact_seqs(tmp_path: Path) -> None:
    store = SnapshotStore(str(tmp_path), MACHINE, keep=10)
    sequencer, _, _ = make(snapshots=store, snapshot_every=25)
    sequencer.start()
    for future in [sequencer.submit(deposit(amount)) for amount in range(1, 61)]:
        future.result(timeout=30)
    sequencer.stop()
    written = sorted(sequencer.written_snapshots)
    assert written == sorted(store.seqs())
    # one of them may be skipped or replaced while the other one is still being written
    assert written and set(written) <= {25, 50}
    for seq in written:
        loaded = store.load(seq)
        assert [amount for _, amount in loaded.state.applied] == list(range(1, seq + 1))


@pytest.mark.parametrize("inline", [True, False], ids=["inline-fsync", "writer-thread"])
def test_stop_flushes_everything_queued(inline: bool) -> None:
    sequencer, _, storage = make(group_window_s=60.0, inline_fsync=inline)
    sequencer.start()
    futures = [sequencer.submit(deposit(amount)) for amount in range(1, 101)]
    sequencer.stop()
    assert all(future.done() for future in futures)
    assert durable_seqs(storage) == list(range(1, 101))
    with pytest.raises(SequencerStopped):
        sequencer.submit(deposit(1))


@pytest.mark.parametrize("inline", [True, False], ids=["inline-fsync", "writer-thread"])
def test_engine_exception_stops_the_sequencer_without_journaling_the_command(
    inline: bool,
) -> None:
    sequencer, state, storage = make(inline_fsync=inline)
    state.gate = threading.Event()
    sequencer.start()
    before = [sequencer.submit(deposit(amount)) for amount in (1, 2)]
    poison = sequencer.submit(deposit(POISON))
    after = sequencer.submit(deposit(3))
    state.gate.set()
    assert [future.result(timeout=30)[0].available for future in before] == [1, 2]
    with pytest.raises(EngineFailure):
        poison.result(timeout=30)
    with pytest.raises(SequencerStopped):
        after.result(timeout=30)
    with pytest.raises(SequencerStopped):
        sequencer.submit(deposit(4))
    sequencer.stop()
    assert durable_seqs(storage) == [1, 2]
    assert isinstance(sequencer.failure, ZeroDivisionError)


@pytest.mark.parametrize("inline", [True, False], ids=["inline-fsync", "writer-thread"])
def test_fsync_failure_fails_the_commands_it_covers(inline: bool) -> None:
    sequencer, _, storage = make(inline_fsync=inline)
    sequencer.start()
    assert sequencer.submit(deposit(1)).result(timeout=30)
    storage.fail_sync = OSError(5, "EIO")
    with pytest.raises(JournalWriteFailed):
        sequencer.submit(deposit(2)).result(timeout=30)
    with pytest.raises((SequencerStopped, JournalWriteFailed)):
        sequencer.submit(deposit(3)).result(timeout=30)
    sequencer.stop()
    assert durable_seqs(storage) == [1]


class NotACommand(NamedTuple):
    ts_ns: int


def test_unencodable_command_is_refused_without_state_change() -> None:
    sequencer, state, storage = make()
    sequencer.start()
    bad = sequencer.submit(NotACommand(0))  # type: ignore[arg-type]
    good = sequencer.submit(ClockTick(0))
    with pytest.raises(KeyError):
        bad.result(timeout=30)
    good.result(timeout=30)
    sequencer.stop()
    assert len(state.applied) == 1 and durable_seqs(storage) == [1]


def test_one_batch_with_every_kind_of_item_keeps_its_order_step_by_step() -> None:
    """Everything queued before start() is one batch, sequenced step by step (stamp and
    encode all, apply in order, then journal): each item still gets exactly the outcome
    it would get alone, in order."""
    sequencer, state, storage = make()
    first = sequencer.submit(deposit(1))
    bad = sequencer.submit(NotACommand(0))  # type: ignore[arg-type]
    seen = sequencer.query_future(lambda st: list(st.applied))
    second = sequencer.submit(deposit(2))
    poison = sequencer.submit(deposit(POISON))
    after = sequencer.submit(deposit(3))
    sequencer.start()
    assert first.result(timeout=30)[0].available == 1
    with pytest.raises(KeyError):
        bad.result(timeout=30)
    assert [amount for _, amount in seen.result(timeout=30)] == [1]  # at its place
    assert second.result(timeout=30)[0].available == 2
    with pytest.raises(EngineFailure):
        poison.result(timeout=30)
    with pytest.raises(SequencerStopped):
        after.result(timeout=30)
    sequencer.stop()
    assert durable_seqs(storage) == [1, 2]
    assert [amount for _, amount in state.applied] == [1, 2]
    stamps = [ts for ts, _ in state.applied]
    assert stamps == sorted(stamps) and stamps[0] < stamps[1]


def test_cancelled_before_sequencing_is_never_applied() -> None:
    sequencer, state, storage = make()
    state.gate = threading.Event()
    sequencer.start()
    first = sequencer.submit(deposit(1))
    withdrawn = sequencer.submit(deposit(2))
    assert withdrawn.cancel()
    state.gate.set()
    first.result(timeout=30)
    sequencer.stop()
    assert [amount for _, amount in state.applied] == [1]
    assert durable_seqs(storage) == [1]


def test_submit_async_returns_events() -> None:
    sequencer, _, _ = make()
    sequencer.start()

    async def main() -> List[Any]:
        results = await asyncio.gather(*(sequencer.submit_async(deposit(a)) for a in (5, 6)))
        count = await sequencer.query_async(lambda state: len(state.applied))
        return [events[0].available for events in results] + [count]

    assert asyncio.run(main()) == [5, 6, 2]
    sequencer.stop()


def test_on_settled_gets_each_batch_of_asyncio_futures_already_resolved() -> None:
    sequencer, _, _ = make()
    seen: List[Tuple[int, bool]] = []

    def on_settled(futures: List[Any]) -> None:
        seen.append((len(futures), all(future.done() for future in futures)))

    sequencer.on_settled = on_settled
    sequencer.start()

    async def main() -> None:
        await asyncio.gather(*(sequencer.submit_async(deposit(a)) for a in range(1, 21)))

    asyncio.run(main())
    sequencer.stop()
    assert sum(n for n, _ in seen) == 20 and all(done for _, done in seen)


def test_writer_and_sequencer_must_agree_on_next_seq() -> None:
    writer = JournalWriter(MemoryStorage(), next_seq=1)
    with pytest.raises(ValueError):
        Sequencer(ListState(), writer, 2, FakeClock(), machine=MACHINE)


def test_a_failing_listener_is_counted_and_the_others_still_run() -> None:
    sequencer, _, _ = make()
    heard: List[int] = []

    def broken(seq: int, command: Command, events: List[Any]) -> None:
        raise RuntimeError("read model bug")

    sequencer.add_listener(broken)
    sequencer.add_listener(lambda seq, command, events: heard.append(seq))
    sequencer.start()
    for future in [sequencer.submit(deposit(amount)) for amount in (1, 2, 3)]:
        future.result(timeout=30)
    sequencer.stop()
    assert heard == [1, 2, 3] and sequencer.listener_errors == 3
    assert sequencer.failure is None


def test_refused_commands_cancelled_by_their_caller_do_not_break_dispatch() -> None:
    sequencer, state, _ = make()
    state.gate = threading.Event()
    sequencer.start()
    blocker = sequencer.submit(deposit(1))
    poison = sequencer.submit(deposit(POISON))
    queued = [sequencer.submit(deposit(amount)) for amount in (2, 3, 4)]
    queued[1].cancel()
    state.gate.set()
    blocker.result(timeout=30)
    with pytest.raises(EngineFailure):
        poison.result(timeout=30)
    for future in (queued[0], queued[2]):
        with pytest.raises(SequencerStopped):
            future.result(timeout=30)
    sequencer.stop()


def test_idle_hook_runs_on_the_sequencer_thread_when_the_queue_is_empty() -> None:
    threads: List[str] = []
    sequencer, _, _ = make(on_idle=lambda: threads.append(threading.current_thread().name))
    sequencer.start()
    sequencer.submit(deposit(1)).result(timeout=30)
    sequencer.stop()
    assert threads and set(threads) == {"sequencer"}
