"""The sequencer: the single writer of the engine state.

Threads and what each one owns::

    API threads / event loop ──submit()──▶ inbound queue (bounded: Overloaded when full)
                                                │
    sequencer thread  (owns EngineState)  ◀─────┘  per batch, step by step: stamp ts_ns
         │                                         and encode each command, apply each,
         │                                         append their journal records;
         │                                         then write + fsync
         │ acks of the batch that fsync covered
         ▼
    dispatcher thread   listeners(seq, command, events) in seq order, then futures
         │ asyncio waiters: one call_soon_threadsafe per batch and event loop
         ▼
    event loop          resolves the batch's futures in one callback

Why the sequencer writes and fsyncs its own batches (``inline_fsync``, the default):
group commit forms by itself, since whatever arrives during an fsync is the next batch,
and the GIL is released for the write and the fsync, so the event loop runs meanwhile.
A separate journal-writer thread (``inline_fsync=False``: the journal's
``GroupCommitter``, waiting up to ``group_window_s`` for company) overlapped ``apply``
with the fsync, but under one GIL that overlap buys little and the extra hand-off
(a thread woken through a ``threading.Condition``, three more GIL acquisitions per
batch, and the sequencer woken more often by the loop) cost more: in interleaved runs
of the server bench the inline commit answered 1-7 % more signed requests per second
(README, "Benchmarks").

Why a dispatcher thread (the hand-off queue): listeners (read models, WebSocket fan-out)
run off both the sequencer and the fsync path, so a slow listener delays only later
acknowledgements, never matching or durability.  Listeners are called one at a time, in
seq order, before the command's future resolves: a client that got its ack and then
reads a read model sees its own write.  Listeners must not block for long and must not
call ``query`` (that would deadlock; it raises instead).  A listener that raises is
logged and skipped; the sequencer keeps going.

Two ways to wait.  ``submit``/``query_future`` return a ``concurrent.futures.Future``
(any thread).  ``submit_async``/``query_async`` are the event loop's hot path (every REST
order): they queue a plain asyncio future, with no ``concurrent.futures.Future``, no
per-command lock and no per-command ``call_soon_threadsafe``; the dispatcher resolves all
the asyncio futures of an acknowledged batch with one ``call_soon_threadsafe`` per loop,
which also wakes the loop once per batch instead of once per command.  The other way
round is batched too: a command queued from the loop does not wake a sleeping sequencer
itself, one ``call_soon`` per loop iteration does, after every request that iteration
read has queued its command (``_wake_soon``).  ``on_settled`` (if set) is called in
that same callback with the batch's futures, right after they are resolved:
the lean HTTP front end resumes its handlers there (``resume_settled``), instead of one
loop iteration later through their done callbacks.

Queries (``query``/``query_async``) run on the sequencer thread between commands and are
released through the same ordered ack stream, so a result (e.g. a book snapshot for a
WebSocket subscription) reflects exactly the commands acknowledged before it, and only
durable ones.

Failure: an exception from ``apply`` is an engine bug.  The commands before it in the
batch are still journaled and acknowledged; the failing command is not journaled, every
later one is refused with ``SequencerStopped``, and the node must restart (recovery
rebuilds the state from the journal).  A journal write/fsync failure stops it the same way.
"""
from __future__ import annotations

import asyncio
import logging
import queue
import threading
from concurrent.futures import Future, InvalidStateError
from typing import Any, Callable, List, Optional, Set, Tuple, TypeVar

from ..core.commands import Command
from ..core.engine.codec import encode_command
from ..journal.machine import StateMachine, engine_machine
from ..journal.snapshots import BackgroundSnapshots, SnapshotStore
from ..journal.writer import GroupCommitter, JournalWriteFailed, JournalWriter
from .clock import Clock
from .inbound import EngineFailure, InboundQueue, Overloaded, SequencerStopped

__all__ = [
    "Sequencer",
    "Overloaded",
    "SequencerStopped",
    "EngineFailure",
    "InboundQueue",
    "Listener",
]

_log = logging.getLogger(__name__)
T = TypeVar("T")

#: ``(seq, command, events)``, called in seq order once the command is durable.
Listener = Callable[[int, Command, List[Any]], None]

_ACK, _QUERY, _ERROR, _SNAPSHOT = 0, 1, 2, 3  # kinds of items in the ordered ack stream
_STOP = object()
_tuple_new = tuple.__new__


class Sequencer:
    """Owns the state; applies, journals and acknowledges commands strictly in order.

    ``state``/``journal_writer``/``next_seq`` come from ``journal.recover``; ``clock`` stamps
    ``ts_ns`` (never below ``last_ts_ns``, the last journaled stamp).  ``machine`` defaults
    to the real engine.  ``max_queue`` bounds the inbound queue (``Overloaded`` beyond it),
    ``max_batch`` the commands per journal batch.  ``inline_fsync`` (default) writes and
    fsyncs each batch on the sequencer thread; with it off a journal-writer thread does,
    and ``group_window_s`` is how long unsynced records may wait for company there while
    the sequencer is busy.  ``snapshot_every`` N
    commands (with ``snapshots``) a snapshot is taken at that exact seq.  ``on_idle`` runs
    on the sequencer thread whenever its queue is empty (a place for GC, for example).
    Nothing runs until ``start()``; ``stop()`` drains, fsyncs and joins every thread.
    """

    def __init__(
        self,
        state: Any,
        journal_writer: JournalWriter,
        next_seq: int,
        clock: Clock,
        *,
        machine: Optional[StateMachine] = None,
        last_ts_ns: int = 0,
        max_queue: int = 10_000,
        max_batch: int = 1_000,
        group_window_s: float = 0.002,
        inline_fsync: bool = True,
        snapshots: Optional[SnapshotStore] = None,
        snapshot_every: int = 0,
        on_idle: Optional[Callable[[], None]] = None,
    ) -> None:
        if journal_writer.next_seq != next_seq:
            raise ValueError(f"journal expects seq {journal_writer.next_seq}, got {next_seq}")
        if snapshot_every and snapshots is None:
            raise ValueError("snapshot_every needs a SnapshotStore")
        self._machine = machine or engine_machine()
        self._state = state
        self._writer = journal_writer
        self._next_seq = next_seq
        self._clock = clock
        self._last_ts_ns = last_ts_ns
        self._max_batch = max_batch
        self._window_s = group_window_s
        self._inline_fsync = inline_fsync
        self._snapshot_every = snapshot_every
        self._snapshot_store = snapshots
        self._on_idle = on_idle  # e.g. gc_control.collect_young: runs when the queue is empty
        self._inbound = InboundQueue(max_queue)
        self._wakes_pending: Set[asyncio.AbstractEventLoop] = set()  # see _wake_soon
        self._acks: "queue.SimpleQueue[Any]" = queue.SimpleQueue()
        self._listeners: Tuple[Listener, ...] = ()
        #: called on the event loop with an acknowledged batch's asyncio futures right
        #: after they are resolved (see "Two ways to wait")
        self.on_settled: Optional[Callable[[List[Any]], None]] = None
        self.failure: Optional[BaseException] = None
        self.listener_errors = 0
        self.snapshots_skipped = 0
        self._started = False
        self._committer: Optional[GroupCommitter] = None
        self._snapshots: Optional[BackgroundSnapshots] = None
        self._thread = threading.Thread(target=self._run, name="sequencer", daemon=True)
        self._dispatcher = threading.Thread(target=self._dispatch, name="dispatcher", daemon=True)

    # -- public API ---------------------------------------------------------------------

    def add_listener(self, listener: Listener) -> None:
        """Register a listener; add them before ``start`` to see every command."""
        self._listeners = self._listeners + (listener,)

    def start(self) -> "Sequencer":
        if self._started:
            raise RuntimeError("sequencer already started")
        self._started = True
        if not self._inline_fsync:
            self._committer = GroupCommitter(self._writer, self._window_s)
        if self._snapshot_store is not None:
            self._snapshots = BackgroundSnapshots(self._snapshot_store)
        self._dispatcher.start()
        self._thread.start()
        return self

    def submit(self, command: Command) -> "Future[List[Any]]":
        """Queue ``command``; the future resolves to its events once it is durable.

        Raises ``Overloaded`` when the inbound queue is full and ``SequencerStopped`` when
        the sequencer is stopping or failed.  Thread-safe.  Cancelling the future before
        the sequencer picks the command up withdraws it (never applied, never journaled).
        """
        if self.failure is not None:
            raise SequencerStopped("the sequencer failed") from self.failure
        future: "Future[List[Any]]" = Future()
        self._inbound.put((command, future))
        return future

    async def submit_async(self, command: Command) -> List[Any]:
        """``submit`` for asyncio code: returns the events (see "Two ways to wait").

        Cancelling the awaiting task before the sequencer picks the command up withdraws
        it, as with ``submit``.
        """
        if self.failure is not None:
            raise SequencerStopped("the sequencer failed") from self.failure
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        if self._inbound.put((command, waiter), wake=False):
            self._wake_soon(loop)
        return await waiter

    def query(self, fn: Callable[[Any], T], timeout: Optional[float] = None) -> T:
        """Run read-only ``fn(state)`` on the sequencer thread; block for its result."""
        if threading.current_thread() in (self._thread, self._dispatcher):
            raise RuntimeError("query() from a sequencer or listener thread would deadlock")
        return self.query_future(fn).result(timeout)

    async def query_async(self, fn: Callable[[Any], T]) -> T:
        """``query`` for asyncio code, resolved like ``submit_async``."""
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        if self._inbound.put(_Query(fn, waiter), wake=False):
            self._wake_soon(loop)
        return await waiter

    def _wake_soon(self, loop: asyncio.AbstractEventLoop) -> None:
        """Wake the sequencer once this loop iteration's callbacks have all submitted
        (one wake-up per burst of requests instead of one per command)."""
        if loop not in self._wakes_pending:
            self._wakes_pending.add(loop)
            loop.call_soon(self._wake_now, loop)

    def _wake_now(self, loop: asyncio.AbstractEventLoop) -> None:
        self._wakes_pending.discard(loop)
        self._inbound.wake()

    def query_future(self, fn: Callable[[Any], T]) -> "Future[T]":
        """Like ``query`` but returns the future (released in order with the acks)."""
        future: "Future[T]" = Future()
        self._inbound.put(_Query(fn, future))
        return future

    def stop(self, timeout: Optional[float] = None) -> None:
        """Stop accepting, finish everything queued, fsync, deliver acks, stop threads."""
        if not self._started:
            raise RuntimeError("sequencer was not started")
        self._inbound.close(_STOP)
        self._thread.join(timeout)
        if self._committer is not None:
            self._committer.close()
        self._acks.put(_STOP)
        self._dispatcher.join(timeout)
        if self._snapshots is not None:
            self._snapshots.close()

    @property
    def last_seq(self) -> int:
        """Seq of the last command applied (maybe not yet durable)."""
        return self._next_seq - 1

    @property
    def durable_seq(self) -> int:
        return self._writer.durable_seq

    @property
    def queue_depth(self) -> int:
        return len(self._inbound)

    @property
    def written_snapshots(self) -> List[int]:
        """Seqs of snapshots written since start (for tools and tests)."""
        return list(self._snapshots.written) if self._snapshots else []

    # -- sequencer thread ---------------------------------------------------------------

    def _run(self) -> None:
        while True:
            if self._on_idle is not None and not len(self._inbound):
                self._on_idle()
            items = self._inbound.take(self._max_batch)
            acks: List[Tuple[Any, ...]] = []
            stopping = self._sequence(items, acks)
            if stopping is None:  # the engine failed: _fail has refused the rest
                return
            if not self._hand_off(acks, urgent=stopping or not len(self._inbound)):
                return
            if stopping:
                return

    def _sequence(self, items: List[Any], acks: List[Tuple[Any, ...]]) -> Optional[bool]:
        """One batch, step by step: stamp and encode every command, then apply them (and
        run the queries) in order, then append their journal records.  True if a stop
        was asked for; None if ``apply`` raised (the batch's earlier commands are
        journaled, the rest refused).

        By step rather than command by command because the steps then find their code
        and data in the CPU's caches: the same work in the journaled engine bench ran
        4-10 % faster (docs/performance.md)."""
        staged = [self._stage(item, acks) for item in items]
        records: List[Tuple[int, bytes]] = []
        stopping = False
        for index, entry in enumerate(staged):
            if entry is None:
                continue
            if entry is _STOP:
                stopping = True
            elif type(entry) is _Query:
                self._run_query(entry, acks)
            elif not self._apply_one(entry, acks, records):
                self._append_records(records)
                self._fail(EngineFailure(f"apply failed on {entry[0]!r}"), acks,
                           [later for later in staged[index + 1:] if later is not None])
                return None
        self._append_records(records)
        return stopping

    def _stage(self, item: Any, acks: List[Any]) -> Any:
        """A queued command stamped and encoded: ``(command, future, body)``; None if its
        caller withdrew it or it cannot be journaled (then refused).  Stops and queries
        pass through."""
        if item is _STOP or type(item) is _Query:
            return item
        command, future = item
        if not _claim(future):
            return None  # withdrawn by the caller before it was sequenced
        ts_ns = self._clock.now_ns()
        if ts_ns < self._last_ts_ns:
            ts_ns = self._last_ts_ns
        try:
            cls = type(command)
            if cls._fields[0] == "ts_ns":  # every command's first field: a cheap _replace
                command = _tuple_new(cls, (ts_ns,) + command[1:])
            else:
                command = command._replace(ts_ns=ts_ns)
            body = encode_command(command)
        except Exception as exc:  # noqa: BLE001 - not a command we can journal: refuse it
            acks.append((_ERROR, future, exc))
            return None
        self._last_ts_ns = ts_ns
        return command, future, body

    def _apply_one(self, entry: Tuple[Any, Any, bytes], acks: List[Any],
                   records: List[Tuple[int, bytes]]) -> bool:
        """Apply one staged command and give it its seq; False if ``apply`` raised."""
        command, future, body = entry
        try:
            events = self._machine.apply(self._state, command)
        except Exception as exc:  # noqa: BLE001 - an engine bug: stop, see module doc
            _log.exception("apply raised on %r", command)
            acks.append((_ERROR, future, EngineFailure(repr(exc))))
            self.failure = exc
            return False
        seq = self._next_seq
        self._next_seq = seq + 1
        records.append((seq, body))
        acks.append((_ACK, seq, command, events, future))
        if self._snapshot_every and seq % self._snapshot_every == 0:
            self._take_snapshot(seq, command.ts_ns, acks)
        return True

    def _append_records(self, records: List[Tuple[int, bytes]]) -> None:
        append = self._writer.append_encoded
        for seq, body in records:
            append(seq, body)

    def _take_snapshot(self, seq: int, ts_ns: int, acks: List[Any]) -> None:
        """Encode the state at exactly ``seq``; skipped while the last one is still writing."""
        assert self._snapshots is not None
        if self._snapshots.busy:
            self.snapshots_skipped += 1
            return
        acks.append((_SNAPSHOT, seq, ts_ns, self._machine.encode_state(self._state)))

    def _run_query(self, item: "_Query", acks: List[Any]) -> None:
        if not _claim(item.future):
            return
        try:
            acks.append((_QUERY, item.future, item.fn(self._state)))
        except Exception as exc:  # noqa: BLE001 - a failing query is the caller's problem
            acks.append((_ERROR, item.future, exc))

    def _hand_off(self, acks: List[Any], urgent: bool) -> bool:
        """Make this batch's records durable (or give them to the journal thread), then its
        acks to the dispatcher; False if the journal failed."""
        error = self._commit(acks, urgent)
        if error is not None:
            self._fail(error, [], [])  # refuse everything still queued
            return False
        return True

    def _fail(self, error: BaseException, acks: List[Any], unprocessed: List[Any]) -> None:
        """Stop for good: commit what is valid, refuse everything not yet processed.

        The refusals ride in the same ack list, after the batch's valid commands.
        """
        self.failure = self.failure or error
        self._inbound.close(_STOP)
        refused = SequencerStopped("sequencer stopped after a failure")
        for item in unprocessed + self._inbound.drain():
            if item is not _STOP:
                future = item[1] if type(item) is tuple else item.future
                acks.append((_ERROR, future, refused))
        self._commit(acks, True)

    def _commit(self, acks: List[Any], urgent: bool) -> Optional[BaseException]:
        """Write and fsync the records appended since the last commit, on this thread
        (``inline_fsync``) or through the journal thread, and pass ``acks`` to the
        dispatcher once they are durable.  Returns the journal's error, if it failed."""
        data, last_seq = self._writer.detach()
        if self._committer is None:
            error = self._write(data, last_seq)
            self._acks.put((acks, error))
            return error
        try:
            self._committer.submit(data, last_seq, lambda error: self._acks.put((acks, error)),
                                   urgent)
        except JournalWriteFailed as exc:
            self._acks.put((acks, exc))
            return exc
        return None

    def _write(self, data: bytes, last_seq: int) -> Optional[BaseException]:
        """Write and fsync ``data`` on this thread (``inline_fsync``); the error, if any.

        A failure is final, as in the journal's own writer thread: the batch is not
        durable, and the caller stops the sequencer."""
        if not data:
            return None
        try:
            self._writer.write_and_sync(data, last_seq)
        except BaseException as exc:  # noqa: BLE001 - reported to every waiter, see _fail
            self.failure = self.failure or exc
            return exc
        return None

    # -- dispatcher thread --------------------------------------------------------------

    def _dispatch(self) -> None:
        while True:
            entry = self._acks.get()
            if entry is _STOP:
                return
            acks, error = entry
            settler = _Settler(self.on_settled)
            if error is not None:
                self.failure = self.failure or error
                failed = JournalWriteFailed("journal write failed; command not durable")
                failed.__cause__ = error
                for ack in acks:
                    _fail_future(ack, failed, settler)
            else:
                for ack in acks:
                    self._deliver(ack, settler)
            settler.release()

    def _deliver(self, ack: Tuple[Any, ...], settler: "_Settler") -> None:
        kind = ack[0]
        if kind == _ACK:
            _, seq, command, events, future = ack
            for listener in self._listeners:
                try:
                    listener(seq, command, events)
                except Exception:  # noqa: BLE001 - see module doc
                    self.listener_errors += 1
                    _log.exception("listener %r failed at seq %d", listener, seq)
            settler.settle(future, events, None)
        elif kind == _QUERY:
            settler.settle(ack[1], ack[2], None)
        elif kind == _ERROR:
            settler.settle(ack[1], None, ack[2])
        elif self._snapshots is not None:  # _SNAPSHOT: durable through its seq by now
            self._snapshots.submit(ack[1], ack[2], ack[3])


def _claim(future: Any) -> bool:
    """Mark a queued command's future as taken; False if its caller cancelled it first.

    An asyncio future can only be changed on its loop; reading ``cancelled()`` here is
    safe, and a cancellation that lands after this check just discards the result.
    """
    if type(future) is Future:
        return future.set_running_or_notify_cancel()
    return not future.cancelled()


def _fail_future(ack: Tuple[Any, ...], error: BaseException, settler: "_Settler") -> None:
    """Resolve whatever future an ack item carries with ``error``."""
    future = ack[4] if ack[0] == _ACK else ack[1] if ack[0] != _SNAPSHOT else None
    if future is not None:
        settler.settle(future, None, error)


def _settle(future: "Future[Any]", result: Any, error: Optional[BaseException]) -> None:
    """Resolve ``future``, unless its caller cancelled it while it was still queued."""
    try:
        if error is None:
            future.set_result(result)
        else:
            future.set_exception(error)
    except InvalidStateError:
        pass


def _settle_on_loop(items: List[Tuple[Any, Any, Optional[BaseException]]],
                    on_settled: Optional[Callable[[List[Any]], None]]) -> None:
    """Runs on the event loop: resolve one acknowledged batch's asyncio futures."""
    for future, result, error in items:
        if not future.done():  # the awaiting task may have been cancelled meanwhile
            if error is None:
                future.set_result(result)
            else:
                future.set_exception(error)
    if on_settled is not None:
        on_settled([item[0] for item in items])


class _Settler:
    """Resolves the futures of one ack batch: concurrent ones at once, asyncio ones
    collected per event loop and handed over with a single ``call_soon_threadsafe``."""

    __slots__ = ("_by_loop", "_on_settled")

    def __init__(self, on_settled: Optional[Callable[[List[Any]], None]] = None) -> None:
        self._by_loop: Optional[dict] = None
        self._on_settled = on_settled

    def settle(self, future: Any, result: Any, error: Optional[BaseException]) -> None:
        if type(future) is Future:
            _settle(future, result, error)
            return
        if self._by_loop is None:
            self._by_loop = {}
        loop = future.get_loop()
        items = self._by_loop.get(loop)
        if items is None:
            items = self._by_loop[loop] = []
        items.append((future, result, error))

    def release(self) -> None:
        if not self._by_loop:
            return
        for loop, items in self._by_loop.items():
            try:
                loop.call_soon_threadsafe(_settle_on_loop, items, self._on_settled)
            except RuntimeError:  # that loop is closed: nobody is waiting any more
                pass


class _Query:
    __slots__ = ("fn", "future")

    def __init__(self, fn: Callable[[Any], Any], future: Any) -> None:
        self.fn = fn
        self.future = future
