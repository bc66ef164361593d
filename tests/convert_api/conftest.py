"""Fixtures for the convert API tests (same server set-up as ``tests/margin_api``)."""

from __future__ import annotations

from margin_api.conftest import make_user, seed_book, server  # noqa: F401
