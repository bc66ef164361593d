"""products.md §4.5 worked example and the convert bad-input cases of issue 6."""
from __future__ import annotations

from openbourse.core.convert.commands import (
    AcceptQuote,
    ConvertDust,
    FundConvertLiquidity,
    RequestQuote,
    SetConvertAsset,
    SetConvertConfig,
)
from openbourse.core.convert.events import ConvertFilled, QuoteIssued
from openbourse.core.enums import AccountType, SystemOwner
from openbourse.core.reject import RejectCode
from openbourse.testing.builders import BTC, ETH, ETHUSDT, USDT, Exchange, of_type, one, reject_code

U = 10**8
S = 10**9
LIQ = (int(SystemOwner.CONVERT_LIQUIDITY), int(AccountType.SYSTEM))


def ok(events):  # type: ignore[no-untyped-def]
    assert reject_code(events) is None, events
    return events


def setup(spread_ppm: int = 0) -> Exchange:
    ex = Exchange(audit=False)
    for asset in (BTC, USDT, ETH, "DOGE"):
        ex.list_asset(asset, 8)
        ok(ex.apply(SetConvertAsset(0, asset, 1, 1, 10**6 * U)))
        ok(ex.apply(FundConvertLiquidity(0, asset, 10**5 * U, f"liq-{asset}")))
    ex.list_market()
    ex.list_market(symbol=ETHUSDT, base=ETH, quote=USDT)
    ex.list_market(symbol="DOGEUSDT", base="DOGE", quote=USDT, price_precision=5,
                   quantity_precision=0)
    ok(ex.apply(SetConvertConfig(0, spread_ppm, 8 * S, 10 * U)))
    ex.deposit(900, ETH, 100 * U)
    ok(ex.sell(900, 191_322, 10_000_000, symbol=ETHUSDT))  # 10 ETH offered at 1,913.22
    ex.deposit(901, USDT, 10**6 * U)
    ok(ex.buy(901, 191_300, 10_000_000, symbol=ETHUSDT))
    return ex


def test_quote_444_usdt_to_eth_then_expired() -> None:
    ex = setup()
    ex.deposit(1, USDT, 1000 * U)
    t0 = ex.next_ts
    quote = one(ok(ex.apply(RequestQuote(t0, 1, USDT, ETH, 444 * U, 0))), QuoteIssued)
    # 444 / 1913.22 = 0.2320694954..., rounded down to 8 decimals; fee 0, spread 0
    assert (quote.from_amount, quote.to_amount) == (444 * U, 23_206_949)
    assert quote.price_e18 == 23_206_949 * 10**18 // (444 * U)  # cnvtPrice 0.00052267...
    assert quote.expires_ns == t0 + 8 * S
    # accept at t + 9 s: quote expired, no balance change (the harness checks purity)
    assert reject_code(ex.apply(AcceptQuote(t0 + 9 * S, 1, quote.quote_id))) == \
        RejectCode.QUOTE_EXPIRED
    assert ex.available(1, USDT) == 1000 * U and ex.available(1, ETH) == 0


def test_accept_once_within_expiry_settles_atomically() -> None:
    ex = setup(spread_ppm=2000)
    ex.deposit(1, USDT, 1000 * U)
    t0 = ex.next_ts
    quote = one(ok(ex.apply(RequestQuote(t0, 1, USDT, ETH, 444 * U, 0))), QuoteIssued)
    assert quote.to_amount == 23_206_949 * 998_000 // 10**6
    liquidity_before = ex.state.ledger.balances[LIQ + (ETH,)].available
    filled = one(ok(ex.apply(AcceptQuote(t0 + 8 * S, 1, quote.quote_id))), ConvertFilled)
    assert (filled.from_amount, filled.to_amount) == (444 * U, quote.to_amount)
    assert ex.available(1, USDT) == 556 * U and ex.available(1, ETH) == quote.to_amount
    assert ex.state.ledger.balances[LIQ + (ETH,)].available == liquidity_before - quote.to_amount
    assert reject_code(ex.apply(AcceptQuote(0, 1, quote.quote_id))) == RejectCode.QUOTE_USED
    assert reject_code(ex.apply(AcceptQuote(0, 2, quote.quote_id))) == RejectCode.QUOTE_NOT_FOUND


def test_to_amount_side_bridge_and_bad_inputs() -> None:
    ex = setup(spread_ppm=1000)
    ex.deposit(1, BTC, U)
    ex.deposit(902, USDT, 10**6 * U)
    ok(ex.buy(902, 5_000_000, 1_000_000))  # BTCUSDT bid 1 BTC at 50,000
    # BTC -> ETH has no direct market: via USDT (sell BTC on the bid, buy ETH on the ask)
    quote = one(ok(ex.apply(RequestQuote(0, 1, BTC, ETH, 0, U))), QuoteIssued)
    assert quote.to_amount == U
    direct_cost = 191_322 * U // 100 // 10**0  # 1 ETH at 1,913.22 in USDT minor units
    assert quote.from_amount >= direct_cost * 10**8 // (50_000 * U)
    assert reject_code(ex.apply(RequestQuote(0, 1, BTC, BTC, U, 0))) == \
        RejectCode.CONVERT_SAME_ASSET
    assert reject_code(ex.apply(RequestQuote(0, 1, BTC, ETH, U, U))) == \
        RejectCode.AMOUNT_OUT_OF_RANGE
    assert reject_code(ex.apply(RequestQuote(0, 1, ETH, USDT, 10**4 * U, 0))) == \
        RejectCode.CONVERT_NO_ROUTE  # the book is too thin for 10,000 ETH
    assert reject_code(ex.apply(RequestQuote(0, 1, USDT, ETH, 10**7 * U, 0))) == \
        RejectCode.CONVERT_AMOUNT_LIMIT
    assert reject_code(ex.apply(AcceptQuote(0, 1, 999))) == RejectCode.QUOTE_NOT_FOUND
    big = one(ok(ex.apply(RequestQuote(0, 1, USDT, ETH, 100 * U, 0))), QuoteIssued)
    assert reject_code(ex.apply(AcceptQuote(0, 1, big.quote_id))) == RejectCode.INSUFFICIENT_BALANCE


def test_small_balances_to_a_chosen_asset() -> None:
    ex = setup(spread_ppm=1000)
    ex.deposit(903, USDT, 10**6 * U)
    ok(ex.buy(903, 10, 10**9, symbol="DOGEUSDT"))  # bid 0.0001 USDT per DOGE
    ex.deposit(1, "DOGE", 50_000 * U)  # worth 5 USDT: dust (<= 10)
    ex.deposit(1, ETH, U)  # worth 1,913: not dust
    events = ok(ex.apply(ConvertDust(0, 1, "DOGE,ETH,NOPE", USDT)))
    filled = one(events, ConvertFilled)
    assert (filled.from_asset, filled.dust) == ("DOGE", 1)
    assert filled.to_amount == 5 * U * 999 // 1000
    assert ex.available(1, "DOGE") == 0 and ex.available(1, ETH) == U
    assert reject_code(ex.apply(ConvertDust(0, 1, "ETH", USDT))) == RejectCode.NO_DUST
    assert of_type(ex.events, ConvertFilled)


def test_demo_settings_apply_cleanly() -> None:
    from openbourse.core.convert import demo as convert_demo
    from openbourse.core.margin import demo as margin_demo
    ex = Exchange(audit=False)
    for asset in (BTC, USDT, ETH):
        ex.list_asset(asset, 8)
    ex.list_market()
    ex.list_market(symbol=ETHUSDT, base=ETH, quote=USDT)
    scales = dict(ex.state.assets)
    symbols = {s: (m.base, m.quote) for s, m in ex.state.markets.items()}
    for command in margin_demo.commands(scales, symbols) + convert_demo.commands(scales):
        ok(ex.apply(command))
