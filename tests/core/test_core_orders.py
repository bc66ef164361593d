"""Each order type, matching priority, fees and exact hold release.

Units of the standard BTCUSDT market: price 60,000.00 is ``6_000_000``; size 0.5 BTC is
``500_000``; 1 size unit = 100 BTC minor units; notional = size * price USDT minor units.
Every command goes through ``Exchange``, which checks the invariants, the sequence, the
event types and the auditor after each one.
"""
from __future__ import annotations

from openbourse.core.enums import CloseReason, OrderStatus
from openbourse.core.events import OrderAccepted, OrderClosed, TradeExecuted
from openbourse.core.reject import RejectCode
from openbourse.testing.builders import (
    BTC,
    FOK,
    IOC,
    POST_ONLY,
    STANDARD_FUNDS,
    USDT,
    closed,
    of_type,
    one,
    order_id_of,
    reject_code,
    standard_exchange,
)

P = 6_000_000  # 60,000.00
FUND_BTC, FUND_USDT = STANDARD_FUNDS[BTC], STANDARD_FUNDS[USDT]


def test_limit_gtc_rests_and_freezes_exactly_its_notional() -> None:
    ex = standard_exchange()
    events = ex.buy(1, P, 500_000)
    order_id = order_id_of(events)
    assert not of_type(events, TradeExecuted) and closed(events, order_id) is None
    assert ex.balance(1, USDT) == (FUND_USDT - 500_000 * P, 500_000 * P)
    assert ex.book()["bids"] == [(order_id, 1, P, 500_000)]


def test_price_time_priority_better_price_first_then_older_first() -> None:
    ex = standard_exchange()
    first = order_id_of(ex.sell(1, P, 100))
    second = order_id_of(ex.sell(2, P, 100))
    better = order_id_of(ex.sell(3, P - 1, 100))
    trades = of_type(ex.buy(3, P, 250), TradeExecuted)
    assert [(t.maker_order_id, t.price, t.size) for t in trades] == [
        (better, P - 1, 100), (first, P, 100), (second, P, 50)]
    assert ex.book()["asks"] == [(second, 2, P, 50)]


def test_partial_fill_then_rest_then_cancel_keeps_fills_and_frees_the_rest() -> None:
    ex = standard_exchange()
    ex.sell(2, P, 200_000)
    events = ex.buy(1, P, 500_000)
    order_id = order_id_of(events)
    trade = one(events, TradeExecuted)
    assert (trade.size, trade.taker_fee) == (200_000, 20_000_000 * 1000 // 1_000_000)
    assert ex.book()["bids"] == [(order_id, 1, P, 300_000)]
    assert ex.balance(1, USDT)[1] == 300_000 * P
    close = one(ex.cancel(1, order_id), OrderClosed)
    assert (close.status, close.reason) == (OrderStatus.CANCELLED, CloseReason.USER)
    assert (close.filled_size, close.filled_quote) == (200_000, 200_000 * P)
    assert ex.balance(1, USDT) == (FUND_USDT - 200_000 * P, 0)
    # the fee was charged on the fill only, in BTC (the asset received)
    assert ex.balance(1, BTC) == (FUND_BTC + 200_000 * 100 - 20_000, 0)


def test_limit_buy_price_improvement_is_released_at_once() -> None:
    ex = standard_exchange()
    ex.sell(2, P, 100_000)
    events = ex.buy(1, P + 50_000, 300_000)  # limit 60,500, fills 0.1 at 60,000, rests 0.2
    trade = one(events, TradeExecuted)
    assert trade.price == P
    # frozen is exactly what the resting 0.2 needs at its own limit; the 500 USDT
    # improvement on the filled 0.1 is available again
    assert ex.balance(1, USDT) == (FUND_USDT - 100_000 * P - 200_000 * (P + 50_000),
                                   200_000 * (P + 50_000))


def test_ioc_fills_what_it_can_and_cancels_the_rest() -> None:
    ex = standard_exchange()
    ex.sell(2, P, 100)
    events = ex.buy(1, P, 300, force=IOC)
    order_id = order_id_of(events)
    assert one(events, TradeExecuted).size == 100
    close = closed(events, order_id)
    assert close is not None and (close.status, close.reason, close.filled_size) == (
        OrderStatus.CANCELLED, CloseReason.IOC, 100)
    assert ex.book() == {"bids": [], "asks": []}
    assert ex.balance(1, USDT) == (FUND_USDT - 100 * P, 0)


def test_ioc_fully_filled_is_filled() -> None:
    ex = standard_exchange()
    ex.sell(2, P, 300)
    events = ex.buy(1, P, 300, force=IOC)
    close = closed(events, order_id_of(events))
    assert close is not None and close.status == OrderStatus.FILLED


def test_fok_fills_entirely_across_levels() -> None:
    ex = standard_exchange()
    ex.sell(2, P, 100)
    ex.sell(3, P + 1, 100)
    events = ex.buy(1, P + 1, 200, force=FOK)
    assert [t.size for t in of_type(events, TradeExecuted)] == [100, 100]
    close = closed(events, order_id_of(events))
    assert close is not None and close.status == OrderStatus.FILLED


def test_fok_that_cannot_fill_entirely_does_nothing() -> None:
    ex = standard_exchange()
    maker = order_id_of(ex.sell(2, P, 100))
    ex.sell(3, P + 2, 100)  # beyond the FOK's limit
    before = ex.book()
    events = ex.buy(1, P + 1, 200, force=FOK)
    assert not of_type(events, TradeExecuted)
    close = closed(events, order_id_of(events))
    assert close is not None and (close.status, close.reason, close.filled_size) == (
        OrderStatus.CANCELLED, CloseReason.FOK, 0)
    assert ex.book() == before and ex.book()["asks"][0][0] == maker
    assert ex.balance(1, USDT) == (FUND_USDT, 0)


def test_post_only_that_would_cross_is_cancelled_whole() -> None:
    ex = standard_exchange()
    ex.sell(2, P, 100)
    events = ex.buy(1, P, 50, force=POST_ONLY)
    assert not of_type(events, TradeExecuted)
    close = closed(events, order_id_of(events))
    assert close is not None and (close.status, close.reason) == (
        OrderStatus.CANCELLED, CloseReason.POST_ONLY)
    assert ex.balance(1, USDT) == (FUND_USDT, 0)


def test_post_only_that_does_not_cross_rests_as_maker() -> None:
    ex = standard_exchange()
    ex.sell(2, P, 100)
    order_id = order_id_of(ex.buy(1, P - 1, 50, force=POST_ONLY))
    assert ex.book()["bids"] == [(order_id, 1, P - 1, 50)]
    trade = one(ex.sell(3, P - 1, 50), TradeExecuted)
    assert trade.maker_order_id == order_id


def test_market_buy_by_quote_amount_returns_the_dust() -> None:
    ex = standard_exchange()
    ex.sell(2, P, 100)
    ex.sell(2, P + 10, 100)
    budget = 150 * P + 1234  # buys 100 at P, then 50 at P + 10 leaves dust below one unit?
    events = ex.market_buy(1, budget)
    trades = of_type(events, TradeExecuted)
    spent = sum(t.quote_amount for t in trades)
    assert [(t.price, t.size) for t in trades] == [(P, 100), (P + 10, (budget - 100 * P) //
                                                              (P + 10))]
    assert budget - spent < P + 10  # less than one more unit at the best ask
    close = closed(events, order_id_of(events))
    assert close is not None and close.status == OrderStatus.FILLED
    # the unspent dust is back in available; nothing stays frozen
    assert ex.balance(1, USDT) == (FUND_USDT - spent, 0)


def test_market_buy_stops_at_an_empty_book_and_returns_the_rest() -> None:
    ex = standard_exchange()
    ex.sell(2, P, 100)
    events = ex.market_buy(1, 500 * P)
    assert one(events, TradeExecuted).size == 100
    close = closed(events, order_id_of(events))
    assert close is not None and (close.status, close.reason) == (
        OrderStatus.CANCELLED, CloseReason.NO_LIQUIDITY)
    assert ex.balance(1, USDT) == (FUND_USDT - 100 * P, 0)


def test_market_sell_by_size_sweeps_the_bids() -> None:
    ex = standard_exchange()
    ex.buy(2, P, 100)
    ex.buy(3, P - 5, 100)
    events = ex.market_sell(1, 150)
    assert [(t.price, t.size) for t in of_type(events, TradeExecuted)] == [(P, 100), (P - 5, 50)]
    close = closed(events, order_id_of(events))
    assert close is not None and close.status == OrderStatus.FILLED
    assert ex.balance(1, BTC) == (FUND_BTC - 150 * 100, 0)


def test_market_order_on_an_empty_book_is_cancelled_no_liquidity() -> None:
    ex = standard_exchange()
    for events in (ex.market_sell(1, 100), ex.market_buy(1, 100 * P)):
        accepted = one(events, OrderAccepted)
        close = closed(events, accepted.order_id)
        assert close is not None and (close.status, close.reason, close.filled_size) == (
            OrderStatus.CANCELLED, CloseReason.NO_LIQUIDITY, 0)
    assert ex.balance(1, USDT) == (FUND_USDT, 0) and ex.balance(1, BTC) == (FUND_BTC, 0)


def test_market_order_only_sweeps_inside_the_price_band() -> None:
    ex = standard_exchange(price_band_ppm=50_000)  # ±5 %
    ex.trade_at(P, 100)
    ex.sell(2, P + 100, 100)
    ex.sell(2, P * 106 // 100, 100)  # beyond last + 5 %
    events = ex.market_buy(1, 1000 * P)
    assert [t.price for t in of_type(events, TradeExecuted)] == [P + 100]
    close = closed(events, order_id_of(events))
    assert close is not None and close.reason == CloseReason.NO_LIQUIDITY


def test_fees_are_charged_in_the_asset_received_and_rounded_up() -> None:
    ex = standard_exchange()
    ex.sell(2, 1, 1)  # 1 size unit (100 BTC units) at price 0.01: notional 1 unit
    trade = one(ex.buy(1, 1, 1), TradeExecuted)
    # buyer (taker) receives 100 BTC units: 0.1 % = 0.1, rounded up to 1
    # seller (maker) receives 1 USDT unit: 0.1 % = 0.001, rounded up to 1
    assert (trade.base_amount, trade.quote_amount, trade.taker_fee, trade.maker_fee) == (
        100, 1, 1, 1)
    assert ex.balance(1, BTC) == (FUND_BTC + 99, 0)
    assert ex.balance(2, USDT) == (FUND_USDT + 0, 0)


def test_trade_uses_the_maker_price_for_a_crossing_sell() -> None:
    ex = standard_exchange()
    ex.buy(2, P + 500, 100)
    trade = one(ex.sell(1, P, 100), TradeExecuted)
    assert trade.price == P + 500
    assert ex.balance(1, USDT)[0] == FUND_USDT + 100 * (P + 500) - \
        -(-100 * (P + 500) * 1000 // 1_000_000)


def test_insufficient_balance_freezes_nothing() -> None:
    ex = standard_exchange(users=(1,))
    assert reject_code(ex.buy(1, P, FUND_USDT // P + 1)) == RejectCode.INSUFFICIENT_BALANCE
    assert reject_code(ex.sell(1, P, FUND_BTC // 100 + 1)) == RejectCode.INSUFFICIENT_BALANCE
    assert reject_code(ex.market_buy(1, FUND_USDT + 1)) == RejectCode.INSUFFICIENT_BALANCE
    assert ex.balance(1, USDT) == (FUND_USDT, 0)
    # exactly the balance is fine
    assert reject_code(ex.sell(1, P, FUND_BTC // 100)) is None
    assert ex.balance(1, BTC) == (0, FUND_BTC)


def test_limit_order_filled_over_many_makers_leaves_no_dust_frozen() -> None:
    ex = standard_exchange()
    for offset in range(7):
        ex.sell(2, P - 7 * offset, 3 + offset)
    events = ex.buy(1, P + 3, sum(3 + o for o in range(7)))
    assert len(of_type(events, TradeExecuted)) == 7
    assert ex.balance(1, USDT)[1] == 0 and ex.balance(2, BTC)[1] == 0


def test_market_buy_fills_whole_lots_only() -> None:
    ex = standard_exchange(lot=10, min_size=10)
    ex.sell(2, P, 100)
    events = ex.market_buy(1, 15 * P)  # pays for 15 units: one lot of 10
    assert [t.size for t in of_type(events, TradeExecuted)] == [10]
    assert ex.book()["asks"][0][3] == 90  # the maker keeps a whole number of lots
    close = closed(events, order_id_of(events))
    assert close is not None and close.status == OrderStatus.FILLED
    assert ex.balance(1, USDT) == (FUND_USDT - 10 * P, 0)


def test_only_resting_orders_count_against_the_open_order_limit() -> None:
    ex = standard_exchange(max_open_orders=1)
    ex.sell(2, P, 1000)
    ex.buy(1, P - 10, 100)
    assert reject_code(ex.buy(1, P - 11, 100)) == RejectCode.TOO_MANY_OPEN_ORDERS
    assert reject_code(ex.buy(1, P - 11, 100, force=POST_ONLY)) == RejectCode.TOO_MANY_OPEN_ORDERS
    assert reject_code(ex.buy(1, P, 10, force=IOC)) is None
    assert reject_code(ex.buy(1, P, 10, force=FOK)) is None
    assert reject_code(ex.market_buy(1, 10 * P)) is None
    assert reject_code(ex.buy(1, 300_000, 10, symbol="ETHUSDT")) is None  # per symbol
    assert reject_code(ex.buy(2, P - 11, 100)) == RejectCode.TOO_MANY_OPEN_ORDERS
    assert reject_code(ex.buy(3, P - 11, 100)) is None  # per user


def test_limit_prices_beyond_the_band_are_refused_even_for_fok() -> None:
    ex = standard_exchange(price_band_ppm=50_000)
    ex.trade_at(P, 100)
    ex.sell(2, P * 104 // 100, 100)
    assert reject_code(ex.buy(1, P * 106 // 100, 100, force=FOK)) == RejectCode.PRICE_OUT_OF_BAND
    assert reject_code(ex.sell(1, P * 94 // 100, 100, force=IOC)) == RejectCode.PRICE_OUT_OF_BAND
    events = ex.buy(1, P * 105 // 100, 100, force=FOK)
    assert one(events, TradeExecuted).price == P * 104 // 100


def test_market_sell_stops_at_the_lower_band_edge() -> None:
    ex = standard_exchange(price_band_ppm=50_000)
    ex.trade_at(P, 100)
    ex.buy(2, P - 100, 100)
    ex.buy(2, P * 94 // 100, 100)  # below last - 5 %
    events = ex.market_sell(1, 200)
    assert [t.price for t in of_type(events, TradeExecuted)] == [P - 100]
    close = closed(events, order_id_of(events))
    assert close is not None and (close.reason, close.filled_size) == (CloseReason.NO_LIQUIDITY,
                                                                       100)
    assert ex.balance(1, BTC) == (FUND_BTC - 100 * 100, 0)


def test_market_order_with_stp_cancel_taker_stops_at_its_own_order() -> None:
    ex = standard_exchange()
    ex.sell(2, P, 50)
    own = order_id_of(ex.sell(1, P + 1, 50))
    events = ex.market_buy(1, 1000 * P, stp=1)
    assert [t.size for t in of_type(events, TradeExecuted)] == [50]
    close = closed(events, order_id_of(events))
    assert close is not None and close.reason == CloseReason.STP
    assert ex.book()["asks"][0][0] == own
    assert ex.balance(1, USDT) == (FUND_USDT - 50 * P, 0)
