"""The journal disk's sync probe (benches, `serve`): real fsyncs, and nothing left behind."""
from __future__ import annotations

import os

import pytest

from openbourse.journal import storage
from openbourse.journal.sync_probe import probe_disk_sync


def test_probe_syncs_each_record_and_cleans_up(tmp_path, monkeypatch) -> None:
    synced = []
    real_sync = storage._sync_fd

    def counting_sync(fd: int) -> None:
        synced.append(os.fstat(fd).st_size)  # what the file held when it was synced
        real_sync(fd)

    monkeypatch.setattr(storage, "_sync_fd", counting_sync)
    result = probe_disk_sync(str(tmp_path), syncs=20, record_bytes=512)
    assert synced == [512 * n for n in range(1, 21)]  # one sync per appended record
    assert result["syncs"] == 20
    assert 0 <= result["p50_ms"] <= result["p99_ms"] <= result["max_ms"]  # ms, rounded
    assert result["cpu_us_per_sync"] >= 0
    assert list(tmp_path.iterdir()) == []


def test_probe_refuses_an_empty_measurement(tmp_path) -> None:
    with pytest.raises(ValueError):
        probe_disk_sync(str(tmp_path), syncs=0)
    with pytest.raises(ValueError):
        probe_disk_sync(str(tmp_path), record_bytes=0)


def test_probe_removes_its_file_when_a_sync_fails(tmp_path, monkeypatch) -> None:
    def failing_sync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(storage, "_sync_fd", failing_sync)
    with pytest.raises(OSError):
        probe_disk_sync(str(tmp_path), syncs=3)
    assert list(tmp_path.iterdir()) == []
