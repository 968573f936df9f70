"""The output folder: card paths, atomic writes and the manifest."""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

from cardgen.errors import InputError

# Told of every file written, while the up-to-date check records a run (`cardgen.batch.uptodate`).
on_written: Callable[[Path], None] | None = None


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def card_path(selection: str, quote_id: str, platform: str, fmt: str) -> str:
    """`<selection>/<quote-id>/<platform>.<ext>`, relative to the output folder."""
    ext = "jpg" if fmt == "jpeg" else fmt
    return f"{selection}/{quote_id}/{platform}.{ext}"


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: whole or not at all."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise InputError(
            f"cannot write to {path.parent}: {exc.strerror}",
            hint="check the output folder's permissions",
        ) from None
    try:
        # mkstemp makes private files; cards are shared like any file the user makes.
        os.fchmod(fd, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        Path(tmp).replace(path)
        if on_written is not None:
            on_written(path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"cannot write {path}: {exc.strerror}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_manifest(out: Path, generator: str, cards: list[dict[str, Any]]) -> Path:
    """`OUT/manifest.json`, written last, sorted so equal runs give equal bytes."""
    ordered = sorted(cards, key=lambda c: (c["selection"], c["quote_id"], c["platform"]))
    body = {"generator": generator, "cards": ordered}
    path = out / "manifest.json"
    # Left alone when unchanged: an all-cached rerun then rewrites nothing.
    write_if_changed(path, pretty_json(body))
    return path


def pretty_json(value: Any) -> bytes:
    """`json.dumps(value, indent=2, ensure_ascii=False)` and a newline, as UTF-8, streamed:
    json.dumps keeps a list of every piece (~6x the text for a 1000-card manifest)."""
    data = io.BytesIO()  # UTF-8 as it comes: a str of it would take 2-4 bytes a character
    for piece in json.JSONEncoder(indent=2, ensure_ascii=False).iterencode(value):
        data.write(piece.encode("utf-8"))
    data.write(b"\n")
    return data.getvalue()


STATE_DIR = ".cardgen"  # inside OUT: the lock, the journal of a run in progress
JOURNAL = "journal.jsonl"
HISTORY = "history.json"
CSV_COLUMNS = ("platform", "path", "caption", "alt_text", "quote_id", "selection")


def write_captions_csv(out: Path, cards: list[dict[str, Any]]) -> Path:
    """`OUT/captions.csv`: one row a card, for bulk schedulers."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for card in sorted(cards, key=lambda c: (c["selection"], c["quote_id"], c["platform"])):
        writer.writerow([card[column] for column in CSV_COLUMNS])
    path = out / "captions.csv"
    write_if_changed(path, buffer.getvalue().encode("utf-8"))
    return path


def snippet_text(caption: str, alt: str) -> str:
    """The `.txt` beside a card: the post text, a blank line, then the alt text."""
    return f"{caption}\n\nAlt text: {alt}\n"


def write_if_changed(path: Path, data: bytes) -> bool:
    """`write_atomic` unless the file already holds exactly `data`; True when written."""
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    write_atomic(path, data)
    return True


def remove_temporaries(out: Path) -> int:
    """Delete temporary files a killed run left behind (`.NAME.*.tmp`); how many."""
    removed = 0
    if not out.is_dir():
        return 0
    for tmp in out.rglob(".*.tmp"):
        if tmp.is_file():
            tmp.unlink(missing_ok=True)
            removed += 1
    return removed


def read_manifest(out: Path) -> list[dict[str, Any]]:
    """The cards of `OUT/manifest.json`, or none when it is missing or unreadable."""
    try:
        body = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        cards = body.get("cards", []) if isinstance(body, dict) else []
    except (OSError, ValueError):
        return []
    return [c for c in cards if isinstance(c, dict)]


class Journal:
    """Records of cards written by a run in progress, one JSON line each.

    A run killed before its manifest is written leaves its finished cards
    listed here; the next run reads them back so nothing is lost or redrawn.
    """

    def __init__(self, out: Path) -> None:
        self.path = out / STATE_DIR / JOURNAL
        self._handle: Any = None

    def read(self) -> list[dict[str, Any]]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError:
            return []
        records = []
        for line in text.splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue  # the torn last line of a killed run
            if isinstance(record, dict):
                records.append(record)
        return records

    def append(self, record: dict[str, Any]) -> None:
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("a", encoding="utf-8")
        self._handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._handle.flush()

    def clear(self) -> None:
        """Called once the manifest holds everything the journal did."""
        self.close()
        self.path.unlink(missing_ok=True)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


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
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
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
        nothing_else = not any(p != self.path.parent for p in self.out.iterdir())
        if self._created and nothing_else and list(self.path.parent.iterdir()) == [self.path]:
            self.path.unlink(missing_ok=True)
            self.path.parent.rmdir()
            self.out.rmdir()
        _HELD_LOCKS.discard(self._fd)
        os.close(self._fd)  # closing releases the lock
        self._fd = None


PLACEHOLDERS = ("date", "year", "month", "day", "week")


def expand_out(out: Path, today: Any = None) -> Path:
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


def history_folder(out: Path) -> Path:
    """Where `--pick` keeps its history: the part of `--out` before any placeholder."""
    parts = out.parts
    for index, part in enumerate(parts):
        if "{" in part:
            return Path(*parts[:index]) if index else Path()
    return out


def read_history(folder: Path) -> dict[str, Any]:
    try:
        body = json.loads((folder / STATE_DIR / HISTORY).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"runs": 0, "quotes": {}}
    if not isinstance(body, dict) or not isinstance(body.get("quotes"), dict):
        return {"runs": 0, "quotes": {}}
    return body


def write_history(folder: Path, history: dict[str, Any]) -> None:
    data = json.dumps(history, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    write_atomic(folder / STATE_DIR / HISTORY, data.encode("utf-8"))
