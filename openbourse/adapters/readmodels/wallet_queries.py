"""Wallet queries of the private read models: ledger records and withdrawals.

A mixin of ``PrivateViews`` (which owns ``lock``, ``store``, ``accounts`` and
``withdrawals``): each query merges what is still in memory with what SQLite holds.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, List, Optional, Tuple

from .paging import keep as _keep
from .paging import merge as _merge
from .records import LedgerRecord, WithdrawalRecord

if TYPE_CHECKING:  # pragma: no cover
    from .accounts import AccountProjection
    from .private_store import PrivateStore
    from .withdrawals import WithdrawalProjection

__all__ = ["WalletQueries"]


class WalletQueries:
    lock: threading.Lock
    store: "PrivateStore"
    accounts: "AccountProjection"
    withdrawals: "WithdrawalProjection"

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
        with self.lock:
            pending = [
                r
                for r in self.accounts.ledger_pending
                if r.user == user
                and r.code in codes
                and (asset is None or r.asset == asset)
                and (from_account is None or r.from_account == from_account)
            ]
        stored = self.store.ledger(
            user, codes, asset, start_ms, end_ms, id_less_than, limit, from_account
        )
        seen = {r.transfer_id for r in stored}
        rows = [
            r
            for r in pending
            if r.transfer_id not in seen
            and _keep(r, "transfer_id", None, start_ms, end_ms, id_less_than)
        ] + stored
        rows.sort(key=lambda r: r.transfer_id, reverse=True)
        return rows[:limit]

    def withdrawal_records(
        self,
        user: int,
        asset: Optional[str],
        order_id: Optional[int],
        start_ms: Optional[int],
        end_ms: Optional[int],
        id_less_than: Optional[int],
        limit: int,
    ) -> List[WithdrawalRecord]:
        """The user's withdrawals, newest first (memory rows win over older SQLite copies)."""
        with self.lock:
            pending = [
                r
                for r in self.withdrawals.of(user)
                if (asset is None or r.asset == asset)
                and (order_id is None or r.order_id == order_id)
            ]
        stored = self.store.withdrawals(
            user, asset, order_id, start_ms, end_ms, id_less_than, limit
        )
        return _merge(pending, stored, "order_id", None, start_ms, end_ms, id_less_than, limit)

    def pending_withdrawals(self) -> List[WithdrawalRecord]:
        """Every user's pending withdrawals, oldest first (the operator's queue)."""
        with self.lock:
            rows = list(self.withdrawals.pending.values())
        return sorted(rows, key=lambda r: r.order_id)

    def withdrawal(self, order_id: int) -> Optional[WithdrawalRecord]:
        with self.lock:
            found = self.withdrawals.find(order_id)
        return found if found is not None else self.store.withdrawal(order_id)

    def withdrawal_by_prefix(self, user: int, prefix: str) -> Optional[WithdrawalRecord]:
        """The user's newest withdrawal whose engine id starts with ``prefix`` (clientOid
        look-ups: the edge builds ids as ``api|user|key|address``)."""
        with self.lock:
            for record in self.withdrawals.of(user):
                if record.withdrawal_id.startswith(prefix):
                    return record
        return self.store.withdrawal_by_prefix(user, prefix)
