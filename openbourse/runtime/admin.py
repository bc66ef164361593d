"""Admin operations (users, deposits, keys, withdrawals) and the Unix socket that serves them.

The CLI's ``users``/``deposit``/``keys``/``withdrawals`` commands must act on a running
node (the user directory's key cache and the single-writer sequencer live in its process)
or, when none runs, on the data dir itself through the same recovery/sequencer path. Both
cases call ``AdminOps``: the socket server runs it inside the node, the CLI runs it in a
node it opens itself. The socket lives in the data dir with mode 0600, so only the OS user
who owns the data can administer it; one JSON request line, one JSON reply line.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from pathlib import Path
from typing import Any, Dict, List, Optional

import orjson

from ..adapters.api.errors import ApiError, reject_error
from ..adapters.api.rest.admin import pending_withdrawals, settle_withdrawal
from ..adapters.api.rest.context import created_id
from ..adapters.deposits import deposit_target, split_ref
from ..adapters.users import UserError, parse_permissions
from ..core import commands as c
from ..core import events as ev
from ..core.enums import AccountType
from ..core.futures.risk import risk_report
from ..core.units import FEE_RATE_DENOMINATOR, UnitsError, from_units, to_units
from .node import Node

__all__ = ["AdminOps", "AdminServer", "AdminError", "SOCKET_NAME", "call_socket"]

SOCKET_NAME = "admin.sock"


class AdminError(Exception):
    """Bad admin input: printed to the operator, exit status 1."""


def _fee_ppm(name: str, rate: Optional[str]) -> int:
    """A decimal fee rate ("0.0008") in ppm; -1 (the market's rate) when not given."""
    if rate is None:
        return -1
    digits = len(str(FEE_RATE_DENOMINATOR)) - 1  # rates are kept in ppm
    try:
        ppm = to_units(rate, digits)
    except UnitsError as exc:
        raise AdminError(f"bad {name} rate {rate!r}: {exc} (at most {digits} decimals)") from None
    if not 0 <= ppm < FEE_RATE_DENOMINATOR:
        raise AdminError(f"bad {name} rate {rate!r}: must be at least 0 and below 1")
    return ppm


class AdminOps:
    def __init__(self, node: Node) -> None:
        self.node = node

    async def run(self, op: str, args: Dict[str, Any]) -> Any:
        handler = getattr(self, "op_" + op.replace("-", "_"), None)
        if handler is None:
            raise AdminError(f"unknown admin operation {op!r}")
        try:
            return await handler(**args)
        except (UserError, ApiError) as exc:
            raise AdminError(exc.msg if isinstance(exc, ApiError) else str(exc)) from None
        except TypeError as exc:
            raise AdminError(f"bad arguments for {op}: {exc}") from None

    async def op_user_create(
        self, email: str, password: Optional[str] = None, admin: bool = False
    ) -> Dict[str, Any]:
        assert self.node.users is not None
        generated = password is None
        password = password or secrets.token_urlsafe(12)
        user = self.node.users.create_user(email, password, admin=admin)
        out: Dict[str, Any] = {"userId": user.id, "email": user.email, "admin": user.is_admin}
        if generated:
            out["password"] = password
        return out

    async def op_user_list(self) -> Any:
        assert self.node.users is not None
        return [
            {"userId": u.id, "email": u.email, "admin": u.is_admin} for u in self.node.users.users()
        ]

    async def op_deposit(self, email: str, asset: str, amount: str,
                         ref: Optional[str] = None) -> Dict[str, Any]:
        """Credit ``amount`` of ``asset`` to a user's spot account (journaled Deposit).

        ``email`` may also be one of the user's deposit addresses (adapters/deposits.py);
        ``ref`` (a transaction id) makes a retry idempotent."""
        assert self.node.users is not None
        asset = asset.upper()
        scale = self.node.catalog.assets.get(asset)
        if scale is None:
            raise AdminError(
                f"unknown asset {asset!r}; listed: {', '.join(self.node.catalog.assets)}"
            )
        user_id, journal_ref = deposit_target(self.node.users, email, asset, ref)
        try:
            units = to_units(amount, scale)
        except UnitsError as exc:
            raise AdminError(f"bad amount {amount!r}: {exc} (at most {scale} decimals)") from None
        if units <= 0:
            raise AdminError(f"bad amount {amount!r}: must be positive")
        events = await self._execute(
            c.Deposit(0, user_id, int(AccountType.SPOT), asset, units, journal_ref))
        address, txid = split_ref(journal_ref)
        _, duplicate = created_id(events, ev.TransferPosted, "transfer_id")
        out = {"userId": user_id, "asset": asset, "amount": amount, "ref": txid,
               "duplicate": duplicate}
        if address:
            out["address"] = address
        return out

    async def _execute(self, command: c.Command) -> List[Any]:
        """Submit ``command``, await its durable ack; a rejection becomes its API error."""
        events = await self.node.submit(command)
        for event in events:
            if type(event) is ev.Rejected:
                raise reject_error(event.code)
        return events

    async def op_fee_tier(self, email: str, maker: Optional[str] = None,
                          taker: Optional[str] = None) -> Dict[str, Any]:
        """Set the user's spot/margin fee rates (a VIP tier, journaled ``SetUserFees``);
        a rate left out is the market's own, and leaving both out resets the user."""
        assert self.node.users is not None
        user = self.node.users.user_by_email(email)
        ppm = [_fee_ppm(name, rate) for name, rate in (("maker", maker), ("taker", taker))]
        await self._execute(c.SetUserFees(0, user.id, ppm[0], ppm[1]))
        return {"userId": user.id,
                "makerFeeRate": maker if maker is not None else "market",
                "takerFeeRate": taker if taker is not None else "market"}

    async def op_clock_tick(self) -> Dict[str, Any]:
        """Submit one ``ClockTick`` now (interest, margin calls, liquidations, expiries):
        for operators and tests until the sequencer ticks periodically."""
        events = await self.node.submit(c.ClockTick(0))
        names: Dict[str, int] = {}
        for event in events:
            names[type(event).__name__] = names.get(type(event).__name__, 0) + 1
        return {"events": names}

    async def op_futures_risk(self) -> Any:
        """Per contract: open interest, the house position and its PnL, and the clearing,
        insurance-fund and bad-debt balances of its margin asset (docs/futures.md)."""
        assert self.node.sequencer is not None
        rows = await self.node.sequencer.query_async(risk_report)
        return [_risk_row(row) for row in rows]

    async def op_withdrawal_list(self) -> Any:
        """Pending withdrawals of every user, oldest first."""
        node = self.node
        assert node.views is not None and node.users is not None
        return pending_withdrawals(node.views, node.users, node.catalog)

    async def op_withdrawal_complete(self, order_id: str) -> Dict[str, Any]:
        assert self.node.views is not None
        return await settle_withdrawal(
            self.node.views, self.node.submit, self.node.catalog, str(order_id), True
        )

    async def op_withdrawal_fail(self, order_id: str) -> Dict[str, Any]:
        assert self.node.views is not None
        return await settle_withdrawal(
            self.node.views, self.node.submit, self.node.catalog, str(order_id), False
        )

    async def op_key_create(
        self, email: str, perm: str = "read", ips: str = "", label: str = ""
    ) -> Dict[str, str]:
        assert self.node.users is not None
        user = self.node.users.user_by_email(email)
        ip_list = tuple(ip.strip() for ip in ips.split(",") if ip.strip())
        return self.node.users.create_key(
            user.id, parse_permissions(perm), ips=ip_list, label=label
        )

    async def op_key_revoke(self, api_key: str) -> Dict[str, str]:
        assert self.node.users is not None
        self.node.users.revoke_key(api_key)
        return {"apiKey": api_key, "revoked": "true"}

    async def op_key_list(self, email: str) -> Any:
        assert self.node.users is not None
        return self.node.users.keys_of(self.node.users.user_by_email(email).id)


def _risk_row(row: Dict[str, Any]) -> Dict[str, Any]:
    scale, qp, pp = row["scale"], row["quantity_precision"], row["price_precision"]
    face = qp + pp if row["inverse"] else qp  # value units: USD face (inverse) or base

    def amount(units: int) -> str:
        return from_units(units, scale)

    return {
        "symbol": row["symbol"], "marginCoin": row["margin_asset"],
        "markPrice": from_units(row["mark"], pp), "positions": row["positions"],
        "longSize": from_units(row["long_qty"], qp), "shortSize": from_units(row["short_qty"], qp),
        "longValueUnits": from_units(row["long_size"], face),
        "shortValueUnits": from_units(row["short_size"], face),
        "houseSize": from_units(row["house_size"], face),
        "housePnl": amount(row["house_pnl"]), "clearing": amount(row["clearing"]),
        "insuranceFund": amount(row["insurance_fund"]), "badDebt": amount(row["bad_debt"]),
    }


class AdminServer:
    """``admin.sock`` in the data dir, served on the node's event loop."""

    def __init__(self, node: Node) -> None:
        self.ops = AdminOps(node)
        self.path = node.config.path(SOCKET_NAME)
        self._server: Optional[asyncio.AbstractServer] = None

    async def start(self) -> None:
        if self.path.exists():
            self.path.unlink()  # stale: we hold the data-dir lock, so nobody else serves it
        old_umask = os.umask(0o177)
        try:
            self._server = await asyncio.start_unix_server(self._client, path=str(self.path))
        finally:
            os.umask(old_umask)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        if self.path.exists():
            self.path.unlink()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await reader.readline()
            try:
                request = orjson.loads(line)
                result = await self.ops.run(str(request["op"]), dict(request.get("args") or {}))
                reply = {"ok": True, "result": result}
            except AdminError as exc:
                reply = {"ok": False, "error": str(exc)}
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                reply = {"ok": False, "error": f"malformed admin request: {exc}"}
            writer.write(orjson.dumps(reply) + b"\n")
            await writer.drain()
        finally:
            writer.close()


def call_socket(
    data_dir: Path, op: str, args: Dict[str, Any], timeout: float = 30.0
) -> Optional[Any]:
    """Run ``op`` on the node serving ``data_dir``; None when no node is listening."""
    import socket

    path = data_dir / SOCKET_NAME
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(str(path))
    except (FileNotFoundError, ConnectionRefusedError):
        sock.close()
        return None
    with sock:
        sock.sendall(orjson.dumps({"op": op, "args": args}) + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    reply = orjson.loads(data)
    if not reply.get("ok"):
        raise AdminError(reply.get("error", "admin request failed"))
    return {"result": reply["result"]}
