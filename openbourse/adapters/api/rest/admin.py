"""openbourse's own admin endpoints (not Bitget's): only keys of users with the admin role.

They give remote operators what the CLI gives local ones (list users, credit funds)
without shell access to the data dir.  The admin check comes after the normal signature
check, so a non-admin key gets Bitget's permission error (40014) like any other
permission failure.  Deposits are journaled ``Deposit`` commands, idempotent on ``ref``.
"""

from __future__ import annotations

import secrets
from typing import Any, Dict, List

from ....core import commands as c
from ....core import events as ev
from ....core.enums import AccountType
from ...users import UserError
from ..errors import ApiError, E
from ..params import amount_units
from .context import ApiContext, Req, created_id
from .registry import Registry

__all__ = ["registry"]

registry = Registry()
route = registry.route


def _require_admin(req: Req) -> None:
    if req.key is None or not req.key.is_admin:
        raise ApiError(E.PERMISSION, "Incorrect permissions: admin role required")


@route("GET", "openbourse/admin/users", family="admin", permission="read", response="list")
async def users(ctx: ApiContext, req: Req) -> List[Dict[str, Any]]:
    """All users (id, email, admin role). Admin keys only."""
    _require_admin(req)
    return [{"userId": str(u.id), "email": u.email, "admin": u.is_admin} for u in ctx.users.users()]


@route(
    "POST",
    "openbourse/admin/deposit",
    family="admin",
    permission="transfer",
    params=("email", "coin", "amount", "ref"),
    required=("email", "coin", "amount"),
)
async def deposit(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Credit a user's spot account (a journaled Deposit; ``ref`` makes retries idempotent)."""
    _require_admin(req)
    p = req.params
    email, coin = p.text("email", max_len=255), p.text("coin")
    assert email is not None and coin is not None
    try:
        user = ctx.users.user_by_email(email)
    except UserError:
        raise ApiError("40300", "User does not exist") from None
    amount_text = p.decimal("amount")
    assert amount_text is not None
    amount = amount_units("amount", amount_text, ctx.asset_scale(coin), truncate=False)
    ref = p.client_oid("ref") or "admin-" + secrets.token_hex(12)
    events = await ctx.execute(c.Deposit(0, user.id, int(AccountType.SPOT), coin, amount, ref))
    transfer_id, duplicate = created_id(events, ev.TransferPosted, "transfer_id")
    return {
        "userId": str(user.id),
        "coin": coin,
        "amount": amount_text,
        "ref": ref,
        "transferId": str(transfer_id) if not duplicate else None,
        "duplicate": duplicate,
    }
