"""One live server (market makers on) shared by the WebSocket end-to-end tests."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from .live_server import LiveServer


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with LiveServer(Path(tmp_path_factory.mktemp("ws-node"))) as live:
        yield live
