"""Recovery: snapshot + tail replay equals full replay; crashes lose nothing synced."""
from __future__ import annotations

import random
from pathlib import Path
from typing import Any, List, Tuple

import pytest
from journal_toy_machine import TOY, toy_commands

from openbourse.core.commands import Command
from openbourse.journal.recovery import RecoveryError, recover, recover_storage, replay_all
from openbourse.journal.snapshots import SnapshotStore
from openbourse.journal.storage import MemoryStorage

COMMANDS = toy_commands(120, seed=11)


def _write(data_dir: Path, commands: List[Command], snapshot_at: Tuple[int, ...] = ()) -> str:
    """Journal ``commands`` like a node would, snapshotting after the given seqs."""
    recovery = recover(str(data_dir), TOY)
    assert recovery.writer is not None and recovery.snapshots is not None
    state = recovery.state
    for seq, command in enumerate(commands, start=recovery.next_seq):
        TOY.apply(state, command)
        recovery.writer.append(seq, command)
        if seq in snapshot_at:
            recovery.writer.commit()
            recovery.snapshots.write_state(seq, command.ts_ns, state)
    recovery.writer.close()
    return TOY.state_hash(state)


def test_snapshot_plus_tail_equals_full_replay(tmp_path: Path) -> None:
    live_hash = _write(tmp_path, COMMANDS, snapshot_at=(40, 80))
    events: List[Tuple[int, Any]] = []
    recovered = recover(str(tmp_path), TOY, on_events=lambda s, c, e: events.append((s, e)))
    assert recovered.snapshot_seq == 80 and recovered.replayed == 40
    assert [seq for seq, _ in events] == list(range(81, 121))
    full = replay_all(str(tmp_path), TOY)
    assert full.snapshot_seq == 0 and full.replayed == 120
    assert TOY.state_hash(recovered.state) == TOY.state_hash(full.state) == live_hash
    assert recovered.last_seq == full.last_seq == 120
    assert recovered.last_ts_ns == COMMANDS[-1].ts_ns
    recovered.writer.close()  # type: ignore[union-attr]


def test_max_snapshot_seq_picks_an_older_snapshot(tmp_path: Path) -> None:
    _write(tmp_path, COMMANDS, snapshot_at=(40, 80))
    seen: List[int] = []
    recovered = recover(str(tmp_path), TOY, on_events=lambda s, c, e: seen.append(s),
                        max_snapshot_seq=60)
    assert recovered.snapshot_seq == 40 and seen == list(range(41, 121))
    assert TOY.state_hash(recovered.state) == _reference_hash(COMMANDS)
    recovered.writer.close()  # type: ignore[union-attr]


def test_recovery_resumes_appending_at_next_seq(tmp_path: Path) -> None:
    _write(tmp_path, COMMANDS[:50], snapshot_at=(50,))
    _write(tmp_path, COMMANDS[50:])
    full = replay_all(str(tmp_path), TOY)
    assert full.last_seq == 120
    assert TOY.state_hash(full.state) == _reference_hash(COMMANDS)


def test_recovery_from_snapshot_without_tail_keeps_its_timestamp(tmp_path: Path) -> None:
    _write(tmp_path, COMMANDS[:30], snapshot_at=(30,))
    recovered = recover(str(tmp_path), TOY)
    assert (recovered.replayed, recovered.last_seq) == (0, 30)
    assert recovered.last_ts_ns == COMMANDS[29].ts_ns
    recovered.writer.close()  # type: ignore[union-attr]


def test_snapshot_ahead_of_journal_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, COMMANDS[:10])
    SnapshotStore(str(tmp_path), TOY).write_state(20, 0, TOY.new_state())
    with pytest.raises(RecoveryError, match="journal ends at seq 10"):
        recover(str(tmp_path), TOY)


def test_replay_all_is_read_only_and_reports_torn_tail(tmp_path: Path) -> None:
    _write(tmp_path, COMMANDS[:10])
    journal = tmp_path / "journal.log"
    journal.write_bytes(journal.read_bytes() + b"\x30\x00\x00")
    size = journal.stat().st_size
    replayed = replay_all(str(tmp_path), TOY)
    assert (replayed.last_seq, replayed.torn_bytes) == (10, 3)
    assert journal.stat().st_size == size
    recovered = recover(str(tmp_path), TOY)
    assert recovered.torn_bytes == 3 and journal.stat().st_size == size - 3
    recovered.writer.close()  # type: ignore[union-attr]


def _reference_hash(commands: List[Command]) -> str:
    state = TOY.new_state()
    for command in commands:
        TOY.apply(state, command)
    return TOY.state_hash(state)


@pytest.mark.parametrize("seed", range(40))
def test_simulated_crashes_never_lose_synced_records(seed: int) -> None:
    """Append, sync at random points, power-cut (tearing or scrambling the unsynced
    tail), recover, repeat: recovery never refuses and never loses a synced record."""
    rng = random.Random(seed)
    storage = MemoryStorage()
    acknowledged = 0  # highest seq that was synced before a crash
    commands = toy_commands(300, seed=seed)
    for _ in range(8):
        recovered = recover_storage(storage, TOY)
        assert recovered.last_seq >= acknowledged
        assert TOY.state_hash(recovered.state) == _reference_hash(commands[: recovered.last_seq])
        writer = recovered.writer
        assert writer is not None
        for seq in range(recovered.next_seq, min(recovered.next_seq + rng.randint(0, 60), 301)):
            writer.append(seq, commands[seq - 1])
            if rng.random() < 0.2:
                acknowledged = writer.commit()
        data, last = writer.detach()
        storage.append(data[: rng.randint(0, len(data))])  # a write the crash interrupted
        storage = storage.crash(rng, tear=rng.random() < 0.8, scramble=rng.random() < 0.5)
    final = recover_storage(storage, TOY)
    assert final.last_seq >= acknowledged
