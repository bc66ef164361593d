"""Withdrawals as their owners see them: pending until an operator completes or fails them.

Projected from ``WithdrawalRequested`` / ``WithdrawalCompleted`` / ``WithdrawalFailed``.
Pending withdrawals stay in memory (they are few, and the operator's list and every
settlement look them up); a settled one stays in ``dirty`` until its row is committed, so
it is always visible in memory or in SQLite, like closed orders.
"""

from __future__ import annotations

from typing import Callable, Dict, List, Optional, Tuple

from ...core import events as ev
from .records import WithdrawalRecord

__all__ = ["WithdrawalProjection", "PENDING", "SUCCESS", "FAIL"]

PENDING, SUCCESS, FAIL = 0, 1, 2


class WithdrawalProjection:
    def __init__(self, tracked: Callable[[int], bool] = lambda user: user > 0) -> None:
        self.tracked = tracked
        self.pending: Dict[str, WithdrawalRecord] = {}  # withdrawal_id -> record
        self.dirty: Dict[str, WithdrawalRecord] = {}  # changed since the last commit

    def load(self, rows: List[WithdrawalRecord]) -> None:
        for record in rows:
            self.pending[record.withdrawal_id] = record

    def requested(self, e: ev.WithdrawalRequested) -> None:
        if not self.tracked(e.user):
            return
        ms = e.ts_ns // 1_000_000
        record = WithdrawalRecord(
            e.seq, e.withdrawal_id, e.user, e.asset, e.amount, PENDING, ms, ms
        )
        self.pending[e.withdrawal_id] = record
        self.dirty[e.withdrawal_id] = record

    def settled(self, withdrawal_id: str, status: int, ts_ns: int) -> None:
        record = self.pending.pop(withdrawal_id, None)
        if record is None:
            return  # not a tracked user's
        self.dirty[withdrawal_id] = record._replace(status=status, u_ms=ts_ns // 1_000_000)

    def take_dirty(self) -> Tuple[List[tuple], List[WithdrawalRecord]]:
        records = list(self.dirty.values())
        return [r.to_row() for r in records], records

    def forget_flushed(self, records: List[WithdrawalRecord]) -> None:
        """Drop committed rows, unless they changed again while the flush ran."""
        for record in records:
            if self.dirty.get(record.withdrawal_id) is record:
                del self.dirty[record.withdrawal_id]

    def of(self, user: int) -> List[WithdrawalRecord]:
        """The user's records still in memory (a dirty copy wins over the pending one)."""
        rows = {r.withdrawal_id: r for r in self.pending.values() if r.user == user}
        rows.update({r.withdrawal_id: r for r in self.dirty.values() if r.user == user})
        return list(rows.values())

    def find(self, order_id: int) -> Optional[WithdrawalRecord]:
        for pool in (self.dirty, self.pending):
            for record in pool.values():
                if record.order_id == order_id:
                    return record
        return None
