"""Hypothesis stateful test of the futures core: random leveraged order flow.

Commands: opening/closing/reduce-only orders in one-way and hedge mode, cross and
isolated margin, leverage changes, margin adjustments, auto margin, flash closes, plans,
price updates including crashes and spikes, funding ticks, and wallet transfers in and out
of the futures accounts.  Every command goes through ``Exchange.apply`` (invariants,
"a rejected command changes nothing", event types, seq/ts) and the invariants below are
checked after every step:

* ledger conservation with realised PnL and funding (``check_all``: every asset sums to
  zero, including fees, the insurance fund and the clearing account);
* zero sum per contract family: Σ unrealised PnL at the mark over all open positions ==
  the clearing balance (what realised PnL left there) + bad debt, and long size == short
  size on every contract (inverse: with the house position, and the PnL identity up to
  the rounding of each fill's coin value);
* no user balance below zero; bad debt only once the insurance fund is empty; after a
  price update no position/account is left past its liquidation threshold.
"""
from __future__ import annotations

from typing import Any, List

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from openbourse.core.commands import ClockTick, Deposit, ListAsset, Transfer
from openbourse.core.engine.invariants import check_all
from openbourse.core.enums import SystemOwner
from openbourse.core.futures.commands import (AdjustMargin, CancelAllFutures, ClosePositions,
                                              FundInsurance, PlaceFuturesOrder,
                                              PlaceFuturesPlan, SetAutoMargin, SetLeverage,
                                              SetMarginMode, SetPositionMode, UpdatePrices)
from openbourse.core.futures.demo import DEMO_ASSETS, demo_contracts
from openbourse.core.futures.enums import InsuranceReason
from openbourse.core.futures.events import Deleveraged, FuturesTrade, InsuranceChanged
from openbourse.core.futures.margin import cross_status, isolated_liquidatable
from openbourse.core.futures.positions import unrealised
from openbourse.testing.builders import Exchange

P = 600000  # BTCUSDT 60,000.0
USERS = st.integers(1, 5)
MM = 9
SIDES = st.integers(0, 1)
SIZES = st.sampled_from([1, 2, 5, 10, 20, 50, 100, 300])
OFFSETS = st.integers(-40, 40).map(lambda x: x * 50)
OIDS = st.sampled_from(["", "", "", "", "k1", "k2"])
SPOT = 1


class FuturesMachine(RuleBasedStateMachine):
    """Random flow on the linear BTCUSDT; ``InverseMachine`` runs it on the Coin-M BTCUSD."""

    SYMBOL, ASSET, FUT = "BTCUSDT", "USDT", 5  # AccountType.USDT_FUTURES

    @initialize(fund=st.sampled_from([0, 10**8, 10**10]))
    def setup(self, fund: int) -> None:
        self.ex = Exchange(audit=False)
        self.fills = 0  # fills and ADL closes so far (the inverse rounding budget)
        for asset, scale in DEMO_ASSETS:
            self.ex.apply(ListAsset(0, asset, scale))
        for spec in demo_contracts():
            self.ex.apply(spec)
        for user in (1, 2, 3, 4, 5):
            self.ex.apply(Deposit(0, user, SPOT, self.ASSET, 10**10, f"d{user}"))
            self.ex.apply(Transfer(0, user, self.ASSET, 5 * 10**9, SPOT, self.FUT, ""))
        self.ex.apply(Deposit(0, MM, SPOT, self.ASSET, 10**14, "mm"))
        self.ex.apply(Transfer(0, MM, self.ASSET, 10**14, SPOT, self.FUT, ""))
        if fund:
            self.ex.apply(FundInsurance(0, self.ASSET, fund))
        self.price = P
        self.ex.apply(UpdatePrices(0, self.SYMBOL, (("ext", P, 1),)))
        self.quote()

    def apply(self, command: Any) -> List[Any]:
        fs = self.ex.state.products["futures"]
        bad_before, fund_before = fs.bad_debt.get(self.ASSET, 0), self.fund()
        events = self.ex.apply(command)
        self.fills += sum(1 for e in events if type(e) in (FuturesTrade, Deleveraged))
        if fs.bad_debt.get(self.ASSET, 0) > bad_before:
            # a loss nobody could pay: only once the fund was (or has just been) emptied
            assert fund_before == 0 or any(
                type(e) is InsuranceChanged and e.reason == InsuranceReason.DEFICIT_COVERED and
                e.balance == 0 for e in events), events
        return events

    def fund(self) -> int:
        found = self.ex.state.ledger.balances.get((int(SystemOwner.INSURANCE), 0, self.ASSET))
        return found.available if found is not None else 0

    def fs(self) -> Any:
        return self.ex.state.products["futures"]

    # ---- market ----------------------------------------------------------------------
    @rule()
    def quote(self) -> None:
        """The market maker re-quotes three levels each side around the index."""
        self.apply(CancelAllFutures(0, MM, 0, self.SYMBOL))
        for level in (1, 2, 3):
            self.apply(PlaceFuturesOrder(0, MM, self.SYMBOL, 0, -1, 0, 0,
                                         self.price - 100 * level, 200))
            self.apply(PlaceFuturesOrder(0, MM, self.SYMBOL, 1, -1, 0, 0,
                                         self.price + 100 * level, 200))

    @rule(move_ppm=st.sampled_from([-300_000, -150_000, -40_000, -10_000, -1_000, 0, 1_000,
                                    10_000, 40_000, 150_000, 300_000]))
    def price_update(self, move_ppm: int) -> None:
        self.price = max(10_000, self.price + self.price * move_ppm // 1_000_000)
        self.apply(UpdatePrices(0, self.SYMBOL, (("ext", self.price, 1),)))
        self.assert_nothing_left_to_liquidate()

    @rule(requote=st.booleans())
    def crash_and_recover(self, requote: bool) -> None:
        start = self.price
        for step in list(range(1, 7)) + list(range(5, -1, -1)):  # −30 % and back
            self.price = start - start * 5 * step // 100
            if requote:
                self.quote()
            self.apply(UpdatePrices(0, self.SYMBOL, (("ext", self.price, 1),)))
            self.assert_nothing_left_to_liquidate()

    @rule()
    def funding(self) -> None:
        contract = self.fs().contracts[self.SYMBOL]
        self.apply(ClockTick(contract.next_funding_ns))

    # ---- users -----------------------------------------------------------------------
    @rule(user=USERS, side=SIDES, offset=OFFSETS, size=SIZES, market=st.booleans(),
          reduce=st.sampled_from([0, 0, 1]), force=st.sampled_from([0, 0, 1, 2, 3]), oid=OIDS)
    def order(self, user, side, offset, size, market, reduce, force, oid) -> None:
        price = 0 if market else self.price + offset
        self.apply(PlaceFuturesOrder(0, user, self.SYMBOL, side, -1, 1 if market else 0, force,
                                     price, size, reduce, oid))

    @rule(user=USERS, side=SIDES, close=st.booleans(), offset=OFFSETS, size=SIZES,
          market=st.booleans())
    def hedge_order(self, user, side, close, offset, size, market) -> None:
        price = 0 if market else self.price + offset
        self.apply(PlaceFuturesOrder(0, user, self.SYMBOL, side, 1 if close else 0,
                                     1 if market else 0, 0, price, size))

    @rule(user=USERS, mode=st.integers(0, 1))
    def position_mode(self, user, mode) -> None:
        self.apply(SetPositionMode(0, user, 0, mode))

    @rule(user=USERS, mode=st.integers(0, 1))
    def margin_mode(self, user, mode) -> None:
        self.apply(SetMarginMode(0, user, self.SYMBOL, mode))

    @rule(user=USERS, side=st.integers(-1, 1), leverage=st.sampled_from([1, 3, 10, 20, 50, 125]))
    def leverage(self, user, side, leverage) -> None:
        self.apply(SetLeverage(0, user, self.SYMBOL, side, leverage))

    @rule(user=USERS, side=st.integers(-1, 1),
          amount=st.sampled_from([-10**9, -10**7, -10**5, 10**5, 10**7, 10**9]))
    def adjust_margin(self, user, side, amount) -> None:
        self.apply(AdjustMargin(0, user, self.SYMBOL, side, amount))

    @rule(user=USERS, side=st.integers(-1, 1), on=st.integers(0, 1))
    def auto_margin(self, user, side, on) -> None:
        self.apply(SetAutoMargin(0, user, self.SYMBOL, side, on))

    @rule(user=USERS, side=st.integers(-1, 1))
    def flash_close(self, user, side) -> None:
        self.apply(ClosePositions(0, user, 0, self.SYMBOL, side))

    @rule(user=USERS, plans=st.integers(0, 1))
    def cancel_all(self, user, plans) -> None:
        self.apply(CancelAllFutures(0, user, 0, self.SYMBOL, plans))

    @rule(user=USERS, plan_type=st.integers(0, 5), offset=OFFSETS, trigger_type=st.integers(0, 1),
          side=SIDES, hold_side=st.integers(-1, 1), size=SIZES, market=st.booleans())
    def plan(self, user, plan_type, offset, trigger_type, side, hold_side, size, market) -> None:
        trigger = self.price + offset if plan_type != 5 or offset > 0 else 0
        self.apply(PlaceFuturesPlan(0, user, self.SYMBOL, plan_type, trigger, trigger_type, side,
                                    -1, hold_side, 1 if market else 0,
                                    0 if market else self.price + offset // 2, size, 0,
                                    20_000 if plan_type == 5 else 0))

    @rule(user=USERS, amount=st.sampled_from([10**6, 10**8, 10**9, 6 * 10**9]),
          out=st.booleans())
    def transfer(self, user, amount, out) -> None:
        if out:
            self.apply(Transfer(0, user, self.ASSET, amount, self.FUT, SPOT, ""))
        else:
            self.apply(Transfer(0, user, self.ASSET, amount, SPOT, self.FUT, ""))

    # ---- properties ------------------------------------------------------------------
    def assert_nothing_left_to_liquidate(self) -> None:
        fs = self.fs()
        contract = fs.contracts[self.SYMBOL]
        if contract.stale:
            return
        seen = set()
        for pos in list(fs.positions.values()):
            if pos.margin_mode == 1:
                assert not isolated_liquidatable(contract, pos), pos
            else:
                key = (pos.user, pos.account, pos.asset)
                if key not in seen:
                    seen.add(key)
                    equity, maint, _, _ = cross_status(self.ex.state, fs, key)
                    assert equity * 10**6 > maint, (pos, equity, maint)

    @invariant()
    def sound(self) -> None:
        if not hasattr(self, "ex"):
            return
        state = self.ex.state
        check_all(state)  # conservation, no negative user balance, holds, futures indexes
        fs = self.fs()
        for contract in fs.contracts.values():
            longs = sum(p.size for p in contract.positions.values() if p.side == 0)
            shorts = sum(p.size for p in contract.positions.values() if p.side == 1)
            assert longs + contract.house_size == shorts
        contract = fs.contracts[self.SYMBOL]
        upnl = sum(unrealised(contract, p, contract.mark) for p in contract.positions.values())
        upnl += contract.house_upnl(contract.mark)
        clearing = state.ledger.balances.get((int(SystemOwner.CLEARING), self.FUT, self.ASSET))
        bad = fs.bad_debt.get(self.ASSET, 0)
        gap = upnl - (clearing.available if clearing is not None else 0) - bad
        if contract.inverse:  # each fill's coin value and each valuation round down
            assert abs(gap) <= 2 * self.fills + len(contract.positions) + 2, gap
        else:
            assert gap == 0
        for balance in state.ledger:
            if balance.owner > 0:
                assert balance.available >= 0 and balance.frozen >= 0, balance


FuturesMachine.TestCase.settings = settings(
    max_examples=40, stateful_step_count=40, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
TestFuturesMachine = FuturesMachine.TestCase


class InverseMachine(FuturesMachine):
    SYMBOL, ASSET, FUT = "BTCUSD", "BTC", 7  # AccountType.COIN_FUTURES: amounts in satoshi


InverseMachine.TestCase.settings = FuturesMachine.TestCase.settings
TestInverseMachine = InverseMachine.TestCase
