"""Price shock: many margin accounts, the price falls sharply; every account under its
liquidation line is liquidated, the pool is repaid or the deficit covered, and replaying
the journal (and a snapshot round trip) reproduces the end state."""
from __future__ import annotations

import random

from margin_helpers import CROSS, SPOT, U, borrow, iso, margin_order, ok, setup

from openbourse.core.engine import EngineState, apply
from openbourse.core.engine.codec import decode_command, encode_command
from openbourse.core.engine.invariants import check_all
from openbourse.core.engine.snapshot import decode_state, encode_state
from openbourse.core.engine.state_hash import state_hash
from openbourse.core.margin.events import LiquidationFinished, LiquidationStarted
from openbourse.core.margin.risk import below, lines, view
from openbourse.testing.builders import BTC, BTCUSDT, BUY, ETH, ETHUSDT, USDT, of_type

PRICE = 100


def test_price_shock_liquidates_every_account_under_the_line() -> None:
    rng = random.Random(6)
    ex = setup(rate=200_000, fee_ppm=1000, insurance_usdt=500 * U, eth=True)
    account = iso(ex)
    ex.deposit(900, BTC, 100 * U)
    ok(ex.sell(900, 50_000 * PRICE, 10_000_000))  # 10 BTC of asks at 50,000
    ex.deposit(901, ETH, 1000 * U)
    ok(ex.sell(901, 3_000 * PRICE, 100_000_000, symbol=ETHUSDT))
    users = list(range(1, 31))
    for user in users:
        equity = rng.randint(500, 3000) * U
        ex.deposit(user, USDT, equity)
        if user % 2:  # isolated long BTC with 2x..4.9x
            ok(ex.transfer(user, USDT, equity, SPOT, account))
            loan = equity * rng.randint(10, 39) // 10
            ok(borrow(ex, user, USDT, loan, symbol=BTCUSDT))
            size = (equity + loan) * 99 // 100 // (50_000 * PRICE)  # size units
            ok(margin_order(ex, user, BUY, 50_000 * PRICE, size))
        else:  # cross long BTC and ETH
            ok(ex.transfer(user, USDT, equity, SPOT, CROSS))
            loan = equity * rng.randint(5, 19) // 10
            ok(borrow(ex, user, USDT, loan))
            half = (equity + loan) // 2
            ok(margin_order(ex, user, BUY, 50_000 * PRICE, half * 98 // 100 // (50_000 * PRICE),
                            isolated=False))
            ok(margin_order(ex, user, BUY, 3_000 * PRICE, half * 98 // 100 // (3_000 * PRICE),
                            symbol=ETHUSDT, isolated=False))
    ex.tick(ex.next_ts)
    ms = ex.state.products["margin"]
    # the shock: BTC -25 %, ETH -30 %, with buyers all the way down
    for price in (37_500, 37_000, 36_000):
        ex.deposit(950, USDT, 10**6 * U)
        ok(ex.buy(950, price * PRICE, 2_000_000))
    for price in (2_100, 2_000):
        ex.deposit(951, USDT, 10**6 * U)
        ok(ex.buy(951, price * PRICE, 200_000_000, symbol=ETHUSDT))
    ex.deposit(960, BTC, U)
    ex.deposit(960, ETH, U)
    ok(ex.market_sell(960, 1))  # prints 37,500
    ok(ex.market_sell(960, 1, symbol=ETHUSDT))  # prints 2,100
    before = {(u, a) for u, a, _ in ms.loans}
    under = {key for key in before
             if below(view(ex.state, ms, *key), lines(ms, key[1]).mmr)}
    assert under, "the shock must put some accounts under the line"
    events = ex.tick(ex.next_ts)
    liquidated = {(e.user, e.account) for e in of_type(events, LiquidationStarted)}
    assert under <= liquidated and len(liquidated) >= 5, (len(under), len(liquidated))
    for key in liquidated:  # every liquidated account is out of debt
        assert not any(k[:2] == key for k in ms.loans)
    for key in {(u, a) for u, a, _ in ms.loans}:  # nobody left below the line
        assert not below(view(ex.state, ms, *key), lines(ms, key[1]).mmr)
    finished = [e for e in of_type(events, LiquidationFinished) if e.asset]
    for record in finished:
        assert record.deficit == record.covered + record.written_off
    check_all(ex.state)
    # replay the journal from scratch: same state hash
    replayed = EngineState()
    for command in ex.commands:
        apply(replayed, decode_command(encode_command(command)))
    assert state_hash(replayed) == state_hash(ex.state)
    # snapshot round trip keeps margin orders in their accounts
    restored = decode_state(encode_state(ex.state))
    assert encode_state(restored) == encode_state(ex.state)
    check_all(restored)
