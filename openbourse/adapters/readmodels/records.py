"""Row types of the private read models (orders, plans, fills, ledger records).

Everything is kept in integer units exactly as the events carry them; decimal strings are
made only by the REST formatter, from the catalogue's precisions.  Each type knows its
SQLite row shape: amounts are stored as decimal TEXT because they can exceed SQLite's
signed 64-bit INTEGER (``core.units.AMOUNT_MAX`` is 2**96 - 1).
"""

from __future__ import annotations

from typing import Any, Dict, NamedTuple, Tuple

__all__ = [
    "OrderView",
    "PlanView",
    "Fill",
    "LedgerRecord",
    "WithdrawalRecord",
    "ORDER_COLUMNS",
    "PLAN_COLUMNS",
]

def _row_methods(columns: Tuple[Tuple[str, bool], ...]) -> Tuple[Any, Any, Any]:
    """``__init__(*values)``, ``to_row()`` and the ``from_row(row)`` classmethod of a row
    type with ``__slots__`` named by ``columns``, generated as straight-line code (as
    ``namedtuple`` does): every order is built on the dispatcher thread and turned into
    a row by the flusher, and loops of ``setattr``/``getattr`` over 23 columns cost
    several times more per order."""
    names = [name for name, _ in columns]
    own = ", ".join(f"self.{name}" for name in names)
    row = ", ".join(f"str(self.{n})" if big else f"self.{n}" for n, big in columns)
    parsed = ", ".join(f"int(row[{i}])" if big else f"row[{i}]"
                       for i, (_, big) in enumerate(columns))
    source = (
        f"def __init__(self, {', '.join(names)}):\n    {own} = {', '.join(names)}\n"
        f"def to_row(self):\n    return ({row},)\n"
        f"def from_row(cls, row):\n    return cls({parsed})\n"
    )
    namespace: Dict[str, Any] = {}
    exec(source, namespace)  # noqa: S102 - code built from the constant column names above
    return namespace["__init__"], namespace["to_row"], classmethod(namespace["from_row"])


#: (column, is_big) — big columns are stored as TEXT and parsed back with ``int``.
ORDER_COLUMNS: Tuple[Tuple[str, bool], ...] = (
    ("order_id", False),
    ("user", False),
    ("symbol", False),
    ("side", False),
    ("order_type", False),
    ("force", False),
    ("price", True),
    ("size", True),
    ("quote_size", True),
    ("client_oid", False),
    ("stp", False),
    ("plan_id", False),
    ("status", False),
    ("reason", False),
    ("filled_size", True),
    ("filled_quote", True),
    ("fee", True),
    ("c_ms", False),
    ("u_ms", False),
    ("tp_trigger", True),
    ("tp_price", True),
    ("sl_trigger", True),
    ("sl_price", True),
)


class OrderView:
    """The current state of one spot order, as the owner sees it."""

    __slots__ = tuple(name for name, _ in ORDER_COLUMNS)

    order_id: int
    user: int
    symbol: str
    side: int
    order_type: int
    force: int
    price: int
    size: int
    quote_size: int
    client_oid: str
    stp: int
    plan_id: int
    status: int
    reason: int
    filled_size: int
    filled_quote: int
    fee: int
    c_ms: int
    u_ms: int
    tp_trigger: int
    tp_price: int
    sl_trigger: int
    sl_price: int

    __init__, to_row, from_row = _row_methods(ORDER_COLUMNS)


PLAN_COLUMNS: Tuple[Tuple[str, bool], ...] = (
    ("plan_id", False),
    ("user", False),
    ("symbol", False),
    ("side", False),
    ("trigger_price", True),
    ("order_type", False),
    ("price", True),
    ("size", True),
    ("quote_size", True),
    ("force", False),
    ("client_oid", False),
    ("stp", False),
    ("parent_order_id", False),
    ("oco_plan_id", False),
    ("status", False),
    ("code", False),
    ("order_id", False),
    ("c_ms", False),
    ("u_ms", False),
)


class PlanView:
    """One trigger (plan) order and, once it fired, the order it placed."""

    __slots__ = tuple(name for name, _ in PLAN_COLUMNS)

    plan_id: int
    user: int
    symbol: str
    side: int
    trigger_price: int
    order_type: int
    price: int
    size: int
    quote_size: int
    force: int
    client_oid: str
    stp: int
    parent_order_id: int
    oco_plan_id: int
    status: int
    code: int
    order_id: int
    c_ms: int
    u_ms: int

    __init__, to_row, from_row = _row_methods(PLAN_COLUMNS)


class Fill(NamedTuple):
    """One side of one trade, as its owner sees it (a self-trade yields two)."""

    trade_id: int
    order_id: int
    user: int
    symbol: str
    side: int
    order_type: int
    price: int  # price units
    size: int  # size units
    quote_amount: int  # quote minor units
    fee: int  # minor units of the asset received
    is_maker: int
    c_ms: int

    def to_row(self) -> tuple:
        return (
            self.trade_id,
            self.order_id,
            self.user,
            self.symbol,
            self.side,
            self.order_type,
            str(self.price),
            str(self.size),
            str(self.quote_amount),
            str(self.fee),
            self.is_maker,
            self.c_ms,
        )

    @classmethod
    def from_row(cls, row: tuple) -> "Fill":
        return cls(
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            row[5],
            int(row[6]),
            int(row[7]),
            int(row[8]),
            int(row[9]),
            row[10],
            row[11],
        )


class LedgerRecord(NamedTuple):
    """A user-visible money movement: deposit, withdrawal step or internal transfer."""

    transfer_id: int
    code: int  # TransferCode
    user: int
    asset: str
    amount: int
    from_account: int
    to_account: int
    ref: str
    c_ms: int

    def to_row(self) -> tuple:
        return (
            self.transfer_id,
            self.code,
            self.user,
            self.asset,
            str(self.amount),
            self.from_account,
            self.to_account,
            self.ref,
            self.c_ms,
        )

    @classmethod
    def from_row(cls, row: tuple) -> "LedgerRecord":
        return cls(row[0], row[1], row[2], row[3], int(row[4]), row[5], row[6], row[7], row[8])


class WithdrawalRecord(NamedTuple):
    """One withdrawal and where it stands (``status``: 0 pending, 1 success, 2 fail).

    ``order_id`` is the sequence number of its ``WithdrawalRequested`` event: unique,
    increasing and the same on every replay, so it serves as Bitget's numeric ``orderId``
    and as the paging cursor.  ``withdrawal_id`` is the engine's idempotency key.
    """

    order_id: int
    withdrawal_id: str
    user: int
    asset: str
    amount: int
    status: int
    c_ms: int
    u_ms: int

    def to_row(self) -> tuple:
        return (
            self.order_id,
            self.withdrawal_id,
            self.user,
            self.asset,
            str(self.amount),
            self.status,
            self.c_ms,
            self.u_ms,
        )

    @classmethod
    def from_row(cls, row: tuple) -> "WithdrawalRecord":
        return cls(row[0], row[1], row[2], row[3], int(row[4]), row[5], row[6], row[7])
