"""Simulator actions and auditor extensions for margin, convert and futures.

Imported by ``actions.py``; each product registers a setup (operator commands: margin
assets and pairs, lending pool, insurance; convert config and liquidity; a perpetual
contract, its insurance fund and first prices), weighted actions and an auditor lesson.

The auditor stays independent of the engine's internals:

* margin: every posting is a ``TransferPosted`` (codes 101..107) and margin orders are spot
  orders on the margin account, so balances are predicted exactly like spot's; the lesson
  only tells the auditor which account a margin order trades from (the command, or the
  ``LiquidationStarted`` that precedes a liquidation's orders) and checks loans: a borrow
  or repay moves exactly the commanded amount, interest is ``ceil(principal × rate × hours
  / (24 × 10⁹))``, principal owed follows borrows, repayments and write-offs.
* convert: postings are ``TransferPosted`` (201/202); the lesson checks that an accepted
  quote settles exactly at its quoted amounts, once, before expiry.
* futures: postings have no events of their own, so the user futures accounts, clearing and
  insurance balances are adopted from ``BalanceChanged`` and per-asset conservation over all
  balances (incl. system owners) is checked instead; trading fees are predicted into FEES.

Price moves: margin moves the spot workload's mid (crashes of 5-9 % per shock, then
recoveries) so that the spot orders trade the last price there and ``ClockTick`` (hours
pass) charges interest, margin-calls and liquidates; futures moves its index with
``UpdatePrices`` (crashes up to 40 %, recoveries): liquidations, insurance, ADL, funding.
"""
from __future__ import annotations

from typing import Any, Dict, List, Tuple

from ...core.commands import CancelOrder, ClockTick, PlaceOrder, Transfer
from ...core.convert.commands import (
    AcceptQuote,
    ConvertDust,
    FundConvertLiquidity,
    RequestQuote,
    SetConvertAsset,
    SetConvertConfig,
)
from ...core.convert.events import ConvertFilled, QuoteIssued
from ...core.enums import AccountType, SystemOwner
from ...core.futures.commands import (
    AdjustMargin,
    CancelAllFutures,
    ClosePositions,
    FundInsurance,
    ListContract,
    PlaceFuturesOrder,
    SetLeverage,
    SetMarginMode,
    SetPositionMode,
    UpdatePrices,
)
from ...core.futures.demo import _BTC_TIERS
from ...core.futures.events import ContractListed, FundingSettled, FuturesTrade
from ...core.margin.commands import (
    Borrow,
    FundLendingPool,
    FundMarginInsurance,
    LoanType,
    PlaceMarginOrder,
    Repay,
    SetCrossMargin,
    SetMarginAsset,
    SetMarginPair,
)
from ...core.margin.events import (
    Borrowed,
    InterestCharged,
    LiquidationFinished,
    LiquidationStarted,
    MarginPairSet,
    Repaid,
)
from ..auditor import AuditError, Auditor
from . import actions
from .actions import Gen

_SPOT = int(AccountType.SPOT)
_CROSS = int(AccountType.CROSS_MARGIN)
_ISOLATED = int(AccountType.ISOLATED_MARGIN)
_USDT_FUT = int(AccountType.USDT_FUTURES)
_COIN_FUT = int(AccountType.COIN_FUTURES)
_FUTURES_ACCOUNTS = (int(AccountType.USDT_FUTURES), int(AccountType.USDC_FUTURES),
                     int(AccountType.COIN_FUTURES))
_SYSTEM = int(AccountType.SYSTEM)
_FEES = int(SystemOwner.FEES)
_CLEARING = int(SystemOwner.CLEARING)
_INSURANCE = int(SystemOwner.INSURANCE)
_LIQUIDITY = int(SystemOwner.CONVERT_LIQUIDITY)
HOUR_NS = 3600 * 10**9

# ============================================================================ margin
#: isolated pair -> account: pairs are enabled in this order by the setup (1001, 1002)
_PAIRS = {"BTCUSDT": ("BTC", "USDT", 1001), "ETHUSDT": ("ETH", "USDT", 1002)}
_BORROW = {"USDT": (10**9, 10**12), "BTC": (10**4, 10**8), "ETH": (10**5, 10**9)}
_IN = {"USDT": (10**10, 10**12), "BTC": (10**6, 10**8), "ETH": (10**7, 10**9)}


def _m(gen: Gen) -> Dict[str, Any]:
    return gen.state.setdefault("margin", {"base_mid": {s.symbol: s.mid
                                                        for s in gen.workload.symbols},
                                           "crashed": 0})


@actions.setup("margin")
def _margin_setup(gen: Gen) -> List[Any]:
    _m(gen)
    out: List[Any] = [
        SetMarginAsset(0, "USDT", 1, 126_279, 10**6 * 10**8, 10**9),
        SetMarginAsset(0, "BTC", 1, 50_000, 20 * 10**8, 10**4),
        SetMarginAsset(0, "ETH", 1, 60_000, 300 * 10**8, 10**5),
        SetMarginPair(0, "BTCUSDT", 5, 100_000, 10 * 10**8, 400_000 * 10**8),
        SetMarginPair(0, "ETHUSDT", 5, 100_000, 150 * 10**8, 400_000 * 10**8),
        SetCrossMargin(0, 3, 50_000),
        FundMarginInsurance(0, "USDT", 1_000 * 10**8, "sim-ins-USDT"),
    ]
    for asset, whole in (("USDT", 5_000_000), ("BTC", 100), ("ETH", 1_500)):
        out.append(FundLendingPool(0, asset, whole * 10**8, f"sim-pool-{asset}"))
    return out


def _margin_account(gen: Gen) -> Tuple[int, str, int, Tuple[str, ...]]:
    """(account_type, symbol, ledger account, assets) of a random margin account."""
    if gen.rng.random() < 0.5:
        return _CROSS, "", _CROSS, ("USDT", "BTC", "ETH")
    symbol = gen.rng.choice(tuple(_PAIRS))
    base, quote, account = _PAIRS[symbol]
    return _ISOLATED, symbol, account, (base, quote)


def _name(gen: Gen, prefix: str) -> str:
    return gen.workload._name(prefix)


@actions.action("margin", "transfer", weight=4)
def _margin_transfer(gen: Gen) -> Any:
    rng = gen.rng
    _, _, account, assets = _margin_account(gen)
    asset = rng.choice(assets)
    low, high = _IN[asset]
    amount = rng.randint(low, high)
    source, target = (_SPOT, account) if rng.random() < 0.75 else (account, _SPOT)
    ref = _name(gen, "mt") if rng.random() < 0.5 else ""
    return Transfer(0, gen.user(), asset, amount, source, target, ref)


@actions.action("margin", "borrow", weight=4)
def _margin_borrow(gen: Gen) -> Any:
    rng = gen.rng
    account_type, symbol, _, assets = _margin_account(gen)
    asset = rng.choice(assets)
    low, high = _BORROW[asset]
    amount = rng.choice((low - 1, low, rng.randint(low, high), high * 100))
    ref = _name(gen, "mb") if rng.random() < 0.5 else ""
    return Borrow(0, gen.user(), account_type, symbol, asset, amount, ref)


@actions.action("margin", "repay", weight=3)
def _margin_repay(gen: Gen) -> Any:
    rng = gen.rng
    account_type, symbol, _, assets = _margin_account(gen)
    asset = rng.choice(assets)
    low, high = _BORROW[asset]
    amount = rng.choice((low, rng.randint(1, high), high * 100))
    return Repay(0, gen.user(), account_type, symbol, asset, amount,
                 _name(gen, "mr") if rng.random() < 0.5 else "")


@actions.action("margin", "order", weight=8)
def _margin_order(gen: Gen) -> Any:
    rng = gen.rng
    account_type, symbol, _, _ = _margin_account(gen)
    name = symbol or rng.choice(tuple(_PAIRS))
    sym = next(s for s in gen.workload.symbols if s.symbol == name)
    loan = rng.choice(tuple(LoanType))
    side = rng.randint(0, 1)
    size = gen.workload._size(sym)
    if rng.random() < 0.2:  # market
        if side == 0:
            quote = size * sym.mid * sym.qpps
            return PlaceMarginOrder(0, gen.user(), account_type, sym.symbol, int(loan), 0, 1, 0,
                                    0, 0, quote)
        return PlaceMarginOrder(0, gen.user(), account_type, sym.symbol, int(loan), 1, 1, 0, 0,
                                size, 0)
    force = rng.choices((0, 1, 2, 3), (70, 12, 8, 10))[0]
    price = gen.workload._price(sym, side, cross=0.3)
    oid = _name(gen, "mo") if rng.random() < 0.5 else ""
    gen.workload.id_guess += 1
    return PlaceMarginOrder(0, gen.user(), account_type, sym.symbol, int(loan), side, 0, force,
                            price, size, 0, oid, rng.choices((0, 1, 2, 3), (85, 5, 5, 5))[0])


@actions.action("margin", "shock", weight=1.5)
def _margin_shock(gen: Gen) -> Any:
    """Move a spot mid: crashes (5-9 % a shock, up to ~40 % in all) and recoveries; the spot
    workload's orders then trade the last price there.  Half the time hours pass too."""
    rng = gen.rng
    state = _m(gen)
    sym = rng.choice(gen.workload.symbols)
    base = state["base_mid"][sym.symbol]
    if sym.mid > base * 0.62 and rng.random() < 0.6:
        sym.mid = int(sym.mid * (1 - rng.uniform(0.05, 0.09)))
    else:
        sym.mid = min(base, int(sym.mid * (1 + rng.uniform(0.05, 0.09))))
    sym.mid = max(sym.tick, sym.mid // sym.tick * sym.tick)
    if rng.random() < 0.5:
        return _hours(gen)
    # sweep the book towards the new mid: a big IOC order at the new mid
    side = 1 if sym.mid < base else 0
    return PlaceOrder(0, gen.user(), sym.symbol, side, 0, 1, sym.mid, 500 * sym.lot, 0)


def _hours(gen: Gen) -> ClockTick:
    """A clock tick that lets hours pass (interest, funding, liquidations on ticks)."""
    gen.workload.ts += gen.rng.choice((1, 1, 2, 5)) * HOUR_NS
    return ClockTick(0)


@actions.action("margin", "tick", weight=1.5)
def _margin_tick(gen: Gen) -> Any:
    return _hours(gen)


@actions.action("margin", "cancel", weight=2)
def _margin_cancel(gen: Gen) -> Any:
    # margin orders are cancelled with the ordinary CancelOrder (ids guessed, as spot does)
    wl = gen.workload
    guess = max(1, wl.id_guess - int(gen.rng.expovariate(0.05)))
    return CancelOrder(0, gen.user(), gen.rng.choice(wl.symbols).symbol, guess, "")


@actions.auditor("margin")
def _margin_teach(auditor: Auditor) -> None:
    pairs: Dict[str, int] = {}
    loans: Dict[Tuple[int, int, str], int] = {}  # principal owed
    commanded: Dict[str, Any] = {}

    def on_order(a: Auditor, cmd: PlaceMarginOrder) -> None:
        a.order_account[cmd.user] = (_CROSS if cmd.account_type == _CROSS
                                     else pairs.get(cmd.symbol, -1))

    def on_borrow_cmd(a: Auditor, cmd: Any) -> None:
        commanded["cmd"] = cmd

    def on_pair(a: Auditor, event: MarginPairSet, changed: Any) -> None:
        if pairs.get(event.symbol, event.account) != event.account:
            raise AuditError(f"isolated account of {event.symbol} changed: {event}")
        pairs[event.symbol] = event.account

    def on_liquidation(a: Auditor, event: LiquidationStarted, changed: Any) -> None:
        a.order_sticky[event.user] = event.account  # its orders trade from that account

    def on_borrowed(a: Auditor, event: Borrowed, changed: Any) -> None:
        key = (event.user, event.account, event.asset)
        want = loans.get(key, 0) + event.amount
        if event.principal != want:
            raise AuditError(f"{event}: principal should be {want}")
        loans[key] = want
        posted = [p for p in a.posted if p.code == 101 and (p.credit_owner, p.credit_account,
                                                             p.asset) == key]
        if not posted or posted[-1].amount != event.amount:
            raise AuditError(f"{event} without its pool posting")
        cmd = commanded.get("cmd")
        if not event.auto and isinstance(cmd, Borrow) and cmd.amount != event.amount:
            raise AuditError(f"borrowed {event.amount}, commanded {cmd.amount}")

    def on_repaid(a: Auditor, event: Repaid, changed: Any) -> None:
        key = (event.user, event.account, event.asset)
        if event.interest_part + event.principal_part != event.amount:
            raise AuditError(f"repay parts {event}")
        want = loans.get(key, 0) - event.principal_part
        if event.principal != want or want < 0:
            raise AuditError(f"{event}: principal should be {want}")
        loans[key] = want
        cmd = commanded.get("cmd")
        if event.reason == 0 and isinstance(cmd, Repay) and cmd.amount != event.amount:
            raise AuditError(f"repaid {event.amount}, commanded {cmd.amount}")

    def on_interest(a: Auditor, event: InterestCharged, changed: Any) -> None:
        key = (event.user, event.account, event.asset)
        owed = loans.get(key, 0)
        lent = [p.amount for p in a.posted if p.code == 101
                and (p.credit_owner, p.credit_account, p.asset) == key]
        if event.principal != owed and not (lent and event.principal == lent[-1]):
            raise AuditError(f"{event}: interest on {event.principal}, owed {loans.get(key)}")
        want = -(-event.principal * event.daily_rate * event.hours // (24 * 10**9))
        if event.amount != want or event.hours < 1:
            raise AuditError(f"{event}: interest should be {want}")

    def on_finished(a: Auditor, event: LiquidationFinished, changed: Any) -> None:
        if not event.asset:
            a.order_sticky.pop(event.user, None)
        if event.asset:
            key = (event.user, event.account, event.asset)
            if not (0 <= event.covered <= event.deficit and event.written_off >= 0):
                raise AuditError(f"odd liquidation result {event}")
            loans[key] = loans.get(key, 0) - min(loans.get(key, 0), event.written_off)

    auditor.on_command(PlaceMarginOrder, on_order)
    auditor.on_command(Borrow, on_borrow_cmd)
    auditor.on_command(Repay, on_borrow_cmd)
    auditor.extend(MarginPairSet, on_pair)
    auditor.extend(LiquidationStarted, on_liquidation)
    auditor.extend(Borrowed, on_borrowed)
    auditor.extend(Repaid, on_repaid)
    auditor.extend(InterestCharged, on_interest)
    auditor.extend(LiquidationFinished, on_finished)


# ============================================================================ convert
_CONVERT = {"USDT": (10**8, 10**14), "BTC": (10**3, 20 * 10**8), "ETH": (10**4, 300 * 10**8)}


def _c(gen: Gen) -> Dict[str, Any]:
    return gen.state.setdefault("convert", {"quotes": []})  # users of RequestQuote, in order


@actions.setup("convert")
def _convert_setup(gen: Gen) -> List[Any]:
    _c(gen)
    out: List[Any] = [SetConvertConfig(0, 2_000, 8 * 10**9, 10 * 10**8)]
    for asset, (low, high) in _CONVERT.items():
        out.append(SetConvertAsset(0, asset, 1, low, high))
    for asset, whole in (("USDT", 2_000_000), ("BTC", 40), ("ETH", 600)):
        out.append(FundConvertLiquidity(0, asset, whole * 10**8, f"sim-convert-{asset}"))
    return out


@actions.action("convert", "quote", weight=4)
def _convert_quote(gen: Gen) -> Any:
    rng = gen.rng
    source, target = rng.sample(("USDT", "BTC", "ETH"), 2)
    user = gen.user()
    _c(gen)["quotes"].append(user)  # the engine numbers quotes 1, 2, ... (a refusal: a guess)
    if rng.random() < 0.7:
        low, high = _CONVERT[source]
        return RequestQuote(0, user, source, target, rng.randint(low, high // 1000), 0)
    low, high = _CONVERT[target]
    return RequestQuote(0, user, source, target, 0, rng.randint(low, high // 1000))


@actions.action("convert", "accept", weight=4)
def _convert_accept(gen: Gen) -> Any:
    rng = gen.rng
    quotes = _c(gen)["quotes"]
    if not quotes:
        return _convert_quote(gen)
    back = min(len(quotes) - 1, int(rng.expovariate(0.7)))  # usually the newest
    quote_id = len(quotes) - back
    user = quotes[quote_id - 1] if rng.random() < 0.9 else gen.user()
    roll = rng.random()
    if roll < 0.1:
        gen.workload.ts += rng.choice((9, 30, 120)) * 10**9  # accepted after expiry
    return AcceptQuote(0, user, quote_id)  # sometimes again: QUOTE_USED


@actions.action("convert", "dust", weight=0.5)
def _convert_dust(gen: Gen) -> Any:
    assets = gen.rng.choice(("BTC,ETH", "ETH", "BTC", "USDT", "BTC,NOPE"))
    return ConvertDust(0, gen.user(), assets, gen.rng.choice(("USDT", "BTC")))


@actions.auditor("convert")
def _convert_teach(auditor: Auditor) -> None:
    quotes: Dict[int, QuoteIssued] = {}
    used: set = set()

    def on_quote(a: Auditor, event: QuoteIssued, changed: Any) -> None:
        if event.quote_id in quotes:
            raise AuditError(f"quote id reused {event}")
        if event.from_amount <= 0 or event.to_amount <= 0:
            raise AuditError(f"empty quote {event}")
        quotes[event.quote_id] = event

    def on_filled(a: Auditor, event: ConvertFilled, changed: Any) -> None:
        if event.quote_id:
            quote = quotes.get(event.quote_id)
            if quote is None or event.quote_id in used:
                raise AuditError(f"{event}: unknown or already used quote")
            used.add(event.quote_id)
            if (event.user, event.from_asset, event.to_asset, event.from_amount,
                    event.to_amount) != (quote.user, quote.from_asset, quote.to_asset,
                                         quote.from_amount, quote.to_amount):
                raise AuditError(f"{event} is not its quote {quote}")
            if event.ts_ns > quote.expires_ns:
                raise AuditError(f"{event} accepted after expiry {quote.expires_ns}")
        pay = (event.user, _SPOT, event.from_asset, _LIQUIDITY, _SYSTEM, event.from_asset,
               event.from_amount)
        get = (_LIQUIDITY, _SYSTEM, event.to_asset, event.user, _SPOT, event.to_asset,
               event.to_amount)
        seen = [(p.debit_owner, p.debit_account, p.asset, p.credit_owner, p.credit_account,
                 p.asset, p.amount) for p in a.posted]
        if pay not in seen or get not in seen:
            raise AuditError(f"{event} without its two postings {seen}")

    auditor.extend(QuoteIssued, on_quote)
    auditor.extend(ConvertFilled, on_filled)


# ============================================================================ futures
_FPRICE = 600_000  # 60,000.0 (price precision 1)
#: the linear and the inverse (Coin-M, sizes in BTC) contract: symbol -> (margin coin,
#: futures account, transfer amounts in its minor units, product type)
_FUTURES = {"BTCUSDT": ("USDT", _USDT_FUT, (10**9, 10**10, 10**11, 10**12), 0),
            "BTCUSD": ("BTC", _COIN_FUT, (10**6, 10**7, 10**8, 5 * 10**8), 2)}


def _f(gen: Gen) -> Dict[str, Any]:
    return gen.state.setdefault("futures", {"index": _FPRICE})


def _fsym(gen: Gen) -> str:
    return gen.rng.choice(tuple(_FUTURES))


@actions.setup("futures")
def _futures_setup(gen: Gen) -> List[Any]:
    _f(gen)
    tiers = tuple((usd * 10**8, lev, mmr) for usd, lev, mmr in _BTC_TIERS)
    coin_tiers = tuple((usd * 10**8 // 60_000, lev, mmr) for usd, lev, mmr in _BTC_TIERS)
    return [
        ListContract(0, "BTCUSDT", 0, "BTC", "USDT", "USDT", 1, 3, 1, 1, 1, 1_000_000, 5 * 10**8,
                     0, 200, 600, 600, 50_000, tiers, 8, 750_000, 10_000, "", 0),
        ListContract(0, "BTCUSD", 2, "BTC", "USD", "BTC", 1, 3, 1, 1, 1, 1_000_000, 0,
                     0, 200, 600, 600, 50_000, coin_tiers, 8, 750_000, 10_000, "", 0),
        FundInsurance(0, "USDT", 10_000 * 10**8),
        FundInsurance(0, "BTC", 10**8),
    ] + [UpdatePrices(0, symbol, (("sim", _FPRICE, 1),)) for symbol in _FUTURES]


@actions.action("futures", "transfer", weight=3)
def _futures_transfer(gen: Gen) -> Any:
    rng = gen.rng
    asset, account, amounts, _ = _FUTURES[_fsym(gen)]
    amount = rng.choice(amounts)
    source, target = (_SPOT, account) if rng.random() < 0.75 else (account, _SPOT)
    return Transfer(0, gen.user(), asset, amount, source, target,
                    _name(gen, "ft") if rng.random() < 0.5 else "")


@actions.action("futures", "settings", weight=1)
def _futures_settings(gen: Gen) -> Any:
    rng = gen.rng
    roll = rng.random()
    symbol = _fsym(gen)
    if roll < 0.5:
        return SetLeverage(0, gen.user(), symbol, rng.choice((-1, -1, 0, 1)),
                           rng.choice((1, 2, 5, 10, 20, 50, 125)))
    if roll < 0.75:
        return SetMarginMode(0, gen.user(), symbol, rng.randint(0, 1))
    return SetPositionMode(0, gen.user(), rng.choice((0, 2)), rng.randint(0, 1))


@actions.action("futures", "order", weight=10)
def _futures_order(gen: Gen) -> Any:
    rng = gen.rng
    index = _f(gen)["index"]
    symbol = _fsym(gen)
    side = rng.randint(0, 1)
    trade_side = rng.choice((-1, -1, 0, 1))
    reduce_only = 1 if rng.random() < 0.15 else 0
    size = rng.choice((1, 2, 5, 10, 20, 50, 100, 500))
    oid = _name(gen, "fo") if rng.random() < 0.3 else ""
    if rng.random() < 0.25:
        return PlaceFuturesOrder(0, gen.user(), symbol, side, trade_side, 1, 0, 0, size,
                                 reduce_only, oid)
    offset = int(rng.expovariate(1 / 30)) + 1
    if rng.random() < 0.3:
        offset = -offset
    price = max(1, index - offset if side == 0 else index + offset)
    return PlaceFuturesOrder(0, gen.user(), symbol, side, trade_side, 0,
                             rng.choices((0, 1, 2, 3), (70, 12, 8, 10))[0], price, size,
                             reduce_only, oid, rng.choice((0, 0, 0, 1)),
                             rng.choice((-1, -1, 0, 1)))


@actions.action("futures", "prices", weight=3)
def _futures_prices(gen: Gen) -> Any:
    """Index moves: a walk, crashes (up to 40 %) and recoveries."""
    rng = gen.rng
    state = _f(gen)
    roll = rng.random()
    index = state["index"]
    if roll < 0.1:
        index = int(index * rng.uniform(0.6, 0.9))  # crash
    elif roll < 0.2:
        index = int(index * rng.uniform(1.1, 1.4))  # squeeze
    elif roll < 0.35:
        index = (index + _FPRICE) // 2  # recovery
    else:
        index += rng.randint(-index // 200, index // 200)
    index = max(1000, min(_FPRICE * 3, index))
    state["index"] = index
    symbol = _fsym(gen)
    if rng.random() < 0.05:
        return UpdatePrices(0, symbol, ())  # no source: stale, liquidations suspended
    return UpdatePrices(0, symbol, (("sim", index, 3), ("sim2", index + rng.randint(-5, 5), 1)))


@actions.action("futures", "tick", weight=1)
def _futures_tick(gen: Gen) -> Any:
    return _hours(gen)  # funding every 8 hours


@actions.action("futures", "close", weight=1.5)
def _futures_close(gen: Gen) -> Any:
    rng = gen.rng
    roll = rng.random()
    symbol = _fsym(gen)
    product = _FUTURES[symbol][3]
    if roll < 0.4:
        return ClosePositions(0, gen.user(), product, rng.choice(("", symbol)),
                              rng.choice((-1, 0, 1)))
    if roll < 0.7:
        return CancelAllFutures(0, gen.user(), product, rng.choice(("", symbol)))
    amounts = _FUTURES[symbol][2]
    return AdjustMargin(0, gen.user(), symbol, rng.choice((-1, 0, 1)),
                        rng.choice((1, -1)) * rng.choice(amounts[:3]))


@actions.auditor("futures")
def _futures_teach(auditor: Auditor) -> None:
    margin_asset: Dict[str, Tuple[str, int]] = {}

    def is_futures(key: Tuple[int, int, str]) -> bool:
        return key[1] in _FUTURES_ACCOUNTS or key[0] in (_CLEARING, _INSURANCE)

    def on_listed(a: Auditor, event: ContractListed, changed: Any) -> None:
        margin_asset[event.symbol] = (event.margin_asset, _FUTURES_ACCOUNTS[event.product_type])

    def on_trade(a: Auditor, event: FuturesTrade, changed: Any) -> None:
        asset, account = margin_asset[event.symbol]
        fees = (_FEES, _SYSTEM, asset)
        if event.maker_fee < 0 or event.taker_fee < 0 or event.size <= 0:
            raise AuditError(f"odd futures trade {event}")
        if event.liquidation:
            a.loosen(fees)  # where a liquidation fee goes is the product's rule
            return
        a.move((event.maker_user, account, asset), fees, event.maker_fee, changed)
        a.move((event.taker_user, account, asset), fees, event.taker_fee, changed)

    def on_funding(a: Auditor, event: FundingSettled, changed: Any) -> None:
        if event.distributed > event.collected:
            raise AuditError(f"funding paid out more than collected {event}")
        asset, _ = margin_asset[event.symbol]
        if event.collected != event.distributed:
            a.loosen((_FEES, _SYSTEM, asset))  # rounding dust

    def on_fund(a: Auditor, cmd: FundInsurance) -> None:
        a.loosen((int(SystemOwner.EXTERNAL), _SYSTEM, cmd.asset))  # no TransferPosted

    auditor.loose.append(is_futures)
    auditor.on_command(FundInsurance, on_fund)
    auditor.extend(ContractListed, on_listed)
    auditor.extend(FuturesTrade, on_trade)
    auditor.extend(FundingSettled, on_funding)



@actions.action("margin", "leverage", weight=2)
def _margin_leverage(gen: Gen) -> Any:
    """Go near the tier's leverage: a market buy with auto-loan far beyond the equity (refused
    above max borrowable), so that the next crash margin-calls and liquidates."""
    rng = gen.rng
    account_type, symbol, _, _ = _margin_account(gen)
    name = symbol or rng.choice(tuple(_PAIRS))
    quote = rng.choice((2, 5, 10, 20, 40)) * 10**11
    return PlaceMarginOrder(0, gen.user(), account_type, name, int(LoanType.AUTO_LOAN), 0, 1, 0,
                            0, 0, quote)
