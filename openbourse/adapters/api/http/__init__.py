"""HTTP/1.1 front end for the REST hot path (``protocol`` module doc); the web server
around it (uvicorn, which gets every connection this one hands over) is wired in
``runtime/server.py``."""
from __future__ import annotations

from .protocol import MAX_HEAD, ConnectionSet, LeanHttpProtocol, resume_settled

__all__ = ["LeanHttpProtocol", "ConnectionSet", "MAX_HEAD", "resume_settled"]
