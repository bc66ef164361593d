"""Futures read models: contracts, prices, positions, orders, fills, funding (``views.py``);
their SQLite history and state (``store.py``)."""
from .contracts import PRODUCT_TYPES, ContractInfo, FuturesCatalog, product_type_of
from .store import Page
from .views import BillRec, FillRec, FuturesViews, OrderRec, PlanRec, PositionRec, PriceState

__all__ = ["ContractInfo", "FuturesCatalog", "PRODUCT_TYPES", "product_type_of", "FuturesViews",
           "OrderRec", "FillRec", "PlanRec", "PositionRec", "PriceState", "BillRec", "Page"]
