"""The ASGI application and its lifespan: REST, WebSocket, docs, admin socket, simulators.

``build_app`` assembles one ASGI callable: ``/api/*`` goes to the raw REST dispatcher,
everything else (``/v2/ws/public``, ``/v2/ws/private``, ``/docs``, ``/health``, lifespan) to
a Starlette app whose 404s also answer with the Bitget envelope.  The lifespan starts
what needs the event loop (WS gateway, admin socket, demo bootstrap, market makers) and
stops it in reverse order; the sequencer itself is drained by ``Node.close`` afterwards.

``serve`` runs it under uvicorn with one change to the connection handling: every
connection starts on the lean HTTP/1.1 protocol (``adapters/api/http``), which answers
plain ``/api/*`` requests by calling the REST dispatcher directly and hands a connection
over to uvicorn's own protocol (httptools) on its first other request, WebSocket
upgrades, the web UI and docs included (``lean_protocol_class``).
``OPENBOURSE_LEAN_HTTP=0`` (or an access log) turns that off: plain uvicorn.
"""

from __future__ import annotations

import contextlib
import logging
import os
import weakref
from typing import Any, AsyncIterator, Callable, Dict, Iterator, List, Optional

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from ..adapters.api.auth import Authenticator
from ..adapters.api.envelope import JSON, now_ms
from ..adapters.api.http import ConnectionSet, LeanHttpProtocol, resume_settled
from ..adapters.api.openapi import docs_html, openapi_document
from ..adapters.api.rest import endpoints, route_table
from ..adapters.api.rest.app import RestApp
from ..adapters.api.rest.context import ApiContext
from ..adapters.api.rest.ratelimit import RateLimiter
from ..adapters.api.ws import WsGateway, ws_asgi, ws_routes
from ..core.enums import AccountType
from ..journal.sync_probe import probe_disk_sync
from .admin import AdminServer
from .demo import bootstrap_demo
from .gc_control import enter_server_mode
from .config import Config
from .node import Node

__all__ = ["build_app", "App", "serve"]

_log = logging.getLogger(__name__)


class App:
    """The node's ASGI app plus handles tests and the CLI need (gateway, admin, demo creds)."""

    def __init__(self, node: Node, on_ready: Optional[Callable[["App"], None]] = None) -> None:
        self.node = node
        self.on_ready = on_ready
        assert node.market is not None and node.views is not None and node.users is not None
        self.demo_credentials: Optional[dict] = None
        views = node.views
        self.gateway = WsGateway(
            node.market,
            node.catalog,
            key_lookup=node.users.lookup_key,
            balances_of=lambda user: views.balances(user, AccountType.SPOT),
            apply_listings=False,
        )
        assert node.sequencer is not None
        node.sequencer.add_listener(self.gateway.on_events)
        self.admin = AdminServer(node)
        self._makers: Optional[Any] = None
        ctx = ApiContext(node.catalog, node.market, views, node.users, node.submit)
        eps = endpoints()
        document = orjson.dumps(openapi_document(eps))
        page = docs_html(eps)

        async def openapi_json(request: Request) -> Response:
            return Response(document, media_type=JSON)

        async def docs(request: Request) -> Response:
            """HTML for browsers; the OpenAPI JSON for clients that ask for JSON."""
            accept = request.headers.get("accept", "")
            if "application/json" in accept and "text/html" not in accept:
                return Response(document, media_type=JSON)
            return HTMLResponse(page)

        async def health(request: Request) -> Response:
            seq = node.sequencer.last_seq if node.sequencer else 0
            return Response(orjson.dumps({"status": "ok", "seq": seq}), media_type=JSON)

        routes: List[Any] = [
            Route("/docs", docs),
            Route("/docs/openapi.json", openapi_json),
            Route("/openapi.json", openapi_json),
            Route("/health", health),
        ]
        routes += ws_routes(self.gateway)
        routes += _webui_routes(node)
        starlette = Starlette(
            routes=routes, lifespan=self._lifespan, exception_handlers={HTTPException: _http_error}
        )
        limiter = RateLimiter(scale=node.config.rate_limit_scale)
        self.rest = self.asgi = RestApp(
            ctx,
            route_table(),
            Authenticator(node.users.lookup_key),
            limiter,
            ws_asgi(self.gateway, starlette),
            max_body=node.config.max_body,
        )

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.asgi(scope, receive, send)

    @contextlib.asynccontextmanager
    async def _lifespan(self, _: Starlette) -> AsyncIterator[None]:
        await self.gateway.start()
        await self.admin.start()
        config = self.node.config
        if config.demo:
            self.demo_credentials = await bootstrap_demo(self.node)
        if config.market_makers:
            self._start_market_makers()
        if self.on_ready is not None:
            self.on_ready(self)
        try:
            yield
        finally:
            if self._makers is not None:
                await self._makers.stop()
            await self.admin.stop()
            await self.gateway.stop()

    def _start_market_makers(self) -> None:
        """Run the simulated market makers if that package is installed in this tree."""
        try:
            from ..adapters.marketdata import MarketMakers
        except ImportError:
            _log.warning("market makers not available in this build; the demo book stays empty")
            return
        assert self.node.sequencer is not None
        self._makers = MarketMakers(
            self.node.submit,
            self.node.catalog,
            self.node.config.seed,
            query=self.node.sequencer.query_async,
        )
        self._makers.start()


def _webui_routes(node: Node) -> List[Any]:
    """The browser UI (``adapters/webui``) when that package is complete in this tree."""
    try:
        from ..adapters.webui import webui_routes
    except ImportError:
        _log.info("web UI not available in this build")
        return []
    return list(webui_routes(node))


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404/405 as Bitget envelopes (ccxt maps 40404 to BadRequest)."""
    status = getattr(exc, "status_code", 500)
    body = orjson.dumps(
        {
            "code": "40404" if status in (404, 405) else "40015",
            "msg": "Request URL NOT FOUND" if status in (404, 405) else "System error",
            "requestTime": now_ms(),
            "data": None,
        }
    )
    return Response(body, status_code=status, media_type=JSON)


def _prefer(module: str, fallback: str) -> str:
    """``module`` if it is installed (uvicorn[standard] brings both), else ``fallback``."""
    import importlib.util

    if importlib.util.find_spec(module) is not None:
        return module
    _log.warning("%s is not installed; the server will be slower", module)
    return fallback


def build_app(node: Node, on_ready: Optional[Callable[[App], None]] = None) -> App:
    return App(node, on_ready)


def lean_protocol_class(app: App) -> type:
    """A uvicorn ``http`` protocol class: ``LeanHttpProtocol`` serving ``app.rest``, with
    uvicorn's httptools protocol (h11 without httptools) as the hand-over target.

    The lean connections join uvicorn's ``server_state.connections``, so a graceful
    shutdown closes idle ones and lets answers in flight finish, as for its own."""
    fallback_class: Any
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as fallback_class
    except ImportError:
        from uvicorn.protocols.http.h11_impl import H11Protocol as fallback_class
    rest = app.rest
    sets: "weakref.WeakKeyDictionary[Any, ConnectionSet]" = weakref.WeakKeyDictionary()
    gateway = app.gateway

    def on_settled(futures: List[Any]) -> None:
        """Answer as soon as a batch is acknowledged (``resume_settled``), market data
        applied first: a client that got its ack and then reads it sees its write."""
        gateway.drain_pending()
        resume_settled(futures)

    if app.node.sequencer is not None:
        app.node.sequencer.on_settled = on_settled

    class Protocol(LeanHttpProtocol):
        def __init__(self, config: Any, server_state: Any, app_state: Any,
                     _loop: Any = None) -> None:
            def fallback() -> Any:
                return fallback_class(config=config, server_state=server_state,
                                      app_state=app_state, _loop=_loop)

            connections = sets.get(server_state)  # one set per uvicorn server
            if connections is None:
                connections = sets[server_state] = ConnectionSet(
                    keep_alive_s=config.timeout_keep_alive, also=server_state.connections)
            super().__init__(rest, fallback, connections, loop=_loop)

    return Protocol


#: a journal commit slower than this (median) gets a warning at start-up: network or
#: spinning disks, where every acknowledged order would wait milliseconds
SLOW_SYNC_MS = 5.0


def banner(config: Config, app: App, journal_sync: Optional[Dict[str, float]] = None) -> None:
    """What an operator (and the test harness) reads: URL, docs, what a journal commit costs
    on this disk, ready-to-paste demo key."""
    print(f"openbourse listening on {config.url}  (data dir {config.data_dir})", flush=True)
    print(f"API docs: {config.url}/docs", flush=True)
    if journal_sync is not None:
        print(f"journal: one commit (append + fdatasync) takes {journal_sync['p50_ms']} ms on "
              f"this disk (p99 {journal_sync['p99_ms']} ms); every acknowledged command "
              "waits for one", flush=True)
        if journal_sync["p50_ms"] >= SLOW_SYNC_MS:
            print("warning: this disk is slow to sync; order latency and throughput will "
                  "follow it (put the data dir on a local SSD)", flush=True)
    if app.demo_credentials:
        creds = {k: app.demo_credentials[k] for k in ("apiKey", "secretKey", "passphrase")}
        print("demo API key (user " + app.demo_credentials.get("email", "") + "):", flush=True)
        print(orjson.dumps(creds).decode(), flush=True)


def serve(config: Config) -> None:
    """Open the node, run uvicorn until SIGINT/SIGTERM, then drain and close everything."""
    import uvicorn

    node = Node(config).open()
    try:
        # before anything else writes to the disk: what every acknowledgement will wait for
        journal_sync = probe_disk_sync(str(config.data_dir), syncs=32)
        node.start()
        app = build_app(node)

        class _Server(uvicorn.Server):
            """Prints the banner only once the socket is bound (lifespan runs before that)."""

            async def startup(self, sockets: Any = None) -> None:
                await super().startup(sockets=sockets)
                if self.started:
                    # everything start-up built (recovered state, read models, demo
                    # bootstrap) is long-lived: freeze it, collect less often (gc_control)
                    enter_server_mode()
                    banner(config, app, journal_sync)

            @contextlib.contextmanager
            def capture_signals(self) -> Iterator[None]:
                """uvicorn re-raises SIGTERM/SIGINT once it has shut down, which would kill
                the process before ``node.close()`` drains the sequencer and flushes the
                read models; the graceful shutdown already answered the signal."""
                with super().capture_signals():
                    yield
                    self._captured_signals.clear()

        # the lean protocol writes no access log: with one asked for, uvicorn serves all
        lean = os.environ.get("OPENBOURSE_LEAN_HTTP", "1") != "0" and not config.access_log
        uv_config = uvicorn.Config(
            app,
            host=config.host,
            port=config.port,
            # the C implementations; "auto" alone would fall back silently (and several
            # times slower) to the asyncio loop / h11 parser when one is missing
            loop=_prefer("uvloop", "auto"),
            http=lean_protocol_class(app) if lean else _prefer("httptools", "auto"),
            lifespan="on",
            log_level="warning",
            access_log=config.access_log,
            ws_max_size=64 * 1024,
            # permessage-deflate costs CPU per message *per subscriber* (each connection
            # has its own compression context), which caps fan-out; Bitget pushes are small
            # JSON and clients (ccxt.pro included) work without it
            ws_per_message_deflate=False,
            backlog=4096,
            timeout_graceful_shutdown=5,
            # X-Forwarded-For from loopback clients must not pick the IP that API-key
            # allow-lists and per-IP rate limits see; a reverse proxy would need this on.
            proxy_headers=False,
            server_header=False,
        )
        _Server(uv_config).run()
    finally:
        node.close()
