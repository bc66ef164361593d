"""Concurrent signed clients that trade, cancel, transfer and withdraw until the server dies.

Every request carries a fresh ``clientOid`` (orders, batch items, transfers, withdrawals),
so each one can be found in the journal afterwards.  Each request's outcome is recorded:

* ``ok``: the server answered ``00000`` (an acknowledgement: it is journaled and fsynced);
* ``rejected``: a business error (insufficient balance, order not found...): journaled,
  must have changed nothing;
* ``invalid``: refused at the edge (parameters): never reached the engine;
* ``busy``: back-pressure (``40604``/``429``): refused without effect;
* ``unknown``: no answer (the server was killed while it was in flight);
* ``error``: a 5xx or a non-envelope answer: a violation.
"""
from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from .client import SignedClient, Unanswered

__all__ = ["Outcome", "Trader", "MARKETS", "classify"]

#: symbol -> (mid price, price decimals, size decimals, min size units)
MARKETS = {"BTCUSDT": (30_000, 2, 4), "ETHUSDT": (2_000, 2, 4)}
_EDGE_CODES = {"40017", "40019", "40034", "40808", "41103", "40404"}
_BUSY_CODES = {"40604", "429"}


@dataclass
class Outcome:
    kind: str  # order, cancel, transfer, withdrawal
    user: int
    client_oid: str
    status: str  # ok, rejected, invalid, busy, unknown, error
    code: str = ""
    order_id: str = ""  # orders: the acknowledged id; cancels: the order cancelled
    detail: Dict[str, Any] = field(default_factory=dict)


def classify(status: int, body: Dict[str, Any]) -> str:
    code = str(body.get("code", ""))
    if status >= 500 and code not in _BUSY_CODES:
        return "error"
    if code == "00000":
        return "ok"
    if code in _BUSY_CODES:
        return "busy"
    if code == "not-json" or "data" not in body:
        return "error"
    if code in _EDGE_CODES:
        return "invalid"
    return "rejected"


class Trader(threading.Thread):
    """One client (one user, one key, one connection) until ``stop`` or the server dies."""

    def __init__(self, name: str, port: int, creds: Dict[str, str], user: int, seed: str,
                 stop: threading.Event) -> None:
        super().__init__(name=name, daemon=True)
        self.client = SignedClient(port, creds)
        self.user = user
        self.rng = random.Random(seed)
        self.tag = name
        self.stop_event = stop
        self.outcomes: List[Outcome] = []
        self.open_ids: List[str] = []  # acknowledged orders that may still rest
        self.symbols: Dict[str, str] = {}  # acknowledged order id -> symbol
        self.counter = 0
        self.dead = False

    def _oid(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.tag}-{self.counter}"

    def run(self) -> None:
        try:
            while not self.stop_event.is_set() and not self.dead:
                self._one()
        finally:
            self.client.close()

    def _call(self, kind: str, path: str, params: Dict[str, Any], oid: str,
              method: str = "POST") -> Optional[Dict[str, Any]]:
        try:
            status, body = self.client.request(method, path, params)
        except Unanswered:
            self.outcomes.append(Outcome(kind, self.user, oid, "unknown",
                                         detail={"path": path, "params": params}))
            self.dead = True
            return None
        verdict = classify(status, body)
        outcome = Outcome(kind, self.user, oid, verdict, str(body.get("code", "")),
                          detail={"path": path, "params": params, "http": status})
        if verdict == "error":
            outcome.detail["body"] = body
        self.outcomes.append(outcome)
        return body if verdict == "ok" else None

    def _one(self) -> None:
        roll = self.rng.random()
        if roll < 0.45:
            self._limit()
        elif roll < 0.52:
            self._market()
        elif roll < 0.72:
            self._cancel()
        elif roll < 0.80:
            self._batch()
        elif roll < 0.90:
            self._transfer()
        elif roll < 0.95:
            self._withdraw()
        else:
            try:  # a read: not checked here, but it competes with the writes
                self.client.request("GET", "/api/v2/spot/account/assets")
            except Unanswered:
                self.dead = True

    def _order_params(self) -> Dict[str, Any]:
        rng = self.rng
        symbol = rng.choice(sorted(MARKETS))
        mid, price_dp, size_dp = MARKETS[symbol]
        side = rng.choice(("buy", "sell"))
        offset = rng.uniform(-0.01, 0.02)  # a third cross the mid
        price = mid * (1 - offset) if side == "buy" else mid * (1 + offset)
        size = rng.choice((1, 2, 5, 10, 20)) * (10 ** -size_dp) * (10 if symbol == "BTCUSDT"
                                                                   else 100)
        return {
            "symbol": symbol, "side": side, "orderType": "limit",
            "force": rng.choices(("gtc", "ioc", "fok", "post_only"), (70, 12, 6, 12))[0],
            "price": f"{price:.{price_dp}f}", "size": f"{size:.{size_dp}f}",
            "clientOid": self._oid("o"),
        }

    def _limit(self) -> None:
        params = self._order_params()
        body = self._call("order", "/api/v2/spot/trade/place-order", params, params["clientOid"])
        if body is not None:
            order_id = str(body["data"]["orderId"])
            self.outcomes[-1].order_id = order_id
            self.symbols[order_id] = params["symbol"]
            if params["force"] in ("gtc", "post_only"):
                self.open_ids.append(order_id)

    def _market(self) -> None:
        rng = self.rng
        symbol = rng.choice(sorted(MARKETS))
        oid = self._oid("m")
        if rng.random() < 0.5:
            params = {"symbol": symbol, "side": "buy", "orderType": "market",
                      "size": str(rng.choice((20, 50, 100))), "clientOid": oid}
        else:
            params = {"symbol": symbol, "side": "sell", "orderType": "market",
                      "size": "0.0010" if symbol == "BTCUSDT" else "0.0100", "clientOid": oid}
        body = self._call("order", "/api/v2/spot/trade/place-order", params, oid)
        if body is not None:
            self.outcomes[-1].order_id = str(body["data"]["orderId"])

    def _batch(self) -> None:
        items = [self._order_params() for _ in range(self.rng.randint(2, 4))]
        for item in items:
            item["force"] = "gtc"
        symbol = items[0]["symbol"]
        for item in items:
            item["symbol"] = symbol
        try:
            status, body = self.client.request("POST", "/api/v2/spot/trade/batch-orders",
                                               {"symbol": symbol, "orderList": items})
        except Unanswered:
            for item in items:
                self.outcomes.append(Outcome("order", self.user, item["clientOid"], "unknown"))
            self.dead = True
            return
        verdict = classify(status, body)
        if verdict != "ok":
            for item in items:
                self.outcomes.append(Outcome("order", self.user, item["clientOid"], verdict,
                                             str(body.get("code", "")),
                                             detail={"batch": True, "body": body}))
            return
        data = body["data"]
        for success in data.get("successList", []):
            oid, order_id = success.get("clientOid"), str(success.get("orderId"))
            self.outcomes.append(Outcome("order", self.user, oid, "ok", "00000", order_id))
            self.open_ids.append(order_id)
            self.symbols[order_id] = symbol
        for failure in data.get("failureList", []):
            code = str(failure.get("errorCode", ""))
            verdict = "invalid" if code in _EDGE_CODES else "rejected"
            self.outcomes.append(Outcome("order", self.user, failure.get("clientOid"),
                                         verdict, code))

    def _cancel(self) -> None:
        if not self.open_ids:
            self._limit()
            return
        index = self.rng.randrange(len(self.open_ids))
        order_id = self.open_ids.pop(index)
        self._call("cancel", "/api/v2/spot/trade/cancel-order",
                   {"symbol": self.symbols[order_id], "orderId": order_id}, "")
        self.outcomes[-1].order_id = order_id

    def _transfer(self) -> None:
        rng = self.rng
        to_funding = rng.random() < 0.6
        oid = self._oid("t")
        params = {"fromType": "spot" if to_funding else "p2p",
                  "toType": "p2p" if to_funding else "spot",
                  "amount": str(rng.choice((1, 5, 10, 25))), "coin": "USDT", "clientOid": oid}
        self._call("transfer", "/api/v2/spot/wallet/transfer", params, oid)

    def _withdraw(self) -> None:
        oid = self._oid("w")
        params = {"coin": "USDT", "transferType": "on_chain", "address": f"addr-{self.tag}",
                  "size": str(self.rng.choice((1, 2, 3))), "clientOid": oid}
        self._call("withdrawal", "/api/v2/spot/wallet/withdrawal", params, oid)
