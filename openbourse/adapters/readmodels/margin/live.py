"""Figures of a margin account *now*, computed by the core's own risk functions.

Each function here takes the engine state and runs on the sequencer thread
(``ProductViews.query``), between two commands, so what the API answers for max
borrowable, max transfer-out and risk ratio is exactly what the next ``Borrow`` or
``Transfer`` would be checked against.  They only read; results are plain tuples.
"""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from ....core.margin import risk
from ....core.margin.state import CROSS

__all__ = ["account_figures", "max_borrowable", "risk_ratios"]


def _ms(state: Any) -> Any:
    return state.products["margin"]


def account_figures(
    user: int, account: int
) -> Any:
    """fn(state) → {asset: (transferable, max_borrowable)} and (assets, liabilities, ratio)."""

    def run(state: Any) -> Tuple[Dict[str, Tuple[int, int]], Tuple[int, int, int]]:
        ms = _ms(state)
        if account != CROSS and account not in ms.account_pair:
            return {}, (0, 0, 0)
        out: Dict[str, Tuple[int, int]] = {}
        for asset in risk.account_assets(state, ms, account):
            out[asset] = (
                risk.transferable_amount(state, ms, user, account, asset),
                risk.max_borrowable(state, ms, user, account, asset),
            )
        v = risk.view(state, ms, user, account)
        return out, (v.assets, v.liabilities, risk.risk_ratio_ppm(v))

    return run


def max_borrowable(user: int, account: int, asset: str) -> Any:
    def run(state: Any) -> int:
        ms = _ms(state)
        if account != CROSS and account not in ms.account_pair:
            return 0
        return risk.max_borrowable(state, ms, user, account, asset)

    return run


def risk_ratios(user: int, accounts: List[int]) -> Any:
    """fn(state) → [(account, assets, liabilities, risk ratio ppm)]."""

    def run(state: Any) -> List[Tuple[int, int, int, int]]:
        ms = _ms(state)
        out = []
        for account in accounts:
            if account != CROSS and account not in ms.account_pair:
                continue
            v = risk.view(state, ms, user, account)
            out.append((account, v.assets, v.liabilities, risk.risk_ratio_ppm(v)))
        return out

    return run
