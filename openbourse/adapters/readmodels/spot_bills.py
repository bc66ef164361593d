"""Spot account bills (``spot/account/bills``, ccxt ``fetch_ledger`` on spot): history kind
``spot_bill`` of the product projection.

A bill is one change of a user's spot balance in one asset, available + frozen (a hold
moves funds between the two and is no bill).  ``BalanceChanged`` carries the new amounts,
so a bill's ``size`` is the exact difference to the last amount this projection saw and
``balance`` the amount after it (``balance − size`` is the amount before, which is how
ccxt computes it).  What caused the change is read from the command's other events,
which come before the ``BalanceChanged`` events: a trade (``buy``/``sell``, with the fee
the user paid in that asset as ``fees``), a ledger transfer (deposit, withdrawal, a
transfer between the user's accounts, a conversion).  A command that moves one asset of
one user several times (an order filling against many makers) gives one bill with the
net change.

State: ``sb:<user>:<asset>`` → the last spot amount, ``sb:next`` → the next bill id,
``sbm:<symbol>`` → a market's [base, quote].  A ``products.sqlite`` from before bills
existed gets ``sb:legacy``: each balance's first change after the upgrade only sets its
baseline (``openbourse replay`` rebuilds the full history from the journal).
"""
from __future__ import annotations

from typing import Dict, Tuple

from ...core import events as ev
from ...core.convert.events import ConvertTransferCode
from ...core.enums import AccountType, Side, TransferCode
from .product_store import Handler, ProductProjection

__all__ = ["SPOT_BILL_HANDLERS", "mark_legacy", "GROUPS", "KIND"]

KIND = "spot_bill"
_SPOT = int(AccountType.SPOT)
_BUY = int(Side.BUY)

#: businessType → groupType, as Bitget groups them
GROUPS: Dict[str, str] = {
    "deposit": "deposit", "withdraw": "withdraw", "buy": "transaction",
    "sell": "transaction", "convert": "transaction", "transfer_in": "transfer",
    "transfer_out": "transfer", "other": "other",
}
_BY_CODE = {
    int(TransferCode.DEPOSIT): "deposit",
    int(TransferCode.WITHDRAW_HOLD): "withdraw",
    int(TransferCode.WITHDRAW_COMPLETE): "withdraw",
    int(TransferCode.WITHDRAW_RETURN): "withdraw",
    int(ConvertTransferCode.CONVERT_PAY): "convert",
    int(ConvertTransferCode.CONVERT_RECEIVE): "convert",
}


def _causes(p: ProductProjection) -> Dict[Tuple[int, str], str]:
    """What moved each (user, asset) in the current command (trade, transfer...)."""
    return p.per_command.setdefault("spot_bill_causes", {})  # type: ignore[no-any-return]


def _trade(p: ProductProjection, seq: int, e: ev.TradeExecuted) -> None:
    pair = p.state.get("sbm:" + e.symbol)
    if pair is None:
        return
    base, quote = pair
    buyer, seller = (e.taker_user, e.maker_user) if e.taker_side == _BUY else \
        (e.maker_user, e.taker_user)
    buyer_fee, seller_fee = (e.taker_fee, e.maker_fee) if e.taker_side == _BUY else \
        (e.maker_fee, e.taker_fee)
    causes = _causes(p)
    fees: Dict[Tuple[int, str], int] = p.per_command.setdefault("spot_bill_fees", {})
    for user, received, paid, kind, fee in ((buyer, base, quote, "buy", buyer_fee),
                                           (seller, quote, base, "sell", seller_fee)):
        causes[(user, received)] = causes[(user, paid)] = kind
        fees[(user, received)] = fees.get((user, received), 0) + fee


def _listed(p: ProductProjection, seq: int, e: ev.MarketListed) -> None:
    p.put("sbm:" + e.symbol, [e.base, e.quote])


def _transfer(p: ProductProjection, seq: int, e: ev.TransferPosted) -> None:
    causes = _causes(p)
    kind = _BY_CODE.get(e.code)
    if kind is None and e.code == TransferCode.INTERNAL:
        if e.debit_account == _SPOT:
            causes[(e.debit_owner, e.asset)] = "transfer_out"
        if e.credit_account == _SPOT:
            causes[(e.credit_owner, e.asset)] = "transfer_in"
        return
    for owner, account in ((e.debit_owner, e.debit_account), (e.credit_owner, e.credit_account)):
        if account == _SPOT and owner > 0:
            causes[(owner, e.asset)] = kind or "other"


def _balance(p: ProductProjection, seq: int, e: ev.BalanceChanged) -> None:
    if e.account != _SPOT or e.owner <= 0:
        return
    key = f"sb:{e.owner}:{e.asset}"
    total = e.available + e.frozen
    before = p.state.get(key)
    size = total - (before or 0)
    if not size:
        return  # a hold or its release: nothing came in or went out
    p.put(key, total)
    if before is None and "sb:legacy" in p.state:
        return  # first sight of a balance older than the bills: its baseline
    bill_id = p.state.get("sb:next", 1)
    p.put("sb:next", bill_id + 1)
    where = (e.owner, e.asset)
    kind = _causes(p).get(where, "other")
    fee = (p.per_command.get("spot_bill_fees") or {}).get(where, 0)
    p.add(KIND, e.owner, bill_id, e.ts_ns, e.asset, "", business=kind, size=size,
          balance=total, fee=fee)


SPOT_BILL_HANDLERS: Dict[type, Handler] = {
    ev.MarketListed: _listed,
    ev.TradeExecuted: _trade,
    ev.TransferPosted: _transfer,
    ev.BalanceChanged: _balance,
}



def mark_legacy(p: ProductProjection) -> None:
    """Called on opening: a store that projected events before bills existed (see above)."""
    if p.last_seq > 0 and "sb:next" not in p.state and "sb:legacy" not in p.state:
        p.put("sb:legacy", 1)
