"""Futures read models: contracts, prices, positions, orders, fills, funding (``views.py``)."""
from .contracts import ContractInfo, FuturesCatalog, PRODUCT_TYPES, product_type_of
from .views import FillRec, FuturesViews, OrderRec, PlanRec, PositionRec, PriceState

__all__ = ["ContractInfo", "FuturesCatalog", "PRODUCT_TYPES", "product_type_of", "FuturesViews",
           "OrderRec", "FillRec", "PlanRec", "PositionRec", "PriceState"]
