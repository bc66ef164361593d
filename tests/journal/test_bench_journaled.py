"""The journaled run of ``openbourse bench engine`` (small): same state as the core run,
every command acknowledged, fsyncs and their spacing reported, GIL switch interval
restored."""
from __future__ import annotations

import sys

from openbourse.bench.engine_bench import run_core, setup_commands, to_core_commands
from openbourse.bench.journal_bench import run_journaled, run_replay
from openbourse.bench.workload import generate
from openbourse.core.engine.state_hash import state_hash


def test_journaled_run_matches_the_core_and_reports_its_fsyncs(tmp_path) -> None:
    commands = to_core_commands(generate(3000, seed=5))
    _, state, _ = run_core(commands)
    before = sys.getswitchinterval()

    run = run_journaled(setup_commands(), commands, str(tmp_path))

    assert sys.getswitchinterval() == before
    assert run.state_hash == state_hash(state)
    assert len(run.latencies_ns) == len(commands) and min(run.latencies_ns) > 0
    assert run.fsyncs >= 1
    assert len(run.fsync_gaps_ns) <= run.fsyncs - 1  # one gap between two fsyncs
    assert all(gap > 0 for gap in run.fsync_gaps_ns)
    seconds, replay_hash, replayed = run_replay(str(tmp_path))
    assert replay_hash == run.state_hash
    assert replayed == len(setup_commands()) + len(commands)
