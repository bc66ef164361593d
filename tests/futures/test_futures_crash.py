"""Crash scenario: 200 leveraged accounts, the reference price falls 30 % in a minute and
recovers.  Every position past its threshold is liquidated (book, insurance, ADL),
invariants hold after every command, and replaying the journal (and restoring a
mid-run snapshot) reproduces the same end state."""
from __future__ import annotations

import random
from fractions import Fraction
from functools import lru_cache

from openbourse.core.engine import EngineState, apply
from openbourse.core.engine.codec import decode_command, encode_command
from openbourse.core.engine.snapshot import decode_state, encode_state
from openbourse.core.futures.commands import CancelAllFutures, PlaceFuturesOrder
from openbourse.core.enums import SystemOwner
from openbourse.core.futures.enums import InsuranceReason
from openbourse.core.futures.events import (Deleveraged, FuturesTrade, InsuranceChanged,
                                            Liquidated)
from openbourse.core.futures.insurance import fund_balance
from openbourse.core.futures.liquidation import adl_rank
from openbourse.core.futures.margin import cross_status, isolated_liquidatable
from openbourse.core.futures.positions import unrealised

from .helpers import Fut

MM = 1000
START = 600000  # 60,000.0


def _run() -> Fut:
    rng = random.Random(7)
    f = Fut()
    f.insurance(2_000 * 10**6)
    f.fund(MM, 10**13)
    f.lever(MM, 5)
    f.price(START)
    for user in range(1, 201):
        f.fund(user, rng.randint(500, 5_000) * 10**6)
        if rng.random() < 0.5:
            f.isolated(user)
        f.lever(user, rng.choice((5, 10, 20, 50)))
    # pairs open opposite positions against each other at the start price
    for user in range(1, 101):
        size = rng.randint(10, 60)  # 0.010 .. 0.060 BTC
        long_user, short_user = (user, user + 100) if rng.random() < 0.7 else (user + 100, user)
        f.order(long_user, 0, START, size)
        f.order(short_user, 1, 0, size)
    path = [START - START * 3 * i // 600 for i in range(61)]  # −30 % over 60 s
    path += [path[-1] + (START - path[-1]) * i // 60 for i in range(1, 61)]
    for price in path:
        f.apply(CancelAllFutures(0, MM, 0, "BTCUSDT"))
        for level in range(1, 4):  # the market maker quotes 3 thin levels each side
            f.apply(PlaceFuturesOrder(0, MM, "BTCUSDT", 0, -1, 0, 0, price - 50 * level, 20))
            f.apply(PlaceFuturesOrder(0, MM, "BTCUSDT", 1, -1, 0, 0, price + 50 * level, 20))
        f.price(price)
        _assert_nothing_left_to_liquidate(f)
    return f


def _assert_nothing_left_to_liquidate(f: Fut) -> None:
    fs = f.fs()
    contract = fs.contracts["BTCUSDT"]
    seen = set()
    for pos in list(fs.positions.values()):
        if pos.margin_mode == 1:
            assert not isolated_liquidatable(contract, pos), pos
        else:
            key = (pos.user, pos.account, pos.asset)
            if key not in seen:
                seen.add(key)
                equity, maint, _, _ = cross_status(f.state, fs, key)
                assert equity * 10**6 > maint, (pos, equity, maint)
    # zero-sum: Σ realised (clearing) + Σ unrealised at mark == 0 (linear, exact)
    total = sum(unrealised(contract, p, contract.mark) for p in contract.positions.values())
    clearing = f.state.ledger.balances.get((-7, 5, "USDT"))  # SystemOwner.CLEARING
    bad = fs.bad_debt.get("USDT", 0)
    assert total == (clearing.available if clearing else 0) + bad


@lru_cache(maxsize=1)
def _crash() -> Fut:
    return _run()


def test_crash_liquidates_and_replays() -> None:
    f = _crash()
    liquidated = [e for e in f.events if type(e) is Liquidated]
    assert len(liquidated) >= 20
    assert any(e.book_size for e in liquidated)
    # balances never negative for users (check_all ran after every command)
    # replay the journal (codec round trip) into a fresh engine
    replay = EngineState()
    mid_snapshot = b""
    half = len(f.commands) // 2
    for n, cmd in enumerate(f.commands):
        apply(replay, decode_command(encode_command(cmd)))
        if n == half:
            mid_snapshot = encode_state(replay)
    assert encode_state(replay) == encode_state(f.state)
    restored = decode_state(mid_snapshot)
    for cmd in f.commands[half + 1:]:
        apply(restored, cmd)
    assert encode_state(restored) == encode_state(f.state)


def test_crash_insurance_pays_deficits_and_adl_closes_the_rest() -> None:
    f = _crash()
    events = f.events
    # the fund's balance follows its events exactly, and it did pay deficits
    fund = 0
    paid = 0
    for e in events:
        if type(e) is InsuranceChanged:
            fund += e.delta
            assert e.balance == fund
            if e.reason == InsuranceReason.DEFICIT_COVERED:
                assert e.delta < 0
                paid -= e.delta
    assert paid > 0
    ledger_fund = f.state.ledger.balances[(int(SystemOwner.INSURANCE), 0, "USDT")].available
    assert fund == ledger_fund
    # ADL ran, and each liquidation's ADL part was exactly its Deleveraged counterparts
    adl = [e for e in events if type(e) is Deleveraged]
    assert adl
    per_position: dict = {}
    for e in adl:
        per_position[e.bankrupt_position_id] = per_position.get(e.bankrupt_position_id, 0) + e.size
    liquidated = {e.position_id: e.adl_size for e in events if type(e) is Liquidated
                  and e.adl_size}
    assert per_position == liquidated
    assert not f.fs().bad_debt.get("USDT")


# ---- constructed cases ------------------------------------------------------------------

def _isolated_long(fund: int) -> Fut:
    """User 1 isolated 10x long 0.1 BTC at 27,249.5 against user 2; the fund holds ``fund``."""
    f = Fut()
    for user in (1, 2, 3):
        f.fund(user, 10**10)
    if fund:
        f.insurance(fund)
    f.price(272495)
    f.isolated(1)
    f.lever(1, 10)
    f.order(2, 1, 272495, 100)
    f.order(1, 0, 272495, 100)
    return f


def test_insurance_fund_covers_a_deficit_exactly() -> None:
    f = _isolated_long(1_000 * 10**6)
    margin = f.fs().position(1, "BTCUSDT", 0).margin
    assert margin == 272_495_000
    f.price(250000)  # above the liquidation price (≈ 24,637.8): nothing happens yet
    assert f.fs().position(1, "BTCUSDT", 0) is not None
    f.order(3, 0, 240000, 100)  # the only bid: below the bankruptcy price (≈ 24,524.6)
    assert f.fs().orders
    fund = f.state.ledger.balances[(int(SystemOwner.INSURANCE), 0, "USDT")]
    before_fund = fund.available
    user = f.state.ledger.balances[(1, 5, "USDT")]
    before_user = (user.available, user.frozen)
    events = f.price(245000)
    liq = [e for e in events if type(e) is Liquidated]
    assert len(liq) == 1 and liq[0].book_size == 100 and liq[0].adl_size == 0
    trade = [e for e in events if type(e) is FuturesTrade][0]
    assert trade.price == 240000 and trade.liquidation == 1
    deficit = -trade.taker_pnl - margin  # the loss beyond the position's whole margin
    assert deficit == 324_950_000 - 272_495_000
    assert before_fund - fund.available == deficit  # the fund paid exactly the gap
    assert liq[0].insurance_delta == -deficit and liq[0].fee == 0
    covered = [e for e in events if type(e) is InsuranceChanged]
    assert [(e.delta, e.reason) for e in covered] == [(-deficit, InsuranceReason.DEFICIT_COVERED)]
    # the user lost the margin and nothing more; no bad debt
    assert (user.available, user.frozen) == (before_user[0], before_user[1] - margin)
    assert not f.fs().bad_debt


def _adl_score(contract, pos) -> Fraction:  # type: ignore[no-untyped-def]
    """products.md ADL ranking, recomputed: ROI × effective leverage for profitable ones."""
    u = unrealised(contract, pos, contract.mark)
    value = contract.value(pos.size, contract.mark)
    return Fraction(u, pos.cost) * Fraction(value, pos.margin)


def test_adl_reduces_ranked_counterparties_in_order_when_fund_is_empty() -> None:
    f = Fut()
    for user in (1, 2, 3, 4, 5):
        f.fund(user, 10**10 if user != 5 else 10**12)
    # shorts: user 2 (10x) at 62,000; user 3 (50x) and user 4 (5x) at 60,000
    f.lever(2, 10)
    f.lever(3, 50)
    f.lever(4, 5)
    f.isolated(1)
    f.lever(1, 20)
    f.price(620000)
    f.order(5, 0, 620000, 40)
    f.order(2, 1, 620000, 40)
    f.price(600000)
    f.order(5, 0, 600000, 30)
    f.order(3, 1, 600000, 30)
    f.order(4, 1, 600000, 100)
    f.order(1, 0, 600000, 100)  # the long that will go bankrupt (isolated 20x)
    fs = f.fs()
    contract = fs.contracts["BTCUSDT"]
    assert fund_balance(f.state, "USDT") == 0 and not contract.book.bids.keys
    contract.mark = 500000  # what the ranking sees at the crash (the tick sets it too)
    shorts = [p for p in contract.positions.values() if p.side == 1]
    expected = sorted(shorts, key=lambda p: (-_adl_score(contract, p), p.position_id))
    assert [p.user for p in expected] == [3, 2, 4]
    assert [p.user for p in adl_rank(fs, f.state, contract, 1, 0)] == [3, 2, 4]
    events = f.price(500000)  # −16.7 %, empty book, empty fund: ADL at the bankruptcy price
    liq = [e for e in events if type(e) is Liquidated]
    assert len(liq) == 1 and liq[0].user == 1 and liq[0].book_size == 0 and liq[0].adl_size == 100
    adl = [e for e in events if type(e) is Deleveraged]
    assert [(e.user, e.size) for e in adl] == [(3, 30), (2, 40), (4, 30)]
    assert all(e.price == liq[0].bankruptcy_price and e.bankrupt_user == 1 for e in adl)
    assert fs.position(3, "BTCUSDT", 1) is None and fs.position(2, "BTCUSDT", 1) is None
    assert fs.position(4, "BTCUSDT", 1).size == 70
    assert fs.position(1, "BTCUSDT", 0) is None
    assert not fs.bad_debt.get("USDT")
    assert all(e.pnl > 0 for e in adl)  # profitable shorts closed at the bankruptcy price
