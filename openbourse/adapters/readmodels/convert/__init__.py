"""Convert read model: configuration, live quotes and the conversion history.

State keys (persisted): ``cconfig`` → [spread_ppm, quote_ttl_ns, dust_max_value];
``casset:<asset>`` → [enabled, min_amount, max_amount].  Quotes live only in memory
(``ProductProjection.scratch['quotes']``, the newest few thousand): a quote is valid for
seconds, and the core, not this view, decides whether it may still be accepted.  History
kind ``convert`` (rid = convert id) holds every settled conversion, dust ones included.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Dict, Optional

from ....core.convert import events as ce
from ..product_store import Handler, ProductProjection

__all__ = ["CONVERT_HANDLERS", "quote_of", "MAX_QUOTES"]

MAX_QUOTES = 4096


def _config_set(p: ProductProjection, seq: int, e: ce.ConvertConfigSet) -> None:
    p.put("cconfig", [e.spread_ppm, e.quote_ttl_ns, e.dust_max_value])


def _asset_set(p: ProductProjection, seq: int, e: ce.ConvertAssetSet) -> None:
    p.put(f"casset:{e.asset}", [e.enabled, e.min_amount, e.max_amount])


def _quote_issued(p: ProductProjection, seq: int, e: ce.QuoteIssued) -> None:
    quotes = p.scratch.setdefault("quotes", OrderedDict())
    quotes[e.quote_id] = e
    while len(quotes) > MAX_QUOTES:
        quotes.popitem(last=False)


def _filled(p: ProductProjection, seq: int, e: ce.ConvertFilled) -> None:
    p.add(
        "convert",
        e.user,
        e.convert_id,
        e.ts_ns,
        e.from_asset,
        "",
        quote_id=e.quote_id,
        from_asset=e.from_asset,
        to_asset=e.to_asset,
        from_amount=e.from_amount,
        to_amount=e.to_amount,
        price_e18=e.price_e18,
        dust=e.dust,
    )


CONVERT_HANDLERS: Dict[type, Handler] = {
    ce.ConvertConfigSet: _config_set,
    ce.ConvertAssetSet: _asset_set,
    ce.QuoteIssued: _quote_issued,
    ce.ConvertFilled: _filled,
}


def quote_of(p: ProductProjection, quote_id: int) -> Optional[Any]:
    with p.lock:
        quotes = p.scratch.get("quotes")
        return quotes.get(quote_id) if quotes is not None else None
