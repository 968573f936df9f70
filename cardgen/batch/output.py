"""The output folder: atomic writes through real folders only, the manifest, the journal,
the lock."""

from __future__ import annotations

import errno
import heapq
import io
import json
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, cast

from cardgen.batch.folder import (
    MANIFEST,
    MARKER,
    MARKER_BODY,
    WrittenFiles,
    caption_path,
    is_marked,
    is_temp_name,
    manifest_events,
    read_regular,
    signature,
    temp_name,
)
from cardgen.batch.folder import STATE_DIR as STATE_DIR  # re-exported: the gallery keeps a stamp
from cardgen.batch.spool import (
    CardRecords,
    RecordSpool,
    SpoolFile,
    in_order,
    keyed,
    record_id,
    utf8_pieces,
)
from cardgen.errors import CardgenError, InputError
from cardgen.plaindata import JsonObject

if TYPE_CHECKING:
    from datetime import date

    from cardgen.batch.carousel_records import CarouselRecord
    from cardgen.batch.records import CaptionRow, CardRecord, ShardHeader

JOURNAL = "journal.jsonl"
CSV_COLUMNS = ("platform", "path", "caption", "alt_text", "quote_id", "selection")


class WriteLog:
    """The files one run wrote, each with its signature just after: the up-to-date stamp
    trusts a file that changed during the run only while it is as the run left it. One per
    run, handed to whatever writes for it."""

    def __init__(self) -> None:
        self.files = WrittenFiles()  # by absolute path, each with its signature

    def note(self, path: Path) -> None:
        with suppress(OSError):
            self.files.add(str(path.absolute()), signature(path.stat()))


def write_atomic(
    path: Path, data: bytes | Iterable[bytes], *, durable: bool = False, log: WriteLog | None = None
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
        # The temporary file is made inside the `try` that removes it: a signal raised just
        # as `os.open` returns (before `fd` is even set) still takes it away. Only a file
        # `os.open` refused to make is not ours to remove.
        try:
            try:
                fd = os.open(
                    tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666, dir_fd=folder
                )
            except OSError as exc:
                raise _NotMade(exc) from None
            with os.fdopen(fd, "wb") as handle:
                for piece in [data] if isinstance(data, bytes) else data:
                    handle.write(piece)
                handle.flush()
                if durable:
                    os.fsync(handle.fileno())
            os.replace(tmp, name, src_dir_fd=folder, dst_dir_fd=folder)
            if durable:
                os.fsync(folder)
        except _NotMade as refused:
            raise _cannot_write_to(target.parent, refused.error) from None
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


class _NotMade(Exception):
    """`os.open` refused to make the temporary file (so there is none to remove)."""

    def __init__(self, error: OSError) -> None:
        super().__init__(error)
        self.error = error


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
    cards: CardRecords,
    *,
    durable: bool = True,
    log: WriteLog | None = None,
    shard: ShardHeader | None = None,
    carousels: Sequence[Mapping[str, object]] | None = None,
) -> Path:
    """`OUT/manifest.json`, written last, sorted so equal runs give equal bytes; durable:
    after a power cut it is the old manifest or the new one, never a torn or empty file.
    `cards`: records, or a mapping of them by card id (a run's spool on disk: read back one
    at a time, so a long batch's manifest is never in memory).
    `shard`: what a `--shard` run's manifest says of its part (`cardgen.batch.shards`);
    `carousels` (`carousel_records.CarouselRecord`s) are listed after the cards, if any."""
    by_id = keyed(cards)
    head: dict[str, object] = {"generator": generator}
    if shard is not None:
        head["shard"] = shard
    tail = {"carousels": carousels} if carousels else {}

    def pieces() -> Iterator[bytes]:
        return utf8_pieces(_manifest_text(head, in_order(by_id), tail))

    _write_pieces_if_changed(out, MANIFEST, pieces, durable=durable, log=log)
    return out / MANIFEST


def _manifest_text(
    head: Mapping[str, object], cards: Iterable[CardRecord], tail: Mapping[str, object]
) -> Iterator[str]:
    """`pretty_json` of head + {"cards": cards} + tail, the cards encoded one at a time."""
    yield "{"
    for key, value in head.items():
        yield f"\n  {_dumps(key)}: {_dumps(value, 1)},"
    yield '\n  "cards": ['
    first = True
    for card in cards:
        yield ("\n    " if first else ",\n    ") + _dumps(card, 2)
        first = False
    yield "]" if first else "\n  ]"
    for key, value in tail.items():
        yield f",\n  {_dumps(key)}: {_dumps(value, 1)}"
    yield "\n}\n"


def _dumps(value: object, depth: int = 0) -> str:
    """`value` as it reads at `depth` inside an indent=2 document (JSON text holds no raw
    newline, so every newline of it starts a line of its own)."""
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return text.replace("\n", "\n" + "  " * depth) if depth else text


def pretty_json(value: object) -> bytes:
    """`json.dumps(value, indent=2, ensure_ascii=False)` and a newline, as UTF-8 (`value`:
    anything `json.dumps` writes)."""
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write_captions_csv(
    out: Path,
    cards: CardRecords,
    *,
    extra: Sequence[CaptionRow] = (),
    log: WriteLog | None = None,
) -> Path:
    """`OUT/captions.csv`: one row a card and one a carousel post (`extra`), for bulk
    schedulers, in the manifest's order; the cards read one at a time, row by row."""
    by_id = keyed(cards)
    rows = sorted(extra, key=record_id)

    def pieces() -> Iterator[bytes]:
        # The cards come sorted from the spool; the few carousel rows are merged in.
        merged = heapq.merge(in_order(by_id), rows, key=record_id)
        return _csv_pieces(cast("Iterator[CaptionRow]", merged))

    _write_pieces_if_changed(out, "captions.csv", pieces, log=log)
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


def let_go(
    out: Path,
    journal: Journal,
    leaving: Iterable[CardRecord],
    keep: CardRecords,
    *,
    log: WriteLog | None = None,
    shard: ShardHeader | None = None,
    carousels: Sequence[CarouselRecord] | None = None,
) -> None:
    """Before a file the manifest on disk lists is replaced or removed, the manifest lets go
    of it: its record (`leaving`) goes to the journal, on disk, then the manifest is
    rewritten with the others (`keep`), durably. A run stopped at any point, even by a
    power cut, leaves a manifest whose every card is on disk as it says, and a journal with
    the rest, which the next run reads back."""
    for record in leaving:
        journal.append(record)
    journal.sync()
    write_manifest(out, generator(), keep, durable=True, log=log, shard=shard, carousels=carousels)


def generator() -> str:
    """The manifest's `generator`: `cardgen VERSION`."""
    from cardgen import __version__

    return f"cardgen {__version__}"


def write_caption(out: Path, record: CardRecord, *, log: WriteLog | None = None) -> None:
    """The `.txt` beside a card (`caption_path`): its post text and alt text."""
    text = snippet_text(record["caption"], record["alt_text"]).encode("utf-8")
    write_inside(out, caption_path(record["path"]), text, log=log)


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


def read_manifest(out: Path, warn: Callable[[str], None]) -> Iterator[JsonObject]:
    """The cards of `OUT/manifest.json`, read one at a time: none when it is missing; one
    that is not a cardgen manifest is ignored with a warning (checked whole before the
    first card is given); one that is a link, a FIFO or a device is an error."""
    path = out / MANIFEST
    try:
        check_manifest(path)
    except FileNotFoundError:
        return iter(())
    except NotAManifest as exc:
        warn(
            f"{path} is not a cardgen manifest ({exc}): ignored; it is "
            "rewritten at the end of this run"
        )
        return iter(())
    return manifest_cards(path)


class NotAManifest(ValueError):
    """A manifest that cannot be read as one: its message says why."""


def check_manifest(path: Path) -> None:
    """Parse the manifest through once, keeping nothing: FileNotFoundError when missing,
    NotAManifest when it is not JSON with a list of cards."""
    with _open_state_file(path) as handle:
        seen_cards = False
        key: object = None
        try:
            for depth, event, value, _ in manifest_events(handle):
                if depth != 1:
                    continue
                if event == "map_key":
                    key = value
                elif key == "cards" and event != "end_array":
                    if event != "start_array":
                        raise NotAManifest("'cards' is not a list")
                    seen_cards = True
        except ValueError as exc:
            raise NotAManifest(str(exc)) from None
        if not seen_cards:
            raise NotAManifest("it has no 'cards'")


def manifest_cards(
    path: Path, *, carousels: list[JsonObject] | None = None
) -> Iterator[JsonObject]:
    """The card records of a manifest, parsed one at a time (a manifest of 100,000 cards is
    ~450 MB of JSON and would be far more as objects); `carousels` gets its carousels.
    Raises FileNotFoundError, an InputError for a link, FIFO or device, and ValueError
    when it is not JSON."""
    import ijson

    with _open_state_file(path) as handle:
        try:
            if carousels is not None:
                carousels.extend(manifest_carousels(path))
            for card in ijson.items(handle, "cards.item", use_float=True):
                if isinstance(card, dict):
                    yield card
        except ijson.JSONError as exc:
            raise ValueError(f"not JSON: {exc}") from None


def old_carousels(out: Path) -> list[CarouselRecord]:
    """The `carousels` of the manifest on disk (none when it is missing or unreadable); a
    record without a selection, id and platform is left out."""
    from cardgen.batch.carousel_records import is_carousel

    try:
        found = manifest_carousels(out / MANIFEST)
    except (CardgenError, OSError, ValueError):
        return []
    return [carousel for carousel in found if is_carousel(carousel)]


def manifest_carousels(path: Path) -> list[JsonObject]:
    """A manifest's carousels, parsed as it is read: its cards are passed over, never held
    (a rerun over 10,000 cards held 270 MB reading the whole manifest for these).
    Raises FileNotFoundError, an InputError for a link, FIFO or device, and ValueError
    when it is not JSON."""
    import ijson

    found: list[JsonObject] = []
    with _open_state_file(path) as handle:
        builder: ijson.ObjectBuilder | None = None
        for depth, event, value, list_name in manifest_events(handle):
            if list_name != "carousels" or depth < 2:
                continue
            if depth == 2 and event == "start_map":
                builder = ijson.ObjectBuilder()
            if builder is not None:
                builder.event(event, value)
                if depth == 2 and event == "end_map":
                    found.append(builder.value)
                    builder = None
    return found


def manifest_statuses(path: Path) -> Iterator[str]:
    """The `status` of each card and carousel of a manifest, parsed as it is read."""
    with _open_state_file(path) as handle:
        key: object = None
        for depth, event, value, list_name in manifest_events(handle):
            if depth == 3 and event == "map_key":
                key = value
            elif depth == 3 and key == "status" and event == "string" and list_name:
                yield str(value)


def manifest_lines(path: Path) -> Iterator[bytes]:
    """A manifest's lines (each with its newline), read as they go."""
    with _open_state_file(path) as handle:
        yield from handle


def manifest_head(path: Path) -> JsonObject:
    """A manifest's `generator` and `shard` (those it has), read without its cards."""
    import ijson

    head: JsonObject = {}
    with _open_state_file(path) as handle:
        for key in ("generator", "shard"):
            handle.seek(0)
            try:
                head.update((key, value) for value in ijson.items(handle, key, use_float=True))
            except ijson.JSONError as exc:
                raise NotAManifest(f"JSONDecodeError: {exc}") from None
    return head


def spooled_manifest(path: Path, carousels: list[JsonObject] | None = None) -> RecordSpool:
    """The cards of a manifest, checked whole first (NotAManifest), then read one at a time
    into a spool on disk (a temporary file); `carousels` gets its carousels."""
    check_manifest(path)
    spool = RecordSpool(SpoolFile())
    for card in manifest_cards(path, carousels=carousels):
        spool[record_id(card)] = cast("CardRecord", card)
    return spool


_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


def _open_state_file(path: Path) -> BinaryIO:
    """One of cardgen's own files in OUT, opened to be read as it goes: a regular file
    only (a link, a FIFO or a device is an InputError naming it)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        raise
    except OSError as exc:
        reason = "a symbolic link" if exc.errno == errno.ELOOP else exc.strerror
        raise InputError(
            f"cannot read {path}: {reason}",
            hint="cardgen reads only regular files it wrote there: remove it",
        ) from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
        raise InputError(
            f"cannot read {path}: it is {kind}, not a file cardgen wrote",
            hint="cardgen reads only regular files it wrote there: remove it",
        )
    return open(fd, "rb", buffering=1 << 16)  # not os.fdopen: tests count writes by it


class Journal:
    """Records of cards written by a run in progress, one JSON line each.

    A run killed before its manifest is written leaves its finished cards
    listed here; the next run reads them back so nothing is lost or redrawn.
    """

    def __init__(self, out: Path) -> None:
        self.path = out / STATE_DIR / JOURNAL
        self._fd: int | None = None

    def read(self) -> Iterator[JsonObject]:
        """Its records, read one line at a time; none when there is no journal."""
        try:
            handle = _open_state_file(self.path)
        except FileNotFoundError:
            return
        with handle:
            for line in handle:
                try:
                    record = json.loads(line)
                except (ValueError, RecursionError):
                    continue  # the torn last line of a killed run
                if isinstance(record, dict):
                    yield record

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
