"""Valuation and risk of a margin account (products.md §2.2-§2.5, §2.7; docs/margin.md).

Everything is integer arithmetic in the valuation asset's minor units:

* isolated: the pair's quote asset; the base asset is valued at the pair's last price;
* cross: ``VALUATION_ASSET`` (USDT); an asset X at the last price of the market X/USDT.

``assets`` = value of available + frozen of every asset (rounded down), ``liabilities`` =
value of principal + interest owed (rounded up), ``net = assets - liabilities``.  With the
account's tier (max leverage L, maintenance rate mmr):

* init line ``init = 1 / (L - 1)``; borrowing needs ``liabilities <= net * (L - 1)``;
* margin-call line ``call = mmr + (init - mmr) / 2``: call when ``net <= call * liabilities``;
* liquidation line: liquidate when ``net <= mmr * liabilities`` (margin level <= 1 + mmr);
* transfer out: only while the account stays strictly above the margin-call line.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..enums import AccountType, SystemOwner
from ..markets import Market
from ..units import div_ceil
from .state import CROSS, PPM, MarginState

if TYPE_CHECKING:
    from ..engine.state import EngineState

__all__ = [
    "VALUATION_ASSET",
    "AccountView",
    "Lines",
    "Price",
    "account_assets",
    "hub_market",
    "lines",
    "max_borrowable",
    "price_of",
    "risk_ratio_ppm",
    "transferable_amount",
    "view",
]

VALUATION_ASSET = "USDT"
RISK_RATIO_CAP = 10**12
_POOL = int(SystemOwner.LENDING_POOL)
_SYSTEM = int(AccountType.SYSTEM)
Price = tuple[int, int]  # value of one minor unit = num / den valuation minor units


class Lines:
    __slots__ = ("call", "init", "leverage", "mmr")

    def __init__(self, leverage: int, mmr: int) -> None:
        self.leverage = leverage
        self.mmr = mmr
        self.init = PPM // (leverage - 1)
        self.call = mmr + max(self.init - mmr, 0) // 2


def lines(ms: MarginState, account: int) -> Lines:
    if account == CROSS:
        return Lines(*ms.cross)
    cfg = ms.pairs[ms.account_pair[account]]
    return Lines(cfg.max_leverage, cfg.mmr_ppm)


def hub_market(state: EngineState, ms: MarginState, account: int, asset: str) -> Market | None:
    """The market that values (and liquidates) ``asset`` in ``account``: asset/hub."""
    if account == CROSS:
        for market in state.markets.values():
            if market.base == asset and market.quote == VALUATION_ASSET:
                return market
        return None
    market = state.markets[ms.account_pair[account]]
    return market if market.base == asset else None


def hub_asset(state: EngineState, ms: MarginState, account: int) -> str:
    if account == CROSS:
        return VALUATION_ASSET
    return state.markets[ms.account_pair[account]].quote


def price_of(state: EngineState, ms: MarginState, account: int, asset: str) -> Price | None:
    if asset == hub_asset(state, ms, account):
        return (1, 1)
    market = hub_market(state, ms, account, asset)
    if market is None or not market.last_price:
        return None
    return (market.last_price * market.quote_per_price_size, market.base_per_size)


def account_assets(state: EngineState, ms: MarginState, account: int) -> list[str]:
    """The assets an account may hold (sorted)."""
    if account == CROSS:
        return sorted(ms.assets)
    market = state.markets[ms.account_pair[account]]
    return [market.base, market.quote]


class AccountView:
    """A margin account's balances, debts and value at the current last prices."""

    __slots__ = (
        "account",
        "assets",
        "held",
        "liabilities",
        "owed",
        "prices",
        "unpriced_debt",
        "user",
    )

    def __init__(self) -> None:
        self.assets = 0
        self.liabilities = 0
        self.prices: dict[str, Price | None] = {}
        self.held: dict[str, int] = {}  # available + frozen
        self.owed: dict[str, int] = {}  # principal + interest
        self.unpriced_debt = False

    @property
    def net(self) -> int:
        return self.assets - self.liabilities


def view(state: EngineState, ms: MarginState, user: int, account: int) -> AccountView:
    out = AccountView()
    out.user, out.account = user, account
    balances, loans = state.ledger.balances, ms.loans
    for asset in account_assets(state, ms, account):
        balance = balances.get((user, account, asset))
        held = balance.available + balance.frozen if balance is not None else 0
        loan = loans.get((user, account, asset))
        owed = loan.principal + loan.interest if loan is not None else 0
        if not held and not owed:
            continue
        price = price_of(state, ms, account, asset)
        out.prices[asset] = price
        out.held[asset], out.owed[asset] = held, owed
        if price is None:
            if owed:
                out.unpriced_debt = True
            continue
        num, den = price
        out.assets += held * num // den
        out.liabilities += div_ceil(owed * num, den)
    return out


def risk_ratio_ppm(v: AccountView) -> int:
    if not v.liabilities:
        return 0
    if v.assets <= 0:
        return RISK_RATIO_CAP
    return min(div_ceil(v.liabilities * PPM, v.assets), RISK_RATIO_CAP)


def below(v: AccountView, rate_ppm: int) -> bool:
    """net <= rate * liabilities (with debt): at or below the line of ``rate_ppm``."""
    return v.liabilities > 0 and v.net * PPM <= rate_ppm * v.liabilities


def max_borrowable(state: EngineState, ms: MarginState, user: int, account: int,
                   asset: str) -> int:
    """products.md §2.3: min(room from the risk metric, tier limit left, pool), in minor units.

    The room also pays the started hour's interest of the new loan.
    """
    cfg = ms.assets.get(asset)
    if cfg is None or not cfg.borrowable or asset not in account_assets(state, ms, account):
        return 0
    price = price_of(state, ms, account, asset)
    if price is None:
        return 0
    v = view(state, ms, user, account)
    if v.unpriced_debt:
        return 0
    line = lines(ms, account)
    room = v.net * (line.leverage - 1) - v.liabilities
    if room <= 0:
        return 0
    num, den = price
    # amount * (1 + hourly rate) valued (rounded up) must fit the room
    hourly = 24 * 1_000_000_000
    by_risk = room * den * hourly // (num * (hourly + cfg.daily_rate))
    loan = ms.loans.get((user, account, asset))
    principal = loan.principal if loan is not None else 0
    if account == CROSS:
        tier = cfg.cross_max_borrow
    else:
        pair = ms.pairs[ms.account_pair[account]]
        market = state.markets[ms.account_pair[account]]
        tier = pair.base_max_borrow if asset == market.base else pair.quote_max_borrow
    pool = state.ledger.balances.get((_POOL, _SYSTEM, asset))
    pool_free = pool.available if pool is not None else 0
    return max(0, min(by_risk, tier - principal, pool_free))


def transferable_amount(state: EngineState, ms: MarginState, user: int, account: int,
                        asset: str) -> int:
    """How much of ``asset`` may leave the account: all of it without debt; with debt, what
    keeps the account strictly above its margin-call line (products.md §2.7, §10.1)."""
    balance = state.ledger.balances.get((user, account, asset))
    available = balance.available if balance is not None else 0
    if available <= 0:
        return 0
    v = view(state, ms, user, account)
    if not v.liabilities and not v.unpriced_debt:
        return available
    if v.unpriced_debt:
        return 0
    price = v.prices.get(asset) or price_of(state, ms, account, asset)
    if price is None:
        return 0  # cannot value it: keep it as (unvalued) collateral while in debt
    line = lines(ms, account)
    # need (assets - removed_value - liabilities) * PPM > call * liabilities
    slack = v.assets - v.liabilities - div_ceil(line.call * v.liabilities, PPM)
    if slack <= 0:
        return 0
    num, den = price
    amount = min(available, (slack * den) // num)
    held = v.held.get(asset, 0)
    while amount > 0:  # exact check with the rounding of the account valuation
        old = held * num // den
        new = (held - amount) * num // den
        if (v.assets - (old - new) - v.liabilities) * PPM > line.call * v.liabilities:
            break
        amount -= max(1, den // num)
    return max(amount, 0)
