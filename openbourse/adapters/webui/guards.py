"""Request guards for the account endpoints: same-origin, CSRF and log-in throttling.

* Every state-changing request must come from this site's own pages: its ``Origin`` (or,
  failing that, ``Referer``) must name the host the request was sent to.  With the
  SameSite=Strict cookie this stops cross-site posts, including log-in CSRF before any
  session exists.
* Requests made inside a session also carry the session's CSRF token in ``X-CSRF-Token``.
* Failed log-ins are counted per (client address, email); after ``MAX_FAILURES`` within
  ``WINDOW_S`` seconds further attempts are refused until the window passes, which caps
  online password guessing without letting a stranger lock out an account from elsewhere.
  An address is also capped across all emails (``MAX_PER_ADDRESS``), so spraying one
  common password over many accounts is throttled too.
"""
from __future__ import annotations

import hmac
import time
from typing import Callable, Dict, List, Tuple
from urllib.parse import urlsplit

from starlette.requests import Request

__all__ = ["same_origin", "csrf_ok", "LoginThrottle"]


def same_origin(request: Request) -> bool:
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source:
        return False
    host = request.headers.get("host", "")
    return urlsplit(source).netloc == host and bool(host)


def csrf_ok(request: Request, expected: str) -> bool:
    given = request.headers.get("x-csrf-token", "")
    return bool(given) and hmac.compare_digest(given, expected)


class LoginThrottle:
    MAX_FAILURES = 10
    MAX_PER_ADDRESS = 50
    WINDOW_S = 300.0

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._failures: Dict[Tuple[str, str], List[float]] = {}
        self._by_address: Dict[str, List[float]] = {}

    def _recent(self, key: Tuple[str, str]) -> List[float]:
        cutoff = self.clock() - self.WINDOW_S
        times = [t for t in self._failures.get(key, []) if t > cutoff]
        if times:
            self._failures[key] = times
        else:
            self._failures.pop(key, None)
        return times

    def blocked(self, ip: str, email: str) -> bool:
        cutoff = self.clock() - self.WINDOW_S
        spray = [t for t in self._by_address.get(ip, []) if t > cutoff]
        if spray:
            self._by_address[ip] = spray
        else:
            self._by_address.pop(ip, None)
        if len(spray) >= self.MAX_PER_ADDRESS:
            return True
        return len(self._recent((ip, email.strip().lower()))) >= self.MAX_FAILURES

    def failed(self, ip: str, email: str) -> None:
        if len(self._failures) > 50_000:  # an address scan must not grow memory forever
            self._failures.clear()
            self._by_address.clear()
        now = self.clock()
        self._failures.setdefault((ip, email.strip().lower()), []).append(now)
        self._by_address.setdefault(ip, []).append(now)

    def succeeded(self, ip: str, email: str) -> None:
        self._failures.pop((ip, email.strip().lower()), None)
