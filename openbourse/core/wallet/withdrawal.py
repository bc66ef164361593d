"""A withdrawal in flight: its funds are frozen until it completes or fails."""
from __future__ import annotations

__all__ = ["Withdrawal", "PENDING", "COMPLETED", "FAILED"]

PENDING, COMPLETED, FAILED = 0, 1, 2


class Withdrawal:
    __slots__ = ("withdrawal_id", "user", "asset", "amount", "status")

    def __init__(self, withdrawal_id: str, user: int, asset: str, amount: int,
                 status: int = PENDING) -> None:
        self.withdrawal_id = withdrawal_id
        self.user = user
        self.asset = asset
        self.amount = amount
        self.status = status
