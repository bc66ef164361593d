"""Journal framing: records round-trip through the writer and reader; headers are checked."""
from __future__ import annotations

import struct
import zlib

import pytest
from journal_toy_machine import toy_commands

from openbourse.core.engine.codec import CODEC_VERSION, decode_command, encode_command
from openbourse.journal.format import (
    HEADER_SIZE,
    RECORD_OVERHEAD,
    JournalCorrupt,
    JournalVersionError,
    decode_header,
    encode_header,
    encode_record,
)
from openbourse.journal.reader import JournalScan, read_records
from openbourse.journal.storage import MemoryStorage
from openbourse.journal.writer import JournalWriter


def test_records_round_trip_through_writer_and_reader() -> None:
    storage = MemoryStorage()
    writer = JournalWriter(storage, next_seq=1)
    commands = toy_commands(200)
    for seq, command in enumerate(commands, start=1):
        writer.append(seq, command)
    assert writer.commit() == 200
    records = list(read_records(storage))
    assert [seq for seq, _ in records] == list(range(1, 201))
    assert [decode_command(body) for _, body in records] == commands


def test_record_overhead_is_twenty_bytes() -> None:
    body = encode_command(toy_commands(1)[0])
    assert len(encode_record(7, body)) == len(body) + RECORD_OVERHEAD == len(body) + 20


def test_header_round_trip_and_start_seq() -> None:
    header = decode_header(encode_header(start_seq=42))
    assert header.start_seq == 42 and header.codec_version == CODEC_VERSION
    assert len(encode_header()) == HEADER_SIZE


def test_header_refuses_other_codec_version() -> None:
    with pytest.raises(JournalVersionError):
        decode_header(encode_header(codec_version=CODEC_VERSION + 1))


@pytest.mark.parametrize("position", [0, 8, 12, 20])
def test_header_refuses_damage(position: int) -> None:
    data = bytearray(encode_header())
    data[position] ^= 0xFF
    with pytest.raises(JournalCorrupt):
        decode_header(bytes(data))


def test_scan_refuses_foreign_file() -> None:
    with pytest.raises(JournalCorrupt):
        JournalScan(MemoryStorage(b"hello world, not a journal at all"))


def test_scan_refuses_seq_gap_even_with_valid_checksums() -> None:
    body = encode_command(toy_commands(1)[0])
    data = encode_header() + encode_record(1, body) + encode_record(3, body)
    with pytest.raises(JournalCorrupt, match="expected 2"):
        list(JournalScan(MemoryStorage(data)))


def test_writer_refuses_out_of_order_seq() -> None:
    writer = JournalWriter(MemoryStorage(), next_seq=5)
    with pytest.raises(ValueError):
        writer.append(6, toy_commands(1)[0])


def test_journal_may_start_after_seq_one() -> None:
    storage = MemoryStorage()
    writer = JournalWriter(storage, next_seq=10)
    writer.append(10, toy_commands(1)[0])
    writer.commit()
    scan = JournalScan(storage)
    assert [seq for seq, _ in scan] == [10] and scan.header is not None
    assert scan.header.start_seq == 10


def test_frame_layout_is_length_crc_seq_lag_body() -> None:
    record = encode_record(9, b"abc", durable_seq=6)
    length, crc, seq, lag = struct.unpack_from("<IIQI", record)
    assert (length, seq, lag, record[20:]) == (15, 9, 3, b"abc")
    assert crc == zlib.crc32(record[8:])


def test_durable_lag_saturates() -> None:
    record = encode_record(2**40, b"", durable_seq=0)
    assert struct.unpack_from("<IIQI", record)[3] == 2**32 - 1


def test_header_refuses_other_format_version() -> None:
    body = struct.pack("<8sHHQ", b"OBJOURNL", 1, CODEC_VERSION, 1)
    with pytest.raises(JournalVersionError, match="format version 1"):
        decode_header(body + struct.pack("<I", zlib.crc32(body)))
