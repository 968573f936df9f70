"""Platform presets: pixel sizes, safe areas and posting limits (a contract).

Figures gathered from the platforms' documentation and vendor guides; the
ids are the contract. A project may add or override presets in
`layouts/platforms.yaml`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from cardgen.errors import InputError, clipped
from cardgen.fields import OneLine
from cardgen.limits import MAX_CANVAS_SIDE, MAX_FILE_LIMIT, MAX_TEXT_LIMIT
from cardgen.templates import template_fields

AspectClass = Literal["square", "portrait", "tall", "landscape"]
CaptionCounting = Literal["chars", "x-weighted", "graphemes", "mastodon"]

MB = 1_000_000
MIB = 1024 * 1024


@dataclass(frozen=True)
class Insets:
    """Margins kept free of text, in pixels: left, top, right, bottom."""

    left: int
    top: int
    right: int
    bottom: int


@dataclass(frozen=True)
class Platform:
    """One target: a canvas size plus the rules of the place it is posted to."""

    id: str
    name: str
    width: int
    height: int
    safe: Insets
    format: Literal["png", "jpeg", "webp"]
    file_limit: int  # bytes
    caption_limit: int | None
    caption_counting: CaptionCounting = "chars"
    alt_limit: int | None = None
    max_hashtags: int | None = None
    notes: str = ""
    # The post text's template (fields in CAPTION_FIELDS); None: the default.
    caption_template: str | None = None

    @property
    def aspect_class(self) -> AspectClass:
        """square (within 5%), portrait (up to 4:5+), tall (taller), landscape."""
        ratio = self.width / self.height
        if abs(ratio - 1) <= 0.05:
            return "square"
        if ratio > 1:
            return "landscape"
        return "portrait" if ratio >= 0.7 else "tall"

    @property
    def size(self) -> tuple[int, int]:
        return (self.width, self.height)

    @property
    def safe_box(self) -> tuple[int, int, int, int]:
        """The area text may use, as [left, top, right, bottom] pixels."""
        return (
            self.safe.left,
            self.safe.top,
            self.width - self.safe.right,
            self.height - self.safe.bottom,
        )


def _margin(width: int, height: int, share: float = 0.04) -> Insets:
    """The default safe area: a thin frame so no text touches an edge or a crop."""
    m = round(min(width, height) * share)
    return Insets(m, m, m, m)


def _preset(id: str, name: str, width: int, height: int, **kw: object) -> Platform:
    safe = kw.pop("safe", None) or _margin(width, height)
    return Platform(id=id, name=name, width=width, height=height, safe=safe, **kw)  # type: ignore[arg-type]


# What every Instagram feed post shares. Meta documents no alt-text limit for Instagram
# or Facebook images.
_INSTAGRAM_FEED: dict[str, object] = {
    "format": "png",
    "file_limit": 8 * MB,
    "caption_limit": 2200,
    "alt_limit": None,
    "max_hashtags": 30,
}

BUILTIN: tuple[Platform, ...] = (
    _preset(
        "instagram-square",
        "Instagram square post",
        1080,
        1080,
        **_INSTAGRAM_FEED,
    ),
    _preset(
        "instagram-portrait",
        "Instagram portrait post (4:5)",
        1080,
        1350,
        **_INSTAGRAM_FEED,
        notes="4:5, the feed's tallest",
    ),
    _preset(
        "instagram-grid",
        "Instagram post for the 3:4 profile grid",
        1080,
        1440,
        **_INSTAGRAM_FEED,
        notes="3:4, the profile grid since 2025",
    ),
    _preset(
        "instagram-story",
        "Instagram story",
        1080,
        1920,
        format="png",
        file_limit=30 * MB,
        caption_limit=None,
        alt_limit=None,
        safe=Insets(64, round(1920 * 0.14), 64, round(1920 * 0.20)),
        notes="keep text out of the top 14% and bottom 20%",
    ),
    _preset(
        "facebook",
        "Facebook link image",
        1200,
        630,
        format="png",
        file_limit=8 * MB,
        caption_limit=63206,
        alt_limit=None,
        notes="1.91:1",
    ),
    _preset(
        "x",
        "X (Twitter) post image",
        1600,
        900,
        format="png",
        file_limit=5 * MB,
        caption_limit=280,
        caption_counting="x-weighted",
        # X help, "How to make images accessible": descriptions up to 1,000 characters.
        alt_limit=1000,
        notes="CJK and emoji count 2, a URL 23",
    ),
    _preset(
        "linkedin",
        "LinkedIn shared image",
        1200,
        627,
        format="png",
        file_limit=5 * MB,
        caption_limit=3000,
        # LinkedIn Images API (rest/images): altText, at most 4,086 characters.
        alt_limit=4086,
    ),
    _preset(
        "pinterest",
        "Pinterest pin (2:3)",
        1000,
        1500,
        format="png",
        file_limit=20 * MB,
        caption_limit=500,
        # Pinterest help, "Add alt text to Pins": up to 500 characters.
        alt_limit=500,
        # Pinterest's creative guidelines: keep clear of the lower corners, which its
        # product icons cover in feeds, and of the save button at the top right.
        safe=Insets(60, 90, 60, 165),
        notes="title 100, description 500; text kept out of the bottom 11% (product icons)",
    ),
    _preset(
        "threads",
        "Threads post",
        1080,
        1350,
        format="png",
        file_limit=8 * MB,
        caption_limit=500,
        # Threads (Meta) app: image descriptions up to 1,000 characters.
        alt_limit=1000,
    ),
    _preset(
        "bluesky",
        "Bluesky post image",
        1200,
        675,
        format="png",
        file_limit=1_000_000,
        caption_limit=300,
        caption_counting="graphemes",
        # Bluesky app (social-app, MAX_ALT_TEXT): 2,000 graphemes since 2024 (was 1,000).
        alt_limit=2000,
        notes="alt text expected",
    ),
    _preset(
        "mastodon",
        "Mastodon post image",
        1200,
        675,
        format="png",
        file_limit=16 * MIB,
        caption_limit=500,
        caption_counting="mastodon",  # characters, every http(s) link 23
        # Mastodon server (MediaAttachment::MAX_DESCRIPTION_LENGTH): 1,500 characters.
        alt_limit=1500,
        notes="limits vary by server",
    ),
    _preset(
        "og",
        "Open Graph link preview",
        1200,
        630,
        format="png",
        file_limit=8 * MB,
        caption_limit=None,
        alt_limit=None,
    ),
)

DEFAULT_PLATFORMS: tuple[str, ...] = (
    "instagram-square",
    "instagram-portrait",
    "instagram-story",
    "x",
    "linkedin",
    "facebook",
)


# The fields a caption template may use (batch.captions fills them).
CAPTION_FIELDS = ("quote", "by", "attribution", "title", "url", "hashtags", "handle")


def check_caption_template(value: str) -> str:
    if "quote" not in template_fields(value, CAPTION_FIELDS, "caption template"):
        msg = f"caption template {clipped(value)} must contain {{quote}}"
        raise ValueError(msg)
    return value


Inset = Annotated[int, Field(ge=0, le=MAX_CANVAS_SIDE)]
TextLimit = Annotated[int, Field(gt=0, le=MAX_TEXT_LIMIT)]


class PlatformOverride(BaseModel):
    """One entry of `layouts/platforms.yaml`: a new preset or changes to one."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    name: OneLine | None = None
    width: int | None = Field(default=None, gt=0, le=MAX_CANVAS_SIDE)
    height: int | None = Field(default=None, gt=0, le=MAX_CANVAS_SIDE)
    safe: tuple[Inset, Inset, Inset, Inset] | None = None
    format: Literal["png", "jpeg", "webp"] | None = None
    file_limit: int | None = Field(default=None, gt=0, le=MAX_FILE_LIMIT)
    caption_limit: TextLimit | None = None
    caption_counting: CaptionCounting | None = None
    alt_limit: TextLimit | None = None
    max_hashtags: int | None = Field(default=None, ge=0, le=MAX_TEXT_LIMIT)
    caption_template: Annotated[str, AfterValidator(check_caption_template)] | None = None


class PlatformsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Platform ids name card files, so they are slugs like the built-in ones.
    platforms: dict[
        Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=60)],
        PlatformOverride,
    ]


def load_platforms(project_dir: Path | None = None) -> dict[str, Platform]:
    """Built-in presets, with `layouts/platforms.yaml` of the project merged over them."""
    presets = {p.id: p for p in BUILTIN}
    if project_dir is None:
        return presets
    path = project_dir / "layouts" / "platforms.yaml"
    if not path.exists():  # a folder, device or pipe of that name is refused by read_yaml
        return presets
    from cardgen.yamlio import display_path, read_yaml, validate

    doc = read_yaml(path)
    spec = validate(doc, PlatformsFile)
    shown = display_path(path)
    for pid, over in spec.platforms.items():
        base = presets.get(pid)
        fields = over.model_dump(exclude_none=True)
        if base is None:
            missing = [k for k in ("width", "height") if k not in fields]
            if missing:
                raise InputError(
                    f"new platform '{pid}' needs {' and '.join(missing)}",
                    file=shown,
                    line=doc.line_of(("platforms", pid)),
                    key=f"platforms.{pid}",
                )
            w, h = fields["width"], fields["height"]
            fields.setdefault("name", pid)
            fields.setdefault("format", "png")
            fields.setdefault("file_limit", 8 * MB)
            fields.setdefault("caption_limit", None)
            safe = fields.pop("safe", None)
            presets[pid] = Platform(id=pid, safe=Insets(*safe) if safe else _margin(w, h), **fields)
        else:
            safe = fields.pop("safe", None)
            merged = {**base.__dict__, **fields}
            if safe:
                merged["safe"] = Insets(*safe)
            presets[pid] = Platform(**merged)
        preset = presets[pid]
        left, top, right, bottom = preset.safe_box
        if right - left <= 0 or bottom - top <= 0:
            raise InputError(
                f"safe area {list(preset.safe.__dict__.values())} leaves no room "
                f"on a {preset.width}x{preset.height} canvas",
                file=shown,
                line=doc.line_of(("platforms", pid, "safe")),
                key=f"platforms.{pid}.safe",
                hint="the insets are left, top, right, bottom in pixels",
            )
    return presets
