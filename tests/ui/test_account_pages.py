"""Account pages in the browser: TOTP enrolment and log-in, API keys, password change."""
from __future__ import annotations

import re
import time

import pyotp
from playwright.sync_api import Page, expect

from .conftest import UiServer, shot, sign_up, unique_email


def _next_code(secret: str) -> str:
    """The code of the next 30 s step: each step is accepted once, and the current one may
    already have been used by the previous form (the server accepts ±1 step of skew)."""
    totp = pyotp.TOTP(secret)
    return totp.at(time.time() + totp.interval)


def test_totp_enrol_and_login(page: Page, quiet_server: UiServer) -> None:
    base = quiet_server.url
    email, password = unique_email("totp"), "correct horse 2"
    sign_up(page, base, email, password)
    page.goto(base + "/security")
    expect(page.locator("#totp-state")).to_have_text("Off")
    page.click("#totp-start")
    expect(page.locator("#totp-enrol")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text().strip()
    assert len(secret) >= 16
    expect(page.locator("#totp-uri")).to_contain_text("otpauth://totp/")
    expect(page.locator("#totp-qr svg path")).to_have_attribute(
        "d", re.compile(r"^M\d+ \d+h1v1h-1z"))
    shot(page, "security-totp-enrol")
    page.console_watch.allow_http(400)  # type: ignore[attr-defined]
    page.fill("#totp-enrol input[name=otp]",
              "000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    page.click("#totp-enrol button[type=submit]")
    expect(page.locator('#totp-enrol [data-err-for="otp"]')).to_contain_text("does not match")
    page.fill("#totp-enrol input[name=otp]", pyotp.TOTP(secret).now())
    page.click("#totp-enrol button[type=submit]")
    expect(page.locator("#totp-state")).to_have_text("On")

    page.click("#logout")
    page.wait_for_url("**/login")
    page.console_watch.allow_http(401, times=2)  # type: ignore[attr-defined]
    page.fill("#login-form input[name=email]", email)
    page.fill("#login-form input[name=password]", password)
    page.click("#login-form button[type=submit]")
    expect(page.locator("#otp-field")).to_be_visible()
    expect(page.locator('[data-err-for="otp"]')).to_contain_text("6-digit code")
    page.fill("#login-form input[name=otp]", "12345x")
    page.click("#login-form button[type=submit]")
    expect(page.locator('[data-err-for="otp"]')).to_contain_text("wrong")
    shot(page, "login-totp")
    page.fill("#login-form input[name=otp]", _next_code(secret))
    page.click("#login-form button[type=submit]")
    page.wait_for_url("**/markets")
    expect(page.locator("#who-email")).to_have_text(email)


def test_api_key_create_use_revoke(page: Page, quiet_server: UiServer) -> None:
    base = quiet_server.url
    sign_up(page, base, unique_email("keys"))
    page.goto(base + "/api-keys")
    expect(page.locator("#key-rows")).to_contain_text("No API keys yet")
    page.fill("#key-form input[name=label]", "my bot")
    page.fill("#key-form input[name=ips]", "127.0.0.1, 10.0.0.7")
    page.check('#key-form input[value="transfer"]')
    page.click("#key-form button[type=submit]")
    expect(page.locator("#secret-modal")).to_be_visible()
    creds = {"apiKey": page.locator("#new-key").inner_text(),
             "secretKey": page.locator("#new-secret").inner_text(),
             "passphrase": page.locator("#new-passphrase").inner_text()}
    shot(page, "api-key-created")
    page.click('[data-copy="new-secret"]')  # clipboard where allowed, else the text is selected
    expect(page.locator("body")).to_contain_text(re.compile(r"Copied|Press Ctrl\+C"))
    page.click("#secret-done")
    expect(page.locator("#secret-modal")).to_be_hidden()

    row = page.locator(f'#key-rows tr[data-key="{creds["apiKey"]}"]')
    expect(row).to_contain_text("my bot")
    expect(row).to_contain_text("127.0.0.1,10.0.0.7")
    for perm in ("read", "trade", "transfer"):
        expect(row).to_contain_text(perm)
    expect(row).not_to_contain_text("withdraw")
    expect(row).to_contain_text("Active")
    reply = quiet_server.signed(creds, "GET", "/api/v2/spot/account/info")
    assert reply["code"] == "00000", reply
    assert reply["data"]["authorities"] == ["read", "trade", "transfer"]
    shot(page, "api-keys")

    row.locator("button[data-revoke]").click()
    page.click("#confirm-cancel")  # changing one's mind leaves the key alone
    expect(row).to_contain_text("Active")
    row.locator("button[data-revoke]").click()
    page.click("#confirm-ok")
    expect(row).to_contain_text("Revoked")
    assert quiet_server.signed(creds, "GET", "/api/v2/spot/account/info")["code"] == "40006"


def test_password_change_and_logout_revokes_session_key(page: Page, quiet_server: UiServer) -> None:
    base = quiet_server.url
    email = unique_email("pw")
    sign_up(page, base, email, "first password")
    session = page.evaluate("fetch('/ui/session').then(r => r.json()).then(p => p.data)")
    creds = {k: session[k] for k in ("apiKey", "secretKey", "passphrase")}
    assert quiet_server.signed(creds, "GET", "/api/v2/spot/account/assets")["code"] == "00000"

    page.goto(base + "/security")
    page.console_watch.allow_http(401)  # type: ignore[attr-defined]
    page.fill("#password-form input[name=current]", "wrong password")
    page.fill("#password-form input[name=new]", "second password")
    page.fill("#password-form input[name=confirm]", "second password")
    page.click("#password-form button[type=submit]")
    expect(page.locator('[data-err-for="current"]')).to_have_text("Current password is incorrect")
    page.fill("#password-form input[name=current]", "first password")
    page.fill("#password-form input[name=new]", "second password")
    page.fill("#password-form input[name=confirm]", "second password")
    page.click("#password-form button[type=submit]")
    expect(page.locator("#toasts")).to_contain_text("Password changed")
    shot(page, "security")

    page.click("#logout")
    page.wait_for_url("**/login")
    # The session's API key died with the session.
    assert quiet_server.signed(creds, "GET", "/api/v2/spot/account/assets")["code"] == "40006"
    page.console_watch.allow_http(401)  # type: ignore[attr-defined]
    page.fill("#login-form input[name=email]", email)
    page.fill("#login-form input[name=password]", "first password")
    page.click("#login-form button[type=submit]")
    expect(page.locator('[data-err-for="password"]')).to_have_text("Email or password is incorrect")
    page.fill("#login-form input[name=password]", "second password")
    page.click("#login-form button[type=submit]")
    page.wait_for_url("**/markets")


def test_assets_demo_deposit_and_withdraw(page: Page, quiet_server: UiServer) -> None:
    base = quiet_server.url
    sign_up(page, base, unique_email("assets"))
    page.click("#demo-funds")
    history = page.locator("#history-rows tr")
    expect(history).to_have_count(5)  # one deposit record per credited coin, via deposit-records
    expect(page.locator("#history-rows")).to_contain_text("10,000")

    deposit = page.locator("#deposit-form")
    deposit.locator("select[name=coin]").select_option("ETH")
    deposit.locator("input[name=amount]").fill("2.5")
    deposit.locator("button[type=submit]").click()
    expect(page.locator('#balance-rows tr[data-coin="ETH"] td').nth(1)).to_have_text("7.5")
    expect(history).to_have_count(6)

    withdraw = page.locator("#withdraw-form")
    withdraw.locator("select[name=coin]").select_option("ETH")
    page.console_watch.allow_http(400)  # type: ignore[attr-defined]
    withdraw.locator("input[name=amount]").fill("100")
    withdraw.locator("button[type=submit]").click()
    expect(withdraw.locator('[data-err-for="amount"]')).to_contain_text("Insufficient balance")
    withdraw.locator("input[name=amount]").fill("1.5")
    withdraw.locator("button[type=submit]").click()
    expect(page.locator('#balance-rows tr[data-coin="ETH"] td').nth(1)).to_have_text("6")
    page.click('#history-tabs .tab[data-history="withdrawals"]')
    expect(page.locator("#history-rows")).to_contain_text("1.5")
    shot(page, "assets-history")


def test_assets_transfer_between_spot_and_funding(page: Page, quiet_server: UiServer) -> None:
    """The transfer form moves funds spot -> funding and back through the public API."""
    sign_up(page, quiet_server.url, unique_email("transfer"))
    page.click("#demo-funds")
    usdt_spot = page.locator('#balance-rows tr[data-coin="USDT"] td').nth(1)
    expect(usdt_spot).to_have_text("10,000")
    transfer = page.locator("#transfer-form")
    expect(transfer).to_be_visible()  # shown because the node serves funding-assets

    transfer.locator("select[name=coin]").select_option("USDT")
    page.console_watch.allow_http(400)  # type: ignore[attr-defined]
    transfer.locator("input[name=amount]").fill("20000")
    transfer.locator("button[type=submit]").click()
    expect(transfer.locator('[data-err-for="amount"]')).to_contain_text("nsufficient")
    expect(usdt_spot).to_have_text("10,000")  # a refused transfer moved nothing

    transfer.locator("input[name=amount]").fill("1234.5")
    transfer.locator("button[type=submit]").click()
    expect(usdt_spot).to_have_text("8,765.5")
    page.click('#account-tabs .tab[data-account="funding"]')
    expect(page.locator('#balance-rows tr[data-coin="USDT"] td').nth(1)).to_have_text("1,234.5")
    shot(page, "assets-funding")

    transfer.locator("select[name=fromType]").select_option("funding")
    transfer.locator("select[name=toType]").select_option("spot")
    transfer.locator("input[name=amount]").fill("234.5")
    transfer.locator("button[type=submit]").click()
    expect(page.locator('#balance-rows tr[data-coin="USDT"] td').nth(1)).to_have_text("1,000")


def test_assets_deposit_address_credited_by_the_operator(page: Page,
                                                         quiet_server: UiServer) -> None:
    """The address card shows the caller's address per coin (the same on every visit); the
    operator's credit to that address lands in the balance and the deposit history."""
    import subprocess
    import sys

    email = unique_email("address")
    sign_up(page, quiet_server.url, email)

    def address_of(coin: str) -> str:
        page.locator("#address-coin").select_option(coin)
        shown = page.locator(f'#deposit-address[data-coin="{coin}"]')  # the answer for it
        expect(shown).to_have_text(re.compile(r"^ob[0-9a-f]{32}$"))
        return shown.inner_text()

    eth = address_of("ETH")
    expect(page.locator("#address-qr svg path")).to_have_attribute(
        "d", re.compile(r"^M\d+ \d+h1v1h-1z"))
    assert address_of("BTC") != eth
    page.reload()
    assert address_of("ETH") == eth  # the same address on the next visit
    shot(page, "assets-deposit-address")

    subprocess.run([sys.executable, "-m", "openbourse.runtime.cli", "deposit", eth, "ETH", "0.75",
                    "--ref", "0xfeed01", "--data-dir", str(quiet_server.data_dir)],
                   check=True, capture_output=True, text=True, timeout=60)
    page.reload()
    expect(page.locator('#balance-rows tr[data-coin="ETH"] td').nth(1)).to_have_text("0.75")
    expect(page.locator("#history-rows")).to_contain_text("0xfeed01")
