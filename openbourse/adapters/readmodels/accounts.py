"""Balances and money-movement records per user, projected from ledger events.

``BalanceChanged`` carries the absolute available/frozen amounts after each command, so
the projection never adds or subtracts: it overwrites, which makes replaying an event
twice harmless and keeps the view equal to the engine's ledger.  Deposits, withdrawal
steps and internal transfers (``TransferPosted``) become user-visible records for the
deposit/withdrawal/transfer history endpoints.
"""

from __future__ import annotations

from typing import Callable, Dict, List, Set, Tuple

from ...core import events as ev
from ...core.enums import TransferCode
from .records import LedgerRecord

__all__ = ["AccountProjection", "USER_CODES"]

BalanceKey = Tuple[int, int, str]  # (owner, account, asset)

#: Ledger transfer codes a user sees as records (trades and order holds are not records).
USER_CODES = frozenset(
    {
        TransferCode.DEPOSIT,
        TransferCode.WITHDRAW_HOLD,
        TransferCode.WITHDRAW_COMPLETE,
        TransferCode.WITHDRAW_RETURN,
        TransferCode.INTERNAL,
    }
)


class AccountProjection:
    def __init__(self, tracked: Callable[[int], bool] = lambda owner: owner > 0) -> None:
        """``tracked(owner)``: whose balances are kept (users, not system/simulator owners)."""
        self.tracked = tracked
        #: key → [available, frozen, updated ms]
        self.balances: Dict[BalanceKey, List[int]] = {}
        self.keys_by_owner: Dict[int, Set[BalanceKey]] = {}
        self.dirty: Set[BalanceKey] = set()
        self.ledger_pending: List[LedgerRecord] = []

    def load(self, rows: List[tuple]) -> None:
        for owner, account, asset, available, frozen, u_ms in rows:
            self._set((owner, account, asset), available, frozen, u_ms)

    def _set(self, key: BalanceKey, available: int, frozen: int, u_ms: int) -> None:
        row = self.balances.get(key)
        if row is None:
            self.balances[key] = [available, frozen, u_ms]
            self.keys_by_owner.setdefault(key[0], set()).add(key)
        else:
            row[0], row[1], row[2] = available, frozen, u_ms

    def balance_changed(self, e: ev.BalanceChanged) -> None:
        if not self.tracked(e.owner):
            return
        key = (e.owner, e.account, e.asset)
        self._set(key, e.available, e.frozen, e.ts_ns // 1_000_000)
        self.dirty.add(key)

    def transfer_posted(self, e: ev.TransferPosted) -> None:
        if e.code not in USER_CODES:
            return
        user = e.credit_owner if e.credit_owner > 0 else e.debit_owner
        if user <= 0 or not self.tracked(user):
            return
        self.ledger_pending.append(
            LedgerRecord(
                e.transfer_id,
                e.code,
                user,
                e.asset,
                e.amount,
                e.debit_account,
                e.credit_account,
                e.ref,
                e.ts_ns // 1_000_000,
            )
        )

    def of(self, owner: int, account: int) -> List[Tuple[str, int, int, int]]:
        """(asset, available, frozen, u_ms) of one owner's account, in asset order."""
        rows = []
        for key in self.keys_by_owner.get(owner, ()):
            if key[1] == account:
                available, frozen, u_ms = self.balances[key]
                rows.append((key[2], available, frozen, u_ms))
        rows.sort()
        return rows

    def take_dirty(self) -> Tuple[List[tuple], List[tuple], int]:
        rows = [
            (k[0], k[1], k[2], str(v[0]), str(v[1]), v[2])
            for k, v in ((k, self.balances[k]) for k in self.dirty)
        ]
        self.dirty = set()
        return rows, [r.to_row() for r in self.ledger_pending], len(self.ledger_pending)

    def forget_flushed(self, n_ledger: int) -> None:
        del self.ledger_pending[:n_ledger]
