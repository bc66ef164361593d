"""Storage port: the file implementation and the crash-simulating fake behave alike."""
from __future__ import annotations

import os
import random
from typing import Callable

import pytest

from openbourse.journal.storage import FileStorage, LogStorage, MemoryStorage, StorageClosed


@pytest.fixture(params=["file", "memory"])
def make_storage(
    request: pytest.FixtureRequest, tmp_path: "os.PathLike[str]"
) -> Callable[[], LogStorage]:
    if request.param == "file":
        return lambda: FileStorage(os.path.join(tmp_path, "log"))
    return MemoryStorage


def test_append_read_truncate(make_storage: Callable[[], LogStorage]) -> None:
    storage = make_storage()
    storage.append(b"hello ")
    storage.append(b"world")
    storage.sync()
    assert storage.size() == 11
    assert storage.read(0, 100) == b"hello world"
    assert storage.read(6, 3) == b"wor"
    storage.truncate(5)
    storage.append(b"!")
    assert storage.read(0, 100) == b"hello!"
    storage.close()
    with pytest.raises(StorageClosed):
        storage.append(b"x")


def test_file_storage_reopens_with_content(tmp_path: "os.PathLike[str]") -> None:
    path = os.path.join(tmp_path, "log")
    first = FileStorage(path)
    first.append(b"abc")
    first.sync()
    first.close()
    second = FileStorage(path)
    second.append(b"def")
    assert second.read(0, 10) == b"abcdef"
    second.close()
    reader = FileStorage(path, read_only=True)
    assert reader.size() == 6
    with pytest.raises(OSError):
        reader.append(b"x")
    reader.close()


def test_memory_crash_keeps_synced_bytes_only_without_tearing() -> None:
    storage = MemoryStorage()
    storage.append(b"durable")
    storage.sync()
    storage.append(b"volatile")
    assert storage.crash(tear=False).read(0, 100) == b"durable"


def test_memory_crash_tears_a_prefix_of_unsynced_bytes() -> None:
    outcomes = set()
    for seed in range(200):
        storage = MemoryStorage()
        storage.append(b"durable")
        storage.sync()
        storage.append(b"volatile")
        survived = storage.crash(random.Random(seed)).read(0, 100)
        assert survived.startswith(b"durable") and b"durablevolatile".startswith(survived)
        outcomes.add(len(survived))
    assert len(outcomes) > 5  # really random, not always all or nothing


def test_memory_crash_closes_the_old_storage() -> None:
    storage = MemoryStorage()
    storage.crash()
    with pytest.raises(StorageClosed):
        storage.append(b"late write from a dead process")


def test_memory_sync_failure_is_raised() -> None:
    storage = MemoryStorage()
    storage.fail_sync = OSError(5, "EIO")
    storage.append(b"x")
    with pytest.raises(OSError):
        storage.sync()
    assert storage.synced_size == 0


def test_memory_crash_scramble_damages_only_unsynced_sectors() -> None:
    damaged = 0
    for seed in range(50):
        storage = MemoryStorage()
        storage.append(b"d" * 1000)
        storage.sync()
        storage.append(b"v" * 3000)
        image = storage.crash(random.Random(seed), scramble=True).read(0, 10_000)
        assert image[:1000] == b"d" * 1000 and len(image) <= 4000
        damaged += image[1000:] != b"v" * (len(image) - 1000)
    assert damaged > 10
