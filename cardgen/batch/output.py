"""The output folder: atomic writes through real folders only, the manifest, the journal,
the lock."""

from __future__ import annotations

import errno
import io
import json
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cardgen.batch.folder import (
    MANIFEST,
    MARKER,
    MARKER_BODY,
    Sig,
    is_marked,
    is_temp_name,
    read_regular,
    signature,
    temp_name,
)
from cardgen.batch.folder import STATE_DIR as STATE_DIR  # re-exported: the gallery keeps a stamp
from cardgen.errors import InputError

if TYPE_CHECKING:
    from datetime import date

    from cardgen.batch.records import CaptionRow, CardRecord

JOURNAL = "journal.jsonl"
# A JSON object as read from disk, before it is checked (`cardgen.batch.records.as_record`).
JsonObject = dict[str, Any]
CSV_COLUMNS = ("platform", "path", "caption", "alt_text", "quote_id", "selection")


class WriteLog:
    """The files one run wrote, each with its signature just after: the up-to-date stamp
    trusts a file that changed during the run only while it is as the run left it. One per
    run, handed to whatever writes for it."""

    def __init__(self) -> None:
        self.files: dict[str, Sig] = {}  # absolute path -> signature

    def note(self, path: Path) -> None:
        with suppress(OSError):
            self.files[str(path.absolute())] = signature(path.stat())


def write_atomic(
    path: Path, data: bytes, *, durable: bool = False, log: WriteLog | None = None
) -> None:
    """Write to a temporary file beside `path`, then rename: whole or not at all.

    For files outside an output folder (`cardgen quote --out`, preview sheets) and the
    folder's top-level files; card paths go through `write_inside`, which follows no link.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _cannot_write_to(path.parent, exc) from None
    write_inside(path.parent, path.name, data, durable=durable, log=log)


def write_inside(
    out: Path,
    rel: str,
    data: bytes | Iterable[bytes],
    *,
    durable: bool = False,
    log: WriteLog | None = None,
) -> None:
    """Write OUT/`rel` atomically, through real folders only: a link inside OUT is refused,
    never followed, and the file itself is replaced by a rename, never written through.

    `data`: the bytes, or pieces of them written as they come (a long manifest is never
    whole in memory). `durable`: the bytes reach the disk before the rename, and the
    rename before this returns (fsync), for files whose rename must survive a power cut.
    """
    *folders, name = rel.split("/")
    folder = _open_folder(out, folders, create=True)
    assert folder is not None
    tmp = temp_name(name)
    target = out.joinpath(*folders, name)
    try:
        try:
            fd = os.open(
                tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666, dir_fd=folder
            )
        except OSError as exc:
            raise _cannot_write_to(target.parent, exc) from None
        try:
            with os.fdopen(fd, "wb") as handle:
                for piece in [data] if isinstance(data, bytes) else data:
                    handle.write(piece)
                handle.flush()
                if durable:
                    os.fsync(handle.fileno())
            os.replace(tmp, name, src_dir_fd=folder, dst_dir_fd=folder)
            if durable:
                os.fsync(folder)
        except OSError as exc:
            _unlink_quietly(tmp, folder)
            raise InputError(f"cannot write {target}: {exc.strerror}") from None
        except BaseException:
            _unlink_quietly(tmp, folder)
            raise
    finally:
        os.close(folder)
    if log is not None:
        log.note(target)


def mark(out: Path, *, log: WriteLog | None = None) -> None:
    """Write the marker (once): from now on OUT is known to be cardgen's."""
    if not is_marked(out):
        write_inside(out, f"{STATE_DIR}/{MARKER}", MARKER_BODY, log=log)


def _holds(path: Path, pieces: Iterable[bytes]) -> bool:
    """Whether the regular file `path` (no link followed) holds exactly `pieces`, joined:
    compared as they come, stopping at the first difference."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        for piece in pieces:
            view = memoryview(piece)
            while view:
                chunk = os.read(fd, len(view))
                if not chunk or chunk != view[: len(chunk)]:
                    return False
                view = view[len(chunk) :]
        return os.read(fd, 1) == b""
    finally:
        os.close(fd)


def _write_pieces_if_changed(
    out: Path,
    name: str,
    pieces: Callable[[], Iterable[bytes]],
    *,
    durable: bool = False,
    log: WriteLog | None = None,
) -> None:
    """`write_if_changed` for a file made in pieces (`pieces()` makes them afresh): never
    whole in memory; an unchanged file is not touched (an all-cached rerun rewrites
    nothing)."""
    if not _holds(out / name, pieces()):
        write_inside(out, name, pieces(), durable=durable, log=log)


def _open_folder(out: Path, parts: list[str], *, create: bool) -> int | None:
    """A descriptor of OUT/parts, each part a real folder, never a link; made as needed
    with `create`, else None when one is missing."""
    try:
        folder = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:
        if not create:
            return None
        raise _cannot_write_to(out, exc) from None
    where = out
    try:
        for part in parts:
            where = where / part
            if create:
                with suppress(FileExistsError):
                    os.mkdir(part, 0o777, dir_fd=folder)
            try:
                child = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=folder)
            except OSError as exc:
                if not create:
                    os.close(folder)
                    return None
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise InputError(
                        f"cannot write to {where}: it is a symbolic link or not a folder",
                        hint="cardgen never writes through links inside its output folder: "
                        "remove it",
                    ) from None
                raise
            os.close(folder)
            folder = child
    except OSError as exc:
        os.close(folder)
        raise _cannot_write_to(where, exc) from None
    except BaseException:
        os.close(folder)
        raise
    return folder


def _cannot_write_to(folder: Path, exc: OSError) -> InputError:
    return InputError(
        f"cannot write to {folder}: {exc.strerror}",
        hint="check the output folder's permissions",
    )


def _unlink_quietly(name: str, folder: int) -> None:
    with suppress(OSError):
        os.unlink(name, dir_fd=folder)


def remove_inside(out: Path, rel: str) -> None:
    """Delete OUT/`rel` if it is a regular file reached through real folders (no link)."""
    *folders, name = rel.split("/")
    folder = _open_folder(out, folders, create=False)
    if folder is None:
        return
    try:
        info = os.stat(name, dir_fd=folder, follow_symlinks=False)
        if stat.S_ISREG(info.st_mode):
            os.unlink(name, dir_fd=folder)
    except FileNotFoundError:
        pass
    finally:
        os.close(folder)


def write_manifest(
    out: Path,
    generator: str,
    cards: Sequence[CardRecord],
    *,
    durable: bool = True,
    log: WriteLog | None = None,
    shard: dict[str, Any] | None = None,
    carousels: list[dict[str, Any]] | None = None,
) -> Path:
    """`OUT/manifest.json`, written last, sorted so equal runs give equal bytes; durable:
    after a power cut it is the old manifest or the new one, never a torn or empty file.
    `shard`: what a `--shard` run's manifest says of its part (`cardgen.batch.shards`);
    `carousels` (batch.carousels records) are listed after the cards when there are any."""
    ordered = sorted(cards, key=lambda c: (c["selection"], c["quote_id"], c["platform"]))
    body: dict[str, Any] = {"generator": generator}
    if shard is not None:
        body["shard"] = shard
    body["cards"] = ordered
    if carousels:
        body["carousels"] = carousels
    # Written as it is encoded, piece by piece, never whole in memory (~2 kB a card).
    _write_pieces_if_changed(out, MANIFEST, lambda: _json_pieces(body), durable=durable, log=log)
    return out / MANIFEST


def pretty_json(value: Any) -> bytes:
    """`json.dumps(value, indent=2, ensure_ascii=False)` and a newline, as UTF-8."""
    return b"".join(_json_pieces(value))


def _json_pieces(value: Any) -> Iterator[bytes]:
    """pretty_json's bytes in pieces of about 64 kB, as the encoder makes them: json.dumps
    would keep a list of every piece (~6x the text for a 1000-card manifest)."""
    pending: list[bytes] = []
    size = 0
    for piece in json.JSONEncoder(indent=2, ensure_ascii=False).iterencode(value):
        encoded = piece.encode("utf-8")
        pending.append(encoded)
        size += len(encoded)
        if size >= 1 << 16:
            yield b"".join(pending)
            pending, size = [], 0
    pending.append(b"\n")
    yield b"".join(pending)


def write_captions_csv(
    out: Path, cards: Sequence[CaptionRow], *, log: WriteLog | None = None
) -> Path:
    """`OUT/captions.csv`: one row a card, for bulk schedulers; written row by row."""
    ordered = sorted(cards, key=lambda c: (c["selection"], c["quote_id"], c["platform"]))
    _write_pieces_if_changed(out, "captions.csv", lambda: _csv_pieces(ordered), log=log)
    return out / "captions.csv"


def _csv_pieces(cards: Iterable[CaptionRow]) -> Iterator[bytes]:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for card in cards:
        fields: dict[str, object] = dict(card)
        writer.writerow([fields[column] for column in CSV_COLUMNS])
        if buffer.tell() >= 1 << 16:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def sync_file_system(out: Path) -> None:
    """Flush the output folder's file system (cards written, renamed) to the disk: one call
    where an fsync a card would cost ~4 ms each. syncfs on Linux, else sync."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
        try:
            if libc.syncfs(fd) == 0:
                return
        finally:
            os.close(fd)
    except (OSError, AttributeError):
        pass
    os.sync()


def snippet_text(caption: str, alt: str) -> str:
    """The `.txt` beside a card: the post text, a blank line, then the alt text."""
    return f"{caption}\n\nAlt text: {alt}\n"


def write_if_changed(
    path: Path, data: bytes, *, durable: bool = False, log: WriteLog | None = None
) -> bool:
    """`write_atomic` unless the file already holds exactly `data`; True when written."""
    if read_regular(path, limit=len(data), missing_ok=True, strict=False) == data:
        return False
    write_atomic(path, data, durable=durable, log=log)
    return True


def remove_temporaries(out: Path, folders: Iterable[str]) -> int:
    """Delete the temporary files a killed run left behind in cardgen's own `folders` of
    OUT ("." for OUT itself): only files of cardgen's own temporary pattern, never a
    link, never elsewhere. Returns how many."""
    removed = 0
    for rel in dict.fromkeys(folders):
        parts = [] if rel in ("", ".") else rel.split("/")
        folder = _open_folder(out, parts, create=False)
        if folder is None:
            continue
        try:
            for name in os.listdir(folder):  # noqa: PTH208 (a descriptor: no link followed)
                if not is_temp_name(name):
                    continue
                with suppress(OSError):
                    if stat.S_ISREG(os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode):
                        os.unlink(name, dir_fd=folder)
                        removed += 1
        finally:
            os.close(folder)
    return removed


def read_manifest(out: Path, warn: Callable[[str], None]) -> list[JsonObject]:
    """The cards of `OUT/manifest.json`: none when it is missing; one that is not a cardgen
    manifest is ignored with a warning; one that is a link, a FIFO or a device is an error."""
    path = out / MANIFEST
    data = read_regular(path, missing_ok=True)
    if data is None:
        return []
    try:
        body = json.loads(data)
        cards = body["cards"]
        if not isinstance(cards, list):
            raise TypeError("'cards' is not a list")
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        warn(
            f"{path} is not a cardgen manifest ({type(exc).__name__}): ignored; it is "
            "rewritten at the end of this run"
        )
        return []
    return [c for c in cards if isinstance(c, dict)]


class Journal:
    """Records of cards written by a run in progress, one JSON line each.

    A run killed before its manifest is written leaves its finished cards
    listed here; the next run reads them back so nothing is lost or redrawn.
    """

    def __init__(self, out: Path) -> None:
        self.path = out / STATE_DIR / JOURNAL
        self._fd: int | None = None

    def read(self) -> list[JsonObject]:
        data = read_regular(self.path, missing_ok=True)
        records = []
        for line in (data or b"").splitlines():
            try:
                record = json.loads(line)
            except (ValueError, RecursionError):
                continue  # the torn last line of a killed run
            if isinstance(record, dict):
                records.append(record)
        return records

    def append(self, record: CardRecord) -> None:
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        try:
            if self._fd is None:
                flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK
                self._fd = os.open(self.path, flags, 0o666)
                info = os.fstat(self._fd)
                if not stat.S_ISREG(info.st_mode):
                    self.close()
                    raise InputError(f"cannot write {self.path}: not a regular file")
                if info.st_size and os.pread(self._fd, 1, info.st_size - 1) != b"\n":
                    line = b"\n" + line  # after a line a killed run tore: not glued onto it
            view = memoryview(line)
            while view:  # unbuffered: a line is in the file once this returns
                view = view[os.write(self._fd, view) :]
        except OSError as exc:
            raise InputError(f"cannot write {self.path}: {exc.strerror}") from None

    def sync(self) -> None:
        """The lines written so far reach the disk (before a durable manifest drops them)."""
        if self._fd is not None:
            try:
                os.fsync(self._fd)
            except OSError as exc:
                raise InputError(f"cannot write {self.path}: {exc.strerror}") from None

    def clear(self) -> None:
        """Called once the manifest holds everything the journal did."""
        self.close()
        self.path.unlink(missing_ok=True)

    def close(self) -> None:
        if self._fd is not None:
            with suppress(OSError):
                os.close(self._fd)
            self._fd = None


_HELD_LOCKS: set[int] = set()  # descriptors of the output locks this process holds


def _forget_locks_in_child() -> None:
    # A forked worker shares the lock's open file, and a flock lasts while any process has
    # it open: closing it here lets the lock go with the main process, even by SIGKILL.
    for fd in _HELD_LOCKS:
        with suppress(OSError):
            os.close(fd)
    _HELD_LOCKS.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_locks_in_child)


class OutputLock:
    """An exclusive lock on an output folder, so two runs never write one folder at once.

    The kernel releases it when the process dies, even by SIGKILL. A run that
    wrote nothing into a folder it created removes the folder again.
    """

    def __init__(self, out: Path, *, wait: bool = False) -> None:
        self.out = out
        self.wait = wait
        self.path = out / STATE_DIR / "lock"
        self._fd: int | None = None
        self._created = False

    def __enter__(self) -> OutputLock:
        import fcntl

        self._created = not self.out.exists()
        while True:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                if not stat.S_ISDIR(self.path.parent.lstat().st_mode):
                    raise InputError(
                        f"cannot write to {self.path.parent}: it is a symbolic link",
                        hint="cardgen never writes through links inside its output folder: "
                        "remove it",
                    )
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
            except OSError as exc:
                raise InputError(
                    f"cannot write to {self.out}: {exc.strerror}",
                    hint="check the output folder's permissions",
                ) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if self.wait else fcntl.LOCK_NB))
            except BlockingIOError:
                holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
                os.close(fd)
                raise InputError(
                    f"{self.out} is being written by another cardgen run (pid {holder})",
                    hint="wait for it to finish, or pass --wait to queue behind it",
                ) from None
            # The holder we waited for may have removed the lock file: lock the current one.
            try:
                same = os.fstat(fd).st_ino == self.path.stat().st_ino
            except OSError:
                same = False
            if same:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        self._fd = fd
        _HELD_LOCKS.add(fd)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is None:
            return
        state = self.path.parent
        with suppress(OSError):
            nothing_else = all(p == state for p in self.out.iterdir())
            own = {p.name for p in state.iterdir()}
            if self._created and nothing_else and own <= {self.path.name, MARKER}:
                for name in own:
                    (state / name).unlink(missing_ok=True)
                state.rmdir()
                self.out.rmdir()
        _HELD_LOCKS.discard(self._fd)
        os.close(self._fd)  # closing releases the lock
        self._fd = None


PLACEHOLDERS = ("date", "year", "month", "day", "week")


def expand_out(out: Path, today: date | None = None) -> Path:
    """`--out` with date placeholders filled: {date} 2026-11-25, {week} 2026-W48, {year} ..."""
    import datetime as dt

    from cardgen.templates import template_fields

    text = str(out)
    if "{" not in text and "}" not in text:
        return out
    day: dt.date = today or dt.date.today()
    year, week, _ = day.isocalendar()
    values = {
        "date": day.isoformat(),
        "year": f"{day.year:04d}",
        "month": f"{day.month:02d}",
        "day": f"{day.day:02d}",
        "week": f"{year:04d}-W{week:02d}",
    }
    try:
        template_fields(text, PLACEHOLDERS, "--out", "placeholder")
    except ValueError as exc:  # plain names only: `{week:>300000000}` would be 300 MB
        raise InputError(str(exc)) from None
    return Path(text.format_map(values))
