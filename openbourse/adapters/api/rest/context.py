"""What every REST handler gets: the node's read models, the user directory and ``submit``.

Handlers are ``async def handler(ctx: ApiContext, req: Req) -> data``.  Writes go through
``ctx.execute``, which awaits the sequencer's acknowledgement (the command is journaled
and fsynced, and the read models have seen its events) and turns a ``Rejected`` event into
the Bitget error, so no handler can forget either step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Awaitable, Callable, List, Optional, Tuple

from ....core import events as ev
from ....core.commands import Command
from ...readmodels.catalog import Catalog, MarketInfo
from ...readmodels.market import MarketData
from ...readmodels.private import PrivateViews
from ...users import ApiKey, UserStore
from ..errors import ApiError, E, reject_error
from ..params import Params

__all__ = ["ApiContext", "Req", "Submit", "first_reject", "created_id"]

Submit = Callable[[Command], Awaitable[List[Any]]]


@dataclass
class Req:
    params: Params
    key: Optional[ApiKey]
    client_ip: str

    @property
    def user(self) -> int:
        assert self.key is not None, "public endpoint asked for a user"
        return self.key.user_id


@dataclass
class ApiContext:
    catalog: Catalog
    market: MarketData
    views: PrivateViews
    users: UserStore
    submit: Submit
    max_batch: int = 50

    def market_info(self, symbol: Optional[str]) -> MarketInfo:
        """The spot market for ``symbol`` or Bitget's "does not exist" error (40034)."""
        info = self.catalog.markets.get(symbol or "")
        if info is None:
            raise ApiError(E.NOT_EXIST, f"Parameter {symbol} does not exist")
        return info

    def optional_market(self, params: Params) -> Optional[MarketInfo]:
        symbol = params.text("symbol", required=False)
        return self.market_info(symbol) if symbol is not None else None

    def asset_scale(self, coin: str) -> int:
        scale = self.catalog.assets.get(coin)
        if scale is None:
            raise ApiError(E.NOT_EXIST, f"Parameter {coin} does not exist")
        return scale

    def coin_param(self, params: Params, key: str = "coin",
                   required: bool = False) -> Optional[str]:
        """The listed coin named by parameter ``key`` (None when optional and absent), or
        the "does not exist" error (40034) for a coin that is not listed."""
        coin = params.text(key, required=required)
        if coin is not None:
            self.asset_scale(coin)
        return coin

    async def execute(self, command: Command) -> List[Any]:
        """Submit, await the durable ack, raise the first rejection (single commands)."""
        events = await self.submit(command)
        rejected = first_reject(events)
        if rejected is not None:
            raise reject_error(rejected.code)
        return events

    async def execute_batch(self, command: Command) -> List[Any]:
        """Like ``execute`` but item rejections are results, only the batch's own is an error."""
        events = await self.submit(command)
        rejected = first_reject(events, type(command).__name__)
        if rejected is not None:
            raise reject_error(rejected.code)
        return events


def first_reject(events: List[Any], command_name: Optional[str] = None) -> Optional[ev.Rejected]:
    for event in events:
        if type(event) is ev.Rejected and (command_name is None or event.command == command_name):
            return event
    return None


def created_id(events: List[Any], kind: type, attr: str) -> Tuple[int, bool]:
    """(id of the first ``kind`` event, False) or the Duplicate's original id (True)."""
    for event in events:
        if type(event) is kind:
            return getattr(event, attr), False
        if type(event) is ev.Duplicate:
            return event.original_id, True
    raise ApiError(E.SYSTEM, "System error: the engine returned no result")
