"""`cardgen` and `python -m cardgen`: answer an unchanged render from its stamp, else the CLI.

Imports nothing heavy before the up-to-date check (`cardgen.batch.uptodate`) has had its say.
Worker processes may import this module; only `python -m` runs it.
"""

from __future__ import annotations

import sys  # built in, already loaded: no Python code runs before `run`'s `try`
import time


def run() -> None:
    """Console entry point (`cardgen`, `python -m cardgen`): `main`, then, as the process is
    about to exit, no more Ctrl-C or SIGTERM."""
    try:
        # Inside the `try`: `signal` imports enum (a few ms), time in which a Ctrl-C
        # must end as any other, with exit 130 and no traceback.
        import signal

        # SIGTERM (what `timeout`, systemd and schedulers send) stops cardgen as Ctrl-C
        # does, from the first moment: exit 130, never a traceback nor a death by signal.
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            main()
        finally:
            # The work is done (or stopped): a signal now, while Python shuts down (its
            # threads, atexit), has nothing left to stop and must print no traceback.
            # Only here, in a process about to exit: `main` leaves its caller's handlers.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
    except BaseException as exc:
        _end(exc)


def main() -> None:
    """The whole command, for the console entry point or a caller in-process (a test, a
    benchmark): SIGTERM stops it as Ctrl-C does (exit 130) and the signal handlers are
    left as they were found."""
    start_ns = time.time_ns()
    try:
        import signal

        import cardgen.errors  # noqa: F401  (every path needs it: `_end` then imports nothing)

        previous = signal.getsignal(signal.SIGTERM)
        try:
            signal.signal(signal.SIGTERM, _interrupt)
            ours = True
        except ValueError:  # called from another thread: signals are the main thread's
            ours = False
        try:
            _main(start_ns)
        finally:
            if ours:  # (None: a handler set outside Python, only restorable as the default)
                signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)
    except BaseException as exc:
        _end(exc)


def _end(exc: BaseException) -> None:
    """Re-raise `exc`, unless it is the user's Ctrl-C or SIGTERM (however wrapped): then one
    line and exit 130, as the CLI ends one (`cardgen.errors.is_interrupt`)."""
    if isinstance(exc, SystemExit):
        raise exc
    from cardgen.errors import EXIT_INTERRUPTED, INTERRUPTED_LINE, is_interrupt

    if not is_interrupt(exc):
        raise exc
    sys.stderr.write(INTERRUPTED_LINE + "\n")
    sys.exit(EXIT_INTERRUPTED)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _main(start_ns: int) -> None:
    from cardgen.batch import uptodate

    argv = sys.argv[1:]
    if uptodate.answer(argv):
        sys.exit(0)
    # Armed before anything else is imported: it keeps the interpreter as the fast path
    # sees it (an import may change `sys.path`).
    recorder = uptodate.Recorder.arm(argv, start_ns, time.time_ns())
    from cardgen.cli import main as cli_main

    try:
        cli_main(recorder)
    except SystemExit as exc:
        if recorder is not None:
            code = exc.code
            recorder.record(code if isinstance(code, int) else (0 if code is None else 1))
        raise
    if recorder is not None:
        recorder.record(0)


if __name__ == "__main__":
    run()
