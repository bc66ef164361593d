"""Wallet endpoints: funding balances, transfers and their history, withdrawals end to end.

Withdrawals have no chain behind them: they stay pending until the operator completes
or fails them (CLI ``openbourse withdrawals`` or the admin endpoints).  Every bad request
must answer the Bitget code ccxt maps to the right exception and change nothing.
"""

from __future__ import annotations

import json
import time
from typing import Any, Dict, List

import ccxt
import pytest

from .conftest import Raw, Server, ccxt_client, cli

FUNDING = "/api/v2/account/funding-assets"
TRANSFER = "/api/v2/spot/wallet/transfer"
RECORDS = "/api/v2/spot/account/transferRecords"
WITHDRAW = "/api/v2/spot/wallet/withdrawal"
WITHDRAWALS = "/api/v2/spot/wallet/withdrawal-records"


def ok(response: Any) -> Any:
    time.sleep(0.1)  # the wallet family allows 10 requests/s per key (burst 20)
    body = response.json()
    assert body["code"] == "00000", body
    return body["data"]


def code(response: Any) -> str:
    time.sleep(0.1)
    return response.json()["code"]


def spot(client: Raw) -> Dict[str, tuple]:
    return {
        r["coin"]: (r["available"], r["frozen"])
        for r in ok(client.get("/api/v2/spot/account/assets"))
    }


def funding(client: Raw, query: str = "") -> List[Dict[str, str]]:
    return ok(client.get(FUNDING, query))


def admin_cli(server: Server, *args: str, check: bool = True) -> Any:
    result = cli("withdrawals", *args, "--json", "--data-dir", str(server.data_dir), check=check)
    return json.loads(result.stdout) if result.returncode == 0 else result


def test_funding_assets_and_ccxt_transfers_both_ways(server: Server, make_user) -> None:
    creds = make_user({"USDT": "1000", "BTC": "1"})
    client = Raw(server.url, creds)
    assert funding(client) == []
    ex = ccxt_client(server.url, creds)
    ex.load_markets()
    out = ex.transfer("USDT", 100, "spot", "p2p")
    assert out["status"] == "ok" and out["id"] and out["toAccount"] == "p2p"
    assert funding(client) == [
        {"coin": "USDT", "available": "100.000000", "frozen": "0.000000", "usdtValue": "100.000000"}
    ]
    assert funding(client, "coin=BTC") == [
        {"coin": "BTC", "available": "0.00000000", "frozen": "0.00000000", "usdtValue": "0.000000"}
    ]
    # ccxt 4.5 maps the unified name 'funding' to Bitget's 'spot' (Bitget calls funding
    # 'p2p'), so a stock client's spot→funding is spot→spot: refused, nothing moves.
    with pytest.raises(ccxt.BadRequest):
        ex.transfer("USDT", 1, "spot", "funding")
    ex.options["accountsByType"]["funding"] = "p2p"
    ex.transfer("USDT", 40, "funding", "spot")
    ex.transfer("USDT", 15, "spot", "funding")
    assert spot(client)["USDT"] == ("925.000000", "0.000000")
    assert funding(client)[0]["available"] == "75.000000"
    from_spot = ex.fetch_transfers("USDT", params={"fromAccount": "spot"})
    assert sorted(t["amount"] for t in from_spot) == [15, 100]
    assert {(t["fromAccount"], t["toAccount"], t["status"]) for t in from_spot} == {
        ("spot", "p2p", "ok")
    }
    back = ex.fetch_transfers("USDT", params={"fromAccount": "funding"})
    assert [(t["amount"], t["fromAccount"]) for t in back] == [(40, "p2p")]
    with pytest.raises(ccxt.InsufficientFunds):
        ex.transfer("USDT", 76, "funding", "spot")
    assert funding(client)[0]["available"] == "75.000000"


def test_transfer_records_paging_and_bad_input(server: Server, make_user) -> None:
    client = Raw(server.url, make_user({"USDT": "100", "BTC": "1"}))
    ids = []
    for i in range(5):
        body = {"fromType": "spot", "toType": "p2p", "amount": str(i + 1), "coin": "USDT"}
        ids.append(ok(client.post(TRANSFER, {**body, "clientOid": f"tr-{i}"}))["transferId"])
    ok(client.post(TRANSFER, {"fromType": "p2p", "toType": "spot", "amount": "1", "coin": "USDT"}))
    ok(client.post(TRANSFER, {"fromType": "spot", "toType": "p2p", "amount": "0.5", "coin": "BTC"}))
    page = ok(client.get(RECORDS, "coin=USDT&fromType=spot&limit=2"))
    assert [r["transferId"] for r in page] == [ids[4], ids[3]]
    assert page[0]["size"] == "5.000000" and page[0]["clientOid"] == "tr-4"
    assert (page[0]["fromType"], page[0]["toType"], page[0]["status"]) == (
        "spot",
        "p2p",
        "Successful",
    )
    rest = ok(client.get(RECORDS, f"coin=USDT&fromType=spot&idLessThan={ids[3]}"))
    assert [r["transferId"] for r in rest] == [ids[2], ids[1], ids[0]]
    assert len(ok(client.get(RECORDS, "coin=USDT"))) == 6
    assert [r["fromType"] for r in ok(client.get(RECORDS, "coin=USDT&fromType=p2p"))] == ["p2p"]
    assert [r["size"] for r in ok(client.get(RECORDS, "coin=BTC"))] == ["0.50000000"]
    ts = int(page[0]["ts"])
    assert ok(client.get(RECORDS, f"coin=USDT&endTime={ts - 10**6}")) == []
    assert len(ok(client.get(RECORDS, f"coin=USDT&startTime={ts - 10**6}&endTime={ts}"))) >= 1
    assert [r["clientOid"] for r in ok(client.get(RECORDS, "coin=USDT&clientOid=tr-2"))] == ["tr-2"]
    for query, expected in (
        ("", "40019"),
        ("coin=NOPE", "40034"),
        ("coin=USDT&fromType=moon", "40017"),
        ("coin=USDT&limit=0", "40017"),
        ("coin=USDT&startTime=5&endTime=4", "40707"),
        ("coin=USDT&symbol=BTCUSDT", "40017"),
    ):
        assert code(client.get(RECORDS, query)) == expected, query
    before = (spot(client), funding(client))
    for body, expected in (
        ({"fromType": "p2p", "toType": "spot", "amount": "1000", "coin": "USDT"}, "43012"),
        ({"fromType": "p2p", "toType": "p2p", "amount": "1", "coin": "USDT"}, "40017"),
        ({"fromType": "spot", "toType": "funding", "amount": "-1", "coin": "USDT"}, "40017"),
        (
            {
                "fromType": "spot",
                "toType": "funding",
                "amount": "2",
                "coin": "USDT",
                "clientOid": "tr-0",
            },
            "40500",
        ),
    ):
        assert code(client.post(TRANSFER, body)) == expected, body
    assert (spot(client), funding(client)) == before
    assert len(ok(client.get(RECORDS, "coin=USDT"))) == 6


def test_withdrawal_lifecycle_with_ccxt_and_the_cli(server: Server, make_user) -> None:
    creds = make_user({"USDT": "500"}, perms="read,withdraw")
    client = Raw(server.url, creds)
    ex = ccxt_client(server.url, creds)
    ex.load_markets()
    sent = ex.withdraw("USDT", 120, "addr-one", {"network": "OPENBOURSE", "clientOid": "w-1"})
    assert sent["id"] and sent["type"] == "withdrawal"
    assert spot(client)["USDT"] == ("380.000000", "120.000000")
    [pending] = ex.fetch_withdrawals("USDT")
    assert (pending["id"], pending["status"], pending["amount"]) == (sent["id"], "pending", 120)
    assert (pending["address"], pending["network"], pending["info"]["clientOid"]) == (
        "addr-one",
        "OPENBOURSE",
        "w-1",
    )
    queue = admin_cli(server, "list")
    mine = [w for w in queue if w["orderId"] == sent["id"]]
    assert mine and mine[0]["email"] == creds["email"] and mine[0]["toAddress"] == "addr-one"
    done = admin_cli(server, "complete", sent["id"])
    assert done["status"] == "success"
    assert spot(client)["USDT"] == ("380.000000", "0.000000")
    assert sent["id"] not in {w["orderId"] for w in admin_cli(server, "list")}

    second = ok(
        client.post(
            WITHDRAW,
            {"coin": "USDT", "transferType": "on_chain", "address": "addr-two", "size": "80.5"},
        )
    )
    third = ok(
        client.post(
            WITHDRAW,
            {
                "coin": "USDT",
                "transferType": "on_chain",
                "address": "addr-3",
                "chain": "openbourse",
                "size": "1",
            },
        )
    )
    assert spot(client)["USDT"] == ("298.500000", "81.500000")
    assert admin_cli(server, "fail", second["orderId"])["status"] == "fail"
    assert spot(client)["USDT"] == ("379.000000", "1.000000")
    statuses = {w["id"]: w["status"] for w in ex.fetch_withdrawals("USDT")}
    assert statuses == {sent["id"]: "ok", second["orderId"]: "failed", third["orderId"]: "pending"}
    rows = ok(client.get(WITHDRAWALS))
    assert [r["orderId"] for r in rows] == [third["orderId"], second["orderId"], sent["id"]]
    assert [r["status"] for r in rows] == ["pending", "fail", "success"]
    paged = ok(client.get(WITHDRAWALS, f"idLessThan={third['orderId']}&limit=1"))
    assert [r["orderId"] for r in paged] == [second["orderId"]]
    assert [r["orderId"] for r in ok(client.get(WITHDRAWALS, f"orderId={sent['id']}"))] == [
        sent["id"]
    ]
    assert [r["orderId"] for r in ok(client.get(WITHDRAWALS, "clientOid=w-1"))] == [sent["id"]]
    for args, needle in (
        (("complete", sent["id"]), "withdrawal state"),
        (("fail", second["orderId"]), "withdrawal state"),
        (("complete", "999999999"), "does not exist"),
        (("fail", "abc"), "does not exist"),
    ):
        result = admin_cli(server, *args, check=False)
        assert result.returncode == 1 and needle in result.stderr, (args, result.stderr)
    assert spot(client)["USDT"] == ("379.000000", "1.000000")


def test_bad_withdrawals_change_nothing(server: Server, make_user) -> None:
    creds = make_user({"USDT": "100"}, perms="read,withdraw")
    client = Raw(server.url, creds)
    base = {"coin": "USDT", "transferType": "on_chain", "address": "addr-x", "size": "10"}
    first = ok(client.post(WITHDRAW, {**base, "clientOid": "same"}))
    assert ok(client.post(WITHDRAW, {**base, "clientOid": "same"})) == first  # retry
    before = spot(client)
    assert before["USDT"] == ("90.000000", "10.000000")
    for change, expected in (
        ({"size": "100.01"}, "43012"),
        ({"coin": "NOPE"}, "40034"),
        ({"size": "1.0000001"}, "40808"),
        ({"size": "0"}, "45110"),
        ({"size": "-1"}, "40017"),
        ({"size": None}, "40019"),
        ({"address": None}, "40019"),
        ({"address": "bad address!"}, "40017"),
        ({"address": "x" * 101}, "40017"),
        ({"chain": "TRC20"}, "40017"),
        ({"transferType": "internal_transfer"}, "40017"),
        ({"tag": "memo"}, "40017"),
        ({"fee": "0"}, "40017"),
        ({"clientOid": "same", "address": "elsewhere"}, "40500"),
        ({"clientOid": "same", "size": "11"}, "40500"),
        ({"clientOid": "a|b"}, "40017"),
    ):
        body = {k: v for k, v in {**base, **change}.items() if v is not None}
        assert code(client.post(WITHDRAW, body)) == expected, change
    assert spot(client) == before
    assert [r["orderId"] for r in ok(client.get(WITHDRAWALS))] == [first["orderId"]]
    ex = ccxt_client(server.url, creds)
    ex.load_markets()
    with pytest.raises(ccxt.InsufficientFunds):
        ex.withdraw("USDT", 1000, "addr-x", {"network": "OPENBOURSE"})
    reader = ccxt_client(server.url, make_user({"USDT": "100"}))  # no withdraw permission
    reader.load_markets()
    with pytest.raises(ccxt.PermissionDenied):
        reader.withdraw("USDT", 1, "addr-x", {"network": "OPENBOURSE"})
    assert reader.fetch_withdrawals("USDT") == []
    assert spot(client) == before


def test_wallet_isolation(server: Server, make_user) -> None:
    owner = Raw(server.url, make_user({"USDT": "100"}, perms="read,transfer,withdraw"))
    intruder = Raw(server.url, make_user({"USDT": "5"}, perms="read,transfer,withdraw"))
    ok(owner.post(TRANSFER, {"fromType": "spot", "toType": "p2p", "amount": "30", "coin": "USDT"}))
    wd = ok(
        owner.post(
            WITHDRAW,
            {
                "coin": "USDT",
                "transferType": "on_chain",
                "address": "a-1",
                "size": "20",
                "clientOid": "mine",
            },
        )
    )
    assert funding(intruder) == []
    assert ok(intruder.get(RECORDS, "coin=USDT")) == []
    assert ok(intruder.get(WITHDRAWALS)) == []
    assert ok(intruder.get(WITHDRAWALS, f"orderId={wd['orderId']}")) == []
    assert ok(intruder.get(WITHDRAWALS, "clientOid=mine")) == []
    # the same clientOid is the intruder's own namespace, not a clash with the owner's
    ok(
        intruder.post(
            WITHDRAW,
            {
                "coin": "USDT",
                "transferType": "on_chain",
                "address": "a-2",
                "size": "1",
                "clientOid": "mine",
            },
        )
    )
    for path, body in (
        ("/api/v2/openbourse/admin/withdrawal-complete", {"orderId": wd["orderId"]}),
        ("/api/v2/openbourse/admin/withdrawal-fail", {"orderId": wd["orderId"]}),
    ):
        assert code(intruder.post(path, body)) == "40014"
    assert code(intruder.get("/api/v2/openbourse/admin/withdrawals")) == "40014"
    assert spot(owner)["USDT"] == ("50.000000", "20.000000")


def test_openapi_lists_the_wallet_endpoints(server: Server) -> None:
    doc = Raw(server.url).http.get("/docs/openapi.json").json()
    for path in (FUNDING, RECORDS, WITHDRAW, WITHDRAWALS):
        assert path in doc["paths"], path
