"""Per-command context: the event list being built, the event sequence and touched balances.

One ``Context`` lives as long as its ``EngineState`` (``state.context``); ``apply`` calls
``begin`` for each command instead of building a new one, so a command allocates only its
event list.
"""
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

    def begin(self, ts_ns: int, seq: int, mark: int) -> None:
        """Start the next command (``mark``: its command counter, see ``Balance.mark``)."""
        self.ts = ts_ns
        self.events = []
        self.seq = seq
        self.mark = mark
        if self.touched or self.followups:  # left over by a command that raised
            self.touched.clear()
            self.followups.clear()

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
        events, ts, seq, touched = self.events, self.ts, self.seq, self.touched
        for balance in touched:
            events.append(_tuple_new(BalanceChanged, (
                seq, ts, balance.owner, balance.account, balance.asset,
                balance.available, balance.frozen)))
            seq += 1
        touched.clear()
        self.seq = seq
        return events
