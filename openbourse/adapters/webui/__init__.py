"""The web trading UI: pages, static assets and the few account endpoints under ``/ui/``.

Trading data never takes a private path: the pages talk to the public Bitget v2 REST and
WebSocket API with a session-scoped API key, exactly like a bot.  The server side here is
only what a browser needs on top of that (sign-up, log-in/out, TOTP, password change,
API-key management, demo funds).

Wiring (``runtime/server.py``, next to the WebSocket routes)::

    from ..adapters.webui import webui_routes
    routes += webui_routes(node)            # node: users, submit, catalog, config
"""
from __future__ import annotations

from typing import Any, List

from starlette.routing import BaseRoute

from .account import account_routes
from .context import WebContext
from .demo import demo_routes
from .keys import key_routes
from .pages import page_routes

__all__ = ["webui_routes", "WebContext", "build_context"]


def build_context(node: Any) -> WebContext:
    """The UI's context from a running node (duck-typed: adapters may not import runtime)."""
    return WebContext(node.users, node.submit, node.catalog, node.config.data_dir,
                      bool(node.config.demo))


def webui_routes(node: Any) -> List[BaseRoute]:
    """Every UI route: pages, ``/static``, ``/ui/*`` account endpoints."""
    ctx = build_context(node)
    return [*account_routes(ctx), *key_routes(ctx), *demo_routes(ctx), *page_routes(node.catalog)]
