"""``bench server`` phases run end to end against the live server (small and bounded)."""
from __future__ import annotations

import asyncio

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
