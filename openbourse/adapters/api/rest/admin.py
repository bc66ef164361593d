"""openbourse's own admin endpoints (not Bitget's): only keys of users with the admin role.

They give remote operators what the CLI gives local ones (list users, credit funds,
complete or fail pending withdrawals) without shell access to the data dir. The admin
check comes after the normal signature check, so a non-admin key gets Bitget's permission
error (40014) like any other permission failure. Deposits are journaled ``Deposit``
commands, idempotent on ``ref``.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, List

from ....core import commands as c
from ....core import events as ev
from ....core.enums import AccountType
from ...deposits import REF, WrongCoin, deposit_target, split_ref
from ...readmodels.catalog import Catalog
from ...readmodels.private import PrivateViews
from ...users import UserError, UserStore
from ..errors import ApiError, E, reject_error
from ..params import amount_units
from .context import ApiContext, Req, created_id, first_reject
from .registry import Registry
from .withdrawal_ids import withdrawal_json

__all__ = ["registry", "settle_withdrawal", "pending_withdrawals"]

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
    params=("email", "address", "coin", "amount", "ref"),
    required=("coin", "amount"),
)
async def deposit(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Credit a user's spot account (a journaled Deposit; ``ref`` makes retries idempotent).

    The user is named by ``email`` or by one of its deposit ``address``es (exactly one)."""
    _require_admin(req)
    p = req.params
    email = p.text("email", required=False, max_len=255)
    address = p.text("address", required=False, max_len=64)
    if (email is None) == (address is None):
        raise ApiError(E.PARAM_INVALID, "Parameter verification failed: email or address")
    coin = p.text("coin")
    assert coin is not None
    amount_text = p.decimal("amount")
    assert amount_text is not None
    amount = amount_units("amount", amount_text, ctx.asset_scale(coin), truncate=False)
    ref = p.text("ref", required=False, max_len=90)
    if ref is not None and not REF.fullmatch(ref):
        raise ApiError(E.PARAM_INVALID, "Parameter verification failed: ref")
    try:
        user_id, journal_ref = deposit_target(ctx.users, email or address or "", coin, ref)
    except WrongCoin as exc:
        raise ApiError(E.PARAM_INVALID, f"Parameter verification failed: {exc}") from None
    except UserError:
        raise ApiError("40300", "User does not exist") from None
    events = await ctx.execute(c.Deposit(0, user_id, int(AccountType.SPOT), coin, amount,
                                         journal_ref))
    transfer_id, duplicate = created_id(events, ev.TransferPosted, "transfer_id")
    return {
        "userId": str(user_id),
        "coin": coin,
        "amount": amount_text,
        "ref": split_ref(journal_ref)[1],
        "address": address,
        "transferId": str(transfer_id) if not duplicate else None,
        "duplicate": duplicate,
    }


def pending_withdrawals(
    views: PrivateViews, users: UserStore, catalog: Catalog
) -> List[Dict[str, Any]]:
    """Every pending withdrawal, oldest first, with its owner's email (the operator's queue)."""
    out = []
    for record in views.pending_withdrawals():
        user = users.user_by_id(record.user)
        row = withdrawal_json(record, catalog)
        row.update(userId=str(record.user), email=user.email if user else "")
        out.append(row)
    return out


async def settle_withdrawal(
    views: PrivateViews,
    submit: Callable[[c.Command], Awaitable[List[Any]]],
    catalog: Catalog,
    order_id: str,
    complete: bool,
) -> Dict[str, Any]:
    """Complete (funds leave) or fail (funds return) the withdrawal ``order_id``."""
    record = views.withdrawal(int(order_id)) if order_id.isdigit() else None
    if record is None:
        raise ApiError(E.NOT_EXIST, f"Parameter withdrawal {order_id} does not exist")
    command = c.CompleteWithdrawal if complete else c.FailWithdrawal
    rejected = first_reject(await submit(command(0, record.withdrawal_id)))
    if rejected is not None:
        raise reject_error(rejected.code)
    settled = views.withdrawal(record.order_id)
    assert settled is not None
    return withdrawal_json(settled, catalog)


@route("GET", "openbourse/admin/withdrawals", family="admin", permission="read", response="list")
async def withdrawals(ctx: ApiContext, req: Req) -> List[Dict[str, Any]]:
    """Pending withdrawals of every user, oldest first. Admin keys only."""
    _require_admin(req)
    return pending_withdrawals(ctx.views, ctx.users, ctx.catalog)


@route(
    "POST",
    "openbourse/admin/withdrawal-complete",
    family="admin",
    permission="withdraw",
    params=("orderId",),
    required=("orderId",),
)
async def withdrawal_complete(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Mark a pending withdrawal as sent: its held funds leave the exchange. Admin keys only."""
    _require_admin(req)
    order_id = str(req.params.order_id())
    return await settle_withdrawal(ctx.views, ctx.submit, ctx.catalog, order_id, True)


@route(
    "POST",
    "openbourse/admin/withdrawal-fail",
    family="admin",
    permission="withdraw",
    params=("orderId",),
    required=("orderId",),
)
async def withdrawal_fail(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Fail a pending withdrawal: its held funds return to the user. Admin keys only."""
    _require_admin(req)
    order_id = str(req.params.order_id())
    return await settle_withdrawal(ctx.views, ctx.submit, ctx.catalog, order_id, False)
