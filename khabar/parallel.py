"""Work spread over forked processes, one a core.

Each worker inherits what it works on by fork (nothing is pickled on the way in, only
results on the way out), takes a share, and ignores Ctrl-C: the parent alone answers it,
ending the workers quietly. Used by the build for parsing articles and for planning and
rendering outputs; a build that is small, or a system without fork, stays in one process.
"""

from __future__ import annotations

import os
import signal
from typing import Any


def workers() -> int:
    """How many processes: one a core, eight at most."""
    return min(os.cpu_count() or 1, 8)


_inherited: Any = None  # in a worker: what `fork_pool` gave it


def inherited() -> Any:
    """In a worker: the value its pool was made with."""
    return _inherited


def _inherit(value: Any) -> None:
    """A worker's start. Ctrl-C reaches the whole process group: the parent alone
    answers it (ending the workers quietly), so workers print no traceback of their own."""
    global _inherited
    _inherited = value
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def fork_pool(parallel: bool, jobs: int, minimum: int, value: Any) -> Any | None:
    """A pool of forked workers, one a core, each inheriting `value` (by fork: it is
    not pickled); None where one process is better (few jobs, one core, or no fork)."""
    import multiprocessing  # here: a no-change build never needs it
    if not parallel or workers() < 2 or jobs < minimum or \
            "fork" not in multiprocessing.get_all_start_methods():
        return None
    return multiprocessing.get_context("fork").Pool(
        workers(), initializer=_inherit, initargs=(value,))
