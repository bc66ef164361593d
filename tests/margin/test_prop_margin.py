"""Property: random margin/convert workloads keep conservation (every asset over every
account type, lending pool and insurance fund sums to 0, checked by the harness after
every command), and every accepted borrow, transfer or margin order respects the rules:
after it the account is within max leverage (borrow, auto-borrow) or above its
margin-call line (transfer out)."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from margin_helpers import CROSS, SPOT, U, borrow, iso, margin_order, repay, setup

from openbourse.core.convert.commands import (
    AcceptQuote,
    FundConvertLiquidity,
    RequestQuote,
    SetConvertAsset,
)
from openbourse.core.events import Rejected, TransferPosted
from openbourse.core.margin.events import Borrowed
from openbourse.core.margin.risk import below, lines, view
from openbourse.testing.builders import BTC, BTCUSDT, BUY, SELL, USDT, of_type

PRICE = 100
USERS = (1, 2, 3)

op = st.one_of(
    st.tuples(st.just("deposit"), st.sampled_from(USERS), st.sampled_from([BTC, USDT]),
              st.integers(1, 5000)),
    st.tuples(st.just("transfer"), st.sampled_from(USERS), st.sampled_from([BTC, USDT]),
              st.integers(1, 5000), st.sampled_from(["spot", "cross", "iso"]),
              st.sampled_from(["spot", "cross", "iso"])),
    st.tuples(st.just("borrow"), st.sampled_from(USERS), st.sampled_from([BTC, USDT]),
              st.integers(1, 20000), st.booleans()),
    st.tuples(st.just("repay"), st.sampled_from(USERS), st.sampled_from([BTC, USDT]),
              st.integers(1, 20000), st.booleans()),
    st.tuples(st.just("order"), st.sampled_from(USERS), st.sampled_from([BUY, SELL]),
              st.integers(40_000, 60_000), st.integers(1, 200), st.booleans(),
              st.integers(0, 3)),
    st.tuples(st.just("price"), st.integers(30_000, 70_000)),
    st.tuples(st.just("tick"), st.integers(1, 3 * 3600)),
    st.tuples(st.just("convert"), st.sampled_from(USERS), st.integers(1, 2000),
              st.booleans()),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(op, min_size=5, max_size=60))
def test_random_margin_workload(ops: list) -> None:  # type: ignore[type-arg]
    ex = setup(rate=500_000, fee_ppm=1000, insurance_usdt=1000 * U)
    for asset in (BTC, USDT):
        ex.apply(SetConvertAsset(0, asset, 1, 1, 10**6 * U))
        ex.apply(FundConvertLiquidity(0, asset, 100 * U, f"liq-{asset}"))
    account = iso(ex)
    names = {"spot": SPOT, "cross": CROSS, "iso": account}
    ms = ex.state.products["margin"]
    ex.trade_at(50_000 * PRICE, 1)
    ex.deposit(99, BTC, 1000 * U)
    ex.deposit(99, USDT, 10**8 * U)
    ex.sell(99, 50_100 * PRICE, 50_000_000)
    ex.buy(99, 49_900 * PRICE, 50_000_000)
    for item in ops:
        kind = item[0]
        if kind == "deposit":
            ex.deposit(item[1], item[2], item[3] * U // 100)
        elif kind == "transfer":
            _, user, asset, amount, source, target = item
            events = ex.transfer(user, asset, amount * U // 100, names[source], names[target])
            if not of_type(events, Rejected) and source != "spot":
                v = view(ex.state, ms, user, names[source])
                assert not below(v, lines(ms, names[source]).call)
        elif kind == "borrow":
            _, user, asset, amount, isolated = item
            acct = account if isolated else CROSS
            events = borrow(ex, user, asset, amount * U // 1000, symbol=BTCUSDT if isolated else "")
            if of_type(events, Borrowed):
                v = view(ex.state, ms, user, acct)
                assert v.liabilities <= v.net * (lines(ms, acct).leverage - 1)
        elif kind == "repay":
            _, user, asset, amount, isolated = item
            repay(ex, user, asset, amount * U // 1000, symbol=BTCUSDT if isolated else "")
        elif kind == "order":
            _, user, side, price, size, isolated, loan_type = item
            acct = account if isolated else CROSS
            events = margin_order(ex, user, side, price * PRICE, size * 100, isolated=isolated,
                                  loan_type=loan_type)
            if of_type(events, Borrowed):
                v = view(ex.state, ms, user, acct)
                assert v.liabilities <= v.net * (lines(ms, acct).leverage - 1) + 10**6
        elif kind == "price":
            ex.deposit(98, BTC, U)
            ex.deposit(98, USDT, 10**4 * U)
            ex.cancel_all(99)
            ex.sell(99, (item[1] + 100) * PRICE, 50_000_000)
            ex.buy(99, (item[1] - 100) * PRICE, 50_000_000)
            ex.trade_at(item[1] * PRICE, 1, seller=98, buyer=98)
        elif kind == "tick":
            ex.tick(ex.next_ts + item[1] * 10**9)
            for user, acct, _ in list(ms.loans):
                assert not below(view(ex.state, ms, user, acct), lines(ms, acct).mmr)
        elif kind == "convert":
            _, user, amount, accept = item
            events = ex.apply(RequestQuote(0, user, USDT, BTC, amount * U // 100, 0))
            if accept and not of_type(events, Rejected):
                ex.apply(AcceptQuote(0, user, events[0].quote_id))
    assert all(e.amount > 0 for e in of_type(ex.events, TransferPosted))
