"""Funding settlement, driven by ``ClockTick`` (``Product.on_tick``).

At each contract's scheduled instant (multiples of its interval since the epoch, so 8 h
settles at 00:00/08:00/16:00 UTC) the predicted rate of the interval (pricing.py) is
settled on every open position at the current mark:
``amount = value(size, mark) × |F| ÷ 10**8``; F > 0: longs pay, shorts receive.

Payers pay rounded up, from their free balance (cross) or their position margin
(isolated), never more than they have.  Receivers get their due rounded down, scaled to
what was actually collected; the rounding dust goes to the fee account, so funding is
zero-sum and conserves every asset.  The house position of an inverse contract
(contracts.py) pays and receives through the clearing account.  Missed instants (a long
gap between ticks) settle once.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, List, Optional, Tuple

from ..context import Context
from ..enums import SystemOwner
from ..ledger.ledger import AVAILABLE, FROZEN
from .contracts import HOUR_NS, RATE_E8, Contract
from .enums import MarginMode, PositionReason
from .events import FundingPaid, FundingSettled
from .liquidation import refresh_all
from .positions import Position
from .state import FuturesState, balance_of, fstate
from .trading import clearing, emit_position, move

if TYPE_CHECKING:
    from ..engine.state import EngineState

__all__ = ["on_tick", "settle_funding"]

_CROSS = int(MarginMode.CROSSED)


def on_tick(state: "EngineState", ctx: Context) -> None:
    fs = fstate(state)
    settled = False
    for symbol in sorted(fs.contracts):
        contract = fs.contracts[symbol]
        if ctx.ts >= contract.next_funding_ns:
            settle_funding(state, ctx, fs, contract)
            settled = True
    if settled:
        refresh_all(state, fs)


def settle_funding(state: "EngineState", ctx: Context, fs: FuturesState,
                   contract: Contract) -> None:
    from .pricing import predicted_rate
    rate = predicted_rate(contract) if contract.mark > 0 else 0
    funding_ns = contract.next_funding_ns
    interval = contract.funding_interval_h * HOUR_NS
    contract.next_funding_ns = (ctx.ts // interval + 1) * interval
    contract.prem_num = contract.prem_den = contract.prem_k = 0
    contract.last_rate_e8 = rate
    mark = contract.mark
    collected = distributed = 0
    if rate and mark > 0:
        payer_side = 0 if rate > 0 else 1
        pool = state.ledger.system(SystemOwner.FEES, contract.margin_asset)
        positions = [contract.positions[i] for i in sorted(contract.positions)]
        dues: List[Tuple[Optional[Position], int]] = []
        paid: List[Tuple[Position, int]] = []
        for pos in positions:
            value = contract.value(pos.size, mark)
            if pos.side == payer_side:
                due = -((-value * abs(rate)) // RATE_E8)
                balance = balance_of(state, pos.user, contract)
                if pos.margin_mode == _CROSS:
                    got = min(due, balance.available)
                    move(state, ctx, balance, AVAILABLE, pool, AVAILABLE, got)
                    rest = min(due - got, pos.margin)
                    pos.margin -= rest
                    move(state, ctx, balance, FROZEN, pool, AVAILABLE, rest)
                    got += rest
                else:
                    got = min(due, pos.margin)
                    pos.margin -= got
                    move(state, ctx, balance, FROZEN, pool, AVAILABLE, got)
                collected += got
                paid.append((pos, got))
            else:
                dues.append((pos, value * abs(rate) // RATE_E8))
        total_due = sum(d for _, d in dues)
        for pos, got in paid:
            pos.funding -= got
            ctx.emit(FundingPaid, pos.position_id, pos.user, contract.symbol, pos.side,
                     pos.qty, rate, -got)
        house = contract.house_size
        if house:  # the clearing account's house position pays and receives like any other
            clear = clearing(state, contract)
            value = contract.value(abs(house), mark)
            if (0 if house > 0 else 1) == payer_side:
                due = -((-value * abs(rate)) // RATE_E8)
                move(state, ctx, clear, AVAILABLE, pool, AVAILABLE, due)
                contract.house_cost += contract.sgn * due  # its PnL carries its funding
                collected += due
            else:
                total_due += value * abs(rate) // RATE_E8
                dues.append((None, value * abs(rate) // RATE_E8))
        for pos, due in dues:
            amount = (due if collected >= total_due
                      else (due * collected // total_due if total_due else 0))
            if pos is None:
                move(state, ctx, pool, AVAILABLE, clearing(state, contract), AVAILABLE, amount)
                contract.house_cost -= contract.sgn * amount
                distributed += amount
                continue
            balance = balance_of(state, pos.user, contract)
            move(state, ctx, pool, AVAILABLE, balance, AVAILABLE, amount)
            distributed += amount
            pos.funding += amount
            ctx.emit(FundingPaid, pos.position_id, pos.user, contract.symbol, pos.side,
                     pos.qty, rate, amount)
        for pos in positions:
            emit_position(ctx, contract, pos, int(PositionReason.FUNDING))
    ctx.emit(FundingSettled, contract.symbol, rate, mark, funding_ns, contract.funding_interval_h,
             collected, distributed, contract.next_funding_ns)
