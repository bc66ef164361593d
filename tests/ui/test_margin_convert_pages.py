"""Margin mode on the spot trading page and the Convert page, in Chromium against a real
demo server (no market makers: the test's own orders make the book and the last price).

Trading page: switch to Cross margin, transfer collateral in, borrow, see the debt and the
margin level, repay.  Convert page: quote, accept, see the conversion in the history.
"""
from __future__ import annotations

from decimal import Decimal

from playwright.sync_api import Page, expect

from .conftest import UiServer, shot, sign_up, unique_email


def _seed_book(server: UiServer) -> None:
    """The demo user rests asks and bids around 60,000 and trades once at 60,000."""
    creds = server.demo_credentials()
    for side, price, size in (("sell", "60100", "0.5"), ("buy", "59900", "0.5"),
                              ("sell", "60000", "0.01"), ("buy", "60000", "0.01")):
        reply = server.signed(creds, "POST", "/api/v2/spot/trade/place-order",
                              {"symbol": "BTCUSDT", "side": side, "orderType": "limit",
                               "force": "gtc", "price": price, "size": size})
        assert reply["code"] == "00000", reply


def _num(text: str) -> Decimal:
    return Decimal(text.split()[0].replace(",", ""))


def test_margin_mode_and_convert(page: Page, quiet_server: UiServer) -> None:
    base = quiet_server.url
    _seed_book(quiet_server)
    sign_up(page, base, unique_email("margin"))
    page.click("#demo-funds")
    expect(page.locator("#toasts")).to_contain_text("Demo funds credited")

    # -- margin mode on the trading page -----------------------------------------------
    page.goto(base + "/trade/BTCUSDT")
    panel = page.locator("#margin-panel")
    expect(panel).to_be_visible()
    page.click('#margin-modes .tab[data-mode="cross"]')
    expect(page.locator("#margin-body")).to_be_visible()
    page.select_option("#loan-coin", "USDT")
    page.fill("#loan-form input[name=amount]", "1000")
    page.click("#transfer-in-btn")
    expect(page.locator("#toasts")).to_contain_text("Transferred in 1000 USDT")
    page.fill("#loan-form input[name=amount]", "500")
    page.click("#borrow-btn")
    expect(page.locator("#toasts")).to_contain_text("Borrowed 500 USDT")
    borrowed = page.locator('#margin-assets tr[data-coin="USDT"] td[data-field="borrow"]')
    expect(borrowed).to_have_text("500")
    page.wait_for_function(
        "() => !['--', '∞', ''].includes(document.querySelector('#margin-level').textContent)"
    )
    level = Decimal(page.locator("#margin-level").inner_text())
    assert Decimal("2.9") < level < Decimal("3.1")  # 1,500 of assets for 500 (+ε) of debt
    shot(page, "trade-margin")
    # repaying more than owed is the API's error, shown in the panel; nothing changes
    page.fill("#loan-form input[name=amount]", "5000")
    page.console_watch.allow_http(400)  # type: ignore[attr-defined]
    page.click("#repay-btn")
    expect(page.locator("#loan-form .form-error")).to_contain_text("33003")
    expect(borrowed).to_have_text("500")

    # -- convert page ----------------------------------------------------------------------
    page.goto(base + "/convert")
    expect(page.locator(".nav a[data-nav=convert]")).to_have_class("active")
    page.select_option("#quote-form select[name=fromCoin]", "USDT")
    page.select_option("#quote-form select[name=toCoin]", "BTC")
    page.fill("#quote-form input[name=fromCoinSize]", "601")
    page.click("#quote-btn")
    expect(page.locator("#quote-box")).to_be_visible()
    received = _num(page.locator("#q-to").inner_text())
    assert Decimal("0.0099") < received < Decimal("0.01")  # 601 USDT at 60,100 less the spread
    shot(page, "convert-quote")
    page.click("#accept-btn")
    expect(page.locator("#toasts")).to_contain_text("Converted 601 USDT")
    expect(page.locator("#convert-history tr").first).to_contain_text("USDT")
    expect(page.locator("#convert-history tr").first).to_contain_text("BTC")
    shot(page, "convert")
