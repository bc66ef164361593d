"""Margin read model: configuration, debts, margin orders and history, from margin events.

State keys (``ProductProjection.state``, persisted):

* ``masset:<asset>`` → [borrowable, daily_rate, cross_max_borrow, min_borrow]
* ``mpair:<symbol>`` → [account, max_leverage, mmr_ppm, base_max_borrow, quote_max_borrow]
* ``mcross`` → [max_leverage, mmr_ppm]
* ``debt:<user>:<account>:<asset>`` → [principal, interest]   (absolute, from the events)
* ``mo:<order_id>`` → [user, account_type, account, loan_type]  (orders of margin accounts)
* ``liq:<id>`` → the running liquidation record until its closing event

History kinds (``ProductProjection.records``): ``borrow`` (rid = loanId), ``repay`` (rid =
repayId), ``interest`` (rid = event seq), ``liquidation`` (rid = liquidation id), each with
``account_type`` and ``account`` so cross and isolated histories are told apart.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from ....core import events as ev
from ....core.enums import AccountType
from ....core.margin import commands as mc
from ....core.margin import events as me
from ..product_store import Handler, ProductProjection

__all__ = [
    "MARGIN_HANDLERS",
    "on_command",
    "debt_key",
    "pair_of_account",
    "pair_config",
    "asset_config",
    "margin_order",
]


CROSS = int(AccountType.CROSS_MARGIN)
ISOLATED = int(AccountType.ISOLATED_MARGIN)


def debt_key(user: int, account: int, asset: str) -> str:
    return f"debt:{user}:{account}:{asset}"


def _asset_set(p: ProductProjection, seq: int, e: me.MarginAssetSet) -> None:
    p.put(f"masset:{e.asset}", [e.borrowable, e.daily_rate, e.cross_max_borrow, e.min_borrow])


def _pair_set(p: ProductProjection, seq: int, e: me.MarginPairSet) -> None:
    p.put(
        f"mpair:{e.symbol}",
        [e.account, e.max_leverage, e.mmr_ppm, e.base_max_borrow, e.quote_max_borrow],
    )
    p.put(f"macct:{e.account}", e.symbol)


def _cross_set(p: ProductProjection, seq: int, e: me.CrossMarginSet) -> None:
    p.put("mcross", [e.max_leverage, e.mmr_ppm])


def _debt(p: ProductProjection, user: int, account: int, asset: str, principal: int,
          interest: int) -> None:
    p.put(debt_key(user, account, asset), [principal, interest] if principal or interest else None)


def _borrowed(p: ProductProjection, seq: int, e: me.Borrowed) -> None:
    _debt(p, e.user, e.account, e.asset, e.principal, e.interest)
    p.add(
        "borrow",
        e.user,
        e.loan_id,
        e.ts_ns,
        e.asset,
        e.symbol,
        amount=e.amount,
        auto=e.auto,
        account_type=e.account_type,
        account=e.account,
        ref=e.ref,
    )


def _repaid(p: ProductProjection, seq: int, e: me.Repaid) -> None:
    _debt(p, e.user, e.account, e.asset, e.principal, e.interest)
    p.add(
        "repay",
        e.user,
        e.repay_id,
        e.ts_ns,
        e.asset,
        e.symbol,
        amount=e.amount,
        interest_part=e.interest_part,
        principal_part=e.principal_part,
        reason=e.reason,
        account_type=e.account_type,
        account=e.account,
        ref=e.ref,
    )


def _interest(p: ProductProjection, seq: int, e: me.InterestCharged) -> None:
    key = debt_key(e.user, e.account, e.asset)
    old = p.state.get(key) or [e.principal, 0]
    _debt(p, e.user, e.account, e.asset, old[0], e.interest)
    p.add(
        "interest",
        e.user,
        seq,
        e.ts_ns,
        e.asset,
        e.symbol,
        principal=e.principal,
        daily_rate=e.daily_rate,
        hours=e.hours,
        amount=e.amount,
        account_type=e.account_type,
        account=e.account,
    )


def _margin_call(p: ProductProjection, seq: int, e: me.MarginCall) -> None:
    p.put(
        f"mcall:{e.user}:{e.account}",
        [e.ts_ns // 1_000_000, e.assets_value, e.liabilities_value, e.risk_ratio_ppm],
    )


def _liq_started(p: ProductProjection, seq: int, e: me.LiquidationStarted) -> None:
    record = {
        "user": e.user,
        "symbol": e.symbol,
        "start_ms": e.ts_ns // 1_000_000,
        "end_ms": 0,
        "account_type": e.account_type,
        "account": e.account,
        "assets_value": e.assets_value,
        "liabilities_value": e.liabilities_value,
        "risk_ratio_ppm": e.risk_ratio_ppm,
        "deficits": {},
    }
    p.put(f"liq:{e.liquidation_id}", record)
    _liq_row(p, e.liquidation_id, record, e.ts_ns)


def _liq_finished(p: ProductProjection, seq: int, e: me.LiquidationFinished) -> None:
    key = f"liq:{e.liquidation_id}"
    record = p.state.get(key)
    if record is None:
        return
    if e.asset:
        record["deficits"][e.asset] = [e.deficit, e.covered, e.written_off]
        _debt(p, e.user, e.account, e.asset, 0, 0)
        p.put(key, record)
        return
    record["end_ms"] = e.ts_ns // 1_000_000
    _liq_row(p, e.liquidation_id, record, e.ts_ns)
    p.put(key, None)


def _liq_row(p: ProductProjection, liq_id: int, record: Dict[str, Any], ts_ns: int) -> None:
    p.add(
        "liquidation",
        record["user"],
        liq_id,
        record["start_ms"] * 1_000_000,
        "",
        record["symbol"],
        **{k: v for k, v in record.items() if k not in ("user", "symbol")},
        u_ms=ts_ns // 1_000_000,
    )


def _order_accepted(p: ProductProjection, seq: int, e: ev.OrderAccepted) -> None:
    pending = p.scratch.get("margin_order")
    if pending is not None and pending[0] == e.user and e.plan_id == 0:
        p.put(f"mo:{e.order_id}", list(pending))
        p.scratch.pop("margin_order", None)


MARGIN_HANDLERS: Dict[type, Handler] = {
    me.MarginAssetSet: _asset_set,
    me.MarginPairSet: _pair_set,
    me.CrossMarginSet: _cross_set,
    me.Borrowed: _borrowed,
    me.Repaid: _repaid,
    me.InterestCharged: _interest,
    me.MarginCall: _margin_call,
    me.LiquidationStarted: _liq_started,
    me.LiquidationFinished: _liq_finished,
    ev.OrderAccepted: _order_accepted,
}


def on_command(p: ProductProjection, command: Any) -> None:
    """Before a command's events: remember a margin order so its OrderAccepted is tagged."""
    if type(command) is mc.PlaceMarginOrder:
        account = command.account_type
        if account != CROSS:
            pair = p.state.get(f"mpair:{command.symbol}")
            account = pair[0] if pair else account
        p.scratch["margin_order"] = (command.user, command.account_type, account,
                                     command.loan_type)
    else:
        p.scratch.pop("margin_order", None)


def pair_of_account(p: ProductProjection, account: int) -> Optional[str]:
    return p.get(f"macct:{account}")


def pair_config(p: ProductProjection, symbol: str) -> Optional[list]:
    return p.get(f"mpair:{symbol}")


def asset_config(p: ProductProjection, asset: str) -> Optional[list]:
    return p.get(f"masset:{asset}")


def margin_order(p: ProductProjection, order_id: int) -> Optional[list]:
    return p.get(f"mo:{order_id}")
