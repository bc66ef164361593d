"""SQLite persistence of the private read models (``private.db`` in the data dir).

One transaction per flush holds every change up to one event sequence number together
with that number (``meta.last_seq``), so after a crash the views restart from a
consistent point and the node replays the journal from ``last_seq + 1``.  WAL mode lets
the API's read connection query history while the flusher writes.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Iterable, List, Optional, Sequence, Tuple

from .records import (
    ORDER_COLUMNS,
    PLAN_COLUMNS,
    Fill,
    LedgerRecord,
    OrderView,
    PlanView,
    WithdrawalRecord,
)

__all__ = ["PrivateStore", "Batch"]


def _ddl(table: str, columns: Sequence[Tuple[str, bool]], pk: str) -> str:
    cols = ", ".join(f"{name} {'TEXT' if big else ''}".strip() for name, big in columns)
    return f"CREATE TABLE IF NOT EXISTS {table} ({cols}, PRIMARY KEY ({pk}))"


_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    _ddl("orders", ORDER_COLUMNS, "order_id"),
    "CREATE INDEX IF NOT EXISTS orders_user ON orders(user, order_id)",
    "CREATE INDEX IF NOT EXISTS orders_open ON orders(status) WHERE status < 2",
    "CREATE INDEX IF NOT EXISTS orders_coid ON orders(user, client_oid) WHERE client_oid != ''",
    _ddl("plans", PLAN_COLUMNS, "plan_id"),
    "CREATE INDEX IF NOT EXISTS plans_user ON plans(user, plan_id)",
    "CREATE TABLE IF NOT EXISTS fills (trade_id, order_id, user, symbol, side, order_type,"
    " price TEXT, size TEXT, quote_amount TEXT, fee TEXT, is_maker, c_ms,"
    " PRIMARY KEY (trade_id, order_id))",
    "CREATE INDEX IF NOT EXISTS fills_user ON fills(user, trade_id)",
    "CREATE TABLE IF NOT EXISTS balances (owner, account, asset, available TEXT, frozen TEXT,"
    " u_ms, PRIMARY KEY (owner, account, asset))",
    "CREATE TABLE IF NOT EXISTS ledger (transfer_id PRIMARY KEY, code, user, asset, amount TEXT,"
    " from_account, to_account, ref, c_ms)",
    "CREATE INDEX IF NOT EXISTS ledger_user ON ledger(user, code, transfer_id)",
    "CREATE TABLE IF NOT EXISTS withdrawals (order_id PRIMARY KEY, withdrawal_id UNIQUE, user,"
    " asset, amount TEXT, status, c_ms, u_ms)",
    "CREATE INDEX IF NOT EXISTS withdrawals_user ON withdrawals(user, order_id)",
    # the account type of every order that is not a spot-account order (margin: 3 cross,
    # 4 isolated); an order without a row here is a spot order
    "CREATE TABLE IF NOT EXISTS order_accounts (order_id INTEGER PRIMARY KEY, user,"
    " account_type)",
]

#: ``account_type`` filter of the order and fill queries: spot orders have no row in
#: ``order_accounts``; ``None`` means every account.
SPOT = 1

_ORDER_INSERT = f"INSERT OR REPLACE INTO orders VALUES ({','.join('?' * len(ORDER_COLUMNS))})"
_PLAN_INSERT = f"INSERT OR REPLACE INTO plans VALUES ({','.join('?' * len(PLAN_COLUMNS))})"


class Batch:
    """Everything that changed up to ``seq``, already turned into rows under the views' lock."""

    __slots__ = ("seq", "orders", "plans", "fills", "balances", "ledger", "withdrawals",
                 "accounts")

    def __init__(self, seq: int) -> None:
        self.seq = seq
        self.orders: List[tuple] = []
        self.plans: List[tuple] = []
        self.fills: List[tuple] = []
        self.balances: List[tuple] = []
        self.ledger: List[tuple] = []
        self.withdrawals: List[tuple] = []
        self.accounts: List[tuple] = []  # (order_id, user, account_type), non-spot orders


class PrivateStore:
    """The writer connection (flusher thread) and a read connection (API thread)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer = self._connect()
        had_withdrawals = self._has_table("withdrawals")
        had_accounts = self._has_table("order_accounts")
        for ddl in _SCHEMA:
            self._writer.execute(ddl)
        if not (had_withdrawals and had_accounts) and self.last_seq():
            # made before withdrawals (or order accounts) were projected: rebuild from the
            # journal so that earlier ones appear (the node replays from seq 1 when
            # last_seq is 0)
            self.reset()
        self._reader = self._connect()
        self._read_lock = threading.Lock()

    def _has_table(self, name: str) -> bool:
        sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
        return self._writer.execute(sql, (name,)).fetchone() is not None

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")  # the journal, not SQLite, is the durable truth
        return db

    def close(self) -> None:
        self._writer.close()
        self._reader.close()

    # writing ----------------------------------------------------------------------
    def write(self, batch: Batch) -> None:
        db = self._writer
        db.execute("BEGIN")
        try:
            db.executemany(_ORDER_INSERT, batch.orders)
            db.executemany(_PLAN_INSERT, batch.plans)
            db.executemany(
                "INSERT OR REPLACE INTO fills VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", batch.fills
            )
            db.executemany("INSERT OR REPLACE INTO balances VALUES (?,?,?,?,?,?)", batch.balances)
            db.executemany("INSERT OR REPLACE INTO ledger VALUES (?,?,?,?,?,?,?,?,?)", batch.ledger)
            db.executemany(
                "INSERT OR REPLACE INTO withdrawals VALUES (?,?,?,?,?,?,?,?)", batch.withdrawals
            )
            db.executemany("INSERT OR REPLACE INTO order_accounts VALUES (?,?,?)", batch.accounts)
            db.execute("INSERT OR REPLACE INTO meta VALUES ('last_seq', ?)", (str(batch.seq),))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def reset(self) -> None:
        """Forget everything (``openbourse replay`` rebuilds from the journal)."""
        for table in ("orders", "plans", "fills", "balances", "ledger", "withdrawals",
                      "order_accounts", "meta"):
            self._writer.execute(f"DELETE FROM {table}")

    # loading at start-up ------------------------------------------------------------
    def last_seq(self) -> int:
        row = self._writer.execute("SELECT value FROM meta WHERE key = 'last_seq'").fetchone()
        return int(row[0]) if row else 0

    def load_open_orders(self) -> List[OrderView]:
        rows = self._writer.execute("SELECT * FROM orders WHERE status < 2").fetchall()
        return [OrderView.from_row(r) for r in rows]

    def load_open_order_accounts(self) -> List[Tuple[int, int]]:
        """(order_id, account_type) of the open orders that are not spot orders."""
        return self._writer.execute(
            "SELECT a.order_id, a.account_type FROM order_accounts a"
            " JOIN orders o ON o.order_id = a.order_id WHERE o.status < 2"
        ).fetchall()

    def order_account(self, order_id: int) -> int:
        """The account type of a flushed order (``SPOT`` when it has no row)."""
        rows = self._query("SELECT account_type FROM order_accounts WHERE order_id = ?",
                           (order_id,))
        return int(rows[0][0]) if rows else SPOT

    def load_live_plans(self) -> List[PlanView]:
        rows = self._writer.execute("SELECT * FROM plans WHERE status = 0").fetchall()
        return [PlanView.from_row(r) for r in rows]

    def load_balances(self) -> List[tuple]:
        rows = self._writer.execute("SELECT * FROM balances").fetchall()
        return [(r[0], r[1], r[2], int(r[3]), int(r[4]), r[5]) for r in rows]

    def load_pending_withdrawals(self) -> List[WithdrawalRecord]:
        rows = self._writer.execute("SELECT * FROM withdrawals WHERE status = 0").fetchall()
        return [WithdrawalRecord.from_row(r) for r in rows]

    # queries (API thread) ------------------------------------------------------------
    def _query(self, sql: str, args: Iterable[object]) -> List[tuple]:
        with self._read_lock:
            return self._reader.execute(sql, tuple(args)).fetchall()

    def order(
        self, user: int, order_id: int, account_type: Optional[int] = None
    ) -> Optional[OrderView]:
        sql, args = _account_clause(
            "SELECT * FROM orders WHERE order_id = ? AND user = ?", [order_id, user], account_type
        )
        rows = self._query(sql, args)
        return OrderView.from_row(rows[0]) if rows else None

    def order_by_client_oid(
        self, user: int, client_oid: str, account_type: Optional[int] = None
    ) -> Optional[OrderView]:
        sql, args = _account_clause(
            "SELECT * FROM orders WHERE user = ? AND client_oid = ?", [user, client_oid],
            account_type,
        )
        rows = self._query(sql + " ORDER BY order_id DESC LIMIT 1", args)
        return OrderView.from_row(rows[0]) if rows else None

    def orders(
        self,
        user: int,
        closed: bool,
        symbol: Optional[str],
        start_ms: Optional[int],
        end_ms: Optional[int],
        id_less_than: Optional[int],
        limit: int,
        account_type: Optional[int] = None,
    ) -> List[OrderView]:
        sql, args = _filtered("orders", "order_id", user, symbol, start_ms, end_ms, id_less_than)
        sql, args = _account_clause(sql, args, account_type)
        sql += " AND status >= 2" if closed else " AND status < 2"
        rows = self._query(sql + " ORDER BY order_id DESC LIMIT ?", args + [limit])
        return [OrderView.from_row(r) for r in rows]

    def plans(
        self,
        user: int,
        live: bool,
        symbol: Optional[str],
        start_ms: Optional[int],
        end_ms: Optional[int],
        id_less_than: Optional[int],
        limit: int,
    ) -> List[PlanView]:
        sql, args = _filtered("plans", "plan_id", user, symbol, start_ms, end_ms, id_less_than)
        sql += " AND status = 0" if live else " AND status != 0"
        rows = self._query(sql + " ORDER BY plan_id DESC LIMIT ?", args + [limit])
        return [PlanView.from_row(r) for r in rows]

    def fills(
        self,
        user: int,
        symbol: Optional[str],
        order_id: Optional[int],
        start_ms: Optional[int],
        end_ms: Optional[int],
        id_less_than: Optional[int],
        limit: int,
        account_type: Optional[int] = None,
    ) -> List[Fill]:
        sql, args = _filtered("fills", "trade_id", user, symbol, start_ms, end_ms, id_less_than)
        sql, args = _account_clause(sql, args, account_type)
        if order_id is not None:
            sql += " AND order_id = ?"
            args.append(order_id)
        rows = self._query(sql + " ORDER BY trade_id DESC, order_id DESC LIMIT ?", args + [limit])
        return [Fill.from_row(r) for r in rows]

    def ledger(
        self,
        user: int,
        codes: Tuple[int, ...],
        asset: Optional[str],
        start_ms: Optional[int],
        end_ms: Optional[int],
        id_less_than: Optional[int],
        limit: int,
        from_account: Optional[int] = None,
    ) -> List[LedgerRecord]:
        sql = f"SELECT * FROM ledger WHERE user = ? AND code IN ({','.join('?' * len(codes))})"
        args: List[object] = [user, *codes]
        for clause, value in (
            ("asset = ?", asset),
            ("from_account = ?", from_account),
            ("c_ms >= ?", start_ms),
            ("c_ms <= ?", end_ms),
            ("transfer_id < ?", id_less_than),
        ):
            if value is not None:
                sql += " AND " + clause
                args.append(value)
        rows = self._query(sql + " ORDER BY transfer_id DESC LIMIT ?", args + [limit])
        return [LedgerRecord.from_row(r) for r in rows]

    def withdrawals(
        self,
        user: int,
        asset: Optional[str],
        order_id: Optional[int],
        start_ms: Optional[int],
        end_ms: Optional[int],
        id_less_than: Optional[int],
        limit: int,
    ) -> List[WithdrawalRecord]:
        sql = "SELECT * FROM withdrawals WHERE user = ?"
        args: List[object] = [user]
        for clause, value in (
            ("asset = ?", asset),
            ("order_id = ?", order_id),
            ("c_ms >= ?", start_ms),
            ("c_ms <= ?", end_ms),
            ("order_id < ?", id_less_than),
        ):
            if value is not None:
                sql += " AND " + clause
                args.append(value)
        rows = self._query(sql + " ORDER BY order_id DESC LIMIT ?", args + [limit])
        return [WithdrawalRecord.from_row(r) for r in rows]

    def withdrawal_by_prefix(self, user: int, prefix: str) -> Optional[WithdrawalRecord]:
        rows = self._query(
            "SELECT * FROM withdrawals WHERE user = ? AND substr(withdrawal_id, 1, ?) = ?"
            " ORDER BY order_id DESC LIMIT 1",
            (user, len(prefix), prefix),
        )
        return WithdrawalRecord.from_row(rows[0]) if rows else None

    def withdrawal(self, order_id: int) -> Optional[WithdrawalRecord]:
        rows = self._query("SELECT * FROM withdrawals WHERE order_id = ?", (order_id,))
        return WithdrawalRecord.from_row(rows[0]) if rows else None


def _filtered(
    table: str,
    id_col: str,
    user: int,
    symbol: Optional[str],
    start_ms: Optional[int],
    end_ms: Optional[int],
    id_less_than: Optional[int],
) -> Tuple[str, List[object]]:
    sql = f"SELECT * FROM {table} WHERE user = ?"
    args: List[object] = [user]
    for clause, value in (
        ("symbol = ?", symbol),
        ("c_ms >= ?", start_ms),
        ("c_ms <= ?", end_ms),
        (f"{id_col} < ?", id_less_than),
    ):
        if value is not None:
            sql += " AND " + clause
            args.append(value)
    return sql, args


def _account_clause(
    sql: str, args: List[object], account_type: Optional[int]
) -> Tuple[str, List[object]]:
    """Keep only the orders (or fills of orders) of one account type (``None``: all)."""
    if account_type is None:
        return sql, args
    if account_type == SPOT:
        return sql + " AND order_id NOT IN (SELECT order_id FROM order_accounts)", args
    sql += " AND order_id IN (SELECT order_id FROM order_accounts WHERE account_type = ?)"
    return sql, args + [account_type]
