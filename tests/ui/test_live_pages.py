"""Pages against a node whose simulated market makers stream prices: markets list,
trading page (first paint, layout stability while data streams), phone width, screenshots,
and the browser's request signing checked against the server's."""
from __future__ import annotations

import hashlib
import json
import re

from playwright.sync_api import Browser, Page, expect

from openbourse.adapters.api.auth import sign

from .conftest import ConsoleWatch, UiServer, shot, sign_up, unique_email

# Layout shifts observed from here on are reported by the page itself.
_WATCH_SHIFTS = """
window.__shifts = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries())
    if (!entry.hadRecentInput) window.__shifts.push(entry.value);
}).observe({ type: 'layout-shift', buffered: false });
"""


def test_markets_page(page: Page, live_server: UiServer) -> None:
    page.goto(live_server.url + "/markets")
    rows = page.locator("#market-rows tr[data-symbol]")
    expect(rows).to_have_count(5)
    btc = page.locator('#market-rows tr[data-symbol="BTCUSDT"]')
    expect(btc.locator("td.last")).not_to_have_text("--")
    expect(btc.locator("svg.spark polyline")).to_have_attribute("points", re.compile(r"\S+ \S+"))
    shot(page, "markets")
    page.fill("#search", "eth")
    # ETH/USDT, ETH/BTC
    expect(page.locator("#market-rows tr[data-symbol]:visible")).to_have_count(2)
    page.fill("#search", "")
    btc.click()
    page.wait_for_url("**/trade/BTCUSDT")


def test_trading_page_paint_and_stability(page: Page, live_server: UiServer) -> None:
    sign_up(page, live_server.url, unique_email("live"))
    page.click("#demo-funds")
    expect(page.locator("#toasts")).to_contain_text("Demo funds credited")
    page.goto(live_server.url + "/trade/BTCUSDT")
    page.wait_for_function(
        "() => performance.getEntriesByName('first-contentful-paint').length > 0")
    paint = page.evaluate("""() => Object.fromEntries(performance.getEntriesByType('paint')
        .map((e) => [e.name, Math.round(e.startTime)]))""")
    nav = page.evaluate("() => performance.getEntriesByType('navigation')[0].toJSON()")
    print(f"\ntrading page on loopback: first-paint {paint.get('first-paint')} ms, "
          f"first-contentful-paint {paint.get('first-contentful-paint')} ms, "
          f"DOMContentLoaded {round(nav['domContentLoadedEventEnd'])} ms")
    assert "first-contentful-paint" in paint
    # Everything has arrived: book levels, trades, candles, balances.
    expect(page.locator(
        "#book-bids .book-row[data-price]:not([data-price=''])").first).to_be_visible()
    expect(page.locator("#trades .trade-row span").first).not_to_have_text("")
    expect(page.locator("#chart canvas").first).to_be_visible()
    expect(page.locator("#avbl")).to_have_text("10,000 USDT")
    page.evaluate(_WATCH_SHIFTS)
    page.wait_for_timeout(4000)  # market makers keep trading: book, trades, ticker, candles update
    shifts = page.evaluate("window.__shifts")
    print(f"layout shift while streaming for 4 s: {sum(shifts):.4f} ({len(shifts)} entries)")
    assert sum(shifts) < 0.001, shifts
    shot(page, "trade")


def test_phone_width(browser: Browser, live_server: UiServer) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    watch = ConsoleWatch(page)
    try:
        for path, name in (("/markets", "markets-phone"), ("/trade/BTCUSDT", "trade-phone"),
                           ("/login", "login-phone")):
            page.goto(live_server.url + path)
            page.wait_for_load_state("networkidle")
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} is {overflow}px wider than a phone screen"
            shot(page, name)
    finally:
        context.close()
    assert watch.errors == [], watch.errors


def test_browser_signature_matches_server(page: Page, live_server: UiServer) -> None:
    """WebCrypto and the pure-JS fallback (plain-HTTP LAN installs) sign as the server checks."""
    page.goto(live_server.url + "/markets")
    cases = [("s3cr3t", "1700000000000GET/api/v2/spot/account/assets"),
             ("k" * 100, '1700000000000POST/api/v2/spot/trade/place-order'
                         '{"symbol":"BTCUSDT","size":"0.01"}'),
             ("é-secret", "1795709109GET/user/verify" + "x" * 300)]
    result = page.evaluate("""async (cases) => {
        const m = await import('/static/js/lib/sign.js');
        const out = [];
        for (const [secret, text] of cases) {
            const web = await m.makeSigner(secret)(text);
            const js = m.base64(m.hmacSha256(new TextEncoder().encode(secret),
                                             new TextEncoder().encode(text)));
            out.push([web, js]);
        }
        return out;
    }""", cases)
    for (secret, text), (web, js) in zip(cases, result):
        assert web == js == sign(secret, text), json.dumps([secret, text])


def test_qr_encoder_matches_an_independent_implementation(page: Page,
                                                           live_server: UiServer) -> None:
    """The enrolment QR code, module for module.  The digests are of matrices made by segno
    1.6.6 (level M, byte mode, its own mask choice) with one correction: segno appends a
    whole zero byte when the terminator already ends on a byte boundary, which the standard
    does not ask for (7.4.10); everything else, including the penalty-based mask choice,
    agrees."""
    page.goto(live_server.url + "/markets")
    cases = {
        # version 6, 4 blocks
        ("otpauth://totp/openbourse:ann%40example.com"
         "?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=openbourse"):
            "6ce142bc6e087b87f74972b7c5d07d0ac0ee16288a342344d1c88bbe36268385",
        # version 13, 9 blocks
        "x" * 300: "a6c4c99a50e77d18b6ddfdcbd85fffbd3b4da81e4eabc96b030a3f559d2b7fbb",
    }
    for text, digest in cases.items():
        rows = page.evaluate("""async (text) => {
            const { qrMatrix } = await import('/static/js/lib/qr.js');
            return qrMatrix(text).map((row) => row.map((dark) => (dark ? '1' : '0')).join(''));
        }""", text)
        assert hashlib.sha256("\n".join(rows).encode()).hexdigest() == digest, text[:40]


def test_order_rules(page: Page, live_server: UiServer) -> None:
    """Client-side validation against the symbol's rules, and the exact request bodies."""
    page.goto(live_server.url + "/markets")
    result = page.evaluate("""async () => {
        const { buildOrder } = await import('/static/js/lib/orderrules.js');
        const market = { symbol: 'BTCUSDT', baseCoin: 'BTC', quoteCoin: 'USDT', pricePrecision: 2,
            quantityPrecision: 4, quotePrecision: 6, minTradeAmount: '0.0001',
            maxTradeAmount: '1000.0000', minTradeUSDT: '5.000000' };
        const run = (values, ctx) => {
            try { return buildOrder(values, market, { lastPrice: '65000.00', ...ctx }); }
            catch (e) { return e.errors; }
        };
        return {
            postOnly: run({ price: '64000.50', size: '0.0100', postOnly: true },
                          { side: 'buy', type: 'limit' }),
            notional: run({ price: '10', size: '0.1' }, { side: 'buy', type: 'limit' }),
            maxSize: run({ price: '10', size: '1000.0001' }, { side: 'sell', type: 'limit' }),
            marketBuy: run({ size: '4.99' }, { side: 'buy', type: 'market' }),
            marketSell: run({ size: '0.5' }, { side: 'sell', type: 'market' }),
            tpsl: run({ price: '64000', size: '0.01', tpsl: true, presetTakeProfitPrice: '63000',
                        presetStopLossPrice: '60000' }, { side: 'buy', type: 'limit' }),
            trigger: run({ triggerPrice: '70000', triggerMarket: true, size: '100' },
                         { side: 'buy', type: 'trigger' }),
        };
    }""")
    assert result["postOnly"] == {"path": "/api/v2/spot/trade/place-order", "body": {
        "symbol": "BTCUSDT", "side": "buy", "orderType": "limit", "force": "post_only",
        "price": "64000.5", "size": "0.01"}}
    assert result["notional"] == [{"field": "size",
                                   "message": "Order value must be at least 5 USDT"}]
    assert result["maxSize"] == [{"field": "size", "message": "Maximum amount is 1000 BTC"}]
    assert result["marketBuy"] == [{"field": "size", "message": "Spend at least 5 USDT"}]
    assert result["marketSell"]["body"] == {"symbol": "BTCUSDT", "side": "sell",
                                            "orderType": "market", "force": "gtc", "size": "0.5"}
    assert result["tpsl"] == [{"field": "presetTakeProfitPrice",
                               "message": "Take-profit must be above 64000 for a buy"}]
    assert result["trigger"] == {"path": "/api/v2/spot/trade/place-plan-order", "body": {
        "symbol": "BTCUSDT", "side": "buy", "orderType": "market", "triggerPrice": "70000",
        "size": "100", "triggerType": "fill_price", "planType": "total"}}
