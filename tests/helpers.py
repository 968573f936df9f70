"""Test helpers: image comparison with a tolerance, ink boxes from pixels, a CLI runner,
one card's scene and a font chain of a project, a disk that fills up."""

from __future__ import annotations

import errno
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageStat
from typer.testing import CliRunner

from cardgen.batch.plan import Project
from cardgen.cli import app
from cardgen.design.cardtext import CardText
from cardgen.drawing.composition import build_scene
from cardgen.drawing.scene import Scene
from cardgen.typography.fonts import FontChain, chain_for

FAILURES = Path(__file__).resolve().parent / "_failures"


def run_cli(*args: str) -> tuple[int, str, str]:
    """Invoke `cardgen ARGS`; returns (exit code, stdout, stderr)."""
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def mean_difference(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute difference per channel, 0..255."""
    diff = ImageChops.difference(a.convert("RGB"), b.convert("RGB"))
    return sum(ImageStat.Stat(diff).mean) / 3


# A golden must catch small local changes, which a whole-image mean dilutes to nothing
# (an attribution left out moves the mean by ~0.3, a letter by ~0.05): the difference is
# also judged tile by tile, and by how many pixels changed clearly.
TILE = 16  # px, at the golden's size
TILE_EPSILON = 4.0  # mean difference per channel inside any one tile
CHANGED_LEVEL = 48  # a pixel whose channels differ by more than this has changed...
MAX_CHANGED_PIXELS = 12  # ...and no more than this many may (anti-aliasing noise)


def difference_report(a: Image.Image, b: Image.Image) -> tuple[float, float, int]:
    """(mean difference, worst tile's mean difference, pixels clearly changed)."""
    diff = ImageChops.difference(a.convert("RGB"), b.convert("RGB"))
    mean = sum(ImageStat.Stat(diff).mean) / 3
    grey = diff.convert("L", (1 / 3, 1 / 3, 1 / 3, 0))
    width, height = grey.size
    tiles = grey.resize(
        (max(1, -(-width // TILE)), max(1, -(-height // TILE))), Image.Resampling.BOX
    )
    worst_tile = float(tiles.getextrema()[1])  # type: ignore[index]
    strongest = ImageChops.lighter(
        ImageChops.lighter(diff.getchannel(0), diff.getchannel(1)), diff.getchannel(2)
    )
    changed = sum(strongest.point(lambda v: 255 if v > CHANGED_LEVEL else 0).histogram()[255:])
    return mean, worst_tile, changed


def assert_image_similar(
    actual: Image.Image, expected: Image.Image, epsilon: float, name: str
) -> None:
    """Mode and size first, then the mean difference, the worst tile and the count of
    clearly changed pixels; on failure save both images and the difference."""
    assert actual.size == expected.size, f"{name}: size {actual.size} != {expected.size}"
    mean, tile, changed = difference_report(actual, expected)
    problems = []
    if mean > epsilon:
        problems.append(f"mean difference {mean:.2f} > {epsilon}")
    if tile > TILE_EPSILON:
        problems.append(f"a {TILE}px tile differs by {tile:.1f} > {TILE_EPSILON}")
    if changed > MAX_CHANGED_PIXELS:
        problems.append(f"{changed} pixels changed by more than {CHANGED_LEVEL} levels")
    if problems:
        FAILURES.mkdir(exist_ok=True)
        actual.save(FAILURES / f"{name}.actual.png")
        expected.save(FAILURES / f"{name}.expected.png")
        ImageChops.difference(actual.convert("RGB"), expected.convert("RGB")).save(
            FAILURES / f"{name}.diff.png"
        )
        raise AssertionError(
            f"{name}: {'; '.join(problems)} (images saved in {FAILURES}; "
            "`make goldens` regenerates after an intended change)"
        )


IMAGES = Path(__file__).resolve().parent / "images"


def compare_with_golden(actual: Image.Image, name: str, epsilon: float, regen: bool) -> None:
    """Compare with `tests/images/NAME.png`, or write it with `--regen-goldens`."""
    import pytest

    golden = IMAGES / f"{name}.png"
    if regen:
        IMAGES.mkdir(exist_ok=True)
        actual.save(golden, optimize=True)
        return
    if not golden.exists():
        pytest.fail(f"no golden image {golden.name}; run `make goldens` and review it")
    with Image.open(golden) as expected:
        assert_image_similar(actual, expected, epsilon, name)


def ink_bbox(
    image: Image.Image, background: tuple[int, int, int], threshold: int = 24
) -> tuple[int, int, int, int] | None:
    """Bounding box of pixels that differ clearly from a flat background colour."""
    flat = Image.new("RGB", image.size, background)
    diff = ImageChops.difference(image.convert("RGB"), flat).convert("L")
    mask = diff.point(lambda v: 255 if v > threshold else 0)
    return mask.getbbox()


class _FullDisk(io.RawIOBase):
    """A file handle that writes half of what it is given, then reports a full disk."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        os.write(self.fd, bytes(data)[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def close(self) -> None:
        if not self.closed:
            os.close(self.fd)
        super().close()


@contextmanager
def disk_full_at(write: int) -> Iterator[list[int]]:
    """The `write`-th file cardgen writes (0-based) finds the disk full; yields the count."""
    real_fdopen = os.fdopen
    count = [0]

    def fdopen(fd: int, *args: Any, **kwargs: Any) -> Any:
        count[0] += 1
        if count[0] - 1 == write:
            return _FullDisk(fd)
        return real_fdopen(fd, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "fdopen", fdopen)
        yield count


def card_scene(
    project: Project,
    quote: str | CardText,
    layout: str = "classic",
    platform: str = "instagram-square",
    **fields: str,
) -> Scene:
    """The scene of one card of `project`: QUOTE (and its other text FIELDS, or all of a
    card's text) in LAYOUT on PLATFORM, with the layout's brand."""
    target = project.platform(platform)
    resolved = project.layout(layout, target)
    brand = project.brand(resolved.brand)
    content = quote if isinstance(quote, CardText) else CardText(quote=quote, **fields)
    registry, memo = project.font_registry(), project.scene_memo()
    return build_scene(content, resolved, brand, target, registry, memo=memo)


def font_chain(project: Project, family: str = "EB Garamond") -> FontChain:
    """`family` and the serif fallbacks after it, from the project's fonts."""
    registry = project.font_registry()
    return chain_for(registry, registry.find(family), serif=True)


ONE_QUOTE = """\
article:
  source: articles/a.txt
  author: Ada
quotes:
  - id: one
    text: "{quote}"
"""


def write_one_quote(
    project: Path, quote: str, paragraph: str | None = None, intro: str = "Intro."
) -> None:
    """`quotes/sel.yaml` selecting QUOTE (id `one`, by Ada) from `quotes/articles/a.txt`:
    an INTRO paragraph, then PARAGRAPH (the quote alone by default)."""
    (project / "quotes" / "articles" / "a.txt").write_text(f"{intro}\n\n{paragraph or quote}\n")
    (project / "quotes" / "sel.yaml").write_text(ONE_QUOTE.format(quote=quote))
