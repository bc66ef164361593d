"""Password change: ``adapters.users.UserStore.set_password`` owns the hashing and the rule.

The store reads the hash from the database on every ``check_password`` (it caches API
keys, never passwords), so no cache can serve the old password afterwards.
"""
from __future__ import annotations

from ..users import UserStore

__all__ = ["set_password", "MIN_PASSWORD"]

MIN_PASSWORD = 8  # the rule ``UserStore.create_user`` / ``set_password`` apply (sign-up form hint)


def set_password(users: UserStore, user_id: int, new_password: str) -> None:
    """Replace ``user_id``'s password; ``UserError`` when too short or the user is unknown."""
    users.set_password(user_id, new_password)
