"""Product read models (margin, convert) for a node: one ``products.sqlite`` projection.

``Node.open`` calls ``open_product_views(node)`` before recovery, so the projection is
replayed like the other read models, then registered as a sequencer listener.  The
returned objects have ``last_seq``, ``on_events``, ``start`` and ``close``.
"""

from __future__ import annotations

from typing import Any, List

from ..adapters.readmodels.convert import CONVERT_HANDLERS
from ..adapters.readmodels.margin import MARGIN_HANDLERS, on_command
from ..adapters.readmodels.product_store import ProductProjection, ProductStore
from ..adapters.readmodels.products import ProductViews

__all__ = ["open_product_views"]


def open_product_views(node: Any) -> List[Any]:
    store = ProductStore(node.config.data_dir / "products.sqlite")
    history = ProductProjection(store, {**MARGIN_HANDLERS, **CONVERT_HANDLERS}, (on_command,))
    node.views.products = ProductViews(history, node)
    return [history]
