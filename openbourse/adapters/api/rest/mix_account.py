"""Futures accounts, settings and positions: accounts, account, set-leverage,
set-margin-mode, set-position-mode, set-margin, set-auto-margin, positions (all, single,
history) and account bills.

Balances and positions come from ``FuturesViews`` (projected from the core's
``BalanceChanged``/``PositionChanged``); unrealised PnL is valued at the latest mark.
``maxTransferOut`` is the core's own answer (``Product.transferable`` run on the
sequencer thread), so the figure shown is exactly what a transfer out would accept.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from ....core.futures import commands as fc
from ....core.futures.enums import PRODUCT_ACCOUNT, HoldSide, MarginMode
from ....core.units import from_units
from ...readmodels.futures import ContractInfo, FuturesViews, Page
from ..errors import ApiError, E
from ..params import amount_units
from .context import ApiContext, Req
from .mix_common import (HOLD_SIDES, MARGIN_MODE_NAMES, MARGIN_MODES, POS_MODE_NAMES, POS_MODES,
                         check_margin_coin, contract, contract_for, default_leverage,
                         history_position_row, position_row, product_type, views_of)
from .queries import page_args
from .registry import Registry

__all__ = ["registry", "account_rows"]

registry = Registry()
_ACCOUNT = {int(k): v for k, v in PRODUCT_ACCOUNT.items()}
route = registry.route


def _coins(views: FuturesViews, product: int) -> List[str]:
    seen: List[str] = []
    for c in views.catalog.markets.values():
        if c.product_type == product and c.margin_asset not in seen:
            seen.append(c.margin_asset)
    if not seen:
        seen = {0: ["USDT"], 1: ["USDC"]}.get(product, [])
    return seen


async def _transferable(ctx: ApiContext, views: FuturesViews, user: int, account: int,
                        asset: str) -> Optional[int]:
    query = getattr(views, "query", None)
    if query is None:
        return None
    try:
        from ....core.engine.products import PRODUCTS
    except ImportError:  # pragma: no cover
        return None
    product = next((p for p in PRODUCTS if p.name == "futures"), None)
    if product is None or product.transferable is None:
        return None
    fn = product.transferable
    try:
        return await query(lambda state: fn(state, user, account, asset))
    except ApiError:
        raise
    except Exception:  # noqa: BLE001 - fall back to the projection
        return None


def _account_figures(views: FuturesViews, user: int, account: int, coin: str) -> Dict[str, int]:
    data = views.users.get(user)
    available, frozen = 0, 0
    upnl_cross = upnl_iso = margin_cross = margin_iso = 0
    if data is not None:
        available, frozen, _ = data.balances.get((account, coin), (0, 0, 0))
        for (symbol, _side), rec in data.positions.items():
            info = views.catalog.markets.get(symbol)
            if info is None or info.margin_asset != coin or info.account != account:
                continue
            e = rec.event
            upnl = info.upnl(e.hold_side, e.size, e.cost, views.price(symbol).mark)
            if e.margin_mode == MarginMode.ISOLATED:
                upnl_iso += upnl
                margin_iso += e.margin
            else:
                upnl_cross += upnl
                margin_cross += e.margin
    return {"available": available, "frozen": frozen, "upnl_cross": upnl_cross,
            "upnl_iso": upnl_iso, "margin_cross": margin_cross, "margin_iso": margin_iso}


def account_rows(views: FuturesViews, user: int, product: int,
                 transfer_out: Dict[str, Optional[int]]) -> List[Dict[str, Any]]:
    """``mix/account/accounts`` rows (also the WS ``account`` push); caller holds the lock."""
    out = []
    account = _ACCOUNT.get(product, 0)
    for coin in _coins(views, product):
        info = next((c for c in views.catalog.markets.values()
                     if c.product_type == product and c.margin_asset == coin), None)
        acct = info.account if info else account
        f = _account_figures(views, user, acct, coin)
        scale = views.catalog.assets.get(coin, 6)
        s = lambda v: from_units(v, scale)  # noqa: E731
        upnl = f["upnl_cross"] + f["upnl_iso"]
        equity = f["available"] + f["frozen"] + upnl
        max_out = transfer_out.get(coin)
        if max_out is None:
            max_out = max(0, f["available"] + min(0, f["upnl_cross"]))
        cross_avail = max(0, f["available"] + min(0, f["upnl_cross"]))
        out.append({
            "marginCoin": coin,
            "locked": (s(f["frozen"] - f["margin_cross"] - f["margin_iso"])
                       if f["frozen"] >= f["margin_cross"] + f["margin_iso"] else "0"),
            "available": s(f["available"]),
            "frozen": s(f["frozen"]),
            "crossedMaxAvailable": s(cross_avail),
            "isolatedMaxAvailable": s(f["available"]),
            "maxTransferOut": s(max_out),
            "accountEquity": s(equity),
            "equity": s(equity),
            "usdtEquity": s(equity) if coin in ("USDT", "USDC") else "0",
            "btcEquity": s(equity) if coin == "BTC" else "0",
            "crossedRiskRate": "0",
            "unrealizedPL": s(upnl),
            "coupon": "0",
            "unionTotalMagin": s(equity),
            "unionAvailable": s(cross_avail),
            "unionMm": "0",
            "assetList": [],
            "isolatedMargin": s(f["margin_iso"]),
            "crossedMargin": s(f["margin_cross"]),
            "crossedUnrealizedPL": s(f["upnl_cross"]),
            "isolatedUnrealizedPL": s(f["upnl_iso"]),
            "assetMode": "single",
        })
    return out


@route("GET", "mix/account/accounts", family="account", permission="read",
       params=("productType",), required=("productType",), response="list")
async def accounts(ctx: ApiContext, req: Req) -> List[Dict[str, Any]]:
    """Futures account per margin coin of a productType: available, frozen, equity, UPnL,
    ``maxTransferOut`` (ccxt's free)."""
    views = views_of(ctx)
    product = product_type(req.params)
    if product == -1:
        return []
    assert product is not None
    account = _ACCOUNT[product]
    transfer_out = {coin: await _transferable(ctx, views, req.user, account, coin)
                    for coin in _coins(views, product)}
    with views.lock:
        return account_rows(views, req.user, product, transfer_out)


@route("GET", "mix/account/account", family="account", permission="read",
       params=("symbol", "productType", "marginCoin"), required=("symbol", "productType"))
async def account(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """The caller's account for one contract with its margin mode and leverage settings."""
    views, info = contract_for(ctx, req.params)
    check_margin_coin(req.params, info)
    out = await _transferable(ctx, views, req.user, info.account, info.margin_asset)
    with views.lock:
        row = account_rows(views, req.user, info.product_type, {info.margin_asset: out})
        base = next((r for r in row if r["marginCoin"] == info.margin_asset), {})
        lev = default_leverage(info)
        long_lev = views.leverage(req.user, info.symbol, 0, lev)
        short_lev = views.leverage(req.user, info.symbol, 1, lev)
        mode = views.margin_mode(req.user, info.symbol)
        pos_mode = views.pos_mode(req.user, info.product_type)
    base = dict(base)
    base.update({
        "symbol": info.symbol,
        "marginMode": MARGIN_MODE_NAMES[mode],
        "posMode": POS_MODE_NAMES[pos_mode],
        "crossedMarginLeverage": str(long_lev),
        "isolatedLongLever": str(long_lev),
        "isolatedShortLever": str(short_lev),
        "fixedMaxAvailable": base.get("isolatedMaxAvailable", "0"),
    })
    return base


def _hold_side(req: Req, key: str = "holdSide") -> int:
    if not req.params.has(key):
        return int(HoldSide.BOTH)
    return req.params.choice(key, HOLD_SIDES)


@route("POST", "mix/account/set-leverage", family="account", permission="trade",
       params=("symbol", "productType", "marginCoin", "leverage", "holdSide", "longLeverage",
               "shortLeverage"),
       required=("symbol", "productType"))
async def set_leverage(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Set the leverage of a contract (both sides, or ``holdSide`` long/short)."""
    views, info = contract_for(ctx, req.params)
    check_margin_coin(req.params, info)
    p = req.params
    pairs: List[Tuple[int, int]] = []
    if p.has("leverage"):
        pairs.append((_hold_side(req), _leverage(p, "leverage", info)))
    else:
        if p.has("longLeverage"):
            pairs.append((int(HoldSide.LONG), _leverage(p, "longLeverage", info)))
        if p.has("shortLeverage"):
            pairs.append((int(HoldSide.SHORT), _leverage(p, "shortLeverage", info)))
        if not pairs:
            raise ApiError(E.PARAM_EMPTY, "Parameter leverage cannot be empty")
    for side, lev in pairs:
        await ctx.execute(fc.SetLeverage(0, req.user, info.symbol, side, lev))
    with views.lock:
        lev = default_leverage(info)
        long_lev = views.leverage(req.user, info.symbol, 0, lev)
        short_lev = views.leverage(req.user, info.symbol, 1, lev)
        mode = views.margin_mode(req.user, info.symbol)
    return {"symbol": info.symbol, "marginCoin": info.margin_asset,
            "longLeverage": str(long_lev), "shortLeverage": str(short_lev),
            "crossMarginLeverage": str(long_lev), "marginMode": MARGIN_MODE_NAMES[mode]}


def _leverage(params: Any, key: str, info: ContractInfo) -> int:
    text = params.text(key)
    try:
        value = int(text)
    except (TypeError, ValueError):
        raise ApiError(E.PARAM_INVALID,
                       f"Parameter verification failed: {key} must be an integer") from None
    if value < 1:
        raise ApiError(E.PARAM_INVALID, f"Parameter verification failed: {key} must be at least 1")
    if value > info.max_leverage:
        raise ApiError("40797", f"Exceeded the maximum settable leverage {info.max_leverage}")
    return value


@route("POST", "mix/account/set-margin-mode", family="account", permission="trade",
       params=("symbol", "productType", "marginCoin", "marginMode"),
       required=("symbol", "productType", "marginMode"))
async def set_margin_mode(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Switch a contract between crossed and isolated margin (no position or order open)."""
    views, info = contract_for(ctx, req.params)
    check_margin_coin(req.params, info)
    mode = req.params.choice("marginMode", MARGIN_MODES)
    await ctx.execute(fc.SetMarginMode(0, req.user, info.symbol, mode))
    with views.lock:
        lev = default_leverage(info)
        long_lev = views.leverage(req.user, info.symbol, 0, lev)
        short_lev = views.leverage(req.user, info.symbol, 1, lev)
    return {"symbol": info.symbol, "marginCoin": info.margin_asset,
            "longLeverage": str(long_lev), "shortLeverage": str(short_lev),
            "marginMode": MARGIN_MODE_NAMES[mode]}


@route("POST", "mix/account/set-position-mode", family="account", permission="trade",
       params=("productType", "posMode"), required=("productType", "posMode"))
async def set_position_mode(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """One-way or hedge mode for a productType (no position or order open in it)."""
    views_of(ctx)
    product = product_type(req.params)
    mode = req.params.choice("posMode", POS_MODES)
    if product == -1:
        raise ApiError(E.PARAM_INVALID, "Parameter verification failed: productType is not served")
    await ctx.execute(fc.SetPositionMode(0, req.user, product, mode))
    return {"posMode": POS_MODE_NAMES[mode]}


@route("POST", "mix/account/set-margin", family="account", permission="trade",
       params=("symbol", "productType", "marginCoin", "holdSide", "amount"),
       required=("symbol", "productType", "holdSide", "amount"))
async def set_margin(ctx: ApiContext, req: Req) -> str:
    """Add (positive ``amount``) or remove (negative) margin of an isolated position."""
    views, info = contract_for(ctx, req.params)
    check_margin_coin(req.params, info)
    side = req.params.choice("holdSide", HOLD_SIDES)
    raw = req.params.text("amount")
    assert raw is not None
    negative = raw.startswith("-")
    from ..params import Params as _P
    text = _P({"amount": raw[1:] if negative else raw}, frozenset({"amount"})).decimal("amount")
    assert text is not None
    units = amount_units("amount", text, info.margin_scale, truncate=False)
    await ctx.execute(fc.AdjustMargin(0, req.user, info.symbol, side,
                                      -units if negative else units))
    return "success"


@route("POST", "mix/account/set-auto-margin", family="account", permission="trade",
       params=("symbol", "productType", "marginCoin", "holdSide", "autoMargin"),
       required=("symbol", "holdSide", "autoMargin"))
async def set_auto_margin(ctx: ApiContext, req: Req) -> str:
    """Auto margin top-up of an isolated position (``autoMargin`` on/off)."""
    views, info = contract_for(ctx, req.params, need_product=False)
    check_margin_coin(req.params, info)
    side = req.params.choice("holdSide", HOLD_SIDES)
    on = req.params.choice("autoMargin", {"on": 1, "off": 0})
    await ctx.execute(fc.SetAutoMargin(0, req.user, info.symbol, side, on))
    return "success"


def _positions(views: FuturesViews, user: int, product: int, symbol: Optional[str],
               coin: Optional[str]) -> List[Dict[str, Any]]:
    data = views.users.get(user)
    if data is None:
        return []
    out = []
    for (sym, _side), rec in sorted(data.positions.items()):
        info = views.catalog.markets.get(sym)
        if info is None or info.product_type != product:
            continue
        if symbol is not None and sym != symbol:
            continue
        if coin is not None and info.margin_asset != coin:
            continue
        out.append(position_row(views, info, rec, data.open_plans))
    return out


@route("GET", "mix/position/all-position", family="account", permission="read",
       params=("productType", "marginCoin"), required=("productType",), response="list")
async def all_positions(ctx: ApiContext, req: Req) -> List[Dict[str, Any]]:
    """Every open position of a productType (PnL at mark, liquidation price, TP/SL)."""
    views = views_of(ctx)
    product = product_type(req.params)
    if product == -1:
        return []
    coin = req.params.text("marginCoin", required=False)
    with views.lock:
        return _positions(views, req.user, product, None, coin.upper() if coin else None)


@route("GET", "mix/position/single-position", family="account", permission="read",
       params=("symbol", "productType", "marginCoin"), required=("symbol", "productType"),
       response="list")
async def single_position(ctx: ApiContext, req: Req) -> List[Dict[str, Any]]:
    """The open positions (one per side) of one contract."""
    views, info = contract_for(ctx, req.params)
    check_margin_coin(req.params, info)
    with views.lock:
        return _positions(views, req.user, info.product_type, info.symbol, None)


@route("GET", "mix/position/history-position", family="query", permission="read",
       params=("symbol", "productType", "idLessThan", "startTime", "endTime", "limit"),
       response="object")
async def history_position(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Closed positions, newest first (``data.list``, cursor ``endId``)."""
    views = views_of(ctx)
    product = product_type(req.params, required=False)
    symbol = req.params.text("symbol", required=False)
    if symbol is not None:
        contract(views, symbol, product if product != -1 else None)
    page = _history_page(views, req, product, symbol)  # by position id, opening time
    found = views.history("positions", req.user, page)
    with views.lock:
        rows = [history_position_row(views.catalog.markets[r.event.symbol], r) for r in found]
    return {"list": rows, "endId": rows[-1]["positionId"] if rows else None}


def _history_page(views: FuturesViews, req: Req, product: Optional[int],
                  symbol: Optional[str]) -> Page:
    """``idLessThan``/``startTime``/``endTime``/``limit`` (1..100, default 20) over the
    contracts of ``product`` (``None``: all) or ``symbol``."""
    start, end, id_lt = page_args(req.params)
    limit = req.params.limit(20, 100)
    with views.lock:
        symbols = frozenset(s for s, info in views.catalog.markets.items()
                            if (product is None or info.product_type == product)
                            and (symbol is None or s == symbol))
    return Page(start, end, id_lt, limit, {"symbol": symbols})


@route("GET", "mix/account/bill", family="query", permission="read",
       params=("productType", "symbol", "coin", "marginCoin", "businessType", "idLessThan",
               "startTime", "endTime", "limit"),
       required=("productType",))
async def bills(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """The futures account's bills, newest first: fills (``open_long``, ``close_short``...,
    ``force_close_*``: realised PnL and fee), transfers (``trans_from_exchange`` in,
    ``trans_to_exchange`` out), funding (``contract_settle_fee``), liquidation losses
    (``burst_*_loss_query``).  Filters: ``symbol``, ``coin`` (or ``marginCoin``, which
    ccxt's fetch_funding_history sends), ``businessType``."""
    views = views_of(ctx)
    product = product_type(req.params)
    symbol = req.params.text("symbol", required=False)
    if symbol is not None:
        contract(views, symbol, product)
    page = _history_page(views, req, product, symbol)
    if symbol is None:
        page.where["symbol"] = frozenset(page.where["symbol"]) | {""}  # transfers have none
    with views.lock:
        coins = {i.margin_asset for i in views.catalog.of_product(product)}
    for name in ("coin", "marginCoin"):
        coin = req.params.text(name, required=False)
        if coin is not None:
            coins &= {coin.upper()}
    page.where["coin"] = coins
    kind = req.params.text("businessType", required=False)
    if kind is not None:
        page.where["kind"] = {kind}
    found = views.history("bills", req.user, page)
    with views.lock:
        amount = views.catalog.amount_str
        rows = [{"billId": str(b.bill_id), "symbol": b.symbol, "amount": amount(b.coin, b.amount),
                 "fee": amount(b.coin, -b.fee) if b.fee else "0",
                 "feeByCoupon": "", "businessType": b.kind, "coin": b.coin,
                 "cTime": str(b.ts_ns // 1_000_000)} for b in found]
    return {"bills": rows, "endId": rows[-1]["billId"] if rows else None}
