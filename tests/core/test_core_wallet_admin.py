"""Deposits, withdrawals, transfers, listings, halt/resume, fee tiers and clock ticks."""
from __future__ import annotations

import pytest

from openbourse.core.commands import Deposit, ListAsset, ListMarket, SetMarketStatus, Transfer
from openbourse.core.enums import AccountType, MarketStatus, SystemOwner, TransferCode
from openbourse.core.events import (
    AssetListed,
    BalanceChanged,
    Duplicate,
    MarketListed,
    MarketStatusChanged,
    OrderAccepted,
    Rejected,
    TradeExecuted,
    TransferPosted,
    UserFeesSet,
    WithdrawalCompleted,
    WithdrawalFailed,
    WithdrawalRequested,
)
from openbourse.core.reject import RejectCode
from openbourse.core.units import AMOUNT_MAX
from openbourse.testing.builders import (
    BTC,
    BTCUSDT,
    ETH,
    FUNDING,
    SPOT,
    STANDARD_FUNDS,
    USDT,
    Exchange,
    market_spec,
    masked_state,
    of_type,
    one,
    reject_code,
    standard_exchange,
)

P = 6_000_000
EXTERNAL = int(SystemOwner.EXTERNAL)


# ---------------------------------------------------------------------- deposits
def test_deposit_credits_the_user_from_the_outside_world() -> None:
    ex = standard_exchange(fund=False)
    events = ex.deposit(1, USDT, 123, ref="tx-1")
    posted = one(events, TransferPosted)
    assert (posted.code, posted.debit_owner, posted.credit_owner, posted.amount, posted.ref) == (
        TransferCode.DEPOSIT, EXTERNAL, 1, 123, "tx-1")
    assert ex.balance(1, USDT) == (123, 0)
    assert ex.balance(EXTERNAL, USDT, int(AccountType.SYSTEM)) == (-123, 0)
    assert {(e.owner, e.available) for e in of_type(events, BalanceChanged)} == {
        (EXTERNAL, -123), (1, 123)}


def test_deposit_idempotency() -> None:
    ex = standard_exchange(fund=False)
    ex.deposit(1, USDT, 123, ref="tx-1")
    assert one(ex.deposit(1, USDT, 123, ref="tx-1"), Duplicate).ref == "tx-1"
    assert reject_code(ex.deposit(1, USDT, 124, ref="tx-1")) == RejectCode.DUPLICATE_DIFFERENT
    assert ex.balance(1, USDT) == (123, 0)


@pytest.mark.parametrize("user, account, asset, amount, ref, code", [
    (0, SPOT, USDT, 5, "r", RejectCode.INVALID_ARGUMENT),
    (1, SPOT, "DOGE", 5, "r", RejectCode.UNKNOWN_ASSET),
    (1, SPOT, USDT, 0, "r", RejectCode.AMOUNT_OUT_OF_RANGE),
    (1, SPOT, USDT, -5, "r", RejectCode.AMOUNT_OUT_OF_RANGE),
    (1, SPOT, USDT, AMOUNT_MAX + 1, "r", RejectCode.AMOUNT_OUT_OF_RANGE),
    (1, SPOT, USDT, "5", "r", RejectCode.INVALID_ARGUMENT),  # any mistyped field (engine.apply)
    (1, int(AccountType.USDT_FUTURES), USDT, 5, "r", RejectCode.ACCOUNT_TYPE_NOT_ALLOWED),
    (1, True, USDT, 5, "r", RejectCode.INVALID_ARGUMENT),
    (1, 1.0, USDT, 5, "r", RejectCode.INVALID_ARGUMENT),
    (1, SPOT, USDT, 5, "", RejectCode.INVALID_ARGUMENT),
])
def test_bad_deposits_are_refused(user, account, asset, amount, ref, code) -> None:
    ex = standard_exchange(fund=False)
    assert reject_code(ex.apply(Deposit(0, user, account, asset, amount, ref))) == code


# ---------------------------------------------------------------------- withdrawals
def test_withdrawal_holds_then_completes() -> None:
    ex = standard_exchange(users=(1,))
    fund = STANDARD_FUNDS[USDT]
    events = ex.withdraw(1, USDT, 1000, "w1")
    assert one(events, WithdrawalRequested).amount == 1000
    assert ex.balance(1, USDT) == (fund - 1000, 1000)
    events = ex.complete_withdrawal("w1")
    posted = one(events, TransferPosted)
    assert (posted.code, posted.credit_owner, posted.amount) == (
        TransferCode.WITHDRAW_COMPLETE, EXTERNAL, 1000)
    assert one(events, WithdrawalCompleted).withdrawal_id == "w1"
    assert ex.balance(1, USDT) == (fund - 1000, 0)
    assert reject_code(ex.complete_withdrawal("w1")) == RejectCode.WITHDRAWAL_NOT_PENDING
    assert reject_code(ex.fail_withdrawal("w1")) == RejectCode.WITHDRAWAL_NOT_PENDING


def test_failed_withdrawal_returns_the_funds() -> None:
    ex = standard_exchange(users=(1,))
    fund = STANDARD_FUNDS[BTC]
    ex.withdraw(1, BTC, 10**8, "w2")
    events = ex.fail_withdrawal("w2")
    assert one(events, WithdrawalFailed).amount == 10**8
    assert not of_type(events, TransferPosted)
    assert ex.balance(1, BTC) == (fund, 0)


def test_withdrawal_rejects() -> None:
    ex = standard_exchange(users=(1,))
    assert reject_code(ex.withdraw(1, BTC, STANDARD_FUNDS[BTC] + 1, "w")) == \
        RejectCode.INSUFFICIENT_BALANCE
    assert reject_code(ex.withdraw(2, BTC, 1, "w")) == RejectCode.INSUFFICIENT_BALANCE
    assert reject_code(ex.withdraw(1, BTC, 1, "")) == RejectCode.INVALID_ARGUMENT
    assert reject_code(ex.complete_withdrawal("nope")) == RejectCode.WITHDRAWAL_NOT_FOUND
    assert reject_code(ex.fail_withdrawal("nope")) == RejectCode.WITHDRAWAL_NOT_FOUND
    # funds held by open orders cannot be withdrawn
    ex.sell(1, P, STANDARD_FUNDS[BTC] // 100)
    assert reject_code(ex.withdraw(1, BTC, 1, "w")) == RejectCode.INSUFFICIENT_BALANCE


def test_withdrawal_retry_is_a_duplicate_and_a_different_payload_is_refused() -> None:
    ex = standard_exchange(users=(1,))
    ex.withdraw(1, USDT, 1000, "w1")
    before = masked_state(ex.state)
    duplicate = one(ex.withdraw(1, USDT, 1000, "w1"), Duplicate)
    assert (duplicate.command, duplicate.ref) == ("RequestWithdrawal", "w1")
    assert masked_state(ex.state) == before
    assert reject_code(ex.withdraw(1, USDT, 999, "w1")) == RejectCode.DUPLICATE_DIFFERENT
    assert ex.balance(1, USDT)[1] == 1000


def test_withdrawal_from_the_funding_account_is_not_possible_yet() -> None:
    ex = standard_exchange(fund=False)
    ex.deposit(1, USDT, 500, account=FUNDING)
    assert reject_code(ex.withdraw(1, USDT, 500, "wf")) == RejectCode.INSUFFICIENT_BALANCE


# ---------------------------------------------------------------------- transfers
def test_transfer_between_spot_and_funding() -> None:
    ex = standard_exchange(users=(1,))
    fund = STANDARD_FUNDS[USDT]
    events = ex.transfer(1, USDT, 700, SPOT, FUNDING, ref="t1")
    posted = one(events, TransferPosted)
    assert (posted.code, posted.debit_account, posted.credit_account, posted.amount) == (
        TransferCode.INTERNAL, SPOT, FUNDING, 700)
    assert ex.balance(1, USDT) == (fund - 700, 0)
    assert ex.balance(1, USDT, FUNDING) == (700, 0)
    assert one(ex.transfer(1, USDT, 700, SPOT, FUNDING, ref="t1"), Duplicate).ref == "t1"
    assert reject_code(ex.transfer(1, USDT, 70, SPOT, FUNDING, ref="t1")) == \
        RejectCode.DUPLICATE_DIFFERENT
    ex.transfer(1, USDT, 700, FUNDING, SPOT)
    ex.transfer(1, USDT, 1, SPOT, FUNDING)  # no ref: no idempotency, both apply
    ex.transfer(1, USDT, 1, SPOT, FUNDING)
    assert ex.balance(1, USDT, FUNDING) == (2, 0)
    # funding money cannot trade
    assert reject_code(ex.buy(4, P, 1)) == RejectCode.INSUFFICIENT_BALANCE


@pytest.mark.parametrize("amount, source, target, code", [
    (10**30, SPOT, FUNDING, RejectCode.AMOUNT_OUT_OF_RANGE),
    (STANDARD_FUNDS[USDT] + 1, SPOT, FUNDING, RejectCode.INSUFFICIENT_BALANCE),
    (5, FUNDING, SPOT, RejectCode.INSUFFICIENT_BALANCE),
    (5, SPOT, SPOT, RejectCode.SAME_ACCOUNT),
    (5, SPOT, int(AccountType.CROSS_MARGIN), RejectCode.ACCOUNT_TYPE_NOT_ALLOWED),
    (5, SPOT, 2.0, RejectCode.INVALID_ARGUMENT),
    (5, False, FUNDING, RejectCode.INVALID_ARGUMENT),
])
def test_bad_transfers_are_refused(amount, source, target, code) -> None:
    ex = standard_exchange(users=(1,))
    assert reject_code(ex.apply(Transfer(0, 1, USDT, amount, source, target, ""))) == code


# ---------------------------------------------------------------------- listings
def test_listing_assets() -> None:
    ex = Exchange()
    assert one(ex.list_asset("BTC", 8), AssetListed).scale == 8
    assert reject_code(ex.list_asset("BTC", 8)) == RejectCode.ASSET_EXISTS
    assert reject_code(ex.list_asset("usdt", 8)) == RejectCode.INVALID_ARGUMENT
    assert reject_code(ex.list_asset("X" * 17, 8)) == RejectCode.INVALID_ARGUMENT
    assert reject_code(ex.list_asset("USDT", 19)) == RejectCode.INVALID_SCALE
    assert reject_code(ex.list_asset("USDT", -1)) == RejectCode.INVALID_SCALE
    assert reject_code(ex.apply(ListAsset(0, 5, 8))) == RejectCode.INVALID_ARGUMENT  # type: ignore
    assert one(ex.list_asset("USDT", 18), AssetListed).asset == "USDT"


@pytest.mark.parametrize("fields, code", [
    ({}, None),
    ({"symbol": "BTC-USDT"}, RejectCode.INVALID_ARGUMENT),
    ({"base": "DOGE"}, RejectCode.UNKNOWN_ASSET),
    ({"quote": "BTC"}, RejectCode.UNKNOWN_ASSET),
    ({"tick": 0}, RejectCode.INVALID_ARGUMENT),
    ({"lot": 0}, RejectCode.INVALID_ARGUMENT),
    ({"min_size": 10, "max_size": 5}, RejectCode.INVALID_ARGUMENT),
    ({"maker_fee_ppm": -1}, RejectCode.INVALID_ARGUMENT),
    ({"taker_fee_ppm": 1_000_000}, RejectCode.INVALID_ARGUMENT),
    ({"price_precision": 19}, RejectCode.INVALID_SCALE),
    ({"max_size": AMOUNT_MAX + 1}, RejectCode.AMOUNT_OUT_OF_RANGE),
    ({"quantity_precision": 9}, RejectCode.UNITS_NOT_INTEGRAL),  # BTC has 8 decimals
    ({"price_precision": 3}, RejectCode.UNITS_NOT_INTEGRAL),  # 3 + 6 > USDT's 8
    ({"min_notional": "5"}, RejectCode.INVALID_ARGUMENT),
])
def test_listing_markets(fields, code) -> None:
    ex = Exchange()
    ex.list_asset(BTC, 8)
    ex.list_asset(USDT, 8)
    events = ex.apply(market_spec(**fields))
    assert reject_code(events) == code
    if code is None:
        assert one(events, MarketListed).symbol == BTCUSDT
        assert reject_code(ex.apply(market_spec())) == RejectCode.SYMBOL_EXISTS
        assert ex.market().base_per_size == 100 and ex.market().quote_per_price_size == 1


def test_listing_with_wrong_field_types_is_refused() -> None:
    ex = Exchange()
    ex.list_asset(BTC, 8)
    ex.list_asset(USDT, 8)
    spec = market_spec()
    for index in range(4, len(spec)):
        for bad in (None, 1.0, True, "1"):
            assert reject_code(ex.apply(spec._replace(**{spec._fields[index]: bad}))) == \
                RejectCode.INVALID_ARGUMENT, (spec._fields[index], bad)
    assert reject_code(ex.apply(ListMarket(0, BTCUSDT, BTC, None, 2, 6, 1, 1, 1, 10, 0, 0, 0, 0,
                                           0))) == RejectCode.INVALID_ARGUMENT  # type: ignore


# ---------------------------------------------------------------------- halt / resume
def test_halt_allows_only_cancels_and_resume_reopens() -> None:
    ex = standard_exchange()
    order_id = one(ex.buy(1, P, 100), OrderAccepted).order_id
    ex.buy(1, P - 1, 100)
    assert one(ex.halt(), MarketStatusChanged).status == MarketStatus.HALTED
    assert reject_code(ex.sell(2, P, 100)) == RejectCode.MARKET_HALTED
    assert reject_code(ex.market_sell(2, 100)) == RejectCode.MARKET_HALTED
    assert reject_code(ex.cancel(1, order_id)) is None
    assert reject_code(ex.cancel_all(1)) is None
    assert ex.book()["bids"] == []
    assert reject_code(ex.buy(1, 300_000, 10, symbol="ETHUSDT")) is None  # other markets trade
    assert one(ex.resume(), MarketStatusChanged).status == MarketStatus.ONLINE
    assert reject_code(ex.sell(2, P, 100)) is None


def test_market_status_rejects() -> None:
    ex = standard_exchange()
    assert reject_code(ex.apply(SetMarketStatus(0, "NOPE", 1))) == RejectCode.UNKNOWN_SYMBOL
    for bad in (2, -1, True, 1.0, "1"):
        assert reject_code(ex.apply(SetMarketStatus(0, BTCUSDT, bad))) == \
            RejectCode.INVALID_ARGUMENT  # type: ignore[arg-type]


# ---------------------------------------------------------------------- fee tiers
def test_worked_example_vip0_taker_buy_pays_the_fee_in_btc() -> None:
    """products.md §1.10: VIP0 taker buys 0.5 BTC at 60,000: notional 30,000 USDT, fee
    0.5 × 0.1 % = 0.0005 BTC → receives 0.4995 BTC and pays 30,000 USDT."""
    ex = standard_exchange(fund=False)
    ex.deposit(1, USDT, 30_000 * 10**8)
    ex.deposit(2, BTC, 50_000_000)
    ex.sell(2, P, 500_000)
    trade = one(ex.buy(1, P, 500_000), TradeExecuted)
    assert (trade.quote_amount, trade.taker_fee) == (30_000 * 10**8, 50_000)
    assert ex.balance(1, BTC) == (49_950_000, 0) and ex.balance(1, USDT) == (0, 0)


def test_worked_example_vip3_maker_sells_eth_at_the_maker_rate() -> None:
    """products.md §1.10: VIP3 maker sells 2 ETH at 3,000: fee 6,000 × 0.05 % = 3 USDT →
    receives 5,997 USDT."""
    ex = standard_exchange(fund=False)
    assert one(ex.set_fees(1, 500, 600), UserFeesSet).maker_fee_ppm == 500
    ex.deposit(1, ETH, 2 * 10**8)
    ex.deposit(2, USDT, 6_000 * 10**8)
    ex.sell(1, 300_000, 20_000, symbol="ETHUSDT")  # 2 ETH (size 4 dp) at 3,000.00
    trade = one(ex.buy(2, 300_000, 20_000, symbol="ETHUSDT"), TradeExecuted)
    assert trade.maker_fee == 3 * 10**8
    assert ex.balance(1, USDT) == (5_997 * 10**8, 0)
    assert trade.taker_fee == 2 * 10**8 * 1000 // 1_000_000  # the buyer is VIP0


def test_fee_tier_applies_to_orders_placed_after_it_and_can_be_reset() -> None:
    ex = standard_exchange()
    ex.sell(1, P, 1000)  # placed at the default maker rate (0.1 %)
    ex.set_fees(1, 0, 300)
    trade = one(ex.buy(2, P, 1000), TradeExecuted)
    assert trade.maker_fee == 1000 * P * 1000 // 1_000_000
    ex.buy(1, P, 1000)  # placed at the VIP maker rate 0
    trade = one(ex.sell(2, P, 1000), TradeExecuted)
    assert trade.maker_fee == 0
    ex.sell(3, P, 1000)
    trade = one(ex.buy(1, P, 1000), TradeExecuted)  # VIP taker rate 300 ppm on BTC received
    assert trade.taker_fee == 1000 * 100 * 300 // 1_000_000
    ex.set_fees(1, -1, -1)
    assert 1 not in ex.state.user_fees
    assert reject_code(ex.set_fees(1, 1_000_000, 0)) == RejectCode.INVALID_ARGUMENT
    assert reject_code(ex.set_fees(0, 1, 1)) == RejectCode.INVALID_ARGUMENT
    assert reject_code(ex.set_fees(1, -2, 1)) == RejectCode.INVALID_ARGUMENT


# ---------------------------------------------------------------------- clock and commands
def test_clock_tick_without_work_emits_nothing() -> None:
    ex = standard_exchange()
    assert ex.tick(ex.next_ts) == []


def test_bad_timestamps_and_unknown_commands_are_refused_with_a_sane_ts() -> None:
    ex = standard_exchange()
    last = ex.state.ts_ns
    for command in (Deposit(-1, 1, SPOT, USDT, 5, "x"), Deposit(True, 1, SPOT, USDT, 5, "x"),
                    Deposit(None, 1, SPOT, USDT, 5, "x")):  # type: ignore[arg-type]
        event = one(ex.apply(command), Rejected)
        assert event.code == RejectCode.INVALID_ARGUMENT and event.ts_ns == last

    class NotACommand(tuple):
        ts_ns = 10**18
    event = ex.apply(NotACommand(()))  # type: ignore[arg-type]
    assert reject_code(event) == RejectCode.INVALID_ARGUMENT
