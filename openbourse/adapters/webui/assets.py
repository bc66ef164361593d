"""Static assets served from memory.

The UI's files total a few hundred kilobytes, so they are read (and gzipped) once at start
and answered straight from the event loop: no file-system call or worker thread per
request, which matters when the same loop is busy streaming market data.  Every response
carries a content hash as ETag with ``Cache-Control: no-cache``, so browsers revalidate
with a cheap 304 and never run a stale module after an upgrade.
"""
from __future__ import annotations

import gzip
import hashlib
import mimetypes
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, MutableMapping, Tuple

__all__ = ["StaticAssets"]

_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".svg": "image/svg+xml", ".html": "text/html; charset=utf-8",
          ".md": "text/plain; charset=utf-8", ".LICENSE": "text/plain; charset=utf-8"}
_COMPRESSIBLE = (".js", ".css", ".svg", ".html")
Scope = MutableMapping[str, Any]


class _Asset:
    __slots__ = ("body", "gzipped", "etag", "content_type")

    def __init__(self, path: Path) -> None:
        self.body = path.read_bytes()
        self.gzipped = (gzip.compress(self.body, 9, mtime=0) if path.suffix in _COMPRESSIBLE
                        else None)
        self.etag = '"' + hashlib.sha256(self.body).hexdigest()[:32] + '"'
        self.content_type = (_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0]
                             or "application/octet-stream")


class StaticAssets:
    """An ASGI app for one directory tree (mounted at ``/static``)."""

    def __init__(self, directory: Path) -> None:
        self.files: Dict[str, _Asset] = {}
        for path in sorted(directory.rglob("*")):
            top = path.relative_to(directory).parts[0]
            if path.is_file() and top not in ("pages", "partials"):  # templates, not assets
                self.files["/" + path.relative_to(directory).as_posix()] = _Asset(path)

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Any]],
                       send: Callable[[Any], Awaitable[None]]) -> None:
        asset = self.files.get(_sub_path(scope))
        if asset is None or scope["method"] not in ("GET", "HEAD"):
            await _respond(send, 404, [(b"content-type", b"text/plain")], b"Not found")
            return
        headers = dict(scope["headers"])
        base: List[Tuple[bytes, bytes]] = [(b"etag", asset.etag.encode()),
                                           (b"cache-control", b"no-cache"),
                                           (b"x-content-type-options", b"nosniff"),
                                           (b"vary", b"accept-encoding")]
        if headers.get(b"if-none-match", b"").decode("latin-1") == asset.etag:
            await _respond(send, 304, base, b"")
            return
        body = asset.body
        base.append((b"content-type", asset.content_type.encode()))
        if asset.gzipped is not None and b"gzip" in headers.get(b"accept-encoding", b""):
            body = asset.gzipped
            base.append((b"content-encoding", b"gzip"))
        await _respond(send, 200, base, body if scope["method"] == "GET" else b"", len(body))


def _sub_path(scope: Scope) -> str:
    """The path inside the mount (Starlette's Mount sets ``root_path`` to the prefix)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path


async def _respond(send: Callable[[Any], Awaitable[None]], status: int,
                   headers: List[Tuple[bytes, bytes]], body: bytes, length: int = -1) -> None:
    size = len(body) if length < 0 else length
    await send({"type": "http.response.start", "status": status,
                "headers": headers + [(b"content-length", str(size).encode())]})
    await send({"type": "http.response.body", "body": body})
