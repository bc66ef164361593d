"""products.md §3.17 worked examples as scenario tests, plus basic flows."""
from __future__ import annotations

from openbourse.core.events import Rejected
from openbourse.core.futures.commands import ListContract
from openbourse.core.futures.contracts import Contract
from openbourse.core.futures.enums import PositionReason
from openbourse.core.futures.events import (FundingPaid, FundingSettled, Liquidated,
                                            PositionChanged)
from openbourse.core.futures.positions import Position, unrealised
from openbourse.core.futures.pricing import predicted_rate
from openbourse.core.reject import RejectCode

from .helpers import Fut


def _open_isolated(side: int) -> Fut:
    f = Fut()
    f.fund(1, 10**10)
    f.fund(2, 10**10)
    f.price(272495)  # 27,249.5
    f.isolated(1)
    f.lever(1, 10)
    maker_side = 1 - side
    f.order(2, maker_side, 272495, 100)  # 0.1 BTC
    f.order(1, side, 272495, 100)
    return f


def test_isolated_long_liquidation_price_and_auto_top_up() -> None:
    f = _open_isolated(0)
    pos = f.fs().position(1, "BTCUSDT", 0)
    assert pos.margin == 272_495_000  # 272.495 USDT
    from openbourse.core.futures.positions import liquidation_price
    contract = f.fs().contracts["BTCUSDT"]
    assert liquidation_price(contract, pos, pos.margin * 10**6) == 246378  # 24,637.88 (Bitget shows 24,637.9); rounded down
    # auto top-up doubles the margin: LP ≈ 21,900.3
    assert liquidation_price(contract, pos, 2 * pos.margin * 10**6) == 219003


def test_isolated_short_liquidation_price() -> None:
    f = _open_isolated(1)
    pos = f.fs().position(1, "BTCUSDT", 1)
    from openbourse.core.futures.positions import liquidation_price
    contract = f.fs().contracts["BTCUSDT"]
    assert liquidation_price(contract, pos, pos.margin * 10**6) == 298372  # ≈ 29,837.2


def test_tier_lookup_and_leverage_check() -> None:
    f = Fut()
    contract = f.fs().contracts["BTCUSDT"]
    assert contract.tier(200_000 * 10**6) == (900_000 * 10**6, 100, 5_000)
    assert 200_000 * 10**6 * contract.mmr(200_000 * 10**6) // 10**6 == 1_000 * 10**6
    assert contract.tier(40_000_000 * 10**6)[1] == 20


def test_funding_rate_examples() -> None:
    f = Fut()
    c = f.fs().contracts["BTCUSDT"]
    c.prem_num, c.prem_den = 30_000, 1  # P̄ = 0.03 %
    assert predicted_rate(c) == 10_000  # 0.01 %
    c.funding_interval_h = 4
    assert predicted_rate(c) == 5_000  # 0.005 %
    c.funding_interval_h = 8
    c.prem_num = 200_000  # 0.20 %
    assert predicted_rate(c) == 150_000  # 0.15 %


def test_funding_fee_long_pays_short() -> None:
    f = Fut()
    f.fund(1, 10**10)
    f.fund(2, 10**10)
    f.price(600000)
    f.order(2, 1, 600000, 500)  # 0.5 BTC
    f.order(1, 0, 600000, 500)
    f.price(600000)
    c = f.fs().contracts["BTCUSDT"]
    c.prem_num = c.prem_den = c.prem_k = 0
    assert c.mark == 600000
    events = f.tick(c.next_funding_ns)
    paid = [e for e in events if type(e) is FundingPaid]
    assert [(e.user, e.amount) for e in paid] == [(1, -3_000_000), (2, 3_000_000)]  # 3 USDT
    settled = [e for e in events if type(e) is FundingSettled and e.symbol == "BTCUSDT"][0]
    assert settled.rate_e8 == 10_000 and settled.collected == settled.distributed == 3_000_000


def test_inverse_unrealised_pnl_and_average_entry() -> None:
    spec = ListContract(0, "BTCUSD", 2, "BTC", "USD", "BTC", 0, 0, 1, 1, 1, 10**9, 0, 1,
                        200, 600, 600, 0, ((10**20, 125, 4000),), 8, 750_000, 10_000, "", 0)
    c = Contract(spec, 8)
    pos = Position(1, 1, c, 0, 0, 0, 10, 0, 0)
    pos.size, pos.cost = 1000, c.value(1000, 5000)  # 1,000 USD at 5,000 = 0.2 BTC
    assert unrealised(c, pos, 5500) == 20_000_000 - 18_181_818  # ≈ 0.018182 BTC
    pos.size += 2000
    pos.cost += c.value(2000, 6000)
    entry = pos.size * c.big_k // pos.cost
    assert entry == 5625


def test_isolated_liquidation_feeds_insurance() -> None:
    f = _open_isolated(0)
    f.fund(3, 10**10)
    f.insurance(10**9)
    f.order(3, 0, 260000, 200)  # a resting bid the liquidation order can hit
    events = f.price(240000)
    liq = [e for e in events if type(e) is Liquidated]
    assert len(liq) == 1 and liq[0].user == 1 and liq[0].book_size == 100
    assert liq[0].insurance_delta > 0  # filled above bankruptcy: surplus to the fund
    assert f.fs().position(1, "BTCUSDT", 0) is None
    assert [e for e in events if type(e) is PositionChanged and e.user == 1][-1].size == 0


def test_adl_when_no_liquidity() -> None:
    f = _open_isolated(0)
    events = f.price(200000)  # crash, empty book: the short counterparty is deleveraged
    liq = [e for e in events if type(e) is Liquidated]
    assert len(liq) == 1 and liq[0].adl_size == 100
    assert f.fs().position(2, "BTCUSDT", 1) is None
    assert any(type(e) is PositionChanged and e.reason == PositionReason.ADL for e in events)


def test_reduce_only_without_position_is_rejected() -> None:
    f = Fut()
    f.fund(1, 10**10)
    f.price(600000)
    events = f.order(1, 1, 600000, 100, reduce_only=1)
    assert [e.code for e in events if type(e) is Rejected] == [RejectCode.NO_POSITION]
