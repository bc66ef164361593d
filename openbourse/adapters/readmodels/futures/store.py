"""SQLite persistence of the futures read models (``futures.sqlite`` in the data dir).

Two things live here:

* the *history* tables (closed orders, fills, closed plans, closed positions, bills) of
  real users, without a cap: one row per record, a few columns to filter and page on
  (``user``, the id, ``symbol``, ``c_ms`` and per table a few more) and the record itself
  as a JSON list of its fields (``data``);
* the *current state* (open orders, plans, positions, settings, prices, candles, ...): one
  pickled blob with the event sequence number it covers (``state.seq``).

``write`` commits history rows, the state blob (when given) and the sequence number in one
transaction, so the state at ``seq`` never exists without every history row projected up
to ``seq``; history rows may run ahead of the state (they are flushed more often), and the
journal replay after ``state.seq`` writes them again (``INSERT OR REPLACE`` of immutable
rows with deterministic keys).  WAL mode lets the API's read connection page history while
the flusher writes.  Without a path the store is an in-memory database (tests).
"""
from __future__ import annotations

import sqlite3
import threading
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Collection, Dict, List, Optional, Tuple, Union

__all__ = ["FuturesStore", "Page", "TABLES", "Table"]


@dataclass(frozen=True)
class Table:
    """One history table: its key columns (newest first = key descending; the first one is
    the ``idLessThan`` cursor) and the extra filter columns stored with each row."""

    name: str
    key: Tuple[str, ...]
    extra: Tuple[str, ...] = ()

    @property
    def columns(self) -> Tuple[str, ...]:
        """Row layout of ``write``: key columns, user, symbol, c_ms, extras, data."""
        return (*self.key, "user", "symbol", "c_ms", *self.extra, "data")


TABLES: Dict[str, Table] = {
    t.name: t
    for t in (
        Table("orders", ("order_id",), ("client_oid",)),
        Table("fills", ("trade_id", "order_id")),
        Table("plans", ("plan_id",), ("client_oid", "plan_type")),
        Table("positions", ("position_id",)),
        Table("bills", ("bill_id",), ("coin", "kind")),
    )
}

_INTEGER = {"order_id", "trade_id", "plan_id", "position_id", "bill_id", "user", "c_ms",
            "plan_type"}


def _ddl(table: Table) -> List[str]:
    cols = ", ".join(
        f"{c} {'INTEGER' if c in _INTEGER else 'TEXT'}" for c in table.columns
    )
    key = ", ".join(table.key)
    out = [
        f"CREATE TABLE IF NOT EXISTS {table.name} ({cols}, PRIMARY KEY ({key}))",
        f"CREATE INDEX IF NOT EXISTS {table.name}_user ON {table.name}(user, {key})",
    ]
    if "client_oid" in table.extra:
        out.append(f"CREATE INDEX IF NOT EXISTS {table.name}_coid ON {table.name}"
                   "(user, client_oid) WHERE client_oid != ''")
    if table.name == "fills":
        out.append("CREATE INDEX IF NOT EXISTS fills_order ON fills(user, order_id)")
    return out


#: columns added after a table was first released: table -> (column, SQL that fills it
#: from the row's stored ``data``)
_ADDED = {"bills": (("coin", "json_extract(data, '$[3]')"),
                    ("kind", "json_extract(data, '$[4]')"))}


def _add_new_columns(db: sqlite3.Connection) -> None:
    """Bring a database written by an older version up to the current columns."""
    for name, added in _ADDED.items():
        have = {row[1] for row in db.execute(f"PRAGMA table_info({name})")}
        for column, fill in added:
            if column not in have:
                db.execute(f"ALTER TABLE {name} ADD COLUMN {column} TEXT")
                db.execute(f"UPDATE {name} SET {column} = {fill}")


_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ("CREATE TABLE IF NOT EXISTS state (id INTEGER PRIMARY KEY CHECK (id = 1),"
     " seq INTEGER NOT NULL, blob BLOB NOT NULL)"),
    *[ddl for table in TABLES.values() for ddl in _ddl(table)],
]


@dataclass
class Page:
    """A Bitget history query: ``c_ms`` range, ``idLessThan`` cursor, ``limit`` and
    ``where`` (column → allowed values; ``None`` = no filter, empty = nothing matches)."""

    start_ms: Optional[int] = None
    end_ms: Optional[int] = None
    id_lt: Optional[int] = None
    limit: int = 100
    where: Dict[str, Optional[Collection[Any]]] = field(default_factory=dict)

    def empty(self) -> bool:
        return any(v is not None and len(v) == 0 for v in self.where.values())


Row = Tuple[Any, ...]


class FuturesStore:
    """The writer connection (flusher thread) and a read connection (API threads)."""

    def __init__(self, path: Optional[Union[str, Path]]) -> None:
        self.path = str(path) if path is not None else None
        self._read_lock = threading.Lock()
        self._writer = self._connect()
        for ddl in _SCHEMA:
            self._writer.execute(ddl)
        _add_new_columns(self._writer)
        # an in-memory database is one connection (both roles, serialised by the read lock)
        self._reader = self._connect() if self.path is not None else self._writer
        self._inserts = {
            name: f"INSERT OR REPLACE INTO {name} ({', '.join(t.columns)}) VALUES "
                  f"({', '.join('?' * len(t.columns))})"
            for name, t in TABLES.items()
        }

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path or ":memory:", check_same_thread=False,
                             isolation_level=None)
        if self.path is not None:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # the journal is the durable truth
        return db

    def close(self) -> None:
        with self._read_lock:
            if self._reader is not self._writer:
                self._reader.close()
            self._writer.close()

    # -- writing (flusher thread) --------------------------------------------------------
    def write(self, seq: int, rows: Dict[str, List[Row]], state: Optional[bytes] = None) -> None:
        """One transaction: history ``rows`` by table, the history seq, and (when given)
        the state blob at ``seq``."""
        with self._read_lock if self._reader is self._writer else nullcontext():
            db = self._writer
            db.execute("BEGIN")
            try:
                for name, batch in rows.items():
                    if batch:
                        db.executemany(self._inserts[name], batch)
                db.execute("INSERT OR REPLACE INTO meta VALUES ('history_seq', ?)", (str(seq),))
                if state is not None:
                    db.execute("INSERT OR REPLACE INTO state VALUES (1, ?, ?)", (seq, state))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    # -- loading at start-up -------------------------------------------------------------
    def load_state(self) -> Optional[Tuple[int, bytes]]:
        row = self._writer.execute("SELECT seq, blob FROM state WHERE id = 1").fetchone()
        return (int(row[0]), bytes(row[1])) if row else None

    def history_seq(self) -> int:
        row = self._writer.execute("SELECT value FROM meta WHERE key = 'history_seq'").fetchone()
        return int(row[0]) if row else 0

    def count(self, name: str, user: Optional[int] = None) -> int:
        sql = f"SELECT COUNT(*) FROM {TABLES[name].name}"
        args: Tuple[Any, ...] = ()
        if user is not None:
            sql, args = sql + " WHERE user = ?", (user,)
        with self._read_lock:
            return int(self._reader.execute(sql, args).fetchone()[0])

    # -- queries (API threads) -----------------------------------------------------------
    def query(self, name: str, user: int, page: Page) -> List[str]:
        """The ``data`` of ``user``'s rows of table ``name`` matching ``page``, newest first."""
        if page.empty():
            return []
        table = TABLES[name]
        sql = f"SELECT data FROM {name} WHERE user = ?"
        args: List[Any] = [user]
        for clause, value in (("c_ms >= ?", page.start_ms), ("c_ms <= ?", page.end_ms),
                              (f"{table.key[0]} < ?", page.id_lt)):
            if value is not None:
                sql += " AND " + clause
                args.append(value)
        for column, allowed in page.where.items():
            if allowed is None:
                continue
            if column not in table.columns:
                raise KeyError(f"{name} has no column {column}")
            values = list(allowed)
            sql += f" AND {column} IN ({','.join('?' * len(values))})"
            args.extend(values)
        order = ", ".join(f"{k} DESC" for k in table.key)
        sql += f" ORDER BY {order} LIMIT ?"
        args.append(page.limit)
        with self._read_lock:
            return [r[0] for r in self._reader.execute(sql, args).fetchall()]

    def find(self, name: str, user: int, column: str, value: Any) -> Optional[str]:
        """The newest row of ``user`` whose ``column`` equals ``value`` (its ``data``)."""
        table = TABLES[name]
        if column not in table.columns:
            raise KeyError(f"{name} has no column {column}")
        order = ", ".join(f"{k} DESC" for k in table.key)
        sql = f"SELECT data FROM {name} WHERE user = ? AND {column} = ? ORDER BY {order} LIMIT 1"
        with self._read_lock:
            row = self._reader.execute(sql, (user, value)).fetchone()
        return row[0] if row else None
