"""A small futures test harness: engine + invariants after every command."""
from __future__ import annotations

from typing import Any, List

from openbourse.core.commands import ClockTick, Deposit, ListAsset, Transfer
from openbourse.core.engine import EngineState, apply
from openbourse.core.engine.invariants import check_all
from openbourse.core.futures.commands import (FundInsurance, PlaceFuturesOrder, SetLeverage,
                                              SetMarginMode, UpdatePrices)
from openbourse.core.futures.demo import DEMO_ASSETS, demo_contracts


class Fut:
    def __init__(self, check: bool = True) -> None:
        self.state = EngineState()
        self.ts = 1_000_000_000
        self.check = check
        self.commands: List[Any] = []
        self.events: List[Any] = []  # every event of the run
        for asset, scale in DEMO_ASSETS:
            self.apply(ListAsset(0, asset, scale))
        for spec in demo_contracts():
            self.apply(spec)

    def apply(self, cmd: Any, ts: int = 0) -> List[Any]:
        self.ts = max(self.ts + 1_000_000, ts)
        cmd = cmd._replace(ts_ns=self.ts)
        self.commands.append(cmd)
        events = apply(self.state, cmd)
        self.events.extend(events)
        if self.check:
            check_all(self.state)
        return events

    def fund(self, user: int, amount: int, asset: str = "USDT", account: int = 5) -> None:
        self.apply(Deposit(0, user, 1, asset, amount, f"dep{user}{asset}{self.ts}"))
        self.apply(Transfer(0, user, asset, amount, 1, account, ""))

    def insurance(self, amount: int, asset: str = "USDT") -> None:
        self.apply(FundInsurance(0, asset, amount))

    def price(self, price: int, symbol: str = "BTCUSDT") -> List[Any]:
        return self.apply(UpdatePrices(0, symbol, (("ext", price, 1),)))

    def order(self, user: int, side: int, price: int, size: int, symbol: str = "BTCUSDT",
              **kw: Any) -> List[Any]:
        trade_side = kw.pop("trade_side", -1)
        return self.apply(PlaceFuturesOrder(0, user, symbol, side, trade_side, 0 if price else 1,
                                            0, price, size, **kw))

    def lever(self, user: int, leverage: int, symbol: str = "BTCUSDT") -> None:
        self.apply(SetLeverage(0, user, symbol, -1, leverage))

    def isolated(self, user: int, symbol: str = "BTCUSDT") -> None:
        self.apply(SetMarginMode(0, user, symbol, 1))

    def tick(self, ts: int) -> List[Any]:
        return self.apply(ClockTick(0), ts)

    def fs(self) -> Any:
        return self.state.products["futures"]
