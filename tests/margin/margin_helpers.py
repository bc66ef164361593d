"""Shared set-up for margin tests: BTC/ETH/USDT, BTCUSDT and ETHUSDT margin-enabled."""
from __future__ import annotations

from typing import Any

from openbourse.core.enums import AccountType, SystemOwner
from openbourse.core.margin import isolated_account
from openbourse.core.margin.commands import (
    Borrow,
    FundLendingPool,
    FundMarginInsurance,
    PlaceMarginOrder,
    Repay,
    SetCrossMargin,
    SetMarginAsset,
    SetMarginPair,
)
from openbourse.testing.builders import (
    BTC,
    BTCUSDT,
    ETH,
    ETHUSDT,
    LIMIT,
    USDT,
    Exchange,
    reject_code,
)

CROSS = int(AccountType.CROSS_MARGIN)
ISOLATED = int(AccountType.ISOLATED_MARGIN)
SPOT = int(AccountType.SPOT)
HOUR = 3600 * 10**9
U = 10**8  # one whole unit of an 8-decimal asset
POOL = int(SystemOwner.LENDING_POOL)
INSURANCE = int(SystemOwner.MARGIN_INSURANCE)


def setup(*, rate: int = 0, fee_ppm: int = 0, pool_usdt: int = 10**6 * U, pool_btc: int = 100 * U,
          insurance_usdt: int = 0, eth: bool = False, **kw: Any) -> Exchange:
    ex = Exchange(audit=False, **kw)
    for asset in (BTC, USDT, ETH):
        ex.list_asset(asset, 8)
    ex.list_market(maker_fee_ppm=fee_ppm, taker_fee_ppm=fee_ppm)
    ex.list_market(symbol=ETHUSDT, base=ETH, quote=USDT, maker_fee_ppm=fee_ppm,
                   taker_fee_ppm=fee_ppm)
    for asset in (BTC, USDT) + ((ETH,) if eth else ()):
        ok(ex.apply(SetMarginAsset(0, asset, 1, rate, 10**7 * U, 0)))
    ok(ex.apply(SetMarginPair(0, BTCUSDT, 5, 100_000, 100 * U, 10**6 * U)))
    if eth:
        ok(ex.apply(SetMarginPair(0, ETHUSDT, 5, 100_000, 1000 * U, 10**6 * U)))
    ok(ex.apply(SetCrossMargin(0, 3, 50_000)))
    ok(ex.apply(FundLendingPool(0, USDT, pool_usdt, "pool-usdt")))
    ok(ex.apply(FundLendingPool(0, BTC, pool_btc, "pool-btc")))
    if insurance_usdt:
        ok(ex.apply(FundMarginInsurance(0, USDT, insurance_usdt, "ins-usdt")))
    return ex


def ok(events: list[Any]) -> list[Any]:
    assert reject_code(events) is None, events
    return events


def iso(ex: Exchange, symbol: str = BTCUSDT) -> int:
    account = isolated_account(ex.state, symbol)
    assert account is not None
    return account


def borrow(ex: Exchange, user: int, asset: str, amount: int, *, symbol: str = "",
           ts: int = 0, ref: str = "") -> list[Any]:
    kind = ISOLATED if symbol else CROSS
    return ex.apply(Borrow(ts, user, kind, symbol, asset, amount, ref))


def repay(ex: Exchange, user: int, asset: str, amount: int, *, symbol: str = "",
          ts: int = 0, ref: str = "") -> list[Any]:
    kind = ISOLATED if symbol else CROSS
    return ex.apply(Repay(ts, user, kind, symbol, asset, amount, ref))


def margin_order(ex: Exchange, user: int, side: int, price: int, size: int, *,
                 symbol: str = BTCUSDT, isolated: bool = True, loan_type: int = 0,
                 order_type: int = LIMIT, force: int = 0, quote_size: int = 0,
                 client_oid: str = "") -> list[Any]:
    return ex.apply(PlaceMarginOrder(0, user, ISOLATED if isolated else CROSS, symbol, loan_type,
                                     side, order_type, force, price, size, quote_size,
                                     client_oid))


def owed(ex: Exchange, user: int, account: int, asset: str) -> tuple:
    loan = ex.state.products["margin"].loans.get((user, account, asset))
    return (loan.principal, loan.interest) if loan is not None else (0, 0)
