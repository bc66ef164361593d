"""The deterministic simulation (openbourse.testing.sim): a short seed range, determinism,
and proof that the harness fails when durability is broken.

Long runs: ``openbourse sim --seeds 0:1000 --steps 500`` (docs/reliability.md).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from openbourse.core.commands import Deposit
from openbourse.core.enums import AccountType
from openbourse.journal import writer as journal_writer
from openbourse.testing.sim import SimFailure, actions, run

CI_SEEDS = range(int(os.environ.get("OPENBOURSE_SIM_SEEDS", "8")))
CI_STEPS = 120


@pytest.mark.parametrize("seed", CI_SEEDS)
def test_seed(seed: int) -> None:
    result = run(seed, CI_STEPS)
    assert result.commands > CI_STEPS and result.lost == result.duplicated == 0
    assert result.violations == 0 and result.acked > 0


def test_faults_of_every_kind_are_met() -> None:
    """With a high fault rate, a few seeds meet every kind of power cut and recover."""
    kinds: dict = {}
    durable_unacked = resubmitted = 0
    for seed in range(2):
        result = run(1000 + seed, 50, fault_rate=0.2)
        for kind, count in result.power_cuts.items():
            kinds[kind] = kinds.get(kind, 0) + count
        durable_unacked += result.durable_unacked
        resubmitted += result.resubmitted
    assert {"before-write", "torn-write", "lost-sync", "synced-not-acked"} <= set(kinds)
    assert durable_unacked > 0 and resubmitted > 0


def test_one_seed_reproduces_a_run() -> None:
    first, again = run(5, 60), run(5, 60)
    assert first.fingerprint == again.fingerprint and first.state_hash == again.state_hash
    assert run(6, 60).fingerprint != first.fingerprint


def test_same_fingerprint_under_other_hash_seeds() -> None:
    code = "from openbourse.testing.sim import run; print(run(7, 40).fingerprint)"
    prints = set()
    for hash_seed in ("0", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, timeout=300, check=True)
        prints.add(out.stdout.strip())
    assert len(prints) == 1 and prints == {run(7, 40).fingerprint}


def test_the_simulation_catches_an_ack_before_fsync(monkeypatch: pytest.MonkeyPatch) -> None:
    """A journal that acknowledges without fsync loses acknowledged commands at a cut."""
    def write_without_sync(self, data: bytes, last_seq: int) -> None:
        self.storage.append(data)
        self.durable_seq = max(self.durable_seq, last_seq)

    monkeypatch.setattr(journal_writer.JournalWriter, "write_and_sync", write_without_sync)
    with pytest.raises(SimFailure, match=r"^seed \d+: "):
        for seed in range(20):
            run(seed, 100, fault_rate=0.05)


def test_products_register_actions() -> None:
    """A product adds its actions (and setup) to the registry; the runs include them."""
    made = []

    @actions.setup("toy")
    def toy_setup(gen: actions.Gen) -> list:
        return []

    @actions.action("toy", "gift", weight=30)
    def gift(gen: actions.Gen) -> Deposit:
        made.append(1)
        return Deposit(0, gen.user(), int(AccountType.FUNDING), "USDT", 10**6,
                       f"toy-{gen.seed}-{len(made)}")

    try:
        assert "toy" in actions.products()
        result = run(3, 40, products=["spot", "wallet", "toy"])
        assert made and result.commands > 40
        with pytest.raises(ValueError):
            run(3, 5, products=["no-such-product"])
    finally:
        actions.remove("toy")
    assert "toy" not in actions.products()


def test_cli_summary() -> None:
    out = subprocess.run([sys.executable, "-m", "openbourse.runtime.cli", "sim", "--seeds",
                          "0:2", "--steps", "30", "--json"], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["seeds"] == 2 and summary["commands_checked"] > 60
    assert summary["lost"] == summary["duplicated"] == summary["invariant_violations"] == 0
