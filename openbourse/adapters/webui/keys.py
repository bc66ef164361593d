"""API-key management for the signed-in user: list, create (secret shown once), revoke.

Session keys (label ``web-session``) are the browser's own credentials and are not listed
or revocable here; they die with their session.  When two-factor authentication is on,
creating a key needs a fresh code, as on the exchanges users know.
"""
from __future__ import annotations

import ipaddress
from typing import Any, Dict, List

from starlette.responses import Response
from starlette.routing import Route

from ..users import PERMISSIONS, UserError
from .context import Call, WebContext
from .replies import Fail, ok, read_json, text_field
from .sessions import SESSION_LABEL

__all__ = ["key_routes", "parse_ips", "MAX_IPS"]

MAX_IPS = 20


def parse_ips(text: str) -> List[str]:
    """Comma- or space-separated IPv4/IPv6 addresses, normalised; raises ``Fail`` on junk."""
    out: List[str] = []
    for token in text.replace(",", " ").split():
        try:
            address = str(ipaddress.ip_address(token))
        except ValueError:
            raise Fail("invalid", f"{token[:60]} is not an IP address", "ips") from None
        if address not in out:
            out.append(address)
    if len(out) > MAX_IPS:
        raise Fail("invalid", f"At most {MAX_IPS} addresses", "ips")
    return out


def _permissions(data: Dict[str, Any]) -> List[str]:
    perms = data.get("permissions", [])
    if not isinstance(perms, list) or not all(isinstance(p, str) for p in perms):
        raise Fail("bad_request", "permissions must be a list", "permissions")
    unknown = [p for p in perms if p not in PERMISSIONS]
    if unknown:
        raise Fail("invalid", f"Unknown permission {unknown[0][:20]}", "permissions")
    # Every key can read: Bitget keys always carry the read permission.
    return ["read"] + [p for p in PERMISSIONS if p in perms and p != "read"]


def key_routes(ctx: WebContext) -> List[Route]:
    async def list_keys(call: Call) -> Response:
        rows = [k for k in ctx.users.keys_of(call.user_id) if k["label"] != SESSION_LABEL]
        rows.sort(key=lambda k: int(k["createdMs"]), reverse=True)
        return ok(rows)

    async def create(call: Call) -> Response:
        data = await read_json(call.request)
        label = text_field(data, "label", max_len=40).strip()
        if label == SESSION_LABEL:
            raise Fail("invalid", "This label is reserved", "label")
        perms = _permissions(data)
        ips = parse_ips(text_field(data, "ips", required=False, max_len=2000))
        ctx.require_otp(call, data)
        try:
            created = ctx.users.create_key(call.user_id, tuple(perms), ips=tuple(ips), label=label)
        except UserError as exc:
            raise Fail("invalid", str(exc), "permissions") from None
        return ok({**created, "label": label, "permissions": ",".join(perms),
                   "ipAllow": ",".join(ips)})

    async def revoke(call: Call) -> Response:
        data = await read_json(call.request)
        api_key = text_field(data, "apiKey", max_len=80)
        owned = {k["apiKey"]: k for k in ctx.users.keys_of(call.user_id)}
        key = owned.get(api_key)
        if key is None or key["label"] == SESSION_LABEL:
            raise Fail("not_found", "No such API key", "apiKey", 404)
        if key["revoked"] == "true":
            raise Fail("invalid", "This key is already revoked", "apiKey")
        ctx.users.revoke_key(api_key)
        return ok({"apiKey": api_key, "revoked": True})

    e = ctx.endpoint
    return [
        Route("/ui/keys", e(list_keys, mutating=False), methods=["GET"]),
        Route("/ui/keys/create", e(create), methods=["POST"]),
        Route("/ui/keys/revoke", e(revoke), methods=["POST"]),
    ]
