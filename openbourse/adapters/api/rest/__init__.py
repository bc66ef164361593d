"""Bitget v2 REST endpoints, one module per endpoint family.

``route_table()`` is the single list of every endpoint: the dispatcher (``app.RestApp``)
and the OpenAPI generator (``..openapi``) both read it.
"""

from __future__ import annotations

from typing import Dict, List

from .registry import Endpoint

__all__ = ["route_table", "endpoints"]


def endpoints() -> List[Endpoint]:
    from . import account, admin, fees, market, plans, public, queries, trade, wallet

    out: List[Endpoint] = []
    for module in (public, market, account, fees, wallet, trade, queries, plans, admin):
        out.extend(module.registry.endpoints)
    from . import convert, margin, margin_trade  # issue 6: margin and convert

    for module in (margin, margin_trade, convert):
        out.extend(module.registry.endpoints)
    from . import mix_account, mix_market, mix_trade  # issue 5: perpetual futures

    for module in (mix_market, mix_account, mix_trade):
        out.extend(module.registry.endpoints)
    return out


def route_table() -> Dict[str, Endpoint]:
    table: Dict[str, Endpoint] = {}
    for endpoint in endpoints():
        if endpoint.path in table:
            raise ValueError(f"duplicate route {endpoint.path}")
        table[endpoint.path] = endpoint
    return table
