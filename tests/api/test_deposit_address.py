"""Deposit addresses: one per user and coin, handed out by ``spot/wallet/deposit-address``,
and credited by the operator by address (CLI ``openbourse deposit ADDRESS`` or the admin
endpoint), idempotently on the transaction id.
"""

from __future__ import annotations

import json
from pathlib import Path

from openbourse.adapters.deposits import split_ref
from openbourse.adapters.users import DEPOSIT_ADDRESS, UserError, UserStore

from .conftest import Raw, Server, ccxt_client, cli
from .test_wallet import code, ok, spot

ADDRESS = "/api/v2/spot/wallet/deposit-address"
ADMIN_DEPOSIT = "/api/v2/openbourse/admin/deposit"


def deposit_cli(server: Server, *args: str) -> object:
    result = cli("deposit", *args, "--json", "--data-dir", str(server.data_dir), check=False)
    return json.loads(result.stdout) if result.returncode == 0 else result


def test_address_with_ccxt_and_credit_by_address(server: Server, make_user) -> None:
    creds = make_user({"USDT": "10"})
    client = Raw(server.url, creds)
    ex = ccxt_client(server.url, creds)
    ex.load_markets()
    got = ex.fetch_deposit_address("USDT")
    address = got["address"]
    assert DEPOSIT_ADDRESS.fullmatch(address) and got["currency"] == "USDT"
    assert got["info"] == {"coin": "USDT", "address": address, "chain": "OPENBOURSE",
                           "tag": "", "url": ""}
    assert ex.fetch_deposit_address("USDT", {"network": "OPENBOURSE"})["address"] == address
    btc = ex.fetch_deposit_address("BTC")["address"]
    other = ccxt_client(server.url, make_user({}))
    other.load_markets()
    assert len({address, btc, other.fetch_deposit_address("USDT")["address"]}) == 3

    credited = deposit_cli(server, address, "USDT", "25.5", "--ref", "0xabc1")
    assert credited["address"] == address and credited["ref"] == "0xabc1"
    assert credited["duplicate"] is False
    again = deposit_cli(server, address, "usdt", "25.5", "--ref", "0xabc1")
    assert again["duplicate"] is True  # the same transaction is credited once
    assert spot(client)["USDT"] == ("35.500000", "0.000000")
    deposits = {d["txid"]: d for d in ex.fetch_deposits("USDT")}
    assert deposits["0xabc1"]["address"] == address and deposits["0xabc1"]["amount"] == 25.5
    rows = ok(client.get("/api/v2/spot/wallet/deposit-records", "coin=USDT"))
    assert [(r["toAddress"], r["tradeId"] == "0xabc1") for r in rows] == [
        (address, True), ("", False)]  # the deposit by email (make_user) names no address

    for args, needle in (
        ((address, "BTC", "1"), "receives USDT, not BTC"),
        (("ob" + "0" * 32, "USDT", "1"), "unknown deposit address"),
        ((address, "USDT", "1", "--ref", "two words"), "bad ref"),
        ((address, "USDT", "-1"), "must be positive"),
    ):
        result = deposit_cli(server, *args)
        assert result.returncode == 1 and needle in result.stderr, (args, result.stderr)
    assert spot(client)["USDT"] == ("35.500000", "0.000000")


def test_admin_endpoint_credits_by_address(server: Server, make_user) -> None:
    creds = make_user({"USDT": "1"})
    client = Raw(server.url, creds)
    address = ok(client.get(ADDRESS, "coin=USDT"))["address"]
    d = ["--data-dir", str(server.data_dir)]
    cli("users", "create", "deposit-root@test.io", "--password", "correct-horse-7", "--admin", *d)
    admin = Raw(server.url, json.loads(cli("keys", "create", "deposit-root@test.io", "--perm",
                                           "read,transfer", "--json", *d).stdout))
    body = {"address": address, "coin": "USDT", "amount": "4", "ref": "tx-7"}
    first = ok(admin.post(ADMIN_DEPOSIT, body))
    assert (first["address"], first["ref"], first["duplicate"]) == (address, "tx-7", False)
    assert ok(admin.post(ADMIN_DEPOSIT, body))["duplicate"] is True
    for bad, expected in (
        ({**body, "email": creds["email"]}, "40017"),  # email and address: which one?
        ({k: v for k, v in body.items() if k != "address"}, "40017"),  # neither
        ({**body, "coin": "BTC"}, "40017"),  # a USDT address
        ({**body, "address": "ob" + "f" * 32}, "40300"),  # never handed out
        ({**body, "ref": "a:b"}, "40017"),
    ):
        assert code(admin.post(ADMIN_DEPOSIT, bad)) == expected, bad
    assert spot(client)["USDT"] == ("5.000000", "0.000000")


def test_bad_requests_get_bitget_codes(server: Server, make_user) -> None:
    client = Raw(server.url, make_user({}))
    for query, expected in (
        ("", "40019"),  # coin is required
        ("coin=NOPE", "40034"),
        ("coin=USDT&chain=TRC20", "40017"),
        ("coin=USDT&size=0.1", "40017"),  # Lightning invoices only
        ("coin=USDT&memo=x", "40017"),
    ):
        assert code(client.get(ADDRESS, query)) == expected, query
    assert ok(client.get(ADDRESS, "coin=USDT&chain=openbourse"))["chain"] == "OPENBOURSE"


def test_addresses_survive_a_reopen(tmp_path: Path) -> None:
    store = UserStore(tmp_path / "users.db")
    alice = store.create_user("alice@test.io", "correct-horse-2")
    bob = store.create_user("bob@test.io", "correct-horse-3")
    first = store.deposit_address(alice.id, "USDT")
    assert store.deposit_address(alice.id, "USDT") == first
    assert store.deposit_address(bob.id, "USDT") != first
    store.close()
    store = UserStore(tmp_path / "users.db")
    assert store.deposit_address(alice.id, "USDT") == first
    assert store.address_owner(first) == (alice, "USDT")
    try:
        store.address_owner("ob" + "1" * 32)
    except UserError as exc:
        assert "unknown deposit address" in str(exc)
    else:
        raise AssertionError("an address never handed out has no owner")


def test_refs_keep_the_address_apart() -> None:
    address = "ob" + "a" * 32
    assert split_ref(f"{address}:0xfeed") == (address, "0xfeed")
    assert split_ref("admin-00ff") == ("", "admin-00ff")
    assert split_ref("ob12:x") == ("", "ob12:x")  # not an address
