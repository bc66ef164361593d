"""Torn tails are cut at every possible byte; damage before valid records is refused."""
from __future__ import annotations

import random

import pytest
from journal_toy_machine import toy_commands

from openbourse.core.engine.codec import decode_command
from openbourse.journal.format import HEADER_SIZE, JournalCorrupt, encode_header
from openbourse.journal.reader import JournalScan
from openbourse.journal.storage import MemoryStorage
from openbourse.journal.writer import JournalWriter

COMMANDS = toy_commands(30, seed=7)


def _journal_bytes(count: int = len(COMMANDS), commit_each: bool = True) -> bytes:
    """A journal of the first ``count`` commands, fsynced after each one (or once)."""
    storage = MemoryStorage()
    writer = JournalWriter(storage, next_seq=1)
    for seq, command in enumerate(COMMANDS[:count], start=1):
        writer.append(seq, command)
        if commit_each:
            writer.commit()
    writer.commit()
    return storage.read(0, storage.size())


FULL = _journal_bytes()
WITHOUT_LAST = _journal_bytes(len(COMMANDS) - 1)


def _scan(data: bytes) -> "tuple[JournalScan, list]":
    scan = JournalScan(MemoryStorage(data))
    return scan, [(seq, decode_command(body)) for seq, body in scan]


def test_clean_journal_has_no_torn_tail() -> None:
    scan, records = _scan(FULL)
    assert scan.torn_bytes == 0 and scan.last_seq == len(COMMANDS)
    assert [command for _, command in records] == COMMANDS


def test_torn_tail_at_every_byte_of_last_record_is_cut() -> None:
    for cut in range(len(WITHOUT_LAST), len(FULL)):
        storage = MemoryStorage(FULL[:cut])
        scan = JournalScan(storage)
        records = [decode_command(body) for _, body in scan]
        assert records == COMMANDS[:-1], cut
        assert scan.torn_bytes == cut - len(WITHOUT_LAST)
        scan.truncate_tail()
        assert storage.read(0, storage.size()) == WITHOUT_LAST


@pytest.mark.parametrize("seed", range(5))
def test_torn_tail_with_garbage_after_a_prefix_is_cut(seed: int) -> None:
    rng = random.Random(seed)
    cut = rng.randrange(len(WITHOUT_LAST) + 1, len(FULL))
    garbage = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40)))
    scan, records = _scan(FULL[:cut] + garbage)
    assert [command for _, command in records] == COMMANDS[:-1]
    assert scan.torn_bytes == cut + len(garbage) - len(WITHOUT_LAST)


def test_zero_filled_tail_is_a_torn_tail() -> None:
    scan, records = _scan(FULL + bytes(4096))
    assert len(records) == len(COMMANDS) and scan.torn_bytes == 4096


def test_bit_flip_in_the_last_record_is_cut_not_raised() -> None:
    data = bytearray(FULL)
    data[-3] ^= 0x01
    scan, records = _scan(bytes(data))
    assert len(records) == len(COMMANDS) - 1 and scan.torn_bytes == len(FULL) - len(WITHOUT_LAST)


@pytest.mark.parametrize("where", ["length", "crc", "payload"])
def test_damage_followed_by_valid_records_raises(where: str) -> None:
    record_start = len(_journal_bytes(10))
    offset = {"length": record_start + 1, "crc": record_start + 5, "payload": record_start + 20}
    data = bytearray(FULL)
    data[offset[where]] ^= 0x40
    with pytest.raises(JournalCorrupt, match="valid record seq"):
        _scan(bytes(data))


def test_hole_inside_one_unsynced_batch_is_a_torn_tail() -> None:
    """A power cut persisted later pages of the last batch but not an earlier one."""
    one_batch = _journal_bytes(commit_each=False)  # nothing was durable while encoding
    data = bytearray(one_batch)
    hole = len(_journal_bytes(10, commit_each=False))
    data[hole : hole + 30] = bytes(30)
    storage = MemoryStorage(bytes(data))
    scan = JournalScan(storage)
    assert [seq for seq, _ in scan] == list(range(1, 11))
    assert scan.records_after_hole > 0 and scan.torn_bytes == len(one_batch) - hole
    scan.truncate_tail()
    assert storage.size() == hole


def test_damage_far_from_the_end_raises_without_searching(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("openbourse.journal.reader.TORN_WINDOW", 64)
    data = bytearray(FULL)
    data[len(_journal_bytes(3)) + 2] ^= 0x40
    with pytest.raises(JournalCorrupt, match="farther than a torn write"):
        _scan(bytes(data))


def test_records_before_corruption_are_yielded_before_the_error() -> None:
    data = bytearray(FULL)
    data[len(_journal_bytes(10)) + 20] ^= 0x40
    seen = []
    with pytest.raises(JournalCorrupt):
        for seq, _ in JournalScan(MemoryStorage(bytes(data))):
            seen.append(seq)
    assert seen == list(range(1, 11))


def test_small_read_chunks_give_the_same_records() -> None:
    scan = JournalScan(MemoryStorage(FULL), chunk_size=17)
    assert [decode_command(body) for _, body in scan] == COMMANDS


@pytest.mark.parametrize("cut", range(1, HEADER_SIZE))
def test_torn_header_is_a_torn_tail_at_zero(cut: int) -> None:
    storage = MemoryStorage(encode_header()[:cut])
    scan = JournalScan(storage)
    assert list(scan) == [] and scan.torn_bytes == cut
    scan.truncate_tail()
    assert storage.size() == 0


def test_empty_storage_is_a_new_journal() -> None:
    scan = JournalScan(MemoryStorage())
    assert scan.header is None and list(scan) == [] and scan.last_seq == 0
