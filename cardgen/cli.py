"""The `cardgen` command: a thin shell over the library.

It parses arguments, calls `cardgen`, prints results, and turns a
CardgenError into one line on stderr and an exit code. Heavy imports happen
inside the commands so that `cardgen --help` stays fast.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from cardgen import __version__
from cardgen.errors import EXIT_CONTENT, EXIT_INPUT, CardgenError

app = typer.Typer(
    name="cardgen",
    help="Turn articles into verified, branded quote cards for every social platform.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)

T = TypeVar("T")
_state = {"verbose": False}

Selections = Annotated[
    list[Path] | None,
    typer.Argument(help="Selection files (default: every quotes/*.yaml).", show_default=False),
]
PlatformOpt = Annotated[
    list[str] | None,
    typer.Option("--platform", "-p", help="Platform id (repeatable); default: each quote's own."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def _run(action: Callable[[], T]) -> T:
    """Call the library; a CardgenError becomes one line and its exit code."""
    try:
        return action()
    except CardgenError as exc:
        if _state["verbose"]:
            traceback.print_exc()
        typer.echo(f"error: {exc.one_line()}", err=True)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise typer.Exit(130) from None


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cardgen {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show tracebacks.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    _state["verbose"] = verbose


@app.command()
def render(
    selections: Selections = None,
    platform: PlatformOpt = None,
    layout: Annotated[str | None, typer.Option(help="Layout name for every card.")] = None,
    brand: Annotated[str | None, typer.Option(help="Brand kit name for every card.")] = None,
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="Output folder; may hold {date}, {week}, {year}, {month}, {day}.",
        ),
    ] = Path("output"),
    fmt: Annotated[
        str | None, typer.Option("--format", help="png, jpeg or webp (default: the platform's).")
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", min=1, help="Worker processes (default: the CPU count)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Re-render cached cards too.")] = False,
    keep_going: Annotated[
        bool, typer.Option("--keep-going", help="Render the rest when a card fails; exit 1.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would be rendered; write nothing.")
    ] = False,
    pick: Annotated[
        int | None,
        typer.Option("--pick", min=1, help="Only the N quotes least recently rendered."),
    ] = None,
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait for another run on OUT instead of exiting 2.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Line-delimited JSON events on stdout.")
    ] = False,
) -> None:
    """Render every quote of the selections for every platform into OUT."""
    import cardgen

    if fmt is not None and fmt not in ("png", "jpeg", "webp"):
        typer.echo(f"error: --format {fmt!r}: use png, jpeg or webp", err=True)
        raise typer.Exit(EXIT_INPUT)
    progress = _Progress(as_json=as_json, dry_run=dry_run)
    try:
        report = _run(
            lambda: cardgen.render(
                selections,
                out=out,
                platforms=platform,
                layout=layout,
                brand=brand,
                fmt=fmt,
                jobs=jobs,
                force=force,
                keep_going=keep_going,
                dry_run=dry_run,
                pick=pick,
                wait=wait,
                on_event=progress.event,
            )
        )
    finally:
        progress.close()
    if report.failures:
        _failure_table(report.failures)
    if not as_json:
        counts = report.counts
        if report.dry_run:
            for card in report.cards:
                typer.echo(f"{card['status']:<7} {card['path']}")
            typer.echo(
                f"would render {counts['render']} cards, {counts['cached']} cached "
                f"(dry run: nothing written to {report.out}/)"
            )
        else:
            typer.echo(
                f"rendered {counts['rendered']} cards, {counts['cached']} cached"
                + (f", {counts['failed']} failed" if counts["failed"] else "")
                + f", into {report.out}/ (manifest: {report.manifest})"
            )
    if report.failures:
        raise typer.Exit(EXIT_CONTENT)


class _Progress:
    """Shows a batch's events: JSON lines, a rich progress bar on a terminal, or nothing."""

    def __init__(self, *, as_json: bool, dry_run: bool) -> None:
        self.as_json = as_json
        self.bar: Any = None
        self.task: Any = None
        self.show_bar = not as_json and not dry_run and sys.stderr.isatty()

    def event(self, event: dict[str, Any]) -> None:
        if self.as_json:
            typer.echo(json.dumps(event, ensure_ascii=False))
            return
        if not self.show_bar:
            return
        if event["event"] == "start" and event["to_render"]:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

            self.bar = Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task("rendering", total=event["cards"])
        elif event["event"] == "card" and self.bar is not None:
            self.bar.advance(self.task)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def _failure_table(failures: list[Any]) -> None:
    """The cards that failed, one line each, as a table on stderr."""
    rows = [("selection", "quote", "platform", "error")]
    rows += [(f.selection, f.quote_id, f.platform, f.message) for f in failures]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    typer.echo(f"{len(failures)} failed:", err=True)
    for row in rows:
        cells = [row[i].ljust(widths[i]) for i in range(3)]
        typer.echo("  " + "  ".join([*cells, row[3]]), err=True)


@app.command()
def check(selections: Selections = None, platform: PlatformOpt = None) -> None:
    """Verify quotes, schemas and fit without rendering anything."""
    import cardgen

    jobs = _run(lambda: cardgen.check(selections, platforms=platform))
    quotes = {(job.selection.name, job.quote.id) for job in jobs}
    typer.echo(f"ok: {len(quotes)} quotes verified, {len(jobs)} cards fit")


@app.command()
def quote(
    text: Annotated[str, typer.Argument(help="The quote to put on a card.")],
    by: Annotated[str | None, typer.Option("--by", help="Attribution.")] = None,
    platform: Annotated[str, typer.Option("--platform", "-p")] = "instagram-square",
    layout: Annotated[str, typer.Option(help="Layout name.")] = "classic",
    brand: Annotated[str | None, typer.Option(help="Brand kit name.")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output file.")] = None,
) -> None:
    """Render one card from TEXT (not checked against an article)."""
    from cardgen.single import render_text

    path = _run(
        lambda: render_text(text, by=by, platform=platform, layout=layout, brand=brand, out=out)
    )
    typer.echo(str(path))


@app.command()
def platforms(as_json: JsonOpt = False) -> None:
    """List platform presets with their sizes and limits."""
    from cardgen.platforms import load_platforms

    presets = _run(lambda: load_platforms(Path.cwd()))
    if as_json:
        rows = []
        for p in presets.values():
            row = dict(p.__dict__)
            row["safe"] = list(p.safe_box)
            row["aspect_class"] = p.aspect_class
            rows.append(row)
        typer.echo(json.dumps(rows, indent=2))
        return
    for p in presets.values():
        limit = f"{p.caption_limit:,}" if p.caption_limit else "-"
        typer.echo(
            f"{p.id:<20} {p.width}x{p.height:<6} {p.aspect_class:<9} "
            f"file <= {p.file_limit / 1e6:g} MB  caption {limit}"
        )


@app.command()
def layouts(as_json: JsonOpt = False) -> None:
    """List the layouts and brand kits available here."""
    from cardgen.layouts import LayoutSource

    source = LayoutSource.for_project(Path.cwd())
    names, brands = source.layout_names(), source.brand_names()
    if as_json:
        typer.echo(json.dumps({"layouts": names, "brands": brands}, indent=2))
        return
    typer.echo("layouts: " + ", ".join(names))
    typer.echo("brands:  " + ", ".join(brands))


@app.command()
def fonts(as_json: JsonOpt = False) -> None:
    """List the font families and faces cardgen can use."""
    from cardgen.fonts import font_folders, registry_for

    registry = registry_for(font_folders(Path.cwd()))
    if as_json:
        faces = [
            {
                "family": f.family,
                "style": f.style_name,
                "weight": f.weight,
                "italic": f.italic,
                "path": str(f.path),
            }
            for f in registry.faces
        ]
        typer.echo(json.dumps(faces, indent=2))
        return
    for family in registry.families():
        styles = [f.style_name for f in registry.faces if f.family == family]
        typer.echo(f"{family}: {', '.join(styles)}")


def main() -> None:
    """Console entry point."""
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
