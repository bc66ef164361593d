"""The HTML pages and static assets.

Pages are static HTML files whose layout (every panel, with its final size) is in the
markup, so the browser paints the finished frame before any data arrives and nothing
moves when it does.  The shared header is spliced in once at start-up.  Everything is
served from this package: no CDN, no font service, nothing from the internet.
"""
from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Any, Callable, Dict, List

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from ..readmodels.catalog import Catalog
from .assets import StaticAssets

__all__ = ["page_routes", "STATIC_DIR", "PAGES"]

STATIC_DIR = Path(__file__).parent / "static"

#: path → (page file, title)
PAGES: Dict[str, tuple] = {
    "/": ("markets.html", "Markets"),
    "/markets": ("markets.html", "Markets"),
    "/trade/{symbol}": ("trade.html", "Spot trading"),
    "/futures": ("futures.html", "Futures trading"),
    "/assets": ("assets.html", "Assets"),
    "/convert": ("convert.html", "Convert"),
    "/api-keys": ("keys.html", "API keys"),
    "/login": ("login.html", "Log in"),
    "/signup": ("signup.html", "Sign up"),
    "/security": ("security.html", "Security"),
}


def _security_headers(request: Request) -> Dict[str, str]:
    host = request.headers.get("host", "")
    ws = f" ws://{host} wss://{host}" if host else ""
    csp = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
           f"img-src 'self' data:; connect-src 'self'{ws}; frame-ancestors 'none'; "
           "base-uri 'none'; form-action 'self'")
    return {"content-security-policy": csp, "x-content-type-options": "nosniff",
            "referrer-policy": "same-origin", "x-frame-options": "DENY",
            "cache-control": "no-cache"}


_STYLESHEET = re.compile(r'<link rel="stylesheet" href="/static/(css/[\w-]+\.css)">')
_MODULE = re.compile(r'<script type="module" src="/static/(js/[\w/-]+\.js)"></script>')
_IMPORT = re.compile(r"^import [^;]*? from '(\.{1,2}/[\w/.-]+\.js)';", re.M)


def _module_graph(static_dir: Path, entry: str) -> List[str]:
    """Every module ``entry`` imports, directly or not (paths relative to ``static/``)."""
    seen: List[str] = []
    todo = [entry]
    while todo:
        module = todo.pop()
        source = (static_dir / module).read_text()
        for target in _IMPORT.findall(source):
            path = posixpath.normpath(posixpath.join(posixpath.dirname(module), target))
            if path not in seen:
                seen.append(path)
                todo.append(path)
    return sorted(seen)


def _optimise(html: str, static_dir: Path) -> str:
    """Inline the stylesheets and preload the module graph.

    With the CSS in the page the first frame needs no second request (the server's loop
    may be busy streaming market data), and ``modulepreload`` fetches the whole module
    graph in parallel instead of one import level per round trip.
    """
    html = _STYLESHEET.sub(
        lambda m: "<style>\n" + (static_dir / m.group(1)).read_text() + "</style>", html)
    entry = _MODULE.search(html)
    if entry is not None:
        links = "".join(f'<link rel="modulepreload" href="/static/{m}">\n'
                        for m in _module_graph(static_dir, entry.group(1)))
        html = html.replace(entry.group(0), links + entry.group(0))
    return html


def render_pages(static_dir: Path = STATIC_DIR) -> Dict[str, str]:
    """page file → final HTML (header spliced in, title set, CSS inlined, modules preloaded)."""
    header = (static_dir / "partials" / "header.html").read_text()
    out: Dict[str, str] = {}
    for name, title in {v[0]: v[1] for v in PAGES.values()}.items():
        html = (static_dir / "pages" / name).read_text()
        html = html.replace("<!--header-->", header).replace("{{title}}", title)
        out[name] = _optimise(html, static_dir)
    return out


def page_routes(catalog: Catalog) -> List[BaseRoute]:
    rendered = render_pages()

    def page(name: str) -> Callable[[Request], Any]:
        async def serve(request: Request) -> Response:
            symbol = request.path_params.get("symbol")
            if symbol is not None and symbol not in catalog.markets:
                return HTMLResponse(rendered["markets.html"], status_code=404,
                                    headers=_security_headers(request))
            return HTMLResponse(rendered[name], headers=_security_headers(request))
        return serve

    async def trade_default(request: Request) -> Response:
        first = next(iter(catalog.markets), None)
        return RedirectResponse(f"/trade/{first}" if first else "/", status_code=302)

    favicon = (STATIC_DIR / "favicon.svg").read_bytes()

    async def favicon_ico(request: Request) -> Response:
        # Browsers ask for /favicon.ico on their own; answer with the SVG icon.
        return Response(favicon, media_type="image/svg+xml",
                        headers={"cache-control": "max-age=86400"})

    routes: List[BaseRoute] = [Route(path, page(name), methods=["GET"])
                               for path, (name, _) in PAGES.items()]
    routes.append(Route("/trade", trade_default, methods=["GET"]))
    routes.append(Route("/favicon.ico", favicon_ico, methods=["GET"]))
    routes.append(Mount("/static", app=StaticAssets(STATIC_DIR), name="static"))
    return routes
