"""Operator commands: listing assets and markets, halting and resuming, fee tiers, clock ticks."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .commands import ClockTick, ListAsset, ListMarket, SetMarketStatus, SetUserFees
from .context import Context
from .enums import MarketStatus
from .events import AssetListed, MarketListed, MarketStatusChanged, Rejected, UserFeesSet
from .markets import Market, validate_asset, validate_market
from .orderbook.book import OrderBook
from .reject import RejectCode
from .spot.plans import TriggerBook
from .spot.plans_flow import settle_followups
from .units import FEE_RATE_DENOMINATOR

if TYPE_CHECKING:
    from .engine.state import EngineState

__all__ = ["HANDLERS", "CLIENT_OID_WINDOW_NS", "clock_tick"]

#: How long a client order id is remembered after its order ended (Bitget: 6 hours).
CLIENT_OID_WINDOW_NS = 6 * 3600 * 1_000_000_000


def list_asset(state: "EngineState", ctx: Context, cmd: ListAsset) -> None:
    code = validate_asset(cmd.asset, cmd.scale, state.assets)
    if code is not None:
        ctx.emit(Rejected, "ListAsset", 0, int(code), cmd.asset)
        return
    state.assets[cmd.asset] = cmd.scale
    ctx.emit(AssetListed, cmd.asset, cmd.scale)


def list_market(state: "EngineState", ctx: Context, cmd: ListMarket) -> None:
    code = validate_market(cmd, state.assets, state.markets)
    if code is not None:
        ctx.emit(Rejected, "ListMarket", 0, int(code), cmd.symbol)
        return
    state.markets[cmd.symbol] = Market(cmd, state.assets[cmd.base], state.assets[cmd.quote])
    state.books[cmd.symbol] = OrderBook(cmd.symbol)
    state.triggers[cmd.symbol] = TriggerBook()
    ctx.emit(MarketListed, *cmd[1:])


def set_market_status(state: "EngineState", ctx: Context, cmd: SetMarketStatus) -> None:
    market = state.markets.get(cmd.symbol)
    if market is None:
        ctx.emit(Rejected, "SetMarketStatus", 0, int(RejectCode.UNKNOWN_SYMBOL), cmd.symbol)
        return
    if cmd.status not in (MarketStatus.ONLINE, MarketStatus.HALTED):
        ctx.emit(Rejected, "SetMarketStatus", 0, int(RejectCode.INVALID_ARGUMENT), cmd.symbol)
        return
    market.status = cmd.status
    ctx.emit(MarketStatusChanged, cmd.symbol, cmd.status)
    if cmd.status == MarketStatus.ONLINE:
        settle_followups(state, ctx, market)  # plans that came due while halted fire now


def set_user_fees(state: "EngineState", ctx: Context, cmd: SetUserFees) -> None:
    rates = (cmd.maker_fee_ppm, cmd.taker_fee_ppm)
    if cmd.user <= 0 or any(not -1 <= r < FEE_RATE_DENOMINATOR for r in rates):
        ctx.emit(Rejected, "SetUserFees", 0, int(RejectCode.INVALID_ARGUMENT), "")
        return
    if rates == (-1, -1):
        state.user_fees.pop(cmd.user, None)
    else:
        state.user_fees[cmd.user] = rates
    ctx.emit(UserFeesSet, cmd.user, cmd.maker_fee_ppm, cmd.taker_fee_ppm)


def clock_tick(state: "EngineState", ctx: Context, cmd: ClockTick) -> None:
    """Forget client ids whose window passed (ids of live orders are kept while live)."""
    expiry, horizon = state.client_oid_expiry, ctx.ts - CLIENT_OID_WINDOW_NS
    while expiry and expiry[0][0] <= horizon:
        ts, key = expiry.popleft()
        entry = state.client_oids.get(key)
        if entry is None or entry[2] != ts:
            continue  # superseded by a later use of the same id
        if key in state.live_client_oids:
            state.client_oids[key] = (entry[0], entry[1], ctx.ts)
            expiry.append((ctx.ts, key))  # still live: look again after another window
        else:
            del state.client_oids[key]


HANDLERS = {
    ListAsset: list_asset,
    ListMarket: list_market,
    SetMarketStatus: set_market_status,
    SetUserFees: set_user_fees,
    ClockTick: clock_tick,
}
