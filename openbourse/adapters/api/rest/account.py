"""Accounts: spot assets, account info, transfers, deposit records (the rest: wallet.py).

Balances come from the private read model, which mirrors the engine's ledger exactly
(``BalanceChanged`` carries absolute amounts), so ``available``/``frozen`` here are the
engine's numbers to the last minor unit.  Transfers between the caller's own
account types are in ``wallet.py``.
"""

from __future__ import annotations

from typing import Any, Dict, List

from ....core.enums import AccountType, TransferCode
from ....core.units import from_units
from ...deposits import split_ref
from ...readmodels.products import products_of
from ...readmodels.spot_bills import GROUPS
from ...readmodels.spot_bills import KIND as BILL_KIND
from ..errors import ApiError, E
from .context import ApiContext, Req
from .public import CHAIN
from .queries import page_args
from .registry import Registry

__all__ = ["registry", "ACCOUNT_TYPES"]

registry = Registry()
route = registry.route

#: Bitget ``fromType``/``toType`` → account type ("p2p"/"funding" are the funding account).
ACCOUNT_TYPES = {
    "spot": int(AccountType.SPOT),
    "p2p": int(AccountType.FUNDING),
    "funding": int(AccountType.FUNDING),
    "crossed_margin": int(AccountType.CROSS_MARGIN),
    "isolated_margin": int(AccountType.ISOLATED_MARGIN),
    "usdt_futures": int(AccountType.USDT_FUTURES),
    "usdc_futures": int(AccountType.USDC_FUTURES),
    "coin_futures": int(AccountType.COIN_FUTURES),
}


@route("GET", "spot/account/info", family="account", permission="read")
async def account_info(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """The caller's user id and the key's permissions."""
    assert req.key is not None
    return {
        "userId": str(req.user),
        "inviterId": None,
        "ips": ",".join(sorted(req.key.ip_allow)),
        "authorities": sorted(req.key.permissions),
        "parentId": str(req.user),
        "traderType": "",
        "channelCode": "",
        "channel": "",
        "regisTime": "0",
    }


@route(
    "GET",
    "spot/account/assets",
    family="account",
    permission="read",
    params=("coin", "assetType"),
    response="list",
)
async def assets(ctx: ApiContext, req: Req) -> List[Dict[str, Any]]:
    """Spot balances: ``available`` and ``frozen`` (open orders), ``locked`` is always 0."""
    coin = ctx.coin_param(req.params)
    asset_type = (req.params.text("assetType", required=False) or "hold_only").lower()
    if asset_type not in ("hold_only", "all"):
        raise ApiError(E.PARAM_INVALID, "Parameter verification failed: assetType")
    rows = {
        asset: (available, frozen, u_ms)
        for asset, available, frozen, u_ms in ctx.views.balances(req.user, AccountType.SPOT)
    }
    out = []
    for asset, scale in ctx.catalog.assets.items():
        if coin is not None and asset != coin:
            continue
        available, frozen, u_ms = rows.get(asset, (0, 0, 0))
        if asset_type == "hold_only" and coin is None and not (available or frozen):
            continue
        out.append(
            {
                "coin": asset,
                "available": from_units(available, scale),
                "frozen": from_units(frozen, scale),
                "locked": from_units(0, scale),
                "limitAvailable": from_units(0, scale),
                "uTime": str(u_ms),
            }
        )
    return out


@route(
    "GET",
    "spot/account/bills",
    family="account",
    permission="read",
    params=("coin", "groupType", "businessType", "startTime", "endTime", "idLessThan", "limit"),
    response="list",
)
async def bills(ctx: ApiContext, req: Req) -> List[Dict[str, Any]]:
    """Changes of the caller's spot balances, newest first (readmodels/spot_bills.py):
    ``size`` is the signed change, ``balance`` the amount after it, ``fees`` the fee paid
    in that coin.  Filters: ``coin``, ``groupType``, ``businessType``, time, ``idLessThan``."""
    coin = ctx.coin_param(req.params)
    group = req.params.text("groupType", required=False)
    kind = req.params.text("businessType", required=False)
    if group is not None and group not in GROUPS.values():
        raise ApiError(E.PARAM_INVALID, f"Parameter groupType {group} is not one of "
                       + ", ".join(sorted(set(GROUPS.values()))))
    start, end, id_lt = page_args(req.params)
    limit = req.params.limit(20, 100)
    history = products_of(ctx.views).history
    out: List[Dict[str, Any]] = []
    while len(out) < limit:  # type filters are applied here, so page until enough match
        rows = history.records(BILL_KIND, req.user, coin, None, start, end, id_lt, limit)
        for r in rows:
            business = r["business"]
            if (kind is None or business == kind) and (group is None or GROUPS[business] == group):
                out.append({
                    "cTime": str(r["ts_ms"]), "coin": r["coin"], "groupType": GROUPS[business],
                    "businessType": business,
                    "size": ctx.catalog.amount_str(r["coin"], r["size"]),
                    "balance": ctx.catalog.amount_str(r["coin"], r["balance"]),
                    "fees": ctx.catalog.amount_str(r["coin"], -r["fee"]),
                    "billId": str(r.rid)})
        if len(rows) < limit:
            break
        id_lt = rows[-1].rid
    return out[:limit]


_RECORD_PARAMS = ("coin", "startTime", "endTime", "idLessThan", "limit", "orderId", "clientOid")


def _records(ctx: ApiContext, req: Req, codes: tuple, kind: str) -> List[Dict[str, Any]]:
    coin = ctx.coin_param(req.params)
    start, end, id_lt = page_args(req.params)
    limit = req.params.limit(20, 100)
    rows = ctx.views.ledger(req.user, codes, coin, start, end, id_lt, limit)
    out = []
    for r in rows:
        address, txid = split_ref(r.ref or "")
        out.append({
            "orderId": str(r.transfer_id),
            "tradeId": txid or str(r.transfer_id),
            "coin": r.asset,
            "type": kind,
            "size": ctx.catalog.amount_str(r.asset, r.amount),
            "status": "success",
            "toAddress": address,
            "dest": "on_chain",
            "chain": CHAIN,
            "fromAddress": "",
            "cTime": str(r.c_ms),
            "uTime": str(r.c_ms),
        })
    return out


@route(
    "GET",
    "spot/wallet/deposit-records",
    family="wallet",
    permission="read",
    params=_RECORD_PARAMS,
    response="list",
)
async def deposit_records(ctx: ApiContext, req: Req) -> List[Dict[str, Any]]:
    """The caller's deposits (admin credits), newest first."""
    return _records(ctx, req, (TransferCode.DEPOSIT,), "deposit")
