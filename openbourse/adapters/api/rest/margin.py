"""Spot margin (cross and isolated), Bitget v2 ``/api/v2/margin/*``: accounts, loans, history.

Every endpoint exists twice, ``margin/crossed/...`` and ``margin/isolated/...``; the
isolated one names its pair with ``symbol``.  The cross account is ledger account 3; an
isolated pair account has its own number (``MarginPairSet.account``, 1001, 1002, ...).
Balances come from the private views (``BalanceChanged`` covers every account), debts
and history from the product projection, and the figures that depend on the whole state
right now (max borrowable, max transfer-out, risk ratio) from the core's risk functions
run on the sequencer thread.  Orders on margin accounts: ``margin_trade.py``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

from ....core.margin import commands as mc
from ....core.margin import events as me
from ....core.units import from_units
from ...readmodels.margin import (
    CROSS,
    ISOLATED,
    asset_config,
    debt_key,
    pair_config,
)
from ...readmodels.margin import live
from ...readmodels.product_store import ProductProjection, Record
from ...readmodels.products import ProductViews, products_of
from ..errors import ApiError
from ..params import amount_units
from .context import ApiContext, Req, created_id
from .formats import ppm_text
from .queries import page_args
from .registry import Registry

__all__ = [
    "registry", "MODES", "margin_account", "margin_symbol", "history_of", "rate_text",
]

registry = Registry()
route = registry.route

#: URL segment → account type
MODES = {"crossed": CROSS, "isolated": ISOLATED}
_HISTORY = ("startTime", "endTime", "limit", "idLessThan", "coin")


def rate_text(daily_rate: int, days: int = 1) -> str:
    """A daily rate in parts per 10**9 as Bitget's decimal fraction (0.000126279)."""
    return from_units(daily_rate * days, 9).rstrip("0").rstrip(".") or "0"


def history_of(ctx: ApiContext) -> ProductProjection:
    return products_of(ctx.views).history


def margin_symbol(text: Optional[str]) -> Optional[str]:
    """Bitget's symbol id; also takes the unified ``BTC/USDT`` that ccxt passes through
    unchanged in ``fetch_balance({'marginMode': 'isolated', 'symbol': 'BTC/USDT'})``."""
    if text is None or "/" not in text:
        return text
    return text.split(":", 1)[0].replace("/", "").upper()


def margin_account(ctx: ApiContext, req: Req, mode: int, required: bool = True) -> Tuple[int, str]:
    """(ledger account, symbol) of the request: cross → (3, ""); isolated → the pair's."""
    if mode == CROSS:
        return CROSS, ""
    symbol = margin_symbol(req.params.text("symbol", required=required))
    if symbol is None:
        return 0, ""
    ctx.market_info(symbol)
    pair = pair_config(history_of(ctx), symbol)
    if pair is None:
        raise ApiError("33001", f"Margin is not enabled for {symbol}")
    return int(pair[0]), symbol


def _amount(ctx: ApiContext, coin: str, units: int) -> str:
    return from_units(units, ctx.catalog.assets[coin])


def _pairs(h: ProductProjection) -> Dict[str, list]:
    return {k[6:]: v for k, v in h.items("mpair:")}


def _margin_assets(h: ProductProjection) -> Dict[str, list]:
    return {k[7:]: v for k, v in h.items("masset:")}


def _cross_tier(h: ProductProjection) -> Tuple[int, int]:
    found = h.get("mcross")
    return (int(found[0]), int(found[1])) if found else (3, 50_000)


def _debt(h: ProductProjection, user: int, account: int, asset: str) -> Tuple[int, int]:
    found = h.get(debt_key(user, account, asset))
    return (int(found[0]), int(found[1])) if found else (0, 0)


def _account_assets(ctx: ApiContext, account: int, symbol: str) -> List[str]:
    if account == CROSS:
        return [a for a in ctx.catalog.assets if a in _margin_assets(history_of(ctx))]
    market = ctx.catalog.markets[symbol]
    return [market.base, market.quote]


# -- public listing --------------------------------------------------------------------


def margin_currencies_json(ctx: ApiContext) -> List[Dict[str, Any]]:
    """Bitget's ``margin/currencies``: one row per margin-enabled pair (isBorrowable a bool)."""
    views = getattr(ctx.views, "products", None)
    if views is None:
        return []
    h: ProductProjection = views.history
    assets = _margin_assets(h)
    cross_leverage, cross_mmr = _cross_tier(h)
    out = []
    for symbol, pair in sorted(_pairs(h).items()):
        market = ctx.catalog.markets.get(symbol)
        if market is None:
            continue
        _, leverage, mmr, _, _ = pair
        base = assets.get(market.base)
        quote = assets.get(market.quote)
        base_ok = bool(base and base[0])
        quote_ok = bool(quote and quote[0])
        init = 1_000_000 // (leverage - 1)
        call = mmr + max(init - mmr, 0) // 2
        out.append(
            {
                "symbol": symbol,
                "baseCoin": market.base,
                "quoteCoin": market.quote,
                "maxCrossedLeverage": str(cross_leverage),
                "maxIsolatedLeverage": str(leverage),
                # risk ratio = liabilities / assets at the margin-call and liquidation lines
                "warningRiskRatio": _ratio_at(call),
                "liquidationRiskRatio": _ratio_at(mmr),
                "minTradeAmount": market.size_str(market.min_size),
                "maxTradeAmount": market.size_str(market.max_size) if market.max_size else "0",
                "takerFeeRate": ppm_text(market.taker_fee_ppm),
                "makerFeeRate": ppm_text(market.maker_fee_ppm),
                "pricePrecision": str(market.price_precision),
                "quantityPrecision": str(market.quantity_precision),
                "minTradeUSDT": "0",
                "isBorrowable": base_ok or quote_ok,
                "userMinBorrow": _amount(ctx, market.quote, int(quote[3])) if quote else "0",
                "status": "1",
                "isIsolatedBaseBorrowable": base_ok,
                "isIsolatedQuoteBorrowable": quote_ok,
                "isCrossBorrowable": base_ok or quote_ok,
            }
        )
    return out


def _ratio_at(line_ppm: int) -> str:
    """Risk ratio (liabilities / assets) when net = line * liabilities: 1 / (1 + line)."""
    value = Decimal(1_000_000) / Decimal(1_000_000 + line_ppm)
    return str(value.quantize(Decimal("0.0001")))


# -- account ----------------------------------------------------------------------------


def _route_both(
    method: str,
    path: str,
    *,
    family: str,
    permission: str,
    cross_params: Tuple[str, ...] = (),
    isolated_params: Tuple[str, ...] = (),
    cross_required: Tuple[str, ...] = (),
    isolated_required: Tuple[str, ...] = (),
    response: str = "object",
) -> Callable[[Callable[[ApiContext, Req, int], Awaitable[Any]]], Any]:
    """Register ``fn(ctx, req, mode)`` as margin/crossed/<path> and margin/isolated/<path>."""

    def decorate(fn: Callable[[ApiContext, Req, int], Awaitable[Any]]) -> Any:
        for segment, mode in MODES.items():

            def bind(mode: int = mode) -> Callable[[ApiContext, Req], Awaitable[Any]]:
                async def handler(ctx: ApiContext, req: Req) -> Any:
                    return await fn(ctx, req, mode)

                label = "Cross" if mode == CROSS else "Isolated"
                handler.__doc__ = f"{label} margin: {(fn.__doc__ or '').strip()}"
                return handler

            cross = mode == CROSS
            route(
                method,
                f"margin/{segment}/{path}",
                family=family,
                permission=permission,
                params=cross_params if cross else isolated_params,
                required=cross_required if cross else isolated_required,
                response=response,
            )(bind())
        return fn

    return decorate


@_route_both(
    "GET",
    "account/assets",
    family="account",
    permission="read",
    cross_params=("coin",),
    isolated_params=("symbol", "coin"),
    response="list",
)
async def assets(ctx: ApiContext, req: Req, mode: int) -> List[Dict[str, Any]]:
    """balances with debt (borrow, interest), net and what may be transferred out."""
    coin = ctx.coin_param(req.params)
    h = history_of(ctx)
    if mode == CROSS:
        accounts = [(CROSS, "")]
    else:
        account, symbol = margin_account(ctx, req, mode, required=False)
        pairs = _pairs(h)
        accounts = (
            [(account, symbol)] if symbol else [(int(p[0]), s) for s, p in sorted(pairs.items())]
        )
    products = products_of(ctx.views)
    out: List[Dict[str, Any]] = []
    for account, symbol in accounts:
        figures, _ = await products.query(live.account_figures(req.user, account))
        rows = {a: (av, fr, u) for a, av, fr, u in ctx.views.balances(req.user, account)}
        pair_rows = []
        for asset in _account_assets(ctx, account, symbol):
            if coin is not None and asset != coin:
                continue
            available, frozen, u_ms = rows.get(asset, (0, 0, 0))
            principal, interest = _debt(h, req.user, account, asset)
            pair_rows.append((asset, available, frozen, u_ms, principal, interest))
        if mode == CROSS and coin is None:  # only what is held or owed
            pair_rows = [r for r in pair_rows if any(r[1:3]) or any(r[4:])]
        elif mode == ISOLATED and not req.params.has("symbol"):  # only pairs in use
            if not any(any(r[1:3]) or any(r[4:]) for r in pair_rows):
                pair_rows = []
        for asset, available, frozen, u_ms, principal, interest in pair_rows:
            total = available + frozen
            row: Dict[str, Any] = {
                "coin": asset,
                "totalAmount": _amount(ctx, asset, total),
                "available": _amount(ctx, asset, available),
                "frozen": _amount(ctx, asset, frozen),
                "borrow": _amount(ctx, asset, principal),
                "interest": _amount(ctx, asset, interest),
                "net": _signed(ctx, asset, total - principal - interest),
                "transferable": _amount(ctx, asset, figures.get(asset, (0, 0))[0]),
                "coupon": "0",
                "cTime": str(u_ms),
                "uTime": str(u_ms),
            }
            if mode == ISOLATED:
                row = {"symbol": symbol, **row}
            out.append(row)
    return out


def _signed(ctx: ApiContext, asset: str, units: int) -> str:
    return ("-" if units < 0 else "") + _amount(ctx, asset, abs(units))


def _loan_request(ctx: ApiContext, req: Req, mode: int,
                  amount_key: str) -> Tuple[int, str, str, str, int, str]:
    """Borrow and repay read the same things: (account, symbol, coin, amount as sent,
    amount in units, clientOid)."""
    account, symbol = margin_account(ctx, req, mode)
    coin = ctx.coin_param(req.params, required=True)
    assert coin is not None
    text = req.params.decimal(amount_key)
    assert text is not None
    amount = amount_units(amount_key, text, ctx.asset_scale(coin), truncate=False)
    return account, symbol, coin, text, amount, req.params.client_oid()


@_route_both(
    "POST",
    "account/borrow",
    family="trade",
    permission="trade",
    cross_params=("coin", "borrowAmount", "clientOid"),
    isolated_params=("symbol", "coin", "borrowAmount", "clientOid"),
    cross_required=("coin", "borrowAmount"),
    isolated_required=("symbol", "coin", "borrowAmount"),
)
async def borrow(ctx: ApiContext, req: Req, mode: int) -> Dict[str, Any]:
    """borrow from the lending pool into the margin account."""
    account, symbol, coin, text, amount, client_oid = _loan_request(ctx, req, mode,
                                                                    "borrowAmount")
    events = await ctx.execute(mc.Borrow(0, req.user, mode, symbol, coin, amount, client_oid))
    loan_id, _ = created_id(events, me.Borrowed, "loan_id")
    out = {"loanId": str(loan_id), "coin": coin, "borrowAmount": text,
           "clientOid": client_oid or None}
    if mode == ISOLATED:
        out["symbol"] = symbol
    return out


@_route_both(
    "POST",
    "account/repay",
    family="trade",
    permission="trade",
    cross_params=("coin", "repayAmount", "clientOid"),
    isolated_params=("symbol", "coin", "repayAmount", "clientOid"),
    cross_required=("coin", "repayAmount"),
    isolated_required=("symbol", "coin", "repayAmount"),
)
async def repay(ctx: ApiContext, req: Req, mode: int) -> Dict[str, Any]:
    """repay debt in one coin: accrued interest first, then principal."""
    account, symbol, coin, text, amount, client_oid = _loan_request(ctx, req, mode,
                                                                    "repayAmount")
    events = await ctx.execute(mc.Repay(0, req.user, mode, symbol, coin, amount, client_oid))
    repay_id, _ = created_id(events, me.Repaid, "repay_id")
    principal, interest = _debt(history_of(ctx), req.user, account, coin)
    out = {
        "repayId": str(repay_id),
        "coin": coin,
        "repayAmount": text,
        "remainDebtAmount": _amount(ctx, coin, principal + interest),
        "clientOid": client_oid or None,
    }
    if mode == ISOLATED:
        out["symbol"] = symbol
    return out


@_route_both(
    "GET",
    "account/risk-rate",
    family="account",
    permission="read",
    isolated_params=("symbol", "pageNum", "pageSize"),
    response="object",
)
async def risk_rate(ctx: ApiContext, req: Req, mode: int) -> Any:
    """risk ratio = liabilities / assets (liquidation at the pair's liquidationRiskRatio)."""
    if mode == CROSS:
        rows = await products_of(ctx.views).query(live.risk_ratios(req.user, [CROSS]))
        ratio = rows[0][3] if rows else 0
        return {"riskRateRatio": ppm_text(ratio)}
    account, symbol = margin_account(ctx, req, mode, required=False)
    pairs = _pairs(history_of(ctx))
    wanted = {account: symbol} if symbol else {int(p[0]): s for s, p in pairs.items()}
    rows = await products_of(ctx.views).query(live.risk_ratios(req.user, list(wanted)))
    return [
        {"symbol": wanted[acc], "riskRateRatio": ppm_text(ratio)}
        for acc, _, liabilities, ratio in rows
        if symbol or liabilities
    ]


@_route_both(
    "GET",
    "account/max-borrowable-amount",
    family="account",
    permission="read",
    cross_params=("coin",),
    isolated_params=("symbol",),
    cross_required=("coin",),
    isolated_required=("symbol",),
)
async def max_borrowable_amount(ctx: ApiContext, req: Req, mode: int) -> Dict[str, Any]:
    """how much more may be borrowed now (risk metric, tier limit, lending pool)."""
    account, symbol = margin_account(ctx, req, mode)
    products = products_of(ctx.views)
    if mode == CROSS:
        coin = ctx.coin_param(req.params, required=True)
        assert coin is not None
        amount = await products.query(live.max_borrowable(req.user, CROSS, coin))
        return {"coin": coin, "maxBorrowableAmount": _amount(ctx, coin, amount)}
    figures, _ = await products.query(live.account_figures(req.user, account))
    market = ctx.catalog.markets[symbol]
    return {
        "symbol": symbol,
        "baseCoin": market.base,
        "baseCoinMaxBorrowAmount": _amount(ctx, market.base, figures.get(market.base, (0, 0))[1]),
        "quoteCoin": market.quote,
        "quoteCoinMaxBorrowAmount": _amount(
            ctx, market.quote, figures.get(market.quote, (0, 0))[1]
        ),
    }


@_route_both(
    "GET",
    "account/max-transfer-out-amount",
    family="account",
    permission="read",
    cross_params=("coin",),
    isolated_params=("symbol",),
    cross_required=("coin",),
    isolated_required=("symbol",),
)
async def max_transfer_out(ctx: ApiContext, req: Req, mode: int) -> Dict[str, Any]:
    """how much may leave the account now without crossing its margin-call line."""
    account, symbol = margin_account(ctx, req, mode)
    figures, _ = await products_of(ctx.views).query(live.account_figures(req.user, account))
    if mode == CROSS:
        coin = ctx.coin_param(req.params, required=True)
        assert coin is not None
        amount = figures.get(coin, (0, 0))[0]
        return {"coin": coin, "maxTransferOutAmount": _amount(ctx, coin, amount)}
    market = ctx.catalog.markets[symbol]
    return {
        "symbol": symbol,
        "baseCoin": market.base,
        "baseCoinMaxTransferOutAmount": _amount(
            ctx, market.base, figures.get(market.base, (0, 0))[0]
        ),
        "quoteCoin": market.quote,
        "quoteCoinMaxTransferOutAmount": _amount(
            ctx, market.quote, figures.get(market.quote, (0, 0))[0]
        ),
    }


def _coin_rate(ctx: ApiContext, coin: str, cfg: Optional[list], limit: int) -> Dict[str, Any]:
    daily = int(cfg[1]) if cfg else 0
    return {
        "borrowable": bool(cfg and cfg[0]),
        "dailyInterestRate": rate_text(daily),
        "annualInterestRate": rate_text(daily, 365),
        "maxBorrowableAmount": _amount(ctx, coin, limit),
    }


@_route_both(
    "GET",
    "interest-rate-and-limit",
    family="account",
    permission="read",
    cross_params=("coin",),
    isolated_params=("symbol",),
    cross_required=("coin",),
    isolated_required=("symbol",),
    response="list",
)
async def interest_rate_and_limit(ctx: ApiContext, req: Req, mode: int) -> List[Dict[str, Any]]:
    """daily and annual interest rate of a coin (or a pair's two coins) and the tier limit."""
    h = history_of(ctx)
    if mode == CROSS:
        coin = ctx.coin_param(req.params, required=True)
        assert coin is not None
        cfg = asset_config(h, coin)
        if cfg is None:
            raise ApiError("33001", f"Margin is not enabled for {coin}")
        rate = _coin_rate(ctx, coin, cfg, int(cfg[2]))
        return [
            {
                "coin": coin,
                "leverage": str(_cross_tier(h)[0]),
                "transferable": True,
                **rate,
                "vipList": [],
            }
        ]
    account, symbol = margin_account(ctx, req, mode)
    pair = pair_config(h, symbol)
    assert pair is not None
    market = ctx.catalog.markets[symbol]
    base = _coin_rate(ctx, market.base, asset_config(h, market.base), int(pair[3]))
    quote = _coin_rate(ctx, market.quote, asset_config(h, market.quote), int(pair[4]))
    return [
        {
            "symbol": symbol,
            "leverage": str(pair[1]),
            "baseCoin": market.base,
            "baseTransferable": True,
            "baseBorrowable": base["borrowable"],
            "baseDailyInterestRate": base["dailyInterestRate"],
            "baseAnnuallyInterestRate": base["annualInterestRate"],
            "baseMaxBorrowableAmount": base["maxBorrowableAmount"],
            "baseVipList": [],
            "quoteCoin": market.quote,
            "quoteTransferable": True,
            "quoteBorrowable": quote["borrowable"],
            "quoteDailyInterestRate": quote["dailyInterestRate"],
            "quoteAnnuallyInterestRate": quote["annualInterestRate"],
            "quoteMaxBorrowableAmount": quote["maxBorrowableAmount"],
            "quoteList": [],
        }
    ]


@_route_both(
    "GET",
    "tier-data",
    family="account",
    permission="read",
    cross_params=("coin",),
    isolated_params=("symbol",),
    cross_required=("coin",),
    isolated_required=("symbol",),
    response="list",
)
async def tier_data(ctx: ApiContext, req: Req, mode: int) -> List[Dict[str, Any]]:
    """the (single) tier: leverage, borrow limit, maintenance margin rate."""
    h = history_of(ctx)
    if mode == CROSS:
        coin = ctx.coin_param(req.params, required=True)
        assert coin is not None
        cfg = asset_config(h, coin)
        if cfg is None:
            raise ApiError("33001", f"Margin is not enabled for {coin}")
        leverage, mmr = _cross_tier(h)
        return [
            {
                "tier": "1",
                "leverage": str(leverage),
                "coin": coin,
                "maxBorrowableAmount": _amount(ctx, coin, int(cfg[2])),
                "maintainMarginRate": ppm_text(mmr),
            }
        ]
    _, symbol = margin_account(ctx, req, mode)
    pair = pair_config(h, symbol)
    assert pair is not None
    market = ctx.catalog.markets[symbol]
    return [
        {
            "tier": "1",
            "symbol": symbol,
            "leverage": str(pair[1]),
            "baseCoin": market.base,
            "quoteCoin": market.quote,
            "baseMaxBorrowableAmount": _amount(ctx, market.base, int(pair[3])),
            "quoteMaxBorrowableAmount": _amount(ctx, market.quote, int(pair[4])),
            "maintainMarginRate": ppm_text(int(pair[2])),
            "initRate": ppm_text(1_000_000 // (int(pair[1]) - 1)),
        }
    ]


# -- history ----------------------------------------------------------------------------


def _history(
    ctx: ApiContext, req: Req, mode: int, kind: str, id_key: Optional[str] = None
) -> Tuple[List[Record], bool]:
    account, symbol = margin_account(ctx, req, mode)
    coin = ctx.coin_param(req.params)
    start, end, id_lt = page_args(req.params)
    limit = req.params.limit(100, 500)
    wanted_id = req.params.integer(id_key) if id_key and req.params.has(id_key) else None
    rows = history_of(ctx).records(kind, req.user, coin, None, start, end, id_lt, 10_000)
    rows = [
        r
        for r in rows
        if r.get("account_type") == mode
        and (mode == CROSS or r["symbol"] == symbol)
        and (wanted_id is None or r.rid == wanted_id)
    ][:limit]
    return rows, mode == ISOLATED


def _page(rows: List[Dict[str, Any]], id_key: str) -> Dict[str, Any]:
    ids = [int(r[id_key]) for r in rows]
    return {
        "resultList": rows,
        "maxId": str(max(ids)) if ids else "",
        "minId": str(min(ids)) if ids else "",
    }


_ISO = ("symbol",)


@_route_both(
    "GET",
    "borrow-history",
    family="query",
    permission="read",
    cross_params=_HISTORY + ("loanId",),
    isolated_params=_HISTORY + ("loanId",) + _ISO,
    isolated_required=_ISO,
)
async def borrow_history(ctx: ApiContext, req: Req, mode: int) -> Dict[str, Any]:
    """loans taken (manual and auto-borrow of orders), newest first."""
    rows, isolated = _history(ctx, req, mode, "borrow", "loanId")
    out = []
    for r in rows:
        row = {
            "loanId": str(r.rid),
            "coin": r["coin"],
            "borrowAmount": _amount(ctx, r["coin"], r["amount"]),
            "borrowType": "auto_borrow" if r["auto"] else "manual_borrow",
            "cTime": str(r["ts_ms"]),
            "uTime": str(r["ts_ms"]),
        }
        if isolated:
            row["symbol"] = r["symbol"]
        out.append(row)
    return _page(out, "loanId")


_REPAY_TYPES = {
    me.RepayReason.MANUAL: "manual_repay",
    me.RepayReason.AUTO_REPAY: "auto_repay",
    me.RepayReason.LIQUIDATION: "liq_repay",
    me.RepayReason.INSURANCE: "insurance_repay",
}


@_route_both(
    "GET",
    "repay-history",
    family="query",
    permission="read",
    cross_params=_HISTORY + ("repayId",),
    isolated_params=_HISTORY + ("repayId",) + _ISO,
    isolated_required=_ISO,
)
async def repay_history(ctx: ApiContext, req: Req, mode: int) -> Dict[str, Any]:
    """repayments (interest part and principal part), newest first."""
    rows, isolated = _history(ctx, req, mode, "repay", "repayId")
    out = []
    for r in rows:
        coin = r["coin"]
        row = {
            "repayId": str(r.rid),
            "coin": coin,
            "repayAmount": _amount(ctx, coin, r["amount"]),
            "repayType": _REPAY_TYPES.get(r["reason"], "manual_repay"),
            "repayInterest": _amount(ctx, coin, r["interest_part"]),
            "repayPrincipal": _amount(ctx, coin, r["principal_part"]),
            "cTime": str(r["ts_ms"]),
            "uTime": str(r["ts_ms"]),
        }
        if isolated:
            row["symbol"] = r["symbol"]
        out.append(row)
    return _page(out, "repayId")


@_route_both(
    "GET",
    "interest-history",
    family="query",
    permission="read",
    cross_params=_HISTORY,
    isolated_params=_HISTORY + _ISO,
    isolated_required=_ISO,
)
async def interest_history(ctx: ApiContext, req: Req, mode: int) -> Dict[str, Any]:
    """hourly interest charges (the started hour is charged at borrow time), newest first."""
    rows, isolated = _history(ctx, req, mode, "interest")
    out = []
    for r in rows:
        coin = r["coin"]
        row = {
            "interestId": str(r.rid),
            "interestCoin": coin,
            "loanCoin": coin,
            "dailyInterestRate": rate_text(r["daily_rate"]),
            "interestAmount": _amount(ctx, coin, r["amount"]),
            "interstType": "first" if r["hours"] == 1 else "scheduled",
            "cTime": str(r["ts_ms"]),
            "uTime": str(r["ts_ms"]),
        }
        if isolated:  # ccxt: a row with a symbol is isolated interest
            row["symbol"] = r["symbol"]
        out.append(row)
    return _page(out, "interestId")


@_route_both(
    "GET",
    "liquidation-history",
    family="query",
    permission="read",
    cross_params=("startTime", "endTime", "limit", "idLessThan"),
    isolated_params=("startTime", "endTime", "limit", "idLessThan") + _ISO,
)
async def liquidation_history(ctx: ApiContext, req: Req, mode: int) -> Dict[str, Any]:
    """liquidations of the account: risk ratio, assets and debt when it started."""
    if mode == ISOLATED and not req.params.has("symbol"):
        start, end, id_lt = page_args(req.params)
        limit = req.params.limit(100, 500)
        rows = [
            r
            for r in history_of(ctx).records(
                "liquidation", req.user, None, None, start, end, id_lt, 10_000
            )
            if r["account_type"] == ISOLATED
        ][:limit]
    else:
        rows, _ = _history(ctx, req, mode, "liquidation")
    out = []
    for r in rows:
        valuation = "USDT" if mode == CROSS else ctx.catalog.markets[r["symbol"]].quote
        out.append(
            {
                "liqId": str(r.rid),
                "symbol": r["symbol"] or None,
                "liqStartTime": str(r["start_ms"]),
                "liqEndTime": str(r["end_ms"] or ""),
                "liqRiskRatio": ppm_text(r["risk_ratio_ppm"]),
                "totalAssets": _amount(ctx, valuation, r["assets_value"]),
                "totalDebt": _amount(ctx, valuation, r["liabilities_value"]),
                # the taker fees its orders paid (the liquidation fee), valued like the rest
                "liqFee": _amount(ctx, valuation, int(r.get("fee", 0))),
                "cTime": str(r["start_ms"]),
                "uTime": str(r.get("u_ms", r["start_ms"])),
            }
        )
    return _page(out, "liqId")


def isolated_symbol_of(ctx: ApiContext, account: int) -> Optional[str]:
    """The pair of an isolated ledger account number (None for other accounts)."""
    views: Optional[ProductViews] = getattr(ctx.views, "products", None)
    if views is None:
        return None
    return views.history.get(f"macct:{account}")

