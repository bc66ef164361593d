"""Per-command context: the event list being built, the event sequence and touched balances."""
from __future__ import annotations

from typing import Any, List

from .events import BalanceChanged
from .ledger.balances import Balance

__all__ = ["Context"]

_tuple_new = tuple.__new__


class Context:
    __slots__ = ("ts", "events", "seq", "mark", "touched", "followups")

    def __init__(self, ts_ns: int, seq: int, mark: int) -> None:
        self.ts = ts_ns
        self.events: List[Any] = []
        self.seq = seq
        self.mark = mark
        self.touched: List[Balance] = []
        # Work a handler defers until its current step is complete (e.g. orders whose
        # attached TP/SL plans are created after matching); the handler drains it.
        self.followups: List[Any] = []

    def emit(self, cls: type, *fields: Any) -> None:
        """Append event ``cls(seq, ts, *fields)``; builds the tuple directly (hot path)."""
        self.events.append(_tuple_new(cls, (self.seq, self.ts) + fields))
        self.seq += 1

    def touch(self, balance: Balance) -> None:
        if balance.mark != self.mark:
            balance.mark = self.mark
            self.touched.append(balance)

    def finish(self) -> List[Any]:
        """Emit one BalanceChanged per balance touched by the command, in touch order."""
        events, ts, seq = self.events, self.ts, self.seq
        for balance in self.touched:
            events.append(_tuple_new(BalanceChanged, (
                seq, ts, balance.owner, balance.account, balance.asset,
                balance.available, balance.frozen)))
            seq += 1
        self.seq = seq
        return events
