"""Time-driven margin work (``on_tick``): interest, auto-repay, margin calls, liquidation.

Liquidation (products.md §2.6, docs/margin.md) of an account at or below its
liquidation line, in one command (so the account is "locked" by construction):

1. cancel the account's open orders (``CloseReason.LIQUIDATION``);
2. repay every debt from the account's own balance of that asset (interest first);
3. sell every non-hub asset without debt into its hub market (market sells), repay the hub
   debt; buy every remaining non-hub debt with the hub asset (IOC limit buys sized from
   the book walk, taker fee included), repay it.  Hub: the pair's quote asset (isolated)
   or USDT (cross).  All orders are ordinary spot orders of the margin account, so they
   pay the taker fee (the liquidation fee, products.md §A.2);
4. if debt is still owed (negative equity or no liquidity), whatever the account still
   holds passes to the margin insurance fund, which pays the debt in that asset as far
   as its balance allows; the lending pool writes off the rest (principal; unpaid
   interest is forgiven).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..commands import PlaceOrder
from ..context import Context
from ..enums import AccountType, CloseReason, Force, OrderStatus, OrderType, Side, SystemOwner
from ..ledger.ledger import AVAILABLE
from ..markets import Market, fee_rates
from ..spot.orders import close_order, execute
from ..spot.plans_flow import settle_followups
from ..spot.validation import band_limits, check_order
from ..units import div_ceil
from .events import (
    LiquidationFinished,
    LiquidationStarted,
    MarginCall,
    MarginTransferCode,
    RepayReason,
)
from .handlers import auto_repay, margin_state
from .loans import accrue, kind, posted, repay
from .risk import below, hub_asset, hub_market, lines, risk_ratio_ppm, view
from .state import HOUR_NS, PPM, MarginState

if TYPE_CHECKING:
    from ..engine.state import EngineState

__all__ = ["check_accounts", "liquidate", "on_tick"]

_INSURANCE = int(SystemOwner.MARGIN_INSURANCE)
_SYSTEM = int(AccountType.SYSTEM)
_LIQ = int(RepayReason.LIQUIDATION)


def on_tick(state: EngineState, ctx: Context) -> None:
    ms = margin_state(state)
    hour = ctx.ts // HOUR_NS
    if hour != ms.last_hour:
        ms.last_hour = hour
        for key in sorted(ms.loans):
            accrue(state, ctx, ms, key, ms.loans[key])
    if ms.auto_repay:
        for order_id in sorted(ms.auto_repay):
            user, account, asset = ms.auto_repay[order_id]
            auto_repay(state, ctx, ms, user, account, asset)
            if order_id not in state.orders:
                del ms.auto_repay[order_id]
    check_accounts(state, ctx)


def check_accounts(state: EngineState, ctx: Context) -> None:
    """Margin calls and liquidations of every account with debt, in (user, account) order.

    Each account is judged at the prices left by the liquidations before it."""
    ms = margin_state(state)
    accounts = sorted({(user, account) for user, account, _ in ms.loans})
    for user, account in accounts:
        v = view(state, ms, user, account)
        line = lines(ms, account)
        account_type, symbol = kind(ms, account)
        if below(v, line.mmr):
            ms.called.pop((user, account), None)
            liquidate(state, ctx, ms, user, account)
        elif below(v, line.call):
            if (user, account) not in ms.called:
                ms.called[(user, account)] = 1
                ctx.emit(MarginCall, user, account_type, symbol, account, v.assets,
                         v.liabilities, risk_ratio_ppm(v))
        else:
            ms.called.pop((user, account), None)
    owing = set(accounts)
    for key in [k for k in ms.called if k not in owing]:
        del ms.called[key]


def _available(state: EngineState, user: int, account: int, asset: str) -> int:
    balance = state.ledger.balances.get((user, account, asset))
    return balance.available if balance is not None else 0


def _owed(ms: MarginState, user: int, account: int, asset: str) -> int:
    loan = ms.loans.get((user, account, asset))
    return loan.principal + loan.interest if loan is not None else 0


def _repay_own(state: EngineState, ctx: Context, ms: MarginState, user: int, account: int,
               asset: str) -> None:
    amount = min(_available(state, user, account, asset), _owed(ms, user, account, asset))
    if amount > 0:
        repay(state, ctx, ms, user, account, asset, amount, _LIQ, "")


def _taker_fee(state: EngineState, market: Market, user: int) -> int:
    return fee_rates(state.user_fees, user, market)[1]


def _place(state: EngineState, ctx: Context, market: Market, user: int, account: int,
           side: int, order_type: int, force: int, price: int, size: int,
           quote_size: int) -> bool:
    cmd = PlaceOrder(ctx.ts, user, market.symbol, side, order_type, force, price, size,
                     quote_size)
    code, hold = check_order(state, cmd, account=account)
    if code is not None:
        return False
    execute(state, ctx, market, cmd, hold, account=account)
    return True


def _sell_all(state: EngineState, ctx: Context, market: Market, user: int,
              account: int) -> None:
    available = _available(state, user, account, market.base)
    size = available // market.base_per_size // market.lot * market.lot
    if size >= max(market.min_size, 1):
        _place(state, ctx, market, user, account, int(Side.SELL), int(OrderType.MARKET),
               int(Force.GTC), 0, min(size, market.max_size), 0)


def _buy(state: EngineState, ctx: Context, market: Market, user: int, account: int,
         need: int) -> None:
    """Buy at least ``need`` base minor units (after the taker fee) with the hub asset."""
    fee = _taker_fee(state, market, user)
    gross = div_ceil(need * PPM, PPM - fee) if fee < PPM else need
    size = div_ceil(div_ceil(gross, market.base_per_size), market.lot) * market.lot
    size = max(size, market.min_size)
    asks = state.books[market.symbol].asks
    high, _ = band_limits(market)
    worst, left = 0, size
    for key in asks.keys:
        if key > high or left <= 0:
            break
        worst = key
        left -= asks.levels[key].total
    if not worst:
        return
    budget = _available(state, user, account, market.quote)
    unit = worst * market.quote_per_price_size
    if size * unit > budget:
        size = budget // unit // market.lot * market.lot
    if size >= max(market.min_size, 1):
        _place(state, ctx, market, user, account, int(Side.BUY), int(OrderType.LIMIT),
               int(Force.IOC), worst, min(size, market.max_size), 0)


def liquidate(state: EngineState, ctx: Context, ms: MarginState, user: int,
              account: int) -> None:
    v = view(state, ms, user, account)
    account_type, symbol = kind(ms, account)
    liquidation_id = ms.next_liquidation_id
    ms.next_liquidation_id = liquidation_id + 1
    ctx.emit(LiquidationStarted, liquidation_id, user, account_type, symbol, account, v.assets,
             v.liabilities, risk_ratio_ppm(v))
    markets: dict[str, Market] = {}
    # 1. cancel the account's orders
    for order in [o for o in state.orders.values()
                  if o.user == user and o.base_balance.account == account]:
        market = state.markets[order.symbol]
        markets[market.symbol] = market
        close_order(state, ctx, market, order, int(OrderStatus.CANCELLED),
                    int(CloseReason.LIQUIDATION))
        ms.auto_repay.pop(order.order_id, None)
    hub = hub_asset(state, ms, account)
    assets = sorted(set(v.held) | set(v.owed))
    # 2. repay from own balances
    for asset in assets:
        _repay_own(state, ctx, ms, user, account, asset)
    # 3. sell what is not owed into the hub, repay the hub, buy the rest of the debts
    for asset in assets:
        if asset != hub and not _owed(ms, user, account, asset):
            market = hub_market(state, ms, account, asset)
            if market is not None and market.status == 0:
                markets[market.symbol] = market
                _sell_all(state, ctx, market, user, account)
    _repay_own(state, ctx, ms, user, account, hub)
    for asset in assets:
        need = _owed(ms, user, account, asset) - _available(state, user, account, asset)
        if asset != hub and need > 0:
            market = hub_market(state, ms, account, asset)
            if market is not None and market.status == 0:
                markets[market.symbol] = market
                _buy(state, ctx, market, user, account, need)
        if asset != hub:
            _repay_own(state, ctx, ms, user, account, asset)
    # 4. deficit: takeover, insurance, write-off
    remaining = [a for a in sorted(ms.assets) if _owed(ms, user, account, a)]
    if remaining:
        ledger = state.ledger
        for asset in sorted(v.held.keys() | set(remaining)):
            balance = ledger.balances.get((user, account, asset))
            if balance is not None and balance.available:
                fund = ledger.balance(_INSURANCE, _SYSTEM, asset)
                amount = balance.available
                ledger.post([(balance, AVAILABLE, fund, AVAILABLE, amount)])
                posted(state, ctx, MarginTransferCode.LIQUIDATION_TAKEOVER, balance, fund,
                       amount, "")
        for asset in remaining:
            deficit = _owed(ms, user, account, asset)
            fund = ledger.balance(_INSURANCE, _SYSTEM, asset)
            covered = 0
            if fund.available:
                covered = repay(state, ctx, ms, user, account, asset,
                                min(fund.available, deficit), int(RepayReason.INSURANCE), "",
                                payer=fund)
            written_off = deficit - covered
            loan = ms.loans.pop((user, account, asset), None)
            if loan is not None:
                ms.pool.setdefault(asset, [0, 0, 0])[2] += loan.principal
            ctx.emit(LiquidationFinished, liquidation_id, user, account_type, symbol, account,
                     asset, deficit, covered, written_off)
    ctx.emit(LiquidationFinished, liquidation_id, user, account_type, symbol, account, "", 0,
             0, 0)
    for market in sorted(markets.values(), key=lambda m: m.symbol):
        settle_followups(state, ctx, market)
