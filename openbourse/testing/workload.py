"""Seeded generators of realistic core command streams (one integer seed → one stream).

Streams are open-loop: they never look at the engine's answers, so a stream can be
journaled, replayed and run through other implementations.  Where a command needs an id
that only the engine knows, the generator either uses client order ids (cancels and
modifies by ``client_oid``) or guesses order ids the way the engine allocates them
(sequentially); a stale guess is simply rejected, which is realistic too.

* ``matching_stream`` — GTC limit orders near a moving mid, cancels by id and a share of
  IOC and market orders, for funded users on one market with no band and no fees
  checks in the way: the reference-oracle workload.  Every order is valid, so order ids
  are exactly the sequence of placements (``ReferenceBook`` allocates the same ids).
* ``Workload`` — everything the core accepts: listings, deposits, limit/market/IOC/FOK/
  post-only orders, cancels (id, client id, all, batch), modifies, batch places, plans
  with triggers, TP/SL, withdrawals (request/complete/fail), transfers, halts/resumes,
  fee tiers, clock ticks and a small share of malformed commands.

Every command carries its timestamp (strictly increasing, with jumps on clock ticks), so
the stream is self-contained.  Failures should print the seed.
"""
from __future__ import annotations

import random
from operator import attrgetter
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Tuple

from ..core.commands import (
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
from ..core.enums import AccountType, Force, MarketStatus, OrderType, Side
from .reference_book import ReferenceBook

__all__ = ["MatchingSpec", "MatchingStream", "matching_setup", "matching_stream", "Workload",
           "HOUR_NS", "MIX"]

HOUR_NS = 3600 * 1_000_000_000
_ORDER_ID = attrgetter("order_id")
_BUY, _SELL = int(Side.BUY), int(Side.SELL)
_LIMIT, _MARKET = int(OrderType.LIMIT), int(OrderType.MARKET)
_SPOT, _FUNDING = int(AccountType.SPOT), int(AccountType.FUNDING)


class MatchingSpec(NamedTuple):
    symbol: str = "XBTUSD"
    base: str = "XBT"
    quote: str = "USD"
    users: int = 20
    mid: int = 10_000  # price units
    spread: int = 25  # orders land within mid ± spread ticks
    max_size: int = 50
    book_depth: int = 300  # resting orders around which cancels keep the book
    quote_per_price_size: int = 100  # from the listing below: 10**(8 - 2 - 4)
    lot: int = 1  # sizes are whole lots


_DEFAULT_SPEC = MatchingSpec()


def matching_setup(spec: MatchingSpec = _DEFAULT_SPEC, ts_ns: int = 1) -> List[Any]:
    """List the two assets and the market and fund every user far beyond any need."""
    commands: List[Any] = [
        ListAsset(ts_ns, spec.base, 8),
        ListAsset(ts_ns, spec.quote, 8),
        ListMarket(ts_ns, spec.symbol, spec.base, spec.quote, 2, 4, 1, spec.lot, spec.lot, 10**9,
                   0, 1000, 1000, 0, 0),
    ]
    for user in range(1, spec.users + 1):
        for asset in (spec.base, spec.quote):
            commands.append(Deposit(ts_ns, user, _SPOT, asset, 10**27, f"fund-{user}-{asset}"))
    return commands


class MatchingStream:
    """``n`` commands: ~62% GTC limits, ~25% cancels, ~13% IOC/FOK/post-only/market orders.

    The generator trades like a trader who watches the book: it keeps a ``ReferenceBook``
    of its own orders (``self.book``) to cancel orders that are really live (half the time
    the oldest, which the moving mid has left behind) and, now and then, one that has
    already gone.  ``self.last`` is the reference book's answer to the command just
    yielded (a ``RefResult`` for a placement, a bool "found" for a cancel): the oracle
    test compares the engine with it.  With ``stp`` the orders carry random STP modes.
    """

    def __init__(self, seed: int, n: int, spec: MatchingSpec = _DEFAULT_SPEC, *,
                 stp: bool = False, ts_ns: int = 2) -> None:
        self.seed, self.n, self.spec, self.stp, self.ts_ns = seed, n, spec, stp, ts_ns
        self.book = ReferenceBook(spec.quote_per_price_size, spec.lot)
        self.last: Any = None

    def _cancel_target(self, rng: random.Random) -> Optional[Tuple[int, int]]:
        bids, asks = self.book.side(_BUY), self.book.side(_SELL)
        if not bids and not asks:
            return None
        if rng.random() < 0.1:  # already gone (filled or cancelled), or never existed
            return rng.randint(1, self.book.next_id), rng.randint(1, self.spec.users)
        if rng.random() < 0.5:
            oldest = min(bids + asks, key=_ORDER_ID)
            return oldest.order_id, oldest.user
        side = bids if (rng.random() < 0.5 and bids) or not asks else asks
        order = side[rng.randrange(len(side))]
        return order.order_id, order.user

    def __iter__(self) -> Iterator[Any]:
        spec, book = self.spec, self.book
        rng = random.Random(self.seed)
        mid, ts_ns = spec.mid, self.ts_ns
        for _ in range(self.n):
            ts_ns += 1000
            roll = rng.random()
            if rng.random() < 0.02:
                # a random walk pulled back towards the start
                step = rng.choice((-3, -2, -1, 1, 2, 3)) + (1 if mid < spec.mid else -1)
                mid = max(spec.spread + 10, mid + step)
            # cancel about a quarter of the time, more when the book is deep
            deep = len(book.side(_BUY)) + len(book.side(_SELL)) > spec.book_depth
            target = self._cancel_target(rng) if roll < (0.3 if deep else 0.2) else None
            if target is not None:
                order_id, user = target
                self.last = book.cancel(user, order_id)
                yield CancelOrder(ts_ns, user, spec.symbol, order_id, "")
                continue
            user = rng.randint(1, spec.users)
            side = rng.randint(0, 1)
            mode = rng.randint(0, 3) if self.stp else 0
            size = rng.randint(1, spec.max_size) * spec.lot
            if roll < 0.87:
                force, order_type = int(Force.GTC), _LIMIT
            elif roll < 0.92:
                force, order_type = int(Force.IOC), _LIMIT
            elif roll < 0.94:
                force, order_type = int(Force.FOK), _LIMIT
            elif roll < 0.96:
                force, order_type = int(Force.POST_ONLY), _LIMIT
            else:
                force, order_type = int(Force.GTC), _MARKET
            if order_type == _LIMIT:
                offset = rng.randint(-spec.spread // 2, spec.spread)  # a third cross the mid
                price = mid - offset if side == _BUY else mid + offset
                command = PlaceOrder(ts_ns, user, spec.symbol, side, _LIMIT, force, price, size,
                                     0, "", mode)
            elif side == _BUY:
                quote = size * mid * spec.quote_per_price_size + rng.randint(0, mid * 100)
                command = PlaceOrder(ts_ns, user, spec.symbol, _BUY, _MARKET, 0, 0, 0, quote, "",
                                     mode)
            else:
                command = PlaceOrder(ts_ns, user, spec.symbol, _SELL, _MARKET, 0, 0, size, 0, "",
                                     mode)
            self.last = book.place(command.user, command.side, command.order_type, command.force,
                                   command.price, command.size, command.quote_size, command.stp)
            yield command


def matching_stream(seed: int, n: int, spec: MatchingSpec = _DEFAULT_SPEC, *,
                    stp: bool = False, ts_ns: int = 2) -> Iterator[Any]:
    """The commands of ``MatchingStream`` alone."""
    return iter(MatchingStream(seed, n, spec, stp=stp, ts_ns=ts_ns))


class _Symbol:
    __slots__ = ("symbol", "base", "quote", "mid", "halted", "qpps", "bps", "tick", "lot")

    def __init__(self, symbol: str, base: str, quote: str, mid: int, qpps: int, bps: int,
                 tick: int = 1, lot: int = 1) -> None:
        self.symbol, self.base, self.quote, self.mid = symbol, base, quote, mid
        self.halted = False
        self.qpps, self.bps = qpps, bps
        self.tick, self.lot = tick, lot


class Workload:
    """A realistic mixed stream over two markets and a handful of users."""

    def __init__(self, seed: int, *, users: int = 6, bad_rate: float = 0.02,
                 start_ts: int = 1_000_000_000) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.users = users
        self.bad_rate = bad_rate
        self.ts = start_ts
        self.symbols = [
            # BTC scale 8, USDT scale 8, price precision 2, quantity precision 4
            _Symbol("BTCUSDT", "BTC", "USDT", 6_000_000, 100, 10**4),
            # ETH scale 8, price precision 2, quantity precision 3; tick 0.05, lot 0.005
            _Symbol("ETHUSDT", "ETH", "USDT", 300_000, 1000, 10**5, tick=5, lot=5),
        ]
        self.oids: List[Tuple[int, str, str]] = []  # (user, symbol, client oid) placed
        self.plan_oids: List[Tuple[int, str, str]] = []
        self.withdrawals: List[str] = []
        self.counter = 0
        self.id_guess = 1  # rough count of ids the engine has allocated

    # ------------------------------------------------------------------ helpers
    def _ts(self) -> int:
        self.ts += self.rng.randint(1, 5_000_000)
        return self.ts

    def _name(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.seed % 1000}-{self.counter}"

    def _user(self) -> int:
        return self.rng.randint(1, self.users)

    def _price(self, sym: _Symbol, side: int, cross: float = 0.15) -> int:
        rng = self.rng
        offset = int(rng.expovariate(1 / 40)) + 1
        if rng.random() < cross:
            offset = -offset
        price = max(1, sym.mid - offset if side == _BUY else sym.mid + offset)
        return max(sym.tick, price // sym.tick * sym.tick)

    def _size(self, sym: Optional[_Symbol] = None) -> int:
        lot = sym.lot if sym is not None else 1
        return self.rng.choice((1, 2, 5, 10, 20, 50, 100, 250, 1000)) * lot

    # ------------------------------------------------------------------ stream
    def setup(self) -> List[Any]:
        ts = self._ts()
        out: List[Any] = [ListAsset(ts, asset, 8) for asset in ("BTC", "USDT", "ETH")]
        out.append(ListMarket(ts, "BTCUSDT", "BTC", "USDT", 2, 4, 1, 1, 1, 10**7, 5 * 10**6,
                              1000, 1000, 100_000, 50))
        out.append(ListMarket(ts, "ETHUSDT", "ETH", "USDT", 2, 3, 5, 5, 5, 10**7, 5 * 10**6,
                              800, 1000, 100_000, 50))
        for user in range(1, self.users + 1):
            out.append(Deposit(ts, user, _SPOT, "USDT", 10**14, self._name("d")))
            out.append(Deposit(ts, user, _SPOT, "BTC", 10**9, self._name("d")))
            out.append(Deposit(ts, user, _SPOT, "ETH", 10**10, self._name("d")))
        return out

    def commands(self, n: int, *, with_setup: bool = True) -> Iterator[Any]:
        if with_setup:
            yield from self.setup()
        for _ in range(n):
            yield self.next()

    def next(self) -> Any:
        rng = self.rng
        for sym in self.symbols:
            if rng.random() < 0.05:
                sym.mid = max(100, sym.mid + rng.randint(-sym.mid // 500, sym.mid // 500))
        if rng.random() < self.bad_rate:
            return self._bad()
        kinds = _KINDS
        kind = rng.choices(kinds, _WEIGHTS)[0]
        return getattr(self, "_" + kind)()

    def make(self, kind: str) -> Any:
        """One command of ``kind`` (a key of ``MIX``, or ``"bad"``): the simulator's action
        registry draws the kind itself and asks for it here."""
        if kind != "bad" and kind not in MIX:
            raise ValueError(f"unknown workload kind {kind!r}")
        return getattr(self, "_" + kind)()

    # ------------------------------------------------------------------ kinds
    def _order(self, *, force: Optional[int] = None, tpsl: bool = False, ts: Optional[int] = None,
               oid: bool = True) -> PlaceOrder:
        rng = self.rng
        sym = rng.choice(self.symbols)
        user, side = self._user(), rng.randint(0, 1)
        if force is None:
            force = rng.choices((0, 1, 2, 3), (70, 10, 8, 12))[0]
        price = self._price(sym, side, cross=0.3 if force in (1, 2) else 0.1)
        client_oid = self._name("o") if oid and rng.random() < 0.7 else ""
        if client_oid:
            self.oids.append((user, sym.symbol, client_oid))
        stp = rng.choices((0, 1, 2, 3), (85, 5, 5, 5))[0]
        extra: Dict[str, int] = {}
        if tpsl:
            up = 1 if side == _BUY else -1
            if rng.random() < 0.8:
                extra["tp_trigger"] = price + up * rng.randint(1, 40) * sym.tick
                if rng.random() < 0.5:
                    extra["tp_price"] = extra["tp_trigger"]
            if rng.random() < 0.8:
                extra["sl_trigger"] = max(sym.tick, price - up * rng.randint(1, 40) * sym.tick)
                if rng.random() < 0.5:
                    extra["sl_price"] = extra["sl_trigger"]
        self.id_guess += 1
        return PlaceOrder(self._ts() if ts is None else ts, user, sym.symbol, side, _LIMIT, force,
                          price, self._size(sym), 0, client_oid, stp, **extra)

    def _limit(self) -> PlaceOrder:
        return self._order()

    def _tpsl(self) -> PlaceOrder:
        return self._order(tpsl=True)

    def _market(self) -> PlaceOrder:
        rng = self.rng
        sym = rng.choice(self.symbols)
        user = self._user()
        self.id_guess += 1
        stp = rng.choices((0, 1, 2, 3), (85, 5, 5, 5))[0]
        if rng.random() < 0.5:
            quote = self._size() * sym.mid * sym.qpps + rng.randint(0, sym.mid * sym.qpps)
            return PlaceOrder(self._ts(), user, sym.symbol, _BUY, _MARKET, 0, 0, 0, quote, "", stp)
        return PlaceOrder(self._ts(), user, sym.symbol, _SELL, _MARKET, 0, 0, self._size(sym), 0,
                          "", stp)

    def _cancel(self) -> Any:
        rng = self.rng
        if self.oids and rng.random() < 0.8:
            index = len(self.oids) - 1 - min(len(self.oids) - 1, int(rng.expovariate(0.1)))
            user, symbol, oid = self.oids.pop(index)
            return CancelOrder(self._ts(), user, symbol, 0, oid)
        guess = max(1, self.id_guess - int(rng.expovariate(0.05)))
        return CancelOrder(self._ts(), self._user(), rng.choice(self.symbols).symbol, guess, "")

    def _cancel_all(self) -> CancelAll:
        return CancelAll(self._ts(), self._user(), self.rng.choice(self.symbols).symbol)

    def _modify(self) -> Any:
        rng = self.rng
        if not self.oids:
            return self._limit()
        user, symbol, oid = self.oids[-1 - min(len(self.oids) - 1, int(rng.expovariate(0.1)))]
        sym = next(s for s in self.symbols if s.symbol == symbol)
        new_price = self._price(sym, rng.randint(0, 1)) if rng.random() < 0.7 else 0
        new_size = self._size(sym) if rng.random() < 0.5 else 0
        new_oid = self._name("m") if rng.random() < 0.5 else ""
        if new_oid:
            self.oids.append((user, symbol, new_oid))
        self.id_guess += 1
        return ModifyOrder(self._ts(), user, symbol, 0, oid, new_price, new_size, new_oid)

    def _batch_place(self) -> BatchPlace:
        ts = self._ts()
        count = self.rng.randint(1, 6)
        return BatchPlace(ts, tuple(self._order(ts=0) for _ in range(count)))

    def _batch_cancel(self) -> BatchCancel:
        ts = self._ts()
        items = []
        for _ in range(self.rng.randint(1, 5)):
            item = self._cancel()
            items.append(item._replace(ts_ns=0))
        return BatchCancel(ts, tuple(items))

    def _plan(self) -> PlacePlan:
        rng = self.rng
        sym = rng.choice(self.symbols)
        user, side = self._user(), rng.randint(0, 1)
        trigger = max(1, sym.mid + rng.randint(-sym.mid // 100, sym.mid // 100))
        trigger = max(sym.tick, trigger // sym.tick * sym.tick)
        client_oid = self._name("p") if rng.random() < 0.6 else ""
        if client_oid:
            self.plan_oids.append((user, sym.symbol, client_oid))
        self.id_guess += 1
        if rng.random() < 0.5:
            price = self._price(sym, side, cross=0.5)
            return PlacePlan(self._ts(), user, sym.symbol, side, trigger, _LIMIT, price,
                             self._size(sym), 0, rng.choice((0, 1)), client_oid)
        if side == _BUY:
            return PlacePlan(self._ts(), user, sym.symbol, _BUY, trigger, _MARKET, 0, 0,
                             self._size() * sym.mid * sym.qpps, 0, client_oid)
        return PlacePlan(self._ts(), user, sym.symbol, _SELL, trigger, _MARKET, 0,
                         self._size(sym), 0, 0, client_oid)

    def _cancel_plan(self) -> Any:
        rng = self.rng
        if self.plan_oids and rng.random() < 0.8:
            user, symbol, oid = rng.choice(self.plan_oids[-20:])
            return CancelPlan(self._ts(), user, symbol, 0, oid)
        return CancelPlan(self._ts(), self._user(), rng.choice(self.symbols).symbol,
                          max(1, self.id_guess - rng.randint(0, 30)), "")

    def _deposit(self) -> Deposit:
        rng = self.rng
        asset = rng.choice(("BTC", "USDT", "ETH"))
        account = _SPOT if rng.random() < 0.8 else _FUNDING
        amount = rng.choice((10**6, 10**8, 10**10, 10**12))
        return Deposit(self._ts(), self._user(), account, asset, amount, self._name("d"))

    def _withdraw(self) -> Any:
        rng = self.rng
        if self.withdrawals and rng.random() < 0.5:
            withdrawal_id = self.withdrawals.pop(rng.randrange(len(self.withdrawals)))
            cls = CompleteWithdrawal if rng.random() < 0.6 else FailWithdrawal
            return cls(self._ts(), withdrawal_id)
        withdrawal_id = self._name("w")
        self.withdrawals.append(withdrawal_id)
        return RequestWithdrawal(self._ts(), self._user(), rng.choice(("BTC", "USDT", "ETH")),
                                 rng.choice((10**5, 10**7, 10**9)), withdrawal_id)

    def _transfer(self) -> Transfer:
        rng = self.rng
        source, target = (_SPOT, _FUNDING) if rng.random() < 0.5 else (_FUNDING, _SPOT)
        return Transfer(self._ts(), self._user(), rng.choice(("BTC", "USDT", "ETH")),
                        rng.choice((10**5, 10**7, 10**9)), source, target,
                        self._name("t") if rng.random() < 0.5 else "")

    def _halt(self) -> SetMarketStatus:
        sym = self.rng.choice(self.symbols)
        sym.halted = not sym.halted
        status = MarketStatus.HALTED if sym.halted else MarketStatus.ONLINE
        return SetMarketStatus(self._ts(), sym.symbol, int(status))

    def _fees(self) -> SetUserFees:
        rng = self.rng
        maker, taker = rng.choice(((-1, -1), (500, 600), (0, 300), (800, 800), (200, -1)))
        return SetUserFees(self._ts(), self._user(), maker, taker)

    def _tick(self) -> ClockTick:
        self.ts += self.rng.choice((1, 60, 3600, 4 * 3600)) * 1_000_000_000
        return ClockTick(self._ts())

    def _resume_halted(self) -> Any:
        for sym in self.symbols:
            if sym.halted:
                sym.halted = False
                return SetMarketStatus(self._ts(), sym.symbol, int(MarketStatus.ONLINE))
        return self._limit()

    def _bad(self) -> Any:
        """A malformed or unknowable command: the core must reject it and change nothing."""
        rng = self.rng
        ts, user = self._ts(), self._user()
        sym = rng.choice(self.symbols).symbol
        choices = [
            PlaceOrder(ts, user, "NOPE", 0, 0, 0, 100, 1, 0),
            PlaceOrder(ts, user, sym, 0, 0, 0, -5, 1, 0),
            PlaceOrder(ts, user, sym, 1, 0, 0, 100, 2**200, 0),
            PlaceOrder(ts, user, sym, 2, 0, 0, 100, 1, 0),
            PlaceOrder(ts, user, sym, 0, 0, 9, 100, 1, 0),
            PlaceOrder(ts, 0, sym, 0, 0, 0, 100, 1, 0),
            PlaceOrder(ts, user, sym, 0, 0, 0, "100", 1, 0),  # type: ignore[arg-type]
            PlaceOrder(ts, user, sym, 0, 1, 0, 0, 5, 0),
            CancelOrder(ts, user, sym, 10**12, ""),
            CancelOrder(ts, user, "NOPE", 1, ""),
            Deposit(ts, user, _SPOT, "DOGE", 5, self._name("d")),
            Deposit(ts, user, 7, "BTC", 5, self._name("d")),
            Deposit(ts, user, _SPOT, "BTC", -5, self._name("d")),
            Transfer(ts, user, "BTC", 10**30, _SPOT, _FUNDING, ""),
            Transfer(ts, user, "BTC", 5, _SPOT, _SPOT, ""),
            RequestWithdrawal(ts, user, "BTC", 10**30, self._name("w")),
            CompleteWithdrawal(ts, "no-such-withdrawal"),
            ModifyOrder(ts, user, sym, 10**12, "", 5, 5),
            CancelPlan(ts, user, sym, 10**12, ""),
            PlacePlan(ts, user, sym, 0, -1, 0, 100, 1, 0),
            SetMarketStatus(ts, sym, 7),
            SetUserFees(ts, -3, 1, 1),
            ListAsset(ts, "BTC", 8),
            ListAsset(ts, "lower", 8),
            ListMarket(ts, "BTCUSDT", "BTC", "USDT", 2, 4, 1, 1, 1, 10, 0, 0, 0, 0, 0),
            BatchPlace(ts, ()),
            BatchCancel(ts, tuple(CancelOrder(0, user, sym, 1, "") for _ in range(51))),
            ClockTick(-1),
            PlaceOrder(True, user, sym, 0, 0, 0, 100, 1, 0),  # type: ignore[arg-type]
        ]
        return rng.choice(choices)


_MIX = {
    "limit": 40, "market": 6, "tpsl": 3, "cancel": 16, "cancel_all": 1, "modify": 5,
    "batch_place": 2, "batch_cancel": 2, "plan": 4, "cancel_plan": 1, "deposit": 2,
    "withdraw": 2, "transfer": 2, "halt": 0.3, "resume_halted": 3, "fees": 0.3, "tick": 0.5,
}
#: command kinds of ``Workload.next`` and their relative weights
MIX = dict(_MIX)
_KINDS = list(_MIX)
_WEIGHTS = [_MIX[kind] for kind in _KINDS]
