"""The bytecode counter of the hot path (``python -m openbourse.bench.opcount``)."""
from __future__ import annotations

from openbourse.bench.opcount import count_opcodes


def test_counts_every_command_by_kind() -> None:
    rows = count_opcodes(commands=600, warm=2_000)
    assert sum(row["count"] for row in rows.values()) == 600
    passive, crossing = rows["PlaceOrder (passive)"], rows["PlaceOrder (crossing)"]
    cancel = rows["CancelOrder"]
    assert passive["fills"] == 0 and cancel["fills"] == 0 and crossing["fills"] >= 1
    # a cancel does less than a new order, which does less than one that trades
    assert 0 < cancel["opcodes"] < passive["opcodes"] < crossing["opcodes"]
    assert "check_order" in passive["functions"] and "settle_fill" in crossing["functions"]
    assert passive["functions"]["apply"] > 0
