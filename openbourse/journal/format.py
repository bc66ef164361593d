"""Journal file format: one header, then length + CRC framed records.

Layout (all integers little-endian)::

    header  = magic "OBJOURNL" | format_version u16 | codec_version u16 | start_seq u64
              | crc32 u32 (of the 20 bytes before it)                       -- 24 bytes
    record  = payload_length u32 | crc32(payload) u32 | payload             -- 8 + payload
    payload = seq u64 | durable_lag u32 | encode_command(command)

Why this shape:

* ``seq`` is the command sequence number (gap-free, from ``start_seq``), so recovery can
  check continuity and line a record up with a snapshot without decoding the command.
* ``durable_lag`` is ``seq`` minus the highest seq that was durable (fsynced) when the
  record was encoded (saturating at 2**32 - 1).  A power cut may persist any subset of
  the unsynced pages, so a torn tail can be a hole followed by valid records; those
  records then all have ``seq - durable_lag`` below the hole (they were written before
  it was durable).  A valid record after a damaged one that says the damaged seq was
  already durable proves real corruption (see ``reader.py``).
* The frame is 8 bytes and the record head 12 more: 20 bytes of overhead on records of
  typically 40-120 bytes, packed by ``struct`` and checked by ``zlib.crc32`` (both in C).
* ``codec_version`` pins the ``encode_command`` format; a journal written by another codec
  version is refused (``JournalVersionError``) instead of being misread.
* ``start_seq`` lets a future segmented journal start a file after a snapshot.
"""
from __future__ import annotations

import struct
import zlib
from typing import NamedTuple

from ..core.engine.codec import CODEC_VERSION

__all__ = [
    "MAGIC",
    "FORMAT_VERSION",
    "HEADER_SIZE",
    "FRAME",
    "RECORD_HEAD",
    "FRAME_AND_HEAD",
    "FRAME_SIZE",
    "HEAD_SIZE",
    "MAX_LAG",
    "RECORD_OVERHEAD",
    "MAX_PAYLOAD",
    "MAX_UNSYNCED",
    "TORN_WINDOW",
    "JournalHeader",
    "JournalError",
    "JournalCorrupt",
    "JournalVersionError",
    "encode_header",
    "decode_header",
    "encode_record",
]

MAGIC = b"OBJOURNL"
FORMAT_VERSION = 2  # 2: records carry durable_lag (1 had only seq; never released)
#: Largest payload a record may have; a larger length field is corruption.  Commands are
#: small (a 50-order batch is a few KiB), so 1 MiB leaves a wide margin.
MAX_PAYLOAD = 1024 * 1024
#: A writer never leaves more than this many bytes written but unsynced (it syncs in
#: slices), so a torn write can only damage the last ``TORN_WINDOW`` bytes of a log.
#: Damage found farther from the end is corruption, never a torn tail.
MAX_UNSYNCED = 4 * 1024 * 1024

_HEADER_BODY = struct.Struct("<8sHHQ")
_HEADER_CRC = struct.Struct("<I")
HEADER_SIZE = _HEADER_BODY.size + _HEADER_CRC.size

FRAME = struct.Struct("<II")  # payload length, crc32 of payload
RECORD_HEAD = struct.Struct("<QI")  # seq, durable_lag
FRAME_AND_HEAD = struct.Struct("<IIQI")  # both at once, for the reader's tail search
FRAME_SIZE = FRAME.size
HEAD_SIZE = RECORD_HEAD.size
RECORD_OVERHEAD = FRAME_SIZE + HEAD_SIZE
TORN_WINDOW = MAX_UNSYNCED + FRAME_SIZE + MAX_PAYLOAD
MAX_LAG = 2**32 - 1

_pack_frame = FRAME.pack
_pack_head = RECORD_HEAD.pack
_crc32 = zlib.crc32


class JournalError(Exception):
    """Base class: the journal cannot be used as it is.  Stop; an operator must look."""


class JournalCorrupt(JournalError):
    """Damage that is not a torn tail (e.g. a bad record followed by valid ones)."""


class JournalVersionError(JournalError):
    """The journal was written with another format or codec version."""


class JournalHeader(NamedTuple):
    format_version: int
    codec_version: int
    start_seq: int


def encode_header(start_seq: int = 1, codec_version: int = CODEC_VERSION) -> bytes:
    body = _HEADER_BODY.pack(MAGIC, FORMAT_VERSION, codec_version, start_seq)
    return body + _HEADER_CRC.pack(_crc32(body))


def decode_header(data: bytes) -> JournalHeader:
    """Parse and validate a header; raises ``JournalError`` for anything but ours."""
    if len(data) < HEADER_SIZE:
        raise JournalCorrupt(f"journal header is {len(data)} bytes, expected {HEADER_SIZE}")
    body = data[: _HEADER_BODY.size]
    magic, format_version, codec_version, start_seq = _HEADER_BODY.unpack(body)
    if magic != MAGIC:
        raise JournalCorrupt(f"not an openbourse journal (magic {magic!r})")
    (crc,) = _HEADER_CRC.unpack_from(data, _HEADER_BODY.size)
    if crc != _crc32(body):
        raise JournalCorrupt("journal header checksum mismatch")
    if format_version != FORMAT_VERSION:
        raise JournalVersionError(
            f"journal format version {format_version}, this build reads {FORMAT_VERSION}"
        )
    if codec_version != CODEC_VERSION:
        raise JournalVersionError(
            f"journal codec version {codec_version}, this build reads {CODEC_VERSION}"
        )
    if start_seq < 1:
        raise JournalCorrupt(f"journal start seq {start_seq} < 1")
    return JournalHeader(format_version, codec_version, start_seq)


def encode_record(seq: int, body: bytes, durable_seq: int = 0) -> bytes:
    """One framed record for command ``seq`` whose encoded command is ``body``.

    ``durable_seq``: the highest seq known durable right now (0 when unknown, which only
    makes the reader more willing to treat damage as a torn tail).
    """
    lag = seq - durable_seq
    payload = _pack_head(seq, lag if lag <= MAX_LAG else MAX_LAG) + body
    return _pack_frame(len(payload), _crc32(payload)) + payload

