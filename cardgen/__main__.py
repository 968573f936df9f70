"""`cardgen` and `python -m cardgen`: answer an unchanged render from its stamp, else the CLI.

Imports nothing heavy before the up-to-date check (`cardgen.batch.uptodate`) has had its say.
Worker processes may import this module; only `python -m` runs it.
"""

from __future__ import annotations

import sys  # built in, already loaded: no Python code runs before `main`'s `try`
import time


def main() -> None:
    """Console entry point."""
    start_ns = time.time_ns()
    try:
        # Inside the `try`: `signal` imports enum (a few ms), time in which a Ctrl-C
        # must end as any other, with exit 130 and no traceback.
        import signal

        # SIGTERM (what `timeout`, systemd and schedulers send) stops cardgen as Ctrl-C
        # does, from the first moment: exit 130, never a traceback nor a death by signal.
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            _main(start_ns)
        finally:
            # The work is done (or stopped): a signal now, while Python shuts down (its
            # threads, atexit), has nothing left to stop and must print no traceback.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
    except KeyboardInterrupt:
        _interrupted()
    except RuntimeError as exc:
        # Python 3.11 wraps a Ctrl-C that lands in a class's `__set_name__` (while a
        # module is imported) in a RuntimeError: still the user's Ctrl-C.
        if isinstance(exc.__cause__, KeyboardInterrupt):
            _interrupted()
        raise


def _interrupted() -> None:
    sys.stderr.write("interrupted\n")
    sys.exit(130)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _main(start_ns: int) -> None:
    from cardgen.batch import uptodate

    argv = sys.argv[1:]
    if uptodate.answer(argv):
        sys.exit(0)
    from cardgen.cli import main as cli_main

    recorder = uptodate.Recorder.arm(argv, start_ns, time.time_ns())
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
    main()
