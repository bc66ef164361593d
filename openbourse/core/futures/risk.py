"""The operator's risk view of every contract (read-only, run on the sequencer thread).

Per contract, in integer units: open interest on each side (order units and value units),
the house position (Coin-M, contracts.py) with its PnL at the mark, and per margin asset the
clearing balance, the insurance fund and bad debt.  The admin op ``futures-risk`` (CLI
``openbourse futures risk``) turns it into decimal strings.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List

from ..enums import SystemOwner
from .insurance import fund_balance
from .state import fstate

if TYPE_CHECKING:
    from ..engine.state import EngineState

__all__ = ["risk_report"]


def risk_report(state: "EngineState") -> List[Dict[str, Any]]:
    fs = fstate(state)
    rows = []
    for symbol in sorted(fs.contracts):
        contract = fs.contracts[symbol]
        qty = [0, 0]
        size = [0, 0]
        for pos in contract.positions.values():
            qty[pos.side] += pos.qty
            size[pos.side] += pos.size
        clearing = state.ledger.balances.get(
            (int(SystemOwner.CLEARING), contract.account, contract.margin_asset))
        rows.append({
            "symbol": symbol, "product_type": contract.product_type,
            "margin_asset": contract.margin_asset, "inverse": contract.inverse,
            "mark": contract.mark, "positions": len(contract.positions),
            "long_qty": qty[0], "short_qty": qty[1],
            "long_size": size[0], "short_size": size[1],
            "house_size": contract.house_size, "house_cost": contract.house_cost,
            "house_pnl": contract.house_upnl(contract.mark),
            "clearing": clearing.available if clearing is not None else 0,
            "insurance_fund": fund_balance(state, contract.margin_asset),
            "bad_debt": fs.bad_debt.get(contract.margin_asset, 0),
            "price_precision": contract.price_precision,
            "quantity_precision": contract.quantity_precision, "scale": contract.scale,
        })
    return rows
