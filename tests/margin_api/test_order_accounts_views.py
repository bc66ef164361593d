"""The private read model's account type of orders (spot vs cross vs isolated), in process:
learned from ``PlaceMarginOrder``, liquidation orders and ``ModifyOrder`` replacements,
persisted with the orders, reloaded after a restart; stores made before it are rebuilt."""

from __future__ import annotations

from pathlib import Path

from openbourse.core import events as ev
from openbourse.core.enums import CloseReason
from openbourse.core.margin import commands as mc
from openbourse.core.margin import events as me
from openbourse.adapters.readmodels.private import PrivateViews
from openbourse.adapters.readmodels.private_store import Batch, PrivateStore

USER = 7


def _accepted(seq: int, order_id: int, user: int = USER) -> ev.OrderAccepted:
    return ev.OrderAccepted(seq, seq * 1_000_000, order_id, user, "BTCUSDT", 0, 0, 0, 100, 1, 0,
                            "", 0, 0)


def _closed(seq: int, order_id: int, reason: int) -> ev.OrderClosed:
    return ev.OrderClosed(seq, seq * 1_000_000, order_id, USER, "BTCUSDT", 3, reason, 0, 0)


def _ids(orders) -> list:
    return sorted(o.order_id for o in orders)


def _project(views: PrivateViews) -> None:
    place = mc.PlaceMarginOrder(0, USER, 3, "BTCUSDT", 0, 0, 0, 0, 100, 1, 0, "", 0)
    views.on_events(1, place, [_accepted(1, 11)])  # cross margin order
    views.on_events(2, object(), [_accepted(2, 12)])  # a spot order
    views.on_events(3, object(), [  # a liquidation of the isolated account places order 13
        me.LiquidationStarted(3, 0, 1, USER, 4, "BTCUSDT", 1001, 10, 9, 900_000),
        _accepted(3, 13),
        _closed(3, 13, int(CloseReason.NONE)),
        me.LiquidationFinished(3, 0, 1, USER, 4, "BTCUSDT", 1001, "", 0, 0, 0),
        _accepted(3, 14, user=8),  # after the liquidation: not the margin account's
    ])
    views.on_events(4, object(), [  # ModifyOrder of the cross order: 15 replaces 11
        _closed(4, 11, int(CloseReason.REPLACED)), _accepted(4, 15)
    ])


def _check(views: PrivateViews) -> None:
    assert _ids(views.open_orders(USER, None, None, None, None, 100)) == [12]
    assert _ids(views.open_orders(USER, None, None, None, None, 100, account_type=3)) == [15]
    assert _ids(views.history_orders(USER, None, None, None, None, 100, account_type=4)) == [13]
    assert _ids(views.history_orders(USER, None, None, None, None, 100, account_type=3)) == [11]
    assert views.history_orders(USER, None, None, None, None, 100) == []
    assert views.order(USER, 15) is None and views.order(USER, 15, account_type=3) is not None
    assert views.order(USER, 12) is not None and views.order(USER, 12, account_type=None)
    assert [views.order_account(i) for i in (11, 12, 13, 15)] == [3, 1, 4, 3]
    assert views.open_orders(8, None, None, None, None, 100)[0].order_id == 14  # spot


def test_account_types_are_projected_persisted_and_reloaded(tmp_path: Path) -> None:
    views = PrivateViews(PrivateStore(tmp_path / "private.sqlite"), lambda u: u > 0)
    _project(views)
    _check(views)  # from memory
    views.flush()
    _check(views)  # closed orders now from SQLite
    views.close()
    again = PrivateViews(PrivateStore(tmp_path / "private.sqlite"), lambda u: u > 0)
    try:
        assert again.last_seq == 4
        _check(again)  # open ones reloaded with their account type
    finally:
        again.close()


def test_stores_made_before_order_accounts_are_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "private.sqlite"
    store = PrivateStore(path)
    store.write(Batch(7))
    store._writer.execute("DROP TABLE order_accounts")
    store.close()
    store = PrivateStore(path)
    try:
        assert store.last_seq() == 0  # the node replays the journal from the start
    finally:
        store.close()
