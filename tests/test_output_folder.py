"""Nothing outside OUT, nothing lost: the output folder is cardgen's only when it says so,
no link inside it is followed, only cardgen's own files are deleted, and a full disk
leaves a manifest that tells the truth."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.batchkit import make_project
from tests.helpers import disk_full_at, run_cli
from tests.killkit import assert_folder_true, journal_paths, rerun

MARKER = Path(".cardgen") / "output-folder.json"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_project(tmp_path / "proj", 3, ("bluesky", "x"))
    monkeypatch.chdir(root)
    return root


def tree(root: Path) -> dict[str, str]:
    """Every file under `root` (links as their target) with a hash of its bytes."""
    found = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            found[rel] = f"-> {path.readlink()}"
        elif path.is_file():
            found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def render(*args: str) -> tuple[int, str]:
    code, _stdout, stderr = run_cli("render", "--jobs", "1", *args)
    assert "Traceback" not in stderr
    return code, stderr


def one_error(stderr: str, *fragments: str) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


# --- whose folder --------------------------------------------------------------------


def website(root: Path) -> Path:
    site = root / "site"
    (site / "blog" / "drafts").mkdir(parents=True)
    (site / "index.html").write_text("<h1>my site</h1>")
    (site / "manifest.json").write_text('{"name": "my web app", "icons": []}')
    (site / "blog" / "drafts" / ".chapter.md.tmp").write_text("an editor's autosave")
    return site


def test_a_folder_that_is_not_cardgen_s_is_refused_untouched(project: Path) -> None:
    site = website(project)
    before = tree(site)
    code, stderr = render("--out", "site")
    assert code == 2
    one_error(stderr, "site is not empty and is not a cardgen output folder", "--adopt")
    assert tree(site) == before


def test_adopt_takes_a_folder_over_and_deletes_nothing_of_its_own(project: Path) -> None:
    site = website(project)
    code, stderr = render("--out", "site", "--adopt")
    assert code == 0, stderr
    assert (site / MARKER).is_file()
    assert (site / "blog" / "drafts" / ".chapter.md.tmp").read_text() == "an editor's autosave"
    assert_folder_true(site, exact=True)
    code, stderr = render("--out", "site")  # marked now: no --adopt needed
    assert code == 0, stderr


def test_a_folder_of_an_earlier_cardgen_is_recognised(project: Path) -> None:
    assert render()[0] == 0
    out = project / "output"
    (out / MARKER).unlink()  # as an earlier version left it: a manifest and .cardgen/
    code, stderr = render()
    assert code == 0, stderr
    assert (out / MARKER).is_file()
    shutil.rmtree(out / ".cardgen")  # the manifest alone says so too
    assert render()[0] == 0


def test_preview_and_layout_thumbnails_do_not_make_output_foreign(project: Path) -> None:
    (project / "output" / "preview" / "weekly").mkdir(parents=True)
    (project / "output" / "preview" / "weekly" / "q000.png").write_bytes(b"\x89PNG")
    (project / "output" / "layouts").mkdir()
    (project / "output" / "layouts" / "classic.png").write_bytes(b"\x89PNG")
    code, stderr = render()
    assert code == 0, stderr


@pytest.mark.parametrize(
    "where", ["/", "home", ".", "quotes", "..", "quotes/articles", "layouts", "fonts"]
)
def test_out_that_is_root_home_the_project_or_holds_inputs_is_refused(
    project: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    if where == "home":
        monkeypatch.setenv("HOME", str(project / "quotes"))  # a home that holds the inputs too
        monkeypatch.setenv("HOME", str(project.parent))
        where = str(project.parent)
    before = tree(project)
    code, stderr = render("--out", where, "--adopt")  # --adopt does not override this
    assert code == 2
    one_error(stderr, "refusing to write into")
    assert tree(project) == before


@pytest.mark.parametrize("name", ["manifest.json", "index.html", "captions.csv", "Layouts"])
def test_a_selection_named_like_cardgen_s_own_files_fails_before_writing(
    project: Path, name: str
) -> None:
    shutil.copy(project / "quotes" / "weekly.yaml", project / "quotes" / f"{name}.yaml")
    (project / "quotes" / "weekly.yaml").unlink()
    code, stderr = render()
    assert code == 2
    one_error(stderr, f"{name}.yaml", "folder")
    assert not (project / "output").exists()


# --- nothing outside OUT -------------------------------------------------------------


def victim(project: Path) -> Path:
    folder = project.parent / "victim"
    folder.mkdir()
    (folder / "holiday.jpg").write_bytes(b"my holiday photo")
    return folder / "holiday.jpg"


def point_a_record_at(out: Path, record_file: str, target: str, data: bytes) -> None:
    """Edit the first record of the manifest (or a journal line) to name `target`."""
    body = json.loads((out / "manifest.json").read_text())
    card = body["cards"][0]
    card.update(path=target, bytes=len(data), sha256=hashlib.sha256(data).hexdigest())
    if record_file == "manifest.json":
        (out / "manifest.json").write_text(json.dumps(body))
    else:
        (out / record_file).write_text(json.dumps(card) + "\n")


@pytest.mark.parametrize("record_file", ["manifest.json", ".cardgen/journal.jsonl"])
@pytest.mark.parametrize("target", ["../../victim/holiday.jpg", "VICTIM"])
def test_a_record_naming_a_file_outside_out_never_touches_it(
    project: Path, record_file: str, target: str
) -> None:
    photo = victim(project)
    assert render()[0] == 0
    out = project / "output"
    target = str(photo) if target == "VICTIM" else target
    point_a_record_at(out, record_file, target, photo.read_bytes())
    # a format change makes cardgen remove each card's old file: never the victim
    (project / "layouts" / "platforms.yaml").write_text("platforms:\n  x:\n    format: jpeg\n")
    code, stderr = render("--force")
    assert code == 0, stderr
    assert "is not inside the output folder: ignored" in stderr
    assert photo.read_bytes() == b"my holiday photo"
    assert_folder_true(out, exact=True)


def test_a_linked_subfolder_inside_out_is_refused_not_written_through(project: Path) -> None:
    photo = victim(project)
    assert render()[0] == 0
    out = project / "output"
    shutil.rmtree(out / "weekly")
    (out / "weekly").symlink_to(photo.parent)
    before = tree(photo.parent)
    code, stderr = render("--force")
    assert code == 2
    one_error(stderr, "weekly is a symbolic link")
    assert tree(photo.parent) == before


def test_a_linked_card_file_is_refused(project: Path) -> None:
    photo = victim(project)
    assert render()[0] == 0
    card = project / "output" / "weekly" / "q000" / "x.png"
    card.unlink()
    card.symlink_to(photo)
    code, stderr = render("--force")
    assert code == 2
    one_error(stderr, "x.png is a symbolic link")
    assert photo.read_bytes() == b"my holiday photo"


def test_only_cardgen_s_own_temporary_files_are_deleted(project: Path) -> None:
    assert render()[0] == 0
    out = project / "output"
    foreign = [
        out / ".notes.tmp",
        out / "weekly" / ".draft.md.tmp",
        out / "weekly" / "q000" / ".x.png.abc123.tmp",  # not cardgen's pattern
    ]
    for path in foreign:
        path.write_text("someone else's")
    own = out / "weekly" / "q000" / ".x.png.cardgen-0123abcd.tmp"
    own.write_bytes(b"half a card")
    assert render("--force")[0] == 0
    assert all(path.read_text() == "someone else's" for path in foreign)
    assert not own.exists()


# --- cardgen's own files, spoiled -----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("manifest.json", "fifo"),
        ("manifest.json", "dev-zero"),
        (".cardgen/journal.jsonl", "fifo"),
        (".cardgen/journal.jsonl", "dev-zero"),
        ("index.html", "dev-zero"),
        (".cardgen/history.json", "fifo"),
    ],
)
def test_a_state_file_that_is_a_fifo_or_a_device_is_one_error_naming_it(
    project: Path, name: str, kind: str
) -> None:
    assert render()[0] == 0
    path = project / "output" / name
    path.unlink(missing_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    code, stderr = render("--pick", "1")
    assert code == 2
    one_error(stderr, name.split("/")[-1])


def test_a_corrupt_history_is_an_error_naming_it(project: Path) -> None:
    assert render("--pick", "1")[0] == 0
    history = project / "output" / ".cardgen" / "history.json"
    for body in ['{"runs": "x", "quotes": []}', "[" * 100_000, '{"runs": 1, "quotes": {"a": "b"}}']:
        history.write_text(body)
        code, stderr = render("--pick", "1")
        assert code == 2
        one_error(stderr, "history.json", "delete it")


def test_a_corrupt_manifest_is_ignored_with_a_warning(project: Path) -> None:
    assert render()[0] == 0
    out = project / "output"
    (out / "manifest.json").write_text("[" * 100_000)
    code, stderr = render()
    assert code == 0
    assert "manifest.json is not a cardgen manifest" in stderr and "warning:" in stderr
    assert_folder_true(out, exact=True)


def test_a_deeply_nested_or_corrupt_stamp_takes_the_normal_way(project: Path) -> None:
    assert rerun(project).returncode == 0
    assert rerun(project).returncode == 0  # leaves the stamp
    stamp = project / "output" / ".cardgen" / "uptodate.json"
    assert stamp.exists()
    for body in ["[" * 100_000, '{"format": 1', "\x00\xff"]:
        stamp.write_text(body)
        again = rerun(project)
        assert again.returncode == 0 and "Traceback" not in again.stderr, again.stderr


def test_jobs_past_the_machine_are_capped_with_a_note(project: Path) -> None:
    code, _stdout, stderr = run_cli("render", "--jobs", "1000", "-p", "bluesky")
    assert code == 0, stderr
    assert "warning: --jobs 1000 is more than this machine can use:" in stderr


# --- a full disk -----------------------------------------------------------------------


def test_a_full_disk_at_every_write_leaves_a_true_manifest_and_a_rerun_recovers(
    project: Path,
) -> None:
    """Week two re-renders every card over week one's (a new brand colour); the disk is
    full at the 1st, 2nd, ... write. After each failure the manifest lists exactly the
    cards on disk with their sha256 (no orphan card), and a rerun ends with exit 0."""
    out = project / "output"
    assert render()[0] == 0
    week_one = project.parent / "week-one"
    shutil.copytree(out, week_one, symlinks=True)
    brand = project / "layouts" / "brands" / "happy-as-a-mother.yaml"
    brand.write_text(brand.read_text().replace("#c0503a", "#3a50c0"))

    def week_two(fail_at: int) -> tuple[int, str, int]:
        shutil.rmtree(out)
        shutil.copytree(week_one, out, symlinks=True)
        with disk_full_at(fail_at) as writes:
            code, stderr = render()
        return code, stderr, writes[0]

    code, _, writes = week_two(-1)
    assert code == 0 and writes >= 8  # the shrunk manifest, 6 cards, the page, ...
    failed = 0
    for fail_at in range(writes):
        code, stderr, _ = week_two(fail_at)
        cards = assert_folder_true(out, exact=True)
        # a journal may stay only when the disk was full before any card changed: then it
        # lists cards the manifest lists as well (the next run reads both)
        assert journal_paths(out) <= {c["path"] for c in cards}
        assert not list(out.rglob("*.tmp"))
        if code != 0:  # shortcuts (the gallery stamp, the page thumbnails) may fail silently
            assert code == 2
            one_error(stderr, "No space left on device")
            failed += 1
    assert failed >= 8  # the shrunk manifest, the 6 cards and the manifest at least
    for _ in range(2):
        assert render()[0] == 0
        assert len(assert_folder_true(out, exact=True)) == 6


@contextmanager
def small_tmpfs(where: Path, size: str) -> Iterator[Path]:
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root); the injected ENOSPC test covers it")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("mount"), reason="needs root")
def test_a_real_full_disk_leaves_a_true_manifest_and_a_rerun_recovers(
    project: Path, tmp_path: Path
) -> None:
    with small_tmpfs(tmp_path / "disk", "120k") as disk:
        out = disk / "out"
        code, stderr = render("--out", str(out))
        assert code == 2, stderr
        one_error(stderr, "No space left on device")
        if out.exists():
            assert_folder_true(out, exact=True)
        subprocess.run(["mount", "-o", "remount,size=8m", str(disk)], check=True)
        code, stderr = render("--out", str(out))
        assert code == 0, stderr
        assert len(assert_folder_true(out, exact=True)) == 6
        brand = project / "layouts" / "brands" / "happy-as-a-mother.yaml"
        brand.write_text(brand.read_text().replace("#c0503a", "#3a50c0"))
        used = shutil.disk_usage(disk).used  # in the file system's own blocks
        subprocess.run(["mount", "-o", f"remount,size={used + 16_000}", str(disk)], check=True)
        code, stderr = render("--out", str(out))  # week two: replaced cards, then full
        assert code == 2, stderr
        assert_folder_true(out, exact=True)
        subprocess.run(["mount", "-o", "remount,size=8m", str(disk)], check=True)
        assert render("--out", str(out))[0] == 0
        assert len(assert_folder_true(out, exact=True)) == 6


def test_a_link_to_the_whole_disk_inside_out_is_not_walked(project: Path) -> None:
    """The up-to-date stamp lists OUT's files without following links: a link to `/` in
    OUT costs nothing (followed, it would walk the whole disk)."""
    assert rerun(project).returncode == 0
    (project / "output" / "elsewhere").symlink_to("/")
    for _ in range(3):  # renders, then leaves the stamp, then is answered by it
        done = rerun(project)
        assert done.returncode == 0, done.stderr
    assert (project / "output" / ".cardgen" / "uptodate.json").stat().st_size < 100_000


def test_a_journal_line_torn_by_a_kill_does_not_swallow_the_next_one(tmp_path: Path) -> None:
    from cardgen.batch.output import Journal

    (tmp_path / ".cardgen").mkdir()
    (tmp_path / ".cardgen" / "journal.jsonl").write_text('{"path": "a"}\n{"path": "b", "by')
    journal = Journal(tmp_path)
    journal.append({"path": "c"})
    journal.close()
    assert [r["path"] for r in Journal(tmp_path).read()] == ["a", "c"]
