"""Crash torture of the real server, short version: ``openbourse torture`` with a few cycles.

Each cycle SIGKILLs a loaded ``openbourse serve`` and checks, on its files, that every
acknowledged order, cancel, transfer and withdrawal is journaled exactly once, nothing
refused took effect, the auditor and the invariants hold over a replay from empty, and
recovery (snapshot + tail) equals that replay; after each restart the REST read models
must equal the engine.  Long run: ``openbourse torture --cycles 20`` (docs/reliability.md).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

CYCLES = int(os.environ.get("OPENBOURSE_TORTURE_CYCLES", "4"))


def test_short_torture_run(tmp_path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "openbourse.runtime.cli", "torture", "--cycles", str(CYCLES),
         "--clients", "4", "--max-run", "1.5", "--data-dir", str(tmp_path / "node"), "--json"],
        capture_output=True, text=True, timeout=600,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    assert summary["kills"] == CYCLES and summary["cycles"] == CYCLES
    assert summary["acknowledged"] > 100 and summary["commands_checked"] > 100
    assert summary["read_model_values"] > 0
    assert summary["lost"] == summary["duplicated"] == summary["violations"] == 0
    assert summary["problems"] == []
