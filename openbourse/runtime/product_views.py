"""Product read models (margin, convert, sentiment, spot bills) for a node: one
``products.sqlite`` projection.

``Node.open`` calls ``open_product_views(node)`` before recovery, so the projection is
replayed like the other read models, then registered as a sequencer listener.  The
returned objects have ``last_seq``, ``on_events``, ``start`` and ``close``.
"""

from __future__ import annotations

from typing import Any, List

from ..adapters.readmodels.convert import CONVERT_HANDLERS
from ..adapters.readmodels.margin import MARGIN_COMMAND_HOOKS, MARGIN_HANDLERS, migrate_legacy
from ..adapters.readmodels.product_store import ProductProjection, ProductStore
from ..adapters.readmodels.products import ProductViews
from ..adapters.readmodels.sentiment import SENTIMENT_COMMAND_HOOKS, SENTIMENT_HANDLERS
from ..adapters.readmodels.spot_bills import SPOT_BILL_HANDLERS, mark_legacy

__all__ = ["open_product_views"]


def open_product_views(node: Any) -> List[Any]:
    store = ProductStore(node.config.data_dir / "products.sqlite")
    history = ProductProjection(
        store, [MARGIN_HANDLERS, CONVERT_HANDLERS, SENTIMENT_HANDLERS, SPOT_BILL_HANDLERS],
        [MARGIN_COMMAND_HOOKS, SENTIMENT_COMMAND_HOOKS])
    migrate_legacy(history)
    mark_legacy(history)
    node.views.products = ProductViews(history, node)
    _wire_ws(node)
    return [history]


class _SpotAccountHook:
    """Not a channel set: lets the gateway's spot private feed tell, after a restart, the
    margin orders it did not see placed (``PrivateViews.order_account``)."""

    inst_types: tuple = ()

    def __init__(self, gateway: Any, views: Any) -> None:
        private = getattr(gateway, "private", None)
        if private is not None and hasattr(private, "order_account"):
            private.order_account = views.order_account

    def handle(self, conn: Any, op: str, arg: Any, now_ms: int) -> None:  # pragma: no cover
        pass

    def drop(self, conn: Any) -> None:  # pragma: no cover
        pass

    def flush(self, now_ms: int) -> None:  # pragma: no cover
        pass


def _wire_ws(node: Any) -> None:
    market, views = getattr(node, "market", None), getattr(node, "views", None)
    if market is None or not hasattr(views, "order_account"):
        return
    from ..adapters.api.ws.extensions import register

    register(market, lambda gateway: _SpotAccountHook(gateway, views))
