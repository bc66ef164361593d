"""Futures orders: matching through the contract's ``OrderBook`` and settling each fill.

Ledger postings of one fill, per side (user balance ``B`` = the user's futures account):

1. the order's hold share: ``B.frozen → B.available``;
2. closing part ``q_c``: its margin share ``B.frozen → B.available``; realised PnL
   ``clearing → B.available`` (profit) or ``B.available → clearing`` (loss; if the free
   balance is short: isolated → the position's remaining margin, cross → other cross
   margins; the rest is a deficit the insurance fund covers);
3. fee ``B.available → FEES`` (capped at what is there);
4. opening part ``q_o``: initial margin ``ceil(value ÷ leverage)``: ``B.available → B.frozen``.

``clearing`` is ``(CLEARING, <futures account type>, asset)``: it pays realised profits and
receives realised losses, so its balance is Σ unrealised PnL of the open positions (it
may be negative; ``SystemOwner.CLEARING`` is exempt from the no-negative rule).

Hot path: a fill's postings are applied as plain arithmetic on the ``Balance`` records
(the ledger's batch check would only re-verify what the handler validated); ``move``
checks the debited bucket and raises ``InsufficientFunds`` like ``Ledger.post``.
Liquidation orders (``OrderKind.LIQUIDATION``) defer their side's PnL and fee to
``liquidation.py``, which settles them against the position's margin and the fund.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

from ..context import Context
from ..enums import CloseReason, Force, OrderStatus, OrderType, SystemOwner
from ..ledger.balances import Balance
from ..ledger.ledger import AVAILABLE, FROZEN, InsufficientFunds
from .contracts import Contract
from .enums import MarginMode, OrderKind, PositionReason
from .events import FuturesOrderAccepted, FuturesOrderClosed, FuturesTrade, PositionChanged
from .margin import refresh_position
from .plans import drop_position_plans, preset_tpsl
from .positions import Position, bankruptcy_price, liquidation_price, shrink
from .state import FuturesState, FutOrder, balance_of

if TYPE_CHECKING:
    from ..engine.state import EngineState

__all__ = ["move", "clearing", "book_house", "execute", "close_order", "emit_position",
           "debit_user", "closable", "LiqAcc"]

_CROSS = int(MarginMode.CROSSED)
_LIQ = int(OrderKind.LIQUIDATION)
_EXTERNAL = int(SystemOwner.EXTERNAL)
_CLEARING = int(SystemOwner.CLEARING)
_FILLED = int(OrderStatus.FILLED)
_CANCELLED = int(OrderStatus.CANCELLED)
_TRADE = int(PositionReason.TRADE)
_LIMIT = int(OrderType.LIMIT)
_MARKET = int(OrderType.MARKET)
_POST_ONLY = int(Force.POST_ONLY)
_FOK = int(Force.FOK)
_IOC = int(Force.IOC)


class LiqAcc:
    """What a liquidation order's fills owe, settled afterwards (liquidation.py)."""

    __slots__ = ("pool", "loss", "fee", "book_size")

    def __init__(self) -> None:
        self.pool = 0  # units released to the user's available by the closes (margin + profit)
        self.loss = 0  # realised losses still owed
        self.fee = 0  # fees still owed
        self.book_size = 0


def move(state: "EngineState", ctx: Context, debit: Balance, debit_bucket: int,
         credit: Balance, credit_bucket: int, amount: int) -> None:
    """One ledger posting (same rules as ``Ledger.post``; CLEARING may go negative)."""
    if amount <= 0:
        return
    if debit.asset != credit.asset:
        raise ValueError("posting across assets")
    owner = debit.owner
    if debit_bucket == AVAILABLE:
        if amount > debit.available and owner != _CLEARING and owner != _EXTERNAL:
            raise InsufficientFunds(debit.key)
        debit.available -= amount
    else:
        if amount > debit.frozen and owner != _CLEARING and owner != _EXTERNAL:
            raise InsufficientFunds(debit.key)
        debit.frozen -= amount
    if credit_bucket == AVAILABLE:
        credit.available += amount
    else:
        credit.frozen += amount
    ctx.touch(debit)
    ctx.touch(credit)


def clearing(state: "EngineState", contract: Contract) -> Balance:
    return state.ledger.balance(_CLEARING, contract.account, contract.margin_asset)


def _fees(state: "EngineState", contract: Contract) -> Balance:
    return state.ledger.balance(int(SystemOwner.FEES), 0, contract.margin_asset)


def debit_user(state: "EngineState", ctx: Context, fs: FuturesState, balance: Balance,
               pos: Optional[Position], amount: int, credit: Balance) -> int:
    """Take up to ``amount`` from the user for ``credit``; returns what was collected."""
    got = min(amount, balance.available)
    move(state, ctx, balance, AVAILABLE, credit, AVAILABLE, got)
    short = amount - got
    if short <= 0:
        return got
    sources: List[Position] = []
    if pos is not None and pos.margin_mode != _CROSS:
        sources = [pos]
    else:
        sources = [p for p in (fs.accounts.get(balance.key) or {}).values()
                   if p.margin_mode == _CROSS]
    for source in sources:
        take = min(short, source.margin)
        if take:
            source.margin -= take
            move(state, ctx, balance, FROZEN, credit, AVAILABLE, take)
            short -= take
            got += take
        if not short:
            break
    return got


def closable(fs: FuturesState, pos: Optional[Position], exclude: int = 0) -> int:
    """Order units of ``pos`` not yet promised to resting closing orders."""
    if pos is None:
        return 0
    mine = fs.reduce_orders.get((pos.user, pos.symbol))
    if not mine:
        return pos.qty
    promised = sum(o.remaining for o in mine.values()
                   if o.hold_side == pos.side and o.order_id != exclude)
    return max(0, pos.qty - promised)


def emit_position(ctx: Context, contract: Contract, pos: Position, reason: int) -> None:
    liq = bank = entry = 0
    size, cost, margin = pos.size, pos.cost, pos.margin
    if size:
        if pos.margin_mode == _CROSS:
            trigger = pos.trigger
            liq = trigger if 1 < trigger < 1 << 100 else 0  # 1 / 2**100: "check next tick"
        elif pos.liq_at == (size, cost, margin):
            liq = pos.liq  # computed by the last re-index (margin.refresh_position)
        else:
            liq = liquidation_price(contract, pos, margin * 1_000_000)
        bank = bankruptcy_price(contract, pos.side, size, cost, margin)
        if bank >= 1 << 60:
            bank = 0
        if contract.inverse:
            entry = size * contract.big_k // cost if cost else 0
        else:
            entry = cost // (size * contract.k)
    ctx.emit(PositionChanged, pos.position_id, pos.user, pos.symbol, pos.side, pos.margin_mode,
             pos.pos_mode, pos.leverage, size, cost, entry, margin, pos.realised,
             pos.fees, pos.funding, liq, bank, pos.auto_margin, reason, pos.opened_ns, pos.qty)


def _settle_side(state: "EngineState", ctx: Context, fs: FuturesState, contract: Contract,
                 order: FutOrder, q: int, price: int, total_value: int, fee_ppm: int,
                 acc: Optional[LiqAcc], before: int) -> Tuple[int, int, List[Position], int]:
    """Apply one fill of ``q`` order units (value ``total_value``) to one order's user;
    ``before`` is the order's remaining size before this fill.  Returns (realised pnl, fee,
    touched positions, change of long minus short value units)."""
    user = order.user
    symbol = contract.symbol
    balance = state.ledger.balance(user, contract.account, contract.margin_asset)
    ctx.touch(balance)
    # 1. hold share
    hold = order.hold
    if hold:
        share = hold if q >= before else hold * q // before
        order.hold = hold - share
        balance.frozen -= share
        balance.available += share
        if order.resting:
            fs.release_hold(order, share)
    # which position(s) the fill closes / opens
    touched: List[Position] = []
    close_q, open_q = 0, q
    pos_close: Optional[Position] = None
    open_side = order.hold_side
    sides = fs.by_user.get((user, symbol))
    if order.trade_side >= 0:  # hedge mode
        if order.reduce:
            pos_close = sides.get(order.hold_side) if sides else None
            close_q, open_q = (min(q, pos_close.qty) if pos_close else 0), 0
    else:
        open_side = order.side  # one-way: buy opens/adds long (0), sell short (1)
        existing = sides.get(1 - open_side) if sides else None
        if existing is not None:
            pos_close = existing
            close_q = min(q, existing.qty)
            open_q = q - close_q
        if order.reduce:
            open_q = 0
    pnl = 0
    skew = 0  # long minus short value units this side added
    # 2. closing part
    if close_q and pos_close is not None:
        pos = pos_close
        units, removed, released = shrink(pos, close_q)
        value = total_value if close_q == q and not contract.inverse else \
            contract.value(units, price)
        skew -= units if pos.side == 0 else -units
        balance.frozen -= released
        balance.available += released
        pnl = (1 - 2 * pos.side) * contract.sgn * (value - removed)
        pos.realised += pnl
        if pnl > 0 or acc is None:
            if pnl > 0:
                clear = clearing(state, contract)
                clear.available -= pnl
                balance.available += pnl
                ctx.touch(clear)
                if acc is not None:
                    acc.pool += pnl
            elif pnl < 0:
                got = debit_user(state, ctx, fs, balance, pos, -pnl, clearing(state, contract))
                if got < -pnl:
                    _cover_deficit(state, ctx, fs, contract, -pnl - got)
        else:
            acc.loss -= pnl
        if acc is not None:
            acc.pool += released
            acc.book_size += close_q
        touched.append(pos)
    # 3. fee
    fee = -((-total_value * fee_ppm) // 1_000_000)  # fee_units: rounded up
    if acc is not None:
        acc.fee += fee
    elif fee:
        if fee > balance.available:
            fee = balance.available
        if fee:
            fees = _fees(state, contract)
            balance.available -= fee
            fees.available += fee
            ctx.touch(fees)
    # 4. opening part
    if open_q:
        pos = sides.get(open_side) if sides else None
        if pos is None:
            setting = fs.setting(user, symbol)
            pos = Position(fs.next_position_id, user, contract, open_side, order.margin_mode,
                           fs.pos_mode(user, contract.product_type), order.leverage,
                           setting.auto_margin[open_side], ctx.ts)
            fs.next_position_id += 1
            fs.add_position(pos, contract)
        value = total_value if open_q == q else contract.order_value(open_q, price)
        units = contract.units(open_q, price)
        margin = -(-value // pos.leverage)
        if margin > balance.available:
            margin = balance.available
        balance.available -= margin
        balance.frozen += margin
        pos.margin += margin
        pos.qty += open_q
        pos.size += units
        pos.cost += value
        skew += units if open_side == 0 else -units
        touched.append(pos)
    if balance.available < 0 or balance.frozen < 0:
        raise InsufficientFunds(balance.key)
    if touched:
        touched[-1].fees += fee
    return pnl, fee, touched, skew


def book_house(contract: Contract, skew: int, price: int) -> None:
    """The clearing account takes the other side of a fill's value-unit imbalance (inverse
    closes remove face at the position's entry, opens add it at the fill price)."""
    contract.house_size -= skew
    value = contract.value(abs(skew), price)
    contract.house_cost -= value if skew > 0 else -value


def _cover_deficit(state: "EngineState", ctx: Context, fs: FuturesState, contract: Contract,
                   amount: int) -> int:
    """The insurance fund pays a loss the user could not (the rest is bad debt)."""
    from .insurance import pay_deficit
    return pay_deficit(state, ctx, fs, contract, amount)


def _finish_position(state: "EngineState", ctx: Context, fs: FuturesState, contract: Contract,
                     pos: Position, reason: int) -> None:
    if pos.size == 0:
        fs.remove_position(pos, contract)
        emit_position(ctx, contract, pos, reason)
        if (pos.user, pos.symbol) in fs.user_plans:
            drop_position_plans(state, ctx, fs, pos)
        if pos.margin_mode == _CROSS:
            refresh_position(state, fs, pos)  # re-index the rest of the account
        return
    refresh_position(state, fs, pos)
    emit_position(ctx, contract, pos, reason)


def trim_reduce_orders(state: "EngineState", ctx: Context, fs: FuturesState,
                       contract: Contract, user: int) -> None:
    """Resting closing orders may not exceed what their position still holds (newest go first)."""
    mine = fs.reduce_orders.get((user, contract.symbol))
    if not mine:
        return
    for side in (0, 1):
        pos = fs.position(user, contract.symbol, side)
        size = pos.qty if pos is not None else 0
        reducing = [o for o in mine.values() if o.hold_side == side]
        excess = sum(o.remaining for o in reducing) - size
        for order in reversed(reducing):
            if excess <= 0:
                break
            excess -= order.remaining
            close_order(state, ctx, fs, contract, order, _CANCELLED, int(CloseReason.USER))


def close_order(state: "EngineState", ctx: Context, fs: FuturesState, contract: Contract,
                order: FutOrder, status: int, reason: int) -> None:
    if order.resting:
        contract.book.side(order.side).remove(order)
        fs.drop_order(order)
        if order.client_oid:
            fs.client_oids.pop((0, order.user, order.client_oid), None)
    if order.hold:
        balance = balance_of(state, order.user, contract)
        move(state, ctx, balance, FROZEN, balance, AVAILABLE, order.hold)
        order.hold = 0
    ctx.emit(FuturesOrderClosed, order.order_id, order.user, order.symbol, status,
             reason if status == _CANCELLED else 0, order.filled_size, order.filled_value,
             order.fee, order.pnl)


def accept(ctx: Context, order: FutOrder) -> None:
    ctx.emit(FuturesOrderAccepted, order.order_id, order.user, order.symbol, order.wire_side,
             order.trade_side, order.hold_side, order.order_type, order.force, order.price,
             order.size, order.reduce, order.client_oid, order.margin_mode, order.leverage,
             order.hold, order.kind, order.plan_id)


def execute(state: "EngineState", ctx: Context, fs: FuturesState, contract: Contract,
            order: FutOrder, limit: int, acc: Optional[LiqAcc] = None,
            want: int = 0) -> None:
    """Match a new (accepted) order, settle its fills, then rest or close it."""
    book = contract.book
    if order.order_type == _LIMIT and order.force == _POST_ONLY and \
            book.crosses(order.side, order.price):
        close_order(state, ctx, fs, contract, order, _CANCELLED, int(CloseReason.POST_ONLY))
        return
    want = want or order.remaining
    if order.reduce and acc is None:
        pos = fs.position(order.user, contract.symbol, order.hold_side)
        want = min(want, pos.qty if pos is not None else 0)
    if order.force == _FOK and order.order_type == _LIMIT and \
            (want < order.remaining or not book.fillable(order, limit, want)):
        close_order(state, ctx, fs, contract, order, _CANCELLED, int(CloseReason.FOK))
        return
    fills, stp_makers, taker_stp = book.match(order, limit, want)
    for maker in stp_makers:
        maker_resting_cleanup(state, ctx, fs, contract, maker, int(CloseReason.STP))
    touched_users: Dict[int, None] = {}
    maker_fee_ppm = contract.maker_fee_ppm
    t_fee_ppm = contract.liquidation_fee_ppm if order.kind == _LIQ else contract.taker_fee_ppm
    liq_flag = 1 if order.kind == _LIQ else 0
    symbol = contract.symbol
    value_of = contract.order_value
    for maker, q in fills:
        price = maker.price
        value = value_of(q, price)
        m_pnl, m_fee, m_pos, m_skew = _settle_side(state, ctx, fs, contract, maker, q, price,
                                                   value, maker_fee_ppm, None, maker.remaining + q)
        t_pnl, t_fee, t_pos, t_skew = _settle_side(state, ctx, fs, contract, order, q, price,
                                                   value, t_fee_ppm, acc, order.remaining)
        if m_skew + t_skew:
            book_house(contract, m_skew + t_skew, price)
        order.remaining -= q
        notional = q * price if contract.inverse else value  # quote volume (USD face)
        maker.filled_size += q
        maker.filled_value += notional
        maker.fee += m_fee
        maker.pnl += m_pnl
        order.filled_size += q
        order.filled_value += notional
        order.fee += t_fee
        order.pnl += t_pnl
        contract.last = price
        trade_id = state.next_trade_id
        state.next_trade_id = trade_id + 1
        ctx.emit(FuturesTrade, trade_id, symbol, price, q, order.side, maker.order_id,
                 order.order_id, maker.user, order.user, value, m_fee, t_fee, m_pnl, t_pnl,
                 liq_flag)
        for pos in m_pos:
            _finish_position(state, ctx, fs, contract, pos, _TRADE)
        for pos in t_pos:
            if pos in m_pos:
                continue  # a self-trade touched the same position
            if acc is not None:
                # the liquidated side is finished by liquidation.py (its margin is settled there)
                if pos.size == 0:
                    fs.remove_position(pos, contract)
                    emit_position(ctx, contract, pos, int(PositionReason.LIQUIDATION))
                continue
            _finish_position(state, ctx, fs, contract, pos, _TRADE)
        if (maker.tp_trigger or maker.sl_trigger) and not maker.reduce:
            preset_tpsl(state, ctx, fs, contract, maker, q)  # a resting order's preset TP/SL
        if maker.remaining == 0:
            maker_resting_cleanup(state, ctx, fs, contract, maker, 0)
        touched_users[maker.user] = None
    if fs.reduce_orders:
        for user in touched_users:
            if user != order.user:
                trim_reduce_orders(state, ctx, fs, contract, user)
    if taker_stp:
        close_order(state, ctx, fs, contract, order, _CANCELLED, int(CloseReason.STP))
    elif order.remaining == 0:
        close_order(state, ctx, fs, contract, order, _FILLED, 0)
    elif order.order_type == _MARKET or order.force == _IOC or order.force == _FOK or \
            acc is not None:
        reason = (CloseReason.NO_LIQUIDITY if order.order_type == OrderType.MARKET
                  else CloseReason.IOC)
        close_order(state, ctx, fs, contract, order, _CANCELLED, int(reason))
    elif order.reduce and closable(fs, fs.position(order.user, contract.symbol, order.hold_side),
                                   order.order_id) < order.remaining:
        close_order(state, ctx, fs, contract, order, _CANCELLED, int(CloseReason.USER))
    else:
        book.side(order.side).add(order)
        fs.add_order(order)
        if order.client_oid:
            fs.client_oids[(0, order.user, order.client_oid)] = order.order_id
    if order.kind != _LIQ and (order.user, symbol) in fs.reduce_orders:
        trim_reduce_orders(state, ctx, fs, contract, order.user)


def maker_resting_cleanup(state: "EngineState", ctx: Context, fs: FuturesState,
                          contract: Contract, maker: FutOrder, reason: int) -> None:
    """A maker left the book inside ``match`` (filled or STP): unindex it and close it."""
    if maker.resting:
        if reason:  # STP: the book took it out whole; its promise to close is gone too
            maker.remaining = 0
        fs.drop_order(maker)
        if maker.client_oid:
            fs.client_oids.pop((0, maker.user, maker.client_oid), None)
    status = _FILLED if reason == 0 else _CANCELLED
    if maker.hold:
        balance = balance_of(state, maker.user, contract)
        move(state, ctx, balance, FROZEN, balance, AVAILABLE, maker.hold)
        maker.hold = 0
    ctx.emit(FuturesOrderClosed, maker.order_id, maker.user, maker.symbol, status, reason,
             maker.filled_size, maker.filled_value, maker.fee, maker.pnl)
