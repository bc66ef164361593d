"""``serve``'s start-up banner: what an operator reads, including the journal disk's cost."""
from __future__ import annotations

from types import SimpleNamespace

from openbourse.runtime.config import Config
from openbourse.runtime.server import SLOW_SYNC_MS, banner

CREDS = {"apiKey": "bg_k", "secretKey": "s", "passphrase": "p", "email": "demo@x"}


def _lines(capsys, journal_sync=None, creds=CREDS):
    banner(Config("/srv/ob", port=9000), SimpleNamespace(demo_credentials=creds), journal_sync)
    return capsys.readouterr().out.splitlines()


def test_banner_tells_what_a_journal_commit_costs_before_the_demo_key(capsys) -> None:
    lines = _lines(capsys, {"syncs": 32, "p50_ms": 0.31, "p99_ms": 1.2, "max_ms": 1.4,
                            "cpu_us_per_sync": 80.0})
    assert lines[0] == "openbourse listening on http://127.0.0.1:9000  (data dir /srv/ob)"
    assert lines[2] == ("journal: one commit (append + fdatasync) takes 0.31 ms on this disk "
                        "(p99 1.2 ms); every acknowledged command waits for one")
    assert not any(line.startswith("warning") for line in lines)
    assert lines[-1] == '{"apiKey":"bg_k","secretKey":"s","passphrase":"p"}'  # still last


def test_banner_warns_when_the_disk_is_slow_to_sync(capsys) -> None:
    lines = _lines(capsys, {"syncs": 32, "p50_ms": SLOW_SYNC_MS, "p99_ms": 30.0,
                            "max_ms": 41.0, "cpu_us_per_sync": 90.0}, creds=None)
    assert lines[-1].startswith("warning: this disk is slow to sync")


def test_banner_without_a_measurement_has_no_journal_line(capsys) -> None:
    assert not any(line.startswith("journal") for line in _lines(capsys, None))
