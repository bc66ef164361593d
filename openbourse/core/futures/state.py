"""The futures product's state (``state.products["futures"]``) and its snapshot tuple.

Indexes kept alongside the primary records (all rebuilt on restore):

* ``Contract.positions`` (open positions per contract) and the two liquidation heaps;
* ``by_user[(user, symbol)]``: {hold side: Position};
* ``accounts[(user, account type, asset)]``: {position id: Position} of that futures account;
* ``user_orders[(user, symbol)]``: {order id: FutOrder} resting orders.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

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
                 "sl_trigger", "sl_price")

    FIELDS = ("order_id", "user", "symbol", "side", "wire_side", "trade_side", "hold_side",
              "order_type", "force", "price", "size", "remaining", "reduce", "client_oid",
              "stp", "margin_mode", "leverage", "hold", "filled_size", "filled_value", "fee",
              "pnl", "kind", "plan_id", "ts_ns", "tp_trigger", "tp_price", "sl_trigger",
              "sl_price")

    def __init__(self, **values: Any) -> None:
        for name in self.FIELDS:
            setattr(self, name, values.get(name, 0))
        self.resting = False

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
                 short_lev: int = DEFAULT_LEVERAGE, auto_long: int = 0, auto_short: int = 0) -> None:
        self.margin_mode = margin_mode
        self.leverage = [long_lev, short_lev]
        self.auto_margin = [auto_long, auto_short]

    def fields(self) -> Tuple[int, ...]:
        return (self.margin_mode, self.leverage[0], self.leverage[1], self.auto_margin[0],
                self.auto_margin[1])


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
        self.user_orders.setdefault((order.user, order.symbol), {})[order.order_id] = order
        order.resting = True

    def drop_order(self, order: FutOrder) -> None:
        del self.orders[order.order_id]
        mine = self.user_orders[(order.user, order.symbol)]
        del mine[order.order_id]
        if not mine:
            del self.user_orders[(order.user, order.symbol)]
        order.resting = False


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
    )


def restore(engine_state: "EngineState", saved: Tuple[Any, ...]) -> FuturesState:
    from .liqindex import index_position  # late: liqindex imports positions

    fs = FuturesState()
    (counters, contracts, settings, pos_modes, positions, plans, oids, floors, bad_debt) = saved
    fs.next_position_id, fs.next_plan_id = counters
    for spec_fields, scale, fields, bids, asks in contracts:
        spec = ListContract(0, *spec_fields)
        contract = Contract(spec, scale)
        contract.restore_fields(fields)
        fs.contracts[spec.symbol] = contract
        for row in bids + asks:
            order = FutOrder(**dict(zip(FutOrder.FIELDS, row)))
            contract.book.side(order.side).add(order)
            fs.add_order(order)
    fs.orders = dict(sorted(fs.orders.items()))
    for key, fields in settings:
        fs.settings[tuple(key)] = Setting(*fields)  # type: ignore[index]
    fs.pos_modes = {tuple(k): v for k, v in pos_modes}  # type: ignore[misc]
    for row in positions:
        values = dict(zip(Position.FIELDS, row))
        contract = fs.contracts[values["symbol"]]
        pos = Position(values["position_id"], values["user"], contract, values["side"],
                       values["margin_mode"], values["pos_mode"], values["leverage"],
                       values["auto_margin"], values["opened_ns"])
        for name in ("size", "cost", "margin", "realised", "fees", "funding"):
            setattr(pos, name, values[name])
        fs.add_position(pos, contract)
        index_position(contract, pos, values["trigger"])
    for row in plans:
        plan = FutPlan(*row)
        fs.plans[plan.plan_id] = plan
    fs.client_oids = {tuple(k): v for k, v in oids}  # type: ignore[misc]
    fs.floors = {tuple(k): v for k, v in floors}  # type: ignore[misc]
    fs.bad_debt = dict(bad_debt)
    return fs


def balance_of(engine_state: "EngineState", user: int, contract: Contract) -> Balance:
    return engine_state.ledger.balance(user, contract.account, contract.margin_asset)
