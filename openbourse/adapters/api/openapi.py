"""OpenAPI 3 description generated from the REST route table, served at ``/docs``.

Generated rather than written so it lists exactly the routes, methods, parameters and
permissions the dispatcher enforces.  Parameter types are documented as strings because
that is what Bitget sends and accepts (numbers are decimal strings; JSON numbers are also
accepted).  ``/docs`` is a small self-contained HTML page (no CDN) rendering the same data.
"""

from __future__ import annotations

import html
from typing import Any, Dict, List

from .rest.registry import Endpoint

__all__ = ["openapi_document", "docs_html"]

_AUTH_HEADERS = ("ACCESS-KEY", "ACCESS-SIGN", "ACCESS-TIMESTAMP", "ACCESS-PASSPHRASE")

_ENVELOPE = {
    "type": "object",
    "required": ["code", "msg", "requestTime", "data"],
    "properties": {
        "code": {"type": "string", "description": '"00000" on success, else a Bitget error code'},
        "msg": {"type": "string", "description": '"success" on success'},
        "requestTime": {"type": "integer", "description": "server time, ms"},
        "data": {"description": "endpoint result (null on errors)"},
    },
}


def _operation(e: Endpoint) -> Dict[str, Any]:
    data_schema: Dict[str, Any] = {
        "list": {"type": "array", "items": {}},
        "object": {"type": "object"},
        "null": {"nullable": True},
    }[e.response]
    op: Dict[str, Any] = {
        "summary": e.summary,
        "operationId": e.path.replace("/api/v2/", "").replace("/", "_").replace("-", "_"),
        "tags": [e.path.split("/")[3]],
        "x-rate-limit-family": e.family,
        "responses": {
            "200": {
                "description": "Bitget envelope",
                "content": {
                    "application/json": {
                        "schema": {
                            "allOf": [
                                {"$ref": "#/components/schemas/Envelope"},
                                {"type": "object", "properties": {"data": data_schema}},
                            ]
                        }
                    }
                },
            },
            "400": {"description": "error envelope (code = Bitget error code)"},
            "429": {"description": "rate limited (code 429)"},
        },
    }
    if e.permission is not None:
        op["security"] = [{"bitgetSignature": []}]
        op["x-permission"] = e.permission
        op["description"] = f"Signed request; the API key needs the '{e.permission}' permission."
    fields = sorted(e.params)
    if e.method == "GET":
        op["parameters"] = [
            {
                "name": name,
                "in": "query",
                "required": name in e.required,
                "schema": {"type": "string"},
            }
            for name in fields
        ]
    else:
        op["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": list(e.required),
                        "properties": {
                            name: {
                                "oneOf": [{"type": "string"}, {"type": "number"}, {"type": "array"}]
                            }
                            for name in fields
                        },
                    }
                }
            },
        }
    return op


def openapi_document(endpoints: List[Endpoint], server_url: str = "/") -> Dict[str, Any]:
    paths: Dict[str, Dict[str, Any]] = {}
    for endpoint in endpoints:
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = _operation(endpoint)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "openbourse REST API (Bitget v2 compatible)",
            "version": "2",
            "description": "Wire-compatible with Bitget's v2 spot REST API so that unmodified ccxt "
            "works. Signed requests: ACCESS-SIGN = base64(HMAC-SHA256(secret, timestamp "
            "+ METHOD + path + ['?' + query] + body)), timestamp in ms within 30 s.",
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": {"Envelope": _ENVELOPE},
            "securitySchemes": {
                "bitgetSignature": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "ACCESS-KEY",
                    "description": "Also send " + ", ".join(_AUTH_HEADERS[1:]) + ".",
                }
            },
        },
    }


def docs_html(endpoints: List[Endpoint]) -> str:
    """A plain HTML index of the API (the JSON document is at /docs/openapi.json)."""
    rows = []
    for e in sorted(endpoints, key=lambda x: x.path):
        auth = html.escape(e.permission or "public")
        params = ", ".join(
            f"<b>{html.escape(p)}</b>" if p in e.required else html.escape(p)
            for p in sorted(e.params)
        )
        rows.append(
            f"<tr><td>{e.method}</td><td><code>{html.escape(e.path)}</code></td><td>{auth}</td>"
            f"<td>{html.escape(e.summary)}</td><td>{params}</td></tr>"
        )
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>openbourse API</title><style>"
        "body{font-family:sans-serif;margin:2em}td,th{border-bottom:1px solid #ddd;padding:4px 8px;"
        "text-align:left;vertical-align:top}code{white-space:nowrap}</style></head><body>"
        "<h1>openbourse REST API</h1><p>Bitget v2 compatible; point ccxt's "
        "<code>bitget</code> class at this server. Machine-readable: "
        "<a href='/docs/openapi.json'>/docs/openapi.json</a>. "
        "Required parameters are bold. Every response is "
        '<code>{"code":"00000","msg":"success","requestTime":ms,"data":...}</code>.</p>'
        "<table><tr><th>method</th><th>path</th><th>auth</th><th>summary</th><th>parameters</th></tr>"
        + "".join(rows)
        + "</table></body></html>"
    )
