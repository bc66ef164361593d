"""Operator deposits: whose account a credit goes to, and the ref it is journaled under.

An operator names the user of a deposit by email, or by one of the user's deposit
addresses (``users.DEPOSIT_ADDRESS``), which is what a payment that arrived from outside
carries.  A deposit to an address is journaled with the ref ``<address>:<txid>``, so
after any replay the deposit records still show where it went (``toAddress``) and which
transaction it was (``tradeId``).  The txid is the operator's ref (a chain transaction
id, a bank reference) and makes a retry idempotent; without one it is a random token.
"""
from __future__ import annotations

import re
import secrets
from typing import Optional, Tuple

from .users import DEPOSIT_ADDRESS, UserError, UserStore

__all__ = ["deposit_target", "split_ref", "REF", "WrongCoin"]

#: an operator's ref: a chain transaction id (64 hex digits), a bank reference...
REF = re.compile(r"[0-9A-Za-z._@/+=-]{1,90}")


class WrongCoin(UserError):
    """A deposit to an address of another coin."""


def deposit_target(users: UserStore, who: str, coin: str,
                   ref: Optional[str] = None) -> Tuple[int, str]:
    """(user id, journal ref) of a deposit of ``coin`` to ``who`` (an email or an address).

    UserError for an unknown user or address, an address that belongs to another coin, or
    a malformed ``ref``.
    """
    if ref is not None and not REF.fullmatch(ref):
        raise UserError(f"bad ref {ref!r}: 1-90 characters of 0-9 A-Z a-z . _ @ / + = -")
    if not DEPOSIT_ADDRESS.fullmatch(who):
        return users.user_by_email(who).id, ref or "admin-" + secrets.token_hex(12)
    user, address_coin = users.address_owner(who)
    if address_coin != coin:
        raise WrongCoin(f"deposit address {who} receives {address_coin}, not {coin}")
    return user.id, f"{who}:{ref or secrets.token_hex(12)}"


def split_ref(ref: str) -> Tuple[str, str]:
    """(address, txid) of a deposit ref; the address is "" for deposits made by email."""
    address, colon, txid = ref.partition(":")
    if colon and DEPOSIT_ADDRESS.fullmatch(address):
        return address, txid
    return "", ref
