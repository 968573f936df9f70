"""One error hierarchy: every failure a user can cause is a CardgenError.

The CLI turns these into one line (`file:line key: message (hint)`) and an
exit code; nothing else in the package prints or exits.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

EXIT_CONTENT = 1  # a quote not found, text that cannot fit, a caption over its limit
EXIT_INPUT = 2  # unusable input: bad YAML, unknown keys, missing files, usage
EXIT_INTERNAL = 70  # a bug in cardgen (sysexits' EX_SOFTWARE): please report it
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT


class CardgenError(Exception):
    """A problem with the user's input or content, reported as one line."""

    exit_code = EXIT_INPUT
    kind = "input"  # what went wrong, for machines: `check --json` problems' `kind`

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        key: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.key = key
        self.hint = hint

    def one_line(self) -> str:
        """`quotes/x.yaml:12 quotes[0].text: message (hint)` on a single line."""
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "")
        parts = [p for p in (where, self.key and f"{self.key}:") if p]
        text = " ".join([*parts, self.message])
        if self.hint:
            text += f" ({self.hint})"
        text = " ".join(text.split())
        if len(text) > MAX_ERROR_CHARS:  # a value echoed from a huge input must not flood logs
            tail = f"... ({len(text):,} characters in all)"
            text = text[: MAX_ERROR_CHARS - len(tail)] + tail
        return text


MAX_ERROR_CHARS = 2000  # one error line: long enough for a closest passage and a hint


def clipped(value: object, limit: int = 60) -> str:
    """`value` quoted for an error message, cut short so the line stays readable."""
    text = repr(value)
    if len(text) <= limit:
        return text
    size = f" ({len(value):,} characters)" if isinstance(value, str) else ""
    return text[: max(10, limit - 3)] + "..." + size


def did_you_mean(name: str, known: Iterable[str], otherwise: str | None = None) -> str | None:
    """The hint for a misspelt name: `did you mean 'x'?` with the closest known name,
    else `otherwise` (usually what the known names are)."""
    import difflib

    close = difflib.get_close_matches(str(name), list(known), n=1)
    return f"did you mean '{close[0]}'?" if close else otherwise


class InputError(CardgenError):
    """Input cardgen cannot use at all: bad YAML, unknown keys, missing files."""

    exit_code = EXIT_INPUT


def too_long(what: str, length: int, limit: int, shown: str, hint: str) -> InputError:
    """`WHAT is 12,345 characters long, more than the 10,000 allowed`, in file `shown`."""
    return InputError(
        f"{what} is {length:,} characters long, more than the {limit:,} allowed",
        file=shown,
        hint=hint,
    )


class ContentError(CardgenError):
    """Usable input whose content is wrong: a misquote, text that cannot fit."""

    exit_code = EXIT_CONTENT
    kind = "content"


class QuoteNotFound(ContentError):
    """A selected quote does not appear in its article."""

    kind = "quote-not-found"


class TextDoesNotFit(ContentError):
    """Text that stays too large for its box even at the layout's minimum size."""

    kind = "text-does-not-fit"


class MissingGlyph(ContentError):
    """A character that no available font can draw."""

    kind = "missing-glyph"


INTERRUPTED_LINE = "interrupted"  # what a stopped run says on stderr, alone, with exit 130


def is_interrupt(exc: BaseException) -> bool:
    """Whether `exc` is the user's stop (Ctrl-C, or SIGTERM raised as one): a
    KeyboardInterrupt, an error raised from or while handling one (Python 3.11 wraps a
    Ctrl-C that lands in a class's `__set_name__` in a RuntimeError; some libraries re-raise
    it as an error of their own), or a group holding one. SystemExit and the like are their
    own endings, never an interrupt."""
    seen: set[int] = set()
    pending = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue  # a chain that loops back
        seen.add(id(current))
        if isinstance(current, KeyboardInterrupt):
            return True
        if isinstance(current, BaseExceptionGroup):
            pending.extend(current.exceptions)
        elif isinstance(current, Exception):
            pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
    return False


def internal_error_line(exc: BaseException) -> str:
    """One line for an unexpected exception: what it was and what to do."""
    detail = " ".join(str(exc).split())
    if len(detail) > 200:
        detail = detail[:197] + "..."
    what = type(exc).__name__ + (f": {detail}" if detail else "")
    return f"internal error: {what} (run with -vv for the traceback and report it)"


def is_file_system_error(exc: OSError) -> bool:
    """An OSError about a file or device (it has an errno), not a library's "invalid value"."""
    return exc.errno is not None or exc.filename is not None


def os_error_line(exc: OSError) -> str:
    """One line for a file-system failure cardgen did not expect (permissions, a full disk)."""
    where = f" {exc.filename}" if exc.filename else ""
    reason = exc.strerror or " ".join(str(exc).split())
    return f"cannot access{where}: {reason} (check the path, its permissions and free space)"
