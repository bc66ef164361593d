"""A lean HTTP/1.1 server protocol for the REST hot path, handing everything else over.

Why: behind uvicorn, a signed order spent about half of the server's CPU in the HTTP
machinery (parser callbacks, the ASGI scope and messages, a task, an event and flow
control per request).  This protocol serves the requests the API actually gets, plain
``GET``/``POST`` HTTP/1.1 to ``service.prefix`` with a ``Content-Length`` body or none,
by calling the service directly: one regex match validates the request line and the
header block, the body is a slice of the read buffer, the handler coroutine is driven
without a task (below), and the answer is one ``transport.write``.

Anything else on a connection (another path such as the web UI or ``/docs``, a
WebSocket upgrade, ``Transfer-Encoding``, ``Expect``, ``HEAD`` or any other method,
HTTP/1.0, a percent-encoded path, duplicate or malformed ``Content-Length``, any
malformed request) is handed over, with the bytes from that request on, to a
``fallback`` protocol (uvicorn's) that serves the rest of that connection exactly as
before, its 400s for malformed requests included.  The hand-over waits until every
earlier response is written, so pipelined responses stay in order.

The only answers of its own: a request head over ``max_head`` bytes (431, plain text,
then close) and a declared body over ``service.max_body`` (the service's 413, then
close: the body is not read).  Requests on one connection are served one at a time
(pipelined ones wait in the buffer; reading pauses when it grows past a bound) and a
peer that stops reading pauses the serving of further requests (``pause_writing``).

Writing the answer: when the transport's own buffer is empty, the answer is written to
the socket with ``os.write``, which releases the GIL for the system call (on loopback it
also runs the receiving side's TCP work and wakes the client, tens of microseconds),
so the sequencer and dispatcher threads keep running meanwhile; ``transport.write``
(uvloop's) holds the GIL throughout.  Whatever the socket does not take at once, and
every answer while the transport still buffers earlier bytes or is closing, goes through
``transport.write`` as before (flow control, errors and ordering unchanged).  Only for a
plain socket transport (no TLS); anything else always uses ``transport.write``.

One turn, step by step: input is not served as it arrives.  Every connection that
received input during one event-loop turn (about a dozen under load: the clients an
acknowledged batch answered send their next requests together) is queued on the
connections' set, and one callback at the end of the turn parses them all, then hands
every complete request to ``service.respond_many``, which runs each step (signatures,
parameters, handlers) for all of them before the next step.  Each step's code and data
then stay in the CPU's caches; served one by one, every request found them evicted by
the others' steps and the other threads.  Measured: a fifth less server CPU per signed
order (``docs/performance.md``).  Pipelined requests on one connection are still served
one at a time, the next one in the turn after the answer.

Driving the handler: ``respond_many`` returns coroutines that only await asyncio futures
(the sequencer's acknowledgement); ``_step`` sends into one and re-arms on the future it
yields, which is what a task does minus the task object, its registration and the loop
hop to its first step.  A handler that never awaits (``public/time``) is answered in its
first step.  Handlers served here therefore must not need ``current_task()``
(``asyncio.timeout`` would; nothing in the REST handlers does).

Resuming: a future's done callbacks run one loop iteration after it is resolved, i.e.
after that iteration's reads have parsed and submitted every newly arrived request
(measured: ~1 ms per answer at 3,000 requests/s).  So whoever resolves the futures a
connection awaits may call ``resume_settled(futures)`` right after, which runs those
connections' handlers at once (the sequencer does, for each acknowledged batch); the
done callback that still arrives later is then ignored.

The service (``rest.app.RestApp``) provides ``prefix`` (str), ``max_body``, ``headers``
(the lower-case names it wants, as str), ``content_type`` (bytes), ``begin(method, path,
ip)`` (raises for an immediate refusal), ``respond_many(requests)`` (for a list of
``(handle, path, query, headers, body, ip)``, one coroutine each returning ``(status,
body)`` and never raising), ``refusal(exc)`` -> ``(status, body)`` and ``too_large()`` ->
exception.  The connections of one ``ConnectionSet`` share one service.
"""
from __future__ import annotations

import asyncio
import functools
import logging
import os
import re
import time
from email.utils import formatdate
from http import HTTPStatus
from typing import Any, Callable, Dict, FrozenSet, Iterable, List, Optional, Set, Tuple

__all__ = ["LeanHttpProtocol", "ConnectionSet", "MAX_HEAD", "resume_settled"]

_log = logging.getLogger(__name__)

#: Largest request head (request line + headers) accepted, complete or not.
MAX_HEAD = 32 * 1024

# Request line and header block in one match.  Path: no '%' (uvicorn unquotes those: it
# gets them), no '#', no '?'; query: anything printable but '#'.  Header names are RFC
# 9110 tokens, values visible ASCII, obs-text, space and tab (no obs-fold); a match ends
# at the empty line.  No group can backtrack into another, so matching is linear, and
# the quantifiers are possessive (``*+``: no backtracking state kept, ~30 % faster).
_REQUEST = re.compile(
    rb"(GET|POST) (/[!\"$&->@-~]*+)(?:\?([!\"$-~]*+))? HTTP/1\.1\r\n"
    rb"((?:[!#$%&'*+.^_`|~0-9A-Za-z-]++:[\t\x20-\x7e\x80-\xff]*+\r\n)*+)\r\n"
)

# What a header means to this protocol: passed to the service only, Content-Length,
# Connection, or one that sends the request to the fallback when present at all.
_PLAIN, _LENGTH, _CONNECTION, _FOREIGN = 0, 1, 2, 3
_CONTROL = {"content-length": _LENGTH, "connection": _CONNECTION,
            "transfer-encoding": _FOREIGN, "upgrade": _FOREIGN, "expect": _FOREIGN}


@functools.lru_cache(maxsize=8)
def _header_kinds(names: FrozenSet[str]) -> Dict[bytes, Tuple[Optional[str], int]]:
    """What each header that matters (``names`` plus ``_CONTROL``, lower-cased) is: the
    service's name for it (None: not passed on) and its kind."""
    wanted = set(names) | set(_CONTROL)
    return {n.encode(): (n if n in names else None, _CONTROL.get(n, _PLAIN)) for n in wanted}


#: a header the service does not want and that means nothing to this protocol
_IGNORED: Tuple[Optional[str], int] = (None, -1)

_PHRASES = {int(s): s.phrase.encode("ascii") for s in HTTPStatus}
_STATUS = {
    code: b"HTTP/1.1 %d %s\r\n" % (code, _PHRASES.get(code, b"")) for code in range(100, 600)
}
_CLOSE = b"connection: close\r\n\r\n"
_HEADER_TOO_LARGE = b"Request header fields too large"

#: hand the rest of the connection to the fallback protocol
_HAND_OFF = object()


class _DateHeader:
    """``date: ...\\r\\n`` as uvicorn writes it, formatted at most once a second."""

    __slots__ = ("second", "line")

    def __init__(self) -> None:
        self.second = -1
        self.line = b""

    def get(self) -> bytes:
        now = time.time()
        second = int(now)
        if second != self.second:
            self.second = second
            self.line = b"date: " + formatdate(now, usegmt=True).encode("ascii") + b"\r\n"
        return self.line


_DATE = _DateHeader()
_write = os.write

#: future a lean connection's handler awaits -> that connection's ``_step``
_AWAITING: Dict[Any, Callable[[Any], None]] = {}


def resume_settled(futures: Iterable[Any]) -> None:
    """Resume, now, the handlers awaiting these just-resolved futures (see the module doc).

    Call it on the event loop right after resolving them; futures nobody here awaits are
    skipped."""
    for future in futures:
        step = _AWAITING.pop(future, None)
        if step is not None:
            try:
                step(future)
            except Exception:  # noqa: BLE001 - one connection's bug must not stop the rest
                _log.exception("resuming a REST handler failed")


def _socket_fd(transport: Any) -> int:
    """The file descriptor answers may be written to directly, or -1 (TLS, not a socket
    transport, a test double)."""
    try:
        if transport.get_extra_info("sslcontext") is not None:
            return -1
        if transport.get_extra_info("ssl_object") is not None:
            return -1
        sock = transport.get_extra_info("socket")
        if sock is None or not callable(getattr(transport, "get_write_buffer_size", None)):
            return -1
        fd = sock.fileno()
    except Exception:  # noqa: BLE001 - anything unusual: keep to transport.write
        return -1
    return fd if isinstance(fd, int) and fd >= 0 else -1


class ConnectionSet:
    """The live lean connections of one server: the work of a loop turn (``_run_turn``),
    keep-alive and request timeouts, shutdown.

    One timer sweeps every connection once a ``interval_s`` instead of one timer per
    request: an idle keep-alive connection is closed after ``keep_alive_s``, one with a
    partial request after ``request_s`` from that request's first byte (a slow or
    stalled sender never holds anything but its own socket).  ``also`` is another set
    the connections join while they are lean (uvicorn's ``server_state.connections``, so
    its graceful shutdown calls ``shutdown()`` on them and waits for them to close).
    """

    def __init__(self, *, keep_alive_s: float = 5.0, request_s: float = 30.0,
                 interval_s: float = 1.0, also: Optional[Set[Any]] = None) -> None:
        self.keep_alive_s = keep_alive_s
        self.request_s = request_s
        self.interval_s = interval_s
        self.also = also
        self.live: Set["LeanHttpProtocol"] = set()
        self._timer: Optional[asyncio.TimerHandle] = None
        self.service: Any = None  # set by the first connection
        # this loop turn's work (_run_turn): connections with new input, parsed requests
        self._scheduled = False
        self._inputs: List["LeanHttpProtocol"] = []
        self._requests: List[Tuple["LeanHttpProtocol", Tuple[Any, ...]]] = []

    def add(self, conn: "LeanHttpProtocol") -> None:
        if self.service is None:
            self.service = conn.service
        elif conn.service is not self.service:
            raise ValueError("the connections of one ConnectionSet share one service")
        self.live.add(conn)
        if self.also is not None:
            self.also.add(conn)
        if self._timer is None:
            self._timer = conn.loop.call_later(self.interval_s, self._sweep, conn.loop)

    def discard(self, conn: "LeanHttpProtocol") -> None:
        self.live.discard(conn)
        if self.also is not None:
            self.also.discard(conn)

    def _sweep(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = None
        now = time.monotonic()
        for conn in list(self.live):
            conn.check_timeouts(now, self.keep_alive_s, self.request_s)
        if self.live and not loop.is_closed():
            self._timer = loop.call_later(self.interval_s, self._sweep, loop)

    def parse_later(self, conn: "LeanHttpProtocol") -> None:
        """``conn`` received input: parse it in this loop turn's callback."""
        self._schedule(conn.loop)
        self._inputs.append(conn)

    def serve_later(self, conn: "LeanHttpProtocol", request: Tuple[Any, ...]) -> None:
        """Queue ``conn``'s parsed request for this loop turn's ``respond_many`` call."""
        self._schedule(conn.loop)
        self._requests.append((conn, request))

    def _schedule(self, loop: asyncio.AbstractEventLoop) -> None:
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._run_turn)

    def _run_turn(self) -> None:
        """Once per loop turn with work: parse every connection's new input, then serve
        every parsed request together (see the module doc)."""
        self._scheduled = False
        inputs, self._inputs = self._inputs, []
        for conn in inputs:
            conn._process()  # parses; a complete request comes back via serve_later
        turn, self._requests = self._requests, []
        if not turn:
            return
        service = self.service  # every connection's (add checks it)
        try:
            handlers = service.respond_many([request for _, request in turn])
        except Exception as exc:  # noqa: BLE001 - a bug: answer every request of the turn
            for conn, _ in turn:
                conn._answer(*service.refusal(exc))
            return
        for (conn, _), coro in zip(turn, handlers):
            conn._coro = coro
            try:
                conn._step()
            except Exception:  # noqa: BLE001 - one connection's bug must not stop the rest
                _log.exception("starting a REST handler failed")

    def shutdown(self) -> None:
        for conn in list(self.live):
            conn.shutdown()


class LeanHttpProtocol(asyncio.Protocol):
    """One client connection (see the module doc)."""

    def __init__(self, service: Any, fallback: Callable[[], asyncio.Protocol],
                 connections: ConnectionSet, *, max_head: int = MAX_HEAD,
                 loop: Optional[asyncio.AbstractEventLoop] = None) -> None:
        self.service = service
        self.fallback = fallback
        self.connections = connections
        self.loop = loop or asyncio.get_event_loop()
        self.max_head = max_head
        self.max_buffer = service.max_body + max_head + 64 * 1024
        self._prefix: str = service.prefix
        self._kinds = _header_kinds(frozenset(service.headers))
        self._content_type = b"content-type: " + service.content_type + b"\r\n"
        self.transport: Any = None
        self._fd = -1  # the socket for direct answers (see the module doc), -1: none
        self._names: Dict[bytes, Tuple[Optional[str], int]] = {}  # header name as sent -> kind
        self.ip = ""
        self._buf: Any = b""  # unparsed input: bytes, or a bytearray while it accumulates
        self._scan = 0  # where to resume looking for the end of a partial head
        self._pending: Optional[Tuple[Any, ...]] = None  # parsed head waiting for its body
        self._coro: Any = None  # the handler in flight
        self._awaiting: Any = None  # the future it waits for
        self._busy = False
        self._in_process = False
        self._close_after = False  # Connection: close, or shutdown asked for
        self._eof = False  # the peer half-closed: close once its requests are answered
        self._closing = False
        self._write_paused = False
        self._read_paused = False
        self._request_started = 0.0  # monotonic time of the current request's first byte
        self._last = 0.0  # monotonic time of the last input or answer
        self.handed_off = False

    # -- asyncio.Protocol ---------------------------------------------------------------

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        self._fd = _socket_fd(transport)
        peer = transport.get_extra_info("peername")
        self.ip = peer[0] if isinstance(peer, tuple) and peer else ""
        self._last = time.monotonic()
        self.connections.add(self)

    def connection_lost(self, exc: Optional[BaseException]) -> None:
        self._closing = True
        self._buf = b""
        self._pending = None
        self.connections.discard(self)

    def eof_received(self) -> Optional[bool]:
        """The peer sends nothing more (a half-close).  What it asked before is still
        answered, the transport staying open for writing until the last answer; with
        nothing in progress the connection closes now (a partial request is dropped)."""
        if self._busy or (self._buf and self._write_paused):
            self._eof = True
            return True
        return None

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        if not self._busy and self._buf and not self._closing:
            self._process()  # closes after a half-close once all is answered
        else:
            self._close_if_answered()

    def data_received(self, data: bytes) -> None:
        if self._closing:
            return
        now = time.monotonic()
        self._last = now
        if self._buf:
            if type(self._buf) is bytes:
                self._buf = bytearray(self._buf)
            self._buf += data
        else:
            self._buf = data
            self._request_started = now
        if self._busy or self._write_paused:
            if len(self._buf) > self.max_buffer and not self._read_paused:
                self._read_paused = True
                self.transport.pause_reading()
            return
        self.connections.parse_later(self)

    # -- called by ConnectionSet --------------------------------------------------------

    def check_timeouts(self, now: float, keep_alive_s: float, request_s: float) -> None:
        if self._busy or self._closing:
            return
        if self._buf or self._pending is not None:
            if now - self._request_started > request_s:
                self._close()
        elif now - self._last > keep_alive_s:
            self._close()

    def shutdown(self) -> None:
        """Graceful stop: close now when idle, else after the answer in flight."""
        if self._busy:
            self._close_after = True
        else:
            self._close()

    # -- serving ------------------------------------------------------------------------

    def _process(self) -> None:
        """Serve the complete requests at the front of the buffer, one at a time."""
        if self._in_process:
            return
        self._in_process = True
        buf = self._buf
        pos = 0
        try:
            while not self._busy and not self._write_paused and not self._closing:
                pending = self._pending
                if pending is not None:  # a head parsed earlier, waiting for its body
                    length = pending[5]
                    if len(buf) - pos < length:
                        break
                    self._pending = None
                    body = bytes(buf[pos:pos + length])
                    pos += length
                    self._serve(pending, body)
                    continue
                while buf.startswith(b"\r\n", pos):  # stray empty lines between requests
                    pos += 2
                if pos >= len(buf):
                    break
                match = _REQUEST.match(buf, pos)
                if match is None:
                    end = buf.find(b"\r\n\r\n", max(pos, self._scan))
                    if end < 0 and len(buf) - pos <= self.max_head:
                        self._scan = max(pos, len(buf) - 3)
                        break
                    self._scan = 0
                    if end < 0 or end - pos > self.max_head:
                        self._refuse_head()
                    else:
                        self._hand_off(buf, pos)
                    return
                self._scan = 0
                if match.end() - pos > self.max_head:
                    self._refuse_head()
                    return
                head = self._parse(match)
                if head is _HAND_OFF:
                    self._hand_off(buf, pos)
                    return
                pos = match.end()
                if head[5] > self.service.max_body:
                    self._refuse_body(head)
                    return
                if head[5]:
                    self._pending = head
                    continue
                self._serve(head, b"")
        finally:
            self._in_process = False
            if self.handed_off or self._closing:
                self._buf = b""
            else:
                rest = len(buf) - pos
                if rest <= 0:
                    self._buf = b""
                elif pos:
                    self._buf = bytearray(buf[pos:])
                    self._request_started = time.monotonic()
                elif type(buf) is bytes:
                    self._buf = bytearray(buf)
                if self._read_paused and len(self._buf) <= self.max_buffer:
                    self._read_paused = False
                    self.transport.resume_reading()
            self._close_if_answered()

    def _parse(self, match: Any) -> Any:
        """(handle or refusal, refused, path, query, headers, body length, close) or
        ``_HAND_OFF``."""
        method_b, path_b, query, block = match.groups()
        path = path_b.decode("ascii")
        if not path.startswith(self._prefix):
            return _HAND_OFF
        names = self._names
        headers: Dict[str, str] = {}
        length = -1
        close = False
        # The regex validated each line of the header block ("name:value\r\n", no ':' in
        # a name): splitting it is cheaper than searching it again for the wanted names.
        for line in block[:-2].split(b"\r\n") if block else ():
            name, _, value = line.partition(b":")
            entry = names.get(name)
            if entry is None:  # the spellings a client uses are few: remember them
                entry = self._kinds.get(name.lower(), _IGNORED)
                if len(names) < 64:
                    names[name] = entry
            field, kind = entry
            if kind < 0:
                continue
            value = value.strip(b" \t")
            if field is not None:
                headers[field] = value.decode("latin-1")
            if kind == _PLAIN:
                continue
            if kind == _LENGTH:
                if length >= 0 or not value.isdigit():
                    return _HAND_OFF
                length = int(value)
            elif kind == _CONNECTION:
                tokens = [token.strip() for token in value.lower().split(b",")]
                if b"upgrade" in tokens:
                    return _HAND_OFF
                close = close or b"close" in tokens
            else:
                return _HAND_OFF
        method = method_b.decode("ascii")
        try:
            handle: Any = self.service.begin(method, path, self.ip)
            refused = False
        except Exception as exc:  # noqa: BLE001 - the service turns it into an answer
            handle, refused = exc, True
        return (handle, refused, path, query or b"", headers, max(length, 0), close)

    def _serve(self, head: Tuple[Any, ...], body: bytes) -> None:
        handle, refused, path, query, headers, _, close = head
        if close:
            self._close_after = True
        if refused:
            self._answer(*self.service.refusal(handle))
            return
        self._busy = True
        self.connections.serve_later(self, (handle, path, query, headers, body, self.ip))

    def _step(self, done: Any = None) -> None:
        """Run the handler to its next await (see the module doc); ``done`` is the future
        it waited for (None: first step, or after a bare yield)."""
        if done is not None:
            if done is not self._awaiting:
                return  # resumed already by resume_settled: the late done callback
            self._awaiting = None
            _AWAITING.pop(done, None)
        coro = self._coro
        try:
            awaited = coro.send(None)
        except StopIteration as finished:
            self._coro = None
            self._answer(*finished.value)
            return
        except BaseException as exc:  # noqa: BLE001 - respond() catches Exception itself
            self._coro = None
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            self._answer(*self.service.refusal(exc))
            return
        if getattr(awaited, "_asyncio_future_blocking", None):
            awaited._asyncio_future_blocking = False
            self._awaiting = awaited
            _AWAITING[awaited] = self._step
            awaited.add_done_callback(self._step)
        elif awaited is None:  # a bare yield (asyncio.sleep(0))
            self.loop.call_soon(self._step)
        else:
            coro.close()
            self._coro = None
            self._answer(*self.service.refusal(
                RuntimeError(f"handler awaited {awaited!r}, not an asyncio future")))

    def _answer(self, status: int, body: bytes) -> None:
        self._busy = False
        if self._closing:
            return
        self._last = time.monotonic()
        close = self._close_after
        data = b"".join((
            _STATUS[status], _DATE.get(), self._content_type,
            b"content-length: %d\r\n" % len(body), _CLOSE if close else b"\r\n", body))
        transport = self.transport
        if (self._fd >= 0 and not transport.is_closing()
                and not transport.get_write_buffer_size()):
            try:
                sent = _write(self._fd, data)  # releases the GIL (see the module doc)
            except OSError:  # would block, or a dead socket: the transport deals with it
                sent = 0
            if sent < len(data):
                transport.write(data[sent:] if sent else data)
        else:
            transport.write(data)
        if close:
            self._close()
        elif self._buf and not self._in_process and not self._write_paused:
            self._process()  # closes after a half-close once all is answered
        else:
            self._close_if_answered()

    def _close_if_answered(self) -> None:
        """After a half-close (``eof_received``): close once nothing is left to answer."""
        if self._eof and not (self._busy or self._in_process or self._write_paused
                              or self._closing or self.handed_off):
            self._close()

    # -- refusals and hand-over ---------------------------------------------------------

    def _refuse_head(self) -> None:
        self.transport.write(b"".join((
            _STATUS[431], _DATE.get(), b"content-type: text/plain; charset=utf-8\r\n",
            b"content-length: %d\r\n" % len(_HEADER_TOO_LARGE), _CLOSE, _HEADER_TOO_LARGE)))
        self._close()

    def _refuse_body(self, head: Tuple[Any, ...]) -> None:
        """A declared body over the limit: answer the route's refusal if it has one
        (404/405/429 come first, as on the ASGI path), else 413, and close (the body is
        not read, so the connection cannot continue)."""
        self._close_after = True
        self._answer(*self.service.refusal(head[0] if head[1] else self.service.too_large()))

    def _hand_off(self, buf: Any, pos: int) -> None:
        """Give the connection, from the request at ``pos`` on, to the fallback protocol.

        Called only with no answer in flight and writing not paused, so whatever the
        fallback writes follows every answer already written."""
        rest = bytes(buf[pos:])
        self.handed_off = True
        self._buf = b""
        self.connections.discard(self)
        transport = self.transport
        if self._read_paused:
            self._read_paused = False
            transport.resume_reading()
        protocol = self.fallback()
        protocol.connection_made(transport)
        transport.set_protocol(protocol)
        if rest:
            protocol.data_received(rest)

    def _close(self) -> None:
        if not self._closing:
            self._closing = True
            self.connections.discard(self)
            self.transport.close()
