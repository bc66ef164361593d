"""``serve --cpu``: which CPU the server's threads are kept on, and bad values refused."""
from __future__ import annotations

import os
import subprocess
import sys
import pytest

from openbourse.runtime import cpu_pin
from openbourse.runtime.cpu_pin import CpuChoiceError, choose_cpu


@pytest.fixture
def cpus(monkeypatch: pytest.MonkeyPatch):
    def use(allowed):
        monkeypatch.setattr(cpu_pin, "_allowed", lambda: set(allowed))
    return use


def test_auto_takes_the_last_cpu_and_leaves_a_single_cpu_alone(cpus) -> None:
    cpus({0, 1, 2, 3})
    assert choose_cpu("auto") == 3
    cpus({2, 5})
    assert choose_cpu("auto") == 5
    cpus({0})
    assert choose_cpu("auto") is None
    cpus(set())  # no affinity API
    assert choose_cpu("auto") is None and choose_cpu("3") is None


def test_explicit_cpu_and_none(cpus) -> None:
    cpus({0, 1})
    assert choose_cpu("0") == 0 and choose_cpu("1") == 1
    assert choose_cpu("none") is None


@pytest.mark.parametrize("spec", ["2", "-1", "x", "", "1.0", "auto,1"])
def test_bad_values_are_refused(cpus, spec: str) -> None:
    cpus({0, 1})
    with pytest.raises(CpuChoiceError):
        choose_cpu(spec)


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="Linux affinity API")
def test_pin_covers_running_and_later_threads() -> None:
    """In a child process: a thread started before and one started after the pin."""
    code = """
import os, threading, time
from openbourse.runtime.cpu_pin import pin_to
cpu = max(os.sched_getaffinity(0))
stop = threading.Event()
t = threading.Thread(target=stop.wait); t.start()
pin_to(cpu)
after = []
t2 = threading.Thread(target=lambda: after.append(os.sched_getaffinity(0))); t2.start(); t2.join()
tasks = [int(n) for n in os.listdir('/proc/self/task')]
print(sorted({frozenset(os.sched_getaffinity(x)) == frozenset({cpu}) for x in tasks}),
      after[0] == {cpu})
stop.set(); t.join()
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True).stdout.split()
    assert out == ["[True]", "True"]


def test_serve_refuses_a_bad_cpu_with_exit_code_2(tmp_path) -> None:
    for spec, message in (("999", "is not one this process may use"),
                          ("many", "--cpu must be auto, none or a CPU number")):
        done = subprocess.run(
            [sys.executable, "-m", "openbourse.runtime.cli", "serve", "--cpu", spec,
             "--data-dir", str(tmp_path / "d"), "--port", "1"],
            capture_output=True, text=True, timeout=60)
        assert done.returncode == 2 and message in done.stderr
        assert not (tmp_path / "d").exists()  # refused before anything started

