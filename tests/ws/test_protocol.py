"""Raw frames against the live server: ping, acks, error frames, login errors, slow consumers."""
from __future__ import annotations

import asyncio
import time
from typing import Any, List

import orjson
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from openbourse.adapters.api.auth import sign

from .live_server import LiveServer


async def recv_json(ws: Any, want: str = "event") -> dict:
    """Next frame that has key ``want`` (pushes for other subscriptions are skipped)."""
    while True:
        text = await asyncio.wait_for(ws.recv(), timeout=10)
        if text == "pong" and want == "pong":
            return {"pong": True}
        if text.startswith("{"):
            frame = orjson.loads(text)
            if want in frame:
                return frame


def test_ping_and_malformed_frames_get_error_frames(server: LiveServer) -> None:
    async def scenario() -> None:
        async with connect(server.ws_url + "/public") as ws:
            await ws.send("ping")
            assert await ws.recv() == "pong"
            cases: List[Any] = [
                ("not json at all", 30016),
                ("[1, 2, 3]", 30003),
                ('{"op":"explode","args":[]}', 30003),
                ('{"op":"subscribe","args":"ticker"}', 30016),
                ('{"op":"subscribe","args":[]}', 30016),
                ('{"op":"subscribe","args":[42]}', 30016),
                ('{"op":"subscribe","args":'
                 '[{"instType":"SPOT","channel":"nope","instId":"BTCUSDT"}]}',
                 30001),
                ('{"op":"subscribe","args":'
                 '[{"instType":"SPOT","channel":"ticker","instId":"XXXYYY"}]}',
                 30001),
                ('{"op":"subscribe","args":'
                 '[{"instType":"USDT-FUTURES","channel":"ticker","instId":"XXXYYY"}]}',
                 30001),
                ('{"op":"subscribe","args":'
                 '[{"instType":"SUSDT-FUTURES","channel":"ticker","instId":"BTCUSDT"}]}',
                 30001),
                ('{"op":"subscribe","args":'
                 '[{"instType":"SPOT","channel":"orders","instId":"default"}]}',
                 30004),
                ('{"op":"login","args":[{}]}', 30003),  # login only on the private URL
                ('{"op":"subscribe","args":[{"instType":"SPOT","channel":"ticker","instId":"'
                 + "A" * 10_000 + '"}]}', 30016),
                ("\x00\xff" * 10, 30016),
            ]
            for text, code in cases:
                await ws.send(text)
                frame = await recv_json(ws)
                assert frame["event"] == "error" and frame["code"] == code, (text[:60], frame)
            await ws.send("ping")  # still alive and well after all that
            assert (await recv_json(ws, "pong")) == {"pong": True}
            arg = {"instType": "SPOT", "channel": "ticker", "instId": "BTCUSDT"}
            await ws.send(orjson.dumps({"op": "subscribe", "args": [arg]}).decode())
            assert await recv_json(ws) == {"event": "subscribe", "arg": arg}
            snapshot = await recv_json(ws, "action")
            assert snapshot["arg"] == arg and snapshot["data"][0]["instId"] == "BTCUSDT"
            await ws.send(orjson.dumps({"op": "unsubscribe", "args": [arg]}).decode())
            assert await recv_json(ws) == {"event": "unsubscribe", "arg": arg}

    asyncio.run(scenario())


def test_login_errors_and_success(server: LiveServer) -> None:
    creds = server.app.demo_credentials
    key, secret, passphrase = creds["apiKey"], creds["secretKey"], creds["passphrase"]

    def login(api_key: str, phrase: str, ts: str, signature: str = "") -> str:
        signature = signature or sign(secret, ts + "GET" + "/user/verify")
        return orjson.dumps({"op": "login", "url": "ignored", "args": [
            {"apiKey": api_key, "passphrase": phrase, "timestamp": ts,
             "sign": signature}]}).decode()

    async def scenario() -> None:
        now = str(int(time.time()))
        async with connect(server.ws_url + "/private") as ws:
            for text, code in [
                (login("nope", passphrase, now), 30011),
                (login(key, "wrong", now), 30012),
                (login(key, passphrase, "12ab"), 30013),
                (login(key, passphrase, str(int(now) - 120)), 30014),
                (login(key, passphrase, now, sign("bad-secret", now + "GET/user/verify")), 30015),
                ('{"op":"login","args":[{"apiKey":"k"}]}', 30016),
            ]:
                await ws.send(text)
                frame = await recv_json(ws)
                assert frame["event"] == "error" and frame["code"] == code, frame
            await ws.send(login(key, passphrase, now))
            frame = await recv_json(ws)
            assert frame["event"] == "login" and frame["code"] == 0
            arg = {"instType": "SPOT", "channel": "account", "coin": "default"}
            await ws.send(orjson.dumps({"op": "subscribe", "args": [arg]}).decode())
            assert (await recv_json(ws)) == {"event": "subscribe", "arg": arg}
            snapshot = await recv_json(ws, "action")
            coins = {row["coin"] for row in snapshot["data"]}
            assert {"USDT", "BTC"} <= coins

    asyncio.run(scenario())


def test_slow_consumer_is_dropped_while_others_keep_receiving(server: LiveServer) -> None:
    gateway = server.app.gateway
    symbols = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "ETHBTC", "BTCUSDC"]
    channels = ["books", "books1", "books5", "books15", "trade", "ticker", "candle1m",
                "candle5m", "candle1H", "candle1D"]
    args = [{"instType": "SPOT", "channel": ch, "instId": s} for s in symbols for ch in channels]

    async def scenario() -> None:
        async with connect(server.ws_url + "/public") as healthy, \
                connect(server.ws_url + "/public", max_queue=1) as slow:
            await healthy.send(orjson.dumps({"op": "subscribe", "args": [
                {"instType": "SPOT", "channel": "books", "instId": "BTCUSDT"}]}).decode())
            gateway.max_queue = 8  # applies to connections accepted from now on
            try:
                async with connect(server.ws_url + "/public", max_queue=1) as tiny:
                    await tiny.send(orjson.dumps({"op": "subscribe", "args": args}).decode())
                    closed_code = None
                    try:
                        while True:  # never keeps up: 100 acks + snapshots vs a queue of 8
                            await asyncio.wait_for(tiny.recv(), timeout=10)
                    except ConnectionClosed as closed:
                        closed_code = closed.rcvd.code if closed.rcvd else None
                    assert closed_code == 1008
            finally:
                gateway.max_queue = 2048
            updates = 0
            while updates < 5:  # the healthy subscriber is still served
                frame = await recv_json(healthy, "action")
                updates += frame["action"] == "update"
            await slow.send("ping")

    asyncio.run(scenario())
