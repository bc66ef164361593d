"""Every RejectCode the core can emit is produced here by at least one command.

``CASES`` maps each code to a function that builds an exchange and returns the events of
the one command that must be rejected with that code.  ``NOT_EMITTED_BY_THE_CORE`` lists
the codes the core never emits (with the reason); a test checks that the core's source
indeed never names them, and another that together the two cover the whole enum, so a new
RejectCode cannot be added without a test that produces it.
"""
from __future__ import annotations

import pathlib
import re
from typing import Any, Callable, Dict, List, Tuple

import pytest

import openbourse.core
from openbourse.core.commands import (
    BatchPlace,
    CancelAll,
    CancelOrder,
    ListAsset,
    ListMarket,
    PlaceOrder,
    SetMarketStatus,
    Transfer,
)
from openbourse.core.enums import AccountType
from openbourse.core.events import Rejected
from openbourse.core.reject import RejectCode
from openbourse.core.units import AMOUNT_MAX
from openbourse.testing.builders import (
    BTC,
    BTCUSDT,
    BUY,
    FUNDING,
    GTC,
    LIMIT,
    SELL,
    SPOT,
    USDT,
    Exchange,
    market_spec,
    order_id_of,
    standard_exchange,
)

P = 6_000_000
Case = Callable[[], List[Any]]


def _with_last(**kw: Any) -> Exchange:
    ex = standard_exchange(**kw)
    ex.trade_at(P, 1000)
    return ex


def _withdrawn() -> Exchange:
    ex = standard_exchange(users=(1,))
    ex.withdraw(1, USDT, 5, "w")
    ex.complete_withdrawal("w")
    return ex


def _too_many_plans() -> List[Any]:
    ex = _with_last()
    for index in range(200):
        ex.plan(1, BUY, P + 1 + index, price=P, size=5)
    return ex.plan(1, BUY, P + 500, price=P, size=5)


def _nothing_to_modify() -> List[Any]:
    ex = standard_exchange()
    return ex.modify(1, order_id_of(ex.buy(1, P, 10)))


def _too_many_open() -> List[Any]:
    ex = standard_exchange(max_open_orders=1)
    ex.buy(1, P, 10)
    return ex.buy(1, P, 10)


def _duplicate_different() -> List[Any]:
    ex = standard_exchange()
    ex.buy(1, P, 10, client_oid="x")
    return ex.buy(1, P, 11, client_oid="x")


def _halted_order() -> List[Any]:
    ex = standard_exchange()
    ex.halt()
    return ex.buy(1, P, 10)


def _units_not_integral() -> List[Any]:
    ex = Exchange()
    ex.list_asset(BTC, 8)
    ex.list_asset(USDT, 2)
    return ex.apply(market_spec())


CASES: Dict[RejectCode, Case] = {
    RejectCode.INVALID_ARGUMENT: lambda: standard_exchange().buy(1, P, 10, force=9),
    RejectCode.AMOUNT_OUT_OF_RANGE: lambda: standard_exchange().buy(1, P, AMOUNT_MAX + 1),
    RejectCode.DUPLICATE_DIFFERENT: _duplicate_different,
    RejectCode.UNKNOWN_ASSET: lambda: standard_exchange().deposit(1, "DOGE", 5),
    RejectCode.ASSET_EXISTS: lambda: standard_exchange().apply(ListAsset(0, BTC, 8)),
    RejectCode.INVALID_SCALE: lambda: standard_exchange().apply(ListAsset(0, "XRP", 40)),
    RejectCode.UNKNOWN_SYMBOL: lambda: standard_exchange().buy(1, P, 10, symbol="NOPE"),
    RejectCode.SYMBOL_EXISTS: lambda: standard_exchange().apply(market_spec()),
    RejectCode.UNITS_NOT_INTEGRAL: _units_not_integral,
    RejectCode.MARKET_HALTED: _halted_order,
    RejectCode.PRICE_PRECISION: lambda: standard_exchange(tick=5).buy(1, P + 1, 10),
    RejectCode.SIZE_PRECISION: lambda: standard_exchange(lot=10).buy(1, P, 15),
    RejectCode.SIZE_TOO_SMALL: lambda: standard_exchange(min_size=100).buy(1, P, 99),
    RejectCode.SIZE_TOO_LARGE: lambda: standard_exchange(max_size=100).buy(1, P, 101),
    RejectCode.NOTIONAL_TOO_SMALL: lambda: standard_exchange(min_notional=10**9).buy(1, 99, 10),
    RejectCode.PRICE_OUT_OF_BAND: lambda: _with_last(price_band_ppm=50_000).buy(1, P * 2, 10),
    RejectCode.MARKET_ORDER_SIZE: lambda: standard_exchange().market_buy(1, 0),
    RejectCode.ORDER_NOT_FOUND: lambda: standard_exchange().cancel(1, 12345),
    RejectCode.TOO_MANY_OPEN_ORDERS: _too_many_open,
    RejectCode.NOTHING_TO_MODIFY: _nothing_to_modify,
    RejectCode.BATCH_TOO_LARGE: lambda: standard_exchange().apply(BatchPlace(0, ())),
    RejectCode.INSUFFICIENT_BALANCE: lambda: standard_exchange(fund=False).sell(1, P, 10),
    RejectCode.SAME_ACCOUNT: lambda: standard_exchange().transfer(1, USDT, 5, SPOT, SPOT),
    RejectCode.ACCOUNT_TYPE_NOT_ALLOWED: lambda: standard_exchange().apply(
        Transfer(0, 1, USDT, 5, SPOT, 999, "")),  # no account type 999
    RejectCode.WITHDRAWAL_NOT_FOUND: lambda: standard_exchange().complete_withdrawal("nope"),
    RejectCode.WITHDRAWAL_NOT_PENDING: lambda: _withdrawn().fail_withdrawal("w"),
    RejectCode.PLAN_NOT_FOUND: lambda: standard_exchange().cancel_plan(1, 777),
    RejectCode.TRIGGER_EQUALS_PRICE: lambda: _with_last().plan(1, BUY, P, price=P, size=5),
    RejectCode.TOO_MANY_PLANS: _too_many_plans,
    RejectCode.NO_LAST_PRICE: lambda: standard_exchange().plan(1, SELL, P, size=5),
    RejectCode.TPSL_WRONG_SIDE: lambda: standard_exchange().buy(1, P, 10, tp_trigger=P - 1),
}



# ---------------------------------------------------------------- margin and convert (issue 6)
def _margin(borrowed: bool = False) -> Exchange:
    from openbourse.core.margin.commands import (Borrow, FundLendingPool, SetMarginAsset,
                                                 SetMarginPair)
    ex = standard_exchange()
    for asset in (BTC, USDT):
        ex.apply(SetMarginAsset(0, asset, 1, 0, 10**6 * 10**8, 10**6))
        ex.apply(FundLendingPool(0, asset, 10**4 * 10**8, f"pool-{asset}"))
    ex.apply(SetMarginPair(0, BTCUSDT, 5, 100_000, 10**8, 10**12))
    ex.deposit(7, USDT, 1000 * 10**8)
    ex.transfer(7, USDT, 1000 * 10**8, SPOT, int(AccountType.CROSS_MARGIN))
    if borrowed:
        ex.apply(Borrow(0, 7, int(AccountType.CROSS_MARGIN), "", USDT, 2000 * 10**8))
    return ex


def _cross_cmd(cls: Any, asset: str, amount: int) -> Any:
    return cls(0, 7, int(AccountType.CROSS_MARGIN), "", asset, amount)


def _convert(quote: bool = False) -> Tuple[Exchange, int]:
    from openbourse.core.convert.commands import (FundConvertLiquidity, RequestQuote,
                                                  SetConvertAsset)
    ex = standard_exchange()
    for asset in (BTC, USDT):
        ex.apply(SetConvertAsset(0, asset, 1, 1, 10**6 * 10**8))
    ex.apply(FundConvertLiquidity(0, BTC, 10**8, "liq"))
    ex.deposit(8, BTC, 10**8)
    ex.sell(8, P, 1000)
    quote_id = 0
    if quote:
        quote_id = ex.apply(RequestQuote(0, 1, USDT, BTC, 10**6, 0))[0].quote_id
    return ex, quote_id


def _margin_cases() -> Dict[RejectCode, Case]:
    from openbourse.core.convert.commands import AcceptQuote, ConvertDust, RequestQuote
    from openbourse.core.margin.commands import Borrow, Repay
    cross = int(AccountType.CROSS_MARGIN)

    def used() -> List[Any]:
        ex, quote_id = _convert(quote=True)
        ex.apply(AcceptQuote(0, 1, quote_id))
        return ex.apply(AcceptQuote(0, 1, quote_id))

    def expired() -> List[Any]:
        ex, quote_id = _convert(quote=True)
        return ex.apply(AcceptQuote(ex.next_ts + 60 * 10**9, 1, quote_id))

    def exhausted() -> List[Any]:
        ex = _margin()
        ex.deposit(7, USDT, 10**6 * 10**8)
        ex.transfer(7, USDT, 10**6 * 10**8, SPOT, cross)
        return ex.apply(_cross_cmd(Borrow, USDT, 10**5 * 10**8))

    return {
        RejectCode.TRANSFER_RISK_LIMIT: lambda: _margin(True).transfer(
            7, USDT, 1000 * 10**8, cross, SPOT),
        RejectCode.ASSET_NOT_IN_ACCOUNT: _asset_not_in_account,
        RejectCode.MARGIN_NOT_ENABLED: lambda: standard_exchange().apply(
            Borrow(0, 7, int(AccountType.ISOLATED_MARGIN), BTCUSDT, USDT, 5)),
        RejectCode.BORROW_LIMIT_EXCEEDED: lambda: _margin().apply(
            _cross_cmd(Borrow, USDT, 5000 * 10**8)),
        RejectCode.BORROW_TOO_SMALL: lambda: _margin().apply(_cross_cmd(Borrow, USDT, 5)),
        RejectCode.LENDING_POOL_EXHAUSTED: exhausted,
        RejectCode.REPAY_EXCEEDS_DEBT: lambda: _margin().apply(_cross_cmd(Repay, USDT, 5)),
        RejectCode.NO_PRICE: lambda: _margin().apply(_cross_cmd(Borrow, BTC, 10**7)),
        RejectCode.QUOTE_NOT_FOUND: lambda: _convert()[0].apply(AcceptQuote(0, 1, 5)),
        RejectCode.QUOTE_EXPIRED: expired,
        RejectCode.QUOTE_USED: used,
        RejectCode.CONVERT_SAME_ASSET: lambda: _convert()[0].apply(
            RequestQuote(0, 1, BTC, BTC, 5, 0)),
        RejectCode.CONVERT_NO_ROUTE: lambda: _convert()[0].apply(
            RequestQuote(0, 1, BTC, USDT, 10**6, 0)),
        RejectCode.CONVERT_AMOUNT_LIMIT: lambda: _convert()[0].apply(
            RequestQuote(0, 1, USDT, BTC, 10**15, 0)),
        RejectCode.CONVERT_LIQUIDITY: _convert_liquidity,
        RejectCode.NO_DUST: lambda: _convert()[0].apply(ConvertDust(0, 1, "BTC", USDT)),
    }


def _asset_not_in_account() -> List[Any]:
    ex = _margin()
    ex.list_asset("DOGE", 8)
    ex.deposit(7, "DOGE", 5)
    return ex.transfer(7, "DOGE", 5, SPOT, int(AccountType.CROSS_MARGIN))


def _convert_liquidity() -> List[Any]:
    from openbourse.core.convert.commands import RequestQuote
    ex, _ = _convert()
    ex.deposit(9, USDT, 10**12)
    ex.buy(9, P - 1, 1000)
    return ex.apply(RequestQuote(0, 1, BTC, USDT, 10**5, 0))  # no USDT liquidity funded


CASES.update(_margin_cases())


# ---- perpetual futures (73xx) ---------------------------------------------------------

class _Fut:
    """A futures exchange: demo assets and contracts, BTCUSDT index at 60,000.0."""

    def __init__(self, price: bool = True) -> None:
        from openbourse.core.commands import Deposit
        from openbourse.core.engine import EngineState
        from openbourse.core.futures.commands import UpdatePrices
        from openbourse.core.futures.demo import DEMO_ASSETS, demo_contracts
        self.state = EngineState()
        self.ts = 1_000_000_000
        for asset, scale in DEMO_ASSETS:
            self.apply(ListAsset(0, asset, scale))
        for spec in demo_contracts():
            self.apply(spec)
        for user in (1, 2):
            self.apply(Deposit(0, user, 1, "USDT", 10**11, f"fd{user}"))
            self.apply(Transfer(0, user, "USDT", 10**11, 1, int(AccountType.USDT_FUTURES), ""))
        if price:
            self.apply(UpdatePrices(0, "BTCUSDT", (("ext", 600000, 1),)))

    def apply(self, cmd: Any) -> List[Any]:
        from openbourse.core.engine import apply
        self.ts += 1_000_000
        return apply(self.state, cmd._replace(ts_ns=self.ts))

    def order(self, user: int, side: int, price: int, size: int, **kw: Any) -> List[Any]:
        from openbourse.core.futures.commands import PlaceFuturesOrder
        return self.apply(PlaceFuturesOrder(0, user, "BTCUSDT", side, kw.pop("trade_side", -1),
                                            0 if price else 1, 0, price, size, **kw))

    def with_position(self, isolated: bool = False) -> "_Fut":
        """User 1 long 0.010 BTC against user 2."""
        from openbourse.core.futures.commands import SetMarginMode
        if isolated:
            self.apply(SetMarginMode(0, 1, "BTCUSDT", 1))
        self.order(2, 1, 600000, 10)
        self.order(1, 0, 600000, 10)
        return self


def _fut_cases() -> Dict[RejectCode, Case]:
    from openbourse.core.futures.commands import (AdjustMargin, ClosePositions, ListContract,
                                                  PlaceFuturesPlan, SetAutoMargin,
                                                  SetContractStatus, SetLeverage, SetMarginMode,
                                                  UpdatePrices)

    def halted() -> List[Any]:
        f = _Fut()
        f.apply(SetContractStatus(0, "BTCUSDT", 1))
        return f.order(1, 0, 600000, 10)

    def has_orders() -> List[Any]:
        f = _Fut()
        f.order(1, 0, 590000, 10)
        return f.apply(SetMarginMode(0, 1, "BTCUSDT", 1))

    def tier_exceeded() -> List[Any]:
        f = _Fut()
        spec = ListContract(0, "TSTUSDT", 0, "BTC", "USDT", "USDT", 1, 3, 1, 1, 1,
                            10**6, 0, 0, 200, 600, 600, 50_000, ((1_000 * 10**6, 10, 5_000),),
                            8, 750_000, 10_000, "", 0)
        f.apply(spec)
        f.apply(UpdatePrices(0, "TSTUSDT", (("ext", 600000, 1),)))
        from openbourse.core.futures.commands import PlaceFuturesOrder
        return f.apply(PlaceFuturesOrder(0, 1, "TSTUSDT", 0, -1, 0, 0, 600000, 1000))  # 60k USDT

    def duplicate_tpsl() -> List[Any]:
        f = _Fut().with_position()
        f.apply(PlaceFuturesPlan(0, 1, "BTCUSDT", 1, 700000, 1, hold_side=0))
        return f.apply(PlaceFuturesPlan(0, 1, "BTCUSDT", 1, 710000, 1, hold_side=0))

    return {
        RejectCode.CONTRACT_HALTED: halted,
        RejectCode.LEVERAGE_TOO_HIGH: lambda: _Fut().apply(SetLeverage(0, 1, "BTCUSDT", -1, 126)),
        RejectCode.INSUFFICIENT_MARGIN: lambda: _Fut().order(3, 0, 600000, 10),  # unfunded
        RejectCode.NO_POSITION: lambda: _Fut().apply(ClosePositions(0, 1, 0, "BTCUSDT")),
        RejectCode.REDUCE_EXCEEDS_POSITION: lambda: _Fut().with_position().order(
            1, 1, 600000, 20, reduce_only=1),
        RejectCode.POSITION_MODE_MISMATCH: lambda: _Fut().order(1, 0, 600000, 10, trade_side=0),
        RejectCode.HAS_POSITIONS_OR_ORDERS: has_orders,
        RejectCode.POSITION_TIER_EXCEEDED: tier_exceeded,
        RejectCode.NOT_ISOLATED: lambda: _Fut().apply(SetAutoMargin(0, 1, "BTCUSDT", -1, 1)),
        RejectCode.MARGIN_REMOVE_EXCEEDS: lambda: _Fut().with_position(isolated=True).apply(
            AdjustMargin(0, 1, "BTCUSDT", 0, -10**9)),
        RejectCode.INDEX_STALE: lambda: _Fut(price=False).order(1, 0, 600000, 10),
        RejectCode.DUPLICATE_TPSL: duplicate_tpsl,
    }


CASES.update(_fut_cases())

NOT_EMITTED_BY_THE_CORE = {
    # "raised by the edge; the core accepts any positive user id" (reject.py)
    RejectCode.UNKNOWN_USER,
    # reserved for the API's Bitget mapping; the core answers a reused client id with
    # Duplicate (same payload) or DUPLICATE_DIFFERENT, whether the order is open or not
    RejectCode.DUPLICATE_ORDER_ID,
    # futures: reserved; a liquidation completes within the command that starts it, so no
    # later command can find a position "being liquidated"
    RejectCode.UNDER_LIQUIDATION,
}


@pytest.mark.parametrize("code", sorted(CASES), ids=lambda code: code.name)
def test_the_core_emits_this_reject_code(code: RejectCode) -> None:
    events = CASES[code]()
    rejects = [e for e in events if type(e) is Rejected]
    assert [RejectCode(e.code) for e in rejects] == [code], events
    assert len(events) == 1, "a rejected command emits exactly one event and changes nothing"


def test_every_reject_code_is_covered_or_explicitly_not_emitted() -> None:
    assert set(CASES) | NOT_EMITTED_BY_THE_CORE == set(RejectCode)
    assert not set(CASES) & NOT_EMITTED_BY_THE_CORE


def test_codes_listed_as_not_emitted_are_never_named_by_the_core() -> None:
    root = pathlib.Path(openbourse.core.__file__).parent
    used = set()
    for path in root.rglob("*.py"):
        if path.name == "reject.py":
            continue
        used.update(re.findall(r"RejectCode\.([A-Z_]+)", path.read_text()))
    assert used, "the scan must find the codes the core uses"
    assert not used & {code.name for code in NOT_EMITTED_BY_THE_CORE}
    assert used <= {code.name for code in CASES}


def test_place_order_rules_are_checked_in_declared_order() -> None:
    """Errors by descending precedence: each row breaks one more rule than the row below
    it; the reported code is always the highest-precedence broken rule."""
    ex = standard_exchange(tick=5, lot=10, min_size=20, max_size=1000, min_notional=10**8)
    good = PlaceOrder(0, 1, BTCUSDT, BUY, LIMIT, GTC, P, 100, 0)
    rows = [
        (good._replace(price=-1, symbol="NOPE"), RejectCode.INVALID_ARGUMENT),
        (good._replace(symbol="NOPE", price=P + 1), RejectCode.UNKNOWN_SYMBOL),
        (good._replace(price=P + 1, size=15), RejectCode.PRICE_PRECISION),
        (good._replace(size=15), RejectCode.SIZE_PRECISION),
        (good._replace(size=10), RejectCode.SIZE_TOO_SMALL),
        (good._replace(size=2000, price=5), RejectCode.SIZE_TOO_LARGE),
        (good._replace(price=5), RejectCode.NOTIONAL_TOO_SMALL),
        (good._replace(user=99), RejectCode.INSUFFICIENT_BALANCE),
        (good, None),
    ]
    for command, code in rows:
        events = ex.apply(command)
        got = [RejectCode(e.code) for e in events if type(e) is Rejected]
        assert got == ([code] if code else []), (command, events)


def test_place_order_fields_of_the_wrong_type_are_rejected() -> None:
    """Any field of another type, the symbol included (an unhashable one used to reach a
    dict lookup and raise inside the engine), is INVALID_ARGUMENT and changes nothing."""
    ex = standard_exchange()
    good = PlaceOrder(0, 1, BTCUSDT, BUY, LIMIT, GTC, P, 100, 0)
    for field, value in (("symbol", ["BTCUSDT"]), ("symbol", 5), ("price", True),
                         ("size", 100.0), ("client_oid", None), ("sl_price", "0")):
        events = ex.apply(good._replace(**{field: value}))
        assert [RejectCode(e.code) for e in events] == [RejectCode.INVALID_ARGUMENT], field
    assert not ex.state.orders


def test_cancel_and_transfer_rejects_name_the_callers_reference() -> None:
    ex = standard_exchange()
    event = ex.apply(CancelOrder(0, 1, BTCUSDT, 0, "cid-9"))[0]
    assert (event.ref, event.user, event.command) == ("cid-9", 1, "CancelOrder")
    event = ex.transfer(1, USDT, 10**30, SPOT, FUNDING, ref="t-9")[0]
    assert (event.ref, event.code) == ("t-9", RejectCode.AMOUNT_OUT_OF_RANGE)
    event = ex.apply(SetMarketStatus(0, ("not", "a", "str"), 0))[0]  # type: ignore[arg-type]
    assert type(event.ref) is str
    event = ex.apply(CancelAll(0, 1, 5))[0]  # type: ignore[arg-type]
    assert (event.code, event.ref, event.user) == (RejectCode.INVALID_ARGUMENT, "", 1)
    event = ex.apply(ListMarket(0, 5, BTC, USDT, 2, 6, 1, 1, 1, 10, 0, 0, 0, 0, 0))[0]  # type: ignore
    assert event.ref == ""
