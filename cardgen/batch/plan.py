"""Plan and run a batch: selections in, cards and a manifest in the output folder.

Everything that can be wrong with the input is found before the first file
is written: selections are verified, layouts resolved and every card's text
fitted, then the cards are drawn and written, and the manifest last.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypedDict

from cardgen.batch.captions import CaptionParts, alt_text, fitted_caption
from cardgen.batch.cardplan import CardJob as CardJob
from cardgen.batch.cardplan import CardPlan, Choices, LoadedSelections
from cardgen.batch.folder import WrittenFiles, caption_path
from cardgen.batch.options import RenderOptions, one_of
from cardgen.design.cardtext import CardText, card_text
from cardgen.design.layouts import Brand, Layout, LayoutSource, load_brand, resolve_layout
from cardgen.design.platforms import DEFAULT_PLATFORMS, Platform, load_platforms
from cardgen.drawing.encoders import default_format
from cardgen.errors import EXIT_CONTENT, CardgenError, InputError, did_you_mean
from cardgen.source.quotes import LoadedSelection, Quote, load_selection
from cardgen.yamlio import display_path

if TYPE_CHECKING:
    from cardgen.batch.records import CardRecord, ElementFacts, Event, PlannedCard, SceneFacts
    from cardgen.drawing.scene import ElementInfo, Scene, SceneMemo
    from cardgen.typography.fonts import FontRegistry

DEFAULT_LAYOUT = "classic"
_AS_SELECTED = RenderOptions()  # no choice of the command line's: each quote's own (`check`)
# The files at the top of an output folder; a selection's cards go in a folder of its name.
OWN_FILES = ("manifest.json", "captions.csv", "index.html")
# Names people use for a platform that are not its id: `twitter` is `x`.
PLATFORM_ALIASES = {
    "twitter": "x",
    "tweet": "x",
    "x-twitter": "x",
    "instagram": "instagram-square",
    "insta": "instagram-square",
    "ig": "instagram-square",
    "instagram-feed": "instagram-square",
    "story": "instagram-story",
    "stories": "instagram-story",
    "instagram-reel": "instagram-story",
    "reels": "instagram-story",
    "fb": "facebook",
    "meta": "facebook",
    "linked-in": "linkedin",
    "li": "linkedin",
    "bsky": "bluesky",
    "blue-sky": "bluesky",
    "toot": "mastodon",
    "fediverse": "mastodon",
    "open-graph": "og",
    "opengraph": "og",
    "pin": "pinterest",
}


@dataclass
class Project:
    """A project folder: its layouts, brands, fonts and platform presets."""

    root: Path
    layouts: LayoutSource
    platforms: dict[str, Platform]
    _brands: dict[str | None, Brand] = field(default_factory=dict)
    _layouts: dict[tuple[str, str], Layout] = field(default_factory=dict)
    _registry: FontRegistry | None = None
    _scene_memo: SceneMemo | None = None

    @classmethod
    def open(cls, root: Path | None = None) -> Project:
        root = (root or Path.cwd()).resolve()
        return cls(
            root=root, layouts=LayoutSource.for_project(root), platforms=load_platforms(root)
        )

    def font_registry(self) -> FontRegistry:
        """The project's fonts (its `fonts/`, cardgen's, the system's), read on first use."""
        if self._registry is None:
            from cardgen.typography.fontfiles import font_folders
            from cardgen.typography.fonts import FontRegistry

            self._registry = FontRegistry(font_folders(self.root))
        return self._registry

    def scene_memo(self) -> SceneMemo:
        """What building this project's cards remembers from card to card (`build_scene`)."""
        if self._scene_memo is None:
            from cardgen.drawing.scene import SceneMemo

            self._scene_memo = SceneMemo()
        return self._scene_memo

    def selection_files(self) -> list[Path]:
        # Hidden files (editor backups, `.#x.yaml` locks) are not selections.
        found = (self.root / "quotes").glob("*.yaml")
        return sorted(p for p in found if not p.name.startswith("."))

    def platform(self, platform_id: str) -> Platform:
        if platform_id not in self.platforms:
            alias = PLATFORM_ALIASES.get(platform_id.lower())
            hint = (
                f"did you mean '{alias}'?"
                if alias in self.platforms
                else did_you_mean(platform_id, self.platforms, "`cardgen platforms` lists them")
            )
            raise InputError(f"unknown platform '{platform_id}'", hint=hint)
        return self.platforms[platform_id]

    def brand(self, name: str | None) -> Brand:
        if name not in self._brands:
            self._brands[name] = load_brand(self.layouts, name)
        return self._brands[name]

    def layout_brand(self, layout_name: str, resolved: Layout) -> str | None:
        """The brand a layout names by default, honoured for the project's own layouts.

        A bundled layout names the bundled example's kit (for its look in the example):
        a project without a brand of its own gets the neutral built-in one instead,
        never the example's handle, hashtags and logo.
        """
        if resolved.brand is None or self.layouts.origin(layout_name) == "project":
            return resolved.brand
        if (self.root / "layouts" / "brands" / f"{resolved.brand}.yaml").is_file():
            return resolved.brand  # the project keeps that kit itself
        return None

    def loaded(self) -> list[Layout | Brand]:
        """The resolved layouts and the brands loaded so far."""
        return [*self._layouts.values(), *self._brands.values()]

    def layout(self, name: str, platform: Platform) -> Layout:
        key = (name, platform.id)
        if key not in self._layouts:
            self._layouts[key] = resolve_layout(self.layouts, name, platform)
        return self._layouts[key]


@dataclass(frozen=True)
class Failure:
    """A card (or a whole selection, quote_id and platform '*') that could not be made."""

    selection: str
    quote_id: str
    platform: str
    message: str


@dataclass
class RenderReport:
    """What a render did: its cards (this run's, rendered or cached), the manifest, the
    cards that failed, and for the up-to-date stamp what it read, wrote and asked for."""

    out: Path
    cards: Sequence[CardRecord]  # this run's cards: rendered or cached (read as used)
    manifest: Path | None
    failures: list[Failure] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False
    inputs: list[Path] = field(default_factory=list)  # files read: selections, articles, images
    options: RenderOptions = field(default_factory=RenderOptions)  # what the run was asked
    written: WrittenFiles = field(default_factory=WrittenFiles)  # files written, as left
    # The events the same render run again unchanged would give (every card cached);
    # empty when there is no such rerun (a dry run, a card that failed).
    rerun_events: Sequence[Event] = field(default_factory=list)  # read as used
    planned: list[PlannedCard] = field(default_factory=list)  # a dry run's cards
    carousels_drawn: int = 0  # carousels drawn, not cached: `rendered` in the manifest

    def settled(self) -> RenderReport:
        """This report as the same render run again unchanged would give it: every card of
        this run cached."""
        from cardgen.batch.spool import with_status

        cards = with_status(self.cards, "cached")
        counts = {**self.counts, "rendered": 0, "cached": len(cards)}
        return replace(self, cards=cards, counts=counts, carousels_drawn=0)


def load_selections(
    paths: Sequence[Path] | None,
    project: Project,
    *,
    failures: list[Failure] | None = None,
) -> Sequence[LoadedSelection]:
    """The given selection files, or every `quotes/*.yaml` of the project, each loaded and
    verified in turn and then kept on disk (`LoadedSelections`), not in memory.

    With `failures` (`render --keep-going`), a quote that is not found fails alone:
    it is listed there and the selection's other quotes are kept.
    """
    files = list(paths) if paths else project.selection_files()
    if not files:
        raise InputError(
            f"no selections given and none found in {display_path(project.root / 'quotes')}",
            hint="pass a SELECTION.yaml or add files under quotes/",
        )
    names: dict[str, Path] = {}
    loaded = LoadedSelections()
    for path in files:
        _usable_name(path)
        selection = load_selection(path, project_root=project.root, collect=failures is not None)
        for problem in selection.problems:
            shown = shown_path(path, project.root)
            assert failures is not None
            failures.append(Failure(shown, problem.quote_id, "*", problem.error.one_line()))
        if selection.name in names:
            raise _twin(names[selection.name], path)
        names[selection.name] = path
        loaded.append(replace(selection, problems=()))  # listed as failures above
    return loaded


def plan(
    selections: Iterable[LoadedSelection],
    project: Project,
    *,
    platforms: Sequence[str] | None = None,
    layout: str | None = None,
    brand: str | None = None,
    fmt: str | None = None,
    options: RenderOptions | None = None,
) -> Sequence[CardJob]:
    """Every card of the batch: quotes x their platforms, with layout and brand chosen
    (by `options`, or by the separate keywords). A `CardPlan`: each card's job is made
    when it is read, from a few numbers a card."""
    chosen = one_of(
        options,
        RenderOptions(
            platforms=None if platforms is None else tuple(platforms),
            layout=layout,
            brand=brand,
            fmt=fmt,
        ),
    )
    for wanted in chosen.platforms or ():
        project.platform(wanted)
    if chosen.layout is not None:
        project.layouts.find(chosen.layout, "layout")
    if not isinstance(selections, Sequence):
        selections = list(selections)
    jobs = CardPlan(selections)
    for number, selection in enumerate(selections):
        for quote_number, quote in enumerate(selection.quotes):
            for platform_id in chosen.platforms or quote.platforms or DEFAULT_PLATFORMS:
                card = _choices(selection, quote, platform_id, project, chosen)
                jobs.add(number, quote_number, card)
    return jobs


def _choices(
    selection: LoadedSelection,
    quote: Quote,
    platform_id: str,
    project: Project,
    asked: RenderOptions,
) -> Choices:
    """A card's choices: the command line's (`asked`: layout, brand, format) over the
    quote's, over the defaults. Its errors name the selection's line that asked for them."""
    layout_name = asked.layout or quote.layout or DEFAULT_LAYOUT
    try:
        platform = project.platform(platform_id)
        resolved = project.layout(layout_name, platform)
    except CardgenError as exc:
        # Name the selection (and line) that asked for the platform or layout; the
        # command line's own choices were checked before.
        if exc.file is None:
            exc.file = display_path(selection.path)
            exc.line = selection.platform_lines.get((quote.id, platform_id), quote.line)
            exc.message = f"quote '{quote.id}': {exc.message}"
        raise
    fmt = asked.fmt or default_format(platform.format, resolved.background.image is not None)
    brand = asked.brand or quote.brand or project.layout_brand(layout_name, resolved)
    return Choices(platform, layout_name, brand, fmt)


class ProblemJson(TypedDict):
    """A problem as `cardgen check --json` prints it."""

    severity: Literal["error", "warning"]
    kind: str
    message: str
    file: str | None
    line: int | None
    quote_id: str | None
    platform: str | None
    exit_code: int


class CreditJson(TypedDict):
    """A quote's credit as `cardgen check --json` prints it."""

    selection: str
    quote_id: str
    attribution: str | None
    speaker: str | None


@dataclass(frozen=True)
class Problem:
    """One thing `check` found: an error (exit 1 or 2) or a warning."""

    severity: Literal["error", "warning"]
    message: str  # the whole line, as printed after `error: ` or `warning: `
    exit_code: int = 0  # 1 content, 2 unusable input; 0 for a warning
    file: str | None = None
    line: int | None = None
    quote_id: str | None = None
    platform: str | None = None
    # For machines: an error's CardgenError.kind (`input`, `quote-not-found`, ...), or a
    # warning's topic (`attribution`, `article`, `design`, `caption`).
    kind: str = "content"

    @classmethod
    def of(
        cls, exc: CardgenError, quote_id: str | None = None, platform: str | None = None
    ) -> Problem:
        return cls(
            "error", exc.one_line(), exc.exit_code, exc.file, exc.line, quote_id, platform, exc.kind
        )

    def as_json(self) -> ProblemJson:
        return {
            "severity": self.severity,
            "kind": self.kind,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "quote_id": self.quote_id,
            "platform": self.platform,
            "exit_code": self.exit_code,
        }


@dataclass(frozen=True)
class Credit:
    """Whom one quote's cards credit, and who speaks it as the article tells."""

    selection: str
    quote_id: str
    attribution: str | None  # None: the card leaves the attribution line out
    speaker: str | None  # "quoted" (inside quotation marks) or "narration"

    def as_json(self) -> CreditJson:
        return {
            "selection": self.selection,
            "quote_id": self.quote_id,
            "attribution": self.attribution,
            "speaker": self.speaker,
        }


@dataclass
class CheckReport:
    """Everything `check` found in one run, every selection and card."""

    selections: int = 0
    quotes: int = 0  # verified
    cards: int = 0  # planned and fitted
    problems: list[Problem] = field(default_factory=list)
    jobs: list[CardJob] = field(default_factory=list)
    credits: list[Credit] = field(default_factory=list)

    def credit_summary(self) -> str | None:
        """One line: whom the quotes are credited to, and whether as speech or narration."""
        counts: dict[tuple[str | None, str | None], int] = {}
        for credit in self.credits:
            key = (credit.attribution, credit.speaker)
            counts[key] = counts.get(key, 0) + 1
        if not counts:
            return None
        parts: list[str] = []
        for (name, speaker), number in counts.items():
            how = {"quoted": "quoted speech", "narration": "narration"}.get(speaker or "", "")
            who = name or "no one (no attribution line)"
            noun = "" if parts else (" quote" if number == 1 else " quotes")
            parts.append(f"{number}{noun} to {who}" + (f" ({how})" if how else ""))
        return "credited: " + ", ".join(parts)

    def add(self, problem: Problem) -> None:
        if all(p.message != problem.message for p in self.problems):
            self.problems.append(problem)

    def exit_code(self, *, strict: bool = False) -> int:
        """2 for unusable input, 1 for content (and warnings when `strict`), else 0."""
        codes = [p.exit_code for p in self.problems if p.severity == "error"]
        if strict and any(p.severity == "warning" for p in self.problems):
            codes.append(EXIT_CONTENT)
        return max(codes, default=0)

    @property
    def warnings(self) -> list[str]:
        return [p.message for p in self.problems if p.severity == "warning"]


def check(
    selections: Sequence[Path] | None = None,
    *,
    project: Project | None = None,
    platforms: Sequence[str] | None = None,
    warnings: list[str] | None = None,
) -> CheckReport:
    """Verify quotes, schemas, attribution and fit of every card; draws and writes nothing.

    Every problem of every selection is collected in the report instead of stopping
    at the first. A run that cannot start (no selections, an unknown `--platform`)
    raises. Warnings are also appended to `warnings` when given.
    """
    project = project or Project.open()
    files = list(selections) if selections else project.selection_files()
    if not files:
        load_selections(files, project)  # raises the usual "no selections" error
    for wanted in platforms or ():
        project.platform(wanted)
    report = CheckReport()
    names: dict[str, Path] = {}
    for path in files:
        selection = _check_load(path, project, report)
        if selection is None:
            continue
        if selection.name in names:
            report.add(Problem.of(_twin(names[selection.name], path)))
            continue
        names[selection.name] = path
        report.selections += 1
        for quote in selection.quotes:
            report.quotes += 1
            speaker = quote.speaker.kind if quote.speaker else None
            shown = display_path(selection.path)
            report.credits.append(Credit(shown, quote.id, quote.attribution, speaker))
            for warning in quote.warnings:
                report.add(
                    Problem(
                        "warning",
                        warning,
                        0,
                        display_path(selection.path),
                        quote.line,
                        quote.id,
                        kind="attribution",
                    )
                )
            for platform_id in platforms or quote.platforms or DEFAULT_PLATFORMS:
                _check_card(selection, quote, platform_id, project, report)
        try:  # its carousels: platforms that take them, slide limits, layouts
            from cardgen.batch.carousels import plan_carousels

            plan_carousels([selection], project, platforms=platforms, default_layout=DEFAULT_LAYOUT)
        except CardgenError as exc:
            report.add(Problem.of(exc))
    if warnings is not None:
        warnings.extend(w for w in report.warnings if w not in warnings)
    return report


def _check_load(path: Path, project: Project, report: CheckReport) -> LoadedSelection | None:
    try:
        _usable_name(path)
        selection = load_selection(path, project_root=project.root, collect=True)
    except CardgenError as exc:
        report.add(Problem.of(exc))
        return None
    for problem in selection.problems:
        report.add(Problem.of(problem.error, problem.quote_id))
    for warning in selection.article.warnings:
        report.add(Problem("warning", warning, 0, display_path(selection.path), kind="article"))
    return selection


def _check_card(
    selection: LoadedSelection,
    quote: Quote,
    platform_id: str,
    project: Project,
    report: CheckReport,
) -> None:
    try:
        choices = _choices(selection, quote, platform_id, project, _AS_SELECTED)
        job = CardJob.of(selection, quote, choices)
        scene = fit_card(job, project)
        card_snippets(job, project)
    except CardgenError as exc:
        problem = Problem.of(exc, quote.id, platform_id)
        # A card's error may not know its selection: the quote's file and line say where.
        file, line = problem.file or display_path(selection.path), problem.line or quote.line
        report.add(replace(problem, file=file, line=line))
        return
    report.cards += 1
    report.jobs.append(job)
    where = (display_path(selection.path), quote.line, quote.id, platform_id)
    for warning in scene.warnings:
        report.add(Problem("warning", warning, 0, *where, kind="design"))
    for warning in caption_warnings(job, project):
        report.add(Problem("warning", warning, 0, *where, kind="caption"))


def _usable_name(path: Path) -> None:
    if path.stem.lower() in OWN_FILES:
        # The name becomes an output folder: it would stand where cardgen's file goes.
        raise InputError(
            f"selection file name {path.name!r} would name a folder in the place of the "
            f"output folder's {path.stem}",
            file=display_path(path),
            hint="rename it, e.g. 'my-article.yaml'",
        )
    if path.stem.startswith(".") or not path.stem.strip():
        # The name becomes an output folder: `...yaml` would name `..`, outside it.
        raise InputError(
            f"selection file name {path.name!r} cannot name an output folder",
            file=display_path(path),
            hint="rename it to start with a letter or digit, like 'my-article.yaml'",
        )


def _twin(first: Path, second: Path) -> InputError:
    return InputError(
        f"two selections are named '{second.stem}' ({first} and {second})",
        hint="selection file names name output folders and must differ",
    )


def card_content(job: CardJob, brand: Brand) -> CardText:
    """The text fields a card's layout may show: the quote, its attribution, the article's."""
    quote = job.quote
    return card_text(quote.text, brand, attribution=quote.attribution, article=job.selection)


def fit_card(job: CardJob, project: Project) -> Scene:
    from cardgen.drawing.composition import build_scene

    brand = project.brand(job.brand)
    layout = project.layout(job.layout, job.platform)
    label = f"{job.selection.name}/{job.quote.id}"
    try:
        return build_scene(
            card_content(job, brand),
            layout,
            brand,
            job.platform,
            project.font_registry(),
            label=label,
            memo=project.scene_memo(),
        )
    except CardgenError as exc:
        if exc.file is None:
            exc.file = display_path(job.selection.path)
        raise


def _caption_parts(job: CardJob, project: Project) -> CaptionParts:
    brand = project.brand(job.brand)
    selection = job.selection
    return CaptionParts(
        quote=job.quote.text,
        attribution=job.quote.attribution,
        title=selection.title,
        url=selection.url or brand.website,
        hashtags=tuple(job.quote.hashtags or brand.hashtags),
        handle=brand.handle,
    )


def card_snippets(job: CardJob, project: Project) -> tuple[str, str]:
    """(caption, alt text) of a card."""
    layout = project.layout(job.layout, job.platform)
    parts = _caption_parts(job, project)
    description = layout.description or f"Quote card in the {job.layout} layout"
    try:
        return fitted_caption(parts, job.platform)[0], alt_text(parts, description, job.platform)
    except CardgenError as exc:
        exc.file = exc.file or display_path(job.selection.path)
        exc.message = f"quote '{job.quote.id}': {exc.message}"
        raise


def caption_warnings(job: CardJob, project: Project) -> list[str]:
    """A card's caption shortened to fit its platform, said as a warning naming the quote."""
    try:
        note = fitted_caption(_caption_parts(job, project), job.platform)[1]
    except CardgenError:
        return []  # reported as the card's error by card_snippets
    if note is None:
        return []
    where = display_path(job.selection.path) + (f":{job.quote.line}" if job.quote.line else "")
    return [f"{where} quote '{job.quote.id}': {note}"]


def scene_facts(scene: Scene) -> SceneFacts:
    """What a card's manifest record says of its scene; kept from fitting to writing
    instead of the scene itself (which the runner holds pickled, for drawing only)."""
    return {
        "width": scene.width,
        "height": scene.height,
        "texts": [
            {
                "role": block.role,
                "font": block.face.full_name,
                "font_size": block.size,
                "lines": len(block.lines),
                "line_texts": [line.text for line in block.lines],
                "box": list(block.box),
                "ink_box": list(block.ink_box),
                "fonts": [face.full_name for face in block.faces],
            }
            for block in scene.texts
        ],
        "elements": [_element_facts(info) for info in scene.elements],
        "warnings": list(scene.warnings),
    }


def _element_facts(info: ElementInfo) -> ElementFacts:
    facts: ElementFacts = {
        "id": info.id,
        "type": info.type,
        "role": info.role,
        "box": list(info.box),
        "ink_box": list(info.ink_box),
    }
    if info.type == "text":
        facts["lines"] = list(info.lines)
    return facts


def card_record(
    job: CardJob,
    facts: SceneFacts,
    data: bytes,
    snippets: tuple[str, str],
    project: Project,
    cache_key: str,
) -> CardRecord:
    """A card's manifest record; `facts` from `scene_facts`, `cache_key` its cache key."""
    selection = job.selection
    return {
        "selection": shown_path(selection.path, project.root),
        "quote_id": job.quote.id,
        "platform": job.platform.id,
        "layout": job.layout,
        "brand": project.brand(job.brand).name,
        "path": job.path,
        "width": facts["width"],
        "height": facts["height"],
        "format": job.fmt,
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "text": job.quote.text,
        "attribution": job.quote.attribution,
        "source": {"title": selection.title, "author": selection.author, "url": selection.url},
        "caption": snippets[0],
        "alt_text": snippets[1],
        "status": "rendered",
        "texts": facts["texts"],
        "elements": facts["elements"],
        "warnings": [
            *facts["warnings"],
            *selection.article.warnings,
            *job.quote.warnings,
            *caption_warnings(job, project),
        ],
        "cache_key": cache_key,
        "caption_file": caption_path(job.path),
    }


def shown_path(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
