"""Product channels on the WebSocket gateway (futures, later margin...), without the spot
protocol knowing them.

A product registers a factory for a node (keyed by the node's spot ``MarketData``, the
object the gateway is built with); the gateway builds one extension per factory and
routes every subscribe/unsubscribe arg whose ``instType`` the extension claims to it.
An extension provides::

    inst_types: tuple of upper-case instType values it serves
    handle(conn, op, arg, now_ms)   # ack/error + (un)subscribe, one arg
    drop(conn)                      # the connection closed
    flush(now_ms)                   # after each drained batch: push what changed
"""
from __future__ import annotations

import weakref
from typing import Any, Callable, Dict, List

__all__ = ["register", "attach"]

Factory = Callable[[Any], Any]
_FACTORIES: "weakref.WeakKeyDictionary[Any, List[Factory]]" = weakref.WeakKeyDictionary()


def register(market: Any, factory: Factory) -> None:
    """``factory(gateway)`` → extension, for the gateway built on ``market``."""
    _FACTORIES.setdefault(market, []).append(factory)


def attach(gateway: Any) -> Dict[str, Any]:
    """instType → extension for ``gateway`` (empty when no product registered)."""
    out: Dict[str, Any] = {}
    try:
        factories = _FACTORIES.get(gateway.market, [])
    except TypeError:  # an unhashable/unweakrefable market (test doubles)
        factories = []
    for factory in factories:
        ext = factory(gateway)
        for inst_type in ext.inst_types:
            out[inst_type] = ext
    return out
