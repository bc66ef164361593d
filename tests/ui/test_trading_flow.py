"""The trader's path through the UI, against a real server without market makers.

Sign up, claim demo funds, place a limit buy (seen in the book and in open orders),
cancel it, market-buy against liquidity another user posted through the REST API, see
the fill in trade history and the balance change, place and cancel a trigger order, and
see both client-side validation and the API's own rejection next to the right field.
"""
from __future__ import annotations

from decimal import Decimal

from playwright.sync_api import Page, expect

from .conftest import UiServer, shot, sign_up, unique_email


def _decimal(text: str) -> Decimal:
    return Decimal(text.split()[0].replace(",", ""))


def _post_maker_ask(server: UiServer) -> None:
    """The demo user (a REST client, like a bot) rests 0.05 BTC at 65,000."""
    creds = server.demo_credentials()
    reply = server.signed(creds, "POST", "/api/v2/spot/trade/place-order",
                          {"symbol": "BTCUSDT", "side": "sell", "orderType": "limit",
                           "force": "gtc", "price": "65000", "size": "0.05"})
    assert reply["code"] == "00000", reply


def test_trading_flow(page: Page, quiet_server: UiServer) -> None:
    base = quiet_server.url
    sign_up(page, base, unique_email("trader"))

    # -- demo funds ------------------------------------------------------------------
    page.click("#demo-funds")
    expect(page.locator("#toasts")).to_contain_text("Demo funds credited")
    expect(page.locator('#balance-rows tr[data-coin="USDT"] td').nth(1)).to_have_text("10,000")
    shot(page, "assets")

    _post_maker_ask(quiet_server)
    page.goto(base + "/trade/BTCUSDT")
    expect(page.locator("#avbl")).to_have_text("10,000 USDT")
    ask = page.locator('#book-asks .book-row[data-price="65000.00"]')
    expect(ask).to_contain_text("0.0500")
    ask.click()  # a book row fills the order form's price
    expect(page.locator("#order-form input[name=price]")).to_have_value("65000.00")

    # -- client-side validation: nothing is sent ---------------------------------------
    page.fill("#order-form input[name=price]", "60000.001")
    page.fill("#order-form input[name=size]", "0.00001")
    page.click("#submit-order")
    expect(page.locator('[data-err-for="price"]')).to_have_text("Price must be a multiple of 0.01")
    expect(page.locator('[data-err-for="size"]')).to_have_text(
        "Amount must be a multiple of 0.0001 BTC")

    # -- limit buy: in the book and in open orders; then cancel ---------------------------
    page.fill("#order-form input[name=price]", "60000")
    page.fill("#order-form input[name=size]", "0.01")
    page.click("#submit-order")
    open_row = page.locator("#open-orders tr[data-order-id]")
    expect(open_row).to_have_count(1)
    expect(open_row).to_contain_text("60,000")
    bid = page.locator('#book-bids .book-row[data-price="60000.00"]')
    expect(bid).to_contain_text("0.0100")
    expect(page.locator("#pair-balances")).to_contain_text("9,400")  # 600 USDT held by the order
    shot(page, "trade-open-order")
    page.click("#open-orders button[data-cancel]")
    expect(page.locator("#open-orders")).to_contain_text("No open orders")
    expect(bid).to_have_count(0)
    expect(page.locator("#avbl")).to_have_text("10,000 USDT")

    # -- two more bids, cancelled together --------------------------------------------
    for price in ("59000", "58000"):
        page.fill("#order-form input[name=price]", price)
        page.fill("#order-form input[name=size]", "0.01")
        page.click("#submit-order")
    expect(open_row).to_have_count(2)
    page.click("#cancel-all")
    page.click("#confirm-ok")
    expect(page.locator("#open-orders")).to_contain_text("No open orders")
    expect(page.locator("#book-bids .book-row[data-price]:not([data-price=''])")).to_have_count(0)

    # -- market buy for 100 USDT fills against the maker's ask ---------------------------
    page.click('#order-types .tab[data-type="market"]')
    page.fill("#order-form input[name=size]", "100")
    page.click("#submit-order")
    page.click('#order-tabs .tab[data-tab="fills"]')
    fill = page.locator("#trade-history tr[data-trade-id]")
    expect(fill).to_have_count(1)
    expect(fill).to_contain_text("65,000")
    value = _decimal(fill.locator("td").nth(5).inner_text())
    assert Decimal("0") < value <= Decimal("100")
    expect(page.locator("#avbl")).to_have_text(
        f"{Decimal('10000') - value:,f} USDT".replace(".0 ", " "))
    page.click('#order-tabs .tab[data-tab="history"]')
    # 3 cancelled + 1 filled
    expect(page.locator("#order-history tr[data-order-id]")).to_have_count(4)

    # -- trigger order: placed, listed, cancelled -----------------------------------------
    page.click('#order-types .tab[data-type="trigger"]')
    page.fill("#order-form input[name=triggerPrice]", "70000")
    page.fill("#order-form input[name=price]", "70000")
    page.fill("#order-form input[name=size]", "0.001")
    page.click("#submit-order")
    page.click('#order-tabs .tab[data-tab="plans"]')
    plan = page.locator("#plan-orders tr[data-plan-id]")
    expect(plan).to_contain_text("70,000")
    plan.locator("button").click()
    expect(page.locator("#plan-orders")).to_contain_text("No trigger orders")

    # -- the API's own rejection, next to the field it concerns --------------------------
    page.click('#order-types .tab[data-type="limit"]')
    page.console_watch.allow_http(400)  # type: ignore[attr-defined]
    page.fill("#order-form input[name=price]", "60000")
    page.fill("#order-form input[name=size]", "1")  # 60,000 USDT: more than the balance
    page.click("#submit-order")
    expect(page.locator('[data-err-for="size"]')).to_contain_text("Insufficient balance (43012)")
    expect(page.locator("#open-orders")).to_contain_text("No open orders")
    shot(page, "trade-rejected-order")


def test_page_recovers_after_server_restart(page: Page, quiet_server: UiServer) -> None:
    """The feeds reconnect, log in again with the (persisted) session key and resync."""
    base = quiet_server.url
    sign_up(page, base, unique_email("restart"))
    page.click("#demo-funds")
    expect(page.locator("#toasts")).to_contain_text("Demo funds credited")
    page.goto(base + "/trade/BTCUSDT")
    dot = page.locator("#conn-dot")
    expect(dot).to_have_class("conn live")
    expect(page.locator("#avbl")).to_have_text("10,000 USDT")

    page.console_watch.allow_text("net::ERR_CONNECTION_REFUSED")  # type: ignore[attr-defined]
    quiet_server.stop()
    expect(dot).to_have_class("conn down")
    quiet_server.start()
    expect(dot).to_have_class("conn live", timeout=20_000)

    page.fill("#order-form input[name=price]", "50000")
    page.fill("#order-form input[name=size]", "0.002")
    page.click("#submit-order")
    # private feed is back
    expect(page.locator("#open-orders tr[data-order-id]")).to_contain_text("50,000")
    # public too
    expect(page.locator('#book-bids .book-row[data-price="50000.00"]')).to_contain_text("0.0020")
    expect(page.locator("#avbl")).to_have_text("9,900 USDT")
    page.click("#open-orders button[data-cancel]")
    expect(page.locator("#open-orders")).to_contain_text("No open orders")
