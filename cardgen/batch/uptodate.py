"""The up-to-date check: an unchanged `cardgen render` answered without rendering, like make.

Every successful render leaves a stamp, `OUT/.cardgen/uptodate.json`: its command line and
folder, every file it read or searched (selections, articles, layouts, brands, pictures,
fonts, cardgen's own files, the installed packages), the files of the output folder (each
one's size, times and inode, held as a count and one sum: `_out_files`), and what an
unchanged rerun prints (every card cached). The
same command run again, with every one of those files as it was, prints that and exits 0
without importing the CLI, pydantic or Pillow (`cardgen.__main__`); after a render that drew
cards, it first turns the manifest's `rendered` statuses into `cached`, as the rerun would.
Any doubt (another option, a changed file, a lock held, a journal) takes the normal path,
which verifies everything and records a new stamp. Only the standard library is imported here.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import chdir, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cardgen.batch.folder import MANIFEST, Sig
from cardgen.batch.folder import signature as _sig

if TYPE_CHECKING:
    from cardgen.batch.folder import WrittenFiles
    from cardgen.batch.plan import RenderReport

Transcript = list[tuple[bool, str]]  # (to stderr, text with its newline), in order

STAMP = "uptodate.json"
FORMAT = 3  # 2: the stamp of a render that drew cards settles its manifest first; 3: the
# output folder as a count and a sum
_HASHED = 1 << 20  # input files up to this size keep a content hash: a touched file still counts
# A file whose change time is this close to the run's start may have changed during it. File
# times come from the kernel's coarse clock (a tick, at most 10 ms, behind); whole seconds
# mean a file system that keeps only seconds (or two, FAT).
_TICK_NS = 20_000_000
_COARSE_NS = 2_000_000_000

_GLOBAL_FLAGS = {"-v", "-vv", "--verbose", "-q", "--quiet", "--no-color"}


def stamp_folder(argv: list[str], default_out: str = "output") -> Path | None:
    """The OUT of a `render` command line (its last `--out`/`-o`, else `default_out`: the
    project's, from `cardgen.toml` or `CARDGEN_OUT`), where the stamp answering it would
    be; None for any other command.

    Only a locator: whether a render may be answered at all is decided when its stamp is
    written, from the options the render itself ran with (its `RenderOptions`); a stamp
    answers exactly the command line it holds.
    """
    rest = list(argv)
    while rest and rest[0] in _GLOBAL_FLAGS:
        rest.pop(0)
    if not rest or rest.pop(0) != "render":
        return None
    out = default_out
    for index, token in enumerate(rest):
        if token == "--":
            break
        name, eq, value = token.partition("=")
        if eq and name == "--out":
            out = value
        elif token in ("--out", "-o") and index + 1 < len(rest):
            out = rest[index + 1]
    return Path(out)


def _stat(path: str) -> Sig | None:
    try:
        return _sig(Path(path).stat())
    except FileNotFoundError:
        return None


def _walk(top: str, recursive: bool, *, follow: bool = True) -> dict[str, Sig | None] | None:
    """Every file under `top` (relative path -> signature), None when `top` is no folder.

    Symbolic links are followed, as the renderer follows them (a broken one is None).
    Raises OSError for a folder that cannot be listed.
    """
    if not Path(top).is_dir():
        return None
    return dict(_files(top, recursive, follow=follow))


def _files(top: str, recursive: bool, *, follow: bool = True) -> Iterator[tuple[str, Sig | None]]:
    """Every file under `top` as (relative path, signature), one at a time, in the order
    the folders list them. Symbolic links are followed, but not with `follow` False (the
    output folder, where cardgen follows none: a link there to `/` would walk the whole
    disk)."""
    seen: set[tuple[int, int]] = set()
    stack = [("", top)]
    while stack:
        prefix, folder = stack.pop()
        stat = Path(folder).stat()
        if (stat.st_dev, stat.st_ino) in seen:
            continue  # a link loop
        seen.add((stat.st_dev, stat.st_ino))
        with os.scandir(folder) as entries:
            for entry in entries:
                name = prefix + entry.name
                if entry.is_dir(follow_symlinks=follow):
                    if recursive and entry.name != "__pycache__":
                        stack.append((name + "/", entry.path))
                    continue
                try:
                    yield name, _sig(entry.stat(follow_symlinks=follow))
                except FileNotFoundError:
                    yield name, None


# The output folder's files are many (three a card: 300,000 for 100,000 cards): the stamp
# holds their count and one sum of a digest of each (name, signature), which any order of
# listing gives alike, never the list itself.
_SUM = 1 << 128
_IGNORED = {".cardgen/lock", ".cardgen/" + STAMP, MANIFEST}  # the manifest: apart, settled


def _out_files(out: str, trusted: Callable[[str, Sig], bool] | None = None) -> list[Any] | None:
    """[count, sum] of the output folder's files but the lock, the stamp and the manifest
    (which settling a rerun rewrites: the stamp keeps its signature apart). With `trusted`,
    None as soon as a file is not (see `_settled`)."""
    count, total = 0, 0
    if not Path(out).is_dir():
        return [0, "0"]
    for name, sig in _files(out, recursive=True, follow=False):
        if name in _IGNORED:
            continue
        if trusted is not None and sig is not None and not trusted(name, sig):
            return None
        digest = hashlib.blake2b(f"{name}\0{sig}".encode("utf-8", "surrogateescape"))
        count, total = count + 1, (total + int.from_bytes(digest.digest()[:16], "big")) % _SUM
    return [count, f"{total:x}"]


def _join(top: str, name: str) -> str:
    return str(Path(top, name))


def _hash(path: str) -> str:
    from cardgen.inputs import open_regular

    handle = open_regular(path)  # a FIFO or /dev/zero in a listed folder is never read
    if handle is None:
        return "not a regular file"
    with handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _python() -> list[Any]:
    """The interpreter and its search path as cardgen starts, before it imports anything
    but this module: what the fast path sees. (A library may add to `sys.path` as it is
    imported during a render: setuptools' `pkg_resources`, which `twitter_text` imports,
    adds its `_vendor` folder since setuptools 70.)"""
    # sys.path[0] is the script's folder or the current one: the folder is compared apart.
    return [sys.executable, sys.version, sys.path[1:]]


def _package_dirs(python: list[Any]) -> list[str]:
    """The site-packages folders on the search path of `python` (`_python`)."""
    paths: list[str] = python[2]
    return sorted(p for p in set(paths) if p.endswith("-packages") and Path(p).is_dir())


def _package_dir() -> str:
    return str(Path(__file__).resolve().parents[1])  # the cardgen package


# --- the fast path ---------------------------------------------------------------------


def split_project(argv: list[str]) -> tuple[str | None, list[str]]:
    """The folder of a `-C DIR` / `--project DIR` before the command, and the command line
    without it: a run is stamped and answered as if started in DIR."""
    rest, project, index = list(argv), None, 0
    while index < len(rest) and rest[index].startswith("-"):
        token = rest[index]
        if token in ("-C", "--project") and index + 1 < len(rest):
            project = rest.pop(index + 1)
        elif token.startswith("--project="):
            project = token.partition("=")[2]
        elif token.startswith("-C") and not token.startswith("--"):
            project = token[2:]
        elif token in _GLOBAL_FLAGS:
            index += 1
            continue
        else:
            break
        del rest[index]
    return project, rest


def answer(argv: list[str]) -> bool:
    """Print what `cardgen ARGV` would and return True if its stamp proves nothing changed.

    False means the normal path must run: nothing was printed or written (and the
    process is where it was started).
    """
    project, argv = split_project(argv)
    if project is None:
        return _answer(argv)
    try:
        with chdir(project):
            return _answer(argv)
    except OSError:  # no such folder: the CLI says why
        return False


def _answer(argv: list[str]) -> bool:
    if stamp_folder(argv) is None:
        return False
    from cardgen.batch.folder import STATE_DIR, is_marked, read_regular

    try:
        settings = _settings()
        if settings["root"] != str(Path.cwd()):
            return False  # started in a subfolder: the CLI finds the project above
        out = _expanded(_located(argv, settings))
        if not is_marked(out):  # only a folder that is cardgen's: else the normal path says why
            return False
        data = read_regular(out / STATE_DIR / STAMP, strict=False)
        stamp = json.loads(data or b"")
        if not isinstance(stamp, dict) or not _same_request(stamp, argv, out, settings):
            return False
        chunks = [(bool(err), str(text)) for err, text in stamp["transcript"]]
        for err, text in chunks:  # a line this terminal cannot show: let the CLI decide
            stream = sys.stderr if err else sys.stdout
            text.encode(stream.encoding or "utf-8")
        if not _unchanged_under_lock(stamp, out):
            return False
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return False  # a stamp cardgen did not write, or one torn: the normal path redoes it
    for err, text in chunks:
        stream = sys.stderr if err else sys.stdout
        try:
            stream.write(text)
            stream.flush()
        except BrokenPipeError:  # the reader left: quietly, with SIGPIPE's status, as the CLI
            os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
            sys.exit(141)
        except OSError as exc:  # as the CLI does: a full disk is one line and exit 2
            from cardgen.errors import EXIT_INPUT, os_error_line

            with suppress(OSError):
                sys.stderr.write(f"error: {os_error_line(exc)}\n")
            sys.exit(EXIT_INPUT)
    return True


def _expanded(out: Path) -> Path:
    from cardgen.batch.output import expand_out
    from cardgen.errors import CardgenError

    try:
        return expand_out(out)
    except CardgenError as exc:  # the CLI reports a bad placeholder
        raise ValueError(exc.message) from None


def _settings() -> dict[str, Any]:
    """The project's effective settings (its file and the environment), as `cardgen config
    --json` shows them. Raises ValueError when they are unusable: the normal path says why.
    """
    from cardgen.config import find_project, load_settings
    from cardgen.errors import CardgenError

    try:
        return load_settings(find_project(Path.cwd())).as_json()
    except CardgenError as exc:
        raise ValueError(exc.message) from None


def _located(argv: list[str], settings: dict[str, Any]) -> Path:
    out = stamp_folder(argv, settings["settings"]["out"]["value"])
    if out is None:
        raise ValueError("not a render")
    return out


def _same_request(
    stamp: dict[str, Any], argv: list[str], out: Path, settings: dict[str, Any]
) -> bool:
    from cardgen import __version__

    return bool(
        stamp.get("format") == FORMAT
        and stamp.get("settings") == settings
        and stamp["cardgen"] == __version__
        and stamp["argv"] == argv
        and stamp["cwd"] == str(Path.cwd())
        and stamp["out"] == str(out)
        and stamp["python"] == _python()
        and stamp["package"] == _package_dir()
    )


def _unchanged_under_lock(stamp: dict[str, Any], out: Path) -> bool:
    from cardgen.batch.folder import STATE_DIR
    from cardgen.batch.output import JOURNAL, OutputLock
    from cardgen.errors import CardgenError

    try:
        lock = OutputLock(out)
        lock.__enter__()
    except CardgenError:  # another run is writing OUT
        return False
    try:
        if (out / STATE_DIR / JOURNAL).exists():  # a killed run's cards: the normal path
            return False
        if not _unchanged(stamp, str(out)):
            return False
        return not stamp.get("settle") or _settle(stamp, out)
    finally:
        lock.__exit__(None, None, None)


def _settle(stamp: dict[str, Any], out: Path) -> bool:
    """Write the manifest as the first rerun after a render writes it, its `rendered` cards
    now `cached` (the only change such a rerun makes), and keep the stamp true of OUT."""
    from cardgen.batch.output import manifest_lines, manifest_statuses, write_inside
    from cardgen.errors import CardgenError

    # The manifest is as the render wrote it (its signature is the stamp's): the status
    # lines are replaced in its text, which is what writing it again would give, without
    # the ~50 ms of encoding 300 cards' records again. Read and written as it goes: a
    # manifest of 100,000 cards is ~500 MB of JSON.
    path = out / MANIFEST
    try:
        rendered = sum(status == "rendered" for status in manifest_statuses(path))
        if sum(line == _RENDERED for line in manifest_lines(path)) != rendered:
            return False
        settled = (_CACHED if line == _RENDERED else line for line in manifest_lines(path))
        write_inside(out, MANIFEST, _pieces(settled), durable=True)
        stamp["manifest"] = _stat(str(out / MANIFEST))
        stamp["settle"] = False
        _write_stamp_file(out, stamp)
    except (CardgenError, OSError, ValueError):  # the normal path redoes it and the stamp
        return False
    return True


def _pieces(lines: Iterable[bytes], size: int = 1 << 16) -> Iterator[bytes]:
    """`lines` joined into pieces of about `size` bytes, to be written a piece at a time."""
    pending: list[bytes] = []
    held = 0
    for line in lines:
        pending.append(line)
        held += len(line)
        if held >= size:
            yield b"".join(pending)
            pending, held = [], 0
    yield b"".join(pending)


# A card's status line in the manifest (`output.pretty_json`: cards at 4 spaces, keys at 6);
# never inside a string, where a quote is always escaped.
_RENDERED = b'      "status": "rendered",\n'
_CACHED = b'      "status": "cached",\n'


def _write_stamp_file(out: Path, stamp: dict[str, Any]) -> None:
    from cardgen.batch.folder import STATE_DIR
    from cardgen.batch.output import write_inside

    body = json.dumps(stamp, ensure_ascii=False, separators=(",", ":"))
    write_inside(out, f"{STATE_DIR}/{STAMP}", body.encode("utf-8"))


def _unchanged(stamp: dict[str, Any], out: str) -> bool:
    if _stat(_join(out, MANIFEST)) != stamp["manifest"] or _out_files(out) != stamp["output"]:
        return False
    for path, sig in stamp["dirs"].items():
        if _stat(path) != sig:
            return False
    hashes: dict[str, str] = stamp["hashes"]
    for path, sig in stamp["files"].items():
        if not _same_file(path, _stat(path), sig, hashes):
            return False
    for top, tree in stamp["trees"].items():
        recursive, files = tree
        now = _walk(top, recursive)
        if now is None or files is None:
            if now != files:
                return False
            continue
        if now.keys() != files.keys():
            return False
        for name, sig in files.items():
            if not _same_file(_join(top, name), now[name], sig, hashes):
                return False
    return True


def _same_file(path: str, now: Sig | None, then: Sig | None, hashes: dict[str, str]) -> bool:
    """Unchanged by its signature, or (touched, copied back) by its content."""
    if now == then:
        return True
    if now is None or then is None or now[0] != then[0] or path not in hashes:
        return False
    return _hash(path) == hashes[path]


# --- recording, on the normal path -------------------------------------------------------


class Recorder:
    """What one `cardgen render` process keeps for its stamp: its command line, when it
    started, and (from the CLI) the render's report and what an unchanged rerun prints.
    Made by `arm`, handed to the CLI, asked to `record` once the CLI is done."""

    def __init__(
        self, argv: list[str], start_ns: int, read_ns: int, project: str | None = None
    ) -> None:
        self.argv = argv  # without `-C DIR`: the stamp holds DIR as `cwd`
        # Where it was started, or the `-C` folder (the CLI may move to the project above).
        self.cwd = str(Path.cwd() if project is None else (Path.cwd() / project).resolve())
        self.start_ns = start_ns  # when the process began, before cardgen's own code was read
        self.read_ns = read_ns  # before the run read any project or output file
        # As the fast path will see it: what the run imports may change `sys.path`.
        self.python = _python()
        self.transcript: Transcript = []
        self.report: RenderReport | None = None
        self.armed = True

    @classmethod
    def arm(cls, argv: list[str], start_ns: int, read_ns: int) -> Recorder | None:
        """A recorder for `argv` when it is a render a stamp could answer, else None."""
        project, rest = split_project(argv)
        if stamp_folder(rest) is None:
            return None
        return cls(rest, start_ns, read_ns, project)

    def disarm(self) -> None:
        """No stamp for this run: it works in another folder than `cwd` (the project found
        above the folder it was started in, or above `-C DIR`), which the fast path never
        answers for."""
        self.armed = False

    def note_render(self, report: RenderReport, rerun: Transcript) -> None:
        """The CLI's render finished with `report`; `rerun` is what the CLI would print for
        the same command run again unchanged (every card cached)."""
        self.report = report
        self.transcript = list(rerun)

    def record(self, exit_code: int) -> bool:
        """After the CLI returned: write the stamp if the run settled OUT; True when written.

        Settled means exit 0, no card failed, options an unchanged rerun repeats (not
        --force, --dry-run or --pick), and no file read or listed changed since the run
        started (but those it wrote itself). A stamp is an optimisation: any problem
        writing it just leaves none.
        """
        report = self.report
        if (
            not self.armed
            or exit_code != 0
            or report is None
            or not report.options.stampable
            or report.failures
            or not report.rerun_events  # no rerun to answer (a run that stopped early)
            or any("\x1b" in text for _, text in self.transcript)  # click strips ANSI codes
        ):
            return False
        try:
            with chdir(self.cwd):  # where the run worked, as the fast path will (`-C DIR`)
                return _write_stamp(self, report)
        except Exception:  # an optimisation must never fail the command it follows
            return False


def _write_stamp(recorder: Recorder, report: RenderReport) -> bool:
    from cardgen import __version__
    from cardgen.batch.output import OutputLock
    from cardgen.errors import CardgenError

    out = Path(report.out)
    settings = _settings()
    if _expanded(_located(recorder.argv, settings)) != out:  # the fast path looks elsewhere
        return False
    try:
        lock = OutputLock(out)
        lock.__enter__()
    except CardgenError:
        return False
    try:
        stamp = {
            "format": FORMAT,
            "cardgen": __version__,
            "argv": recorder.argv,
            "cwd": recorder.cwd,
            "settings": settings,
            "out": str(out),
            "python": recorder.python,
            "package": _package_dir(),
            "transcript": recorder.transcript,
            **_inputs(report.inputs, recorder.python),
            "manifest": _stat(str(out / MANIFEST)),
            # Cards and carousels drawn by this run are `rendered` in the manifest; a rerun
            # says `cached`.
            "settle": bool(report.counts.get("rendered") or report.carousels_drawn),
        }
        if not _settled(stamp, recorder, report.written, str(out)):
            return False
        top = str(out.absolute()).rstrip("/") + "/"  # joined as strings: no Path a file

        def trusted(name: str, sig: Sig) -> bool:
            return _kept(top + name, sig, recorder.read_ns, report.written)

        stamp["output"] = _out_files(str(out), trusted)
        if stamp["output"] is None:
            return False
        _write_stamp_file(out, stamp)
        return True
    finally:
        lock.__exit__(None, None, None)


def _inputs(files: list[Path], python: list[Any]) -> dict[str, Any]:
    """Everything the run read or searched, as the fast path will compare it."""
    from cardgen.inputs import bundled_dir
    from cardgen.typography.fontfiles import font_folders

    root = Path.cwd()
    trees: dict[str, Any] = {}
    folders = [
        root / "layouts",
        bundled_dir("layouts"),
        root / "fonts",
        *font_folders(root),
        Path(_package_dir()),
    ]
    for folder in folders:
        top = str(folder.absolute())
        trees[top] = [True, _walk(top, recursive=True)]
    # With no selection named, every quotes/*.yaml is one: a new file there counts.
    top = str((root / "quotes").absolute())
    trees.setdefault(top, [False, _walk(top, recursive=False)])
    named = {str(path.absolute()): _stat(str(path.absolute())) for path in files}
    hashes = {}
    for path, sig in named.items():
        if sig is not None and sig[0] <= _HASHED:
            hashes[path] = _hash(path)
    for top, (_, tree) in trees.items():
        for name, sig in (tree or {}).items():
            if sig is not None and sig[0] <= _HASHED:
                hashes[_join(top, name)] = _hash(_join(top, name))
    dirs = {path: _stat(path) for path in _package_dirs(python)}
    return {"files": named, "trees": trees, "dirs": dirs, "hashes": hashes}


def _settled(stamp: dict[str, Any], recorder: Recorder, written: WrittenFiles, out: str) -> bool:
    """No file of the stamp changed after the run read it, but those the run wrote itself
    (the output folder's files are tested by `_out_files`, as their sum is made).

    The run verified what it read when it read it; a file changed since (by another
    program) would make the stamp vouch for contents the run never saw. cardgen's own files
    and the installed packages were read from the process's start, the rest after `read_ns`.
    """
    signatures: list[tuple[str, Sig | None, int]] = [
        (_join(str(Path(out).absolute()), MANIFEST), stamp["manifest"], recorder.read_ns)
    ]
    signatures += [(path, sig, recorder.read_ns) for path, sig in stamp["files"].items()]
    signatures += [(path, sig, recorder.start_ns) for path, sig in stamp["dirs"].items()]
    package = _package_dir()
    for top, (_, tree) in stamp["trees"].items():
        read = recorder.start_ns if top == package else recorder.read_ns
        signatures += [(_join(top, name), sig, read) for name, sig in (tree or {}).items()]
    return all(sig is None or _kept(path, sig, read, written) for path, sig, read in signatures)


def _kept(path: str, sig: Sig, read: int, written: WrittenFiles) -> bool:
    """The file did not change after `read`, or is as the run wrote it."""
    ctime = sig[2]
    margin = _COARSE_NS if ctime % 1_000_000_000 == 0 else _TICK_NS
    return ctime < read - margin or written.holds(path, sig)
