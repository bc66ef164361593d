"""Wallet endpoints: funding balances, transfers and their history, withdrawals and records.

Transfers move available funds between the caller's own account types: spot, funding
(``p2p``), cross margin, isolated margin (one account per pair: ``symbol`` names it) and
the futures accounts.  The core checks the risk rules of the account the money leaves
(a margin account in debt keeps what holds it above its margin-call line).

There is no chain behind this exchange: a withdrawal holds the funds (available → frozen)
and stays ``pending`` until an operator completes it (the funds leave the ledger) or fails
it (they return), with ``openbourse withdrawals`` or the admin endpoints.  The single
"network" is ``OPENBOURSE``, as ``spot/public/coins`` lists it.
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any, Dict, List, Tuple

from ....core import events as ev
from ....core.commands import RequestWithdrawal, Transfer
from ....core.enums import AccountType, TransferCode
from ....core.units import from_units
from ..errors import ApiError, E
from ..params import amount_units
from .account import ACCOUNT_TYPES
from .context import ApiContext, Req, created_id
from .margin import isolated_symbol_of, margin_account
from .public import CHAIN
from .queries import page_args
from .registry import Registry
from .withdrawal_ids import key_prefix, withdrawal_id, withdrawal_json

__all__ = ["registry", "ACCOUNT_NAMES", "account_name"]

registry = Registry()
route = registry.route

#: account type → Bitget's name for it in transfer records (funding is "p2p" on Bitget)
ACCOUNT_NAMES = {
    int(AccountType.SPOT): "spot",
    int(AccountType.FUNDING): "p2p",
    int(AccountType.CROSS_MARGIN): "crossed_margin",
    int(AccountType.ISOLATED_MARGIN): "isolated_margin",
    int(AccountType.USDT_FUTURES): "usdt_futures",
    int(AccountType.USDC_FUTURES): "usdc_futures",
    int(AccountType.COIN_FUTURES): "coin_futures",
}
_ISOLATED = int(AccountType.ISOLATED_MARGIN)


def account_name(ctx: ApiContext, account: int) -> Tuple[str, str]:
    """(Bitget account type name, isolated symbol or "") of a ledger account number."""
    name = ACCOUNT_NAMES.get(account)
    if name is not None:
        return name, ""
    symbol = isolated_symbol_of(ctx, account)
    if symbol is not None:
        return "isolated_margin", symbol
    return str(account), ""


def _ledger_account(ctx: ApiContext, req: Req, key: str) -> int:
    """The ledger account of ``fromType``/``toType``; an isolated account needs ``symbol``."""
    account = req.params.choice(key, ACCOUNT_TYPES)
    if account != _ISOLATED:
        return account
    symbol = req.params.text("symbol", required=False)
    if symbol is None:
        raise ApiError(E.PARAM_EMPTY, "Parameter symbol cannot be empty (isolated margin)")
    account, _ = margin_account(ctx, req, _ISOLATED)
    return account


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
    coin = ctx.coin_param(req.params)
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
    "POST",
    "spot/wallet/transfer",
    family="wallet",
    permission="transfer",
    params=(
        "fromType",
        "toType",
        "amount",
        "coin",
        "symbol",
        "clientOid",
        "requestTime",
        "receiveWindow",
    ),
    required=("fromType", "toType", "amount", "coin"),
)
async def transfer(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Move available funds between the caller's own account types (isolated: with symbol)."""
    p = req.params
    from_account = _ledger_account(ctx, req, "fromType")
    to_account = _ledger_account(ctx, req, "toType")
    coin = p.text("coin")
    assert coin is not None
    scale = ctx.asset_scale(coin)
    amount_text = p.decimal("amount")
    assert amount_text is not None
    amount = amount_units("amount", amount_text, scale, truncate=False)
    client_oid = p.client_oid()
    events = await ctx.execute(
        Transfer(0, req.user, coin, amount, from_account, to_account, client_oid)
    )
    transfer_id, _ = created_id(events, ev.TransferPosted, "transfer_id")
    # a retried clientOid is a Duplicate that carries no transfer id: nothing moved twice
    return {
        "transferId": str(transfer_id) if transfer_id else None,
        "clientOid": client_oid or None,
        "status": "successful",  # ccxt maps it to "ok"; the move is final once acked
        "fromType": p.raw("fromType"),
        "toType": p.raw("toType"),
    }


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
    coin = ctx.coin_param(req.params, required=True)
    from_account = p.choice("fromType", ACCOUNT_TYPES) if p.has("fromType") else None
    isolated_only = from_account == _ISOLATED
    if isolated_only:
        from_account = None  # isolated pair accounts have numbers of their own: filter below
    client_oid = p.client_oid()
    start, end, id_lt = page_args(p)
    limit = p.limit(100, 500)
    codes = (TransferCode.INTERNAL,)
    rows = ctx.views.ledger(req.user, codes, coin, start, end, id_lt, limit, from_account)
    out = []
    for r in rows:
        if client_oid and r.ref != client_oid:
            continue
        to_type, to_symbol = account_name(ctx, r.to_account)
        from_type, from_symbol = account_name(ctx, r.from_account)
        if isolated_only and from_type != "isolated_margin":
            continue
        out.append(_record(ctx, r, to_type, to_symbol, from_type, from_symbol))
    return out


def _record(
    ctx: ApiContext, r: Any, to_type: str, to_symbol: str, from_type: str, from_symbol: str
) -> Dict[str, Any]:
    return {
        "coin": r.asset,
        "status": "Successful",
        "toType": to_type,
        "toSymbol": to_symbol,
        "fromType": from_type,
        "fromSymbol": from_symbol,
        "size": ctx.catalog.amount_str(r.asset, r.amount),
        "ts": str(r.c_ms),
        "clientOid": r.ref or None,
        "transferId": str(r.transfer_id),
    }


def _check_chain(p: Any) -> None:
    """``chain``, when given, must name the one network there is."""
    chain = p.text("chain", required=False)
    if chain is not None and chain.upper() != CHAIN:
        raise ApiError(E.PARAM_INVALID, f"Parameter verification failed: chain {CHAIN}")


@route(
    "GET",
    "spot/wallet/deposit-address",
    family="wallet",
    permission="read",
    params=("coin", "chain", "size"),
    required=("coin",),
)
async def deposit_address(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """The caller's deposit address for ``coin``: the same on every call (adapters/deposits.py:
    the operator credits what arrives there with ``openbourse deposit ADDRESS``)."""
    p = req.params
    coin = ctx.coin_param(p, required=True)
    assert coin is not None
    _check_chain(p)
    if p.has("size"):  # Bitget's size is for Lightning invoices only
        raise ApiError(E.PARAM_INVALID, "Parameter verification failed: size (no Lightning)")
    return {"coin": coin, "address": ctx.users.deposit_address(req.user, coin),
            "chain": CHAIN, "tag": "", "url": ""}


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
    coin = ctx.coin_param(req.params, required=True)
    assert coin is not None
    if (p.text("transferType") or "").lower() != "on_chain":
        raise ApiError(E.PARAM_INVALID, "Parameter verification failed: transferType on_chain")
    _check_chain(p)
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
    coin = ctx.coin_param(req.params)
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
