"""products.md §2.9 worked examples, plus the bad-input cases of issue 6, as scenarios."""
from __future__ import annotations

from margin_helpers import CROSS, HOUR, SPOT, U, borrow, iso, margin_order, ok, owed, repay, setup

from openbourse.core.enums import CloseReason
from openbourse.core.events import OrderClosed, TradeExecuted
from openbourse.core.margin.events import (
    Borrowed,
    InterestCharged,
    LiquidationFinished,
    LiquidationStarted,
    MarginCall,
    Repaid,
)
from openbourse.core.margin.risk import lines, max_borrowable
from openbourse.core.reject import RejectCode
from openbourse.testing.builders import BTC, BTCUSDT, BUY, SELL, USDT, of_type, one, reject_code

PRICE = 100  # price units per USDT (price precision 2)
LOT = 10**-6  # quantity precision 6: size 100_000 = 0.1 BTC


def test_interest_example_three_started_hours() -> None:
    """Borrow 10,000 USDT at 00:10, repay at 02:30, 0.0126279 %/day -> 0.15784875 USDT."""
    ex = setup(rate=126_279)
    h0 = 500 * HOUR
    ex.deposit(1, USDT, 6000 * U)
    ok(ex.transfer(1, USDT, 6000 * U, SPOT, CROSS))
    events = ok(borrow(ex, 1, USDT, 10_000 * U, ts=h0 + 10 * 60 * 10**9))
    assert one(events, Borrowed).interest == 5_261_625  # the started hour, charged at once
    ex.tick(h0 + HOUR)
    ex.tick(h0 + HOUR + 10**9)  # a second tick in the same hour charges nothing
    ex.tick(h0 + 2 * HOUR)
    assert owed(ex, 1, CROSS, USDT) == (10_000 * U, 15_784_875)
    assert len(of_type(ex.events, InterestCharged)) == 3
    # repaying more than owed is refused and changes nothing (the harness checks it)
    code = reject_code(repay(ex, 1, USDT, 10_000 * U + 15_784_876, ts=h0 + 150 * 60 * 10**9))
    assert code == RejectCode.REPAY_EXCEEDS_DEBT
    events = ok(repay(ex, 1, USDT, 10_000 * U + 15_784_875))
    paid = one(events, Repaid)
    assert (paid.interest_part, paid.principal_part) == (15_784_875, 10_000 * U)  # interest first
    assert owed(ex, 1, CROSS, USDT) == (0, 0)
    assert ex.available(1, USDT, CROSS) == 6000 * U - 15_784_875


def test_isolated_5x_margin_call_and_liquidation_lines() -> None:
    """Equity 1,000 USDT, borrow 4,000, buy 0.1 BTC at 50,000; call at 47,000, liquidation at
    44,000."""
    ex = setup()
    account = iso(ex)
    ex.deposit(1, USDT, 1000 * U)
    ok(ex.transfer(1, USDT, 1000 * U, SPOT, account))
    ms = ex.state.products["margin"]
    assert max_borrowable(ex.state, ms, 1, account, USDT) == 4000 * U  # net x (L - 1)
    assert reject_code(borrow(ex, 1, USDT, 4000 * U + 1, symbol=BTCUSDT)) == \
        RejectCode.BORROW_LIMIT_EXCEEDED
    ok(borrow(ex, 1, USDT, 4000 * U, symbol=BTCUSDT))
    line = lines(ms, account)
    assert (line.init, line.mmr, line.call) == (250_000, 100_000, 175_000)
    ex.deposit(2, BTC, U)
    ok(ex.sell(2, 50_000 * PRICE, 100_000))
    events = ok(margin_order(ex, 1, BUY, 50_000 * PRICE, 100_000))
    assert one(events, TradeExecuted).quote_amount == 5000 * U
    assert ex.available(1, BTC, account) == U // 10
    # transfer out only while staying above the margin-call line: net 1000 - 0.175 x 4000
    # = 300 USDT of slack, i.e. just under 0.006 BTC at 50,000
    from openbourse.core.margin import transferable
    assert transferable(ex.state, 1, account, BTC) == 599_999
    assert reject_code(ex.transfer(1, BTC, 600_000, account, SPOT)) == \
        RejectCode.TRANSFER_RISK_LIMIT
    ex.trade_at(47_001 * PRICE, 1)
    assert not of_type(ex.tick(ex.next_ts), MarginCall)
    ex.trade_at(47_000 * PRICE, 1)
    call = one(ex.tick(ex.next_ts), MarginCall)
    assert (call.assets_value, call.liabilities_value) == (4700 * U, 4000 * U)
    assert not of_type(ex.tick(ex.next_ts), MarginCall)  # once per crossing
    ex.trade_at(44_001 * PRICE, 1)
    assert not of_type(ex.tick(ex.next_ts), LiquidationStarted)
    ex.trade_at(44_000 * PRICE, 1)
    ex.deposit(3, USDT, 10_000 * U)
    ok(ex.buy(3, 44_000 * PRICE, 100_000))  # liquidity for the liquidation
    events = ex.tick(ex.next_ts)
    started = one(events, LiquidationStarted)
    assert (started.assets_value, started.liabilities_value) == (4400 * U, 4000 * U)
    trade = one(events, TradeExecuted)
    assert (trade.price, trade.size, trade.taker_user) == (44_000 * PRICE, 100_000, 1)
    assert one(events, Repaid).amount == 4000 * U
    assert of_type(events, LiquidationFinished)[-1].asset == ""
    assert owed(ex, 1, account, USDT) == (0, 0)
    assert ex.available(1, USDT, account) == 400 * U  # what is left is the user's
    assert ex.available(1, BTC, account) == 0


def test_cross_3x_borrow_limit() -> None:
    """3,000 USDT equity at 3x may borrow up to 6,000 USDT-equivalent."""
    ex = setup()
    ex.deposit(1, USDT, 3000 * U)
    ok(ex.transfer(1, USDT, 3000 * U, SPOT, CROSS))
    assert reject_code(borrow(ex, 1, USDT, 6000 * U + 1)) == RejectCode.BORROW_LIMIT_EXCEEDED
    ok(borrow(ex, 1, USDT, 4000 * U))
    ok(borrow(ex, 1, USDT, 2000 * U))
    assert reject_code(borrow(ex, 1, USDT, 1)) == RejectCode.BORROW_LIMIT_EXCEEDED


def test_liquidation_cancels_orders_and_insurance_covers_the_deficit() -> None:
    ex = setup(insurance_usdt=100 * U)
    account = iso(ex)
    ex.deposit(1, USDT, 1000 * U)
    ok(ex.transfer(1, USDT, 1000 * U, SPOT, account))
    ok(borrow(ex, 1, USDT, 4000 * U, symbol=BTCUSDT))
    ex.deposit(2, BTC, U)
    ok(ex.sell(2, 50_000 * PRICE, 100_000))
    ok(margin_order(ex, 1, BUY, 50_000 * PRICE, 100_000))
    ok(margin_order(ex, 1, SELL, 60_000 * PRICE, 50_000))  # a resting take-profit
    ex.trade_at(38_000 * PRICE, 1)  # a gap: 0.1 BTC is now worth 3,800 < 4,000 owed
    ex.deposit(3, USDT, 10_000 * U)
    ok(ex.buy(3, 38_000 * PRICE, 100_000))
    events = ex.tick(ex.next_ts)
    closed = [e for e in of_type(events, OrderClosed) if e.user == 1]
    assert closed[0].reason == CloseReason.LIQUIDATION
    deficit = [e for e in of_type(events, LiquidationFinished) if e.asset == USDT]
    assert deficit and deficit[0].deficit == 200 * U
    assert deficit[0].covered == 100 * U and deficit[0].written_off == 100 * U
    assert owed(ex, 1, account, USDT) == (0, 0)
    pool = ex.state.products["margin"].pool[USDT]
    assert pool[2] == 100 * U  # written off by the pool


def test_bad_inputs_are_refused_without_state_change() -> None:
    ex = setup()
    account = iso(ex)
    ex.deposit(1, USDT, 1000 * U)
    # transfer from the wrong account: nothing in it / not an account / asset not in the pair
    assert reject_code(ex.transfer(1, USDT, 1, CROSS, SPOT)) == RejectCode.INSUFFICIENT_BALANCE
    assert reject_code(ex.transfer(1, USDT, 1, 4, SPOT)) == RejectCode.ACCOUNT_TYPE_NOT_ALLOWED
    assert reject_code(ex.transfer(1, USDT, 1, 999, SPOT)) == RejectCode.ACCOUNT_TYPE_NOT_ALLOWED
    ex.list_asset("DOGE", 8)
    ex.deposit(1, "DOGE", U)
    assert reject_code(ex.transfer(1, "DOGE", 1, SPOT, account)) == RejectCode.ASSET_NOT_IN_ACCOUNT
    assert reject_code(ex.transfer(1, "DOGE", 1, SPOT, CROSS)) == RejectCode.ASSET_NOT_IN_ACCOUNT
    # borrow without collateral, above the limit, repay what is not owed
    assert reject_code(borrow(ex, 1, USDT, U, symbol=BTCUSDT)) == RejectCode.BORROW_LIMIT_EXCEEDED
    assert reject_code(repay(ex, 1, USDT, 1, symbol=BTCUSDT)) == RejectCode.REPAY_EXCEEDS_DEBT
    assert reject_code(borrow(ex, 1, USDT, U, symbol="NOPE")) == RejectCode.UNKNOWN_SYMBOL
    ok(ex.transfer(1, USDT, 1000 * U, SPOT, account))
    assert reject_code(borrow(ex, 1, BTC, 1, symbol=BTCUSDT)) == RejectCode.NO_PRICE  # no trade yet
    ex.trade_at(50_000 * PRICE, 1)
    assert reject_code(borrow(ex, 1, BTC, 10**9 * U, symbol=BTCUSDT)) == \
        RejectCode.LENDING_POOL_EXHAUSTED
    assert reject_code(borrow(ex, 1, BTC, U, symbol=BTCUSDT)) == RejectCode.BORROW_LIMIT_EXCEEDED
    # a margin order beyond the account's funds, without auto-borrow
    assert reject_code(margin_order(ex, 1, BUY, 50_000 * PRICE, 100_000)) == \
        RejectCode.INSUFFICIENT_BALANCE


def test_auto_loan_and_repay_orders() -> None:
    ex = setup()
    account = iso(ex)
    ex.deposit(1, USDT, 1000 * U)
    ok(ex.transfer(1, USDT, 1000 * U, SPOT, account))
    ex.deposit(2, BTC, U)
    ok(ex.sell(2, 50_000 * PRICE, 100_000))
    events = ok(margin_order(ex, 1, BUY, 50_000 * PRICE, 100_000, loan_type=1))  # autoLoan
    assert one(events, Borrowed).amount == 4000 * U and one(events, Borrowed).auto == 1
    assert owed(ex, 1, account, USDT) == (4000 * U, 0)
    # sell half with autoRepay: the proceeds repay the USDT debt at once
    ex.deposit(3, USDT, 10_000 * U)
    ok(ex.buy(3, 51_000 * PRICE, 50_000))
    events = ok(margin_order(ex, 1, SELL, 51_000 * PRICE, 50_000, loan_type=2))
    assert one(events, Repaid).amount == 2550 * U
    assert owed(ex, 1, account, USDT) == (1450 * U, 0)
    # a resting autoRepay sell repays when filled, at the next tick
    ok(margin_order(ex, 1, SELL, 52_000 * PRICE, 50_000, loan_type=2))
    ok(ex.buy(3, 52_000 * PRICE, 50_000))
    assert owed(ex, 1, account, USDT) == (1450 * U, 0)
    repaid = one(ex.tick(ex.next_ts), Repaid)
    assert repaid.amount == 1450 * U and owed(ex, 1, account, USDT) == (0, 0)
    assert ex.available(1, USDT, account) == 2600 * U - 1450 * U
    ok(ex.transfer(1, USDT, ex.available(1, USDT, account), account, SPOT))  # no debt: all free
