"""Crash torture of the real server: trade hard, SIGKILL, check everything, restart, repeat.

One cycle::

    start `openbourse serve` on the data dir (recovering from the last kill)
      → the REST read models must equal the engine state the journal gives (balances,
        funding balances, open orders of every torture user)
    N concurrent signed clients place / cancel / batch / transfer / withdraw
    SIGKILL at a random moment (sometimes during start-up, before it even listens)
    after the restart, every request that was in flight is sent again with its clientOid
      (a client that never got its answer retries): it must take effect once in total
    offline, on the dead server's files:
      → every acknowledged order, cancel, transfer and withdrawal is in the journal
        exactly once, with the id the client was told; nothing refused is; nothing in
        flight is there twice
      → the independent auditor replays every event from the empty state and predicts
        every balance; the core invariants (per-asset conservation, holds) hold
      → recovery (newest snapshot + journal tail) gives the same state hash as the
        replay from empty

The server runs with ``--no-market-makers`` (only the clients move the state, so it can
be predicted exactly) and ``--no-rate-limit`` (the clients are the load), and a small
``--snapshot-every`` so kills also land around snapshot writes.
"""
from __future__ import annotations

import json
import random
import shutil
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional

from .checks import JournalView, Violations, check_outcomes, check_read_models, check_recovery
from .client import ServerProcess, SignedClient, admin, free_port
from .traders import Outcome, Trader, classify

__all__ = ["TortureResult", "run"]

FUNDS = {"USDT": "1000000", "BTC": "20", "ETH": "300"}
PERMS = "read,trade,transfer,withdraw"


@dataclass
class TortureResult:
    cycles: int = 0
    kills: int = 0
    early_kills: int = 0  # killed during start-up / recovery
    clients: int = 0
    requests: int = 0
    acknowledged: int = 0  # answered 00000 (each checked: present exactly once)
    refused: int = 0  # business or edge refusals (each checked: no effect)
    in_flight_at_kill: int = 0  # no answer (each checked: at most once)
    in_flight_applied: int = 0  # of the in-flight orders, those the journal did keep (once)
    retried: int = 0  # in-flight requests sent again after the restart (same clientOid)
    commands_checked: int = 0  # journal length at the end, every command audited
    read_model_values: int = 0  # balances and open-order lists compared after restarts
    snapshot_recoveries: int = 0  # restarts that started from a snapshot
    lost: int = 0
    duplicated: int = 0
    violations: int = 0
    max_start_s: float = 0.0
    seconds: float = 0.0
    by_outcome: Dict[str, int] = field(default_factory=dict)
    problems: List[str] = field(default_factory=list)
    data_dir: str = ""

    def summary(self) -> Dict[str, object]:
        out = {k: v for k, v in self.__dict__.items() if k not in ("problems",)}
        out["problems"] = self.problems[:20]
        return out


def _setup_users(data_dir: Path, count: int, tag: str) -> List[Dict[str, object]]:
    users = []
    for index in range(count):
        email = f"torture-{tag}-{index}@openbourse.test"
        created = admin(data_dir, "user_create", {"email": email, "password": "torture-pw-1"})
        for asset, amount in FUNDS.items():
            admin(data_dir, "deposit", {"email": email, "asset": asset, "amount": amount})
        creds = admin(data_dir, "key_create", {"email": email, "perm": PERMS})
        users.append({"user": int(created["userId"]), "creds": creds})
    return users


def _retry_unknown(outcomes: List[Outcome], port: int, users: List[Dict[str, object]]
                   ) -> List[Outcome]:
    """Send again, with the same clientOid, every order, transfer and withdrawal that was
    in flight at the kill, as a client that never got its answer would.  Idempotency must
    make each take effect exactly once in total (checked with the next cycle's outcomes)."""
    by_user = {int(u["user"]): u["creds"] for u in users}
    clients: Dict[int, SignedClient] = {}
    retried: List[Outcome] = []
    for o in outcomes:
        params = o.detail.get("params")
        if o.status != "unknown" or o.kind == "cancel" or not params:
            continue
        client = clients.get(o.user)
        if client is None:
            client = clients[o.user] = SignedClient(port, by_user[o.user])  # type: ignore[arg-type]
        status, body = client.request("POST", str(o.detail["path"]), params)
        outcome = Outcome(o.kind, o.user, o.client_oid, classify(status, body),
                          str(body.get("code", "")), detail={"retry": True, "body": body})
        if outcome.status == "ok" and o.kind == "order":
            outcome.order_id = str(body["data"]["orderId"])
        retried.append(outcome)
    for client in clients.values():
        client.close()
    return retried


def run(cycles: int = 20, clients: int = 8, seed: int = 1, data_dir: Optional[Path] = None,
        min_run_s: float = 0.3, max_run_s: float = 2.5, snapshot_every: int = 400,
        log: Callable[[str], None] = print, keep: bool = False) -> TortureResult:
    """Run ``cycles`` kill/restart cycles; ``result.problems`` lists every violation."""
    started = time.monotonic()
    rng = random.Random(f"torture-{seed}")
    own_dir = data_dir is None
    directory = Path(tempfile.mkdtemp(prefix="openbourse-torture-")) if own_dir else Path(data_dir)
    directory.mkdir(parents=True, exist_ok=True)
    result = TortureResult(clients=clients, data_dir=str(directory))
    problems = Violations()
    port = free_port()
    server = ServerProcess(directory, port, ["--no-market-makers", "--no-rate-limit",
                                             "--snapshot-every", str(snapshot_every)],
                           directory / "torture-server.log")
    counts: Counter = Counter()
    view: Optional[JournalView] = None
    outcomes: List[Outcome] = []
    try:
        result.max_start_s = server.start()
        users = _setup_users(directory, clients, f"{seed}-{int(time.time())}")
        (directory / "torture-users.json").write_text(json.dumps(users))
        for cycle in range(cycles):
            if cycle:
                if rng.random() < 0.2:  # kill it again while it recovers / starts up
                    server.spawn()
                    time.sleep(rng.uniform(0.0, 1.5))
                    server.kill()
                    result.early_kills += 1
                result.max_start_s = max(result.max_start_s, server.start())
            retried: List[Outcome] = []
            if view is not None:
                readers = {int(u["user"]): SignedClient(port, u["creds"]) for u in users}
                result.read_model_values += check_read_models(view, readers, problems)
                for reader in readers.values():
                    reader.close()
                retried = _retry_unknown(outcomes, port, users)
                result.retried += len(retried)
            stop = threading.Event()
            traders = [Trader(f"s{seed}c{cycle}u{i}", port, u["creds"], int(u["user"]),
                              f"{seed}-{cycle}-{i}", stop) for i, u in enumerate(users)]
            for trader in traders:
                trader.start()
            time.sleep(rng.uniform(min_run_s, max_run_s))
            server.kill()
            result.kills += 1
            stop.set()
            for trader in traders:
                trader.join(60)
            outcomes = retried + [o for t in traders for o in t.outcomes]
            view = JournalView.load(directory)
            counts += check_outcomes(view, outcomes, problems)
            if check_recovery(directory, view, problems):
                result.snapshot_recoveries += 1
            result.cycles += 1
            result.commands_checked = view.last_seq
            acked = sum(1 for o in outcomes if o.status == "ok")
            unknown = sum(1 for o in outcomes if o.status == "unknown")
            log(f"cycle {cycle + 1}/{cycles}: {len(outcomes)} requests, {acked} acknowledged, "
                f"{unknown} in flight at the kill, journal seq {view.last_seq}, "
                f"{len(problems)} problems")
            if problems:
                break
        if not problems:
            server.start()
            if view is not None:
                readers = {int(u["user"]): SignedClient(port, u["creds"]) for u in users}
                result.read_model_values += check_read_models(view, readers, problems)
                for reader in readers.values():
                    reader.close()
            if server.stop() != 0:
                problems.add("the server did not stop cleanly on SIGTERM")
    finally:
        server.kill()
    result.in_flight_applied = counts.pop("in_flight_applied", 0)
    result.by_outcome = dict(sorted(counts.items()))
    result.requests = sum(counts.values())
    result.acknowledged = sum(v for k, v in counts.items() if k.endswith(":ok"))
    result.refused = sum(v for k, v in counts.items()
                         if k.split(":")[1] in ("rejected", "invalid", "busy"))
    result.in_flight_at_kill = sum(v for k, v in counts.items() if k.endswith(":unknown"))
    result.problems = list(problems)
    result.violations = len(problems)
    result.lost = sum(1 for p in problems if "acknowledged" in p)
    result.duplicated = sum(1 for p in problems if "times" in p)
    result.seconds = round(time.monotonic() - started, 1)
    if own_dir and not keep and not problems:
        shutil.rmtree(directory, ignore_errors=True)
    return result
