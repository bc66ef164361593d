"""The futures product's state (``state.products["futures"]``) and its snapshot tuple.

Indexes kept alongside the primary records (all rebuilt on restore):

* ``Contract.positions`` (open positions per contract) and the two liquidation heaps;
* ``by_user[(user, symbol)]``: {hold side: Position};
* ``accounts[(user, account type, asset)]``: {position id: Position} of that futures account;
* ``user_orders[(user, symbol)]``: {order id: FutOrder} resting orders.
"""
from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any, Deque, Dict, List, Optional, Set, Tuple

from .commands import ListContract
from ..ledger.balances import Balance
from .contracts import Contract
from .positions import Position

if TYPE_CHECKING:
    from ..engine.state import EngineState

__all__ = ["FuturesState", "FutOrder", "FutPlan", "Setting", "new_state", "state_tuple",
           "restore", "fstate"]

DEFAULT_LEVERAGE = 10


class FutOrder:
    """A resting or in-flight futures order (duck-types ``orderbook.Order`` for the book).

    ``side`` is the book side (buy/sell); ``hold_side`` the position side it affects;
    ``reduce`` 1 for closing-only orders; ``hold`` what is still frozen for it.
    """

    __slots__ = ("order_id", "user", "symbol", "side", "wire_side", "trade_side", "hold_side",
                 "order_type", "force", "price", "size", "remaining", "reduce", "client_oid",
                 "stp", "margin_mode", "leverage", "hold", "filled_size", "filled_value", "fee",
                 "pnl", "kind", "plan_id", "ts_ns", "resting", "tp_trigger", "tp_price",
                 "sl_trigger", "sl_price", "prev", "next")

    FIELDS = ("order_id", "user", "symbol", "side", "wire_side", "trade_side", "hold_side",
              "order_type", "force", "price", "size", "remaining", "reduce", "client_oid",
              "stp", "margin_mode", "leverage", "hold", "filled_size", "filled_value", "fee",
              "pnl", "kind", "plan_id", "ts_ns", "tp_trigger", "tp_price", "sl_trigger",
              "sl_price")

    def __init__(self, order_id: int = 0, user: int = 0, symbol: str = "", side: int = 0,
                 wire_side: int = 0, trade_side: int = 0, hold_side: int = 0,
                 order_type: int = 0, force: int = 0, price: int = 0, size: int = 0,
                 remaining: int = 0, reduce: int = 0, client_oid: str = "", stp: int = 0,
                 margin_mode: int = 0, leverage: int = 0, hold: int = 0, filled_size: int = 0,
                 filled_value: int = 0, fee: int = 0, pnl: int = 0, kind: int = 0,
                 plan_id: int = 0, ts_ns: int = 0, tp_trigger: int = 0, tp_price: int = 0,
                 sl_trigger: int = 0, sl_price: int = 0) -> None:
        self.order_id = order_id
        self.user = user
        self.symbol = symbol
        self.side = side
        self.wire_side = wire_side
        self.trade_side = trade_side
        self.hold_side = hold_side
        self.order_type = order_type
        self.force = force
        self.price = price
        self.size = size
        self.remaining = remaining
        self.reduce = reduce
        self.client_oid = client_oid
        self.stp = stp
        self.margin_mode = margin_mode
        self.leverage = leverage
        self.hold = hold
        self.filled_size = filled_size
        self.filled_value = filled_value
        self.fee = fee
        self.pnl = pnl
        self.kind = kind
        self.plan_id = plan_id
        self.ts_ns = ts_ns
        self.tp_trigger = tp_trigger
        self.tp_price = tp_price
        self.sl_trigger = sl_trigger
        self.sl_price = sl_price
        self.resting = False
        self.prev: Optional[FutOrder] = None  # neighbours in its price level (orderbook.book)
        self.next: Optional[FutOrder] = None

    def fields(self) -> Tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.FIELDS)

    def __repr__(self) -> str:
        return (f"FutOrder({self.order_id}, user={self.user}, {self.symbol}, side={self.side}, "
                f"price={self.price}, remaining={self.remaining}/{self.size}, hold={self.hold})")


class FutPlan:
    __slots__ = ("plan_id", "user", "symbol", "plan_type", "trigger_price", "trigger_type",
                 "side", "trade_side", "hold_side", "order_type", "price", "size",
                 "reduce_only", "callback_ppm", "client_oid", "direction", "best", "active",
                 "parent_order_id")
    FIELDS = __slots__

    def __init__(self, *values: Any) -> None:
        for name, value in zip(self.FIELDS, values):
            setattr(self, name, value)

    def fields(self) -> Tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.FIELDS)


class Setting:
    """Per (user, symbol): margin mode, leverage per side, auto-margin per side."""

    __slots__ = ("margin_mode", "leverage", "auto_margin")

    def __init__(self, margin_mode: int = 0, long_lev: int = DEFAULT_LEVERAGE,
                 short_lev: int = DEFAULT_LEVERAGE, auto_long: int = 0,
                 auto_short: int = 0) -> None:
        self.margin_mode = margin_mode
        self.leverage = [long_lev, short_lev]
        self.auto_margin = [auto_long, auto_short]

    def fields(self) -> Tuple[int, ...]:
        return (self.margin_mode, self.leverage[0], self.leverage[1], self.auto_margin[0],
                self.auto_margin[1])


_DEFAULT_SETTING = Setting()


class FuturesState:
    def __init__(self) -> None:
        self.contracts: Dict[str, Contract] = {}
        self.settings: Dict[Tuple[int, str], Setting] = {}
        self.pos_modes: Dict[Tuple[int, int], int] = {}  # (user, product type) -> PosMode
        self.positions: Dict[int, Position] = {}  # open positions by id
        self.by_user: Dict[Tuple[int, str], Dict[int, Position]] = {}
        self.accounts: Dict[Tuple[int, int, str], Dict[int, Position]] = {}
        self.orders: Dict[int, FutOrder] = {}  # resting orders by id
        self.user_orders: Dict[Tuple[int, str], Dict[int, FutOrder]] = {}
        self.plans: Dict[int, FutPlan] = {}
        self.client_oids: Dict[Tuple[int, int, str], int] = {}  # (kind, user, oid) -> id (live)
        # idempotency (6 h, like spot): (kind, user, oid) -> (id, payload, ts) of the accepted
        # command, expiring oldest first (``oid_expiry`` of (ts, key)); see handlers.py
        self.oid_seen: Dict[Tuple[int, int, str], Tuple[int, Tuple[Any, ...], int]] = {}
        self.oid_expiry: Deque[Tuple[int, Tuple[int, int, str]]] = deque()
        # derived indexes (rebuilt on restore):
        self.reduce_orders: Dict[Tuple[int, str], Dict[int, FutOrder]] = {}  # resting closes
        self.held: Dict[Tuple[int, int, str], int] = {}  # Σ hold of resting orders per account
        self.user_plans: Dict[Tuple[int, str], Dict[int, FutPlan]] = {}
        self.triggers: Dict[Tuple[str, int], Any] = {}  # (symbol, trigger type) -> PlanTriggers
        self.trailing: Dict[str, Dict[int, FutPlan]] = {}  # active trailing stops per symbol
        self.firing: Set[int] = set()  # due plans out of the index (within one command)
        # cross accounts: the free balance (available + order holds) the liquidation
        # triggers rely on; transfers out may not go below it (see margin.py)
        self.floors: Dict[Tuple[int, int, str], int] = {}
        self.bad_debt: Dict[str, int] = {}  # per asset: deficits neither the fund nor ADL covered
        self.next_position_id = 1
        self.next_plan_id = 1

    def setting(self, user: int, symbol: str) -> Setting:
        found = self.settings.get((user, symbol))
        if found is None:
            found = self.settings[(user, symbol)] = Setting()
        return found

    def peek_setting(self, user: int, symbol: str) -> Setting:
        """The setting without creating it (validation must not change state): read only."""
        found = self.settings.get((user, symbol))
        return found if found is not None else _DEFAULT_SETTING

    def pos_mode(self, user: int, product_type: int) -> int:
        return self.pos_modes.get((user, product_type), 0)

    def position(self, user: int, symbol: str, side: int) -> Optional[Position]:
        sides = self.by_user.get((user, symbol))
        return sides.get(side) if sides else None

    def add_position(self, pos: Position, contract: Contract) -> None:
        self.positions[pos.position_id] = pos
        contract.positions[pos.position_id] = pos
        self.by_user.setdefault((pos.user, pos.symbol), {})[pos.side] = pos
        self.accounts.setdefault((pos.user, pos.account, pos.asset), {})[pos.position_id] = pos

    def remove_position(self, pos: Position, contract: Contract) -> None:
        del self.positions[pos.position_id]
        del contract.positions[pos.position_id]
        sides = self.by_user[(pos.user, pos.symbol)]
        del sides[pos.side]
        if not sides:
            del self.by_user[(pos.user, pos.symbol)]
        key = (pos.user, pos.account, pos.asset)
        acct = self.accounts[key]
        del acct[pos.position_id]
        if not acct:
            del self.accounts[key]
        pos.trigger = 0

    def add_order(self, order: FutOrder) -> None:
        self.orders[order.order_id] = order
        key = (order.user, order.symbol)
        mine = self.user_orders.get(key)
        if mine is None:
            mine = self.user_orders[key] = {}
        mine[order.order_id] = order
        if order.reduce:
            self.reduce_orders.setdefault(key, {})[order.order_id] = order
        if order.hold:
            contract = self.contracts[order.symbol]
            akey = (order.user, contract.account, contract.margin_asset)
            self.held[akey] = self.held.get(akey, 0) + order.hold
        order.resting = True

    def drop_order(self, order: FutOrder) -> None:
        """Unindex a resting order (its current ``hold`` leaves the account's total)."""
        del self.orders[order.order_id]
        key = (order.user, order.symbol)
        mine = self.user_orders[key]
        del mine[order.order_id]
        if not mine:
            del self.user_orders[key]
        if order.reduce:
            closes = self.reduce_orders[key]
            del closes[order.order_id]
            if not closes:
                del self.reduce_orders[key]
        if order.hold:
            self.release_hold(order, order.hold)
        order.resting = False

    def release_hold(self, order: FutOrder, amount: int) -> None:
        """A resting order's hold shrank by ``amount`` (keeps ``held`` exact)."""
        contract = self.contracts[order.symbol]
        akey = (order.user, contract.account, contract.margin_asset)
        left = self.held[akey] - amount
        if left:
            self.held[akey] = left
        else:
            del self.held[akey]

    def add_plan(self, plan: FutPlan) -> None:
        self.plans[plan.plan_id] = plan
        self.user_plans.setdefault((plan.user, plan.symbol), {})[plan.plan_id] = plan

    def drop_plan(self, plan: FutPlan) -> None:
        del self.plans[plan.plan_id]
        key = (plan.user, plan.symbol)
        mine = self.user_plans[key]
        del mine[plan.plan_id]
        if not mine:
            del self.user_plans[key]


def new_state() -> FuturesState:
    return FuturesState()


def fstate(state: "EngineState") -> FuturesState:
    return state.products["futures"]  # type: ignore[no-any-return]


def state_tuple(fs: FuturesState) -> Tuple[Any, ...]:
    contracts = tuple(
        (tuple(c.spec()[1:]), c.scale, c.state_fields(),
         tuple(o.fields() for o in c.book.bids.orders()),
         tuple(o.fields() for o in c.book.asks.orders()))
        for c in (fs.contracts[s] for s in sorted(fs.contracts)))
    return (
        (fs.next_position_id, fs.next_plan_id),
        contracts,
        tuple(sorted((k, v.fields()) for k, v in fs.settings.items())),
        tuple(sorted(fs.pos_modes.items())),
        tuple(fs.positions[i].fields() for i in sorted(fs.positions)),
        tuple(fs.plans[i].fields() for i in sorted(fs.plans)),
        tuple(sorted(fs.client_oids.items())),
        tuple(sorted(fs.floors.items())),
        tuple(sorted(fs.bad_debt.items())),
        tuple(sorted(fs.oid_seen.items())),
        tuple(fs.oid_expiry),
    )


def restore(engine_state: "EngineState", saved: Tuple[Any, ...]) -> FuturesState:
    from .liqindex import index_position  # late: liqindex imports positions

    fs = FuturesState()
    if len(saved) == 9:  # snapshots from before client-id idempotency
        saved = tuple(saved) + ((), ())
    (counters, contracts, settings, pos_modes, positions, plans, oids, floors, bad_debt,
     seen, expiry) = saved
    fs.next_position_id, fs.next_plan_id = counters
    resting: List[FutOrder] = []
    for spec_fields, scale, fields, bids, asks in contracts:
        spec = ListContract(0, *spec_fields)
        contract = Contract(spec, scale)
        contract.restore_fields(fields)
        fs.contracts[spec.symbol] = contract
        for row in bids + asks:
            order = FutOrder(*row)
            contract.book.side(order.side).add(order)  # book (FIFO) order
            resting.append(order)
    for order in sorted(resting, key=lambda o: o.order_id):  # indexes in arrival order
        fs.add_order(order)
    for key, fields in settings:
        fs.settings[tuple(key)] = Setting(*fields)  # type: ignore[index]
    fs.pos_modes = {tuple(k): v for k, v in pos_modes}  # type: ignore[misc]
    for row in positions:
        values = dict(zip(Position.FIELDS, row))
        contract = fs.contracts[values["symbol"]]
        pos = Position(values["position_id"], values["user"], contract, values["side"],
                       values["margin_mode"], values["pos_mode"], values["leverage"],
                       values["auto_margin"], values["opened_ns"])
        for name in ("qty", "size", "cost", "margin", "realised", "fees", "funding"):
            setattr(pos, name, values[name])
        fs.add_position(pos, contract)
        index_position(contract, pos, values["trigger"])
    from .plans import index_plan  # late: plans imports state
    for row in plans:
        plan = FutPlan(*row)
        fs.add_plan(plan)
        index_plan(fs, plan)
    fs.client_oids = {tuple(k): v for k, v in oids}  # type: ignore[misc]
    fs.floors = {tuple(k): v for k, v in floors}  # type: ignore[misc]
    fs.bad_debt = dict(bad_debt)
    fs.oid_seen = {tuple(k): (v[0], tuple(v[1]), v[2]) for k, v in seen}  # type: ignore[misc]
    fs.oid_expiry = deque((ts, tuple(k)) for ts, k in expiry)  # type: ignore[misc]
    return fs


def balance_of(engine_state: "EngineState", user: int, contract: Contract) -> Balance:
    return engine_state.ledger.balance(user, contract.account, contract.margin_asset)
