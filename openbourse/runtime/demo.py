"""First-start demo bootstrap: list the demo markets, fund a demo user, mint its API key.

Every step is idempotent so a crash half-way is repaired by the next start: listings are
skipped when the catalogue already has them, deposits carry fixed idempotency refs (the
engine answers a retry with ``Duplicate``), the user is get-or-create, and the key is
minted once and kept in ``demo-credentials.json`` (mode 0600) so every later start can
print the same ready-to-paste credentials.
"""

from __future__ import annotations

import json
import os
import secrets
from typing import Any, Dict, Optional

from ..adapters.api.errors import reject_error
from ..adapters.marketdata.demo import listing_commands
from ..adapters.users import UserError
from ..core import commands as c
from ..core import events as ev
from ..core.enums import AccountType
from ..core.units import to_units
from .node import Node
from .product_demo import bootstrap_products

__all__ = ["bootstrap_demo", "DEMO_EMAIL", "DEMO_FUNDS"]

DEMO_EMAIL = "demo@openbourse.local"
#: what the demo user starts with (decimal text, per asset)
DEMO_FUNDS: Dict[str, str] = {
    "USDT": "100000",
    "USDC": "100000",
    "BTC": "2",
    "ETH": "30",
    "SOL": "500",
}
CREDENTIALS_FILE = "demo-credentials.json"


async def _list_demo_markets(node: Node) -> None:
    for command in listing_commands():
        if isinstance(command, c.ListAsset) and command.asset in node.catalog.assets:
            continue
        if isinstance(command, c.ListMarket) and command.symbol in node.catalog.markets:
            continue
        events = await node.submit(command)
        for event in events:
            if type(event) is ev.Rejected:
                raise reject_error(event.code)


async def _fund(node: Node, user_id: int) -> None:
    for asset, amount in DEMO_FUNDS.items():
        scale = node.catalog.assets[asset]
        command = c.Deposit(
            0,
            user_id,
            int(AccountType.SPOT),
            asset,
            to_units(amount, scale),
            f"demo-funding-{user_id}-{asset}",
        )
        for event in await node.submit(command):
            if type(event) is ev.Rejected:
                raise reject_error(event.code)


async def bootstrap_demo(node: Node) -> Dict[str, Any]:
    """Make sure the demo universe and user exist; returns the demo credentials."""
    assert node.users is not None
    await _list_demo_markets(node)
    await bootstrap_products(node)  # margin pairs, lending pool, convert liquidity
    try:
        user = node.users.user_by_email(DEMO_EMAIL)
    except UserError:
        user = node.users.create_user(DEMO_EMAIL, secrets.token_urlsafe(18))
    await _fund(node, user.id)
    if getattr(node.views, "futures", None) is not None:  # demo contracts, futures wallet
        from .futures_feed import bootstrap_futures  # (issue 5)

        await bootstrap_futures(node, user.id)
    path = node.config.path(CREDENTIALS_FILE)
    saved = _load(path)
    if saved is None or node.users.lookup_key(saved.get("apiKey", "")) is None:
        saved = node.users.create_key(user.id, ("read", "trade", "transfer"), label="demo")
        saved["email"] = DEMO_EMAIL
        fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(saved, handle, indent=2)
    return saved


def _load(path: Any) -> Optional[Dict[str, Any]]:
    try:
        with open(path) as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
