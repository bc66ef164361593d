"""The futures page in a real browser, against a server without market makers.

Sign up, claim demo funds, move USDT into the futures account, set leverage, open a long
against an ask the demo user (a REST client) rests, see the position (size, entry, mark,
liquidation price, PnL), set a stop-loss from the positions panel, and close the position
at market against a bid the demo user rests.
"""
from __future__ import annotations

from decimal import Decimal

import httpx
from playwright.sync_api import Page, expect

from .conftest import UiServer, shot, sign_up, unique_email


def _mark(server: UiServer) -> Decimal:
    rows = httpx.get(server.url + "/api/v2/mix/market/symbol-price",
                     params={"symbol": "BTCUSDT", "productType": "USDT-FUTURES"}).json()["data"]
    return Decimal(rows[0]["markPrice"])


def _demo_order(server: UiServer, side: str, price: Decimal, size: str) -> None:
    reply = server.signed(server.demo_credentials(), "POST", "/api/v2/mix/order/place-order",
                          {"symbol": "BTCUSDT", "productType": "USDT-FUTURES", "marginCoin": "USDT",
                           "side": side, "orderType": "limit", "force": "gtc",
                           "price": str(price), "size": size})
    assert reply["code"] == "00000", reply


def test_futures_page(page: Page, quiet_server: UiServer) -> None:
    base = quiet_server.url
    sign_up(page, base, unique_email("futures"))
    page.click("#demo-funds")
    expect(page.locator("#toasts")).to_contain_text("Demo funds credited")

    page.goto(base + "/futures?symbol=BTCUSDT")
    expect(page.locator("#t-mark")).not_to_have_text("--")
    expect(page.locator("#t-index")).not_to_have_text("--")
    expect(page.locator("#t-funding")).to_contain_text("%")
    expect(page.locator("#pair-select option")).to_have_count(6)

    # -- transfer spot -> futures, leverage ------------------------------------------------
    page.click("#transfer-btn")
    page.fill("#transfer-form input[name=amount]", "2000")
    page.click("#transfer-form button[type=submit]")
    expect(page.locator("#avbl")).to_have_text("2,000 USDT")
    page.fill("#leverage", "20")
    page.click("#set-leverage")
    expect(page.locator("#toasts")).to_contain_text("Leverage set to 20x")
    expect(page.locator("#leverage")).to_have_value("20")

    # -- open a long against the demo user's ask -------------------------------------------
    price = _mark(quiet_server).quantize(Decimal("0.1"))
    _demo_order(quiet_server, "sell", price, "0.01")
    page.fill("#order-form input[name=price]", str(price))
    page.fill("#order-form input[name=size]", "0.01")
    expect(page.locator("#order-cost")).to_contain_text("USDT")
    page.click("#submit-long")
    row = page.locator('#positions tr[data-symbol="BTCUSDT"]')
    expect(row).to_have_count(1)
    expect(row.locator(".pos-size")).to_have_text("0.01")
    expect(row).to_contain_text("Long")
    expect(row).to_contain_text("20x")
    expect(row.locator(".pos-liq")).not_to_have_text("--")
    expect(row.locator(".pos-pnl")).to_contain_text("%")
    expect(page.locator("#avbl")).not_to_have_text("2,000 USDT")  # margin and fee are held

    # -- a stop-loss on the position -------------------------------------------------------
    row.get_by_role("button", name="Set TP/SL").click()  # nothing entered: refused, not "set"
    expect(page.locator("#toasts")).to_contain_text("Enter a take-profit or stop-loss price")
    stop = (price * Decimal("0.9")).quantize(Decimal("0.1"))
    # typed text survives the row being rebuilt by position pushes (mark price ticks)
    row.locator('input[aria-label="Stop-loss price"]').fill(str(stop))
    page.wait_for_timeout(1_500)
    expect(row.locator('input[aria-label="Stop-loss price"]')).to_have_value(str(stop))
    row.get_by_role("button", name="Set TP/SL").click()
    expect(page.locator("#toasts")).to_contain_text("TP/SL set")
    expect(row.locator(".pos-tpsl")).to_contain_text(f"{stop.normalize():,f}", timeout=10_000)
    shot(page, "futures", full_page=False)
    page.click('#order-tabs .tab[data-tab="plans"]')
    expect(page.locator("#plan-orders")).to_contain_text("pos_loss")

    # -- close at market against the demo user's bid ---------------------------------------
    _demo_order(quiet_server, "buy", price, "0.01")
    page.click('#order-tabs .tab[data-tab="positions"]')
    row.get_by_role("button", name="Close").click()
    expect(page.locator("#toasts")).to_contain_text("Position closed")
    expect(page.locator('#positions tr[data-symbol="BTCUSDT"]')).to_have_count(0)
    expect(page.locator("#plan-orders")).to_contain_text("No TP/SL or trigger orders")
    expect(page.locator("#pos-count")).to_have_text("")
    page.click('#order-tabs .tab[data-tab="fills"]')
    expect(page.locator("#trade-history tr")).to_have_count(2)


_WATCH_SHIFTS = """() => {
window.__shifts = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries())
    if (!entry.hadRecentInput) window.__shifts.push(entry.value);
}).observe({ type: 'layout-shift', buffered: false });
}"""


def test_futures_page_streams_without_layout_shift(page: Page, live_server: UiServer) -> None:
    """With the demo futures market makers running: book, trades, chart and the mark price
    stream in; a guest sees the page (and a log-in prompt) with nothing moving."""
    page.goto(live_server.url + "/futures?symbol=ETHUSDT")
    expect(page.locator("#pair-select")).to_have_value("ETHUSDT")
    expect(page.locator(
        "#book-bids .book-row[data-price]:not([data-price=''])").first).to_be_visible(
        timeout=20_000)
    expect(page.locator(
        "#book-asks .book-row[data-price]:not([data-price=''])").first).to_be_visible()
    expect(page.locator("#chart canvas").first).to_be_visible()
    expect(page.locator("#t-mark")).not_to_have_text("--")
    expect(page.locator("#login-to-trade")).to_be_visible()
    expect(page.locator("#positions")).to_contain_text("Log in")
    page.evaluate(_WATCH_SHIFTS)
    page.wait_for_timeout(4000)
    shifts = page.evaluate("() => window.__shifts")
    assert sum(shifts) < 0.001, shifts
    expect(page.locator("#trades .trade-row span").first).not_to_have_text("")
    shot(page, "futures-live", full_page=False)
    with page.expect_response(lambda r: "kLineType=MARK" in r.url and r.ok):
        page.click('#kline-kind .tab[data-kind="MARK"]')  # mark-price candles (REST)
    expect(page.locator("#chart-legend")).to_contain_text("O ")


def test_coin_m_page_counts_in_the_coin(page: Page, live_server: UiServer) -> None:
    """BTCUSD sizes are BTC (as on Bitget), and the order cost is in BTC."""
    page.goto(live_server.url + "/futures?symbol=BTCUSD")
    expect(page.locator("#pair-select")).to_have_value("BTCUSD")
    expect(page.locator("#size-unit")).to_have_text("BTC")
    expect(page.locator("#book-col-size")).to_have_text("Size (BTC)")
    expect(page.locator(
        "#book-bids .book-row[data-price]:not([data-price=''])").first).to_be_visible(
        timeout=20_000)
