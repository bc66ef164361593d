"""Long/short account ratio per contract (Bitget ``mix/market/account-long-short``).

How many accounts hold a long and how many a short position in each contract, sampled
every five minutes.  The projection lives in ``products.sqlite`` (``ProductProjection``):

* state ``ls:{symbol}`` = ``[long accounts, short accounts]`` now, kept from
  ``PositionChanged`` (a position id counts from its first non-zero size until it closes;
  ``lsopen:{id}`` marks the open ones, so a restart resumes the counts exactly);
* history rows ``ls`` (user 0, row id = five-minute bucket number) = the counts at the
  start of each bucket, written when a journaled ``ClockTick`` (or any event) first falls
  in a new bucket.  Time comes from the journal, so a replay writes the same samples.

A query for a longer period (15m … 1d) takes, for each period start, the latest sample at
or before it (counts carry forward over buckets with no sample); the running period shows
the counts as they are now.
"""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from ...core.commands import ClockTick
from ...core.futures import events as fe
from .product_store import CommandHook, Handler, ProductProjection

__all__ = ["SENTIMENT_HANDLERS", "SENTIMENT_COMMAND_HOOKS", "sentiment_hook",
           "BUCKET_MS", "PERIODS_MS", "ratio_rows"]

BUCKET_MS = 300_000
PERIODS_MS: Dict[str, int] = {
    "5m": 300_000, "15m": 900_000, "30m": 1_800_000, "1h": 3_600_000, "2h": 7_200_000,
    "4h": 14_400_000, "6h": 21_600_000, "12h": 43_200_000, "1d": 86_400_000,
}
_CLOCK = "lsclock"  # the bucket number last sampled


def _sample(p: ProductProjection, ts_ns: int) -> None:
    """At the first moment seen in a new bucket, record every contract's counts."""
    bucket = ts_ns // 1_000_000 // BUCKET_MS
    last = p.state.get(_CLOCK)
    if last is not None and bucket <= last:
        return
    p.put(_CLOCK, bucket)
    for key, (longs, shorts) in [(k, v) for k, v in p.state.items() if k.startswith("ls:")]:
        p.add("ls", 0, bucket, bucket * BUCKET_MS * 1_000_000, "", key[3:],
              long=longs, short=shorts)


def sentiment_hook(p: ProductProjection, command: ClockTick) -> None:
    _sample(p, command.ts_ns)


def _listed(p: ProductProjection, seq: int, e: Any) -> None:
    key = f"ls:{e.symbol}"
    if key not in p.state:
        p.put(key, [0, 0])


def _position(p: ProductProjection, seq: int, e: Any) -> None:
    _sample(p, e.ts_ns)
    if e.user <= 0:
        return  # the exchange's own accounts (e.g. an ADL clearing leg) are not traders
    mark = f"lsopen:{e.position_id}"
    was_open = mark in p.state
    if was_open == (e.size > 0):
        return
    key = f"ls:{e.symbol}"
    counts = list(p.state.get(key, [0, 0]))
    side = 0 if e.hold_side == 0 else 1
    if e.size > 0:
        counts[side] += 1
        p.put(mark, 1)
    else:
        counts[side] = max(0, counts[side] - 1)
        p.put(mark, None)
    p.put(key, counts)


SENTIMENT_HANDLERS: Dict[type, Handler] = {
    fe.ContractListed: _listed,
    fe.PositionChanged: _position,
}

SENTIMENT_COMMAND_HOOKS: Dict[type, CommandHook] = {ClockTick: sentiment_hook}


def _ratio(part: int, whole: int) -> str:
    if whole <= 0:
        return "0"
    text = f"{part / whole:.4f}".rstrip("0").rstrip(".")
    return text or "0"


def ratio_rows(p: ProductProjection, symbol: str, period_ms: int, limit: int,
               now_ms: int) -> List[Dict[str, str]]:
    """Up to ``limit`` period starts (oldest first, ending at the current period) with the
    account ratios at each; periods before the first sample are left out."""
    first = (now_ms // period_ms - limit + 1) * period_ms
    wanted = [first + i * period_ms for i in range(limit)]
    samples = p.records("ls", 0, symbol=symbol, start_ms=first, end_ms=now_ms, limit=100_000)
    earlier = p.records("ls", 0, symbol=symbol, end_ms=first - 1, limit=1)
    samples.sort(key=lambda r: r["ts_ms"])
    series: List[Tuple[int, int, int]] = [(r["ts_ms"], r["long"], r["short"])
                                          for r in earlier + samples]
    live = p.get(f"ls:{symbol}")
    if live is not None:  # the running period shows the counts as they are now
        series = [row for row in series if row[0] < wanted[-1]]
        series.append((wanted[-1], live[0], live[1]))
    out: List[Dict[str, str]] = []
    i, current = 0, None
    for start in wanted:
        while i < len(series) and series[i][0] <= start:
            current = series[i]
            i += 1
        if current is None:
            continue
        longs, shorts = current[1], current[2]
        out.append({"longAccountRatio": _ratio(longs, longs + shorts),
                    "shortAccountRatio": _ratio(shorts, longs + shorts),
                    "longShortAccountRatio": _ratio(longs, shorts) if shorts else "0",
                    "ts": str(start)})
    return out
