"""Test helpers: image comparison with a tolerance, ink boxes from pixels, a CLI runner."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageChops, ImageStat
from typer.testing import CliRunner

from cardgen.cli import app

FAILURES = Path(__file__).resolve().parent / "_failures"


def run_cli(*args: str) -> tuple[int, str, str]:
    """Invoke `cardgen ARGS`; returns (exit code, stdout, stderr)."""
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def mean_difference(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute difference per channel, 0..255."""
    diff = ImageChops.difference(a.convert("RGB"), b.convert("RGB"))
    return sum(ImageStat.Stat(diff).mean) / 3


def assert_image_similar(
    actual: Image.Image, expected: Image.Image, epsilon: float, name: str
) -> None:
    """Mode and size first, then the mean difference; on failure save both and the diff."""
    assert actual.size == expected.size, f"{name}: size {actual.size} != {expected.size}"
    difference = mean_difference(actual, expected)
    if difference > epsilon:
        FAILURES.mkdir(exist_ok=True)
        actual.save(FAILURES / f"{name}.actual.png")
        expected.save(FAILURES / f"{name}.expected.png")
        ImageChops.difference(actual.convert("RGB"), expected.convert("RGB")).save(
            FAILURES / f"{name}.diff.png"
        )
        raise AssertionError(
            f"{name}: mean difference {difference:.2f} > {epsilon} "
            f"(images saved in {FAILURES}; `make goldens` regenerates after an intended change)"
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
