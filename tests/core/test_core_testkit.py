"""The test kit checks itself: each check it runs after every command can fail.

Invariants, the harness's sequence/type/purity checks and the auditor are fed broken
states and broken event streams and must complain; the reference book is checked on
small hand-made books.
"""
from __future__ import annotations

import pytest

from openbourse.core.commands import Deposit
from openbourse.core.engine import EngineState, apply
from openbourse.core.engine import engine as engine_module
from openbourse.core.engine.invariants import InvariantViolation, check_all
from openbourse.core.enums import CloseReason, Force, OrderType, Side, Stp, SystemOwner
from openbourse.core.events import BalanceChanged, Rejected, TradeExecuted
from openbourse.core.reject import RejectCode
from openbourse.testing.auditor import AuditError, Auditor
from openbourse.testing.builders import (
    BTC,
    USDT,
    HarnessError,
    check_event_types,
    of_type,
    one,
    order_id_of,
    standard_exchange,
)
from openbourse.testing.reference_book import ReferenceBook, RefTrade

P = 6_000_000
BUY, SELL = int(Side.BUY), int(Side.SELL)
LIMIT, MARKET = int(OrderType.LIMIT), int(OrderType.MARKET)


# ---------------------------------------------------------------------- invariants
def _busy():
    ex = standard_exchange()
    ex.buy(1, P - 10, 100)
    ex.sell(2, P + 10, 100)
    ex.withdraw(3, USDT, 1000, "w")
    return ex


@pytest.mark.parametrize("breakage", [
    "conservation", "negative", "frozen", "order_hold", "crossed", "level_total", "plans",
])
def test_check_all_detects_a_broken_state(breakage: str) -> None:
    ex = _busy()
    check_all(ex.state)
    state = ex.state
    bid = state.books["BTCUSDT"].bids.orders()[0]
    balance = state.ledger.balances[(1, 1, USDT)]
    if breakage == "conservation":
        balance.available += 1
    elif breakage == "negative":
        moved = balance.available + 1  # to the fee account: sums still conserve
        balance.available -= moved
        state.ledger.system(SystemOwner.FEES, USDT).available += moved
    elif breakage == "frozen":
        state.ledger.balances[(3, 1, USDT)].frozen -= 1
        state.ledger.balances[(3, 1, USDT)].available += 1
    elif breakage == "order_hold":
        bid.hold += 1
    elif breakage == "crossed":
        ask = state.books["BTCUSDT"].asks.orders()[0]
        state.books["BTCUSDT"].asks.remove(ask)
        ask.price, ask.remaining = P - 20, 100
        state.books["BTCUSDT"].asks.add(ask)
    elif breakage == "level_total":
        state.books["BTCUSDT"].bids.levels[-bid.price].total += 1
    elif breakage == "plans":
        state.triggers["BTCUSDT"].rising.append((P, 999))
    with pytest.raises(InvariantViolation):
        check_all(state)


# ---------------------------------------------------------------------- harness
def test_harness_catches_a_rejected_command_that_changed_state(monkeypatch) -> None:
    ex = standard_exchange()

    def sloppy(state, ctx, cmd):  # mutates, then rejects
        state.ledger.balance(cmd.user, 1, cmd.asset).available += 0
        state.next_transfer_id += 1
        ctx.emit(Rejected, "Deposit", cmd.user, int(RejectCode.INVALID_ARGUMENT), "")

    monkeypatch.setitem(engine_module.HANDLERS, Deposit, sloppy)
    with pytest.raises(HarnessError, match="changed state"):
        ex.deposit(1, USDT, 5)


def test_harness_catches_wrong_event_field_types() -> None:
    good = Rejected(1, 2, "PlaceOrder", 1, 1001, "")
    check_event_types([good])
    for bad in (good._replace(code=True), good._replace(ref=5), good._replace(user=1.0)):
        with pytest.raises(HarnessError):
            check_event_types([bad])


def test_harness_catches_a_sequence_gap(monkeypatch) -> None:
    ex = standard_exchange()
    ex.state.event_seq += 1  # the engine "skips" a sequence number
    with pytest.raises(HarnessError, match="seq"):
        ex.deposit(1, USDT, 5)


# ---------------------------------------------------------------------- auditor
def _trade_events():
    ex = standard_exchange()
    ex.sell(2, P, 100)
    events = ex.buy(1, P, 100)
    return ex, events


def _fresh_auditor(ex) -> Auditor:
    """An auditor that has seen every command of ``ex`` but the last."""
    auditor = Auditor()
    state = EngineState()
    for command in ex.commands[:-1]:
        auditor.feed(apply(state, command))
    return auditor


@pytest.mark.parametrize("tamper", ["taker_fee", "maker_fee", "price", "quote", "missing_balance",
                                    "balance_value", "self_trade"])
def test_auditor_detects_a_tampered_trade(tamper: str) -> None:
    ex, events = _trade_events()
    auditor = _fresh_auditor(ex)
    trade = one(events, TradeExecuted)
    index = events.index(trade)
    if tamper == "taker_fee":
        events[index] = trade._replace(taker_fee=trade.taker_fee + 1)
    elif tamper == "maker_fee":
        events[index] = trade._replace(maker_fee=trade.maker_fee - 1)
    elif tamper == "price":
        events[index] = trade._replace(price=trade.price - 1)
    elif tamper == "quote":
        events[index] = trade._replace(quote_amount=trade.quote_amount + 1)
    elif tamper == "missing_balance":
        events = [e for e in events if not (type(e) is BalanceChanged and e.owner == 1)]
    elif tamper == "balance_value":
        changed = of_type(events, BalanceChanged)[0]
        events[events.index(changed)] = changed._replace(available=changed.available + 1)
    elif tamper == "self_trade":
        events[index] = trade._replace(maker_user=trade.taker_user)
    with pytest.raises(AuditError):
        auditor.feed(events)


def test_auditor_agrees_with_the_untampered_stream_and_checks_the_state() -> None:
    ex, events = _trade_events()
    auditor = _fresh_auditor(ex)
    auditor.feed(events)
    auditor.check_state(ex.state)
    ex.state.ledger.balances[(1, 1, BTC)].available += 1
    ex.state.ledger.balances[(2, 1, BTC)].available -= 1
    with pytest.raises(AuditError):
        auditor.check_state(ex.state)


# ---------------------------------------------------------------------- reference book
def test_reference_book_price_time_priority_and_partial_fills() -> None:
    book = ReferenceBook()
    first = book.place(1, SELL, LIMIT, 0, 101, 5).order_id
    second = book.place(2, SELL, LIMIT, 0, 100, 5).order_id
    third = book.place(3, SELL, LIMIT, 0, 100, 5).order_id
    result = book.place(4, BUY, LIMIT, 0, 101, 12)
    assert result.trades == [RefTrade(second, 4, 100, 5), RefTrade(third, 4, 100, 5),
                             RefTrade(first, 4, 101, 2)]
    assert result.outcome == "filled"
    assert book.l3() == {"bids": [], "asks": [(first, 1, 101, 3)]}
    assert book.cancel(1, first) and not book.cancel(1, first)


def test_reference_book_forces_and_market_orders() -> None:
    book = ReferenceBook(quote_per_price_size=10)
    maker = book.place(1, SELL, LIMIT, 0, 100, 5).order_id
    assert book.place(2, BUY, LIMIT, int(Force.POST_ONLY), 100, 1).reason == CloseReason.POST_ONLY
    assert book.place(2, BUY, LIMIT, int(Force.FOK), 100, 6).reason == CloseReason.FOK
    ioc = book.place(2, BUY, LIMIT, int(Force.IOC), 100, 2)
    assert (ioc.outcome, [t.size for t in ioc.trades]) == ("filled", [2])
    budget = book.place(2, BUY, MARKET, 0, 0, 0, quote_size=2 * 100 * 10 + 999)
    assert [t.size for t in budget.trades] == [2] and budget.outcome == "filled"
    sell = book.place(3, SELL, MARKET, 0, 0, 4)
    assert (sell.outcome, sell.reason, sell.trades) == ("cancelled", CloseReason.NO_LIQUIDITY, [])
    assert book.l3()["asks"] == [(maker, 1, 100, 1)]


@pytest.mark.parametrize("stp, trades, removed, outcome", [
    (Stp.NONE, [(1, 5)], [], "filled"),
    (Stp.CANCEL_TAKER, [], [], "cancelled"),
    (Stp.CANCEL_MAKER, [(2, 5)], [1], "filled"),
    (Stp.CANCEL_BOTH, [], [1], "cancelled"),
])
def test_reference_book_stp(stp, trades, removed, outcome) -> None:
    book = ReferenceBook()
    book.place(7, SELL, LIMIT, 0, 100, 5)
    book.place(8, SELL, LIMIT, 0, 100, 5)
    result = book.place(7, BUY, LIMIT, 0, 100, 5, stp=int(stp))
    assert [(t.maker_order_id, t.size) for t in result.trades] == trades
    assert (result.stp_cancelled, result.outcome) == (removed, outcome)


def test_reference_book_agrees_with_the_engine_on_a_small_book() -> None:
    ex = standard_exchange()
    book = ReferenceBook()
    orders = [(1, SELL, P + 2, 30), (2, SELL, P + 1, 20), (3, BUY, P - 1, 10), (1, BUY, P + 2, 45),
              (2, SELL, P - 3, 40), (3, BUY, P + 5, 5)]
    for user, side, price, size in orders:
        events = ex.place(user, side, price, size)
        result = book.place(user, side, LIMIT, 0, price, size)
        assert result.order_id == order_id_of(events)
        assert [(t.maker_order_id, t.price, t.size) for t in result.trades] == [
            (t.maker_order_id, t.price, t.size) for t in of_type(events, TradeExecuted)]
    assert book.l3() == ex.book()
