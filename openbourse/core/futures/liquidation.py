"""The liquidation engine, run after every mark-price update of a contract.

1. Pop the positions whose trigger the new mark crossed (``liqindex``), nothing else;
   again while liquidation fills left new crossed ones (bounded passes).
2. Exact test: isolated ``margin + upnl ≤ maintenance``; cross: the account's equity ≤ Σ
   maintenance.  A crossed but safe position/account is simply re-indexed.
3. Isolated with auto margin on: top up from the free balance first (to initial margin at
   mark); liquidate only if still below maintenance.
4. Take over: cancel the user's orders (isolated: on that symbol; cross: the whole futures
   account), re-test (cross), then for each position close it with one IOC liquidation
   order whose limit is the worst price the insurance fund can still cover (never beyond
   mark ± price band).  Fills at or better than the bankruptcy price leave a surplus, worse
   ones a deficit.
5. What the book could not take is closed by ADL at the bankruptcy price against opposite
   positions ranked by score (profitable first: ROI × effective leverage; then losing
   ones by ROI), no fee.
6. Settlement: the position's released margin (isolated) or the account's free balance
   (cross) pays the realised loss, then the liquidation fee; what is left goes to the
   insurance fund; a shortfall is paid by the fund (``insurance.pay_deficit``).
"""
from __future__ import annotations

from functools import cmp_to_key
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

from ..context import Context
from ..enums import CloseReason, Force, OrderStatus, OrderType, SystemOwner
from ..ledger.ledger import AVAILABLE, FROZEN
from ..units import div_ceil
from .contracts import PPM, Contract
from .enums import InsuranceReason, MarginMode, OrderKind, PositionReason, TradeSide
from .events import Deleveraged, Liquidated
from .insurance import emit_fund, fund_balance, pay_deficit
from .liqindex import pop_crossed
from .margin import (account_key, cross_status, isolated_liquidatable, refresh_account,
                     refresh_position, transferable)
from .plans import drop_position_plans
from .positions import Position, bankruptcy_price, shrink, unrealised
from .state import FuturesState, FutOrder, balance_of, fstate
from .trading import (LiqAcc, accept, book_house, clearing, close_order, debit_user,
                      emit_position, execute, move, trim_reduce_orders)

if TYPE_CHECKING:
    from ..engine.state import EngineState

__all__ = ["run_liquidations", "refresh_all", "adl_rank"]

_CROSS = int(MarginMode.CROSSED)
_PASSES = 8  # crossed-set passes per tick (cascades through liquidation fills)
_LIQ_REASON = int(CloseReason.LIQUIDATION) if hasattr(CloseReason, "LIQUIDATION") else 1


def refresh_all(state: "EngineState", fs: FuturesState) -> None:
    done: Dict[Tuple[int, int, str], None] = {}
    for pid in sorted(fs.positions):
        pos = fs.positions[pid]
        if pos.margin_mode == _CROSS:
            key = account_key(pos)
            if key in done:
                continue
            done[key] = None
        refresh_position(state, fs, pos)


def run_liquidations(state: "EngineState", ctx: Context, contract: Contract) -> None:
    """Check the positions the mark crossed.  Liquidation fills can open or grow positions
    (resting orders they hit), which may themselves be past their threshold: the crossed
    set is taken again until it is empty (bounded), so a tick leaves nothing liquidatable.
    A position/account found safe is re-indexed once, after the passes."""
    fs = fstate(state)
    if contract.stale or contract.mark <= 0:
        return
    checked: Dict[object, None] = {}  # found safe this tick (position id / account key)
    later: List[Position] = []
    for _ in range(_PASSES):
        crossed = pop_crossed(contract, contract.mark)
        if not crossed:
            break
        seen: Dict[Tuple[int, int, str], None] = {}
        for pos in crossed:
            if pos.position_id not in fs.positions:
                continue
            if pos.margin_mode != _CROSS:
                if pos.position_id in checked:
                    later.append(pos)
                elif not isolated_liquidatable(contract, pos):
                    checked[pos.position_id] = None
                    refresh_position(state, fs, pos)
                elif pos.auto_margin and _top_up(state, ctx, fs, contract, pos) and \
                        not isolated_liquidatable(contract, pos):
                    checked[pos.position_id] = None
                    refresh_position(state, fs, pos)
                else:
                    _liquidate(state, ctx, fs, [pos], account_key(pos), False)
                continue
            key = account_key(pos)
            if key in seen:
                continue
            seen[key] = None
            if key in checked:
                later.append(pos)
                continue
            equity, maint, _, cross = cross_status(state, fs, key)
            if equity * PPM > maint:
                checked[key] = None
                refresh_account(state, fs, key)
            else:
                _liquidate(state, ctx, fs, cross, key, True)
    for pos in later:
        if pos.position_id in fs.positions:
            refresh_position(state, fs, pos)


def _top_up(state: "EngineState", ctx: Context, fs: FuturesState, contract: Contract,
            pos: Position) -> bool:
    value = contract.value(pos.size, contract.mark)
    need = div_ceil(value, pos.leverage) - pos.margin - unrealised(contract, pos, contract.mark)
    room = transferable(state, pos.user, pos.account, pos.asset) or 0
    amount = min(need, room)
    if amount <= 0:
        return False
    balance = balance_of(state, pos.user, contract)
    move(state, ctx, balance, AVAILABLE, balance, FROZEN, amount)
    pos.margin += amount
    emit_position(ctx, contract, pos, int(PositionReason.MARGIN))
    return True


def _cancel_orders(state: "EngineState", ctx: Context, fs: FuturesState,
                   key: Tuple[int, int, str], symbol: Optional[str]) -> None:
    user, account, asset = key
    for contract in (fs.contracts[s] for s in sorted(fs.contracts)):
        if contract.account != account or contract.margin_asset != asset:
            continue
        if symbol is not None and contract.symbol != symbol:
            continue
        mine = fs.user_orders.get((user, contract.symbol))
        if mine:
            for order in list(mine.values()):
                close_order(state, ctx, fs, contract, order, int(OrderStatus.CANCELLED),
                            _LIQ_REASON)


def _worst_price(state: "EngineState", contract: Contract, side: int, size: int, bp: int) -> int:
    """Worst fill price the insurance fund could still cover for ``size`` (band-bounded)."""
    fund = fund_balance(state, contract.margin_asset)
    band = contract.band_price(1 if side == 0 else 0)
    if side == 0:  # closing a long: selling, prices at or above the result
        if not contract.inverse:
            worst = bp - fund // (size * contract.k)
        else:
            rk = size * contract.big_k
            worst = -((-rk * bp) // (fund * bp + rk))
        return max(worst, band, contract.tick)
    if not contract.inverse:
        worst = bp + fund // (size * contract.k)
    else:
        rk = size * contract.big_k
        den = rk - fund * bp
        worst = rk * bp // den if den > 0 else band
    return min(worst, band)


def _liquidate(state: "EngineState", ctx: Context, fs: FuturesState, positions: List[Position],
               key: Tuple[int, int, str], cross: bool) -> None:
    user = key[0]
    first = fs.contracts[positions[0].symbol]
    _cancel_orders(state, ctx, fs, key, None if cross else first.symbol)
    balance = state.ledger.balance(*key)
    if cross:
        equity, maint, _, positions = cross_status(state, fs, key)
        if equity * PPM > maint:
            refresh_account(state, fs, key)
            return
        values = [fs.contracts[p.symbol].value(p.size, fs.contracts[p.symbol].mark)
                  for p in positions]
        total_value = sum(values) or 1
        shares = [equity * v // total_value for v in values]
    else:
        shares = []
    acc = LiqAcc()
    results = []
    for i, pos in enumerate(sorted(positions, key=lambda p: p.position_id)):
        contract = fs.contracts[pos.symbol]
        if cross:
            idx = positions.index(pos)
            margin = shares[idx] - unrealised(contract, pos, contract.mark)
        else:
            margin = pos.margin
        size, qty, mark = pos.size, pos.qty, contract.mark
        bp = bankruptcy_price(contract, pos.side, size, pos.cost, margin)
        bp = max(contract.tick, min(bp, 1 << 62))
        before_fee, before_book = acc.fee, acc.book_size
        order_id = 0
        worst = _worst_price(state, contract, pos.side, size, bp)
        side = 1 if pos.side == 0 else 0
        best = contract.book.best_bid() if side == 1 else contract.book.best_ask()
        if best is not None and (best >= worst if side == 1 else best <= worst):
            order = FutOrder(order_id=state.next_order_id, user=user, symbol=contract.symbol,
                             side=side, wire_side=pos.side, trade_side=int(TradeSide.CLOSE),
                             hold_side=pos.side, order_type=int(OrderType.LIMIT),
                             force=int(Force.IOC), price=worst, size=qty, remaining=qty,
                             reduce=1, client_oid="", stp=0, margin_mode=pos.margin_mode,
                             leverage=pos.leverage, kind=int(OrderKind.LIQUIDATION),
                             ts_ns=ctx.ts)
            state.next_order_id += 1
            order_id = order.order_id
            accept(ctx, order)
            execute(state, ctx, fs, contract, order, worst, acc)
        book_size = acc.book_size - before_book  # order units
        rest = qty - book_size
        if rest > 0:
            _adl(state, ctx, fs, contract, pos, pos.size, bp, acc)
        results.append((pos, contract, qty, mark, bp, book_size, rest, order_id,
                        acc.fee - before_fee))
    # settlement against the margin pool
    if cross:
        pool = balance.available
    else:
        pool = acc.pool
    clear_of = clearing(state, first)
    paid_loss = min(acc.loss, pool)
    move(state, ctx, balance, AVAILABLE, clear_of, AVAILABLE, paid_loss)
    deficit = acc.loss - paid_loss
    left = pool - paid_loss
    fee = min(acc.fee, left)
    move(state, ctx, balance, AVAILABLE, state.ledger.system(SystemOwner.FEES, first.margin_asset),
         AVAILABLE, fee)
    left -= fee
    fund = state.ledger.system(SystemOwner.INSURANCE, first.margin_asset)
    delta = 0
    if left > 0:
        move(state, ctx, balance, AVAILABLE, fund, AVAILABLE, left)
        emit_fund(state, ctx, first.margin_asset, left, int(InsuranceReason.LIQUIDATION_SURPLUS),
                  first.symbol)
        delta = left
    if deficit > 0:
        delta = -pay_deficit(state, ctx, fs, first, deficit)
    fee_left = fee
    for n, (pos, contract, size, mark, bp, book_size, rest, order_id,
            pos_fee) in enumerate(results):
        charged = min(pos_fee, fee_left)
        fee_left -= charged
        ctx.emit(Liquidated, pos.position_id, user, contract.symbol, pos.side, pos.margin_mode,
                 size, mark, bp, book_size, rest, charged, delta if n == 0 else 0, order_id)
        if pos.position_id in fs.positions:  # defensive: never leave a liquidated remnant
            fs.remove_position(pos, contract)
        if (pos.user, pos.symbol) in fs.user_plans:  # its TP/SL plans go with it
            drop_position_plans(state, ctx, fs, pos)
    if cross:
        refresh_account(state, fs, key)


def adl_rank(fs: FuturesState, state: "EngineState", contract: Contract, side: int,
             exclude_user: int) -> List[Position]:
    """Opposite positions in ADL order: profitable first by ROI × effective leverage
    (``upnl × value ÷ (cost × margin)``), then losing ones by ROI; ties by position id."""
    mark = contract.mark
    rows = []
    for pos in contract.positions.values():
        if pos.side != side or pos.user == exclude_user or not pos.size:
            continue
        u = unrealised(contract, pos, mark)
        value = contract.value(pos.size, mark)
        cost = max(1, pos.cost)
        if u > 0:
            rows.append((1, u * value, cost * max(1, pos.margin), pos))
        else:
            rows.append((0, u, cost, pos))

    def compare(a: tuple, b: tuple) -> int:
        if a[0] != b[0]:
            return b[0] - a[0]
        left, right = a[1] * b[2], b[1] * a[2]
        if left != right:
            return -1 if left > right else 1
        return a[3].position_id - b[3].position_id

    rows.sort(key=cmp_to_key(compare))
    return [row[3] for row in rows]


def _adl(state: "EngineState", ctx: Context, fs: FuturesState, contract: Contract,
         bankrupt: Position, size: int, bp: int, acc: LiqAcc) -> None:
    """Close ``size`` value units of ``bankrupt`` against ranked opposite positions, then
    (inverse) against the house position for what they could not take: long face + house
    = short face, so the house always holds the rest."""
    clear = clearing(state, contract)
    for other in adl_rank(fs, state, contract, 1 - bankrupt.side, 0):
        if size <= 0:
            break
        q = min(size, other.size)  # value units: both sides close the same amount
        value = contract.value(q, bp)
        # the counterparty closes q at the bankruptcy price, no fee
        balance = balance_of(state, other.user, contract)
        qty_before = other.qty
        _, removed, released = shrink(other, 0, q)
        move(state, ctx, balance, FROZEN, balance, AVAILABLE, released)
        pnl = other.d * contract.sgn * (value - removed)
        other.realised += pnl
        if pnl > 0:
            move(state, ctx, clear, AVAILABLE, balance, AVAILABLE, pnl)
        elif pnl < 0:
            got = debit_user(state, ctx, fs, balance, other, -pnl, clear)
            if got < -pnl:
                pay_deficit(state, ctx, fs, contract, -pnl - got)
        _close_bankrupt(state, ctx, contract, bankrupt, q, bp, acc)
        size -= q
        ctx.emit(Deleveraged, contract.symbol, bp, qty_before - other.qty, other.user,
                 other.side, other.position_id, bankrupt.user, bankrupt.position_id, pnl)
        if other.size == 0:
            fs.remove_position(other, contract)
            emit_position(ctx, contract, other, int(PositionReason.ADL))
            drop_position_plans(state, ctx, fs, other)
            if other.margin_mode == _CROSS:
                refresh_position(state, fs, other)
        else:
            refresh_position(state, fs, other)
            emit_position(ctx, contract, other, int(PositionReason.ADL))
        trim_reduce_orders(state, ctx, fs, contract, other.user)
    if size > 0 and contract.inverse:
        _close_bankrupt(state, ctx, contract, bankrupt, size, bp, acc)
        book_house(contract, -size if bankrupt.side == 0 else size, bp)
    if bankrupt.size == 0 and bankrupt.position_id in fs.positions:
        fs.remove_position(bankrupt, contract)
        emit_position(ctx, contract, bankrupt, int(PositionReason.ADL))


def _close_bankrupt(state: "EngineState", ctx: Context, contract: Contract, bankrupt: Position,
                    q: int, bp: int, acc: LiqAcc) -> None:
    """The bankrupt side of an ADL close: ``q`` value units at the bankruptcy price; its
    margin and profit go to the liquidation pool, a loss is owed to it."""
    value = contract.value(q, bp)
    balance = balance_of(state, bankrupt.user, contract)
    _, removed, released = shrink(bankrupt, 0, q)
    move(state, ctx, balance, FROZEN, balance, AVAILABLE, released)
    acc.pool += released
    pnl = bankrupt.d * contract.sgn * (value - removed)
    bankrupt.realised += pnl
    if pnl > 0:
        move(state, ctx, clearing(state, contract), AVAILABLE, balance, AVAILABLE, pnl)
        acc.pool += pnl
    else:
        acc.loss += -pnl
