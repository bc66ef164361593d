"""Spot bills (``spot/account/bills``) through ccxt ``fetch_ledger``: a deposit, both sides
of a trade (net of the fee, the fee in ``fees``), a transfer out; filters, paging, bad
input, and one user never sees another's bills."""
from __future__ import annotations

from typing import Any, Dict, List

import pytest

from .conftest import Server, ccxt_client

SYMBOL = "ETH/USDT"  # 0.1 % fees, paid in the asset received


def _bills(client: Any, query: str = "") -> Any:
    return client.get("/api/v2/spot/account/bills", query).json()


def _by_id(entries: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return sorted(entries, key=lambda e: int(e["id"]))


def test_deposit_trade_and_transfer_bills(server: Server, make_user, raw) -> None:
    buyer_creds, seller_creds = make_user({"USDT": "1000"}), make_user({"ETH": "1"})
    buyer, seller = ccxt_client(server.url, buyer_creds), ccxt_client(server.url, seller_creds)
    for ex in (buyer, seller):
        ex.load_markets()
    try:
        seller.create_order(SYMBOL, "limit", "sell", 0.2, 2500)  # a hold: no bill
        buyer.create_order(SYMBOL, "limit", "buy", 0.1, 2500)
    finally:
        for ex in (buyer, seller):
            ex.cancel_all_orders(SYMBOL)
    buyer.transfer("USDT", 100, "spot", "swap")  # to the USDT-M futures account

    usdt = _by_id(buyer.fetch_ledger("USDT"))
    assert [e["info"]["businessType"] for e in usdt] == ["deposit", "buy", "transfer_out"]
    assert [(e["direction"], e["amount"], e["before"], e["after"]) for e in usdt] == [
        ("in", 1000, 0, 1000), ("out", 250, 1000, 750), ("out", 100, 750, 650)]
    assert [e["type"] for e in usdt] == ["deposit", "trade", "transfer"]
    eth = buyer.fetch_ledger("ETH")
    assert len(eth) == 1 and eth[0]["info"]["businessType"] == "buy"
    assert (eth[0]["amount"], eth[0]["after"], eth[0]["fee"]["cost"]) == (0.0999, 0.0999, 0.0001)
    assert eth[0]["info"]["fees"] == "-0.00010000" and eth[0]["info"]["groupType"] == "transaction"

    sold = {e["currency"]: e for e in seller.fetch_ledger() if e["info"]["businessType"] == "sell"}
    eth_sold = sold["ETH"]
    assert (eth_sold["direction"], eth_sold["amount"], eth_sold["after"]) == ("out", 0.1, 0.9)
    assert (sold["USDT"]["amount"], sold["USDT"]["fee"]["cost"]) == (249.75, 0.25)

    client = raw(buyer_creds)
    only = _bills(client, "businessType=buy")["data"]
    assert sorted(b["coin"] for b in only) == ["ETH", "USDT"]
    assert [b["businessType"] for b in _bills(client, "groupType=deposit")["data"]] == ["deposit"]
    newest_first = _bills(client, "coin=USDT")["data"]
    assert [b["businessType"] for b in newest_first] == ["transfer_out", "buy", "deposit"]
    page = _bills(client, f"coin=USDT&limit=1&idLessThan={newest_first[0]['billId']}")["data"]
    assert [b["billId"] for b in page] == [newest_first[1]["billId"]]
    assert _bills(client, "businessType=sell")["data"] == []  # the seller's, not the buyer's


def test_bills_bad_input_and_isolation(server: Server, make_user, raw) -> None:
    mine, other = raw(make_user({"USDT": "5"})), raw(make_user({}))
    assert len(_bills(mine)["data"]) == 1
    assert _bills(other)["data"] == []
    for query, code in (("coin=NOPE", "40034"), ("groupType=nope", "40017"),
                        ("limit=abc", "40017"), ("startTime=5&endTime=1", "40707"),
                        ("notAParameter=1", "40017")):
        body = _bills(mine, query)
        assert body["code"] == code and body["data"] is None, (query, body)
    assert mine.get("/api/v2/spot/account/bills", signed=False).json()["code"] == "40001"


@pytest.mark.parametrize("kind", ["buy", "deposit"])
def test_an_unused_business_type_filters_to_nothing(server: Server, make_user, raw, kind) -> None:
    client = raw(make_user({}))
    assert _bills(client, f"businessType={kind}")["data"] == []


def test_projection_nets_a_command_and_upgrades_an_old_store(tmp_path) -> None:
    """In-process: one bill per balance per command (holds make none), and a store that
    projected events before bills existed takes each balance's first change as baseline."""
    from openbourse.adapters.readmodels.product_store import ProductProjection, ProductStore
    from openbourse.adapters.readmodels.spot_bills import SPOT_BILL_HANDLERS, mark_legacy
    from openbourse.core.enums import AccountType, SystemOwner, TransferCode
    from openbourse.core.events import BalanceChanged, TransferPosted

    spot, ts = int(AccountType.SPOT), 10**12

    def balance(seq: int, available: int, frozen: int = 0) -> BalanceChanged:
        return BalanceChanged(seq, ts, 7, spot, "USDT", available, frozen)

    def projection(name: str) -> ProductProjection:
        return ProductProjection(ProductStore(tmp_path / name), [SPOT_BILL_HANDLERS])

    fresh = projection("fresh.sqlite")
    deposit = TransferPosted(1, ts, 1, int(TransferCode.DEPOSIT), int(SystemOwner.EXTERNAL),
                             int(AccountType.SYSTEM), 7, spot, "USDT", 5, "ref")
    fresh.on_events(1, None, [deposit, balance(2, 5)])
    fresh.on_events(2, None, [balance(3, 3, 2)])  # an order's hold
    fresh.on_events(3, None, [balance(4, 1, 2)])  # nothing says why: "other"
    bills = fresh.records("spot_bill", 7)
    assert [(b["business"], b["size"], b["balance"]) for b in bills] == [
        ("other", -2, 3), ("deposit", 5, 5)]

    old_store = ProductStore(tmp_path / "old.sqlite")
    old_store.write(10, [], {})  # events projected before bills existed
    old = ProductProjection(old_store, [SPOT_BILL_HANDLERS])
    mark_legacy(old)
    old.on_events(11, None, [balance(12, 9)])  # the baseline: no bill
    old.on_events(12, None, [balance(13, 12)])
    assert [(b["size"], b["balance"]) for b in old.records("spot_bill", 7)] == [(3, 12)]
