"""Reading files other people wrote: regular files only, never more than a size cap.

Every input (selection, layout, brand, platforms.yaml, article, picture, logo,
font) goes through here. A device such as /dev/zero or /dev/urandom would be
read forever, a FIFO blocks until someone writes to it, and a socket or folder
is not a file at all: each is refused by its file type before it is opened,
and again on the opened handle (O_NONBLOCK, so opening a FIFO swapped in
between never waits), and nothing is read past the cap.
"""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

from cardgen.errors import InputError

PACKAGE_DIR = Path(__file__).resolve().parent  # the cardgen package
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".svg")  # pictures and logos
_CHUNK = 1 << 20
# Non-blocking: opening a FIFO for reading would otherwise wait for a writer.
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
_READ_FLAGS |= getattr(os, "O_CLOEXEC", 0)
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a device (like /dev/zero)"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def file_kind(mode: int) -> str | None:
    """None for a regular file, else what it is ('a folder', 'a named pipe (FIFO)', ...)."""
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def check_input(
    path: str | Path, *, what: str, shown: str, limit: int, hint: str | None = None
) -> os.stat_result:
    """Stat `path` (following links) and refuse it unless it is a regular file within `limit`.

    Returns the stat result. Use it before handing a path to a library that opens
    the file itself (FreeType); use `read_input` to read the bytes.
    """
    try:
        info = Path(path).stat()
    except FileNotFoundError:
        raise InputError(f"{what} not found", file=shown, hint=hint or "check the path") from None
    except OSError as exc:
        raise InputError(
            f"cannot read {what}: {exc.strerror or exc}", file=shown, hint="check the path"
        ) from None
    _require_regular(info, what, shown, limit)
    return info


def read_input(
    path: str | Path, *, what: str, shown: str, limit: int, hint: str | None = None
) -> bytes:
    """The bytes of `path`, a regular file of at most `limit` bytes, else an InputError."""
    check_input(path, what=what, shown=shown, limit=limit, hint=hint)
    try:
        fd = os.open(path, _READ_FLAGS)
    except OSError as exc:
        raise InputError(
            f"cannot read {what}: {exc.strerror or exc}", file=shown, hint="check its permissions"
        ) from None
    try:
        # The file may have been replaced since the stat: check what was actually opened.
        _require_regular(os.fstat(fd), what, shown, limit)
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # it grew while being read
                _too_large(total, what, shown, limit)
    except OSError as exc:
        raise InputError(
            f"cannot read {what}: {exc.strerror or exc}", file=shown, hint="check its permissions"
        ) from None
    finally:
        os.close(fd)
    return b"".join(chunks)


def open_regular(path: str | Path) -> io.BufferedReader | None:
    """`path` opened for reading if it is a regular file, else None (a FIFO, a device...).

    For code that hashes files it did not choose (the up-to-date stamp lists folders): the
    open never waits for a FIFO's writer and a device is never read."""
    fd = os.open(path, _READ_FLAGS)
    if file_kind(os.fstat(fd).st_mode) is not None:
        os.close(fd)
        return None
    return io.BufferedReader(io.FileIO(fd, "rb"))


def _require_regular(info: os.stat_result, what: str, shown: str, limit: int) -> None:
    kind = file_kind(info.st_mode)
    if kind is not None:
        raise InputError(
            f"{what} is {kind}, not a regular file",
            file=shown,
            hint="give a regular file; cardgen does not read devices, pipes or folders",
        )
    if info.st_size > limit:
        _too_large(info.st_size, what, shown, limit)


def _too_large(size: int, what: str, shown: str, limit: int) -> None:
    raise InputError(f"{what} is {size:,} bytes, more than the {limit:,} allowed", file=shown)


def bundled_dir(name: str) -> Path:
    """`layouts` or `fonts` shipped with cardgen (in the wheel, or the source tree)."""
    inside = PACKAGE_DIR / "data" / name
    return inside if inside.is_dir() else PACKAGE_DIR.parent / name


def decode_utf8(raw: bytes, what: str, shown: str) -> str:
    """`raw` as UTF-8 text (a byte-order mark dropped); InputError naming the first bad byte."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{what} is not UTF-8 text (byte {exc.start})",
            file=shown,
            hint=f"save the {what} as UTF-8",
        ) from None
