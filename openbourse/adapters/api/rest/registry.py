"""The route table: one ``Endpoint`` per Bitget path, declared next to its handler.

The same table drives dispatch, authentication (``permission``), rate limiting
(``family``), parameter checking (``params``: the only keys a request may carry) and the
OpenAPI document, so the documentation cannot drift from what the server accepts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, FrozenSet, List, Optional, Tuple

__all__ = ["Endpoint", "Registry", "Handler"]

Handler = Callable[[Any, Any], Awaitable[Any]]


@dataclass(frozen=True)
class Endpoint:
    method: str  # "GET" or "POST"
    path: str  # full path, e.g. "/api/v2/spot/trade/place-order"
    handler: Handler
    permission: Optional[str]  # None: public; else "read", "trade", "transfer", "withdraw"
    family: str  # rate-limit family
    params: FrozenSet[str]  # accepted parameter names
    required: Tuple[str, ...] = ()  # documented as required (handlers enforce them)
    summary: str = ""
    response: str = "object"  # documented shape of ``data``: "object", "list", "null"


@dataclass
class Registry:
    """Collects endpoints from the endpoint modules (each calls ``route`` at import)."""

    endpoints: List[Endpoint] = field(default_factory=list)

    def route(
        self,
        method: str,
        path: str,
        *,
        family: str,
        permission: Optional[str] = None,
        params: Tuple[str, ...] = (),
        required: Tuple[str, ...] = (),
        response: str = "object",
    ) -> Callable[[Handler], Handler]:
        def decorate(handler: Handler) -> Handler:
            summary = (handler.__doc__ or "").strip().split("\n")[0]
            self.endpoints.append(
                Endpoint(
                    method,
                    "/api/v2/" + path,
                    handler,
                    permission,
                    family,
                    frozenset(params) | frozenset(required),
                    tuple(required),
                    summary,
                    response,
                )
            )
            return handler

        return decorate
