"""The operator's side of withdrawals: admin endpoints, the CLI live and offline, restarts.

Also the read-model migration (a ``private.sqlite`` made before withdrawals were projected
is rebuilt from the journal) and ``UserStore.set_password``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openbourse.adapters.readmodels.private_store import Batch, PrivateStore
from openbourse.adapters.users import UserError, UserStore

from .conftest import Raw, Server, cli
from .test_wallet import TRANSFER, WITHDRAW, WITHDRAWALS, code, funding, ok, spot

ADMIN = "/api/v2/openbourse/admin/"


def _withdraw(client: Raw, size: str, address: str, oid: str = "") -> str:
    body = {"coin": "USDT", "transferType": "on_chain", "address": address, "size": size}
    return ok(client.post(WITHDRAW, {**body, **({"clientOid": oid} if oid else {})}))["orderId"]


def test_admin_endpoints_settle_withdrawals(server: Server, make_user) -> None:
    owner = Raw(server.url, make_user({"USDT": "100"}, perms="read,withdraw"))
    intruder = Raw(server.url, make_user({"USDT": "5"}, perms="read,transfer,withdraw"))
    first = _withdraw(owner, "20", "a-1", "mine")
    second = _withdraw(owner, "30", "a-2")
    for path in ("withdrawal-complete", "withdrawal-fail"):
        assert code(intruder.post(ADMIN + path, {"orderId": first})) == "40014"
    assert code(intruder.get(ADMIN + "withdrawals")) == "40014"
    assert spot(owner)["USDT"] == ("50.000000", "50.000000")

    d = ["--data-dir", str(server.data_dir)]
    cli("users", "create", "wallet-root@test.io", "--password", "correct-horse-8", "--admin", *d)
    perms = ("--perm", "read,withdraw", "--json")
    admin = Raw(
        server.url, json.loads(cli("keys", "create", "wallet-root@test.io", *perms, *d).stdout)
    )
    queue = ok(admin.get(ADMIN + "withdrawals"))
    assert {first, second} <= {w["orderId"] for w in queue}
    assert [w["toAddress"] for w in queue if w["orderId"] == first] == ["a-1"]
    failed = ok(admin.post(ADMIN + "withdrawal-fail", {"orderId": first}))
    assert failed["status"] == "fail" and failed["clientOid"] == "mine"
    done = ok(admin.post(ADMIN + "withdrawal-complete", {"orderId": second}))
    assert done["status"] == "success" and done["size"] == "30.000000"
    assert spot(owner)["USDT"] == ("70.000000", "0.000000")
    assert code(admin.post(ADMIN + "withdrawal-complete", {"orderId": first})) == "40017"
    assert code(admin.post(ADMIN + "withdrawal-fail", {"orderId": "12345678901"})) == "40034"
    assert code(admin.post(ADMIN + "withdrawal-fail", {"orderId": "x"})) == "40020"
    assert spot(owner)["USDT"] == ("70.000000", "0.000000")
    assert [r["status"] for r in ok(owner.get(WITHDRAWALS))] == ["success", "fail"]


def test_offline_cli_restart_and_replay(tmp_path: Path) -> None:
    d = ["--data-dir", str(tmp_path)]
    server = Server(tmp_path).start()
    try:
        client = Raw(
            server.url, server.user("off@test.io", {"USDT": "100"}, "read,transfer,withdraw")
        )
        first = _withdraw(client, "10", "addr-1")
        second = _withdraw(client, "20", "addr-2")
        ok(
            client.post(
                TRANSFER, {"fromType": "spot", "toType": "p2p", "amount": "5", "coin": "USDT"}
            )
        )
    finally:
        server.stop()

    listed = json.loads(cli("withdrawals", "list", "--json", *d).stdout)
    assert [(w["orderId"], w["email"], w["size"]) for w in listed] == [
        (first, "off@test.io", "10.000000"),
        (second, "off@test.io", "20.000000"),
    ]
    assert (
        json.loads(cli("withdrawals", "complete", first, "--json", *d).stdout)["status"]
        == "success"
    )
    again = cli("withdrawals", "complete", first, *d, check=False)
    assert again.returncode == 1 and "withdrawal state" in again.stderr

    server.start()
    try:
        records = ok(client.get(WITHDRAWALS))
        assert [(r["orderId"], r["status"]) for r in records] == [
            (second, "pending"),
            (first, "success"),
        ]
        assert spot(client)["USDT"] == ("65.000000", "20.000000")
        assert funding(client)[0]["available"] == "5.000000"
    finally:
        server.stop()
    assert "rebuilt" in cli("replay", *d).stdout
    server.start()
    try:
        assert ok(client.get(WITHDRAWALS)) == records
        assert (
            json.loads(cli("withdrawals", "fail", second, "--json", *d).stdout)["status"] == "fail"
        )
        assert spot(client)["USDT"] == ("85.000000", "0.000000")
        assert json.loads(cli("withdrawals", "list", "--json", *d).stdout) == []
    finally:
        server.stop()


def test_read_models_made_before_withdrawals_are_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "private.sqlite"
    store = PrivateStore(path)
    store.write(Batch(7))
    store.close()
    store = PrivateStore(path)
    assert store.last_seq() == 7  # current schema: resumed, not rebuilt
    store._writer.execute("DROP TABLE withdrawals")
    store.close()
    store = PrivateStore(path)
    try:
        assert store.last_seq() == 0  # the node replays the journal from the start
        assert store.load_pending_withdrawals() == []
    finally:
        store.close()


def test_set_password(tmp_path: Path) -> None:
    store = UserStore(tmp_path / "users.db")
    try:
        user = store.create_user("pw@test.io", "first-password")
        with pytest.raises(UserError):
            store.set_password(user.id, "short")
        with pytest.raises(UserError):
            store.set_password(user.id + 1, "long-enough-1")
        assert store.check_password("pw@test.io", "first-password") is not None
        store.set_password(user.id, "second-password")
        assert store.check_password("pw@test.io", "first-password") is None
        assert store.check_password("pw@test.io", "second-password") == user
    finally:
        store.close()
