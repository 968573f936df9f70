"""Encoder settings measured: time, bytes and pixel difference per candidate, per kind of card.

Three cards: `classic` (flat colour, anti-aliased serif text), `bold` (a
linear gradient under white text) and a photo-like card (smooth colour
plus grain). Times are medians of interleaved runs; bytes and differences are
relative to full-colour PNG level 6, the previous default.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageStat

from benchmarks.bench_render import card_content
from benchmarks.harness import ROOT, Settings, interleaved
from cardgen.batch.plan import Project
from cardgen.drawing.composition import build_scene
from cardgen.drawing.raster import draw_scene, encode

Encoder = Callable[[Image.Image], bytes]


def _save(image: Image.Image, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, **options)
    return buffer.getvalue()


def _palette(method: Image.Quantize, level: int) -> Encoder:
    def encoder(image: Image.Image) -> bytes:
        quantised = image.quantize(256, method=method, dither=Image.Dither.NONE)
        return _save(quantised, format="PNG", compress_level=level)

    return encoder


CANDIDATES: dict[str, Encoder] = {
    "png level 1": lambda im: _save(im, format="PNG", compress_level=1),
    "png level 3": lambda im: _save(im, format="PNG", compress_level=3),
    "png level 6": lambda im: _save(im, format="PNG", compress_level=6),
    "png level 9": lambda im: _save(im, format="PNG", compress_level=9),
    "png optimize": lambda im: _save(im, format="PNG", optimize=True),
    "palette octree + png 1": _palette(Image.Quantize.FASTOCTREE, 1),
    "palette octree + png 3": _palette(Image.Quantize.FASTOCTREE, 3),
    "palette octree + png 6": _palette(Image.Quantize.FASTOCTREE, 6),
    "palette mediancut + png 3": _palette(Image.Quantize.MEDIANCUT, 3),
    "palette maxcoverage + png 3": _palette(Image.Quantize.MAXCOVERAGE, 3),
    "jpeg q90 4:4:4": lambda im: _save(im, format="JPEG", quality=90, subsampling=0),
    "webp q90": lambda im: _save(im, format="WEBP", quality=90, method=4),
    "webp lossless": lambda im: _save(im, format="WEBP", lossless=True, quality=0, method=0),
    "cardgen default": lambda im: encode(im, "png"),
}
QUICK = ("png level 6", "cardgen default")


def photo_card(width: int = 1080, height: int = 1080) -> Image.Image:
    """A stand-in for a photo background: smooth colour fields, grain and white text."""
    fields = Image.merge(
        "RGB",
        (
            Image.linear_gradient("L").resize((width, height)),
            Image.radial_gradient("L").resize((width, height)),
            Image.linear_gradient("L").rotate(90).resize((width, height)),
        ),
    )
    grain = Image.effect_noise((width, height), 24).convert("RGB")
    photo = Image.blend(fields, grain, 0.25).filter(ImageFilter.GaussianBlur(1))
    draw = ImageDraw.Draw(photo)
    draw.rectangle((80, 400, 1000, 560), fill=(20, 20, 30))
    draw.text((110, 500), "A photo-like card", fill=(255, 255, 255), font_size=72, anchor="ls")
    return photo


def cards(project: Project, quick: bool = False) -> dict[str, Image.Image]:
    registry = project.font_registry()
    platform = project.platform("instagram-square")
    out = {}
    for name in ("classic",) if quick else ("classic", "bold"):
        layout = project.layout(name, platform)
        brand = project.brand(layout.brand)
        content = card_content(project, brand)
        memo = project.scene_memo()
        scene = build_scene(content, layout, brand, platform, registry, memo=memo)
        out[f"{name} (flat)" if name == "classic" else f"{name} (gradient)"] = draw_scene(scene)
    out["photo-like"] = photo_card(270, 270) if quick else photo_card()
    return out


def difference(image: Image.Image, data: bytes) -> tuple[float, int]:
    """(mean, max) absolute channel difference between `image` and the decoded `data`."""
    with Image.open(io.BytesIO(data)) as decoded:
        diff = ImageChops.difference(image, decoded.convert("RGB"))
    mean = sum(ImageStat.Stat(diff).mean) / 3
    return mean, max(high for _, high in diff.getextrema())  # type: ignore[misc]


def run(settings: Settings, project: Project | None = None) -> dict[str, Any]:
    project = project or Project.open(ROOT)
    names = QUICK if settings.quick else tuple(CANDIDATES)
    results: dict[str, list[dict[str, Any]]] = {}
    for card_name, image in cards(project, settings.quick).items():
        times = interleaved(
            {name: (lambda enc=CANDIDATES[name], im=image: enc(im)) for name in names},
            repeat=settings.repeat if settings.quick else 5,
            warmup=0 if settings.quick else 1,
        )
        reference = CANDIDATES["png level 6"](image)
        rows = []
        for name in names:
            data = CANDIDATES[name](image)
            mean, high = difference(image, data)
            rows.append(
                {
                    "encoder": name,
                    "ms": times[name],
                    "time_vs_png6": times[name] / times["png level 6"],
                    "bytes": len(data),
                    "bytes_vs_png6": len(data) / len(reference),
                    "mean_diff": mean,
                    "max_diff": high,
                }
            )
        results[card_name] = rows
    return {
        "cards": results,
        "photo_formats": photo_formats(project, settings),
        "banding": banding_by_layout(project, settings),
    }


PHOTO_CANDIDATES: dict[str, Encoder] = {
    "png (level 1)": lambda im: _save(im, format="PNG", compress_level=1),
    "jpeg q90 4:4:4": lambda im: _save(im, format="JPEG", quality=90, subsampling=0),
    "jpeg q95 4:4:4": lambda im: _save(im, format="JPEG", quality=95, subsampling=0),
    "webp q90": lambda im: _save(im, format="WEBP", quality=90, method=4),
}
PHOTO_PLATFORMS = ("instagram-square", "instagram-story", "facebook", "x", "pinterest")


def _drawn(project: Project, layout_name: str, platform_id: str) -> Image.Image:
    platform = project.platform(platform_id)
    layout = project.layout(layout_name, platform)
    brand = project.brand(layout.brand)
    content = card_content(project, brand)
    return draw_scene(build_scene(content, layout, brand, platform, project.font_registry()))


def photo_formats(project: Project, settings: Settings) -> list[dict[str, Any]]:
    """The `photo` layout's card per platform in each photo format: time, bytes, mean
    pixel difference. The default for photo cards is chosen from these."""
    rows = []
    for platform_id in PHOTO_PLATFORMS[:1] if settings.quick else PHOTO_PLATFORMS:
        image = _drawn(project, "photo", platform_id)
        times = interleaved(
            {name: (lambda enc=enc, im=image: enc(im)) for name, enc in PHOTO_CANDIDATES.items()},
            repeat=1 if settings.quick else 5,
            warmup=0 if settings.quick else 1,
        )
        for name, encoder in PHOTO_CANDIDATES.items():
            data = encoder(image)
            rows.append(
                {
                    "platform": platform_id,
                    "encoder": name,
                    "ms": times[name],
                    "bytes": len(data),
                    "mean_diff": difference(image, data)[0],
                }
            )
    return rows


def banding_by_layout(project: Project, settings: Settings) -> list[dict[str, Any]]:
    """How much a 256-colour palette would band each bundled layout's card (the share of
    smooth pixels it moves by 3+ levels), and what the encoder chose."""
    from cardgen.drawing.raster import banding

    rows = []
    layouts = ("classic", "card") if settings.quick else tuple(project.layouts.layout_names())
    for name in layouts:
        for platform_id in ("instagram-square", "instagram-story", "facebook"):
            image = _drawn(project, name, platform_id)
            octree = image.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
            with Image.open(io.BytesIO(encode(image, "png"))) as chosen:
                kind = "palette PNG" if chosen.mode == "P" else "full-colour PNG"
            rows.append(
                {
                    "layout": name,
                    "platform": platform_id,
                    "banding": banding(image, octree),
                    "chosen": kind,
                }
            )
    return rows


if __name__ == "__main__":
    import json

    print(json.dumps(run(Settings.from_env()), indent=2))
