"""Command handlers of the futures product: validate first, then mutate."""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Tuple

from ..context import Context
from ..enums import CloseReason, Force, OrderStatus, OrderType, PlanStatus, SystemOwner
from ..admin import CLIENT_OID_WINDOW_NS
from ..events import Duplicate, Rejected
from ..ledger.ledger import AVAILABLE, FROZEN
from ..reject import RejectCode
from ..units import AMOUNT_MAX, div_ceil
from .commands import (AdjustMargin, CancelAllFutures, CancelFuturesOrder, CancelFuturesPlan,
                       ClosePositions, FundInsurance, ListContract, ModifyFuturesOrder,
                       ModifyFuturesPlan, PlaceFuturesOrder,
                       PlaceFuturesPlan, SetAutoMargin, SetContractStatus, SetLeverage,
                       SetMarginMode, SetPositionMode, UpdatePrices)
from .contracts import PPM, Contract, tiers_text, validate_contract
from .enums import (ContractStatus, HoldSide, InsuranceReason, MarginMode, OrderKind, PlanType,
                    PositionReason, PosMode, TradeSide)
from .events import (AutoMarginSet, ContractListed, ContractStatusChanged,
                     LeverageSet, MarginModeSet, PositionModeSet, PriceUpdated)
from .insurance import emit_fund
from .liquidation import run_liquidations
from .margin import refresh_account, refresh_position, transferable
from .plans import add_plan as _add_plan, check_plans, close_plan, preset_tpsl
from .positions import unrealised
from .pricing import compute_index, compute_mark, predicted_rate, sample_premium
from .state import _DEFAULT_SETTING, FuturesState, FutOrder, FutPlan, balance_of, fstate
from .trading import accept, close_order, closable, emit_position, execute, move

if TYPE_CHECKING:
    from ..engine.state import EngineState

__all__ = ["HANDLERS", "place_from_plan", "on_tick", "expire_client_oids"]

_CANCELLED = int(OrderStatus.CANCELLED)
_USER = int(CloseReason.USER)
_ISO = int(MarginMode.ISOLATED)
_INT_ONLY = {int}
_HEDGE = int(PosMode.HEDGE)
_CLOSE = int(TradeSide.CLOSE)
_NORMAL = int(ContractStatus.NORMAL)
_LIMIT = int(OrderType.LIMIT)
_IOC = int(Force.IOC)
_NORMAL_KIND = int(OrderKind.NORMAL)


def _reject(ctx: Context, name: str, user: int, code: RejectCode, ref: str = "") -> None:
    ctx.emit(Rejected, name, user, int(code), ref)


def _busy(fs: FuturesState, user: int, symbol: str) -> bool:
    return (user, symbol) in fs.by_user or (user, symbol) in fs.user_orders


# ---- operator ------------------------------------------------------------------------

def list_contract(state: "EngineState", ctx: Context, cmd: ListContract) -> None:
    fs = fstate(state)
    code = validate_contract(cmd, state.assets, fs.contracts)
    if code is not None:
        _reject(ctx, "ListContract", 0, code, cmd.symbol)
        return
    contract = Contract(cmd._replace(ts_ns=ctx.ts), state.assets[cmd.margin_asset])
    fs.contracts[cmd.symbol] = contract
    ctx.emit(ContractListed, *cmd[1:18], tiers_text(contract.tiers), *cmd[19:],
             contract.next_funding_ns)


def set_contract_status(state: "EngineState", ctx: Context, cmd: SetContractStatus) -> None:
    contract = fstate(state).contracts.get(cmd.symbol)
    if contract is None or cmd.status not in (0, 1):
        _reject(ctx, "SetContractStatus", 0, RejectCode.UNKNOWN_SYMBOL if contract is None
                else RejectCode.INVALID_ARGUMENT, cmd.symbol)
        return
    contract.status = cmd.status
    ctx.emit(ContractStatusChanged, cmd.symbol, cmd.status)


def fund_insurance(state: "EngineState", ctx: Context, cmd: FundInsurance) -> None:
    if cmd.asset not in state.assets:
        _reject(ctx, "FundInsurance", 0, RejectCode.UNKNOWN_ASSET, cmd.asset)
        return
    if not 0 < cmd.amount <= AMOUNT_MAX:
        _reject(ctx, "FundInsurance", 0, RejectCode.AMOUNT_OUT_OF_RANGE, cmd.asset)
        return
    world = state.ledger.system(SystemOwner.EXTERNAL, cmd.asset)  # the outside world
    fund = state.ledger.system(SystemOwner.INSURANCE, cmd.asset)
    move(state, ctx, world, AVAILABLE, fund, AVAILABLE, cmd.amount)
    emit_fund(state, ctx, cmd.asset, cmd.amount, int(InsuranceReason.FUNDED), "")


def update_prices(state: "EngineState", ctx: Context, cmd: UpdatePrices) -> None:
    fs = fstate(state)
    contract = fs.contracts.get(cmd.symbol)
    sources = cmd.sources
    if contract is None:
        _reject(ctx, "UpdatePrices", 0, RejectCode.UNKNOWN_SYMBOL, cmd.symbol)
        return
    # apply checks that ``sources`` is a tuple, not what it holds: check each triple here
    if not all(type(s) is tuple and len(s) == 3 and type(s[0]) is str and type(s[1]) is int
               and type(s[2]) is int and s[1] > 0 and s[2] >= 0 for s in sources):
        _reject(ctx, "UpdatePrices", 0, RejectCode.INVALID_ARGUMENT, cmd.symbol)
        return
    rows = list(sources)
    market = state.markets.get(contract.spot_symbol) if contract.spot_symbol else None
    if market is not None and market.last_price > 0:
        shift = contract.price_precision - market.price_precision
        spot = market.last_price * 10**shift if shift >= 0 else market.last_price // 10**(-shift)
        if spot > 0:
            rows.append(("self", spot, contract.spot_weight))
    index, used = compute_index(contract, rows)
    if index is None or index <= 0:
        contract.stale = 1
    else:
        contract.stale = 0
        contract.index = index
        sample_premium(contract)
        contract.mark = compute_mark(contract, ctx.ts)
    ctx.emit(PriceUpdated, contract.symbol, contract.index, contract.mark, contract.last,
             predicted_rate(contract), contract.next_funding_ns, contract.stale,
             ";".join(f"{n}:{p}:{w}:{u}" for n, p, w, u in used))
    if not contract.stale:
        check_plans(state, ctx, contract)
        run_liquidations(state, ctx, contract)


# ---- settings ------------------------------------------------------------------------

def set_position_mode(state: "EngineState", ctx: Context, cmd: SetPositionMode) -> None:
    fs = fstate(state)
    if cmd.user <= 0 or cmd.product_type not in (0, 1, 2) or cmd.pos_mode not in (0, 1):
        _reject(ctx, "SetPositionMode", cmd.user, RejectCode.INVALID_ARGUMENT)
        return
    for contract in fs.contracts.values():
        if contract.product_type == cmd.product_type and _busy(fs, cmd.user, contract.symbol):
            _reject(ctx, "SetPositionMode", cmd.user, RejectCode.HAS_POSITIONS_OR_ORDERS)
            return
    if any(c.product_type == cmd.product_type and (cmd.user, c.symbol) in fs.user_plans
           for c in fs.contracts.values()):
        _reject(ctx, "SetPositionMode", cmd.user, RejectCode.HAS_POSITIONS_OR_ORDERS)
        return
    if cmd.pos_mode == 0:
        fs.pos_modes.pop((cmd.user, cmd.product_type), None)
    else:
        fs.pos_modes[(cmd.user, cmd.product_type)] = cmd.pos_mode
    ctx.emit(PositionModeSet, cmd.user, cmd.product_type, cmd.pos_mode)


def set_margin_mode(state: "EngineState", ctx: Context, cmd: SetMarginMode) -> None:
    fs = fstate(state)
    contract = fs.contracts.get(cmd.symbol)
    if contract is None:
        _reject(ctx, "SetMarginMode", cmd.user, RejectCode.UNKNOWN_SYMBOL, cmd.symbol)
        return
    if cmd.user <= 0 or cmd.margin_mode not in (0, 1):
        _reject(ctx, "SetMarginMode", cmd.user, RejectCode.INVALID_ARGUMENT, cmd.symbol)
        return
    if _busy(fs, cmd.user, cmd.symbol):
        _reject(ctx, "SetMarginMode", cmd.user, RejectCode.HAS_POSITIONS_OR_ORDERS, cmd.symbol)
        return
    fs.setting(cmd.user, cmd.symbol).margin_mode = cmd.margin_mode
    ctx.emit(MarginModeSet, cmd.user, cmd.symbol, cmd.margin_mode)


def _sides(hold_side: int) -> Tuple[int, ...]:
    return (0, 1) if hold_side == HoldSide.BOTH else (hold_side,)


def set_leverage(state: "EngineState", ctx: Context, cmd: SetLeverage) -> None:
    fs = fstate(state)
    contract = fs.contracts.get(cmd.symbol)
    if contract is None:
        _reject(ctx, "SetLeverage", cmd.user, RejectCode.UNKNOWN_SYMBOL, cmd.symbol)
        return
    if cmd.user <= 0 or cmd.hold_side not in (-1, 0, 1) or cmd.leverage < 1:
        _reject(ctx, "SetLeverage", cmd.user, RejectCode.INVALID_ARGUMENT, cmd.symbol)
        return
    if cmd.leverage > contract.max_leverage():
        _reject(ctx, "SetLeverage", cmd.user, RejectCode.LEVERAGE_TOO_HIGH, cmd.symbol)
        return
    balance = balance_of(state, cmd.user, contract)
    need = 0
    changes = []
    for side in _sides(cmd.hold_side):
        pos = fs.position(cmd.user, cmd.symbol, side)
        if pos is None:
            continue
        value = contract.value(pos.size, contract.mark or 1)
        if contract.tier(value)[1] < cmd.leverage:
            _reject(ctx, "SetLeverage", cmd.user, RejectCode.LEVERAGE_TOO_HIGH, cmd.symbol)
            return
        if pos.margin_mode == _ISO:
            im = div_ceil(pos.cost, cmd.leverage)
            need += max(0, im - pos.margin)
            changes.append((pos, max(0, im - pos.margin)))
        else:
            changes.append((pos, 0))
    if need > balance.available:
        _reject(ctx, "SetLeverage", cmd.user, RejectCode.INSUFFICIENT_MARGIN, cmd.symbol)
        return
    setting = fs.setting(cmd.user, cmd.symbol)
    for side in _sides(cmd.hold_side):
        setting.leverage[side] = cmd.leverage
        ctx.emit(LeverageSet, cmd.user, cmd.symbol, side, cmd.leverage)
    for pos, add in changes:
        pos.leverage = cmd.leverage
        move(state, ctx, balance, AVAILABLE, balance, FROZEN, add)
        pos.margin += add
        refresh_position(state, fs, pos)
        emit_position(ctx, contract, pos, int(PositionReason.SETTINGS))
    refresh_account(state, fs, balance.key)


def adjust_margin(state: "EngineState", ctx: Context, cmd: AdjustMargin) -> None:
    fs = fstate(state)
    contract = fs.contracts.get(cmd.symbol)
    if contract is None:
        _reject(ctx, "AdjustMargin", cmd.user, RejectCode.UNKNOWN_SYMBOL, cmd.symbol)
        return
    if cmd.user <= 0 or cmd.amount == 0 or \
            abs(cmd.amount) > AMOUNT_MAX or cmd.hold_side not in (-1, 0, 1):
        _reject(ctx, "AdjustMargin", cmd.user, RejectCode.INVALID_ARGUMENT, cmd.symbol)
        return
    pos = None
    for side in _sides(cmd.hold_side):
        pos = pos or fs.position(cmd.user, cmd.symbol, side)
    if pos is None:
        _reject(ctx, "AdjustMargin", cmd.user, RejectCode.NO_POSITION, cmd.symbol)
        return
    if pos.margin_mode != _ISO:
        _reject(ctx, "AdjustMargin", cmd.user, RejectCode.NOT_ISOLATED, cmd.symbol)
        return
    balance = balance_of(state, cmd.user, contract)
    if cmd.amount > 0:
        room = transferable(state, cmd.user, contract.account, contract.margin_asset) or 0
        if cmd.amount > room:
            _reject(ctx, "AdjustMargin", cmd.user, RejectCode.INSUFFICIENT_MARGIN, cmd.symbol)
            return
        move(state, ctx, balance, AVAILABLE, balance, FROZEN, cmd.amount)
        pos.margin += cmd.amount
    else:
        value = contract.value(pos.size, contract.mark or 1)
        keep = div_ceil(value, pos.leverage) - min(0, unrealised(contract, pos, contract.mark))
        if pos.margin + cmd.amount < keep:
            _reject(ctx, "AdjustMargin", cmd.user, RejectCode.MARGIN_REMOVE_EXCEEDS, cmd.symbol)
            return
        move(state, ctx, balance, FROZEN, balance, AVAILABLE, -cmd.amount)
        pos.margin += cmd.amount
    refresh_position(state, fs, pos)
    refresh_account(state, fs, balance.key)
    emit_position(ctx, contract, pos, int(PositionReason.MARGIN))


def set_auto_margin(state: "EngineState", ctx: Context, cmd: SetAutoMargin) -> None:
    fs = fstate(state)
    contract = fs.contracts.get(cmd.symbol)
    if contract is None:
        _reject(ctx, "SetAutoMargin", cmd.user, RejectCode.UNKNOWN_SYMBOL, cmd.symbol)
        return
    if cmd.user <= 0 or cmd.on not in (0, 1) or cmd.hold_side not in (-1, 0, 1):
        _reject(ctx, "SetAutoMargin", cmd.user, RejectCode.INVALID_ARGUMENT, cmd.symbol)
        return
    if fs.peek_setting(cmd.user, cmd.symbol).margin_mode != _ISO:
        _reject(ctx, "SetAutoMargin", cmd.user, RejectCode.NOT_ISOLATED, cmd.symbol)
        return
    setting = fs.setting(cmd.user, cmd.symbol)
    for side in _sides(cmd.hold_side):
        setting.auto_margin[side] = cmd.on
        pos = fs.position(cmd.user, cmd.symbol, side)
        if pos is not None:
            pos.auto_margin = cmd.on
        ctx.emit(AutoMarginSet, cmd.user, cmd.symbol, side, cmd.on)


# ---- orders --------------------------------------------------------------------------

def _check_order(state: "EngineState", fs: FuturesState, cmd: PlaceFuturesOrder,
                 replacing: Optional[FutOrder] = None
                 ) -> Tuple[Optional[RejectCode], Optional[FutOrder], int]:
    """Validation in reject-code order.  Returns (code, order to execute, match limit).

    ``replacing``: a resting order the new one replaces (``ModifyFuturesOrder``): checked as
    if it were already cancelled (its hold and its closing size are credited).

    Types are checked here too: ``cmd`` is not always a command ``apply`` checked, it may be
    built from a resting order (``modify_order``) or a plan (``place_from_plan``)."""
    (_, user, symbol, side, trade_side, order_type, force, price, size, reduce_only,
     client_oid, stp, margin_mode, tp_trigger, tp_price, sl_trigger, sl_price) = cmd
    contract = fs.contracts.get(symbol) if type(symbol) is str else None
    if contract is None:
        return RejectCode.UNKNOWN_SYMBOL, None, 0
    if type(user) is not int or user <= 0 or set(map(type, cmd[3:10])) != _INT_ONLY or \
            set(map(type, cmd[11:])) != _INT_ONLY or \
            type(client_oid) is not str or len(client_oid) > 64 or \
            side not in (0, 1) or trade_side not in (-1, 0, 1) or \
            order_type not in (0, 1) or force not in (0, 1, 2, 3) or \
            reduce_only not in (0, 1) or stp not in (0, 1, 2, 3) or \
            margin_mode not in (-1, 0, 1) or price < 0 or size <= 0:
        return RejectCode.INVALID_ARGUMENT, None, 0
    if size > AMOUNT_MAX or price > AMOUNT_MAX:
        return RejectCode.AMOUNT_OUT_OF_RANGE, None, 0
    hedge = fs.pos_modes.get((user, contract.product_type), 0) == _HEDGE
    if hedge != (trade_side >= 0) or (hedge and reduce_only):
        return RejectCode.POSITION_MODE_MISMATCH, None, 0
    if hedge:
        hold_side = side  # Bitget hedge: side names the position (buy = long)
        reduce = trade_side == _CLOSE
        book_side = 1 - side if reduce else side
    else:
        book_side = side
        reduce = reduce_only == 1
        hold_side = (1 - side) if reduce else side  # the position it closes/opens
    if contract.status != _NORMAL and not reduce:
        return RejectCode.CONTRACT_HALTED, None, 0
    limit = order_type == _LIMIT
    if limit and (price <= 0 or price % contract.tick):
        return RejectCode.PRICE_PRECISION, None, 0
    if size % contract.lot:
        return RejectCode.SIZE_PRECISION, None, 0
    if size < contract.min_size:
        return RejectCode.SIZE_TOO_SMALL, None, 0
    if size > contract.max_size:
        return RejectCode.SIZE_TOO_LARGE, None, 0
    mark = contract.mark
    if mark <= 0:
        return RejectCode.INDEX_STALE, None, 0
    band = contract.price_band_ppm
    if limit and band and abs(price - mark) * PPM > mark * band:
        return RejectCode.PRICE_OUT_OF_BAND, None, 0
    setting = fs.settings.get((user, symbol)) or _DEFAULT_SETTING
    mode = setting.margin_mode
    if margin_mode >= 0 and margin_mode != mode:
        if _busy(fs, user, symbol):
            return RejectCode.HAS_POSITIONS_OR_ORDERS, None, 0
        mode = margin_mode
    if not limit:
        price = contract.band_price(book_side)
    leverage = setting.leverage[hold_side]
    hold = 0
    sides = fs.by_user.get((user, symbol))
    if reduce:
        pos = sides.get(hold_side) if sides else None
        if pos is None:
            return RejectCode.NO_POSITION, None, 0
        if size > closable(fs, pos, replacing.order_id if replacing is not None else 0):
            return RejectCode.REDUCE_EXCEEDS_POSITION, None, 0
    else:
        opening = size
        if not hedge and sides:
            opposite = sides.get(1 - hold_side)
            if opposite is not None:
                opening = max(0, size - opposite.qty)
        if opening:
            value = contract.order_value(opening, price)
            if contract.min_notional and contract.order_value(size, price) < contract.min_notional:
                return RejectCode.NOTIONAL_TOO_SMALL, None, 0
            pos = sides.get(hold_side) if sides else None
            after = contract.value(contract.units(opening, price) + (pos.size if pos else 0),
                                   max(price, mark) if not contract.inverse else min(price, mark))
            if after > contract.bounds[-1]:
                return RejectCode.POSITION_TIER_EXCEEDED, None, 0
            if contract.tier(after)[1] < leverage:
                return RejectCode.LEVERAGE_TOO_HIGH, None, 0
            hold = -(-value // leverage) - ((-value * contract.taker_fee_ppm) // PPM)
            balance = state.ledger.balances.get((user, contract.account, contract.margin_asset))
            credit = replacing.hold if replacing is not None else 0
            if balance is None or hold > balance.available + credit:
                return RejectCode.INSUFFICIENT_MARGIN, None, 0
    order = FutOrder(state.next_order_id, user, symbol, book_side, side, trade_side, hold_side,
                     order_type, force if limit else _IOC, price, size, size, 1 if reduce else 0,
                     client_oid, stp, mode, leverage, hold, 0, 0, 0, 0, _NORMAL_KIND, 0, 0,
                     tp_trigger, tp_price, sl_trigger, sl_price)
    return None, order, price


def _run_order(state: "EngineState", ctx: Context, fs: FuturesState, contract: Contract,
               order: FutOrder, limit: int) -> None:
    if order.margin_mode != fs.peek_setting(order.user, order.symbol).margin_mode:
        fs.setting(order.user, order.symbol).margin_mode = order.margin_mode
        ctx.emit(MarginModeSet, order.user, order.symbol, order.margin_mode)
    state.next_order_id += 1
    order.ts_ns = ctx.ts
    hold = order.hold
    if hold:  # checked against available by _check_order
        balance = balance_of(state, order.user, contract)
        balance.available -= hold
        balance.frozen += hold
        ctx.touch(balance)
    accept(ctx, order)
    execute(state, ctx, fs, contract, order, limit)
    if order.filled_size and (order.tp_trigger or order.sl_trigger) and not order.reduce:
        # the taker part at placement; later maker fills add theirs (trading.execute)
        preset_tpsl(state, ctx, fs, contract, order, order.filled_size)


def place_order(state: "EngineState", ctx: Context, cmd: PlaceFuturesOrder) -> None:
    fs = fstate(state)
    if cmd.client_oid and _idempotent(fs, ctx, 0, cmd, "PlaceFuturesOrder"):
        return
    code, order, limit = _check_order(state, fs, cmd)
    if code is not None or order is None:
        _reject(ctx, "PlaceFuturesOrder", cmd.user, code or RejectCode.INVALID_ARGUMENT,
                cmd.client_oid)
        return
    contract = fs.contracts[cmd.symbol]
    last = contract.last
    _run_order(state, ctx, fs, contract, order, limit)
    if cmd.client_oid:
        _remember(fs, ctx, 0, cmd, order.order_id)
    if contract.last != last and ((contract.symbol, 0) in fs.triggers or
                                  contract.symbol in fs.trailing):
        check_plans(state, ctx, contract)  # last-price plans follow the trades


def modify_order(state: "EngineState", ctx: Context, cmd: ModifyFuturesOrder) -> None:
    """Cancel + new order, the new one checked in full first: a refusal changes nothing."""
    fs = fstate(state)
    name = "ModifyFuturesOrder"
    contract = fs.contracts.get(cmd.symbol)
    order_id = cmd.order_id
    if cmd.client_oid and not order_id:
        order_id = fs.client_oids.get((0, cmd.user, cmd.client_oid), 0)
    order = fs.orders.get(order_id)
    if contract is None or order is None or order.user != cmd.user or \
            order.symbol != cmd.symbol or not order.resting:
        _reject(ctx, name, cmd.user, RejectCode.ORDER_NOT_FOUND,
                str(cmd.order_id or cmd.client_oid))
        return
    if len(cmd.new_client_oid) > 64 or cmd.new_size < 0 or cmd.new_price < 0 or \
            cmd.new_tp_trigger < -1 or cmd.new_sl_trigger < -1:
        _reject(ctx, name, cmd.user, RejectCode.INVALID_ARGUMENT, str(order.order_id))
        return
    price = cmd.new_price or order.price
    size = cmd.new_size or order.remaining
    tp = order.tp_trigger if cmd.new_tp_trigger < 0 else cmd.new_tp_trigger
    sl = order.sl_trigger if cmd.new_sl_trigger < 0 else cmd.new_sl_trigger
    if (price, size, tp, sl) == (order.price, order.remaining, order.tp_trigger,
                                 order.sl_trigger) and not cmd.new_client_oid:
        _reject(ctx, name, cmd.user, RejectCode.NOTHING_TO_MODIFY, str(order.order_id))
        return
    new_oid = cmd.new_client_oid
    if new_oid and ((0, cmd.user, new_oid) in fs.oid_seen or
                    (0, cmd.user, new_oid) in fs.client_oids):
        _reject(ctx, name, cmd.user, RejectCode.DUPLICATE_DIFFERENT, new_oid)
        return
    new = PlaceFuturesOrder(ctx.ts, cmd.user, cmd.symbol, order.wire_side, order.trade_side,
                            order.order_type, order.force, price, size,
                            order.reduce if order.trade_side < 0 else 0, new_oid, order.stp,
                            order.margin_mode, tp, order.tp_price if tp else 0, sl,
                            order.sl_price if sl else 0)
    code, replacement, limit = _check_order(state, fs, new, order)
    if code is not None or replacement is None:
        _reject(ctx, name, cmd.user, code or RejectCode.INVALID_ARGUMENT, str(order.order_id))
        return
    last = contract.last
    close_order(state, ctx, fs, contract, order, _CANCELLED, int(CloseReason.REPLACED))
    _run_order(state, ctx, fs, contract, replacement, limit)
    if new_oid:
        _remember(fs, ctx, 0, new, replacement.order_id)
    if contract.last != last and ((contract.symbol, 0) in fs.triggers or
                                  contract.symbol in fs.trailing):
        check_plans(state, ctx, contract)


# ---- client order ids (idempotency, like spot: core/spot/handlers.py) ----------------------

def _idempotent(fs: FuturesState, ctx: Context, kind: int, cmd: tuple, name: str) -> bool:
    """A client id seen within the window: Duplicate for an identical retry, else reject."""
    key = (kind, cmd.user, cmd.client_oid)  # type: ignore[attr-defined]
    entry = fs.oid_seen.get(key)
    if entry is None:
        return False
    # a retry is the same command (types need no comparing: apply checked both exactly)
    if entry[1] == cmd[1:]:
        ctx.emit(Duplicate, name, cmd.user, cmd.client_oid, entry[0])  # type: ignore[attr-defined]
    else:
        _reject(ctx, name, cmd.user, RejectCode.DUPLICATE_DIFFERENT, cmd.client_oid)  # type: ignore
    return True


def _remember(fs: FuturesState, ctx: Context, kind: int, cmd: tuple, obj_id: int) -> None:
    key = (kind, cmd.user, cmd.client_oid)  # type: ignore[attr-defined]
    fs.oid_seen[key] = (obj_id, tuple(cmd[1:]), ctx.ts)
    fs.oid_expiry.append((ctx.ts, key))


def expire_client_oids(state: "EngineState", ctx: Context) -> None:
    """Forget client ids older than the window (``ClockTick``); live ones are kept."""
    fs = fstate(state)
    expiry, horizon = fs.oid_expiry, ctx.ts - CLIENT_OID_WINDOW_NS
    while expiry and expiry[0][0] <= horizon:
        ts, key = expiry.popleft()
        entry = fs.oid_seen.get(key)
        if entry is None or entry[2] != ts:
            continue  # superseded by a later use of the same id
        if key in fs.client_oids:
            fs.oid_seen[key] = (entry[0], entry[1], ctx.ts)
            expiry.append((ctx.ts, key))  # still live: look again after another window
        else:
            del fs.oid_seen[key]


def on_tick(state: "EngineState", ctx: Context) -> None:
    """``Product.on_tick``: client-id expiry, then funding."""
    from .funding import on_tick as funding_tick
    expire_client_oids(state, ctx)
    funding_tick(state, ctx)


def cancel_order(state: "EngineState", ctx: Context, cmd: CancelFuturesOrder) -> None:
    fs = fstate(state)
    contract = fs.contracts.get(cmd.symbol)
    order_id = cmd.order_id
    if cmd.client_oid and not order_id:
        order_id = fs.client_oids.get((0, cmd.user, cmd.client_oid), 0)
    order = fs.orders.get(order_id)
    if contract is None or order is None or order.user != cmd.user or order.symbol != cmd.symbol:
        _reject(ctx, "CancelFuturesOrder", cmd.user, RejectCode.ORDER_NOT_FOUND,
                str(cmd.order_id or cmd.client_oid))
        return
    close_order(state, ctx, fs, contract, order, _CANCELLED, _USER)


def cancel_all(state: "EngineState", ctx: Context, cmd: CancelAllFutures) -> None:
    fs = fstate(state)
    if cmd.symbol and cmd.symbol not in fs.contracts:
        _reject(ctx, "CancelAllFutures", cmd.user, RejectCode.UNKNOWN_SYMBOL, cmd.symbol)
        return
    if cmd.user <= 0:
        _reject(ctx, "CancelAllFutures", cmd.user, RejectCode.INVALID_ARGUMENT)
        return
    for symbol in sorted(fs.contracts):
        contract = fs.contracts[symbol]
        if (cmd.symbol and symbol != cmd.symbol) or \
                (not cmd.symbol and contract.product_type != cmd.product_type):
            continue
        for order in list((fs.user_orders.get((cmd.user, symbol)) or {}).values()):
            close_order(state, ctx, fs, contract, order, _CANCELLED, _USER)
        if cmd.plans:
            for plan in list((fs.user_plans.get((cmd.user, symbol)) or {}).values()):
                close_plan(ctx, fs, plan, int(PlanStatus.CANCELLED), 0)


def close_positions(state: "EngineState", ctx: Context, cmd: ClosePositions) -> None:
    fs = fstate(state)
    if cmd.symbol and cmd.symbol not in fs.contracts:
        _reject(ctx, "ClosePositions", cmd.user, RejectCode.UNKNOWN_SYMBOL, cmd.symbol)
        return
    if cmd.user <= 0 or cmd.hold_side not in (-1, 0, 1):
        _reject(ctx, "ClosePositions", cmd.user, RejectCode.INVALID_ARGUMENT)
        return
    targets = []
    for symbol in sorted(fs.contracts):
        contract = fs.contracts[symbol]
        if (cmd.symbol and symbol != cmd.symbol) or \
                (not cmd.symbol and contract.product_type != cmd.product_type):
            continue
        for side in _sides(cmd.hold_side):
            pos = fs.position(cmd.user, symbol, side)
            if pos is not None:
                targets.append((contract, pos))
    if not targets:
        _reject(ctx, "ClosePositions", cmd.user, RejectCode.NO_POSITION, cmd.symbol)
        return
    for contract, pos in targets:
        # resting closing orders on the position are cancelled first (Bitget flash close)
        for order in list((fs.user_orders.get((cmd.user, contract.symbol)) or {}).values()):
            if order.reduce and order.hold_side == pos.side:
                close_order(state, ctx, fs, contract, order, _CANCELLED, _USER)
        _close_market(state, ctx, fs, contract, pos, pos.qty, int(OrderKind.CLOSE_ALL), 0)


def _close_market(state: "EngineState", ctx: Context, fs: FuturesState, contract: Contract,
                  pos, size: int, kind: int, plan_id: int, limit_price: int = 0) -> int:  # type: ignore[no-untyped-def]
    side = 1 if pos.side == 0 else 0
    limit = limit_price or contract.band_price(side)
    order = FutOrder(order_id=state.next_order_id, user=pos.user, symbol=contract.symbol,
                     side=side, wire_side=side if pos.pos_mode == 0 else pos.side,
                     trade_side=int(TradeSide.CLOSE) if pos.pos_mode else -1,
                     hold_side=pos.side,
                     order_type=int(OrderType.LIMIT if limit_price else OrderType.MARKET),
                     force=int(Force.GTC if limit_price else Force.IOC), price=limit,
                     size=size, remaining=size, reduce=1, client_oid="", stp=0,
                     margin_mode=pos.margin_mode, leverage=pos.leverage, kind=kind,
                     plan_id=plan_id, ts_ns=ctx.ts)
    state.next_order_id += 1
    accept(ctx, order)
    execute(state, ctx, fs, contract, order, limit)
    return order.order_id


# ---- plans ---------------------------------------------------------------------------

def _check_plan(fs: FuturesState, contract: Contract, cmd: PlaceFuturesPlan,
                replacing: Optional[FutPlan] = None) -> Tuple[Optional[RejectCode], int, int]:
    """Validation of a plan in reject-code order: (code, side, hold side).  ``replacing``:
    the plan the new one replaces (``ModifyFuturesPlan``), not a duplicate of it.

    Types are checked here too: ``modify_plan`` builds ``cmd`` partly from the old plan."""
    ints = (cmd.plan_type, cmd.trigger_price, cmd.trigger_type, cmd.side, cmd.trade_side,
            cmd.hold_side, cmd.order_type, cmd.price, cmd.size, cmd.reduce_only, cmd.callback_ppm)
    if type(cmd.user) is not int or cmd.user <= 0 or any(type(v) is not int for v in ints) or \
            cmd.plan_type not in range(6) or cmd.trigger_type not in (0, 1) or \
            cmd.side not in (0, 1) or cmd.order_type not in (0, 1) or cmd.trigger_price < 0 or \
            cmd.price < 0 or cmd.size < 0 or not 0 <= cmd.callback_ppm <= 100_000 or \
            type(cmd.client_oid) is not str:
        return RejectCode.INVALID_ARGUMENT, 0, 0
    if contract.mark <= 0:
        return RejectCode.INDEX_STALE, 0, 0
    if cmd.trigger_price % contract.tick or cmd.price % contract.tick:
        return RejectCode.PRICE_PRECISION, 0, 0
    plan_type = cmd.plan_type
    if plan_type == PlanType.TRACK_PLAN and cmd.callback_ppm <= 0:
        return RejectCode.INVALID_ARGUMENT, 0, 0
    if plan_type != PlanType.TRACK_PLAN and cmd.trigger_price <= 0:
        return RejectCode.INVALID_ARGUMENT, 0, 0
    reference = contract.mark if cmd.trigger_type == 1 else (contract.last or contract.mark)
    if plan_type != PlanType.TRACK_PLAN and cmd.trigger_price == reference:
        return RejectCode.TRIGGER_EQUALS_PRICE, 0, 0
    hold_side, side = cmd.hold_side, cmd.side
    if plan_type in (1, 2, 3, 4):
        if hold_side not in (0, 1):
            pos = fs.position(cmd.user, cmd.symbol, 0) or fs.position(cmd.user, cmd.symbol, 1)
            hold_side = pos.side if pos is not None else -1
        pos = fs.position(cmd.user, cmd.symbol, hold_side) if hold_side in (0, 1) else None
        if pos is None:
            return RejectCode.NO_POSITION, 0, 0
        if plan_type in (3, 4) and (cmd.size <= 0 or cmd.size % contract.lot or cmd.size > pos.qty):
            return RejectCode.REDUCE_EXCEEDS_POSITION, 0, 0
        # profit above (long) / below (short) the reference; loss the other way
        up = cmd.trigger_price > reference
        wants_up = (plan_type in (1, 3)) == (pos.side == 0)
        if up != wants_up:
            return RejectCode.TPSL_WRONG_SIDE, 0, 0
        if plan_type in (1, 2) and any(
                p.plan_type == plan_type and p.hold_side == hold_side and p is not replacing
                for p in (fs.user_plans.get((cmd.user, cmd.symbol)) or {}).values()):
            return RejectCode.DUPLICATE_TPSL, 0, 0
        side = 1 if hold_side == 0 else 0
    elif cmd.size <= 0 or cmd.size % contract.lot:
        return RejectCode.SIZE_PRECISION, 0, 0
    return None, side, hold_side


def _plan_from(state: "EngineState", ctx: Context, fs: FuturesState, contract: Contract,
               cmd: PlaceFuturesPlan, side: int, hold_side: int, parent: int) -> int:
    return _add_plan(state, ctx, fs, contract, cmd.user, cmd.plan_type, cmd.trigger_price,
                     cmd.trigger_type, side, cmd.trade_side, hold_side, cmd.order_type,
                     cmd.price, 0 if cmd.plan_type in (1, 2) else cmd.size, cmd.reduce_only,
                     cmd.callback_ppm, cmd.client_oid, parent)


def place_plan(state: "EngineState", ctx: Context, cmd: PlaceFuturesPlan) -> None:
    fs = fstate(state)
    contract = fs.contracts.get(cmd.symbol)
    name = "PlaceFuturesPlan"
    oid = cmd.client_oid
    if oid and _idempotent(fs, ctx, 1, cmd, name):
        return
    if contract is None:
        _reject(ctx, name, cmd.user, RejectCode.UNKNOWN_SYMBOL, oid)
        return
    code, side, hold_side = _check_plan(fs, contract, cmd)
    if code is not None:
        _reject(ctx, name, cmd.user, code, oid)
        return
    plan_id = _plan_from(state, ctx, fs, contract, cmd, side, hold_side, 0)
    if cmd.client_oid:
        _remember(fs, ctx, 1, cmd, plan_id)


def modify_plan(state: "EngineState", ctx: Context, cmd: ModifyFuturesPlan) -> None:
    """Replace a live plan (new id, same client id and parent): the replacement is checked
    in full first, so a refusal leaves the old plan live."""
    fs = fstate(state)
    name = "ModifyFuturesPlan"
    plan_id = cmd.plan_id
    if cmd.client_oid and not plan_id:
        plan_id = fs.client_oids.get((1, cmd.user, cmd.client_oid), 0)
    plan = fs.plans.get(plan_id)
    contract = fs.contracts.get(cmd.symbol)
    if contract is None or plan is None or plan.user != cmd.user or plan.symbol != cmd.symbol:
        _reject(ctx, name, cmd.user, RejectCode.PLAN_NOT_FOUND, str(cmd.plan_id or cmd.client_oid))
        return
    new = PlaceFuturesPlan(ctx.ts, cmd.user, cmd.symbol, plan.plan_type, cmd.trigger_price,
                           cmd.trigger_type, plan.side, plan.trade_side, plan.hold_side,
                           cmd.order_type, cmd.price, cmd.size, plan.reduce_only,
                           cmd.callback_ppm, plan.client_oid)
    code, side, hold_side = _check_plan(fs, contract, new, plan)
    if code is not None:
        _reject(ctx, name, cmd.user, code, str(plan.plan_id))
        return
    close_plan(ctx, fs, plan, int(PlanStatus.CANCELLED), 0)
    new_id = _plan_from(state, ctx, fs, contract, new, side, hold_side, plan.parent_order_id)
    if plan.client_oid:
        _remember(fs, ctx, 1, new, new_id)  # a retry of the old placement is no duplicate


def cancel_plan(state: "EngineState", ctx: Context, cmd: CancelFuturesPlan) -> None:
    fs = fstate(state)
    plan_id = cmd.plan_id
    if cmd.client_oid and not plan_id:
        plan_id = fs.client_oids.get((1, cmd.user, cmd.client_oid), 0)
    plan = fs.plans.get(plan_id)
    if plan is None or plan.user != cmd.user or plan.symbol != cmd.symbol:
        _reject(ctx, "CancelFuturesPlan", cmd.user, RejectCode.PLAN_NOT_FOUND,
                str(cmd.plan_id or cmd.client_oid))
        return
    close_plan(ctx, fs, plan, int(PlanStatus.CANCELLED), 0)


def place_from_plan(state: "EngineState", ctx: Context, fs: FuturesState, contract: Contract,
                    plan: FutPlan) -> Tuple[int, int]:
    """Fire a plan: (reject code or 0, order id or 0)."""
    if plan.plan_type in (1, 2, 3, 4):
        pos = fs.position(plan.user, plan.symbol, plan.hold_side)
        if pos is None:
            return int(RejectCode.NO_POSITION), 0
        size = min(pos.qty, plan.size) if plan.size else pos.qty
        size = min(size, closable(fs, pos))
        if size <= 0:
            return int(RejectCode.REDUCE_EXCEEDS_POSITION), 0
        order_id = _close_market(state, ctx, fs, contract, pos, size, int(OrderKind.PLAN),
                                 plan.plan_id, plan.price if plan.order_type == 0 else 0)
        return 0, order_id
    cmd = PlaceFuturesOrder(ctx.ts, plan.user, plan.symbol, plan.side, plan.trade_side,
                            plan.order_type, int(Force.GTC),
                            plan.price if plan.order_type == 0 else 0,
                            plan.size, plan.reduce_only, "", 0, -1)
    code, order, limit = _check_order(state, fs, cmd)
    if code is not None or order is None:
        return int(code or RejectCode.INVALID_ARGUMENT), 0
    order.kind, order.plan_id = int(OrderKind.PLAN), plan.plan_id
    _run_order(state, ctx, fs, contract, order, limit)
    return 0, order.order_id


HANDLERS = {
    ListContract: list_contract,
    SetContractStatus: set_contract_status,
    SetPositionMode: set_position_mode,
    SetMarginMode: set_margin_mode,
    SetLeverage: set_leverage,
    AdjustMargin: adjust_margin,
    SetAutoMargin: set_auto_margin,
    PlaceFuturesOrder: place_order,
    ModifyFuturesOrder: modify_order,
    CancelFuturesOrder: cancel_order,
    CancelAllFutures: cancel_all,
    ClosePositions: close_positions,
    PlaceFuturesPlan: place_plan,
    CancelFuturesPlan: cancel_plan,
    ModifyFuturesPlan: modify_plan,
    UpdatePrices: update_prices,
    FundInsurance: fund_insurance,
}
