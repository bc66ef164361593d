"""The ``books`` checksum, against a payload built by hand and ccxt's own crc32."""
from __future__ import annotations

from ccxt.base.exchange import Exchange

from openbourse.adapters.api.ws.frames import books_checksum


def _crc32_bitwise(data: bytes) -> int:
    """Reference CRC-32 (IEEE, reflected, poly 0xEDB88320) written out bit by bit."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0xEDB88320 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def test_interleaves_bid_then_ask_and_is_signed() -> None:
    bids = [("27000.0", "2.710"), ("26999.5", "0.100")]
    asks = [("27000.5", "8.760")]
    payload = "27000.0:2.710:27000.5:8.760:26999.5:0.100"  # bid0, ask0, bid1 (no ask1)
    unsigned = _crc32_bitwise(payload.encode())
    assert unsigned == 2351137489
    assert books_checksum(bids, asks) == unsigned - 2**32 == -1943829807
    assert books_checksum(bids, asks) == Exchange.crc32(payload, True)


def test_positive_value_stays_positive() -> None:
    assert books_checksum([("3366.1", "0.02")], [("3366.2", "5.7")]) == 902344087


def test_only_top_25_levels_count_and_strings_are_used_verbatim() -> None:
    bids = [(f"{100 - i}.00", "1.0") for i in range(30)]
    asks = [(f"{101 + i}.00", "2.0") for i in range(30)]
    parts = []
    for i in range(25):
        parts += [bids[i][0], bids[i][1], asks[i][0], asks[i][1]]
    expected = Exchange.crc32(":".join(parts), True)
    assert books_checksum(bids, asks) == expected
    deeper = bids[:25] + [("1.00", "999")]
    assert books_checksum(deeper, asks) == expected
    # "27002.00" and "27002.0" are different strings, so different checksums
    assert books_checksum([("27002.00", "1")], []) != books_checksum([("27002.0", "1")], [])


def test_empty_book() -> None:
    assert books_checksum([], []) == 0
