"""The double-entry ledger.

Every balance change is a *posting*: ``amount`` leaves one bucket (available or frozen)
of one balance and enters a bucket of another (or of the same balance: a hold moves
available → frozen).  Postings are applied in all-or-nothing batches: the whole batch is
checked first (no user bucket may go negative), then applied.  Because every posting
credits exactly what it debits, the per-asset sum over all balances never changes; it is
zero because deposits are debited from the EXTERNAL system owner.

The spot settlement of a trade is such a batch too; it is hot, so ``settle_fill`` in
``core/spot/settlement.py`` applies the same postings with plain arithmetic, and
``trade_postings`` describes them for audits.
"""
from __future__ import annotations

from typing import Dict, Iterator, Sequence, Tuple

from ..enums import AccountType, SystemOwner
from .balances import Balance, BalanceKey

__all__ = ["Ledger", "Posting", "AVAILABLE", "FROZEN", "InsufficientFunds"]

AVAILABLE = 0
FROZEN = 1

# (debit balance, debit bucket, credit balance, credit bucket, amount)
Posting = Tuple[Balance, int, Balance, int, int]


class InsufficientFunds(Exception):
    """A batch would drive a user bucket negative; nothing was applied."""


class Ledger:
    def __init__(self) -> None:
        self.balances: Dict[BalanceKey, Balance] = {}

    def balance(self, owner: int, account: int, asset: str) -> Balance:
        """The balance record, created empty on first use (creation changes no sum)."""
        key = (owner, account, asset)
        found = self.balances.get(key)
        if found is None:
            found = self.balances[key] = Balance(owner, account, asset)
        return found

    def system(self, owner: SystemOwner, asset: str) -> Balance:
        return self.balance(int(owner), int(AccountType.SYSTEM), asset)

    def post(self, postings: Sequence[Posting]) -> None:
        """Apply a linked batch atomically or raise ``InsufficientFunds`` having changed nothing."""
        needed: Dict[Tuple[BalanceKey, int], int] = {}
        for debit, debit_bucket, credit, credit_bucket, amount in postings:
            assert amount >= 0 and debit.asset == credit.asset
            if debit.owner != SystemOwner.EXTERNAL:
                slot = (debit.key, debit_bucket)
                needed[slot] = needed.get(slot, 0) + amount
                have = debit.available if debit_bucket == AVAILABLE else debit.frozen
                if needed[slot] > have:
                    raise InsufficientFunds(debit.key)
        for debit, debit_bucket, credit, credit_bucket, amount in postings:
            if debit_bucket == AVAILABLE:
                debit.available -= amount
            else:
                debit.frozen -= amount
            if credit_bucket == AVAILABLE:
                credit.available += amount
            else:
                credit.frozen += amount

    def totals(self) -> Dict[str, int]:
        """Per-asset sum over every balance (zero for every asset when the ledger is sound)."""
        sums: Dict[str, int] = {}
        for balance in self.balances.values():
            sums[balance.asset] = sums.get(balance.asset, 0) + balance.available + balance.frozen
        return sums

    def __iter__(self) -> Iterator[Balance]:
        return iter(self.balances.values())
