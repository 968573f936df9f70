"""The output folder as cardgen's own: its marker, the checks before a run writes, safe paths.

cardgen writes, renames and deletes only inside OUT, only through real folders (a symbolic
link inside OUT is refused, never followed), and deletes only files it can prove it made:
its own temporary files, and cards whose bytes match the record it wrote for them.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import stat
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from cardgen.errors import InputError
from cardgen.limits import MAX_STATE_FILE_BYTES

STATE_DIR = ".cardgen"  # inside OUT: the marker, the lock, the journal of a run in progress
MARKER = "output-folder.json"  # OUT/.cardgen/output-folder.json: OUT is cardgen's
MARKER_BODY = b'{"cardgen": "output folder", "format": 1}\n'
MANIFEST = "manifest.json"
# cardgen's own files in OUT, and in OUT/.cardgen: replaced only when they are regular files.
OWN_FILES = (MANIFEST, "captions.csv", "index.html")
STATE_FILES = (
    MARKER,
    "lock",
    "journal.jsonl",
    "history.json",
    "uptodate.json",
    "gallery.sha256",
)
# Folders other cardgen commands write into the default output folder (`cardgen preview`,
# `cardgen layouts`): they do not make a folder foreign.
OTHER_COMMANDS = ("preview", "layouts")
# A selection names a folder of OUT: never one of cardgen's own names.
RESERVED_NAMES = frozenset({*OWN_FILES, "review.json", STATE_DIR, *OTHER_COMMANDS})
STATE_FOLDERS = ("thumbs",)  # the review page's thumbnails

Sig = list[int]  # a file's [size, mtime_ns, ctime_ns, inode]: changed when any differs


def signature(stat_result: os.stat_result) -> Sig:
    """What tells a file changed without reading it (the up-to-date stamp's test)."""
    return [
        stat_result.st_size,
        stat_result.st_mtime_ns,
        stat_result.st_ctime_ns,
        stat_result.st_ino,
    ]


class Digests:
    """A set of texts (paths) held as 8-byte digests: ~8 bytes each where a set of str
    takes ~100 (a run of 100,000 cards names 300,000 files). Two texts of one digest (a
    chance in 2^64 over the set's size) would stand for each other."""

    def __init__(self, texts: Iterable[str] = ()) -> None:
        self._digests = array("Q")
        self._sorted = True
        self.update(texts)

    def add(self, text: str) -> None:
        self._digests.append(_digest(text))
        self._sorted = False

    def update(self, texts: Iterable[str]) -> None:
        for text in texts:
            self.add(text)

    def _ordered(self) -> array[int]:
        if not self._sorted:  # once all is added, for every test after
            self._digests = array("Q", sorted(set(self._digests)))
            self._sorted = True
        return self._digests

    def __contains__(self, text: object) -> bool:
        if not isinstance(text, str):
            return False
        digests, digest = self._ordered(), _digest(text)
        index = bisect_left(digests, digest)
        return index < len(digests) and digests[index] == digest

    def __len__(self) -> int:
        return len(self._ordered())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Digests):
            return NotImplemented
        return self._ordered() == other._ordered()

    __hash__ = None  # type: ignore[assignment]  # a set, changed by add


class WrittenFiles:
    """The files a run wrote, each as the signature it had just after (the up-to-date
    stamp's test of a file that changed during the run): 8 bytes a write (`Digests`), where
    a dict of paths took ~350 bytes."""

    def __init__(self) -> None:
        self._writes = Digests()

    def add(self, path: str, sig: Sig) -> None:
        self._writes.add(f"{path}\0{sig}")

    def holds(self, path: str, sig: Sig) -> bool:
        """Whether `path` was written by the run and is as one of its writes left it."""
        return f"{path}\0{sig}" in self._writes

    def __len__(self) -> int:
        return len(self._writes)


def _digest(text: str) -> int:
    data = text.encode("utf-8", "surrogateescape")
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big")


_TEMP = re.compile(r"\..+\.cardgen-[0-9a-f]{8}\.tmp")


def temp_name(name: str) -> str:
    """The temporary name a file is written under before its rename: cardgen's own pattern."""
    return f".{name}.cardgen-{os.urandom(4).hex()}.tmp"


def is_temp_name(name: str) -> bool:
    return _TEMP.fullmatch(name) is not None


def check_selection_names(names: Iterable[tuple[str, Path]]) -> None:
    """A selection whose name is one of cardgen's own files in OUT fails before any write."""
    from cardgen.yamlio import display_path  # not on the up-to-date check's way: pydantic

    for name, path in names:
        if name.lower() in RESERVED_NAMES:
            raise InputError(
                f"selection file name {path.name!r} would name the output folder's "
                f"{name!r}, which cardgen keeps for itself",
                file=display_path(path),
                hint="rename the selection, for example to 'my-" + path.name + "'",
            )


# --- whose folder ----------------------------------------------------------------------


def refuse_dangerous(out: Path, project_root: Path, inputs: Sequence[Path]) -> None:
    """`--out` may not be `/`, the home folder, the project folder or hold any input."""
    from cardgen.yamlio import display_path

    target = out.resolve()
    home = _resolved_home()
    what = None
    if target.parent == target:
        what = "the root of the file system"
    elif home is not None and target == home:
        what = "your home folder"
    elif target == project_root.resolve():
        what = "the project folder itself"
    else:
        for path in inputs:
            resolved = path.resolve()
            if resolved == target or target in resolved.parents:
                what = f"a folder that holds cardgen's input {display_path(path)}"
                break
        else:
            if target.parent == project_root.resolve() and target.name in _PROJECT_FOLDERS:
                what = f"the project's own {target.name}/ folder"
    if what is not None:
        raise InputError(
            f"--out {out}: refusing to write into {what}",
            hint="name a folder of its own, like output/",
        )


# Folders of a project that hold its inputs, even when this run reads none of them.
_PROJECT_FOLDERS = frozenset({"quotes", "layouts", "fonts"})


def _resolved_home() -> Path | None:
    try:
        return Path.home().resolve()
    except (RuntimeError, OSError, KeyError):
        return None


def is_marked(out: Path) -> bool:
    """Whether OUT carries cardgen's marker (a regular file, not a link)."""
    data = read_regular(out / STATE_DIR / MARKER, limit=4096, missing_ok=True, strict=False)
    if data is None:
        return False
    try:
        body = json.loads(data)
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("cardgen") == "output folder"


def claim(out: Path, *, adopt: bool) -> None:
    """Refuse to render into an existing folder that is not cardgen's (exit 2), unless
    `adopt`. cardgen's own: the marker, or a folder an earlier cardgen rendered into (a
    cardgen manifest or a `.cardgen/` of cardgen's files), or one that is empty but for
    what `cardgen preview` and `cardgen layouts` write there. The marker is written by
    `mark` once the run holds the folder's lock."""
    try:
        info = out.lstat()
    except FileNotFoundError:
        return
    except OSError:
        return  # reported by the lock, which names the folder and the reason
    if not stat.S_ISDIR(info.st_mode) and not (
        stat.S_ISLNK(info.st_mode) and out.is_dir()  # `--out` itself may be a link the user made
    ):
        return  # not a folder: the lock reports "cannot write to OUT: Not a directory"
    if adopt or is_marked(out) or _made_by_earlier_cardgen(out) or _empty_but_ours(out):
        return
    raise InputError(
        f"{out} is not empty and is not a cardgen output folder (no {STATE_DIR}/{MARKER})",
        hint="render into a new or empty folder, or pass --adopt to let cardgen take it "
        "over (it then replaces manifest.json, captions.csv and index.html there)",
    )


def _made_by_earlier_cardgen(out: Path) -> bool:
    state = out / STATE_DIR
    try:
        if stat.S_ISDIR(state.lstat().st_mode):
            names = [p.name for p in state.iterdir()]
            own = (*STATE_FILES, *STATE_FOLDERS)
            if names and all(n in own or is_temp_name(n) for n in names):
                return True
    except OSError:
        pass
    return _names_cardgen(out / MANIFEST)


def _names_cardgen(manifest: Path) -> bool:
    """Whether `manifest` is an object whose `generator` is cardgen's and whose `cards` is a
    list: read as it goes until both are seen (a manifest can be ~500 MB), never loaded."""
    try:
        fd = os.open(manifest, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False
    generator = cards = False
    key: object = None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        try:
            for depth, event, value, _ in manifest_events(handle):
                if depth != 1 or event in ("end_map", "end_array"):
                    continue
                if event == "map_key":
                    key = value
                elif key == "generator":
                    generator = event == "string" and str(value).startswith("cardgen ")
                elif key == "cards":
                    cards = event == "start_array"
                if generator and cards:
                    return True
        except ValueError:
            return False
    return False


MAX_JSON_DEPTH = 64  # cardgen's own JSON files are a few levels deep
JsonEvent = tuple[int, str, object]  # depth, ijson's basic event, its value


def json_events(handle: BinaryIO, limit: int = MAX_JSON_DEPTH) -> Iterator[JsonEvent]:
    """A JSON file's events as ijson parses it, read as it goes, each with its depth: how
    many arrays and objects hold it (a container's start and end: those holding the
    container). ValueError when it is not JSON or nests deeper than `limit`: ijson's own
    paths grow with the depth, so `[[[[...` 100,000 deep took 2 GB to find nothing."""
    import ijson

    depth = 0
    try:
        for event, value in ijson.basic_parse(handle, use_float=True):
            if event in ("end_map", "end_array"):
                depth -= 1
            yield depth, event, value
            if event in ("start_map", "start_array"):
                depth += 1
                if depth > limit:
                    raise ValueError(f"nested more than {limit} deep")
    except ijson.JSONError as exc:
        raise ValueError(f"not JSON: {exc}") from None


def manifest_events(handle: BinaryIO) -> Iterator[tuple[int, str, object, str | None]]:
    """A manifest's events (`json_events`), each with the top-level list it is in: "cards",
    "carousels" or None. ValueError when the top value is not an object."""
    top_key: object = None
    list_name: str | None = None
    for depth, event, value in json_events(handle):
        if depth == 0 and event not in ("start_map", "end_map"):
            raise ValueError("not an object")
        if depth == 1:
            if event == "map_key":
                top_key = value
            elif event == "start_array" and top_key in ("cards", "carousels"):
                list_name = str(top_key)
            elif event == "end_array":
                list_name = None
        yield depth, event, value, list_name


def _empty_but_ours(out: Path) -> bool:
    try:
        names = [p.name for p in out.iterdir()]
    except OSError:
        return False
    return all(name in OTHER_COMMANDS and _only_pictures(out / name) for name in names)


def _only_pictures(folder: Path) -> bool:
    """A folder of PNG files and folders of them, no links: what preview and layouts write."""
    for top, dirs, files in os.walk(folder):
        for name in [*dirs, *files]:
            if Path(top, name).is_symlink():
                return False
        if any(not f.endswith(".png") for f in files):
            return False
    return stat.S_ISDIR(folder.lstat().st_mode)


def check_own_files(out: Path, card_paths: Iterable[str] = ()) -> None:
    """cardgen's own files in OUT, and the files and folders of the cards it will write, must
    be regular files and real folders (or absent): a link or a device is refused, exit 2."""
    if not out.is_dir():
        return
    _check_own(out, STATE_DIR, want_dir=True)
    for name in [*OWN_FILES, *(f"{STATE_DIR}/{n}" for n in STATE_FILES)]:
        _check_own(out, name, want_dir=False)
    folders = {STATE_DIR}  # a quote's folder holds many cards: checked once
    for path in card_paths:  # one at a time: a plan may be 100,000 cards
        parts = PurePosixPath(path).parts
        for folder in ("/".join(parts[:i]) for i in range(1, len(parts))):
            if folder not in folders:
                folders.add(folder)
                _check_own(out, folder, want_dir=True)
        _check_own(out, path, want_dir=False)
        _check_own(out, caption_path(path), want_dir=False)


def _check_own(out: Path, rel: str, *, want_dir: bool) -> None:
    try:
        info = (out / rel).lstat()
    except (FileNotFoundError, NotADirectoryError):
        return
    if stat.S_ISDIR(info.st_mode) if want_dir else stat.S_ISREG(info.st_mode):
        return
    raise InputError(
        f"{out / rel} is {_kind(info.st_mode)}, where cardgen keeps "
        + ("a folder of its own" if want_dir else "a file of its own"),
        hint="cardgen never writes through links or into special files: remove it",
    )


def caption_path(card_path: str) -> str:
    """The `.txt` of post and alt text beside a card."""
    return card_path.rsplit(".", 1)[0] + ".txt"


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a file"


# --- paths read from the manifest, the journal and the history -------------------------


def safe_relative(path: object) -> str | None:
    """`path` if it is a plain relative path inside OUT (no `..`, not absolute), else None."""
    if not isinstance(path, str) or not path or "\\" in path or "\x00" in path:
        return None
    pure = PurePosixPath(path)
    if pure.is_absolute() or any(part in ("..", ".", "") for part in path.split("/")):
        return None
    return pure.as_posix()


def card_file(path: object) -> str | None:
    """`path` if it can name a file of a card or carousel: a plain path inside OUT
    (`safe_relative`) under a selection's folder, never one of cardgen's own files or
    folders (the manifest, the review decisions, `.cardgen/`...). A record read back from
    disk that names one is not trusted to write or delete it."""
    safe = safe_relative(path)
    if safe is None or safe.split("/", 1)[0].lower() in RESERVED_NAMES:
        return None
    return safe


def open_inside(out: Path, rel: str) -> int | None:
    """A read-only descriptor of the regular file OUT/`rel`, reached through real folders
    only (no link is followed); None when it is missing, a link, a special file or `rel` is
    not a plain path inside OUT."""
    safe = safe_relative(rel)
    if safe is None:
        return None
    *folders, name = safe.split("/")
    try:
        folder = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return None
    try:
        for part in folders:
            child = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=folder)
            os.close(folder)
            folder = child
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder)
    except OSError:
        return None
    finally:
        os.close(folder)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    return fd


def hash_inside(out: Path, rel: str) -> tuple[int, str] | None:
    """(size, sha256) of the regular file OUT/`rel`, reached without following a link."""
    fd = open_inside(out, rel)
    if fd is None:
        return None
    digest = hashlib.sha256()
    size = 0
    try:
        while chunk := os.read(fd, 1 << 20):
            digest.update(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    return size, digest.hexdigest()


def read_regular(
    path: Path,
    *,
    limit: int = MAX_STATE_FILE_BYTES,
    missing_ok: bool = False,
    strict: bool = True,
) -> bytes | None:
    """The bytes of one of cardgen's own files, which must be a regular file (not a link, a
    FIFO or a device) of at most `limit` bytes. None when missing (with `missing_ok`) or, not
    `strict`, when unusable; `strict` makes an unusable file an InputError naming it."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        if missing_ok:
            return None
        raise
    except OSError as exc:
        if not strict:
            return None
        reason = "a symbolic link" if exc.errno == errno.ELOOP else exc.strerror
        raise InputError(
            f"cannot read {path}: {reason}",
            hint="cardgen reads only regular files it wrote there: remove it",
        ) from None
    try:
        info = os.fstat(fd)
        problem = None
        if not stat.S_ISREG(info.st_mode):
            problem = f"it is {_kind(info.st_mode)}, not a file cardgen wrote"
        elif info.st_size > limit:
            problem = f"it is {info.st_size:,} bytes, more than the {limit:,} cardgen writes"
        else:
            data = _read_at_most(fd, limit + 1)
            if len(data) <= limit:
                return data
            problem = f"it is more than the {limit:,} bytes cardgen writes"
    finally:
        os.close(fd)
    if not strict:
        return None
    raise InputError(f"cannot use {path}: {problem}", hint="remove it")


def _read_at_most(fd: int, size: int) -> bytes:
    chunks = []
    while size > 0:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)
