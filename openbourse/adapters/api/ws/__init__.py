"""Bitget v2 WebSocket gateway (``/v2/ws/public``, ``/v2/ws/private``) for ccxt.pro clients.

Wiring (node.py)::

    market = MarketData(os.path.join(data_dir, "market.sqlite"))
    gateway = WsGateway(market, catalog, key_lookup=users.lookup_key,
                        balances_of=lambda user: accounts.of(user, AccountType.SPOT))
    sequencer.add_listener(gateway.on_events)     # any thread; batches onto the loop
    routes += ws_routes(gateway)
    # lifespan: await gateway.start() ... await gateway.stop()

Run uvicorn with ``ws_max_size`` small (e.g. 64 KiB) so oversized frames are refused by
the server before they reach Python; the gateway also answers frames above
``max_frame`` with an error frame.
"""
from __future__ import annotations

from typing import Any, List

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from .frames import books_checksum
from .gateway import WsGateway

__all__ = ["WsGateway", "ws_routes", "ws_asgi", "books_checksum"]

PATHS = {"/v2/ws/public": False, "/v2/ws/private": True}  # path -> private


def ws_routes(gateway: WsGateway) -> List[WebSocketRoute]:
    """The two Starlette routes ccxt.pro connects to."""

    async def public(ws: WebSocket) -> None:
        await gateway.serve(ws, private=False)

    async def private(ws: WebSocket) -> None:
        await gateway.serve(ws, private=True)

    return [WebSocketRoute("/v2/ws/public", public), WebSocketRoute("/v2/ws/private", private)]


def ws_asgi(gateway: WsGateway, fallback: Any) -> Any:
    """Raw ASGI front for the two WebSocket paths; everything else goes to ``fallback``.

    Same behaviour as ``ws_routes`` inside Starlette, minus the router and middleware
    layers, and the socket gets the server's own ``send``, which is what lets the
    connection write pre-encoded frames (``conn`` module doc).
    """

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "websocket":
            private = PATHS.get(scope["path"])
            if private is not None:
                await gateway.serve(WebSocket(scope, receive, send), private=private)
                return
        await fallback(scope, receive, send)

    return app
