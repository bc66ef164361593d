"""Public market data read models (books, tickers, trades, candles), projected from events.

Start with ``MarketData`` (``data.py``); its read methods are documented in
``queries.py``.  Everything is in integer units; format at the edge with
``catalog.MarketInfo.price_str/size_str`` and ``Catalog.amount_str``.
"""

from .book import L2Book
from .candles import GRANULARITIES, WS_CHANNELS, Candle, bucket_start, parse_granularity
from .data import MarketChanges, MarketData
from .queries import PublicTrade
from .tickers import Ticker, change_ratio_str

__all__ = [
    "MarketData",
    "MarketChanges",
    "L2Book",
    "Candle",
    "Ticker",
    "PublicTrade",
    "GRANULARITIES",
    "WS_CHANNELS",
    "bucket_start",
    "parse_granularity",
    "change_ratio_str",
]
