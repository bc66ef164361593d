"""Margin, equity and the liquidation triggers of isolated positions and cross accounts.

Ledger layout of a user's futures account ``(user, USDT_FUTURES|USDC_FUTURES|COIN_FUTURES,
margin asset)``: ``frozen`` = Σ position margins (isolated collateral and the initial
margin booked for cross positions) + Σ holds of resting opening orders; ``available`` is
free.  Cross equity = available + order holds + Σ cross margins + Σ cross unrealised PnL.

Cross triggers: buffer ``B = equity − Σ maintenance`` (liquidate when ≤ 0).  The part of
the free balance a wallet transfer may still take out (``T``) is held back, the rest is
split over the account's cross positions by value, and each position gets the price at
which its own loss would consume its share.  While no position crosses its trigger the
account is safe (sum of shares ≤ buffer), so a tick only looks at crossed positions.
``floors[account]`` records the free balance the triggers rely on; ``transferable`` never
lets a transfer go below it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

from ..ledger.balances import Balance
from .contracts import PPM, Contract
from .enums import MarginMode
from .liqindex import index_position
from .positions import Position, risk_rate, trigger_price, unrealised
from .state import FuturesState, fstate

if TYPE_CHECKING:
    from ..engine.state import EngineState

__all__ = ["isolated_liquidatable", "cross_status", "refresh_position", "refresh_account",
           "transferable", "holds", "order_holds", "account_key"]

_CROSS = int(MarginMode.CROSSED)
AccountKey = Tuple[int, int, str]


def account_key(pos: Position) -> AccountKey:
    return (pos.user, pos.account, pos.asset)


def order_holds(fs: FuturesState, user: int, account: int, asset: str) -> int:
    """Σ holds of the account's resting orders (kept by ``FuturesState``, O(1))."""
    return fs.held.get((user, account, asset), 0)


def isolated_liquidatable(contract: Contract, pos: Position) -> bool:
    value = contract.value(pos.size, contract.mark)
    equity = pos.margin + unrealised(contract, pos, contract.mark)
    return equity * PPM <= value * risk_rate(contract, value)


def cross_status(state: "EngineState", fs: FuturesState, key: AccountKey
                 ) -> Tuple[int, int, int, List[Position]]:
    """(equity, maintenance×10**6, Σ cross unrealised, cross positions) of an account."""
    user, account, asset = key
    balance = state.ledger.balances.get(key)
    free = (balance.available if balance is not None else 0) + order_holds(fs, user, account, asset)
    equity, maint, upnl = free, 0, 0
    cross: List[Position] = []
    for pos in (fs.accounts.get(key) or {}).values():
        if pos.margin_mode != _CROSS:
            continue
        contract = fs.contracts[pos.symbol]
        u = unrealised(contract, pos, contract.mark)
        value = contract.value(pos.size, contract.mark)
        equity += pos.margin + u
        upnl += u
        maint += value * risk_rate(contract, value)
        cross.append(pos)
    return equity, maint, upnl, cross


def refresh_position(state: "EngineState", fs: FuturesState, pos: Position) -> None:
    """Re-index one position (isolated: its own price; cross: the whole account)."""
    if pos.margin_mode == _CROSS:
        refresh_account(state, fs, (pos.user, pos.account, pos.asset))
        return
    contract = fs.contracts[pos.symbol]
    side, size = pos.side, pos.size
    price = trigger_price(contract, side, size, pos.cost, pos.margin * PPM)
    pos.liq = price if 0 < price < 1 << 100 else 0
    pos.liq_at = (size, pos.cost, pos.margin)
    mark = contract.mark
    if mark > 0 and ((side == 0 and price >= mark) or (side == 1 and 0 < price <= mark)):
        if size and isolated_liquidatable(contract, pos):
            # already past its threshold (e.g. opened or funded into it between ticks):
            # the exact price, so the next tick pops it unless the mark moved back
            index_position(contract, pos, price)
            return
        price = mark - 1 if side == 0 else mark + 1  # safe here: strictly beyond the mark
    index_position(contract, pos, price)


#: cross triggers of an account already at or past its threshold: popped by any tick
ALWAYS_LONG = 1 << 100
ALWAYS_SHORT = 1


def _beyond_mark(contract: Contract, side: int, price: int) -> int:
    """A trigger found safe at the current mark must lie strictly beyond it (rounding)."""
    mark = contract.mark
    if mark <= 0:
        return price
    if side == 0 and price >= mark:
        return mark - 1
    if side == 1 and 0 < price <= mark:
        return mark + 1
    return price


def refresh_account(state: "EngineState", fs: FuturesState, key: AccountKey) -> None:
    """Recompute the triggers of a cross account and the floor transfers must respect.

    Same arithmetic as ``cross_status`` (one pass over the account's positions)."""
    positions = fs.accounts.get(key)
    balance = state.ledger.balances.get(key)
    available = balance.available if balance is not None else 0
    equity = available + fs.held.get(key, 0)
    maint = upnl = total_value = 0
    rows = []
    contracts = fs.contracts
    for pos in (positions or {}).values():
        if pos.margin_mode != _CROSS:
            continue
        contract = contracts[pos.symbol]
        mark = contract.mark
        value = contract.value(pos.size, mark)
        u = (1 - 2 * pos.side) * contract.sgn * (value - pos.cost) if mark > 0 and pos.size else 0
        rate = contract.risk(value)
        equity += pos.margin + u
        upnl += u
        maint += value * rate
        total_value += value
        rows.append((pos, contract, value, rate, u))
    if not rows:
        fs.floors.pop(key, None)
        return
    buffer_e6 = equity * PPM - maint
    out = max(0, min(available + min(0, upnl), buffer_e6 // PPM))  # may still leave
    fs.floors[key] = available - out
    share_total = buffer_e6 - out * PPM
    if share_total <= 0:  # at or past the threshold: check at the very next tick
        for pos, contract, _, _, _ in rows:
            index_position(contract, pos, ALWAYS_LONG if pos.side == 0 else ALWAYS_SHORT)
        return
    total_value = total_value or 1
    for pos, contract, value, rate, u in rows:
        share = share_total * value // total_value
        # margin such that the position alone has exactly `share` above maintenance now
        margin_e6 = share + value * rate - u * PPM
        price = trigger_price(contract, pos.side, pos.size, pos.cost, margin_e6)
        index_position(contract, pos, _beyond_mark(contract, pos.side, price))


def transferable(state: "EngineState", user: int, account: int, asset: str) -> Optional[int]:
    """How much may leave a futures balance now (``Product.transferable``)."""
    fs = fstate(state)
    if account not in (5, 6, 7):
        return None
    key = (user, account, asset)
    balance: Optional[Balance] = state.ledger.balances.get(key)
    if balance is None:
        return 0
    if key not in fs.accounts:
        return balance.available
    equity, maint, upnl, cross = cross_status(state, fs, key)
    if not cross:
        return balance.available
    free = balance.available + order_holds(fs, user, account, asset)
    floor = fs.floors.get(key, 0)
    return max(0, min(balance.available, balance.available + min(0, upnl), free - floor))


def holds(state: "EngineState") -> Dict[Tuple[int, int, str], int]:
    """Frozen per futures balance: position margins + resting orders' holds."""
    fs = fstate(state)
    needed: Dict[Tuple[int, int, str], int] = {}
    for pos in fs.positions.values():
        key = (pos.user, pos.account, pos.asset)
        needed[key] = needed.get(key, 0) + pos.margin
    for order in fs.orders.values():
        contract = fs.contracts[order.symbol]
        key = (order.user, contract.account, contract.margin_asset)
        needed[key] = needed.get(key, 0) + order.hold
    return {k: v for k, v in needed.items() if v}
