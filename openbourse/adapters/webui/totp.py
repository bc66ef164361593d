"""Optional TOTP two-factor authentication (RFC 6238, 30 s steps, 6 digits, via pyotp).

Enrolment is two-step: ``enrol`` stores a fresh secret as pending and returns it with its
``otpauth://`` URI; only ``confirm`` with a valid code switches it on, so a user cannot lock
themselves out with a secret their authenticator never saw.  Codes are accepted one step
either side of now (clock skew) and each step only once per user (a code read over a
shoulder cannot be replayed within its validity window).
"""
from __future__ import annotations

import hmac
import time
from typing import Callable, Dict, Optional

import pyotp

from .store import WebStore

__all__ = ["Totp", "ISSUER"]

ISSUER = "openbourse"
_SKEW_STEPS = 1


class Totp:
    def __init__(self, store: WebStore, clock_s: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock_s = clock_s

    def enabled(self, user_id: int) -> bool:
        row = self.store.totp(user_id)
        return row is not None and row.enabled

    def enrol(self, user_id: int, email: str) -> Dict[str, str]:
        """A new pending secret; refused while one is active (disable it first)."""
        if self.enabled(user_id):
            raise ValueError("two-factor authentication is already enabled")
        secret = pyotp.random_base32()
        self.store.set_pending_totp(user_id, secret)
        uri = pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)
        return {"secret": secret, "uri": uri}

    def confirm(self, user_id: int, code: str) -> bool:
        """Activate the pending secret if ``code`` matches it."""
        row = self.store.totp(user_id)
        if row is None or row.enabled:
            return False
        step = self._matching_step(row.secret, code)
        if step is None:
            return False
        self.store.enable_totp(user_id, step)
        return True

    def verify(self, user_id: int, code: str) -> bool:
        """True once per valid code of an active enrolment (a replayed step is refused)."""
        row = self.store.totp(user_id)
        if row is None or not row.enabled:
            return False
        step = self._matching_step(row.secret, code)
        return step is not None and self.store.use_totp_step(user_id, step)

    def disable(self, user_id: int) -> None:
        self.store.delete_totp(user_id)

    def _matching_step(self, secret: str, code: str) -> Optional[int]:
        code = (code or "").strip().replace(" ", "")
        if len(code) != 6 or not code.isdigit():
            return None
        totp = pyotp.TOTP(secret)
        now_step = int(self.clock_s()) // totp.interval
        for step in range(now_step - _SKEW_STEPS, now_step + _SKEW_STEPS + 1):
            if hmac.compare_digest(totp.generate_otp(step), code):
                return step
        return None
