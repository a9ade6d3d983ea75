"""A wall-clock budget for SymPy work (simplify, limit, integrate can run for minutes).

>>> with time_budget(5):
...     pass
"""
from __future__ import annotations

import signal
import threading
from contextlib import contextmanager


class SymbolicTimeout(Exception):
    """Raised inside a :func:`time_budget` block that ran out of time."""


@contextmanager
def time_budget(seconds: float):
    """Raise :class:`SymbolicTimeout` if the block runs longer than ``seconds``.

    Uses ``SIGALRM`` in the main thread; elsewhere (worker threads) no budget can be
    enforced and the block runs to completion.
    """
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def on_alarm(signum, frame):
        raise SymbolicTimeout(f"symbolic work exceeded its budget of {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds)
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
