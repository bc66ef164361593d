"""Product read models (margin, convert): history rows and current state in ``products.sqlite``.

Products emit few events (a borrow, a repay, an hourly interest charge, a conversion), so
one generic store serves them all: ``records`` holds append-only history rows (one table,
keyed by ``kind``, user and row id, the row's fields as JSON) and ``state`` holds
current values that events overwrite (e.g. a user's debt per coin).  Like the private
views, rows are projected in memory on the listener thread (read-your-writes for the
REST handler that awaited the command) and a flusher thread writes them with the
sequence number they cover, so a restart resumes from ``last_seq`` and the node replays
the journal after it.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, TypeVar

__all__ = ["ProductStore", "Record", "ProductProjection"]

_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS records (kind TEXT, user INTEGER, rid INTEGER, ts_ms INTEGER,"
    " coin TEXT, symbol TEXT, data TEXT, PRIMARY KEY (kind, user, rid))",
    "CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, data TEXT NOT NULL)",
]


class Record(Dict[str, Any]):
    """One history row: a dict of its fields plus ``rid``, ``ts_ms``, ``coin``, ``symbol``."""

    @property
    def rid(self) -> int:
        return int(self["rid"])


Row = Tuple[str, int, int, int, str, str, Dict[str, Any]]


class ProductStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer = self._connect()
        for ddl in _SCHEMA:
            self._writer.execute(ddl)
        self._writer.commit()
        self._reader = self._connect()
        self._read_lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def last_seq(self) -> int:
        row = self._writer.execute("SELECT value FROM meta WHERE key='last_seq'").fetchone()
        return int(row[0]) if row else 0

    def load_state(self) -> Dict[str, Any]:
        return {k: json.loads(v) for k, v in self._writer.execute("SELECT key, data FROM state")}

    def write(self, seq: int, rows: List[Row], state: Dict[str, Any]) -> None:
        conn = self._writer
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT OR REPLACE INTO records VALUES (?,?,?,?,?,?,?)",
            [(k, u, r, t, c, s, json.dumps(d)) for k, u, r, t, c, s, d in rows],
        )
        for key, value in state.items():
            if value is None:
                conn.execute("DELETE FROM state WHERE key=?", (key,))
            else:
                conn.execute("INSERT OR REPLACE INTO state VALUES (?,?)", (key, json.dumps(value)))
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('last_seq', ?)", (str(seq),))
        conn.execute("COMMIT")

    def query(
        self,
        kind: str,
        user: int,
        coin: Optional[str],
        symbol: Optional[str],
        start_ms: Optional[int],
        end_ms: Optional[int],
        id_less_than: Optional[int],
        limit: int,
    ) -> List[Record]:
        sql = "SELECT rid, ts_ms, coin, symbol, data FROM records WHERE kind=? AND user=?"
        args: List[Any] = [kind, user]
        for clause, value in (
            (" AND coin=?", coin),
            (" AND symbol=?", symbol),
            (" AND ts_ms>=?", start_ms),
            (" AND ts_ms<=?", end_ms),
            (" AND rid<?", id_less_than),
        ):
            if value is not None:
                sql += clause
                args.append(value)
        sql += " ORDER BY rid DESC LIMIT ?"
        args.append(limit)
        with self._read_lock:
            rows = self._reader.execute(sql, args).fetchall()
        return [_record(r, t, c, s, json.loads(d)) for r, t, c, s, d in rows]

    def close(self) -> None:
        self._writer.close()
        self._reader.close()


def _record(rid: int, ts_ms: int, coin: str, symbol: str, data: Dict[str, Any]) -> Record:
    rec = Record(data)
    rec.update(rid=rid, ts_ms=ts_ms, coin=coin, symbol=symbol)
    return rec


def _keep(
    rec: Record,
    coin: Optional[str],
    symbol: Optional[str],
    start_ms: Optional[int],
    end_ms: Optional[int],
    id_less_than: Optional[int],
) -> bool:
    return (
        (coin is None or rec["coin"] == coin)
        and (symbol is None or rec["symbol"] == symbol)
        and (start_ms is None or rec["ts_ms"] >= start_ms)
        and (end_ms is None or rec["ts_ms"] <= end_ms)
        and (id_less_than is None or rec["rid"] < id_less_than)
    )


Handler = Callable[["ProductProjection", int, Any], None]
CommandHook = Callable[["ProductProjection", Any], None]
F = TypeVar("F")


def _merge(tables: Sequence[Dict[type, F]]) -> Dict[type, Tuple[F, ...]]:
    """Per type, every product's function for it, in the order the products are given."""
    merged: Dict[type, Tuple[F, ...]] = {}
    for table in tables:
        for kind, fn in table.items():
            merged[kind] = merged.get(kind, ()) + (fn,)
    return merged


class ProductProjection:
    """Event handlers by event type → history rows and state, flushed to a ProductStore.

    ``handlers`` are dicts (one per product) mapping an event type to
    ``fn(projection, seq, event)``; where several products handle a type, each runs, in
    the order given.  ``command_hooks`` likewise map a command type to
    ``fn(projection, command)``, run before that command's events.  A handler calls
    ``add`` for a history row and ``put`` for a state value; values that only matter while
    one command's events are handled go in ``per_command``, emptied before each command
    (``scratch`` keeps values across commands).  Handlers run under ``self.lock``; queries
    take it too.
    """

    def __init__(
        self,
        store: ProductStore,
        handlers: Sequence[Dict[type, Handler]],
        command_hooks: Sequence[Dict[type, CommandHook]] = (),
    ) -> None:
        self.store = store
        self.handlers = _merge(handlers)
        self.command_hooks = _merge(command_hooks)
        self.scratch: Dict[str, Any] = {}  # handlers' working values kept across commands
        self.per_command: Dict[str, Any] = {}  # ... and those of the current command only
        self.lock = threading.Lock()
        self.last_seq = store.last_seq()
        self._flushed_seq = self.last_seq
        self.state: Dict[str, Any] = store.load_state()
        self._pending: List[Row] = []
        self._dirty: Dict[str, Any] = {}
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    # projection (listener thread) ----------------------------------------------------
    def on_events(self, seq: int, command: Any, events: List[Any]) -> None:
        if seq <= self.last_seq:
            return
        handlers = self.handlers
        with self.lock:
            if self.per_command:
                self.per_command = {}
            for hook in self.command_hooks.get(type(command), ()):
                hook(self, command)
            for event in events:
                for fn in handlers.get(type(event), ()):
                    fn(self, seq, event)
            self.last_seq = seq

    def add(
        self,
        kind: str,
        user: int,
        rid: int,
        ts_ns: int,
        coin: str = "",
        symbol: str = "",
        **fields: Any,
    ) -> None:
        self._pending.append((kind, user, rid, ts_ns // 1_000_000, coin, symbol, fields))

    def put(self, key: str, value: Any) -> None:
        """Set (``None``: delete) one state value."""
        if value is None:
            self.state.pop(key, None)
        else:
            self.state[key] = value
        self._dirty[key] = value

    def get(self, key: str, default: Any = None) -> Any:
        with self.lock:
            return self.state.get(key, default)

    def items(self, prefix: str) -> List[Tuple[str, Any]]:
        with self.lock:
            return [(k, v) for k, v in self.state.items() if k.startswith(prefix)]

    # queries (API thread) ---------------------------------------------------------------
    def records(
        self,
        kind: str,
        user: int,
        coin: Optional[str] = None,
        symbol: Optional[str] = None,
        start_ms: Optional[int] = None,
        end_ms: Optional[int] = None,
        id_less_than: Optional[int] = None,
        limit: int = 100,
    ) -> List[Record]:
        with self.lock:
            pending = [
                _record(r, t, c, s, dict(d))
                for k, u, r, t, c, s, d in self._pending
                if k == kind and u == user
            ]
        pending = [p for p in pending if _keep(p, coin, symbol, start_ms, end_ms, id_less_than)]
        stored = self.store.query(kind, user, coin, symbol, start_ms, end_ms, id_less_than, limit)
        newest: Dict[int, Record] = {r.rid: r for r in stored}
        newest.update((r.rid, r) for r in pending)  # pending rows are newer versions
        rows = sorted(newest.values(), key=lambda r: r.rid, reverse=True)
        return rows[:limit]

    # flushing ---------------------------------------------------------------------------
    def flush(self) -> None:
        with self.lock:
            if self.last_seq == self._flushed_seq:
                return
            seq, rows, dirty = self.last_seq, list(self._pending), self._dirty
            self._dirty = {}
        self.store.write(seq, rows, dirty)
        with self.lock:
            del self._pending[: len(rows)]
            self._flushed_seq = seq

    def start(self, interval_s: float = 0.2) -> None:
        def run() -> None:
            while not self._stop.wait(interval_s):
                self.flush()

        self._thread = threading.Thread(target=run, name="product-views-flush", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.flush()
        self.store.close()

