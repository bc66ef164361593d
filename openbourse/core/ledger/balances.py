"""Balances: one record per (owner, account type, asset) with two buckets.

``available`` can be spent; ``frozen`` is held for open orders and pending withdrawals.
System owners (negative ids) have one account each; the EXTERNAL owner mirrors the
outside world and is the only balance that may go negative (it is minus everything ever
deposited net of withdrawals), which is what makes every asset sum to zero.
"""
from __future__ import annotations

from typing import Tuple

__all__ = ["Balance", "BalanceKey"]

BalanceKey = Tuple[int, int, str]  # (owner, account type, asset)


class Balance:
    __slots__ = ("owner", "account", "asset", "available", "frozen", "mark")

    def __init__(self, owner: int, account: int, asset: str) -> None:
        self.owner = owner
        self.account = account
        self.asset = asset
        self.available = 0
        self.frozen = 0
        # Command counter of the last command that touched this balance: lets the
        # engine emit one BalanceChanged per touched balance without a set.
        self.mark = -1

    @property
    def key(self) -> BalanceKey:
        return (self.owner, self.account, self.asset)

    def __repr__(self) -> str:
        return f"Balance({self.key}, available={self.available}, frozen={self.frozen})"
