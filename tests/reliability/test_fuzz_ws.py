"""WebSocket fuzzing in-process: malformed, oversized and nonsense frames, nonexistent
channels, private channels without a login.  Every frame gets an error frame (or is
ignored) and the connection keeps working; a flood closes only the flooding connection;
the feed keeps serving others and the engine state is unchanged.
"""
from __future__ import annotations

import json
import time
from typing import Any, Dict, List

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import Harness

BAD_FRAMES: List[str] = [
    "", " ", "{", "}", "[]", "null", "1", '"op"', "pong", "PING", "ping ", "\u0000",
    '{"op":null}', '{"op":1}', '{"op":"subscribe"}', '{"op":"subscribe","args":null}',
    '{"op":"subscribe","args":{}}', '{"op":"subscribe","args":[]}', '{"op":"subscribe","args":[1]}',
    '{"op":"subscribe","args":[null]}', '{"op":"subscribe","args":[[]]}',
    '{"op":"subscribe","args":[{}]}', '{"op":"subscribe","args":[{"channel":"ticker"}]}',
    '{"op":"subscribe","args":[{"instType":"SPOT","channel":"nope","instId":"BTCUSDT"}]}',
    '{"op":"subscribe","args":[{"instType":"SPOT","channel":"ticker","instId":"NOPE"}]}',
    '{"op":"subscribe","args":[{"instType":"USDT-FUTURES-X","channel":"ticker","instId":"X"}]}',
    '{"op":"subscribe","args":[{"instType":"SPOT","channel":"ticker","instId":7}]}',
    '{"op":"subscribe","args":[{"instType":"SPOT","channel":"orders","instId":"default"}]}',
    '{"op":"subscribe","args":[{"instType":"SPOT","channel":"books","instId":"BTCUSDT",'
    '"a":1,"b":2,"c":3,"d":4,"e":5,"f":6}]}',
    '{"op":"unsubscribe","args":[{"instType":"SPOT","channel":"ticker","instId":"ETHUSDT"}]}',
    '{"op":"login","args":[{"apiKey":"x","passphrase":"y","timestamp":"1","sign":"z"}]}',
    '{"op":"login","args":"x"}', '{"op":"trade","args":[]}', '{"op":"' + "x" * 3000 + '"}',
    '{"op":"subscribe","args":[' + ",".join(['{"instType":"SPOT","channel":"trade",'
                                              '"instId":"BTCUSDT"}'] * 101) + "]}",
    "x" * 5000, '{"a":' * 500 + "1" + "}" * 500, '{"op":"subscribe","args":[' + "[" * 900
    + "]" * 900 + "]}", "\udcff".encode("utf-8", "surrogatepass").decode("latin-1"),
    '{"op":"subscribe","args":[{"instType":"SPOT","channel":"ticker","instId":"BTCUSDT\\u0000"}]}',
]


def _drain(ws: Any) -> List[Dict[str, Any]]:
    """Frames up to the pong answering our ping (proves the connection still works)."""
    ws.send_text("ping")
    frames = []
    while True:
        text = ws.receive_text()
        if text == "pong":
            return frames
        frames.append(json.loads(text))


def test_bad_frames_get_errors_and_the_connection_survives(harness: Harness) -> None:
    before = harness.state()
    for path in ("/v2/ws/public", "/v2/ws/private"):
        with harness.client.websocket_connect(path) as ws:
            for index, frame in enumerate(BAD_FRAMES):
                ws.send_text(frame)
                answers = _drain(ws)
                for answer in answers:
                    assert isinstance(answer, dict) and "event" in answer or "action" in answer
                if index % 20 == 19:
                    time.sleep(1.0)  # stay under the inbound limit (50 frames/s)
            ws.send_bytes(b"\xff\xfe binary junk")
            _drain(ws)
    assert harness.state() == before


@given(frame=st.one_of(
    st.text(max_size=300),
    st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                 lambda c: st.lists(c, max_size=5) | st.dictionaries(
                     st.sampled_from(["op", "args", "instType", "channel", "instId", "coin",
                                      "apiKey", "x"]), c, max_size=5),
                 max_leaves=15).map(json.dumps)))
@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_random_frames(harness: Harness, frame: str) -> None:
    with harness.client.websocket_connect("/v2/ws/private") as ws:
        ws.send_text(frame)
        for answer in _drain(ws):
            assert isinstance(answer, dict)


def test_a_flooding_client_is_cut_off_alone(harness: Harness) -> None:
    before = harness.state()
    with harness.client.websocket_connect("/v2/ws/public") as calm:
        arg = {"instType": "SPOT", "channel": "ticker", "instId": "BTCUSDT"}
        calm.send_text(json.dumps({"op": "subscribe", "args": [arg]}))
        with harness.client.websocket_connect("/v2/ws/public") as flood:
            closed = False
            try:
                for _ in range(200):
                    flood.send_text('{"op":"nope"}')
                for _ in range(400):
                    flood.receive_text()
            except Exception:  # noqa: BLE001 - the server closed the flooding socket
                closed = True
            assert closed
        assert _drain(calm) is not None  # the calm client is still served
    assert harness.state() == before
