"""Withdrawal ids built at the edge, and the Bitget JSON of a withdrawal record.

The engine knows a withdrawal only by its idempotency key (``RequestWithdrawal``'s
``withdrawal_id``, at most 128 characters).  The API builds it as
``api|<user>|c<clientOid>|<address>`` (or ``r<random>`` without a clientOid), so the
destination address and clientOid are journaled with the withdrawal itself and every
read model (and the operator) can recover them on replay.  Ids made elsewhere (the demo
UI's) simply carry no address.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Tuple

from ...readmodels.catalog import Catalog
from ...readmodels.records import WithdrawalRecord
from ...readmodels.withdrawals import FAIL, PENDING, SUCCESS
from .public import CHAIN

__all__ = ["withdrawal_id", "key_prefix", "parse_withdrawal_id", "withdrawal_json", "STATUS"]

MAX_ID = 128  # the engine's limit on a withdrawal id
ADDRESS = re.compile(r"[0-9A-Za-z._:\-]{1,100}")
STATUS = {PENDING: "pending", SUCCESS: "success", FAIL: "fail"}


def key_prefix(user: int, client_oid: str) -> str:
    """The start of every id a user's clientOid produces (for duplicate look-ups)."""
    return f"api|{user}|c{client_oid}|"


def withdrawal_id(user: int, client_oid: str, random_key: str, address: str) -> str:
    """The engine id; ``ValueError`` when the parts do not fit or cannot be parsed back."""
    if "|" in client_oid:
        raise ValueError("clientOid")
    if not ADDRESS.fullmatch(address):
        raise ValueError("address")
    head = key_prefix(user, client_oid) if client_oid else f"api|{user}|r{random_key}|"
    if len(head) + len(address) > MAX_ID:
        raise ValueError("address")
    return head + address


def parse_withdrawal_id(wid: str) -> Tuple[str, str]:
    """(clientOid, address) of an id made by ``withdrawal_id``; ("", "") for other ids."""
    parts = wid.split("|", 3)
    if len(parts) != 4 or parts[0] != "api":
        return "", ""
    key = parts[2]
    return (key[1:] if key.startswith("c") else ""), parts[3]


def withdrawal_json(record: WithdrawalRecord, catalog: Catalog) -> Dict[str, Any]:
    """One row of Bitget's ``withdrawal-records`` (what ccxt's ``parse_transaction`` reads)."""
    client_oid, address = parse_withdrawal_id(record.withdrawal_id)
    return {
        "orderId": str(record.order_id),
        "tradeId": None,  # no chain, no transaction hash
        "clientOid": client_oid or None,
        "coin": record.asset,
        "type": "withdraw",
        "size": catalog.amount_str(record.asset, record.amount),
        "fee": "0",
        "status": STATUS[record.status],
        "toAddress": address,
        "dest": "on_chain",
        "chain": CHAIN,
        "confirm": "0",
        "fromAddress": None,
        "cTime": str(record.c_ms),
        "uTime": str(record.u_ms),
    }
