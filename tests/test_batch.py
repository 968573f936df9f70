"""Batches for scheduled jobs: incremental, deterministic, locked, keep-going, sizes, rotation."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import sys
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from cardgen.batch.output import OutputLock, expand_out
from cardgen.batch.plan import Project
from cardgen.batch.runner import render
from tests.batchkit import make_project, sentence
from tests.helpers import run_cli


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_project(tmp_path / "proj", 3, ("bluesky",))
    monkeypatch.chdir(root)
    return root


def manifest(out: Path) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return body


def card_files(out: Path) -> set[str]:
    # Cards only: not temporaries, nor the review page's thumbnails in OUT/.cardgen/.
    return {
        p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if p.suffix in (".png", ".jpg", ".webp")
        and not any(part.startswith(".") for part in p.relative_to(out).parts)
    }


def test_second_run_renders_nothing_and_force_renders_all(project: Path) -> None:
    out = project / "output"
    events: list[dict[str, Any]] = []
    first = render(out=out, jobs=1, on_event=events.append)
    assert first.counts["rendered"] == 3 and first.counts["cached"] == 0
    mtimes = {p: (out / p).stat().st_mtime_ns for p in card_files(out)}
    events.clear()
    second = render(out=out, jobs=1, on_event=events.append)
    assert second.counts == {"rendered": 0, "cached": 3, "failed": 0, "kept": 0}
    assert {c["status"] for c in manifest(out)["cards"]} == {"cached"}
    assert {p: (out / p).stat().st_mtime_ns for p in card_files(out)} == mtimes
    assert [e["event"] for e in events] == ["start", "card", "card", "card", "done"]
    assert events[0]["to_render"] == 0
    third = render(out=out, jobs=1, force=True)
    assert third.counts["rendered"] == 3


def test_one_options_value_renders_as_the_keywords_do(project: Path) -> None:
    """`cardgen.render(options=RenderOptions(...))` is the keywords' render; both at once is
    refused rather than one silently ignored."""
    import cardgen

    options = cardgen.RenderOptions(out=project / "a", platforms=["x"], jobs=1, fmt="jpeg")
    assert options.platforms == ("x",) and options == replace(options)
    by_value = cardgen.render(options=options)
    by_keywords = cardgen.render(out=project / "b", platforms=["x"], jobs=1, fmt="jpeg")
    assert by_value.options == options
    assert [c["path"] for c in by_value.cards] == [c["path"] for c in by_keywords.cards]
    assert {c["format"] for c in by_value.cards} == {"jpeg"}
    assert {c["platform"] for c in by_value.cards} == {"x"}
    with pytest.raises(TypeError, match="either"):
        cardgen.render(options=options, force=True)
    with pytest.raises(TypeError, match="either"):
        cardgen.plan([], cardgen.Project.open(project), layout="bold", options=options)


def test_every_render_option_is_a_keyword_and_a_flag() -> None:
    """RenderOptions' fields are the one list of a render's options: each is a keyword of
    `cardgen.render` and (but the library's `today`) a flag of `cardgen render`, by name,
    and `from_values` takes exactly those names."""
    import dataclasses
    import inspect

    import cardgen
    from cardgen.cli import render as cli_render

    names = {f.name for f in dataclasses.fields(cardgen.RenderOptions)}
    assert names <= set(inspect.signature(cardgen.render).parameters)
    flags = set(inspect.signature(cli_render).parameters) | {"platforms"}  # --platform
    assert names - flags == {"today"}
    chosen = cardgen.RenderOptions.from_values({"fmt": "webp", "force": True, "selections": []})
    assert chosen == cardgen.RenderOptions(fmt="webp", force=True)


def test_a_changed_quote_renders_only_its_card(project: Path) -> None:
    out = project / "output"
    render(out=out, jobs=1)
    selection = project / "quotes" / "weekly.yaml"
    # q001 now quotes only the first clause of its sentence.
    clause = sentence(1).split(",")[0] + ","
    selection.write_text(selection.read_text().replace(sentence(1), clause))
    report = render(out=out, jobs=1)
    statuses = {c["quote_id"]: c["status"] for c in report.cards}
    assert statuses == {"q000": "cached", "q001": "rendered", "q002": "cached"}


def test_a_changed_brand_renders_every_card(project: Path) -> None:
    out = project / "output"
    render(out=out, jobs=1)
    brand = next((project / "layouts" / "brands").glob("*.yaml"))
    brand.write_text(brand.read_text() + "\n# a comment changes nothing\n")
    assert render(out=out, jobs=1).counts["cached"] == 3
    text = brand.read_text()
    assert '"#2b2321"' in text
    brand.write_text(text.replace('"#2b2321"', '"#202020"', 1))  # the text colour
    assert render(out=out, jobs=1).counts["rendered"] == 3


def test_an_edited_background_picture_renders_its_cards_again(project: Path) -> None:
    """Pictures and logos are part of the cache key by content, not only by path."""
    out = project / "output"
    assert render(out=out, jobs=1, layout="photo").counts["rendered"] == 3
    assert render(out=out, jobs=1, layout="photo").counts["cached"] == 3
    picture = project / "layouts" / "images" / "backdrop-warm.jpg"
    with Image.open(picture) as image:
        image.convert("RGB").transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(picture, quality=90)
    assert render(out=out, jobs=1, layout="photo").counts["rendered"] == 3


def test_dry_run_lists_what_would_change_and_writes_nothing(project: Path) -> None:
    code, stdout, _ = run_cli("render", "--dry-run")
    assert code == 0
    assert "would render 3 cards, 0 cached" in stdout
    assert "render  weekly/q000/bluesky.png" in stdout
    assert not (project / "output").exists()
    assert run_cli("render")[0] == 0
    code, stdout, _ = run_cli("render", "--dry-run", "--json")
    events = [json.loads(line) for line in stdout.splitlines()]
    assert {e["status"] for e in events[:-1]} == {"cached"}
    assert events[-1] == {
        "event": "done",
        "dry_run": True,
        "cards": 3,
        "render": 0,
        "cached": 3,
        "failed": 0,
    }


@pytest.mark.parametrize("start", ["fork", "forkserver"])
def test_jobs_1_and_2_give_byte_identical_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, start: str
) -> None:
    from cardgen.batch import scheduling

    if start == "fork":  # workers forked from this process (Linux, one thread)
        if not scheduling.can_fork():
            pytest.skip("workers cannot be forked here")
    else:  # as with a thread running, or off Linux
        monkeypatch.setattr(scheduling, "can_fork", lambda: False)
    started: list[str] = []
    worker_start = scheduling.worker_start

    def spy(root: Path) -> Any:
        how = worker_start(root)
        started.append(how.context.get_start_method())
        return how

    monkeypatch.setattr(scheduling, "worker_start", spy)
    root = make_project(tmp_path / "proj", 3, ("bluesky", "x"))
    project = Project.open(root)
    render(out=tmp_path / "a", jobs=1, project=project)
    render(out=tmp_path / "b", jobs=2, project=Project.open(root))
    assert started == [start, start]  # one a worker
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.*"))
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*.*"))
    assert files_a == files_b
    assert len([f for f in files_a if f.suffix == ".png"]) == 6
    for rel in files_a:
        if rel.parts[0] != ".cardgen":
            assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel


def test_cards_drawn_before_every_card_fits_are_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Drawn cards wait in memory until the last card fits: a bounded number of them."""
    from cardgen.batch import scheduling

    monkeypatch.setattr(scheduling, "EARLY_BYTES", 1)  # the first drawn card fills the budget
    monkeypatch.setattr(scheduling, "EARLY_QUEUED", 2)
    early: list[int] = []
    start_pool = scheduling.start_pool

    def spy(root: Path, jobs: int, tasks: int) -> Any:
        pool = start_pool(root, jobs, tasks)
        result = pool.result

        def first_result(key: Any) -> Any:
            # Results are asked for once every card has fitted: count those drawn or drawing.
            if not early:
                early.append(len(pool.done) + sum(w.key is not None for w in pool.workers))
            return result(key)

        monkeypatch.setattr(pool, "result", first_result)
        return pool

    monkeypatch.setattr(scheduling, "start_pool", spy)
    root = make_project(tmp_path / "proj", 6, ("bluesky", "x"))
    render(out=tmp_path / "a", jobs=1, project=Project.open(root))
    assert early == []  # jobs 1 draws each card in turn: no pool, none early
    report = render(out=tmp_path / "b", jobs=2, project=Project.open(root))
    assert report.counts["rendered"] == 12
    assert len(early) == 1 and early[0] <= 2  # within bounds
    for card in report.cards:
        assert (tmp_path / "a" / card["path"]).read_bytes() == (
            tmp_path / "b" / card["path"]
        ).read_bytes()


def test_workers_are_forked_only_while_no_other_thread_runs() -> None:
    from cardgen.batch import scheduling

    if not sys.platform.startswith("linux"):
        assert not scheduling.can_fork()
        return
    assert scheduling.can_fork()  # pytest's one thread
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not scheduling.can_fork()  # a fork would copy a lock that thread may hold
    finally:
        stop.set()
        other.join()
    assert scheduling.can_fork()


def test_captions_csv_and_a_txt_beside_each_card(project: Path) -> None:
    code, _, stderr = run_cli("render", "-p", "bluesky", "-p", "x")
    assert code == 0, stderr
    out = project / "output"
    with (out / "captions.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 6
    assert list(rows[0]) == ["platform", "path", "caption", "alt_text", "quote_id", "selection"]
    cards = {c["path"]: c for c in manifest(out)["cards"]}
    for row in rows:
        card = cards[row["path"]]
        assert row["caption"] == card["caption"] and row["alt_text"] == card["alt_text"]
        assert row["quote_id"] == card["quote_id"] and row["platform"] == card["platform"]
        assert card["text"] in row["caption"] and card["text"] in row["alt_text"]
        assert "#notes" in row["caption"] and "https://example.com/notes" in row["caption"]
        txt = (out / card["caption_file"]).read_text(encoding="utf-8")
        assert txt == f"{card['caption']}\n\nAlt text: {card['alt_text']}\n"
        assert card["caption_file"] == row["path"].replace(".png", ".txt")


def test_manifest_and_files_are_shared_readable(project: Path) -> None:
    render(out=project / "output", jobs=1)
    for rel in card_files(project / "output"):
        assert (project / "output" / rel).stat().st_mode & 0o044 == 0o044


BAD_QUOTE = """\
article:
  source: articles/other.txt
  author: Ada Other
defaults:
  platforms: [bluesky]
quotes:
  - id: missing
    text: "This sentence is not in the article."
  - id: found
    text: "Something else entirely."
"""


def test_keep_going_fails_only_the_missing_quote_and_exits_1_with_a_table(project: Path) -> None:
    (project / "quotes" / "articles" / "other.txt").write_text("Something else entirely.\n")
    (project / "quotes" / "other.yaml").write_text(BAD_QUOTE)
    long_quote = "Q " * 160 + "end."  # 324 graphemes: over Bluesky's 300, caption shortened
    selection = project / "quotes" / "weekly.yaml"
    article = project / "quotes" / "articles" / "weekly.txt"
    article.write_text(article.read_text() + f"\n{long_quote}\n")
    selection.write_text(selection.read_text() + f'  - id: long\n    text: "{long_quote}"\n')

    code, _, stderr = run_cli("render")
    assert code == 1 and "Traceback" not in stderr
    assert not (project / "output").exists()  # found before anything was written

    code, stdout, stderr = run_cli("render", "--keep-going")
    assert code == 1, stderr
    assert "rendered 5 cards, 0 cached, 1 failed" in stdout
    lines = stderr.splitlines()
    at = lines.index("1 failed:")
    assert lines[at + 1].split() == ["selection", "quote", "platform", "error"]
    assert "quotes/other.yaml" in lines[at + 2] and "missing" in lines[at + 2]
    # The long quote's card is made; its caption left the quote text out, with a warning.
    assert any("quote 'long'" in line and "over its 300" in line for line in lines[:at])
    files = card_files(project / "output")
    assert files == {c["path"] for c in manifest(project / "output")["cards"]}
    assert "other/found/bluesky.png" in files and "weekly/long/bluesky.png" in files
    assert len(files) == 5

    code, stdout, _ = run_cli("render", "--keep-going", "--json")
    assert code == 1
    events = [json.loads(line) for line in stdout.splitlines()]
    failed = [e for e in events if e.get("status") == "failed"]
    assert [(e["quote_id"], e["platform"]) for e in failed] == [("missing", "*")]
    assert events[-1]["failed"] == 1 and events[-1]["cached"] == 5


def test_a_second_run_on_a_locked_folder_exits_2_or_waits(project: Path) -> None:
    out = project / "output"
    with OutputLock(out):
        code, _, stderr = run_cli("render")
    assert code == 2
    assert "output is being written by another cardgen run (pid " in stderr
    assert "--wait" in stderr
    assert not card_files(out)

    lock = OutputLock(out)
    lock.__enter__()
    timer = threading.Timer(0.5, lock.__exit__, args=(None, None, None))
    timer.start()
    code, _, stderr = run_cli("render", "--wait", "--jobs", "1")
    timer.join()
    assert code == 0, stderr
    assert len(card_files(out)) == 3


def test_a_png_over_the_file_limit_is_optimised_to_fit(project: Path) -> None:
    platforms = project / "layouts" / "platforms.yaml"
    platforms.write_text("platforms:\n  bluesky:\n    file_limit: 40000\n")  # PNGs are ~60 kB
    code, _, stderr = run_cli("render", "--jobs", "1")
    assert code == 0, stderr
    cards = manifest(project / "output")["cards"]
    for card in cards:
        path = project / "output" / card["path"]
        assert card["format"] == "png" and path.stat().st_size <= 40000
        with Image.open(path) as image:
            image.load()
            assert image.format == "PNG" and image.mode == "P" and image.size == (1200, 675)


def test_a_jpeg_over_the_file_limit_gets_a_lower_quality(project: Path) -> None:
    code, _, stderr = run_cli("render", "--jobs", "1", "--format", "jpeg", "--out", "big")
    assert code == 0, stderr
    big = {c["path"]: c["bytes"] for c in manifest(project / "big")["cards"]}
    assert min(big.values()) > 60000
    (project / "layouts" / "platforms.yaml").write_text(
        "platforms:\n  bluesky:\n    file_limit: 50000\n"
    )
    code, _, stderr = run_cli("render", "--jobs", "1", "--format", "jpeg")
    assert code == 0, stderr
    for card in manifest(project / "output")["cards"]:
        path = project / "output" / card["path"]
        assert path.suffix == ".jpg" and 30000 < path.stat().st_size <= 50000
        with Image.open(path) as image:
            image.load()
            assert image.format == "JPEG"


def test_a_card_that_cannot_get_small_enough_is_an_error(project: Path) -> None:
    (project / "layouts" / "platforms.yaml").write_text(
        "platforms:\n  bluesky:\n    file_limit: 1500\n"
    )
    code, _, stderr = run_cli("render", "--jobs", "1")
    assert code == 1
    assert stderr.startswith("error: quotes/weekly.yaml weekly/q000 on bluesky: the card is ")
    assert "over the platform's limit of 1,500 bytes" in stderr
    assert stderr.count("\n") == 1


def test_noisy_png_becomes_a_jpeg_at_the_best_quality_that_fits() -> None:
    from cardgen.drawing.sizefit import encode_within

    noise = Image.frombytes("L", (400, 400), random.Random(7).randbytes(400 * 400))
    gradient = Image.linear_gradient("L").resize((400, 400))
    image = Image.merge("RGB", [noise.point(lambda v: v // 6 + 100), gradient, gradient])
    data, fmt = encode_within(image, "png", 30000)
    assert fmt == "jpeg" and 20000 < len(data) <= 30000
    assert encode_within(image, "png", 30000) == (data, fmt)  # deterministic
    with Image.open(io.BytesIO(data)) as decoded:
        assert decoded.format == "JPEG" and decoded.size == (400, 400)


def test_a_card_whose_format_changes_leaves_no_stale_file(project: Path) -> None:
    out = project / "output"
    render(out=out, jobs=1)
    assert all(p.endswith(".png") for p in card_files(out))
    (project / "layouts" / "platforms.yaml").write_text(
        "platforms:\n  bluesky:\n    format: jpeg\n"
    )
    render(out=out, jobs=1, project=Project.open(project))
    assert all(p.endswith(".jpg") for p in card_files(out))
    assert len(card_files(out)) == 3 and len(list(out.rglob("*.txt"))) == 3
    assert card_files(out) == {c["path"] for c in manifest(out)["cards"]}


def test_pick_rotates_through_quotes_least_recently_rendered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(tmp_path / "proj", 5, ("bluesky",))
    monkeypatch.chdir(root)
    weeks = [dt.date(2026, 11, 2) + dt.timedelta(weeks=n) for n in range(4)]
    picked = []
    for day in weeks:
        report = render(out=Path("output/{week}"), pick=2, jobs=1, today=day)
        picked.append(sorted(c["quote_id"] for c in report.cards))
        assert report.out == Path(f"output/{day.isocalendar()[0]}-W{day.isocalendar()[1]:02d}")
    assert picked == [
        ["q000", "q001"],
        ["q002", "q003"],
        ["q000", "q004"],  # q004 never used; then the oldest, q000
        ["q001", "q002"],
    ]
    assert (root / "output" / ".cardgen" / "history.json").is_file()
    assert sorted(p.name for p in (root / "output").iterdir()) == [
        ".cardgen",
        "2026-W45",
        "2026-W46",
        "2026-W47",
        "2026-W48",
    ]


def test_pick_from_the_cli_into_one_folder(project: Path) -> None:
    assert run_cli("render", "--pick", "2", "--jobs", "1")[0] == 0
    code, stdout, _ = run_cli("render", "--pick", "2", "--jobs", "1", "--json")
    assert code == 0
    done = json.loads(stdout.splitlines()[-1])
    # q002 was never used, then q000 (the oldest, first in the file): already on disk.
    assert (done["rendered"], done["cached"], done["kept"]) == (1, 1, 1)
    cards = manifest(project / "output")["cards"]
    assert {c["quote_id"]: c["status"] for c in cards} == {
        "q000": "cached",
        "q001": "kept",
        "q002": "rendered",
    }


def test_out_placeholders() -> None:
    day = dt.date(2026, 11, 25)
    assert expand_out(Path("output/{week}"), day) == Path("output/2026-W48")
    assert expand_out(Path("o/{year}/{month}/{day}"), day) == Path("o/2026/11/25")
    assert expand_out(Path("o/{date}"), day) == Path("o/2026-11-25")
    assert expand_out(Path("o/{week}"), dt.date(2027, 1, 1)) == Path("o/2026-W53")


def test_unknown_out_placeholder_is_a_usage_error(project: Path) -> None:
    code, _, stderr = run_cli("render", "--out", "output/{fortnight}")
    assert code == 2
    assert "unknown placeholder '{fortnight}'" in stderr and "{week}" in stderr


def test_progress_bar_on_a_terminal_and_quiet_without_one(project: Path) -> None:
    import os
    import pty
    import subprocess
    import sys

    from tests.batchkit import ROOT

    env = {**os.environ, "PYTHONPATH": str(ROOT), "TERM": "xterm", "COLUMNS": "100"}
    command = [sys.executable, "-m", "cardgen", "render", "--jobs", "1"]
    quiet = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    assert quiet.returncode == 0 and quiet.stderr == ""
    assert quiet.stdout.startswith("rendered 3 cards")

    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [*command, "--force"], cwd=project, env=env, stdout=subprocess.PIPE, stderr=follower
    )
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed: the process is done
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    assert proc.wait(timeout=60) == 0
    assert b"rendering" in seen and b"3/3" in seen


def test_out_week_placeholder_from_the_cli(project: Path) -> None:
    code, stdout, stderr = run_cli("render", "--jobs", "1", "--out", "output/{week}")
    assert code == 0, stderr
    year, week, _ = dt.date.today().isocalendar()
    folder = project / "output" / f"{year}-W{week:02d}"
    assert f"into {Path('output') / folder.name}/" in stdout
    assert len(card_files(folder)) == 3


def test_platform_caption_template_and_brand_handle(project: Path) -> None:
    (project / "layouts" / "platforms.yaml").write_text(
        'platforms:\n  bluesky:\n    caption_template: "{quote}\\n\\n{handle} {hashtags}"\n'
    )
    assert run_cli("render", "--jobs", "1")[0] == 0
    card = manifest(project / "output")["cards"][0]
    assert card["caption"] == f"{card['text']}\n\n@happyasamother #notes #weekly"


def test_cache_keys_are_the_same_with_the_run_memo(in_root: Path) -> None:
    # A run serialises each (layout, platform, brand) once; the keys must not change.
    from cardgen.batch.cachekeys import cache_key, fonts_digest
    from cardgen.batch.plan import Project, load_selections, plan

    project = Project.open(in_root)
    fonts = fonts_digest(project)
    jobs = plan(load_selections(None, project), project)
    memo: dict[object, dict[str, str]] = {}
    with_memo = [cache_key(job, project, fonts, memo) for job in jobs]
    assert with_memo == [cache_key(job, project, fonts) for job in jobs]
    assert len(set(with_memo)) == len(jobs)


def test_an_unchanged_rerun_rewrites_nothing_and_a_change_rewrites_the_lists(
    project: Path,
) -> None:
    out = project / "output"
    render(out=out, jobs=1)
    render(out=out, jobs=1)  # statuses become "cached": the lists change once
    lists = ("manifest.json", "captions.csv", "index.html")
    before = {name: (out / name).stat() for name in lists}
    contents = {name: (out / name).read_bytes() for name in lists}
    render(out=out, jobs=1)
    for name in lists:  # same file, never replaced: no rewrite at all
        after = (out / name).stat()
        assert (after.st_ino, after.st_mtime_ns) == (before[name].st_ino, before[name].st_mtime_ns)
    (out / "index.html").write_text("edited by hand", encoding="utf-8")
    render(out=out, jobs=1)  # a page that is not the one cardgen wrote is written again
    assert (out / "index.html").read_bytes() == contents["index.html"]
    quotes = project / "quotes" / "weekly.yaml"
    quotes.write_text(quotes.read_text(encoding="utf-8").replace("q000", "q900"), "utf-8")
    render(out=out, jobs=1)
    for name in lists:
        assert b"q900" in (out / name).read_bytes(), name


def test_an_all_cached_run_does_not_import_pillow_or_jinja(project: Path) -> None:
    import subprocess
    import sys

    render(out=project / "output", jobs=1)
    render(out=project / "output", jobs=1)  # statuses become "cached": the page changes once
    code = (
        "import sys; from cardgen.batch.runner import render; "
        "render(out=__import__('pathlib').Path('output'), jobs=1); "
        "print(sorted(m for m in ('PIL', 'jinja2') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=project, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_a_render_keeps_freed_memory_for_the_next_card(tmp_path: Path) -> None:
    """glibc's thresholds are raised once cards will be drawn (cardgen.drawing.memory)."""
    import ctypes
    import subprocess
    import sys

    if not sys.platform.startswith("linux") or not hasattr(ctypes.CDLL(None), "mallinfo2"):
        pytest.skip("glibc only")
    probe = (
        "import ctypes\n"
        "from cardgen.drawing.memory import keep_freed_memory\n"
        "libc = ctypes.CDLL(None)\n"
        "libc.malloc.restype = ctypes.c_void_p\n"
        "libc.free.argtypes = (ctypes.c_void_p,)\n"
        "class Info(ctypes.Structure):\n"
        "    _fields_ = [(n, ctypes.c_size_t) for n in ("
        "'arena', 'ordblks', 'smblks', 'hblks', 'hblkhd', 'usmblks', 'fsmblks', "
        "'uordblks', 'fordblks', 'keepcost')]\n"
        "libc.mallinfo2.restype = Info\n"
        "def mapped():\n"
        "    before = libc.mallinfo2().hblks\n"
        "    block = libc.malloc(8 << 20)\n"
        "    count = libc.mallinfo2().hblks - before\n"
        "    libc.free(block)\n"
        "    return count\n"
        "before = mapped()\n"
        "keep_freed_memory()\n"
        "print(before, mapped())\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    before, after = map(int, result.stdout.split())
    assert before == 1  # glibc's default: a card-sized block is its own mmap
    assert after == 0  # now it comes from the heap and stays for the next card


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
        max_leaves=20,
    )
)
def test_the_manifest_is_written_as_json_dumps_would(value: object) -> None:
    """Streamed to keep a long batch's peak memory low, and the same bytes as before."""
    from cardgen.batch.output import pretty_json

    assert pretty_json(value) == (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode()
