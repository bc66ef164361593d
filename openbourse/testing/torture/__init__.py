"""Crash torture of the real server (``openbourse torture --cycles N``): see ``run.py``.

Imports only the standard library, ``openbourse.core``, ``openbourse.journal`` and the
test kit: the harness talks to the server over HTTP and its admin socket like any
client, and reads the dead server's journal with the same recovery code a restart uses.
"""
from .run import TortureResult, run

__all__ = ["run", "TortureResult"]
