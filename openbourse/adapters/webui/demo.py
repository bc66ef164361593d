"""Demo-install money: the "get demo funds" button, demo deposits and demo withdrawals.

These exist only when the node runs in demo mode.  Real deposits arrive from outside the
exchange (a chain), which no API can trigger, so the demo faucet is a UI endpoint; each
credit is an ordinary journaled ``Deposit`` with a unique reference, and shows up in the
public ``deposit-records`` endpoint like any other.  A demo withdrawal is the real
two-step withdrawal (hold, then complete) sent to nowhere.
"""
from __future__ import annotations

import secrets
from typing import Any, Dict, List

from starlette.responses import Response
from starlette.routing import Route

from ...core import commands as c
from ...core import events as ev
from ...core.enums import AccountType
from ...core.units import UnitsError, from_units, to_units
from ..api.errors import reject_error
from .context import Call, WebContext
from .replies import Fail, ok, read_json, text_field

__all__ = ["demo_routes", "DEMO_PACK", "DEMO_CAP"]

#: what one press of "get demo funds" credits (assets that are listed on this node)
DEMO_PACK: Dict[str, str] = {"USDT": "10000", "USDC": "10000", "BTC": "0.5", "ETH": "5",
                             "SOL": "50"}
#: the largest single demo deposit, per asset; other listed assets allow ``DEMO_CAP_OTHER``
DEMO_CAP: Dict[str, str] = {"USDT": "1000000", "USDC": "1000000", "BTC": "20", "ETH": "300",
                            "SOL": "5000"}
DEMO_CAP_OTHER = "100000"


def _rejected(events: List[Any]) -> None:
    for event in events:
        if type(event) is ev.Rejected:
            error = reject_error(event.code)
            raise Fail(error.code, error.msg, "amount")


def demo_routes(ctx: WebContext) -> List[Route]:
    def amount_units(data: Dict[str, Any], capped: bool) -> tuple:
        coin = text_field(data, "coin", max_len=20).strip().upper()
        scale = ctx.catalog.assets.get(coin)
        if scale is None:
            raise Fail("invalid", f"{coin} is not listed", "coin")
        text = text_field(data, "amount", max_len=40).strip()
        try:
            units = to_units(text, scale)
        except UnitsError:
            raise Fail("invalid", f"Enter an amount with at most {scale} decimals",
                       "amount") from None
        if units <= 0:
            raise Fail("invalid", "The amount must be positive", "amount")
        cap = to_units(DEMO_CAP.get(coin, DEMO_CAP_OTHER), scale)
        if capped and units > cap:
            raise Fail("invalid", f"Demo deposits are limited to {from_units(cap, scale)} {coin}",
                       "amount")
        return coin, units

    async def deposit(user: int, coin: str, units: int) -> None:
        ref = f"webui-demo-{user}-{secrets.token_hex(8)}"
        _rejected(await ctx.submit(c.Deposit(0, user, int(AccountType.SPOT), coin, units, ref)))

    async def funds(call: Call) -> Response:
        credited = {}
        for coin, amount in DEMO_PACK.items():
            scale = ctx.catalog.assets.get(coin)
            if scale is not None:
                await deposit(call.user_id, coin, to_units(amount, scale))
                credited[coin] = amount
        if not credited:
            raise Fail("invalid", "No demo asset is listed on this node")
        return ok(credited)

    async def demo_deposit(call: Call) -> Response:
        coin, units = amount_units(await read_json(call.request), capped=True)
        await deposit(call.user_id, coin, units)
        return ok({"coin": coin, "amount": from_units(units, ctx.catalog.assets[coin])})

    async def demo_withdraw(call: Call) -> Response:
        coin, units = amount_units(await read_json(call.request), capped=False)
        withdrawal_id = f"webui-demo-{call.user_id}-{secrets.token_hex(8)}"
        _rejected(await ctx.submit(c.RequestWithdrawal(0, call.user_id, coin, units,
                                                       withdrawal_id)))
        _rejected(await ctx.submit(c.CompleteWithdrawal(0, withdrawal_id)))
        return ok({"coin": coin, "amount": from_units(units, ctx.catalog.assets[coin]),
                   "withdrawalId": withdrawal_id})

    def demo_only(handler: Any) -> Any:
        async def run(call: Call) -> Response:
            if not ctx.demo:
                raise Fail("not_demo", "Demo funds exist only on demo installs", status=404)
            return await handler(call)
        return run

    e = ctx.endpoint
    return [
        Route("/ui/demo/funds", e(demo_only(funds)), methods=["POST"]),
        Route("/ui/demo/deposit", e(demo_only(demo_deposit)), methods=["POST"]),
        Route("/ui/demo/withdraw", e(demo_only(demo_withdraw)), methods=["POST"]),
    ]
