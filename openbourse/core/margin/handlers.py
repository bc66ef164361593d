"""Margin command handlers: configuration, pool funding, borrow, repay, margin orders.

Each validates everything first (first failing rule wins, in the order of the code's
declaration) and mutates after, so a rejected command changes nothing.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..commands import PlaceOrder
from ..context import Context
from ..enums import AccountType, Side, SystemOwner
from ..events import Duplicate, Rejected
from ..ledger.ledger import AVAILABLE
from ..reject import RejectCode
from ..spot.orders import ORDER_OID, execute
from ..spot.plans_flow import settle_followups
from ..spot.validation import check_order
from ..units import AMOUNT_MAX
from .commands import (
    Borrow,
    FundLendingPool,
    FundMarginInsurance,
    LoanType,
    PlaceMarginOrder,
    Repay,
    SetCrossMargin,
    SetMarginAsset,
    SetMarginPair,
)
from .events import CrossMarginSet, MarginAssetSet, MarginPairSet, MarginTransferCode, RepayReason
from .loans import accrue, borrow, hourly_interest, posted, repay
from .risk import account_assets, max_borrowable, price_of
from .state import CROSS, HOUR_NS, ISOLATED, PPM, AssetCfg, MarginState, PairCfg

if TYPE_CHECKING:
    from ..engine.state import EngineState

__all__ = ["HANDLERS", "auto_repay", "margin_state", "resolve_account"]

_EXTERNAL = int(SystemOwner.EXTERNAL)
_SYSTEM = int(AccountType.SYSTEM)
_BUY = int(Side.BUY)


def margin_state(state: EngineState) -> MarginState:
    return state.products["margin"]  # type: ignore[no-any-return]


def _reject(ctx: Context, name: str, user: int, code: RejectCode, ref: str = "") -> None:
    ctx.emit(Rejected, name, user, int(code), ref)


def resolve_account(state: EngineState, ms: MarginState, account_type: int,
                    symbol: str) -> tuple[RejectCode | None, int]:
    """(code, 0) or (None, ledger account) of a margin account named as (type, symbol)."""
    if account_type == CROSS:
        return None, CROSS
    if account_type != ISOLATED:
        return RejectCode.ACCOUNT_TYPE_NOT_ALLOWED, 0
    if symbol not in state.markets:
        return RejectCode.UNKNOWN_SYMBOL, 0
    pair = ms.pairs.get(symbol)
    if pair is None:
        return RejectCode.MARGIN_NOT_ENABLED, 0
    return None, pair.account


# ---------------------------------------------------------------- operator commands
def set_margin_asset(state: EngineState, ctx: Context, cmd: SetMarginAsset) -> None:
    ms = margin_state(state)
    if cmd.borrowable not in (0, 1) or not 0 <= cmd.daily_rate <= RATE_MAX or \
            not 0 <= cmd.cross_max_borrow <= AMOUNT_MAX or not 0 <= cmd.min_borrow <= AMOUNT_MAX:
        _reject(ctx, "SetMarginAsset", 0, RejectCode.INVALID_ARGUMENT, cmd.asset)
        return
    if cmd.asset not in state.assets:
        _reject(ctx, "SetMarginAsset", 0, RejectCode.UNKNOWN_ASSET, cmd.asset)
        return
    # hours already started keep their charge; the new rate applies from the next hour
    for key in sorted(k for k in ms.loans if k[2] == cmd.asset):
        accrue(state, ctx, ms, key, ms.loans[key])
    ms.assets[cmd.asset] = AssetCfg(cmd.borrowable, cmd.daily_rate, cmd.cross_max_borrow,
                                    cmd.min_borrow)
    ctx.emit(MarginAssetSet, *cmd[1:])


RATE_MAX = 100_000_000  # 10 % a day


def set_margin_pair(state: EngineState, ctx: Context, cmd: SetMarginPair) -> None:
    ms = margin_state(state)
    if not 2 <= cmd.max_leverage <= 125 or not 0 < cmd.mmr_ppm < PPM // (cmd.max_leverage - 1) \
            or not 0 <= cmd.base_max_borrow <= AMOUNT_MAX \
            or not 0 <= cmd.quote_max_borrow <= AMOUNT_MAX:
        _reject(ctx, "SetMarginPair", 0, RejectCode.INVALID_ARGUMENT, cmd.symbol)
        return
    market = state.markets.get(cmd.symbol)
    if market is None:
        _reject(ctx, "SetMarginPair", 0, RejectCode.UNKNOWN_SYMBOL, cmd.symbol)
        return
    if market.base not in ms.assets or market.quote not in ms.assets:
        _reject(ctx, "SetMarginPair", 0, RejectCode.MARGIN_NOT_ENABLED, cmd.symbol)
        return
    old = ms.pairs.get(cmd.symbol)
    if old is None:
        account = ms.next_account
        ms.next_account = account + 1
        ms.account_pair[account] = cmd.symbol
    else:
        account = old.account
    ms.pairs[cmd.symbol] = PairCfg(account, cmd.max_leverage, cmd.mmr_ppm, cmd.base_max_borrow,
                                   cmd.quote_max_borrow)
    ctx.emit(MarginPairSet, cmd.symbol, account, cmd.max_leverage, cmd.mmr_ppm,
             cmd.base_max_borrow, cmd.quote_max_borrow)


def set_cross_margin(state: EngineState, ctx: Context, cmd: SetCrossMargin) -> None:
    if not 2 <= cmd.max_leverage <= 125 or not 0 < cmd.mmr_ppm < PPM // (cmd.max_leverage - 1):
        _reject(ctx, "SetCrossMargin", 0, RejectCode.INVALID_ARGUMENT)
        return
    margin_state(state).cross = (cmd.max_leverage, cmd.mmr_ppm)
    ctx.emit(CrossMarginSet, cmd.max_leverage, cmd.mmr_ppm)


def _fund(state: EngineState, ctx: Context, cmd: Any, name: str, owner: SystemOwner,
          code: MarginTransferCode) -> None:
    ms = margin_state(state)
    if not cmd.ref or not 0 < cmd.amount <= AMOUNT_MAX:
        _reject(ctx, name, 0, RejectCode.INVALID_ARGUMENT, cmd.ref)
        return
    if cmd.asset not in state.assets:
        _reject(ctx, name, 0, RejectCode.UNKNOWN_ASSET, cmd.ref)
        return
    key = (0, name + ":" + cmd.ref)
    seen = ms.refs.get(key)
    if seen is not None:
        if seen == (cmd[1:], 0):
            ctx.emit(Duplicate, name, 0, cmd.ref, 0)
        else:
            _reject(ctx, name, 0, RejectCode.DUPLICATE_DIFFERENT, cmd.ref)
        return
    ms.refs[key] = (cmd[1:], 0)
    ledger = state.ledger
    world = ledger.system(SystemOwner.EXTERNAL, cmd.asset)
    target = ledger.system(owner, cmd.asset)
    ledger.post([(world, AVAILABLE, target, AVAILABLE, cmd.amount)])
    posted(state, ctx, code, world, target, cmd.amount, cmd.ref)
    if owner == SystemOwner.LENDING_POOL:
        ms.pool.setdefault(cmd.asset, [0, 0, 0])[0] += cmd.amount


def fund_lending_pool(state: EngineState, ctx: Context, cmd: FundLendingPool) -> None:
    _fund(state, ctx, cmd, "FundLendingPool", SystemOwner.LENDING_POOL,
          MarginTransferCode.POOL_FUNDING)


def fund_margin_insurance(state: EngineState, ctx: Context, cmd: FundMarginInsurance) -> None:
    _fund(state, ctx, cmd, "FundMarginInsurance", SystemOwner.MARGIN_INSURANCE,
          MarginTransferCode.INSURANCE_FUNDING)


# ---------------------------------------------------------------- borrow and repay
def _idempotent(ms: MarginState, ctx: Context, name: str,
                cmd: Any) -> tuple[bool, RejectCode | None]:
    """(answered, code): a repeated ref is a Duplicate (same payload) or a reject."""
    if cmd.ref == "":
        return False, None
    seen = ms.refs.get((cmd.user, name + ":" + cmd.ref))
    if seen is None:
        return False, None
    if seen[0] == cmd[1:]:
        ctx.emit(Duplicate, name, cmd.user, cmd.ref, seen[1])
        return True, None
    return False, RejectCode.DUPLICATE_DIFFERENT


def _common(state: EngineState, ms: MarginState, cmd: Any) -> tuple[RejectCode | None, int]:
    if cmd.user <= 0 or len(cmd.ref) > 64:
        return RejectCode.INVALID_ARGUMENT, 0
    if not 0 < cmd.amount <= AMOUNT_MAX:
        return RejectCode.AMOUNT_OUT_OF_RANGE, 0
    if cmd.asset not in state.assets:
        return RejectCode.UNKNOWN_ASSET, 0
    code, account = resolve_account(state, ms, cmd.account_type, cmd.symbol)
    if code is not None:
        return code, 0
    if cmd.asset not in ms.assets or cmd.asset not in account_assets(state, ms, account):
        return RejectCode.ASSET_NOT_IN_ACCOUNT, 0
    return None, account


def borrow_check(state: EngineState, ms: MarginState, user: int, account: int, asset: str,
                 amount: int, minimum: bool = True) -> RejectCode | None:
    cfg = ms.assets[asset]
    if not cfg.borrowable:
        return RejectCode.MARGIN_NOT_ENABLED
    if minimum and amount < cfg.min_borrow:
        return RejectCode.BORROW_TOO_SMALL
    if price_of(state, ms, account, asset) is None:
        return RejectCode.NO_PRICE
    pool = state.ledger.balances.get((int(SystemOwner.LENDING_POOL), _SYSTEM, asset))
    if pool is None or pool.available < amount:
        return RejectCode.LENDING_POOL_EXHAUSTED
    if amount > max_borrowable(state, ms, user, account, asset):
        return RejectCode.BORROW_LIMIT_EXCEEDED
    return None


def borrow_handler(state: EngineState, ctx: Context, cmd: Borrow) -> None:
    ms = margin_state(state)
    code, account = _common(state, ms, cmd)
    if code is None:
        answered, code = _idempotent(ms, ctx, "Borrow", cmd)
        if answered:
            return
    if code is None:
        code = borrow_check(state, ms, cmd.user, account, cmd.asset, cmd.amount)
    if code is not None:
        _reject(ctx, "Borrow", cmd.user, code, cmd.ref)
        return
    loan_id = ms.next_loan_id
    borrow(state, ctx, ms, cmd.user, account, cmd.asset, cmd.amount, 0, cmd.ref)
    if cmd.ref:
        ms.refs[(cmd.user, "Borrow:" + cmd.ref)] = (cmd[1:], loan_id)


def repay_handler(state: EngineState, ctx: Context, cmd: Repay) -> None:
    ms = margin_state(state)
    code, account = _common(state, ms, cmd)
    if code is None:
        answered, code = _idempotent(ms, ctx, "Repay", cmd)
        if answered:
            return
    if code is None:
        loan = ms.loans.get((cmd.user, account, cmd.asset))
        owed = 0
        if loan is not None:
            owed = loan.principal + loan.interest
            hour = ctx.ts // HOUR_NS
            if hour > loan.hour and loan.principal:  # an hour started since the last charge
                owed += hourly_interest(loan.principal, ms.assets[cmd.asset].daily_rate,
                                        hour - loan.hour)
        if cmd.amount > owed:
            code = RejectCode.REPAY_EXCEEDS_DEBT
    if code is None:
        balance = state.ledger.balances.get((cmd.user, account, cmd.asset))
        if balance is None or balance.available < cmd.amount:
            code = RejectCode.INSUFFICIENT_BALANCE
    if code is not None:
        _reject(ctx, "Repay", cmd.user, code, cmd.ref)
        return
    key = (cmd.user, account, cmd.asset)
    accrue(state, ctx, ms, key, ms.loans[key])
    repay_id = ms.next_repay_id
    repay(state, ctx, ms, cmd.user, account, cmd.asset, cmd.amount, int(RepayReason.MANUAL),
          cmd.ref)
    if cmd.ref:
        ms.refs[(cmd.user, "Repay:" + cmd.ref)] = (cmd[1:], repay_id)


# ---------------------------------------------------------------- margin orders
def auto_repay(state: EngineState, ctx: Context, ms: MarginState, user: int, account: int,
               asset: str) -> None:
    """Repay debt in ``asset`` from the account's available ``asset`` (autoRepay)."""
    key = (user, account, asset)
    loan = ms.loans.get(key)
    if loan is None:
        return
    accrue(state, ctx, ms, key, loan)
    balance = state.ledger.balances.get(key)
    if balance is not None and balance.available > 0:
        repay(state, ctx, ms, user, account, asset, balance.available,
              int(RepayReason.AUTO_REPAY), "")


def place_margin_order(state: EngineState, ctx: Context, cmd: PlaceMarginOrder) -> None:
    name = "PlaceMarginOrder"
    ms = margin_state(state)
    oid = cmd.client_oid
    if cmd.user <= 0 or not 0 <= cmd.loan_type <= int(LoanType.AUTO_LOAN_AND_REPAY):
        _reject(ctx, name, cmd.user, RejectCode.INVALID_ARGUMENT, oid)
        return
    place = PlaceOrder(ctx.ts, cmd.user, cmd.symbol, cmd.side, cmd.order_type, cmd.force,
                       cmd.price, cmd.size, cmd.quote_size, cmd.client_oid, cmd.stp)
    if oid:
        entry = state.client_oids.get((ORDER_OID, cmd.user, oid))
        if entry is not None:
            if entry[1] == place[1:]:
                ctx.emit(Duplicate, name, cmd.user, oid, entry[0])
            else:
                _reject(ctx, name, cmd.user, RejectCode.DUPLICATE_DIFFERENT, oid)
            return
    code, account = resolve_account(state, ms, cmd.account_type, cmd.symbol)
    if code is None and cmd.symbol not in ms.pairs:
        code = RejectCode.UNKNOWN_SYMBOL if cmd.symbol not in state.markets \
            else RejectCode.MARGIN_NOT_ENABLED
    hold = 0
    if code is None:
        code, hold = check_order(state, place, check_funds=False)
    shortfall = 0
    market = state.markets.get(cmd.symbol)
    if code is None:
        spend = market.quote if cmd.side == _BUY else market.base
        balance = state.ledger.balances.get((cmd.user, account, spend))
        available = balance.available if balance is not None else 0
        if available < hold:
            shortfall = hold - available
            if cmd.loan_type not in (int(LoanType.AUTO_LOAN), int(LoanType.AUTO_LOAN_AND_REPAY)):
                code = RejectCode.INSUFFICIENT_BALANCE
            else:
                code = borrow_check(state, ms, cmd.user, account, spend, shortfall, minimum=False)
    if code is not None:
        _reject(ctx, name, cmd.user, code, oid)
        return
    if shortfall:
        borrow(state, ctx, ms, cmd.user, account, spend, shortfall, 1, oid)
    order = execute(state, ctx, market, place, hold, account=account)
    triggers = state.triggers[cmd.symbol]
    if ctx.followups or triggers.rising or triggers.falling:
        settle_followups(state, ctx, market)
    if cmd.loan_type in (int(LoanType.AUTO_REPAY), int(LoanType.AUTO_LOAN_AND_REPAY)):
        received = market.base if cmd.side == _BUY else market.quote
        auto_repay(state, ctx, ms, cmd.user, account, received)
        if order.order_id in state.orders:  # still resting: repay later fills on ticks
            ms.auto_repay[order.order_id] = (cmd.user, account, received)


HANDLERS = {
    SetMarginAsset: set_margin_asset,
    SetMarginPair: set_margin_pair,
    SetCrossMargin: set_cross_margin,
    FundLendingPool: fund_lending_pool,
    FundMarginInsurance: fund_margin_insurance,
    Borrow: borrow_handler,
    Repay: repay_handler,
    PlaceMarginOrder: place_margin_order,
}
