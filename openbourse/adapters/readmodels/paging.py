"""Bitget-style paging over in-memory rows: newest first, ``idLessThan`` cursor, time range.

The private read models answer from memory (open orders, rows not yet flushed) and from
SQLite; these helpers apply the very same filter to the memory side so that both halves
of a merged page agree.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, List, Optional

__all__ = ["keep", "page", "merge"]


def keep(
    row: Any,
    id_attr: str,
    symbol: Optional[str],
    start_ms: Optional[int],
    end_ms: Optional[int],
    id_less_than: Optional[int],
) -> bool:
    return (
        (symbol is None or row.symbol == symbol)
        and (start_ms is None or row.c_ms >= start_ms)
        and (end_ms is None or row.c_ms <= end_ms)
        and (id_less_than is None or getattr(row, id_attr) < id_less_than)
    )


def page(
    rows: Iterable[Any],
    id_attr: str,
    symbol: Optional[str],
    start_ms: Optional[int],
    end_ms: Optional[int],
    id_less_than: Optional[int],
    limit: int,
) -> List[Any]:
    key: Callable[[Any], int] = lambda r: getattr(r, id_attr)  # noqa: E731
    kept = [r for r in rows if keep(r, id_attr, symbol, start_ms, end_ms, id_less_than)]
    kept.sort(key=key, reverse=True)
    return kept[:limit]


def merge(
    pending: List[Any],
    stored: List[Any],
    id_attr: str,
    symbol: Optional[str],
    start_ms: Optional[int],
    end_ms: Optional[int],
    id_less_than: Optional[int],
    limit: int,
) -> List[Any]:
    """Memory rows win over their (older) SQLite copies; newest first."""
    ids = {getattr(r, id_attr) for r in pending}
    rows = pending + [r for r in stored if getattr(r, id_attr) not in ids]
    return page(rows, id_attr, symbol, start_ms, end_ms, id_less_than, limit)
