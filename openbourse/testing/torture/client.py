"""What the torture harness talks to the server with: signed HTTP, the admin socket, the process.

Written from the wire formats, not from the server's own helpers: the signature is
Bitget's (``base64(HMAC-SHA256(secret, ts + METHOD + path [+ "?" + query] + body))``),
the admin socket is one JSON line each way, and the server is the ``openbourse serve``
command line.  Only the standard library, so the harness runs wherever the server does.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

__all__ = ["SignedClient", "Unanswered", "admin", "ServerProcess", "free_port"]


class Unanswered(Exception):
    """No HTTP answer (the connection broke): the request's fate is unknown."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SignedClient:
    """One keep-alive connection, requests signed with one API key."""

    def __init__(self, port: int, creds: Dict[str, str], timeout: float = 30.0) -> None:
        self.port = port
        self.creds = creds
        self.timeout = timeout
        self._conn: Optional[http.client.HTTPConnection] = None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def request(self, method: str, path: str, params: Optional[Dict[str, Any]] = None
                ) -> Tuple[int, Dict[str, Any]]:
        """(HTTP status, envelope); raises ``Unanswered`` when no answer arrived."""
        params = params or {}
        query, body = "", ""
        if method == "GET":
            query = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
        else:
            body = json.dumps(params, separators=(",", ":"))
        timestamp = str(time.time_ns() // 1_000_000)
        prehash = timestamp + method + path + ("?" + query if query else "") + body
        signature = base64.b64encode(hmac.new(self.creds["secretKey"].encode(),
                                              prehash.encode(), hashlib.sha256).digest())
        headers = {
            "ACCESS-KEY": self.creds["apiKey"],
            "ACCESS-SIGN": signature.decode(),
            "ACCESS-TIMESTAMP": timestamp,
            "ACCESS-PASSPHRASE": self.creds["passphrase"],
            "Content-Type": "application/json",
        }
        try:
            if self._conn is None:
                self._conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                        timeout=self.timeout)
            self._conn.request(method, path + ("?" + query if query else ""),
                               body=body.encode() if body else None, headers=headers)
            response = self._conn.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise Unanswered(repr(exc)) from None
        try:
            return response.status, json.loads(raw)
        except ValueError:
            return response.status, {"code": "not-json", "msg": raw[:200].decode("latin-1"),
                                     "data": None}


def admin(data_dir: Path, op: str, args: Dict[str, Any], timeout: float = 60.0) -> Any:
    """Run an admin operation on the node serving ``data_dir`` (its ``admin.sock``)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    with sock:
        sock.connect(str(data_dir / "admin.sock"))
        sock.sendall(json.dumps({"op": op, "args": args}).encode() + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    reply = json.loads(data)
    if not reply.get("ok"):
        raise RuntimeError(f"admin {op} failed: {reply.get('error')}")
    return reply["result"]


class ServerProcess:
    """``openbourse serve`` on a data dir: start (waits until it listens), kill, stop."""

    def __init__(self, data_dir: Path, port: int, extra: List[str], log_path: Path) -> None:
        self.data_dir = data_dir
        self.port = port
        self.extra = extra
        self.log_path = log_path
        self.proc: Optional[subprocess.Popen] = None
        self.lines: List[str] = []

    def spawn(self) -> None:
        """Start without waiting (to kill it during start-up and recovery)."""
        self._launch()

    def start(self, timeout: float = 120.0) -> float:
        """Start and wait for the "listening" banner; returns the seconds it took."""
        started = time.monotonic()
        ready = self._launch()
        proc = self.proc
        assert proc is not None
        while not ready.wait(0.1):
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode} during start-up; "
                                   f"see {self.log_path}")
            if time.monotonic() - started > timeout:
                self.kill()
                raise RuntimeError(f"server did not start in {timeout}s; see {self.log_path}")
        return time.monotonic() - started

    def _launch(self) -> threading.Event:
        command = [sys.executable, "-m", "openbourse.runtime.cli", "serve", "--data-dir",
                   str(self.data_dir), "--port", str(self.port), *self.extra]
        log = open(self.log_path, "ab")
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, env=env)
        log.close()
        ready = threading.Event()
        proc = self.proc

        def read() -> None:
            assert proc.stdout is not None
            with open(self.log_path, "ab") as out:
                for raw in proc.stdout:
                    out.write(raw)
                    out.flush()
                    line = raw.decode("utf-8", "replace")
                    self.lines.append(line)
                    if line.startswith("openbourse listening on"):
                        ready.set()

        threading.Thread(target=read, daemon=True).start()
        return ready

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, exactly like a crash or the OOM killer."""
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(60)
            self.proc = None

    def stop(self) -> int:
        """SIGTERM and wait: the graceful path (drain, fsync, flush read models)."""
        if self.proc is None:
            return 0
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(120)
        self.proc = None
        return code
