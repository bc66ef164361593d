"""Offline checks of a killed server's data dir, and read-model checks of the restarted one.

``JournalView.load`` replays the journal read-only from the empty state (the killed
server's lock is gone, nothing else touches the files), auditing every command's events
with the independent ``Auditor`` and indexing what the clients care about: orders by
``(user, clientOid)``, closes by order id, transfers by ``(user, clientOid)``,
withdrawals by their clientOid key.  ``check_outcomes`` then holds every client outcome
against the journal:

* acknowledged (``ok``): present exactly once, with the id the client was given;
* refused (``rejected``, ``invalid``, ``busy``): never took effect;
* ``unknown`` (in flight at the kill): at most once, and whole (the engine's commands are
  atomic, the invariants below would catch a half-applied one).

``check_recovery`` compares the state a restart gets (newest snapshot + journal tail)
with the replay from empty, and ``check_read_models`` compares what the restarted
server's REST API reports (balances, open orders) with that state.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Dict, List, Tuple

from ...core import events as ev
from ...core.commands import Command
from ...core.engine.invariants import check_all
from ...core.enums import AccountType, OrderStatus, TransferCode
from ...journal.recovery import recover, replay_all
from ..auditor import Auditor
from .client import SignedClient
from .traders import Outcome

__all__ = ["JournalView", "Violations", "check_outcomes", "check_recovery", "check_read_models"]

_SPOT, _FUNDING = int(AccountType.SPOT), int(AccountType.FUNDING)


class Violations(list):
    """Problems found (each a line of text); empty means the cycle passed."""

    def add(self, text: str) -> None:
        self.append(text)


@dataclass
class JournalView:
    state: Any = None
    last_seq: int = 0
    state_hash: str = ""
    orders: Dict[Tuple[int, str], List[int]] = field(default_factory=lambda: defaultdict(list))
    order_user: Dict[int, int] = field(default_factory=dict)
    closes: Dict[int, List[Tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))
    transfers: Counter = field(default_factory=Counter)
    withdrawals: Dict[Tuple[int, str], List[int]] = field(
        default_factory=lambda: defaultdict(list))
    audit_error: str = ""

    @classmethod
    def load(cls, data_dir: Path) -> "JournalView":
        view = cls()
        auditor = Auditor()

        def on_events(seq: int, command: Command, events: List[Any]) -> None:
            view._index(events)
            if not view.audit_error:
                try:
                    auditor.feed(events)
                except AssertionError as exc:
                    view.audit_error = f"seq {seq}: {exc}"

        replay = replay_all(str(data_dir), on_events=on_events)
        view.state, view.last_seq = replay.state, replay.last_seq
        from ...core.engine.state_hash import state_hash

        view.state_hash = state_hash(replay.state)
        if not view.audit_error:
            try:
                check_all(replay.state)
                auditor.check_state(replay.state)
            except AssertionError as exc:
                view.audit_error = f"final state: {exc}"
        return view

    def _index(self, events: List[Any]) -> None:
        for event in events:
            kind = type(event)
            if kind is ev.OrderAccepted:
                self.order_user[event.order_id] = event.user
                if event.client_oid and not event.plan_id:
                    self.orders[(event.user, event.client_oid)].append(event.order_id)
            elif kind is ev.OrderClosed:
                self.closes[event.order_id].append((event.status, event.reason))
            elif kind is ev.TransferPosted and event.code == int(TransferCode.INTERNAL):
                if event.ref:
                    self.transfers[(event.debit_owner, event.ref)] += 1
            elif kind is ev.WithdrawalRequested:
                parts = event.withdrawal_id.split("|")
                if len(parts) >= 3 and parts[0] == "api" and parts[2].startswith("c"):
                    self.withdrawals[(event.user, parts[2][1:])].append(event.seq)


def check_outcomes(view: JournalView, outcomes: List[Outcome], problems: Violations) -> Counter:
    """Hold each client outcome against the journal; returns counts by kind and status."""
    counts: Counter = Counter()
    for o in outcomes:
        counts[f"{o.kind}:{o.status}"] += 1
        where = f"{o.kind} {o.client_oid or o.order_id} of user {o.user} ({o.status} {o.code})"
        if o.status == "error":
            problems.add(f"{where}: server error {o.detail}")
            continue
        if o.kind == "order":
            found = view.orders.get((o.user, o.client_oid), [])
            if o.status == "ok":
                if found != [int(o.order_id)]:
                    problems.add(f"{where}: acknowledged as {o.order_id}, journal has {found}")
            elif o.status == "unknown":
                counts["in_flight_applied"] += len(found) == 1
                if len(found) > 1:
                    problems.add(f"{where}: in flight at the kill, journaled {len(found)} times")
            elif found:  # rejected, invalid or busy: must have left no order
                problems.add(f"{where}: refused but in the journal as {found}")
        elif o.kind == "cancel":
            closes = view.closes.get(int(o.order_id), [])
            if view.order_user.get(int(o.order_id)) != o.user:
                problems.add(f"{where}: cancelled an order that is not the user's")
            if len(closes) > 1:
                problems.add(f"{where}: order closed {len(closes)} times")
            cancelled = len(closes) == 1 and closes[0][0] == int(OrderStatus.CANCELLED)
            if o.status == "ok" and not cancelled:
                problems.add(f"{where}: acknowledged cancel, but closes are {closes}")
        elif o.kind == "transfer":
            seen = view.transfers.get((o.user, o.client_oid), 0)
            if o.status == "ok" and seen != 1:
                problems.add(f"{where}: acknowledged, journaled {seen} times")
            elif o.status == "unknown" and seen > 1:
                problems.add(f"{where}: in flight at the kill, journaled {seen} times")
            elif o.status in ("rejected", "invalid", "busy") and seen:
                problems.add(f"{where}: refused but journaled {seen} times")
        elif o.kind == "withdrawal":
            seqs = view.withdrawals.get((o.user, o.client_oid), [])
            if o.status == "ok" and len(seqs) != 1:
                problems.add(f"{where}: acknowledged, journaled {len(seqs)} times")
            elif o.status == "unknown" and len(seqs) > 1:
                problems.add(f"{where}: in flight at the kill, journaled {len(seqs)} times")
            elif o.status in ("rejected", "invalid", "busy") and seqs:
                problems.add(f"{where}: refused but journaled")
    if view.audit_error:
        problems.add(f"audit/invariants: {view.audit_error}")
    return counts


def check_recovery(data_dir: Path, view: JournalView, problems: Violations) -> int:
    """What a restart recovers (snapshot + tail) must equal the replay from empty.

    Returns the seq of the snapshot recovery started from (0: none)."""
    from ...core.engine.state_hash import state_hash

    recovery = recover(str(data_dir))
    try:
        if recovery.last_seq != view.last_seq:
            problems.add(f"recovery ends at seq {recovery.last_seq}, replay at {view.last_seq}")
        if state_hash(recovery.state) != view.state_hash:
            problems.add(f"recovered state (snapshot {recovery.snapshot_seq} + tail) differs"
                         " from the replay from empty")
        return recovery.snapshot_seq
    finally:
        if recovery.writer is not None:
            recovery.writer.storage.close()


def _units(text: str, scale: int) -> int:
    return int(Decimal(text).scaleb(scale))


def check_read_models(view: JournalView, clients: Dict[int, SignedClient],
                      problems: Violations) -> int:
    """Balances (spot, funding) and open orders the API reports equal the engine's state.

    Returns the number of values compared."""
    state = view.state
    compared = 0
    ledger: Dict[Tuple[int, int, str], Tuple[int, int]] = {}
    for balance in state.ledger:
        ledger[(balance.owner, balance.account, balance.asset)] = (balance.available,
                                                                   balance.frozen)
    scales = dict(state.assets)
    for user, client in clients.items():
        status, body = client.request("GET", "/api/v2/spot/account/assets")
        reported = {row["coin"]: row for row in (body.get("data") or [])}
        for asset, scale in scales.items():
            want = ledger.get((user, _SPOT, asset), (0, 0))
            row = reported.get(asset)
            got = (_units(row["available"], scale), _units(row["frozen"], scale)) if row else (0, 0)
            compared += 1
            if got != want:
                problems.add(f"user {user} spot {asset}: API says {got}, engine {want}")
        status, body = client.request("GET", "/api/v2/account/funding-assets")
        reported = {row["coin"]: row for row in (body.get("data") or [])}
        for asset, scale in scales.items():
            want = ledger.get((user, _FUNDING, asset), (0, 0))
            row = reported.get(asset)
            got = (_units(row["available"], scale), _units(row["frozen"], scale)) if row else (0, 0)
            compared += 1
            if got != want:
                problems.add(f"user {user} funding {asset}: API says {got}, engine {want}")
        engine_open = sorted(o.order_id for o in state.orders.values() if o.user == user)
        api_open: List[int] = []
        cursor = ""
        while True:
            params = {"limit": "100"}
            if cursor:
                params["idLessThan"] = cursor
            status, body = client.request("GET", "/api/v2/spot/trade/unfilled-orders", params)
            page = body.get("data") or []
            api_open.extend(int(row["orderId"]) for row in page)
            if len(page) < 100:
                break
            cursor = str(page[-1]["orderId"])
        compared += 1
        if sorted(api_open) != engine_open:
            missing = sorted(set(engine_open) - set(api_open))[:5]
            extra = sorted(set(api_open) - set(engine_open))[:5]
            problems.add(f"user {user} open orders: API lacks {missing}, has extra {extra}")
    return compared
