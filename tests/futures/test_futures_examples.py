"""products.md §3.17 worked examples as scenario tests, plus basic flows."""
from __future__ import annotations

from openbourse.core.events import Rejected
from openbourse.core.futures.commands import ListContract
from openbourse.core.futures.contracts import Contract
from openbourse.core.futures.enums import PositionReason
from openbourse.core.futures.events import (Deleveraged, FundingPaid, FundingSettled,
                                            Liquidated, PositionChanged)
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
    # 24,637.88 (Bitget shows 24,637.9); rounded down
    assert liquidation_price(contract, pos, pos.margin * 10**6) == 246378
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
    """products.md §3.17 in USD face: 1,000 USD at 5,000, then 2,000 USD at 6,000."""
    spec = ListContract(0, "BTCUSD", 2, "BTC", "USD", "BTC", 0, 0, 1, 1, 1, 10**9, 0, 0,
                        200, 600, 600, 0, ((10**20, 125, 4000),), 8, 750_000, 10_000, "", 0)
    c = Contract(spec, 8)  # face units of 1 USD (no decimals in size or price)
    pos = Position(1, 1, c, 0, 0, 0, 10, 0, 0)
    pos.size, pos.cost = 1000, c.value(1000, 5000)  # 1,000 USD at 5,000 = 0.2 BTC
    assert unrealised(c, pos, 5500) == 20_000_000 - 18_181_818  # ≈ 0.018182 BTC
    pos.size += 2000
    pos.cost += c.value(2000, 6000)
    entry = pos.size * c.big_k // pos.cost
    assert entry == 5625


def _coin_m() -> Fut:
    f = Fut()
    for user in (1, 2, 3):
        f.fund(user, 10**8, "BTC", 7)  # 1 BTC in the Coin-M account
    f.price(600000, "BTCUSD")
    f.order(2, 1, 600000, 10, "BTCUSD")  # 0.01 BTC
    f.order(1, 0, 600000, 10, "BTCUSD")
    return f


def test_coin_m_sizes_are_base_coin() -> None:
    """A 0.01 BTC long at 60,000 is 600 USD of face worth exactly 0.01 BTC at entry."""
    f = _coin_m()
    pos = f.fs().position(1, "BTCUSD", 0)
    assert (pos.qty, pos.size, pos.cost) == (10, 6_000_000, 1_000_000)  # face in 1e-4 USD
    last = [e for e in f.events if type(e) is PositionChanged and e.user == 1][-1]
    assert (last.qty, last.entry_price) == (10, 600000)
    margin = f.fs().contracts["BTCUSD"].order_value(10, 600000) // pos.leverage
    assert pos.leverage == 10 and pos.margin == margin == 100_000


def test_coin_m_close_in_base_and_the_house_position() -> None:
    """Closing 0.01 BTC at 66,000 realises 0.01 × (1 − 60/66) BTC; the buyer opens 660 USD
    of face while the closer removed 600, so the house holds 60 USD short."""
    f = _coin_m()
    f.price(660000, "BTCUSD")
    f.order(3, 0, 660000, 10, "BTCUSD")  # a new long rests at 66,000
    events = f.order(1, 1, 660000, 10, "BTCUSD", reduce_only=1)
    assert f.fs().position(1, "BTCUSD", 0) is None
    closed = [e for e in events if type(e) is PositionChanged and e.user == 1][-1]
    assert closed.realised_pnl == 90_910  # 1,000,000 − ⌊600 × 10^8 ÷ 66,000⌋ sats
    contract = f.fs().contracts["BTCUSD"]
    assert (f.fs().position(3, "BTCUSD", 0).size, contract.house_size) == (6_600_000, -600_000)
    # unrealised PnL of everyone, the house included, mirrors the clearing balance
    from openbourse.core.enums import SystemOwner
    clearing = f.state.ledger.balances[(int(SystemOwner.CLEARING), 7, "BTC")].available
    for mark in (500000, 660000, 900000):
        upnl = sum(unrealised(contract, p, mark) for p in contract.positions.values())
        assert abs(upnl + contract.house_upnl(mark) - clearing) <= 3


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


def test_coin_m_adl_reaches_the_house_position() -> None:
    """A bankrupt Coin-M long with no bids left: the user shorts take what they hold, the
    house takes the rest of the face, and the liquidated position ends without remnant."""
    f = Fut()
    for user in (1, 2, 3):
        f.fund(user, 10**8, "BTC", 7)
    f.price(600000, "BTCUSD")
    f.order(2, 1, 600000, 10, "BTCUSD")
    f.order(1, 0, 600000, 10, "BTCUSD")
    f.price(660000, "BTCUSD")
    f.isolated(3, "BTCUSD")
    f.lever(3, 50, "BTCUSD")
    f.order(3, 0, 660000, 10, "BTCUSD")  # 660 USD of face; the house goes 60 USD short
    f.order(1, 1, 660000, 10, "BTCUSD", reduce_only=1)
    contract = f.fs().contracts["BTCUSD"]
    assert contract.house_size == -600_000
    events = f.price(630000, "BTCUSD")
    liq = [e for e in events if type(e) is Liquidated]
    assert len(liq) == 1 and liq[0].user == 3 and liq[0].adl_size == 10
    assert [e.user for e in events if type(e) is Deleveraged] == [2]
    assert f.fs().position(3, "BTCUSD", 0) is None and f.fs().position(2, "BTCUSD", 1) is None
    assert contract.house_size == 0 and not contract.positions


def test_face_value_is_reserved() -> None:
    """Coin-M sizes are base coin: a listing with a USD face per contract is refused."""
    f = Fut()
    spec = [c for c in f.commands if type(c) is ListContract and c.symbol == "BTCUSD"][0]
    events = f.apply(spec._replace(symbol="BTCUSD2", face_value=1))
    assert [e.code for e in events if type(e) is Rejected] == [RejectCode.INVALID_ARGUMENT]
