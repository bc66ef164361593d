"""``bench server`` phases run end to end against the live server (small and bounded)."""
from __future__ import annotations

import argparse
import asyncio
import os
import time

from openbourse.runtime.bench_server import process_cpu, run_bench
from openbourse.runtime.bench_server.fanout import fanout_phase
from openbourse.runtime.bench_server.rest import rest_phase

from .live_server import LiveServer


def test_rest_and_fanout_phases_report_real_traffic(server: LiveServer) -> None:
    creds = server.app.demo_credentials
    rest = asyncio.run(rest_phase(server.url, creds, "ETHUSDT", 4, 1.0, 400))
    assert rest["place"]["errors"] == 0 and rest["place"]["requests"] > 0
    assert rest["cancel"]["requests"] == rest["place"]["requests"]
    assert rest["public_time"]["requests"] > 0 and rest["ratio_orders_to_public"] > 0
    fanout = asyncio.run(fanout_phase(server.url, creds, "ETHUSDT", 5, 1.5, True, 2))
    assert fanout["messages_per_s"] > 0 and fanout["fast_subscribers_dropped"] == 0
    assert fanout["per_subscriber_per_s"]["min"] > 0


def test_rest_phase_reports_the_servers_cpu_per_request(server: LiveServer) -> None:
    """This live server runs in the test process, so the process's CPU time is its CPU."""
    creds = server.app.demo_credentials
    rest = asyncio.run(rest_phase(server.url, creds, "ETHUSDT", 4, 1.0, 400, time.process_time))
    cpu = rest["server_cpu"]
    assert cpu["us_per_order"] > cpu["us_per_public_request"] > 0
    # us_per_order is reported rounded to 0.1 µs, orders_per_cpu_s from the exact figure
    assert abs(cpu["orders_per_cpu_s"] - 1e6 / cpu["us_per_order"]) <= 1
    assert 0 < cpu["ratio_orders_to_public"] < 1 and cpu["cores_used"] > 0
    assert "server_cpu" not in asyncio.run(rest_phase(server.url, creds, "ETHUSDT", 2, 0.3, 40))


def test_process_cpu_reads_proc() -> None:
    read = process_cpu(os.getpid())
    assert read is not None
    before = read()
    deadline = time.process_time() + 0.05
    while time.process_time() < deadline:
        pass
    assert read() > before
    assert process_cpu(2**22 + 12345) is None  # no such process


def test_whole_bench_reports_the_disks_fsync_cost_when_it_knows_the_data_dir(
        server: LiveServer, tmp_path) -> None:
    args = argparse.Namespace(symbol="ETHUSDT", clients=2, duration=0.3, max_requests=40,
                              subscribers=3, ws_duration=0.5, workers=1)
    creds = server.app.demo_credentials
    report = asyncio.run(run_bench(args, server.url, creds, data_dir=str(tmp_path)))
    disk = report["disk_sync"]
    assert disk["syncs"] == 200 and 0 <= disk["p50_ms"] <= disk["p99_ms"] <= disk["max_ms"]
    assert report["rest"]["place"]["errors"] == 0 and "slow_subscriber_effect" in report
    assert list(tmp_path.iterdir()) == []  # the probe's scratch file is gone
    args.ws_duration = 0.3
    assert "disk_sync" not in asyncio.run(run_bench(args, server.url, creds))  # --url alone
