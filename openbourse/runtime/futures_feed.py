"""Futures runtime: the read models' wiring, the price feeder and the demo futures makers.

``open_futures_views(node)`` (called from ``Node.open`` next to the other product views)
builds the ``FuturesViews`` projection, attaches it as ``node.views.futures`` (where the
REST handlers and the WebSocket feeds find it) and returns the node "extra view" that
also runs, once the sequencer is started, the feeder thread:

* every second, per listed contract, an ``UpdatePrices`` command: on demo nodes with
  three simulated external venues derived from the exchange's own spot mid (one of them
  occasionally an outlier, ``adapters/marketdata/external_refs.py``); otherwise with no
  external source, so the core indexes the own spot price alone;
* on nodes with market makers, a small ladder of resting orders per contract around the
  mark price and an occasional IOC taker, so the futures books, trades and candles move.

The thread uses the sequencer's thread-safe ``submit``/``query_future``; it is an
ordinary client of the core (its commands are journaled like any other).
"""
from __future__ import annotations

import logging
import random
import threading
from decimal import Decimal
from typing import Any, Dict, List, Optional, Tuple

from ..adapters.marketdata.demo import START_USD
from ..adapters.marketdata.external_refs import ExternalVenues
from ..adapters.marketdata.futures_demo import SPOT_REFERENCE, contract_listings
from ..adapters.readmodels.futures import ContractInfo, FuturesViews
from ..core import commands as c
from ..core import events as ev
from ..core.engine import queries
from ..core.enums import AccountType, Force, OrderType
from ..core.futures import commands as fc
from .sequencer import Overloaded, SequencerStopped

__all__ = ["open_futures_views", "FuturesRuntime", "list_demo_contracts", "FUTURES_MAKERS",
           "FUTURES_TAKER"]

_log = logging.getLogger(__name__)

FUTURES_MAKERS: Tuple[int, ...] = (900_000_101, 900_000_102)
FUTURES_TAKER = 900_000_110
_TIMEOUT = 10.0


def open_futures_views(node: Any) -> List[Any]:
    """Build the futures projection for ``node`` (before recovery) and return it as an
    extra view (``last_seq``, ``on_events``, ``start``, ``close``)."""
    users = getattr(node, "users", None)  # real users' history goes to SQLite, uncapped
    views = FuturesViews({}, str(node.config.data_dir),
                         tracked=users.is_user if users is not None else None)
    runtime = FuturesRuntime(node, views)
    node.views.futures = views
    from ..adapters.api.ws.mix_feed import register_futures_ws

    register_futures_ws(node.market, views)  # the node's WS gateway serves futures channels
    return [runtime]


class FuturesRuntime:
    """The node's handle: the projection plus the feeder thread (started with the node)."""

    def __init__(self, node: Any, views: FuturesViews) -> None:
        self.node = node
        self.views = views
        self.feed: Optional[FuturesFeed] = None

    @property
    def last_seq(self) -> int:
        return self.views.last_seq

    def on_events(self, seq: int, command: Any, events: List[Any]) -> None:
        self.views.on_events(seq, command, events)

    def start(self) -> None:
        self.views.start()
        sequencer = self.node.sequencer
        if sequencer is None:
            return

        async def query(fn: Any) -> Any:
            return await sequencer.query_async(fn)

        self.views.query = query  # type: ignore[attr-defined]
        config = self.node.config
        self.feed = FuturesFeed(sequencer, self.views, demo=config.demo,
                                makers=config.market_makers, seed=config.seed)
        self.feed.start()

    def close(self) -> None:
        if self.feed is not None:
            self.feed.stop()
            self.feed = None
        self.views.close()


async def list_demo_contracts(node: Any) -> None:
    """Demo bootstrap step: list the demo contracts (skipping listed ones)."""
    views: Optional[FuturesViews] = getattr(node.views, "futures", None)
    listed = set(views.catalog.markets) if views is not None else set()
    for command in contract_listings():
        if command.symbol in listed:
            continue
        if command.spot_symbol and command.spot_symbol not in node.catalog.markets:
            command = command._replace(spot_symbol="", spot_weight=0)
        events = await node.submit(command)
        for event in events:
            if type(event) is ev.Rejected:
                _log.warning("demo contract %s refused (reject %d)", command.symbol, event.code)


class FuturesFeed:
    def __init__(self, sequencer: Any, views: FuturesViews, *, demo: bool, makers: bool,
                 seed: int, interval_s: float = 1.0) -> None:
        self.sequencer = sequencer
        self.views = views
        self.demo = demo
        self.interval_s = interval_s
        self.venues = ExternalVenues(seed) if demo else None
        self.makers = FuturesMakers(self, seed) if makers else None
        self.ticks = 0
        self.errors = 0
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="futures-feed", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=15)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.tick()
            except SequencerStopped:
                return  # the node is shutting down
            except Overloaded:
                continue  # back-pressure: skip this second
            except Exception:  # noqa: BLE001 - keep feeding; the next tick retries
                self.errors += 1
                if self.errors < 20 or self.errors % 100 == 0:
                    _log.exception("futures feed tick failed")

    # -- commands ------------------------------------------------------------------------
    def submit(self, command: Any) -> List[Any]:
        return self.sequencer.submit(command).result(_TIMEOUT)

    def query(self, fn: Any) -> Any:
        return self.sequencer.query_future(fn).result(_TIMEOUT)

    def contracts(self) -> List[ContractInfo]:
        with self.views.lock:
            return [c for c in self.views.catalog.markets.values() if c.status == 0]

    def tick(self) -> None:
        self.ticks += 1
        for info in self.contracts():
            if self._stop.is_set():
                return
            sources: Tuple[Tuple[str, int, int], ...] = ()
            if self.venues is not None:
                mid = self.reference(info)
                if mid:
                    weights = self.venues.config.weights
                    sources = tuple(
                        (name, price, weights.get(name, 1))
                        for name, price in self.venues.quotes(info.symbol, mid, info.tick))
            self.submit(fc.UpdatePrices(0, info.symbol, sources))
        if self.makers is not None and not self._stop.is_set():
            self.makers.tick()

    def reference(self, info: ContractInfo) -> int:
        """The contract's reference in its price units: own spot mid, else last index,
        else the demo start price."""
        spot = SPOT_REFERENCE.get(info.symbol) or info.spot_symbol
        if spot:
            def read(state: Any) -> Tuple[int, int, int]:
                market = queries.market(state, spot)
                if market is None:
                    return 0, 0, 0
                bids, asks = queries.depth(state, spot, 1)
                if bids and asks:
                    return (bids[0][0] + asks[0][0]) // 2, market.price_precision, 1
                return market.last_price, market.price_precision, 1
            price, pp, ok = self.query(read)
            if ok and price:
                return _rescale(price, pp, info.price_precision)
        with self.views.lock:
            index = self.views.price(info.symbol).index
        if index:
            return index
        usd = START_USD.get(info.base)
        if usd is None:
            return 0
        return int(Decimal(usd) * 10**info.price_precision)


def _rescale(price: int, from_pp: int, to_pp: int) -> int:
    if to_pp >= from_pp:
        return price * 10 ** (to_pp - from_pp)
    return price // 10 ** (from_pp - to_pp)


class FuturesMakers:
    """Resting ladders around the mark and an occasional IOC taker, per contract."""

    levels = 6
    first_bp = 4
    step_bp = 5
    level_usd = 3000.0
    taker_probability = 0.3
    taker_usd = 1500.0
    budget_usd = 20_000_000

    def __init__(self, feed: FuturesFeed, seed: int) -> None:
        self.feed = feed
        self.rng = random.Random(seed ^ 0xF07E5)
        self.funded: Dict[Tuple[int, str], bool] = {}
        self.rounds = 0

    def _fund(self, info: ContractInfo) -> None:
        for user in (*FUTURES_MAKERS, FUTURES_TAKER):
            key = (user, info.margin_asset)
            if key in self.funded:
                continue
            usd = Decimal(START_USD.get(info.margin_asset, "1"))
            whole = int(Decimal(self.budget_usd) / usd)
            scale = self.feed.views.catalog.assets.get(info.margin_asset, info.margin_scale)
            amount = whole * 10**scale
            self.feed.submit(c.Deposit(0, user, int(AccountType.SPOT), info.margin_asset, amount,
                                       f"fsim:{user}:{info.margin_asset}"))
            self.feed.submit(c.Transfer(0, user, info.margin_asset, amount, int(AccountType.SPOT),
                                        info.account, f"fsim:{user}:{info.margin_asset}:t"))
            self.funded[key] = True

    def tick(self) -> None:
        self.rounds += 1
        maker = FUTURES_MAKERS[self.rounds % len(FUTURES_MAKERS)]
        for info in self.feed.contracts():
            with self.feed.views.lock:
                mark = self.feed.views.price(info.symbol).mark
            if not mark:
                continue
            self._fund(info)
            self.requote(maker, info, mark)
            if self.rng.random() < self.taker_probability:
                self.take(info, mark)

    def _size(self, info: ContractInfo, usd: float, price: int) -> int:
        units = int(usd / (price / 10**info.price_precision) * 10**info.quantity_precision)
        units -= units % info.lot
        return max(units, info.min_size, info.lot)

    def requote(self, user: int, info: ContractInfo, mark: int) -> None:
        desired: Dict[Tuple[int, int], int] = {}
        index = FUTURES_MAKERS.index(user)
        for i in range(self.levels):
            bp = self.first_bp + 2 * index + i * (self.step_bp + index)
            offset = max(info.tick, mark * bp // 10_000 // info.tick * info.tick)
            for side, price in ((0, mark - offset), (1, mark + offset)):
                price = price // info.tick * info.tick
                if price > 0:
                    desired[(side, price)] = self._size(
                        info, self.level_usd * self.rng.uniform(0.3, 1.7), price)
        with self.feed.views.lock:
            data = self.feed.views.users.get(user)
            live = [(o.order_id, o.side, o.price)
                    for o in (data.open_orders.values() if data else [])
                    if o.symbol == info.symbol]
        keep = set()
        for order_id, side, price in live:
            if (side, price) in desired and (side, price) not in keep:
                keep.add((side, price))
            else:
                self.feed.submit(fc.CancelFuturesOrder(0, user, info.symbol, order_id))
        for (side, price), size in desired.items():
            if (side, price) in keep:
                continue
            self.feed.submit(fc.PlaceFuturesOrder(0, user, info.symbol, side, -1,
                                                  int(OrderType.LIMIT), int(Force.GTC), price,
                                                  size, 0))

    def take(self, info: ContractInfo, mark: int) -> None:
        with self.feed.views.lock:
            data = self.feed.views.users.get(FUTURES_TAKER)
            net = 0
            for (sym, hold), rec in (data.positions.items() if data else []):
                if sym == info.symbol:
                    net += rec.event.size if hold == 0 else -rec.event.size
        limit = self._size(info, self.taker_usd * 20, mark)
        if net > limit:
            side = 1
        elif net < -limit:
            side = 0
        else:
            side = self.rng.randrange(2)
        through = mark * (10_000 + (30 if side == 0 else -30)) // 10_000 // info.tick * info.tick
        size = self._size(info, self.taker_usd * self.rng.uniform(0.2, 2.0), mark)
        self.feed.submit(fc.PlaceFuturesOrder(0, FUTURES_TAKER, info.symbol, side, -1,
                                              int(OrderType.LIMIT), int(Force.IOC), through,
                                              size, 0))


#: what the demo user finds in its futures accounts (USDT-M, USDC-M, Coin-M)
DEMO_FUTURES_FUNDS = (("USDT", "10000"), ("USDC", "10000"), ("BTC", "0.5"), ("ETH", "5"))


async def bootstrap_futures(node: Any, user_id: int) -> None:
    """Demo bootstrap: list the demo contracts and fund the demo user's futures accounts."""
    from ..core.futures.enums import PRODUCT_ACCOUNT, ProductType
    from ..core.units import to_units

    await list_demo_contracts(node)
    accounts = {"USDT": ProductType.USDT_FUTURES, "USDC": ProductType.USDC_FUTURES,
                "BTC": ProductType.COIN_FUTURES, "ETH": ProductType.COIN_FUTURES}
    for asset, amount in DEMO_FUTURES_FUNDS:
        scale = node.catalog.assets.get(asset)
        if scale is None:
            continue
        command = c.Transfer(0, user_id, asset, to_units(amount, scale), int(AccountType.SPOT),
                             PRODUCT_ACCOUNT[accounts[asset]], f"demo-futures-{user_id}-{asset}")
        for event in await node.submit(command):
            if type(event) is ev.Rejected:
                _log.warning("demo futures funding %s refused (reject %d)", asset, event.code)
