"""Snapshots: atomic files, verified on load, invalid ones skipped, only the last K kept."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from journal_toy_machine import TOY, toy_commands

from openbourse.journal.snapshots import BackgroundSnapshots, SnapshotInvalid, SnapshotStore


def _state_after(count: int) -> object:
    state = TOY.new_state()
    for command in toy_commands(count):
        TOY.apply(state, command)
    return state


def test_write_then_load_round_trips(tmp_path: Path) -> None:
    store = SnapshotStore(str(tmp_path), TOY)
    state = _state_after(40)
    store.write_state(40, 123, state)
    loaded = store.load_latest()
    assert loaded is not None
    assert (loaded.seq, loaded.ts_ns) == (40, 123)
    assert TOY.state_hash(loaded.state) == TOY.state_hash(state) == loaded.state_hash
    assert os.path.basename(loaded.path) == f"snapshot-{40:020d}.bin"


def test_newest_valid_snapshot_wins_and_damaged_ones_are_skipped(tmp_path: Path) -> None:
    store = SnapshotStore(str(tmp_path), TOY, keep=5)
    for seq in (10, 20, 30):
        store.write_state(seq, seq, _state_after(seq))
    newest = Path(store.path_for(30))
    data = bytearray(newest.read_bytes())
    data[len(data) // 2] ^= 0x01
    newest.write_bytes(bytes(data))
    with pytest.raises(SnapshotInvalid):
        store.load(30)
    loaded = store.load_latest()
    assert loaded is not None and loaded.seq == 20
    assert store.load_latest(max_seq=15).seq == 10  # type: ignore[union-attr]


def test_truncated_snapshot_is_skipped(tmp_path: Path) -> None:
    store = SnapshotStore(str(tmp_path), TOY, keep=5)
    store.write_state(10, 1, _state_after(10))
    store.write_state(20, 2, _state_after(20))
    newest = Path(store.path_for(20))
    newest.write_bytes(newest.read_bytes()[:-9])
    assert store.load_latest().seq == 10  # type: ignore[union-attr]


def test_hash_mismatch_is_refused(tmp_path: Path) -> None:
    lying = TOY._replace(state_hash=lambda state: "0" * 64)
    SnapshotStore(str(tmp_path), lying).write_state(10, 1, _state_after(10))
    assert SnapshotStore(str(tmp_path), TOY).load_latest() is None


def test_retention_keeps_last_k_and_removes_tmp_files(tmp_path: Path) -> None:
    store = SnapshotStore(str(tmp_path), TOY, keep=2)
    (tmp_path / "snapshot-00000000000000000099.bin.tmp").write_bytes(b"half written")
    for seq in (1, 2, 3, 4):
        store.write_state(seq, seq, _state_after(seq))
    assert store.seqs() == [4, 3]
    assert sorted(os.listdir(tmp_path)) == [os.path.basename(store.path_for(s)) for s in (3, 4)]


def test_no_snapshot_gives_none(tmp_path: Path) -> None:
    assert SnapshotStore(str(tmp_path), TOY).load_latest() is None


def test_background_writer_reports_errors_and_keeps_going(tmp_path: Path) -> None:
    store = SnapshotStore(str(tmp_path), TOY, keep=10)
    background = BackgroundSnapshots(store)
    background.submit(15, 15, b"not a state")
    background.close()
    assert background.written == [] and background.last_error is not None
    background = BackgroundSnapshots(store)
    background.submit(20, 20, TOY.encode_state(_state_after(20)))
    background.close()
    assert background.written == [20] and store.seqs() == [20]


def test_background_writer_keeps_only_the_newest_waiting_snapshot(tmp_path: Path) -> None:
    store = SnapshotStore(str(tmp_path), TOY, keep=10)
    background = BackgroundSnapshots(store)
    for seq in range(1, 30):
        background.submit(seq, seq, TOY.encode_state(_state_after(seq)))
    background.close()
    assert background.written[-1] == 29  # the newest always lands
    assert background.written == sorted(background.written)
    assert not background.busy
