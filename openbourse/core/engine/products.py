"""The products plugged into the core, in a fixed order (it is part of the state format).

See ``core/product.py`` for what a product provides.  Adding one is one line here.
"""
from __future__ import annotations

from typing import Dict, Tuple

from ..commands import COMMAND_TYPES
from ..events import EVENT_TYPES
from ..product import TAG_RANGES, Product

__all__ = ["PRODUCTS", "COMMAND_TAGS", "EVENT_TAGS"]

from ..margin import PRODUCT as _MARGIN  # noqa: E402  (products import the core's types)
from ..convert import PRODUCT as _CONVERT  # noqa: E402
from ..futures import PRODUCT as _FUTURES  # noqa: E402

PRODUCTS: Tuple[Product, ...] = (_MARGIN, _CONVERT, _FUTURES)


def _tags(core: Tuple[type, ...], kind: str) -> Dict[int, type]:
    table: Dict[int, type] = dict(enumerate(core))
    assert len(table) <= 100, "core tags are 0..99"
    for product in PRODUCTS:
        for tag, cls in getattr(product, kind).items():
            assert tag in TAG_RANGES[product.name], f"{product.name} tag {tag} out of range"
            assert tag not in table, f"tag {tag} used twice"
            table[tag] = cls
    assert len(set(table.values())) == len(table), f"a {kind[:-1]} type has two tags"
    return table


#: Every command and event type by journal tag: the core's (0..99) and the products'.
COMMAND_TAGS: Dict[int, type] = _tags(COMMAND_TYPES, "commands")
EVENT_TAGS: Dict[int, type] = _tags(EVENT_TYPES, "events")
