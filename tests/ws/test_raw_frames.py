"""Pre-encoded push frames are byte-for-byte what the websockets library would send."""
from __future__ import annotations

import pytest
from websockets.frames import Frame, Opcode

from openbourse.adapters.api.ws.frames import Shared, text_frame


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 1000, 65535, 65536, 70000])
def test_text_frame_matches_websockets_serialisation(size: int) -> None:
    text = ("é" if size % 2 else "x") * (size // 2 if size % 2 else size)
    expected = Frame(Opcode.TEXT, text.encode()).serialize(mask=False)
    assert text_frame(text) == expected


def test_shared_frame_is_encoded_once() -> None:
    shared = Shared('{"action":"update"}')
    assert shared.wire is shared.wire and shared.wire == text_frame(shared.text)
