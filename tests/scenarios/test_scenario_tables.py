"""Table scenarios: plain-text exchange stories in ``tests/scenarios/*.txt``.

Grammar (one statement per line; ``#`` starts a comment; amounts are human decimals that
the runner converts with ``units.to_units`` exactly like the API edge does, sizes with
truncation to the quantity precision):

    scenario <title>                       starts a scenario (fresh exchange)
    asset <NAME> <scale>                   (default: BTC, ETH, USDT at scale 8)
    market <SYMBOL> <BASE>/<QUOTE> pp=<n> qp=<n> [tick=<price>] [lot=<size>]
           [min_size=<size>] [max_size=<size>] [min_notional=<quote>] [maker=<ppm>]
           [taker=<ppm>] [band=<ppm>] [max_open=<n>]
    fees <user> maker=<ppm> taker=<ppm>
    deposit <user> <ASSET> <amount>
    last <price>                           two helper users trade at <price>
    truncate <size> -> <size>              the edge's size truncation to the market's lot
    <user> buy|sell limit <size> @ <price> [ioc|fok|post_only] -> <outcome>
    <user> buy market <quote amount> -> <outcome>
    <user> sell market <size> -> <outcome>
    <user> cancel last -> <outcome>        cancel the user's last order
    expect trade <size> @ <price> [taker_fee=<amount>] [maker_fee=<amount>]
                                           the last trade of the previous command
    expect balance <user> <ASSET> <available> <frozen>
    expect book bids|asks <price> x <size>, ...

Outcomes: ``rests`` (accepted, no fill), ``partial`` (some fill, rests), ``filled``,
``cancelled <CloseReason>``, ``reject <RejectCode>``.
"""
from __future__ import annotations

import pathlib
from typing import Any, Dict, List, Optional, Tuple

import pytest

from openbourse.core.commands import ListMarket, PlaceOrder
from openbourse.core.enums import CloseReason, Force, OrderStatus, OrderType, Side
from openbourse.core.events import OrderAccepted, OrderClosed, TradeExecuted
from openbourse.core.reject import RejectCode
from openbourse.core.units import from_units, to_units
from openbourse.testing.builders import Exchange, l3, reject_code

HERE = pathlib.Path(__file__).parent
Scenario = Tuple[str, str, List[Tuple[int, str]]]


def _load() -> List[Scenario]:
    scenarios: List[Scenario] = []
    for path in sorted(HERE.glob("*.txt")):
        current: Optional[Scenario] = None
        for number, raw in enumerate(path.read_text().splitlines(), start=1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            if line.startswith("scenario "):
                current = (f"{path.name}:{number}", line[len("scenario "):], [])
                scenarios.append(current)
            else:
                assert current is not None, f"{path.name}:{number}: statement before a scenario"
                current[2].append((number, line))
    return scenarios


class Runner:
    def __init__(self) -> None:
        self.ex = Exchange()
        self.assets: Dict[str, int] = {}
        self.symbol = ""
        self.last_events: List[Any] = []
        self.last_order: Dict[int, int] = {}

    # ------------------------------------------------------------------ helpers
    @property
    def market(self) -> Any:
        return self.ex.state.markets[self.symbol]

    def price(self, text: str) -> int:
        return to_units(text, self.market.price_precision)

    def size(self, text: str) -> int:
        return to_units(text, self.market.quantity_precision, truncate=True)

    def amount(self, asset: str, text: str) -> int:
        return to_units(text, self.assets[asset])

    def ensure_assets(self) -> None:
        if not self.assets:
            for name in ("BTC", "ETH", "USDT"):
                self.asset(name, 8)

    def asset(self, name: str, scale: int) -> None:
        assert reject_code(self.ex.list_asset(name, scale)) is None
        self.assets[name] = scale

    # ------------------------------------------------------------------ statements
    def run(self, line: str) -> None:
        words = line.split()
        head = words[0]
        if head == "asset":
            self.asset(words[1], int(words[2]))
        elif head == "market":
            self.list_market(words)
        elif head == "fees":
            opts = dict(w.split("=") for w in words[2:])
            self.ex.set_fees(int(words[1]), int(opts["maker"]), int(opts["taker"]))
        elif head == "deposit":
            assert reject_code(self.ex.deposit(int(words[1]), words[2],
                                               self.amount(words[2], words[3]))) is None
        elif head == "last":
            self.set_last(self.price(words[1]))
        elif head == "truncate":
            assert from_units(self.size(words[1]), self.market.quantity_precision) == words[3]
        elif head == "expect":
            self.expect(words[1:])
        else:
            self.order(words)

    def list_market(self, words: List[str]) -> None:
        self.ensure_assets()
        base, quote = words[2].split("/")
        opts = dict(w.split("=") for w in words[3:])
        pp, qp = int(opts["pp"]), int(opts["qp"])
        spec = ListMarket(
            0, words[1], base, quote, pp, qp,
            to_units(opts.get("tick", "0"), pp) or 1, to_units(opts.get("lot", "0"), qp) or 1,
            to_units(opts.get("min_size", "0"), qp) or 1,
            to_units(opts.get("max_size", "0"), qp) or 10**15,
            to_units(opts.get("min_notional", "0"), self.assets[quote]),
            int(opts.get("maker", "1000")), int(opts.get("taker", "1000")),
            int(opts.get("band", "0")), int(opts.get("max_open", "0")))
        assert reject_code(self.ex.apply(spec)) is None
        self.symbol = words[1]

    def set_last(self, price: int) -> None:
        market = self.market
        size = max(market.min_size, market.lot)
        while size * price * market.quote_per_price_size < market.min_notional:
            size += market.lot
        self.ex.trade_at(price, size, symbol=self.symbol)

    def order(self, words: List[str]) -> None:
        line = " ".join(words)
        statement, outcome = (part.strip() for part in line.split("->"))
        words = statement.split()
        user = int(words[0])
        if words[1] == "cancel":
            events = self.ex.cancel(user, self.last_order[user], symbol=self.symbol)
            order_id = self.last_order[user]
        else:
            side = int(Side.BUY) if words[1] == "buy" else int(Side.SELL)
            if words[2] == "limit":
                size, price = self.size(words[3]), self.price(words[5])
                force = int(Force[words[6].upper()]) if len(words) > 6 else int(Force.GTC)
                command = PlaceOrder(0, user, self.symbol, side, int(OrderType.LIMIT), force,
                                     price, size, 0)
            elif side == int(Side.BUY):
                command = PlaceOrder(0, user, self.symbol, side, int(OrderType.MARKET), 0, 0, 0,
                                     self.amount(self.market.quote, words[3]))
            else:
                command = PlaceOrder(0, user, self.symbol, side, int(OrderType.MARKET), 0, 0,
                                     self.size(words[3]), 0)
            events = self.ex.apply(command)
            accepted = [e for e in events if type(e) is OrderAccepted and e.user == user]
            order_id = accepted[0].order_id if accepted else 0
            if order_id:
                self.last_order[user] = order_id
        self.last_events = events
        self.check_outcome(outcome.split(), events, order_id)

    def check_outcome(self, outcome: List[str], events: List[Any], order_id: int) -> None:
        code = reject_code(events)
        if outcome[0] == "reject":
            assert code == RejectCode[outcome[1]], events
            return
        assert code is None, events
        closes = [e for e in events if type(e) is OrderClosed and e.order_id == order_id]
        fills = [e for e in events if type(e) is TradeExecuted and order_id in
                 (e.taker_order_id, e.maker_order_id)]
        if outcome[0] == "rests":
            assert not closes and not fills, events
        elif outcome[0] == "partial":
            assert not closes and fills, events
        elif outcome[0] == "filled":
            assert closes and closes[0].status == OrderStatus.FILLED, events
        elif outcome[0] == "cancelled":
            assert closes and (closes[0].status, closes[0].reason) == (
                OrderStatus.CANCELLED, CloseReason[outcome[1]]), events
        else:
            raise AssertionError(f"unknown outcome {outcome}")

    def expect(self, words: List[str]) -> None:
        market = self.market
        if words[0] == "balance":
            user, asset = int(words[1]), words[2]
            want = (self.amount(asset, words[3]), self.amount(asset, words[4]))
            assert self.ex.balance(user, asset) == want, (
                f"balance {user} {asset}: {self.ex.balance(user, asset)} != {want}")
        elif words[0] == "trade":
            trades = [e for e in self.last_events if type(e) is TradeExecuted]
            assert trades, self.last_events
            trade = trades[-1]
            assert (trade.size, trade.price) == (self.size(words[1]), self.price(words[3]))
            taker_gets = market.base if trade.taker_side == int(Side.BUY) else market.quote
            maker_gets = market.quote if taker_gets == market.base else market.base
            opts = dict(w.split("=") for w in words[4:])
            if "taker_fee" in opts:
                assert trade.taker_fee == self.amount(taker_gets, opts["taker_fee"]), trade
            if "maker_fee" in opts:
                assert trade.maker_fee == self.amount(maker_gets, opts["maker_fee"]), trade
        elif words[0] == "book":
            side = words[1]
            want = []
            for level in " ".join(words[2:]).split(","):
                price, size = level.split("x")
                want.append((self.price(price.strip()), self.size(size.strip())))
            got = [(price, remaining) for _, _, price, remaining in l3(self.ex.state,
                                                                       self.symbol)[side]]
            assert got == want, (got, want)
        else:
            raise AssertionError(f"unknown expectation {words}")


SCENARIOS = _load()


def test_scenario_files_are_found() -> None:
    assert len(SCENARIOS) >= 6


@pytest.mark.parametrize("where, title, lines", SCENARIOS, ids=[s[1][:60] for s in SCENARIOS])
def test_scenario(where: str, title: str, lines: List[Tuple[int, str]]) -> None:
    runner = Runner()
    if not any(line.startswith("asset ") for _, line in lines):
        runner.ensure_assets()
    for number, line in lines:
        try:
            runner.run(line)
        except AssertionError as error:
            raise AssertionError(f"{where} ({title}), line {number}: {line}\n{error}") from None
