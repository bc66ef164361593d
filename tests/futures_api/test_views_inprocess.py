"""The futures read models and REST handlers in-process, driven by the real core.

Covers what a live server cannot reach quickly: a funding settlement (8 h boundary, via
``ClockTick``) shows up in ``history-fund-rate`` (and ccxt's parser), in the position's
funding total and in the account bills; the index components show the outlier excluded;
the projection survives a save/load round trip; and the simulated external venues are
deterministic and do misquote now and then.
"""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Tuple

from openbourse.adapters.api.params import Params
from openbourse.adapters.api.rest import mix_account, mix_market
from openbourse.adapters.api.rest.context import Req
from openbourse.adapters.marketdata.demo import listing_commands
from openbourse.adapters.marketdata.external_refs import ExternalVenues
from openbourse.adapters.marketdata.futures_demo import contract_listings
from openbourse.adapters.readmodels.futures import FuturesViews
from openbourse.core import commands as c
from openbourse.core.engine import EngineState, apply
from openbourse.core.enums import AccountType, Force, OrderType
from openbourse.core.futures import commands as fc
from openbourse.core.futures import events as fe

T0 = 1_790_000_000 * 10**9  # a Unix time in ns
S = 10**9
PRICE = 650_000  # 65,000.0 at one price decimal


class World:
    def __init__(self, data_dir: Any = None) -> None:
        self.state = EngineState()
        self.views = FuturesViews({}, data_dir)
        self.seq = 0
        self.events: List[Any] = []

    def run(self, command: Any, ts: int) -> List[Any]:
        events = apply(self.state, command._replace(ts_ns=ts))
        self.seq += 1
        self.views.on_events(self.seq, command._replace(ts_ns=ts), events)
        self.events.extend(events)
        return events


def _setup(world: World) -> int:
    ts = T0
    for command in listing_commands():
        world.run(command, ts)
    btc = next(x for x in contract_listings() if x.symbol == "BTCUSDT")
    world.run(btc, ts)
    for user in (1, 2):
        world.run(c.Deposit(0, user, int(AccountType.SPOT), "USDT", 10_000 * 10**6, f"d{user}"), ts)
        world.run(c.Transfer(0, user, "USDT", 10_000 * 10**6, int(AccountType.SPOT),
                             int(AccountType.USDT_FUTURES), f"t{user}"), ts)
    sources = (("ext-alpha", PRICE, 40), ("ext-beta", PRICE + 10, 35),
               ("ext-gamma", PRICE * 12 // 10, 25))
    world.run(fc.UpdatePrices(0, "BTCUSDT", sources), ts + S)
    world.run(fc.PlaceFuturesOrder(0, 2, "BTCUSDT", 1, -1, int(OrderType.LIMIT), int(Force.GTC),
                                   PRICE, 100, 0), ts + 2 * S)  # sell 0.1 BTC
    world.run(fc.PlaceFuturesOrder(0, 1, "BTCUSDT", 0, -1, int(OrderType.LIMIT), int(Force.GTC),
                                   PRICE, 100, 0), ts + 3 * S)  # buy 0.1 BTC
    return ts + 3 * S


def _call(handler: Any, endpoint_path: str, params: Dict[str, Any], views: FuturesViews,
          user: int = 0) -> Any:
    from openbourse.adapters.api.rest import route_table

    endpoint = route_table()["/api/v2/" + endpoint_path]

    class Views:
        futures = views

    class Ctx:
        pass

    ctx = Ctx()
    ctx.views = Views()  # type: ignore[attr-defined]

    class Key:
        user_id = user

    req = Req(Params(params, endpoint.params), Key() if user else None, "127.0.0.1")  # type: ignore[arg-type]
    return asyncio.run(handler(ctx, req))


def test_funding_settlement_reaches_history_bills_and_positions() -> None:
    world = World()
    now = _setup(world)
    assert any(type(e) is fe.PositionChanged and e.user == 1 and e.size == 100
               for e in world.events)
    # the index left the 20 % outlier out
    components = _call(mix_market.index_components, "mix/market/index-components",
                       {"symbol": "BTCUSDT", "productType": "USDT-FUTURES"}, world.views)
    used = {row["exchange"]: row["used"] for row in components}
    assert used["ext-gamma"] == "false" and used["ext-alpha"] == "true"

    next_funding = world.views.price("BTCUSDT").next_funding_ns
    assert next_funding > now
    for ts in range(now + S, next_funding, 3600 * S):  # keep the index fresh, an update an hour
        world.run(fc.UpdatePrices(0, "BTCUSDT",
                                  (("ext-alpha", PRICE, 40), ("ext-beta", PRICE, 35))), ts)
    settled = world.run(c.ClockTick(next_funding + S), next_funding + S)
    assert any(type(e) is fe.FundingSettled for e in settled), settled

    rows = _call(mix_market.history_fund_rate, "mix/market/history-fund-rate",
                 {"symbol": "BTCUSDT", "productType": "USDT-FUTURES"}, world.views)
    assert len(rows) == 1 and rows[0]["fundingTime"] == str(next_funding // 1_000_000)
    # what ccxt's fetch_funding_rate_history reads (symbol, fundingRate, fundingTime)
    assert (set(rows[0]) == {"symbol", "fundingRate", "fundingTime"}
            and float(rows[0]["fundingRate"]) != 0)

    paid = [e for e in settled if type(e) is fe.FundingPaid]
    assert {e.user for e in paid} == {1, 2}
    bills = _call(mix_account.bills, "mix/account/bill", {"productType": "USDT-FUTURES"},
                  world.views, user=1)["bills"]
    assert bills and bills[0]["businessType"] == "contract_settle_fee"
    positions = _call(mix_account.all_positions, "mix/position/all-position",
                      {"productType": "USDT-FUTURES"}, world.views, user=1)
    long_paid = next(e.amount for e in paid if e.user == 1)
    assert positions[0]["totalFee"] == world.views.catalog.markets["BTCUSDT"].amount_str(long_paid)


def test_save_and_load_round_trip(tmp_path: Any) -> None:
    world = World(str(tmp_path))
    _setup(world)
    world.views.save()
    before = _call(mix_account.all_positions, "mix/position/all-position",
                   {"productType": "USDT-FUTURES"}, world.views, user=1)
    world.views.close()
    again = FuturesViews({}, str(tmp_path))
    assert again.last_seq == world.seq
    after = _call(mix_account.all_positions, "mix/position/all-position",
                  {"productType": "USDT-FUTURES"}, again, user=1)
    assert after == before
    book = again.market.book("BTCUSDT")
    assert book is not None and again.market.recent_trades("BTCUSDT", 5)
    again.close()


def test_external_venues_are_seeded_and_misquote_sometimes() -> None:
    def path(seed: int) -> List[List[Tuple[str, int]]]:
        venues = ExternalVenues(seed)
        return [venues.quotes("BTCUSDT", PRICE) for _ in range(2000)]

    a, b = path(5), path(5)
    assert a == b and a != path(6)
    far = [q for step in a for _, q in step if abs(q - PRICE) * 100 > PRICE * 5]
    near = [q for step in a for _, q in step if abs(q - PRICE) * 10_000 <= PRICE * 30]
    assert far, "an outlier venue appears now and then"
    assert len(near) > 0.9 * 3 * 2000, "most quotes stay within 30 bp of the mid"


def test_liquidation_reaches_positions_history_and_bills() -> None:
    world = World()
    now = _setup(world)  # user 1 long 0.1 BTC at 65,000 (10x cross), user 2 short
    # user 2 rests bids far below so the liquidation order has liquidity
    world.run(fc.PlaceFuturesOrder(0, 2, "BTCUSDT", 0, -1, int(OrderType.LIMIT), int(Force.GTC),
                                   PRICE * 80 // 100, 200, 0), now + S)
    world.run(fc.SetLeverage(0, 1, "BTCUSDT", -1, 100), now + S)  # irrelevant for the open long
    world.run(c.Transfer(0, 1, "USDT", 9_000 * 10**6, int(AccountType.USDT_FUTURES),
                         int(AccountType.SPOT), "out"), now + S)  # leave ~1,000 USDT of margin
    liquidated = []
    price = PRICE
    ts = now + 2 * S
    while not liquidated and price > PRICE * 80 // 100:
        price -= PRICE // 100
        events = world.run(fc.UpdatePrices(0, "BTCUSDT",
                                           (("ext-alpha", price, 1), ("ext-beta", price, 1))), ts)
        liquidated = [e for e in events if type(e) is fe.Liquidated and e.user == 1]
        ts += S
    assert liquidated, "the long was liquidated as the price fell"
    positions = _call(mix_account.all_positions, "mix/position/all-position",
                      {"productType": "USDT-FUTURES"}, world.views, user=1)
    history = _call(mix_account.history_position, "mix/position/history-position",
                    {"productType": "USDT-FUTURES"}, world.views, user=1)["list"]
    if liquidated[0].size == 100:  # fully closed
        assert positions == []
        assert history and history[0]["closeTotalPos"] == "0.100"
    bills = _call(mix_account.bills, "mix/account/bill", {"productType": "USDT-FUTURES"},
                  world.views, user=1)["bills"]
    assert any(b["businessType"].startswith("burst_long") for b in bills)


def _call_trading(world: World, handler: Any, endpoint_path: str, params: Dict[str, Any],
                  user: int, ts: int) -> Any:
    """``_call`` with a ``submit`` that runs the command on the world (the write path)."""
    from openbourse.adapters.api.rest import route_table

    endpoint = route_table()["/api/v2/" + endpoint_path]

    class Views:
        futures = world.views

    class Ctx:
        views = Views()

        async def submit(self, command: Any) -> List[Any]:
            return world.run(command, ts)

    class Key:
        user_id = user

    req = Req(Params(params, endpoint.params), Key(), "127.0.0.1")  # type: ignore[arg-type]
    return asyncio.run(handler(Ctx(), req))


def test_modify_order_refused_leaves_the_original_order_live() -> None:
    import pytest

    from openbourse.adapters.api.errors import ApiError
    from openbourse.adapters.api.rest import mix_trade

    world = World()
    now = _setup(world)
    base = {"symbol": "BTCUSDT", "productType": "USDT-FUTURES", "marginCoin": "USDT"}
    placed = _call_trading(world, mix_trade.place_order, "mix/order/place-order",
                           {**base, "side": "buy", "orderType": "limit", "price": "63000",
                            "size": "0.01", "marginMode": "crossed", "clientOid": "orig"},
                           1, now + S)
    order_id = int(placed["orderId"])
    # far beyond the account: refused by the core, nothing changes
    with pytest.raises(ApiError) as refused:
        _call_trading(world, mix_trade.modify_order, "mix/order/modify-order",
                      {**base, "orderId": str(order_id), "newClientOid": "bigger",
                       "newSize": "50", "newPrice": "63000"}, 1, now + 2 * S)
    assert refused.value.code in ("40762", "40766")
    fs = world.state.products["futures"]
    assert order_id in fs.orders and fs.orders[order_id].size == 10  # 0.01 BTC
    rec = world.views.order(1, order_id)
    assert rec is not None and rec.status < 2
    assert not any(type(e) is fe.FuturesOrderClosed and e.order_id == order_id
                   for e in world.events)
    # an acceptable modify replaces it (new id and client id), the old one closed
    answer = _call_trading(world, mix_trade.modify_order, "mix/order/modify-order",
                           {**base, "clientOid": "orig", "newClientOid": "moved",
                            "newPrice": "62900"}, 1, now + 3 * S)
    new_id = int(answer["orderId"])
    assert answer["clientOid"] == "moved" and new_id != order_id
    assert order_id not in fs.orders and fs.orders[new_id].price == 629_000
    assert world.views.order(1, order_id).status >= 2


def test_modify_tpsl_refused_leaves_the_original_plan_live() -> None:
    import pytest

    from openbourse.adapters.api.errors import ApiError
    from openbourse.adapters.api.rest import mix_trade

    world = World()
    now = _setup(world)  # user 1 holds a 0.1 BTC long at 65,000
    base = {"symbol": "BTCUSDT", "productType": "USDT-FUTURES", "marginCoin": "USDT"}
    placed = _call_trading(world, mix_trade.place_tpsl, "mix/order/place-tpsl-order",
                           {**base, "planType": "pos_loss", "triggerPrice": "60000",
                            "triggerType": "mark_price", "holdSide": "long"}, 1, now + S)
    plan_id = int(placed["orderId"])
    fs = world.state.products["futures"]
    with pytest.raises(ApiError):  # a stop-loss above the price: refused, the plan stays
        _call_trading(world, mix_trade.modify_tpsl, "mix/order/modify-tpsl-order",
                      {**base, "orderId": str(plan_id), "triggerPrice": "70000"}, 1, now + 2 * S)
    assert list(fs.plans) == [plan_id]
    assert not any(type(e) is fe.FuturesPlanClosed for e in world.events)
    answer = _call_trading(world, mix_trade.modify_tpsl, "mix/order/modify-tpsl-order",
                           {**base, "orderId": str(plan_id), "triggerPrice": "59000"}, 1,
                           now + 3 * S)
    new_id = int(answer["orderId"])
    assert list(fs.plans) == [new_id] and fs.plans[new_id].trigger_price == 590_000


def test_spot_order_flow_is_skipped_but_futures_balances_are_not() -> None:
    """Commands with nothing for futures pass without touching the projection (its lock,
    its market data); a transfer into a futures account still updates that balance."""
    world = World()
    _setup(world)
    lock_uses = []

    class CountingLock:
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def __enter__(self) -> Any:
            lock_uses.append(1)
            return self.inner.__enter__()

        def __exit__(self, *exc: Any) -> Any:
            return self.inner.__exit__(*exc)

    world.views.lock = CountingLock(world.views.lock)  # type: ignore[assignment]
    ts = T0 + 10 * S
    world.run(c.Deposit(0, 1, int(AccountType.SPOT), "BTC", 10**8, "spot-btc"), ts)
    lock_uses.clear()  # a ledger transfer is looked at (it may be a futures account's)
    placed = world.run(c.PlaceOrder(0, 1, "BTCUSDT", 1, int(OrderType.LIMIT), int(Force.GTC),
                                    7_000_000_000, 1000, 0), ts)  # a resting spot sell
    order_id = next(e.order_id for e in placed if type(e).__name__ == "OrderAccepted")
    world.run(c.CancelOrder(0, 1, "BTCUSDT", order_id), ts)
    assert not lock_uses and world.views.last_seq == world.seq
    before = world.views.users[1].balances[(int(AccountType.USDT_FUTURES), "USDT")]
    world.run(c.Transfer(0, 1, "USDT", 5 * 10**6, int(AccountType.USDT_FUTURES),
                         int(AccountType.SPOT), "back"), ts + S)
    after = world.views.users[1].balances[(int(AccountType.USDT_FUTURES), "USDT")]
    assert lock_uses and after[0] == before[0] - 5 * 10**6
