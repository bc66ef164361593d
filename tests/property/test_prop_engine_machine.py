"""Hypothesis stateful test: random command streams, good and bad, through ``apply``.

Every command goes through ``Exchange.apply``, which after each one checks the invariants
(conservation, no negative balance, holds == open orders + pending withdrawals, books
sorted/non-empty/uncrossed, plans indexed), gap-free monotonic seq and ts, the declared
type of every event field, that a command answered only by Rejected/Duplicate changed
nothing (``masked_state``: the canonical encoding with the per-command counters masked),
and the auditor's balance predictions from the events alone.  The rules below only have
to generate commands: valid ones near a price, and malformed ones (wrong types, negative,
huge, unknown symbols/assets/users/orders).
"""
from __future__ import annotations

from typing import Any, List

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from openbourse.core.commands import (
    BatchCancel,
    BatchPlace,
    CancelAll,
    CancelOrder,
    CancelPlan,
    ClockTick,
    CompleteWithdrawal,
    Deposit,
    FailWithdrawal,
    ListAsset,
    ListMarket,
    ModifyOrder,
    PlaceOrder,
    PlacePlan,
    RequestWithdrawal,
    SetMarketStatus,
    SetUserFees,
    Transfer,
)
from openbourse.core.engine.invariants import check_all
from openbourse.core.events import OrderAccepted, PlanPlaced, Rejected
from openbourse.testing.builders import Exchange, market_spec

USERS = st.integers(1, 4)
SYMBOLS = st.sampled_from(["BTCUSDT", "BTCUSDT", "ETHUSDT"])
ASSETS = st.sampled_from(["BTC", "USDT", "ETH"])
PRICES = st.integers(18, 26).map(lambda p: p * 5)  # multiples of ETHUSDT's tick
SIZES = st.integers(1, 15).map(lambda s: s * 2)  # multiples of ETHUSDT's lot
SIDES = st.integers(0, 1)
FORCES = st.integers(0, 3)
STPS = st.sampled_from([0, 0, 0, 1, 2, 3])
OIDS = st.sampled_from(["", "", "", "", "", "", "a", "b", "c"])
BAD = st.sampled_from([None, -1, 0, 2**200, -(2**200), "7", "", "x" * 200, 1.5, -0.0, True,
                       False, (), (1, 2), "BTCUSDT", "NOPE", "DOGE", 10**12, 3])
WITHDRAWAL_IDS = st.sampled_from(["w1", "w2", "w3", "nope"])


class EngineMachine(RuleBasedStateMachine):
    @initialize()
    def setup(self) -> None:
        self.ex = Exchange()
        self.ids: List[int] = []
        self.plan_ids: List[int] = []
        self.accepted: List[Any] = []  # commands that were not rejected, for retries
        for asset in ("BTC", "USDT", "ETH"):
            self.ex.list_asset(asset, 8)
        # price 2 dp, size 4 dp: notional = size * price * 100 quote units
        self.ex.apply(market_spec("BTCUSDT", "BTC", "USDT", quantity_precision=4, min_size=2,
                                  max_size=10**6, min_notional=5_000, price_band_ppm=200_000,
                                  max_open_orders=6))
        self.ex.apply(market_spec("ETHUSDT", "ETH", "USDT", quantity_precision=4, lot=2, tick=5,
                                  maker_fee_ppm=0, taker_fee_ppm=2500))
        for user in (1, 2, 3):
            for asset, amount in (("BTC", 10**8), ("ETH", 10**8), ("USDT", 10**10)):
                self.ex.deposit(user, asset, amount)

    def apply(self, command: Any) -> List[Any]:
        events = self.ex.apply(command)
        if type(command) in (PlaceOrder, PlacePlan, Deposit, Transfer, RequestWithdrawal) and \
                not any(type(e) is Rejected for e in events):
            self.accepted.append(command)
        for event in events:
            if type(event) is OrderAccepted:
                self.ids.append(event.order_id)
            elif type(event) is PlanPlaced:
                self.plan_ids.append(event.plan_id)
        return events

    def pick(self, ids: List[int], index: int) -> int:
        return ids[-1 - index % len(ids)] if ids and index >= 0 else abs(index) + 1

    # ------------------------------------------------------------------ valid-ish commands
    @rule(user=USERS, symbol=SYMBOLS, side=SIDES, force=FORCES, price=PRICES, size=SIZES,
          oid=OIDS, stp=STPS)
    def limit(self, user, symbol, side, force, price, size, oid, stp) -> None:
        self.apply(PlaceOrder(0, user, symbol, side, 0, force, price, size, 0, oid, stp))

    @rule(user=USERS, symbol=SYMBOLS, side=SIDES, force=FORCES, price=PRICES, size=SIZES,
          oid=OIDS, stp=STPS)
    def limit_again(self, user, symbol, side, force, price, size, oid, stp) -> None:
        """(a second rule, so orders are drawn twice as often as other commands)"""
        self.limit(user, symbol, side, force, price, size, oid, stp)

    @rule(user=USERS, symbol=SYMBOLS, side=SIDES, size=SIZES, quote=st.integers(1, 10**6),
          stp=STPS)
    def market(self, user, symbol, side, size, quote, stp) -> None:
        if side == 0:
            self.apply(PlaceOrder(0, user, symbol, 0, 1, 0, 0, 0, quote, "", stp))
        else:
            self.apply(PlaceOrder(0, user, symbol, 1, 1, 0, 0, size, 0, "", stp))

    @rule(user=USERS, side=SIDES, price=PRICES, size=SIZES, tp=st.integers(-20, 20),
          sl=st.integers(-20, 20), market=st.booleans())
    def with_tpsl(self, user, side, price, size, tp, sl, market) -> None:
        self.apply(PlaceOrder(0, user, "BTCUSDT", side, 0, 0, price, size, 0, "", 0,
                              max(0, price + tp), price + tp if market else 0,
                              max(0, price + sl), 0))

    @rule(user=USERS, symbol=SYMBOLS, index=st.integers(-3, 30), by_oid=OIDS)
    def cancel(self, user, symbol, index, by_oid) -> None:
        if by_oid:
            self.apply(CancelOrder(0, user, symbol, 0, by_oid))
        else:
            self.apply(CancelOrder(0, user, symbol, self.pick(self.ids, index), ""))

    @rule(user=USERS, symbol=SYMBOLS)
    def cancel_all(self, user, symbol) -> None:
        self.apply(CancelAll(0, user, symbol))

    @rule(user=USERS, symbol=SYMBOLS, index=st.integers(0, 30), price=st.integers(0, 130),
          size=st.integers(0, 30), oid=OIDS, new_oid=OIDS)
    def modify(self, user, symbol, index, price, size, oid, new_oid) -> None:
        order_id = 0 if oid else self.pick(self.ids, index)
        self.apply(ModifyOrder(0, user, symbol, order_id, oid, price, size, new_oid))

    @rule(orders=st.lists(st.tuples(USERS, SYMBOLS, SIDES, FORCES, PRICES, SIZES, OIDS),
                          min_size=0, max_size=6))
    def batch_place(self, orders) -> None:
        self.apply(BatchPlace(0, tuple(PlaceOrder(0, u, s, side, 0, f, p, z, 0, o)
                                       for u, s, side, f, p, z, o in orders)))

    @rule(user=USERS, indexes=st.lists(st.integers(0, 20), max_size=5))
    def batch_cancel(self, user, indexes) -> None:
        self.apply(BatchCancel(0, tuple(CancelOrder(0, user, "BTCUSDT", self.pick(self.ids, i))
                                        for i in indexes)))

    @rule(user=USERS, symbol=SYMBOLS, side=SIDES, trigger=PRICES, price=st.integers(0, 130),
          size=SIZES, oid=OIDS)
    def plan(self, user, symbol, side, trigger, price, size, oid) -> None:
        if price:
            self.apply(PlacePlan(0, user, symbol, side, trigger, 0, price, size, 0, 0, oid))
        elif side == 0:
            self.apply(PlacePlan(0, user, symbol, 0, trigger, 1, 0, 0, size * 10_000, 0, oid))
        else:
            self.apply(PlacePlan(0, user, symbol, 1, trigger, 1, 0, size, 0, 0, oid))

    @rule(user=USERS, symbol=SYMBOLS, index=st.integers(0, 10), oid=OIDS)
    def cancel_plan(self, user, symbol, index, oid) -> None:
        self.apply(CancelPlan(0, user, symbol, 0 if oid else self.pick(self.plan_ids, index),
                              oid))

    @rule(user=st.integers(1, 5), account=st.sampled_from([1, 1, 2]), asset=ASSETS,
          amount=st.integers(1, 10**8),
          ref=st.one_of(st.sampled_from(["d1", "d2"]), st.integers(3, 10**9).map(str)))
    def deposit(self, user, account, asset, amount, ref) -> None:
        self.apply(Deposit(0, user, account, asset, amount, ref))

    @rule(user=USERS, asset=ASSETS, amount=st.integers(1, 10**8), wid=WITHDRAWAL_IDS,
          action=st.sampled_from(["request", "request", "complete", "fail"]))
    def withdrawal(self, user, asset, amount, wid, action) -> None:
        if action == "request":
            self.apply(RequestWithdrawal(0, user, asset, amount, wid))
        elif action == "complete":
            self.apply(CompleteWithdrawal(0, wid))
        else:
            self.apply(FailWithdrawal(0, wid))

    @rule(user=USERS, asset=ASSETS, amount=st.integers(1, 10**8), direction=st.booleans(),
          ref=st.sampled_from(["", "t1", "t2"]))
    def transfer(self, user, asset, amount, direction, ref) -> None:
        source, target = (1, 2) if direction else (2, 1)
        self.apply(Transfer(0, user, asset, amount, source, target, ref))

    @rule(symbol=SYMBOLS, status=st.sampled_from([0, 0, 0, 0, 1]))
    def halt_or_resume(self, symbol, status) -> None:
        self.apply(SetMarketStatus(0, symbol, status))

    @rule(user=USERS, maker=st.sampled_from([-1, 0, 500, 999_999]),
          taker=st.sampled_from([-1, 0, 600, 999_999]))
    def fees(self, user, maker, taker) -> None:
        self.apply(SetUserFees(0, user, maker, taker))

    @rule(asset=st.sampled_from(["XRP", "SOL", "BTC", "xrp"]), scale=st.integers(-1, 19))
    def list_asset(self, asset, scale) -> None:
        self.apply(ListAsset(0, asset, scale))

    @rule(base=st.sampled_from(["XRP", "SOL", "BTC"]), pp=st.integers(0, 9),
          qp=st.integers(0, 9), tick=st.integers(1, 3), lot=st.integers(1, 3),
          fee=st.integers(0, 5000))
    def list_market(self, base, pp, qp, tick, lot, fee) -> None:
        self.apply(ListMarket(0, base + "USDT", base, "USDT", pp, qp, tick, lot, lot, 10**9, 0,
                              fee, fee, 0, 0))

    @rule(hours=st.sampled_from([0, 1, 5, 7]))
    def tick(self, hours) -> None:
        self.ex.next_ts += hours * 3600 * 10**9
        self.apply(ClockTick(0))

    # ------------------------------------------------------------------ malformed commands
    @rule(kind=st.sampled_from([
        PlaceOrder(0, 1, "BTCUSDT", 0, 0, 0, 100, 5, 0, "z"),
        PlaceOrder(0, 1, "BTCUSDT", 1, 1, 0, 0, 5, 0),
        PlaceOrder(0, 1, "BTCUSDT", 0, 1, 0, 0, 0, 10**5),
        CancelOrder(0, 1, "BTCUSDT", 1, ""),
        CancelAll(0, 1, "BTCUSDT"),
        ModifyOrder(0, 1, "BTCUSDT", 1, "", 101, 3, ""),
        PlacePlan(0, 1, "BTCUSDT", 0, 120, 0, 100, 5, 0),
        CancelPlan(0, 1, "BTCUSDT", 1, ""),
        Deposit(0, 1, 1, "USDT", 5, "bad-deposit"),
        RequestWithdrawal(0, 1, "USDT", 5, "bad-withdrawal"),
        CompleteWithdrawal(0, "w1"),
        FailWithdrawal(0, "w2"),
        Transfer(0, 1, "USDT", 5, 1, 2, "bad-transfer"),
        SetMarketStatus(0, "BTCUSDT", 1),
        SetUserFees(0, 1, 100, 100),
        ListAsset(0, "XRP", 6),
        ListMarket(0, "XRPUSDT", "XRP", "USDT", 2, 4, 1, 1, 1, 10, 0, 0, 0, 0, 0),
        ClockTick(0),
        BatchPlace(0, (PlaceOrder(0, 1, "BTCUSDT", 0, 0, 0, 100, 5, 0),)),
        BatchCancel(0, (CancelOrder(0, 1, "BTCUSDT", 1, ""),)),
    ]), field=st.integers(1, 20), bad=BAD)
    def malformed(self, kind, field, bad) -> None:
        """One field of a command replaced by a value of the wrong type or range."""
        index = field % len(kind) if len(kind) > 1 else 0
        if index == 0:
            return
        command = kind._replace(**{kind._fields[index]: bad})
        events = self.apply(command)
        assert events or type(command) in (CancelAll, ClockTick), command

    @rule(index=st.integers(0, 20), field=st.integers(1, 20),
          change=st.sampled_from(["same", "bool", "float", "str"]))
    def retry(self, index, field, change) -> None:
        """Resend an accepted command (idempotent retry), or one whose field has the same
        value in another type (True for 1, 1.0 for 1, "1" for 1)."""
        if not self.accepted:
            return
        command = self.accepted[-1 - index % len(self.accepted)]
        if change != "same":
            names = [name for name in command._fields[1:]
                     if type(getattr(command, name)) is int and
                     (change != "bool" or getattr(command, name) in (0, 1))]
            if not names:
                return
            name = names[field % len(names)]
            value = getattr(command, name)
            other = {"bool": bool, "float": float, "str": str}[change](value)
            command = command._replace(**{name: other})
        self.apply(command._replace(ts_ns=0))

    @rule(bad=BAD)
    def bad_timestamp(self, bad) -> None:
        if type(bad) is int and bad >= 0:
            return
        events = self.apply(PlaceOrder(bad, 1, "BTCUSDT", 0, 0, 0, 100, 5, 0))
        assert [type(e) for e in events] == [Rejected]

    @invariant()
    def sound(self) -> None:
        if hasattr(self, "ex"):
            check_all(self.ex.state)


EngineMachine.TestCase.settings = settings(
    max_examples=60, stateful_step_count=40, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
TestEngineMachine = EngineMachine.TestCase
