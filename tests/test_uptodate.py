"""The up-to-date check: an unchanged `cardgen render` is answered from its stamp, exactly as
the normal path would answer it, and any change goes the normal way.

Every run is a real `python -m cardgen` process under `-X importtime`, so each test also
sees which path answered: the fast path never imports `cardgen.cli`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from cardgen.batch import uptodate
from cardgen.batch.output import OutputLock
from tests.batchkit import ROOT, make_project

ARGS = ("render", "--jobs", "1")
HEAVY = ("cardgen.cli", "typer", "click", "rich", "pydantic", "PIL", "yaml", "jinja2")


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    imported: set[str]

    @property
    def fast(self) -> bool:
        return "cardgen.cli" not in self.imported


def cardgen(root: Path, *args: str, start: tuple[str, ...] = ("-m", "cardgen")) -> Run:
    """`python -X importtime -m cardgen ARGS` in `root` (`start`: another way in)."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", *start, *args],
        cwd=root,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
        check=False,
    )
    lines = result.stderr.splitlines(keepends=True)
    timing = [line for line in lines if line.startswith("import time:")]
    imported = {line.rsplit("|", 1)[-1].strip() for line in timing}
    stderr = "".join(line for line in lines if not line.startswith("import time:"))
    return Run(result.returncode, result.stdout, stderr, imported)


def output_files(out: Path) -> dict[str, tuple[bytes, int]]:
    """Every file of OUT with its bytes and mtime, but the lock and the stamp."""
    skip = {".cardgen/lock", ".cardgen/" + uptodate.STAMP}
    return {
        p.relative_to(out).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.relative_to(out).as_posix() not in skip
    }


def summary(rendered: int, cached: int) -> str:
    return (
        f"rendered {rendered} cards, {cached} cached, into output/ "
        "(manifest: output/manifest.json)\n"
    )


@pytest.fixture
def settled(tmp_path: Path) -> Path:
    """A project whose two cards were rendered, then rendered again (with other options,
    all cached), which left the stamp."""
    root = make_project(tmp_path / "proj", 2, ("bluesky",))
    first = cardgen(root, "render", "--jobs", "2")  # workers forked with this __main__
    assert first.code == 0 and first.stdout == summary(2, 0), first.stderr
    settle = cardgen(root, *ARGS)  # another command line: the normal path
    assert settle.code == 0 and settle.stdout == summary(0, 2), settle.stderr
    assert not settle.fast
    assert (root / "output" / ".cardgen" / uptodate.STAMP).is_file()
    return root


@pytest.mark.parametrize(
    "args", [ARGS, (*ARGS, "--json"), ("-v", *ARGS, "--keep-going", "-o", "output")]
)
def test_the_first_unchanged_rerun_is_answered_exactly_as_the_normal_path_would(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    """The render that drew the cards leaves the stamp: the very next run is answered from
    it, printing what the normal path prints and writing what it writes (the manifest's
    statuses turn from rendered to cached), and nothing else."""
    root = make_project(tmp_path / "proj", 2, ("bluesky",))
    brand = root / "layouts" / "brands" / "happy-as-a-mother.yaml"  # contrast warnings too
    brand.write_text(brand.read_text().replace('text: "#2b2321"', 'text: "#8a7d72"'))
    first = cardgen(root, *args)
    assert first.code == 0 and not first.fast, first.stderr
    out = root / "output"
    before = output_files(out)

    fast = cardgen(root, *args)
    assert fast.fast and fast.code == 0, fast.stderr
    assert not {m for m in fast.imported if m.split(".")[0] in HEAVY or m in HEAVY}
    after = output_files(out)
    assert {name for name in after if after[name] != before.get(name)} == {"manifest.json"}
    rendered, cached = b'"status": "rendered"', b'"status": "cached"'
    assert after["manifest.json"][0] == before["manifest.json"][0].replace(rendered, cached)

    (out / ".cardgen" / uptodate.STAMP).unlink()
    normal = cardgen(root, *args)
    assert not normal.fast and "typer" in normal.imported  # the check above can fail
    assert (normal.code, normal.stdout, normal.stderr) == (fast.code, fast.stdout, fast.stderr)
    assert output_files(out) == after  # the normal path had nothing left to write
    assert "warning: " in fast.stderr and "contrast" in fast.stderr
    if "--json" in args:
        events = [json.loads(line) for line in fast.stdout.splitlines()]
        assert [e["event"] for e in events] == ["start", "card", "card", "done"]
        assert {e.get("status") for e in events} == {None, "cached"}
    again = cardgen(root, *args)  # the normal path left a stamp again
    assert again.fast and again.stdout == fast.stdout and output_files(out) == after


# `python -m cardgen`, with a library that adds a folder to `sys.path` when the render
# imports it, as setuptools' `pkg_resources` (imported by `twitter_text`) does since
# setuptools 70: a venv with the `bench` extra has such a setuptools.
_ADDS_TO_SYS_PATH = """
import importlib.abc, runpy, sys

vendor = sys.argv.pop(1)

class AddsToSysPath(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == "cardgen.cli" and vendor not in sys.path:
            sys.path.append(vendor)
        return None

sys.meta_path.insert(0, AddsToSysPath())
runpy.run_module("cardgen", run_name="__main__", alter_sys=True)
"""


def test_a_library_adding_to_sys_path_during_a_render_leaves_a_stamp_that_answers(
    tmp_path: Path,
) -> None:
    """The stamp keeps the interpreter's search path as cardgen started, as the fast path
    sees it, not as the render left it: whatever the installed packages do on import."""
    root = make_project(tmp_path / "proj", 2, ("bluesky",))
    vendor = tmp_path / "site-packages" / "setuptools" / "_vendor"
    vendor.mkdir(parents=True)
    start = ("-c", _ADDS_TO_SYS_PATH, str(vendor))
    first = cardgen(root, *ARGS, start=start)
    assert first.code == 0 and not first.fast, first.stderr
    again = cardgen(root, *ARGS, start=start)
    assert again.fast and again.code == 0, again.stderr
    assert again.stdout == summary(0, 2)


def test_a_project_with_carousels_is_answered_as_the_normal_path_would(tmp_path: Path) -> None:
    """Carousels are cached like cards: the stamp's settle turns the cards' and the
    carousels' statuses to cached and replays the carousel events as cached, so the answer
    is what the normal path prints and writes; and the normal path, run next, changes no
    file, not even the review page's stamp (its digest leaves statuses out)."""
    from tests.test_carousels import make_project as carousel_project

    one = "carousels:\n  - id: letters\n    slides: [cover, seeds, closing]\n"
    root = carousel_project(tmp_path / "proj", one)
    args = (*ARGS, "--json")
    first = cardgen(root, *args)
    assert first.code == 0 and not first.fast, first.stderr
    fast = cardgen(root, *args)
    assert fast.fast and fast.code == 0, fast.stderr
    events = [json.loads(line) for line in fast.stdout.splitlines()]
    assert [e["event"] for e in events][-2:] == ["carousel", "done"]
    assert events[-2]["status"] == "cached"
    manifest = json.loads((root / "output" / "manifest.json").read_text(encoding="utf-8"))
    assert {card["status"] for card in manifest["cards"]} == {"cached"}
    assert [c["status"] for c in manifest["carousels"]] == ["cached"]

    after = output_files(root / "output")
    (root / "output" / ".cardgen" / uptodate.STAMP).unlink()
    normal = cardgen(root, *args)
    assert not normal.fast
    assert (normal.code, normal.stdout, normal.stderr) == (fast.code, fast.stdout, fast.stderr)
    assert output_files(root / "output") == after


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def edit_selection(root: Path) -> None:
    replace_in(root / "quotes" / "weekly.yaml", "id: q001", "id: q901")


def edit_article(root: Path) -> None:
    replace_in(root / "quotes" / "articles" / "weekly.txt", "Note 1:", "Note one:")


def edit_layout(root: Path) -> None:
    replace_in(root / "layouts" / "classic.yaml", "line_height: 1.22", "line_height: 1.3")


def edit_brand(root: Path) -> None:
    replace_in(root / "layouts" / "brands" / "happy-as-a-mother.yaml", '"#c0503a"', '"#b0402a"')


def add_font(root: Path) -> None:
    font = next((ROOT / "fonts" / "inter").glob("*.otf"))
    (root / "fonts").mkdir()
    shutil.copy(font, root / "fonts" / font.name)


def add_selection(root: Path) -> None:
    shutil.copy(root / "quotes" / "weekly.yaml", root / "quotes" / "second.yaml")


def delete_card(root: Path) -> None:
    (root / "output" / "weekly" / "q000" / "bluesky.png").unlink()


def edit_card(root: Path) -> None:
    with (root / "output" / "weekly" / "q001" / "bluesky.png").open("ab") as handle:
        handle.write(b"\0")


def tamper_version(root: Path) -> None:
    stamp = root / "output" / ".cardgen" / uptodate.STAMP
    body = json.loads(stamp.read_text(encoding="utf-8"))
    body["cardgen"] = "0.0.1"
    stamp.write_text(json.dumps(body), encoding="utf-8")


CHANGES = [
    (edit_selection, 0, summary(1, 1), ""),
    (edit_article, 1, "", "quote 'q001' not found"),
    (edit_layout, 0, summary(2, 0), ""),
    (edit_brand, 0, summary(2, 0), ""),
    (add_font, 0, summary(2, 0), ""),
    (add_selection, 0, summary(2, 2), ""),
    (delete_card, 0, summary(1, 1), ""),
    (edit_card, 0, summary(1, 1), ""),
    (tamper_version, 0, summary(0, 2), ""),
]


@pytest.mark.parametrize(
    ("change", "code", "stdout", "message"), CHANGES, ids=[c[0].__name__ for c in CHANGES]
)
def test_a_change_goes_the_normal_way_and_does_the_right_thing(
    settled: Path, change: Callable[[Path], None], code: int, stdout: str, message: str
) -> None:
    change(settled)
    run = cardgen(settled, *ARGS)
    assert not run.fast
    assert run.code == code, run.stderr
    assert run.stdout == stdout
    assert message in run.stderr
    if code == 0:  # settled again: the next run is answered at once, every card cached
        words = stdout.split()
        total = int(words[1]) + int(words[3])
        again = cardgen(settled, *ARGS)
        assert again.fast and again.code == 0 and again.stdout == summary(0, total)


def test_files_only_touched_still_count_as_unchanged(settled: Path) -> None:
    for path in [settled / "quotes" / "weekly.yaml", settled / "layouts" / "classic.yaml"]:
        path.write_bytes(path.read_bytes())  # new times, same bytes
    run = cardgen(settled, *ARGS)
    assert run.fast and run.stdout == summary(0, 2)


@pytest.mark.parametrize(
    "args",
    [
        (*ARGS, "--force"),
        (*ARGS, "--dry-run"),
        (*ARGS, "--pick", "5"),
        ("render", "--jobs", "2"),
        (*ARGS, "--platform", "bluesky"),
        (*ARGS, "--json"),
    ],
)
def test_other_options_go_the_normal_way(settled: Path, args: tuple[str, ...]) -> None:
    run = cardgen(settled, *args)
    assert not run.fast and run.code == 0, run.stderr
    if "--force" in args:
        assert run.stdout == summary(2, 0)


def test_a_held_lock_goes_the_normal_way(settled: Path) -> None:
    with OutputLock(settled / "output"):
        run = cardgen(settled, *ARGS)
    assert not run.fast and run.code == 2
    assert "being written by another cardgen run" in run.stderr


def test_a_killed_runs_journal_or_temporary_file_goes_the_normal_way(settled: Path) -> None:
    out = settled / "output"
    tmp = out / "weekly" / "q000" / ".bluesky.png.cardgen-0123abcd.tmp"
    tmp.write_bytes(b"half a card")
    run = cardgen(settled, *ARGS)
    assert not run.fast and run.stdout == summary(0, 2)
    assert not tmp.exists()  # the normal path cleans up
    journal = out / ".cardgen" / "journal.jsonl"
    journal.write_text("", encoding="utf-8")
    run = cardgen(settled, *ARGS)
    assert not run.fast and run.stdout == summary(0, 2)
    assert not journal.exists()
    assert cardgen(settled, *ARGS).fast


def test_an_edited_caption_file_is_written_again_by_the_normal_way(settled: Path) -> None:
    caption = settled / "output" / "weekly" / "q000" / "bluesky.txt"
    right = caption.read_bytes()
    caption.write_text("edited", encoding="utf-8")
    run = cardgen(settled, *ARGS)
    assert not run.fast and run.stdout == summary(0, 2)
    assert caption.read_bytes() == right


@pytest.mark.parametrize(
    ("argv", "out"),
    [
        (["render"], "output"),
        (["-v", "render", "a.yaml", "--out", "x", "--json"], "x"),
        (["render", "--out=x/{week}", "-p", "x", "--layout", "bold"], "x/{week}"),
        (["render", "-o", "a", "-o", "b"], "b"),
        (["render", "--force"], "output"),  # found, but a --force render leaves no stamp
        (["render", "--", "--out", "x"], "output"),
        (["render", "--out"], "output"),
        (["check"], None),
        (["--version", "render"], None),
        ([], None),
    ],
)
def test_where_the_stamp_of_a_command_line_would_be(argv: list[str], out: str | None) -> None:
    found = uptodate.stamp_folder(argv)
    assert (str(found) if found is not None else None) == out


@pytest.mark.parametrize(
    "args", [(*ARGS, "--force"), (*ARGS, "--dry-run"), (*ARGS, "--pick", "1"), (*ARGS, "-ox")]
)
def test_options_whose_rerun_differs_leave_no_stamp(settled: Path, args: tuple[str, ...]) -> None:
    """--force draws every card, --dry-run writes nothing, --pick chooses other quotes each
    time; `-ox` renders into x/, where a stamp would not be looked for."""
    for _ in range(3):
        run = cardgen(settled, *args)
        assert not run.fast and run.code == 0, run.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_output_that_cannot_be_written_is_one_line_and_exit_2_both_ways(settled: Path) -> None:
    runs = []
    for fast in (True, False):
        if not fast:
            (settled / "output" / ".cardgen" / uptodate.STAMP).unlink()
        with Path("/dev/full").open("w") as full:
            result = subprocess.run(
                [sys.executable, "-m", "cardgen", *ARGS],
                cwd=settled,
                stdout=full,
                stderr=subprocess.PIPE,
                text=True,
                check=False,
            )
        runs.append((result.returncode, result.stderr))
    assert runs[0] == runs[1]
    assert runs[0][0] == 2 and runs[0][1].startswith("error: cannot access")
    assert runs[0][1].count("\n") == 1


@pytest.mark.parametrize(
    ("argv", "project", "rest"),
    [
        (["-C", "cards", "render"], "cards", ["render"]),
        (
            ["-q", "--project", "/srv/cards", "render", "-o", "x"],
            "/srv/cards",
            ["-q", "render", "-o", "x"],
        ),
        (["--project=cards", "-v", "render"], "cards", ["-v", "render"]),
        (["-Ccards", "render"], "cards", ["render"]),
        (["render", "-C", "cards"], None, ["render", "-C", "cards"]),  # an option of render
        (["--version", "-C", "cards"], None, ["--version", "-C", "cards"]),
    ],
)
def test_the_project_folder_of_a_command_line(
    argv: list[str], project: str | None, rest: list[str]
) -> None:
    assert uptodate.split_project(argv) == (project, rest)


def test_a_render_named_by_dash_C_is_answered_from_anywhere(settled: Path, tmp_path: Path) -> None:
    """`cardgen -C DIR render` (a scheduled job's way) leaves the stamp that answers it when
    run again from any folder, and a run started in DIR without -C; the project found
    above a `-C` subfolder goes the normal way."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (settled / "output" / ".cardgen" / uptodate.STAMP).unlink()
    first = cardgen(elsewhere, "-C", str(settled), *ARGS)
    assert first.code == 0 and not first.fast and first.stdout == summary(0, 2), first.stderr
    assert (settled / "output" / ".cardgen" / uptodate.STAMP).is_file()
    assert not (elsewhere / "output").exists()
    for where, args in ((elsewhere, ("-C", str(settled))), (settled.parent, ("-C", "proj"))):
        again = cardgen(where, *args, *ARGS)
        assert again.fast and again.code == 0 and again.stdout == summary(0, 2), again.stderr
    assert cardgen(settled, *ARGS).fast
    below = cardgen(elsewhere, "-C", str(settled / "quotes"), *ARGS)
    assert not below.fast and below.code == 0 and below.stdout == summary(0, 2), below.stderr
