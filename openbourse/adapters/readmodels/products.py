"""What the product endpoints (margin, convert) read: history rows and sequencer queries.

``ProductViews`` is attached to the node's private views as ``views.products`` by
``runtime/product_views.py``, so REST handlers reach it as ``ctx.views.products`` without
any change to the shared API context.  History (borrows, repays, interest, liquidations,
conversions) comes from the event projection; figures that depend on the whole engine
state at this instant (max borrowable, risk ratio, max transfer-out, live convert
prices) are computed by the core's own pure functions on the sequencer thread
(``query``), so the edge never re-implements a risk rule.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Optional, TypeVar

from ..api.errors import ApiError, E
from .product_store import ProductProjection

__all__ = ["ProductViews", "products_of"]

T = TypeVar("T")

Query = Callable[[Callable[[Any], T]], Awaitable[T]]


class ProductViews:
    def __init__(self, history: ProductProjection, node: Any) -> None:
        self.history = history
        self._node = node  # duck-typed: ``node.sequencer.query_async(fn)``

    async def query(self, fn: Callable[[Any], T]) -> T:
        """``fn(engine_state)`` on the sequencer thread, between two commands."""
        sequencer = getattr(self._node, "sequencer", None)
        if sequencer is None:
            raise ApiError(E.SYSTEM, "System is abnormal, please try again later", 503)
        return await sequencer.query_async(fn)


def products_of(views: Any) -> ProductViews:
    found: Optional[ProductViews] = getattr(views, "products", None)
    if found is None:
        raise ApiError(E.SYSTEM, "Product views are not available on this node", 503)
    return found
