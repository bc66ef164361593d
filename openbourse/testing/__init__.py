"""The shipped test kit of the core (imports only ``openbourse.core``).

* ``builders``  — ``Exchange``: applies commands and checks, after every one, the core's
  invariants, gap-free seq and monotonic ts, event field types, that a rejected command
  changed nothing, and the auditor; plus ``standard_exchange`` and small event helpers.
* ``reference_book`` — a deliberately naive matcher (sorted lists, linear scans) for the
  reference-oracle test.
* ``workload`` — seeded command streams: ``MatchingStream`` (matching only, mirrored by
  the reference book) and ``Workload`` (every command type, some malformed).
* ``auditor`` — predicts every balance from the event stream alone and checks it.
* ``sim`` — deterministic simulation of the node: the real sequencer and journal over a
  disk that loses power on a seeded schedule (``openbourse sim``; docs/reliability.md).
* ``torture`` — SIGKILL torture of a real ``openbourse serve`` (``openbourse torture``).
"""
