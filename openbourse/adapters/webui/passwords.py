"""Password change.

``adapters.users.UserStore`` owns password hashes.  It does not yet offer a setter, so until
it does (see docs/ui.md, "Hooks needed") this module updates the same ``users`` row with
the same argon2 defaults through its own connection to ``users.db``.  The store reads the
hash from the database on every ``check_password`` (it caches API keys, never passwords),
so no cache can serve the old password afterwards.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

from argon2 import PasswordHasher

from ..users import UserError, UserStore

__all__ = ["set_password", "MIN_PASSWORD"]

MIN_PASSWORD = 8  # the same rule ``UserStore.create_user`` applies


def set_password(users: UserStore, users_db: Path, user_id: int, new_password: str) -> None:
    if len(new_password) < MIN_PASSWORD:
        raise UserError(f"password must have at least {MIN_PASSWORD} characters")
    setter = getattr(users, "set_password", None)
    if setter is not None:
        setter(user_id, new_password)
        return
    digest = PasswordHasher().hash(new_password)
    db = sqlite3.connect(str(users_db), isolation_level=None, timeout=10)
    try:
        cur = db.execute("UPDATE users SET password_hash = ? WHERE id = ?", (digest, user_id))
    finally:
        db.close()
    if cur.rowcount != 1:
        raise UserError(f"unknown user id {user_id}")
