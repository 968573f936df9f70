"""Inputs other people wrote (issue 18, the input side): special files, caps, damaged fonts,
article metadata, links out of the project, templates and long error lines.

The bad-input corpus (tests/bad_inputs/) runs most classes through the CLI; these tests
cover what a case folder cannot: races, every table of a damaged font, warnings.
"""

from __future__ import annotations

import json
import os
import random
import struct
from pathlib import Path
from typing import Any

import pytest

from cardgen.errors import CardgenError, InputError
from cardgen.inputs import read_input
from cardgen.source.articles import load_article
from cardgen.source.invisible import find_unsafe
from cardgen.source.quotes import load_selection
from cardgen.templates import template_fields
from tests.helpers import run_cli

BUNDLED_FONT = (
    Path(__file__).resolve().parents[1] / "fonts" / "noto-serif" / "NotoSerif-Regular.ttf"
)
SELECTION = """article:
  source: articles/a.{ext}
defaults:
  layout: mini
quotes:
  - id: one
    find: quotable
"""
LAYOUT = """name: mini
description: A plain test layout
elements:
  - type: text
    id: quote
    role: quote
    text: "{quote}"
    box: {x: 10%, y: 10%, w: 80%, h: 60%}
    font: {family: Noto Serif}
    size: {min: 2%s, max: 6%s}
  - type: text
    id: title
    text: "{title} {attribution}"
    box: {x: 10%, y: 75%, w: 80%, h: 15%}
    font: {family: Noto Serif}
    size: {min: 2%s, max: 4%s}
"""


def project(root: Path, article: str, ext: str = "txt") -> Path:
    (root / "quotes" / "articles").mkdir(parents=True)
    (root / "layouts").mkdir()
    (root / "quotes" / "articles" / f"a.{ext}").write_text(article, encoding="utf-8")
    (root / "quotes" / "sel.yaml").write_text(SELECTION.format(ext=ext), encoding="utf-8")
    (root / "layouts" / "mini.yaml").write_text(LAYOUT, encoding="utf-8")
    return root


# --- the one reader -----------------------------------------------------------------


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_devices_are_refused_by_type(device: str) -> None:
    with pytest.raises(InputError, match=r"is a device \(like /dev/zero\), not a regular file"):
        read_input(device, what="article", shown="a.txt", limit=1000)


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    with pytest.raises(InputError, match=r"named pipe \(FIFO\)"):
        read_input(tmp_path / "pipe.txt", what="article", shown="pipe.txt", limit=1000)


def test_a_fifo_swapped_in_after_the_stat_is_refused_on_the_open_handle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stat says regular file (it was, a moment ago); the open must not wait for a writer."""
    (tmp_path / "was.txt").write_text("x")
    regular = (tmp_path / "was.txt").stat()
    os.mkfifo(tmp_path / "pipe.txt")
    real_stat = Path.stat
    monkeypatch.setattr(
        Path, "stat", lambda self, **kw: regular if self.name == "pipe.txt" else real_stat(self)
    )
    with pytest.raises(InputError, match="named pipe"):
        read_input(tmp_path / "pipe.txt", what="article", shown="pipe.txt", limit=1000)


def test_a_file_that_grows_past_the_cap_while_read_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "grows.txt"
    path.write_bytes(b"x" * 5000)
    small = os.stat_result((0o100644, 0, 0, 1, 0, 0, 10, 0, 0, 0))
    monkeypatch.setattr(os, "fstat", lambda fd: small)
    monkeypatch.setattr(Path, "stat", lambda self, **kw: small)
    with pytest.raises(InputError, match="more than the 1,000 allowed"):
        read_input(path, what="article", shown="grows.txt", limit=1000)


def test_read_input_reads_a_regular_file_whole(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"abc" * 1000)
    assert (
        read_input(tmp_path / "a.txt", what="article", shown="a.txt", limit=3000) == b"abc" * 1000
    )


# --- damaged fonts ------------------------------------------------------------------


def _tables(data: bytes) -> dict[bytes, tuple[int, int]]:
    count = struct.unpack(">H", data[4:6])[0]
    found = {}
    for i in range(count):
        tag, _, offset, length = struct.unpack(">4sIII", data[12 + 16 * i : 28 + 16 * i])
        found[tag] = (offset, length)
    return found


def _damaged(how: str) -> bytes:
    data = bytearray(BUNDLED_FONT.read_bytes())
    if how.startswith("truncated"):
        return bytes(data[: int(len(data) * float(how.split("-")[1]))])
    offset, length = _tables(bytes(data))[how.encode().ljust(4)]
    noise = random.Random(how)
    for at in range(offset, offset + length, 3):
        data[at] = noise.randrange(256)
    return bytes(data)


FONT_DAMAGE = [
    "truncated-0.05",
    "truncated-0.5",
    "truncated-0.95",
    *["glyf", "loca", "cvt", "fpgm", "prep", "hmtx", "hhea", "cmap", "head", "maxp", "name"],
]


@pytest.mark.parametrize("how", FONT_DAMAGE)
def test_a_damaged_font_is_named_or_skipped_never_an_internal_error(
    how: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A copy of a bundled font, garbled table by table or truncated, in the project's
    fonts/ (where it wins over the bundled family): exit 0 (skipped, or it still draws),
    1 (it measures text absurdly), or 2 naming the file; never 70."""
    root = project(tmp_path / "p", "It is a quotable sentence, short and plain.\n")
    (root / "fonts").mkdir()
    (root / "fonts" / "NotoSerif-Regular.ttf").write_bytes(_damaged(how))
    monkeypatch.chdir(root)
    code, _, stderr = run_cli("render", "--platform", "x", "--out", str(tmp_path / "out"))
    assert code in (0, 1, 2), stderr
    assert "internal error" not in stderr and "Traceback" not in stderr
    if code == 2:
        assert stderr.count("\n") == 1 and "NotoSerif-Regular.ttf" in stderr, stderr


def test_a_font_that_fails_while_drawing_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FreeType can measure glyphs it then fails to rasterise (a broken hinting program)."""
    from PIL import ImageFont

    from cardgen.design.cardtext import CardText
    from cardgen.design.layouts import LayoutSource, resolve_layout
    from cardgen.design.platforms import BUILTIN
    from cardgen.drawing.composition import build_scene
    from cardgen.drawing.raster import draw_scene
    from cardgen.typography.fontfiles import font_folders
    from cardgen.typography.fonts import registry_for

    root = project(tmp_path, "It is quotable.\n")
    platform = next(p for p in BUILTIN if p.id == "x")
    layout = resolve_layout(LayoutSource.for_project(root), "mini", platform)
    from cardgen.design.layouts import DEFAULT_BRAND

    registry = registry_for(font_folders(root))
    scene = build_scene(
        CardText(quote="It is quotable."), layout, DEFAULT_BRAND, platform, registry, label="t"
    )

    def broken(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise OSError("raster overflow")

    monkeypatch.setattr(ImageFont.FreeTypeFont, "getmask2", broken)
    monkeypatch.setattr(ImageFont.FreeTypeFont, "getmask", broken)
    with pytest.raises(InputError) as caught:
        draw_scene(scene)
    line = caught.value.one_line()
    assert "NotoSerif-Regular.ttf font file is damaged" in line and "raster overflow" in line


# --- article metadata -----------------------------------------------------------------

HOSTILE_FRONT_MATTER = """---
title: "Hello\\u202eworld\\u200b"
author: "Ada\\x07 Lovelace\\u2066"
url: "https://ok.example\\n\\nURGENT: log in at https://evil.example"
publisher: "Press\\u2028Release"
date: 2024-02-30
---

It is a quotable sentence, short and plain.
"""


def test_markdown_metadata_is_cleaned_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text(HOSTILE_FRONT_MATTER, encoding="utf-8")
    article = load_article(path, shown="a.md")
    assert article.title == "Helloworld"
    assert article.author == "Ada Lovelace"
    assert article.publisher == "Press Release"
    assert article.url is None  # a url with more lines is left out, not mended
    for value in (article.title, article.author, article.publisher):
        assert value is not None and find_unsafe(value) is None
    assert len(article.warnings) >= 3  # the publisher's U+2028 is white space: folded quietly
    assert all(w.startswith("a.md: ") for w in article.warnings)
    assert any("U+202E (RIGHT-TO-LEFT OVERRIDE)" in w for w in article.warnings)
    assert any("left out the article's url" in w for w in article.warnings)


def test_html_metadata_is_cleaned_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "a.html"
    path.write_text(
        "<html><head><title>T\u202eitle</title>"
        '<meta name="author" content="A\u200bda">'
        '<link rel="canonical" href="javascript:alert(1)"></head>'
        "<body><article><p>It is a quotable sentence, short and plain, for a card.</p>"
        "<p>Another paragraph follows it, so that the page has a body.</p></article></body></html>",
        encoding="utf-8",
    )
    article = load_article(path, shown="a.html")
    for value in (article.title, article.author, article.url, article.publisher):
        assert value is None or find_unsafe(value) is None
    assert article.url is None or article.url.startswith("http")


def test_article_warnings_reach_check_render_and_the_manifest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tmp_path / "p", HOSTILE_FRONT_MATTER, ext="md")
    monkeypatch.chdir(root)
    code, _, stderr = run_cli("check", "--platform", "x")
    assert code == 0, stderr
    assert "warning: quotes/articles/a.md: removed invisible character U+202E" in stderr
    code, _, stderr = run_cli("render", "--platform", "x", "--out", "out")
    assert code == 0, stderr
    assert "left out the article's url" in stderr
    record = json.loads((root / "out" / "manifest.json").read_text(encoding="utf-8"))["cards"][0]
    assert any("U+202E" in w for w in record["warnings"])
    assert record["source"]["url"] is None
    caption = (root / "out" / record["caption_file"]).read_text(encoding="utf-8")
    assert "evil.example" not in caption and "\u202e" not in caption


@pytest.mark.parametrize(
    "front_matter",
    [
        "date: 2024-02-30",
        "updated: 2024-13-45T99:99:99",
        "n: 1e99999",
        "n: 99999999999999999999999999999999999999",
        "deep: " + "[" * 5000 + "]" * 5000,
        "a: &a [x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b]",
        "title: !!python/object/apply:os.system ['echo hi']",
        "title: [unclosed",
    ],
)
def test_front_matter_never_fails_internally(tmp_path: Path, front_matter: str) -> None:
    path = tmp_path / "a.md"
    path.write_text(f"---\n{front_matter}\ntitle2: x\n---\n\nIt is here.\n", encoding="utf-8")
    try:
        article = load_article(path, shown="a.md")
    except CardgenError as exc:
        assert "\n" not in exc.one_line()
        return
    assert article.paragraphs == ("It is here.",)


# --- links out of the project ----------------------------------------------------------


def test_a_selection_folder_reached_through_a_link_may_hold_its_articles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only where the article really is counts: quotes/ may itself be a link."""
    shared = project(tmp_path / "shared", "It is a quotable sentence.\n")
    root = tmp_path / "p"
    root.mkdir()
    (root / "quotes").symlink_to(shared / "quotes")
    monkeypatch.chdir(root)
    loaded = load_selection(Path("quotes/sel.yaml"), project_root=root)
    assert loaded.quotes[0].text == "It is a quotable sentence."


def test_an_article_linked_out_of_the_project_is_never_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tmp_path / "p", "x\n")
    secret = tmp_path / "credentials.txt"
    secret.write_text("aws_secret = quotable hunter2\n", encoding="utf-8")
    article = root / "quotes" / "articles" / "a.txt"
    article.unlink()
    article.symlink_to(secret)
    monkeypatch.chdir(root)
    opened: list[Path] = []
    real_open = os.open

    def spying_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        opened.append(Path(path).resolve())
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", spying_open)
    code, stdout, stderr = run_cli("check", "--platform", "x")
    assert code == 2 and "outside the project folder" in stderr
    assert "hunter2" not in stdout + stderr
    assert secret.resolve() not in opened


# --- templates and error lines ------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("{quote:>300000000}", "has a format or conversion"),
        ("{quote!r}", "has a format or conversion"),
        ("{quote!s:^99}", "has a format or conversion"),
        ("{quote:{title}}", "has a format or conversion"),
        ("{quote.__class__.__mro__}", "unknown field"),
        ("{quote[0]}", "unknown field"),
        ("{0}", "unknown field"),
        ("{}", "unknown field"),
        ("{quote", "malformed"),
        ("quote}", "malformed"),
    ],
)
def test_templates_take_plain_names_only(template: str, problem: str) -> None:
    long = template * 1000 if problem == "unknown field" else template
    with pytest.raises(ValueError, match=problem) as caught:
        template_fields(long, ["quote", "title"], "t")
    assert len(str(caught.value)) < 400  # the template is echoed cut short


def test_an_error_line_is_never_huge() -> None:
    line = InputError("x" * 1_000_000, file="a.yaml", hint="y" * 5000).one_line()
    assert len(line) <= 2000 and "characters in all" in line


def test_pipes_and_devices_in_the_fonts_folder_never_hang_a_rerun(tmp_path: Path) -> None:
    """The second, fully cached render records its up-to-date stamp, which hashes the small
    files of the folders it read: a FIFO or a link to /dev/zero there must not be read."""
    import subprocess
    import sys

    root = project(tmp_path / "p", "It is a quotable sentence.\n")
    (root / "fonts").mkdir()
    os.mkfifo(root / "fonts" / "Pipe-Regular.ttf")
    (root / "fonts" / "Zero-Regular.otf").symlink_to("/dev/zero")
    command = [sys.executable, "-m", "cardgen", "render", "--platform", "x"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    for _ in range(3):
        done = subprocess.run(
            command, cwd=root, capture_output=True, text=True, timeout=120, env=env, check=False
        )
        assert done.returncode == 0, done.stderr
    assert (root / "output" / ".cardgen" / "uptodate.json").is_file()
