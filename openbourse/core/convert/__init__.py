"""Convert: firm quotes priced from the live book, settled against the exchange's liquidity.

docs/convert.md describes the rules; ``PRODUCT`` plugs the package into the core.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..context import Context
from ..enums import AccountType, SystemOwner
from ..events import Duplicate, Rejected, TransferPosted
from ..ledger.ledger import AVAILABLE
from ..product import Product
from ..reject import RejectCode
from ..units import AMOUNT_MAX
from .commands import (
    AcceptQuote,
    ConvertDust,
    FundConvertLiquidity,
    RequestQuote,
    SetConvertAsset,
    SetConvertConfig,
)
from .events import (
    ConvertAssetSet,
    ConvertConfigSet,
    ConvertFilled,
    ConvertTransferCode,
    QuoteIssued,
)
from .pricing import BRIDGE, amount_in, amount_out

if TYPE_CHECKING:
    from ..engine.state import EngineState

__all__ = ["PRODUCT", "ConvertState", "Quote"]

PPM = 1_000_000
KEEP_NS = 60 * 1_000_000_000  # used/expired quotes are remembered this long after expiry
_SPOT = int(AccountType.SPOT)
_SYSTEM = int(AccountType.SYSTEM)
_LIQUIDITY = int(SystemOwner.CONVERT_LIQUIDITY)
OPEN, USED = 0, 1


class Quote:
    __slots__ = (
        "expires_ns",
        "from_amount",
        "from_asset",
        "price_e18",
        "quote_id",
        "status",
        "to_amount",
        "to_asset",
        "user",
    )

    def __init__(self, quote_id: int, user: int, from_asset: str, to_asset: str,
                 from_amount: int, to_amount: int, price_e18: int, expires_ns: int,
                 status: int = OPEN) -> None:
        self.quote_id, self.user = quote_id, user
        self.from_asset, self.to_asset = from_asset, to_asset
        self.from_amount, self.to_amount = from_amount, to_amount
        self.price_e18, self.expires_ns, self.status = price_e18, expires_ns, status

    def fields(self) -> tuple[Any, ...]:
        return (self.quote_id, self.user, self.from_asset, self.to_asset, self.from_amount,
                self.to_amount, self.price_e18, self.expires_ns, self.status)


class ConvertState:
    def __init__(self) -> None:
        self.spread_ppm = 2_000  # 0.2 %
        self.quote_ttl_ns = 8 * 1_000_000_000  # Bitget traceId: 8 s
        self.dust_max_value = 0  # bridge-asset minor units; 0 = dust conversion off
        self.assets: dict[str, tuple[int, int, int]] = {}  # asset -> (enabled, min, max)
        self.quotes: dict[int, Quote] = {}
        self.next_quote_id = 1
        self.next_convert_id = 1
        self.refs: dict[str, tuple[Any, ...]] = {}


def _cs(state: EngineState) -> ConvertState:
    return state.products["convert"]  # type: ignore[no-any-return]


def _state_tuple(cs: ConvertState) -> tuple[Any, ...]:
    return ((cs.spread_ppm, cs.quote_ttl_ns, cs.dust_max_value, cs.next_quote_id,
             cs.next_convert_id), tuple(sorted(cs.assets.items())),
            tuple(cs.quotes[q].fields() for q in sorted(cs.quotes)), tuple(sorted(cs.refs.items())))


def _restore(engine_state: EngineState, data: tuple[Any, ...]) -> ConvertState:
    cs = ConvertState()
    counters, assets, quotes, refs = data
    (cs.spread_ppm, cs.quote_ttl_ns, cs.dust_max_value, cs.next_quote_id,
     cs.next_convert_id) = counters
    cs.assets = dict(assets)
    cs.quotes = {row[0]: Quote(*row) for row in quotes}
    cs.refs = dict(refs)
    return cs


def _reject(ctx: Context, name: str, user: int, code: RejectCode, ref: str = "") -> None:
    ctx.emit(Rejected, name, user, int(code), ref)


def _price_e18(state: EngineState, source: str, target: str, paid: int, got: int) -> int:
    exponent = 18 + state.assets[source] - state.assets[target]
    if exponent >= 0:
        return got * 10**exponent // paid
    return got // (paid * 10**-exponent)


def _liquidity(state: EngineState, asset: str) -> int:
    balance = state.ledger.balances.get((_LIQUIDITY, _SYSTEM, asset))
    return balance.available if balance is not None else 0


def _settle(state: EngineState, ctx: Context, cs: ConvertState, user: int, quote_id: int,
            source: str, target: str, paid: int, got: int, price: int, dust: int) -> None:
    ledger = state.ledger
    user_from = ledger.balance(user, _SPOT, source)
    user_to = ledger.balance(user, _SPOT, target)
    pool_from = ledger.balance(_LIQUIDITY, _SYSTEM, source)
    pool_to = ledger.balance(_LIQUIDITY, _SYSTEM, target)
    ledger.post([(user_from, AVAILABLE, pool_from, AVAILABLE, paid),
                 (pool_to, AVAILABLE, user_to, AVAILABLE, got)])
    convert_id = cs.next_convert_id
    cs.next_convert_id = convert_id + 1
    ref = f"convert:{convert_id}"
    for code, debit, credit, amount in ((ConvertTransferCode.CONVERT_PAY, user_from, pool_from,
                                         paid),
                                        (ConvertTransferCode.CONVERT_RECEIVE, pool_to, user_to,
                                         got)):
        transfer_id = state.next_transfer_id
        state.next_transfer_id = transfer_id + 1
        ctx.emit(TransferPosted, transfer_id, int(code), debit.owner, debit.account,
                 credit.owner, credit.account, debit.asset, amount, ref)
        ctx.touch(debit)
        ctx.touch(credit)
    ctx.emit(ConvertFilled, convert_id, quote_id, user, source, target, paid, got, price, dust)


# ---------------------------------------------------------------- operator commands
def set_config(state: EngineState, ctx: Context, cmd: SetConvertConfig) -> None:
    values = (cmd.spread_ppm, cmd.quote_ttl_ns, cmd.dust_max_value)
    if not 0 <= cmd.spread_ppm < PPM or \
            not 0 < cmd.quote_ttl_ns <= 3600 * 10**9 or not 0 <= cmd.dust_max_value <= AMOUNT_MAX:
        _reject(ctx, "SetConvertConfig", 0, RejectCode.INVALID_ARGUMENT)
        return
    cs = _cs(state)
    cs.spread_ppm, cs.quote_ttl_ns, cs.dust_max_value = values
    ctx.emit(ConvertConfigSet, *values)


def set_asset(state: EngineState, ctx: Context, cmd: SetConvertAsset) -> None:
    values = (cmd.enabled, cmd.min_amount, cmd.max_amount)
    if cmd.enabled not in (0, 1) or not 0 <= cmd.min_amount <= cmd.max_amount <= AMOUNT_MAX:
        _reject(ctx, "SetConvertAsset", 0, RejectCode.INVALID_ARGUMENT, cmd.asset)
        return
    if cmd.asset not in state.assets:
        _reject(ctx, "SetConvertAsset", 0, RejectCode.UNKNOWN_ASSET, cmd.asset)
        return
    _cs(state).assets[cmd.asset] = values
    ctx.emit(ConvertAssetSet, cmd.asset, *values)


def fund_liquidity(state: EngineState, ctx: Context, cmd: FundConvertLiquidity) -> None:
    name, cs = "FundConvertLiquidity", _cs(state)
    if not cmd.ref or not 0 < cmd.amount <= AMOUNT_MAX:
        _reject(ctx, name, 0, RejectCode.INVALID_ARGUMENT, cmd.ref)
        return
    if cmd.asset not in state.assets:
        _reject(ctx, name, 0, RejectCode.UNKNOWN_ASSET, cmd.ref)
        return
    seen = cs.refs.get(cmd.ref)
    if seen is not None:
        if seen == cmd[1:]:
            ctx.emit(Duplicate, name, 0, cmd.ref, 0)
        else:
            _reject(ctx, name, 0, RejectCode.DUPLICATE_DIFFERENT, cmd.ref)
        return
    cs.refs[cmd.ref] = cmd[1:]
    ledger = state.ledger
    world = ledger.system(SystemOwner.EXTERNAL, cmd.asset)
    target = ledger.balance(_LIQUIDITY, _SYSTEM, cmd.asset)
    ledger.post([(world, AVAILABLE, target, AVAILABLE, cmd.amount)])
    transfer_id = state.next_transfer_id
    state.next_transfer_id = transfer_id + 1
    ctx.emit(TransferPosted, transfer_id, int(ConvertTransferCode.LIQUIDITY_FUNDING),
             world.owner, world.account, target.owner, target.account, cmd.asset, cmd.amount,
             cmd.ref)
    ctx.touch(world)
    ctx.touch(target)


# ---------------------------------------------------------------- user commands
def _limits_ok(cs: ConvertState, asset: str, amount: int) -> bool:
    cfg = cs.assets.get(asset)
    return cfg is not None and cfg[1] <= amount <= cfg[2]


def request_quote(state: EngineState, ctx: Context, cmd: RequestQuote) -> None:
    name, cs = "RequestQuote", _cs(state)
    code: RejectCode | None = None
    if cmd.user <= 0:
        code = RejectCode.INVALID_ARGUMENT
    elif (cmd.from_amount > 0) == (cmd.to_amount > 0) or cmd.from_amount < 0 or \
            cmd.to_amount < 0 or max(cmd.from_amount, cmd.to_amount) > AMOUNT_MAX:
        code = RejectCode.AMOUNT_OUT_OF_RANGE
    elif cmd.from_asset not in state.assets or cmd.to_asset not in state.assets:
        code = RejectCode.UNKNOWN_ASSET
    elif cmd.from_asset == cmd.to_asset:
        code = RejectCode.CONVERT_SAME_ASSET
    elif not cs.assets.get(cmd.from_asset, (0,))[0] or not cs.assets.get(cmd.to_asset, (0,))[0]:
        code = RejectCode.CONVERT_NO_ROUTE
    elif not (_limits_ok(cs, cmd.from_asset, cmd.from_amount) if cmd.from_amount
              else _limits_ok(cs, cmd.to_asset, cmd.to_amount)):
        code = RejectCode.CONVERT_AMOUNT_LIMIT  # the given size, before quoting
    paid = got = 0
    if code is None:
        keep = PPM - cs.spread_ppm
        if cmd.from_amount:
            paid = cmd.from_amount
            gross = amount_out(state, cmd.from_asset, cmd.to_asset, paid)
            got = gross * keep // PPM if gross is not None else 0
            if gross is None:
                code = RejectCode.CONVERT_NO_ROUTE
        else:
            got = cmd.to_amount
            gross = amount_in(state, cmd.from_asset, cmd.to_asset, got)
            paid = -((-gross * PPM) // keep) if gross is not None else 0
            if gross is None:
                code = RejectCode.CONVERT_NO_ROUTE
    if code is None and (paid <= 0 or got <= 0 or not _limits_ok(cs, cmd.from_asset, paid)
                         or not _limits_ok(cs, cmd.to_asset, got)):
        code = RejectCode.CONVERT_AMOUNT_LIMIT
    if code is None and _liquidity(state, cmd.to_asset) < got:
        code = RejectCode.CONVERT_LIQUIDITY
    if code is not None:
        _reject(ctx, name, cmd.user, code)
        return
    quote_id = cs.next_quote_id
    cs.next_quote_id = quote_id + 1
    price = _price_e18(state, cmd.from_asset, cmd.to_asset, paid, got)
    expires = ctx.ts + cs.quote_ttl_ns
    cs.quotes[quote_id] = Quote(quote_id, cmd.user, cmd.from_asset, cmd.to_asset, paid, got,
                                price, expires)
    ctx.emit(QuoteIssued, quote_id, cmd.user, cmd.from_asset, cmd.to_asset, paid, got, price,
             cs.spread_ppm, expires)


def accept_quote(state: EngineState, ctx: Context, cmd: AcceptQuote) -> None:
    name, cs = "AcceptQuote", _cs(state)
    ref = str(cmd.quote_id)
    quote = cs.quotes.get(cmd.quote_id)
    code: RejectCode | None = None
    if quote is None or quote.user != cmd.user:
        code = RejectCode.QUOTE_NOT_FOUND
    elif quote.status == USED:
        code = RejectCode.QUOTE_USED
    elif ctx.ts > quote.expires_ns:
        code = RejectCode.QUOTE_EXPIRED
    else:
        balance = state.ledger.balances.get((cmd.user, _SPOT, quote.from_asset))
        if balance is None or balance.available < quote.from_amount:
            code = RejectCode.INSUFFICIENT_BALANCE
        elif _liquidity(state, quote.to_asset) < quote.to_amount:
            code = RejectCode.CONVERT_LIQUIDITY
    if code is not None:
        _reject(ctx, name, cmd.user, code, ref)
        return
    assert quote is not None
    quote.status = USED
    _settle(state, ctx, cs, cmd.user, quote.quote_id, quote.from_asset, quote.to_asset,
            quote.from_amount, quote.to_amount, quote.price_e18, 0)


def convert_dust(state: EngineState, ctx: Context, cmd: ConvertDust) -> None:
    name, cs = "ConvertDust", _cs(state)
    if cmd.user <= 0 or len(cmd.assets) > 2000:
        _reject(ctx, name, cmd.user, RejectCode.INVALID_ARGUMENT)
        return
    if cmd.to_asset not in state.assets:
        _reject(ctx, name, cmd.user, RejectCode.UNKNOWN_ASSET, cmd.to_asset)
        return
    plan: list[tuple[str, int, int]] = []
    need: dict[str, int] = {}
    seen = set()
    for asset in cmd.assets.split(","):
        if not asset or asset in seen or asset == cmd.to_asset or asset not in state.assets:
            continue
        seen.add(asset)
        balance = state.ledger.balances.get((cmd.user, _SPOT, asset))
        available = balance.available if balance is not None else 0
        if available <= 0:
            continue
        value = available if asset == BRIDGE else amount_out(state, asset, BRIDGE, available)
        if value is None or value > cs.dust_max_value:
            continue
        gross = amount_out(state, asset, cmd.to_asset, available)
        got = gross * (PPM - cs.spread_ppm) // PPM if gross is not None else 0
        if got <= 0 or _liquidity(state, cmd.to_asset) < need.get(cmd.to_asset, 0) + got:
            continue
        need[cmd.to_asset] = need.get(cmd.to_asset, 0) + got
        plan.append((asset, available, got))
    if not plan:
        _reject(ctx, name, cmd.user, RejectCode.NO_DUST)
        return
    for asset, paid, got in plan:
        _settle(state, ctx, cs, cmd.user, 0, asset, cmd.to_asset, paid, got,
                _price_e18(state, asset, cmd.to_asset, paid, got), 1)


def on_tick(state: EngineState, ctx: Context) -> None:
    """Forget quotes a minute after they expired (a later AcceptQuote: QUOTE_NOT_FOUND)."""
    cs = _cs(state)
    if cs.quotes:
        horizon = ctx.ts - KEEP_NS
        for quote_id in [q for q, quote in cs.quotes.items() if quote.expires_ns < horizon]:
            del cs.quotes[quote_id]


def _invariants(state: EngineState) -> None:
    from ..engine.invariants import InvariantViolation

    cs = _cs(state)
    for quote in cs.quotes.values():
        if quote.from_amount <= 0 or quote.to_amount <= 0 or quote.quote_id >= cs.next_quote_id:
            raise InvariantViolation(f"bad quote {quote.fields()}")


PRODUCT = Product(
    name="convert",
    commands={200: SetConvertConfig, 201: SetConvertAsset, 202: FundConvertLiquidity,
              203: RequestQuote, 204: AcceptQuote, 205: ConvertDust},
    events={200: ConvertConfigSet, 201: ConvertAssetSet, 202: QuoteIssued, 203: ConvertFilled},
    handlers={SetConvertConfig: set_config, SetConvertAsset: set_asset,
              FundConvertLiquidity: fund_liquidity, RequestQuote: request_quote,
              AcceptQuote: accept_quote, ConvertDust: convert_dust},
    new_state=ConvertState,
    state_tuple=_state_tuple,
    restore=_restore,
    on_tick=on_tick,
    invariants=_invariants,
)
