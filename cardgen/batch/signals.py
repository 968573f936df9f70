"""Ctrl-C and SIGTERM during a render: stop, keep the finished cards, write the manifest;
never between a card's file and its record."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C: stop, keep finished cards, write the manifest."""


def _stop_for(signum: int) -> KeyboardInterrupt:
    return Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


class SignalGuard:
    """The signals of one run: SIGTERM (and Ctrl-C, unless the caller has its own handler)
    stop it as KeyboardInterrupt, except while a card and its record are written together,
    when the signal waits until both are done. One per run, so nothing is shared."""

    def __init__(self) -> None:
        self.held: list[int] = []  # signals that arrived while a card was being written
        self._holding = 0

    @contextmanager
    def installed(self) -> Iterator[None]:
        """The run's handlers, from here to the end of the block (main thread only: a
        render called from another thread leaves signals to its caller)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def handler(signum: int, frame: FrameType | None) -> None:
            if self._holding:
                self.held.append(signum)
                return
            raise _stop_for(signum)

        self.held.clear()
        previous = signal.signal(signal.SIGTERM, handler)
        previous_int = signal.getsignal(signal.SIGINT)
        if previous_int is signal.default_int_handler:  # leave a caller's own handler alone
            signal.signal(signal.SIGINT, handler)
        try:
            yield
        finally:
            signal.signal(signal.SIGTERM, previous)
            if previous_int is signal.default_int_handler:
                signal.signal(signal.SIGINT, previous_int)
            sys.stderr.flush()

    @contextmanager
    def together(self) -> Iterator[None]:
        """A signal arriving between a card's file and its record waits until both are
        done: otherwise the card would be on disk but missing from the manifest."""
        self._holding += 1
        try:
            yield
        finally:
            self._holding -= 1
        if not self._holding and self.held:
            raise _stop_for(self.held.pop())
