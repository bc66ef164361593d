"""SQLite persistence for public market data: candles, trades, resting book orders, last_seq.

Numbers are stored as decimal TEXT because volumes and amounts can exceed SQLite's 64-bit
INTEGER.  Writes arrive as one ``FlushBatch`` per flush, applied in a single transaction
that also records ``last_seq``, so after a crash the tables are consistent with some
command sequence number and replaying the journal from ``last_seq + 1`` catches up.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Tuple

from .candles import Candle

__all__ = ["FlushBatch", "MarketStore", "TradeRow"]

TradeRow = Tuple[str, int, int, int, int, int, int]  # symbol, id, ts_ms, price, size, quote, side

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS candles (
    symbol TEXT NOT NULL, gran TEXT NOT NULL, start_ms INTEGER NOT NULL,
    open TEXT NOT NULL, high TEXT NOT NULL, low TEXT NOT NULL, close TEXT NOT NULL,
    base_vol TEXT NOT NULL, quote_vol TEXT NOT NULL, trades INTEGER NOT NULL,
    PRIMARY KEY (symbol, gran, start_ms)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS trades (
    symbol TEXT NOT NULL, trade_id INTEGER NOT NULL, ts_ms INTEGER NOT NULL,
    price TEXT NOT NULL, size TEXT NOT NULL, quote TEXT NOT NULL, side INTEGER NOT NULL,
    PRIMARY KEY (symbol, trade_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS trades_ts ON trades (symbol, ts_ms);
CREATE TABLE IF NOT EXISTS book_orders (
    order_id INTEGER PRIMARY KEY, symbol TEXT NOT NULL, side INTEGER NOT NULL,
    price TEXT NOT NULL, remaining TEXT NOT NULL);
"""


@dataclass
class FlushBatch:
    """Everything that changed since the previous flush, captured on the owner thread."""

    last_seq: int
    candles: List[Tuple[str, str, Candle]] = field(default_factory=list)
    trades: List[TradeRow] = field(default_factory=list)
    orders_upsert: List[Tuple[int, str, int, int, int]] = field(default_factory=list)
    orders_delete: List[int] = field(default_factory=list)

    def empty(self) -> bool:
        return not (self.candles or self.trades or self.orders_upsert or self.orders_delete)


class MarketStore:
    """One SQLite file in WAL mode; a lock makes it safe to write from a flush thread."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def last_seq(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key='last_seq'").fetchone()
        return int(row[0]) if row else 0

    def write(self, batch: FlushBatch) -> None:
        """Apply one flush atomically (candles upserted, trades appended, orders synced)."""
        candle_rows = [
            (
                sym,
                gran,
                c.start_ms,
                str(c.open),
                str(c.high),
                str(c.low),
                str(c.close),
                str(c.base_volume),
                str(c.quote_volume),
                c.trades,
            )
            for sym, gran, c in batch.candles
        ]
        trade_rows = [(s, i, t, str(p), str(z), str(q), d) for s, i, t, p, z, q, d in batch.trades]
        order_rows = [(o, s, d, str(p), str(r)) for o, s, d, p, r in batch.orders_upsert]
        with self._lock:
            db = self._db
            db.execute("BEGIN")
            try:
                db.executemany(
                    "INSERT OR REPLACE INTO candles VALUES (?,?,?,?,?,?,?,?,?,?)", candle_rows
                )
                db.executemany("INSERT OR IGNORE INTO trades VALUES (?,?,?,?,?,?,?)", trade_rows)
                db.executemany("INSERT OR REPLACE INTO book_orders VALUES (?,?,?,?,?)", order_rows)
                db.executemany(
                    "DELETE FROM book_orders WHERE order_id=?", [(o,) for o in batch.orders_delete]
                )
                db.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('last_seq', ?)", (str(batch.last_seq),)
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    # -- reads ---------------------------------------------------------------------------
    def candles(
        self, symbol: str, gran: str, start_ms: Optional[int], end_ms: Optional[int], limit: int
    ) -> List[Candle]:
        """Newest ``limit`` candles with start in [start_ms, end_ms], returned oldest first."""
        sql = (
            "SELECT start_ms,open,high,low,close,base_vol,quote_vol,trades FROM candles "
            "WHERE symbol=? AND gran=? AND start_ms>=? AND start_ms<=? "
            "ORDER BY start_ms DESC LIMIT ?"
        )
        lo = start_ms if start_ms is not None else -(1 << 62)
        hi = end_ms if end_ms is not None else 1 << 62
        with self._lock:
            rows = self._db.execute(sql, (symbol, gran, lo, hi, limit)).fetchall()
        return [
            Candle(r[0], int(r[1]), int(r[2]), int(r[3]), int(r[4]), int(r[5]), int(r[6]), r[7])
            for r in reversed(rows)
        ]

    def recent_candles(self, symbol: str, gran: str, limit: int) -> List[Candle]:
        return self.candles(symbol, gran, None, None, limit)

    def trades(
        self,
        symbol: str,
        limit: int,
        id_less_than: Optional[int],
        start_ms: Optional[int],
        end_ms: Optional[int],
    ) -> List[TradeRow]:
        """Newest first, at most ``limit`` trades matching the cursor and time range."""
        sql = (
            "SELECT symbol,trade_id,ts_ms,price,size,quote,side FROM trades "
            "WHERE symbol=? AND trade_id<? AND ts_ms>=? AND ts_ms<=? "
            "ORDER BY trade_id DESC LIMIT ?"
        )
        args = (
            symbol,
            id_less_than if id_less_than is not None else 1 << 62,
            start_ms if start_ms is not None else -(1 << 62),
            end_ms if end_ms is not None else 1 << 62,
            limit,
        )
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [(r[0], r[1], r[2], int(r[3]), int(r[4]), int(r[5]), r[6]) for r in rows]

    def book_orders(self) -> Iterator[Tuple[int, str, int, int, int]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT order_id,symbol,side,price,remaining FROM book_orders ORDER BY order_id"
            ).fetchall()
        return iter([(r[0], r[1], r[2], int(r[3]), int(r[4])) for r in rows])

    def symbols_with_candles(self) -> Dict[str, List[str]]:
        with self._lock:
            rows = self._db.execute("SELECT DISTINCT symbol, gran FROM candles").fetchall()
        out: Dict[str, List[str]] = {}
        for symbol, gran in rows:
            out.setdefault(symbol, []).append(gran)
        return out
