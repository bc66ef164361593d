"""Client side of the gateway: the socket loop and the ``ping``/login/subscribe protocol.

Every malformed input (non-JSON, oversized, unknown op, bad arg, nonexistent channel or
symbol) is answered with an error frame (research §5.3) and never raises; only flooding
the server (more frames per second than allowed) closes the socket.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Set, Tuple

import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect

from .conn import CLOSE_ABUSE, Connection
from .frames import (ERR_CHANNEL, ERR_NEED_LOGIN, ERR_OP, ERR_PARAM, ERR_RATE, dumps,
                     error_frame, event_frame)
from .login import LoginGuard, verify_login
from .private import PRIVATE_CHANNELS
from .public import PUBLIC_CHANNELS

if TYPE_CHECKING:  # pragma: no cover
    from .gateway import WsGateway

__all__ = ["Protocol"]

MAX_ARGS = 100  # per frame
MAX_SUBS = 1000  # per connection


class Protocol:
    def __init__(self) -> None:
        self.connections: Set[Connection] = set()
        self.login_guard = LoginGuard()

    async def serve(self: "WsGateway", ws: WebSocket, private: bool) -> None:
        """Run one client until it disconnects (the Starlette route handler)."""
        await ws.accept()
        conn = self.new_connection(ws, private)
        self.connections.add(conn)
        conn.start()
        try:
            while not conn.closed:
                message = await ws.receive()
                if message["type"] == "websocket.disconnect":
                    break
                text = message.get("text")
                if text is None:
                    raw = message.get("bytes") or b""
                    text = raw.decode("utf-8", "replace")
                self.handle_text(conn, text)
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            self.connections.discard(conn)
            self.public.drop(conn)
            self.private.drop(conn)
            for extension in self._extension_list:
                extension.drop(conn)
            await conn.stop()

    def handle_text(self: "WsGateway", conn: Connection, text: str) -> None:
        if not conn.inbound_ok():
            conn.push(error_frame(ERR_RATE, "too many requests"))
            conn.kill(CLOSE_ABUSE, "too many requests")
            return
        if text == "ping":
            conn.push("pong")
            return
        if len(text) > self.max_frame:
            conn.push(error_frame(ERR_PARAM, f"frame larger than {self.max_frame} bytes"))
            return
        try:
            request = orjson.loads(text)
        except orjson.JSONDecodeError:
            conn.push(error_frame(ERR_PARAM, "Param error: frame is not JSON"))
            return
        op = request.get("op") if isinstance(request, dict) else None
        args = request.get("args") if isinstance(request, dict) else None
        if op == "login":
            self._login(conn, args)
        elif op in ("subscribe", "unsubscribe"):
            if not isinstance(args, list) or not args or len(args) > MAX_ARGS:
                conn.push(error_frame(ERR_PARAM, f"args must be a list of 1..{MAX_ARGS} objects",
                                      op=op))
                return
            for arg in args:
                self._one_arg(conn, op, arg)
        else:
            conn.push(error_frame(ERR_OP, f"op {str(op)[:32]!r} is not supported"))

    def _login(self: "WsGateway", conn: Connection, args: Any) -> None:
        if not conn.private:
            conn.push(error_frame(ERR_OP, "login is only available on /v2/ws/private",
                                  op="login"))
            return
        client = getattr(conn.ws, "client", None)
        ip = client.host if client is not None else ""
        guard = self.login_guard
        if guard.blocked(ip):
            conn.push(error_frame(ERR_RATE, "too many failed logins from this address; "
                                  "try again later", op="login"))
            return
        result = verify_login(args, self.key_lookup, self.clock_ms() // 1000, ip, guard)
        if isinstance(result, tuple):
            guard.failed(ip)
            code, msg = result
            conn.push(error_frame(code, msg, op="login"))
            return
        if conn.user is not None and conn.user != result:
            conn.push(error_frame(ERR_PARAM, "already logged in as another user", op="login"))
            return
        conn.user = result
        conn.api_key = str(args[0]["apiKey"])
        conn.push(event_frame("login", code=0, msg=""))

    def _one_arg(self: "WsGateway", conn: Connection, op: str, arg: Any) -> None:
        inst_type = arg.get("instType") if isinstance(arg, dict) else None
        extension = self.extensions.get(inst_type.upper()) if isinstance(inst_type, str) else None
        if extension is not None:  # a product's channels (ws/extensions.py)
            extension.handle(conn, op, arg, self.clock_ms())
            return
        parsed = self._parse_arg(conn, op, arg)
        if parsed is None:
            return
        channel, target = parsed
        arg_json = dumps(arg)
        now = self.clock_ms()
        if op == "subscribe":
            if len(conn.public_subs) + len(conn.private_subs) >= MAX_SUBS:
                conn.push(error_frame(ERR_RATE, "too many subscriptions", op=op, arg=arg))
                return
            conn.push(event_frame("subscribe", arg))
            if channel in PRIVATE_CHANNELS:
                self.private.subscribe(conn, channel, target, arg_json, now)
            else:
                self.public.subscribe(conn, (channel, target), arg_json, now)
        else:
            if channel in PRIVATE_CHANNELS:
                self.private.unsubscribe(conn, channel, target, arg_json)
            else:
                self.public.unsubscribe(conn, (channel, target), arg_json)
            conn.push(event_frame("unsubscribe", arg))

    def _parse_arg(self: "WsGateway", conn: Connection, op: str,
                   arg: Any) -> Optional[Tuple[str, str]]:
        """(channel, symbol-or-filter) for a valid arg; otherwise push the error, None."""
        if not isinstance(arg, dict) or len(arg) > 8:
            conn.push(error_frame(ERR_PARAM, "Param error: arg must be an object", op=op))
            return None
        inst_type, channel = arg.get("instType"), arg.get("channel")
        if not isinstance(inst_type, str) or not isinstance(channel, str):
            conn.push(error_frame(ERR_PARAM, "Param error: instType and channel are required",
                                  op=op, arg=arg))
            return None
        target = arg.get("coin" if channel == "account" else "instId", "default")
        missing = error_frame(ERR_CHANNEL, f"instType:{inst_type[:20]},channel:{channel[:20]},"
                              f"instId:{str(target)[:20]} doesn't exist", op=op, arg=arg)
        if inst_type.upper() != "SPOT" or not isinstance(target, str):
            conn.push(missing)
            return None
        if channel in PRIVATE_CHANNELS:
            if conn.user is None:
                conn.push(error_frame(ERR_NEED_LOGIN, "login required for private channels",
                                      op=op, arg=arg))
                return None
            known = (target == "default" or target in self.catalog.markets
                     or (channel == "account" and target in self.catalog.assets))
            if not known:
                conn.push(missing)
                return None
            return channel, target
        if channel not in PUBLIC_CHANNELS or target not in self.catalog.markets:
            conn.push(missing)
            return None
        return channel, target
