"""Wallet endpoints: funding balances, transfer history, withdrawals and their records.

There is no chain behind this exchange: a withdrawal holds the funds (available → frozen)
and stays ``pending`` until an operator completes it (the funds leave the ledger) or fails
it (they return), with ``openbourse withdrawals`` or the admin endpoints.  The single
"network" is ``OPENBOURSE``, as ``spot/public/coins`` lists it.
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any, Dict, List, Optional

from ....core import events as ev
from ....core.commands import RequestWithdrawal
from ....core.enums import AccountType, TransferCode
from ....core.units import from_units
from ..errors import ApiError, E
from ..params import amount_units
from .account import ACCOUNT_TYPES
from .context import ApiContext, Req
from .public import CHAIN
from .queries import page_args
from .registry import Registry
from .withdrawal_ids import key_prefix, withdrawal_id, withdrawal_json

__all__ = ["registry", "ACCOUNT_NAMES"]

registry = Registry()
route = registry.route

#: account type → Bitget's name for it in transfer records (funding is "p2p" on Bitget)
ACCOUNT_NAMES = {int(AccountType.SPOT): "spot", int(AccountType.FUNDING): "p2p"}


def _coin(ctx: ApiContext, req: Req, required: bool = False) -> Optional[str]:
    coin = req.params.text("coin", required=required)
    if coin is not None:
        ctx.asset_scale(coin)
    return coin


def _usdt_value(ctx: ApiContext, coin: str, total: int) -> str:
    """``total`` valued at the last trade of COIN/USDT ("0" when there is none)."""
    scale = ctx.catalog.assets["USDT"] if "USDT" in ctx.catalog.assets else 6
    if coin == "USDT":
        return from_units(total, scale)
    market = ctx.catalog.markets.get(coin + "USDT")
    ticker = ctx.market.ticker(market.symbol) if market is not None else None
    if ticker is None or not ticker.last or not total:
        return from_units(0, scale)
    value = Decimal(from_units(total, ctx.catalog.assets[coin])) * Decimal(
        market.price_str(ticker.last)  # type: ignore[union-attr]
    )
    return from_units(int(value.scaleb(scale)), scale)  # truncated, never rounded up


@route(
    "GET",
    "account/funding-assets",
    family="account",
    permission="read",
    params=("coin",),
    response="list",
)
async def funding_assets(ctx: ApiContext, req: Req) -> List[Dict[str, Any]]:
    """Funding-account balances (coins held, or the one ``coin`` asked for)."""
    coin = _coin(ctx, req)
    rows = {a: (av, fr) for a, av, fr, _ in ctx.views.balances(req.user, AccountType.FUNDING)}
    out = []
    for asset, scale in ctx.catalog.assets.items():
        available, frozen = rows.get(asset, (0, 0))
        if asset != coin and (coin is not None or not (available or frozen)):
            continue
        out.append(
            {
                "coin": asset,
                "available": from_units(available, scale),
                "frozen": from_units(frozen, scale),
                "usdtValue": _usdt_value(ctx, asset, available + frozen),
            }
        )
    return out


@route(
    "GET",
    "spot/account/transferRecords",
    family="wallet",
    permission="read",
    params=("coin", "fromType", "startTime", "endTime", "idLessThan", "limit", "clientOid"),
    required=("coin",),
    response="list",
)
async def transfer_records(ctx: ApiContext, req: Req) -> List[Dict[str, Any]]:
    """The caller's transfers between its own accounts, newest first."""
    p = req.params
    coin = _coin(ctx, req, required=True)
    from_account = p.choice("fromType", ACCOUNT_TYPES) if p.has("fromType") else None
    client_oid = p.client_oid()
    start, end, id_lt = page_args(p)
    limit = p.limit(100, 500)
    codes = (TransferCode.INTERNAL,)
    rows = ctx.views.ledger(req.user, codes, coin, start, end, id_lt, limit, from_account)
    return [
        {
            "coin": r.asset,
            "status": "Successful",
            "toType": ACCOUNT_NAMES.get(r.to_account, str(r.to_account)),
            "toSymbol": "",
            "fromType": ACCOUNT_NAMES.get(r.from_account, str(r.from_account)),
            "fromSymbol": "",
            "size": ctx.catalog.amount_str(r.asset, r.amount),
            "ts": str(r.c_ms),
            "clientOid": r.ref or None,
            "transferId": str(r.transfer_id),
        }
        for r in rows
        if not client_oid or r.ref == client_oid
    ]


@route(
    "POST",
    "spot/wallet/withdrawal",
    family="wallet",
    permission="withdraw",
    params=("coin", "transferType", "address", "chain", "tag", "size", "clientOid", "remark"),
    required=("coin", "transferType", "address", "size"),
)
async def withdrawal(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Request a withdrawal: the funds are held until an operator completes or fails it."""
    p = req.params
    coin = _coin(ctx, req, required=True)
    assert coin is not None
    if (p.text("transferType") or "").lower() != "on_chain":
        raise ApiError(E.PARAM_INVALID, "Parameter verification failed: transferType on_chain")
    chain = p.text("chain", required=False)
    if chain is not None and chain.upper() != CHAIN:
        raise ApiError(E.PARAM_INVALID, f"Parameter verification failed: chain {CHAIN}")
    if p.has("tag"):
        raise ApiError(E.PARAM_INVALID, "Parameter verification failed: tag (no memo chain)")
    p.text("remark", required=False, max_len=256)
    size_text = p.decimal("size")
    assert size_text is not None
    amount = amount_units("size", size_text, ctx.asset_scale(coin), truncate=False)
    address = p.text("address", max_len=100) or ""
    client_oid = p.client_oid()
    try:
        wid = withdrawal_id(req.user, client_oid, secrets.token_hex(8), address)
    except ValueError as exc:
        raise ApiError(E.PARAM_INVALID, f"Parameter verification failed: {exc}") from None
    if client_oid:
        seen = ctx.views.withdrawal_by_prefix(req.user, key_prefix(req.user, client_oid))
        if seen is not None and seen.withdrawal_id != wid:
            raise ApiError("40500", "Duplicate clientOid with a different request")
    events = await ctx.execute(RequestWithdrawal(0, req.user, coin, amount, wid))
    order_id = next((e.seq for e in events if type(e) is ev.WithdrawalRequested), None)
    if order_id is None:  # a retry: the same clientOid, address and amount
        seen = ctx.views.withdrawal_by_prefix(req.user, wid)
        order_id = seen.order_id if seen is not None else None
    return {"orderId": str(order_id) if order_id else None, "clientOid": client_oid or None}


@route(
    "GET",
    "spot/wallet/withdrawal-records",
    family="wallet",
    permission="read",
    params=("coin", "startTime", "endTime", "idLessThan", "limit", "orderId", "clientOid"),
    response="list",
)
async def withdrawal_records(ctx: ApiContext, req: Req) -> List[Dict[str, Any]]:
    """The caller's withdrawals with their status (pending, success, fail), newest first."""
    p = req.params
    coin = _coin(ctx, req)
    start, end, id_lt = page_args(p)
    limit = p.limit(20, 100)
    client_oid = p.client_oid()
    if client_oid:
        found = ctx.views.withdrawal_by_prefix(req.user, key_prefix(req.user, client_oid))
        rows = [found] if found is not None and (coin is None or found.asset == coin) else []
    else:
        order_id = p.order_id() if p.has("orderId") else None
        rows = ctx.views.withdrawal_records(req.user, coin, order_id, start, end, id_lt, limit)
    return [withdrawal_json(r, ctx.catalog) for r in rows]
