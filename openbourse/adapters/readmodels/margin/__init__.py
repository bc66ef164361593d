"""Margin read model: configuration, debts, margin orders and history, from margin events.

State keys (``ProductProjection.state``, persisted):

* ``masset:<asset>`` → [borrowable, daily_rate, cross_max_borrow, min_borrow]
* ``mpair:<symbol>`` → [account, max_leverage, mmr_ppm, base_max_borrow, quote_max_borrow]
* ``mcross`` → [max_leverage, mmr_ppm]
* ``debt:<user>:<account>:<asset>`` → [principal, interest]   (absolute, from the events)
* ``liq:<id>`` → the running liquidation record until its closing event

History kinds (``ProductProjection.records``): ``borrow`` (rid = loanId), ``repay`` (rid =
repayId), ``interest`` (rid = event seq), ``liquidation`` (rid = liquidation id), each with
``account_type`` and ``account`` so cross and isolated histories are told apart, and
``morder`` (rid = order id): the loan type and account of every ``PlaceMarginOrder``
order.  ``morder`` rows are records, not state: they are written to ``products.sqlite``
and leave memory at the next flush, so the set of margin orders does not grow in memory
and survives restarts (a replay rebuilds it from the commands).  Which orders are margin
orders at all (spot endpoints hide them, liquidation orders included) is the private
views' ``order_accounts``; this row only adds Bitget's ``loanType``.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from ....core import events as ev
from ....core.enums import AccountType
from ....core.margin import commands as mc
from ....core.margin import events as me
from ..product_store import CommandHook, Handler, ProductProjection

__all__ = [
    "MARGIN_HANDLERS",
    "MARGIN_COMMAND_HOOKS",
    "on_command",
    "debt_key",
    "pair_of_account",
    "pair_config",
    "asset_config",
    "margin_order",
    "migrate_legacy",
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
    p.scratch["liquidating"] = (e.liquidation_id, e.user)
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
    p.scratch.pop("liquidating", None)


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
    pending = p.per_command.get("margin_order")
    if pending is not None and pending[0] == e.user and e.plan_id == 0:
        user, account_type, account, loan_type = pending
        p.add("morder", user, e.order_id, e.ts_ns, "", e.symbol, account_type=account_type,
              account=account, loan_type=loan_type)
        del p.per_command["margin_order"]


def _trade(p: ProductProjection, seq: int, e: ev.TradeExecuted) -> None:
    """During a liquidation: the taker fees of its orders, valued in the quote (liqFee)."""
    running = p.scratch.get("liquidating")
    if running is None or e.taker_user != running[1]:
        return
    fee = e.taker_fee
    if e.taker_side == 0 and e.base_amount:  # a buy pays its fee in base: value it at the price
        fee = fee * e.quote_amount // e.base_amount
    record = p.state.get(f"liq:{running[0]}")
    if record is not None and fee:
        record["fee"] = record.get("fee", 0) + fee
        p.put(f"liq:{running[0]}", record)


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
    ev.TradeExecuted: _trade,
}


def on_command(p: ProductProjection, command: mc.PlaceMarginOrder) -> None:
    """Before a margin order's events: remember it so its OrderAccepted is tagged."""
    account = command.account_type
    if account != CROSS:
        pair = p.state.get(f"mpair:{command.symbol}")
        account = pair[0] if pair else account
    p.per_command["margin_order"] = (command.user, command.account_type, account,
                                     command.loan_type)


MARGIN_COMMAND_HOOKS: Dict[type, CommandHook] = {mc.PlaceMarginOrder: on_command}


def pair_of_account(p: ProductProjection, account: int) -> Optional[str]:
    return p.get(f"macct:{account}")


def pair_config(p: ProductProjection, symbol: str) -> Optional[list]:
    return p.get(f"mpair:{symbol}")


def asset_config(p: ProductProjection, asset: str) -> Optional[list]:
    return p.get(f"masset:{asset}")


def margin_order(p: ProductProjection, user: int, order_id: int) -> Optional[list]:
    """[user, account_type, account, loan_type] of a ``PlaceMarginOrder`` order, else None."""
    rows = p.records("morder", user, id_less_than=order_id + 1, limit=1)
    if rows and rows[0].rid == order_id:
        r = rows[0]
        return [user, r["account_type"], r["account"], r["loan_type"]]
    legacy = p.get(f"mo:{order_id}")  # kept in state by earlier versions
    return legacy if legacy is not None and legacy[0] == user else None


def migrate_legacy(p: ProductProjection) -> None:
    """Move ``mo:<order_id>`` state entries (earlier versions) into ``morder`` records."""
    with p.lock:
        old = [(k, v) for k, v in p.state.items() if k.startswith("mo:")]
        for key, (user, account_type, account, loan_type) in old:
            p.add("morder", int(user), int(key[3:]), 0, "", "", account_type=account_type,
                  account=account, loan_type=loan_type)
            p.put(key, None)
