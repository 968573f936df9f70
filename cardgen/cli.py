"""The `cardgen` command: a thin shell over the library.

It parses arguments, calls `cardgen`, prints results, and turns a
CardgenError into one line on stderr and an exit code. Heavy imports happen
inside the commands so that `cardgen --help` stays fast.
"""

from __future__ import annotations

import contextlib
import json
import sys
import traceback
import typing
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from cardgen import __version__
from cardgen.batch import uptodate
from cardgen.errors import (
    EXIT_CONTENT,
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    CardgenError,
    InputError,
    internal_error_line,
    is_file_system_error,
    os_error_line,
)

if TYPE_CHECKING:
    from cardgen.batch.plan import RenderReport
    from cardgen.batch.records import Event

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
    """Call the library; any failure becomes one line on stderr and an exit code.

    A CardgenError is the user's to fix (exit 1 or 2); an OSError the library
    did not anticipate is the machine's (exit 2); anything else is a bug in
    cardgen (exit 70). `--verbose` adds the traceback in every case.
    """
    try:
        return action()
    except CardgenError as exc:
        _fail(exc.one_line(), exc.exit_code)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except OSError as exc:
        if not is_file_system_error(exc):
            _fail(internal_error_line(exc), EXIT_INTERNAL)
        _fail(os_error_line(exc), EXIT_INPUT)
    except Exception as exc:
        _fail(internal_error_line(exc), EXIT_INTERNAL)


def _fail(line: str, code: int) -> typing.NoReturn:
    if _state["verbose"]:
        traceback.print_exc()
    typer.echo(f"error: {line}", err=True)
    raise typer.Exit(code) from None


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
    ctx: typer.Context,
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
    adopt: Annotated[
        bool,
        typer.Option(
            "--adopt", help="Take over an existing folder that is not yet a cardgen output folder."
        ),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Line-delimited JSON events on stdout.")
    ] = False,
) -> None:
    """Render every quote of the selections for every platform into OUT."""
    import cardgen
    from cardgen.batch.options import RenderOptions

    if fmt is not None and fmt not in ("png", "jpeg", "webp"):
        typer.echo(f"error: --format {fmt!r}: use png, jpeg or webp", err=True)
        raise typer.Exit(EXIT_INPUT)
    options = RenderOptions(
        out=out,
        platforms=tuple(platform) if platform else None,
        layout=layout,
        brand=brand,
        fmt=fmt,
        jobs=jobs,
        force=force,
        keep_going=keep_going,
        dry_run=dry_run,
        pick=pick,
        wait=wait,
        adopt=adopt,
    )
    progress = _Progress(as_json=as_json, dry_run=dry_run)
    try:
        report = _run(lambda: cardgen.render(selections, options=options, on_event=progress.event))
    finally:
        progress.close()
    _echo(_warning_lines(report))
    if report.failures:
        _failure_table(report.failures)
    if report.dry_run and not as_json:
        for card in report.planned:
            typer.echo(f"{card['status']:<7} {card['path']}")
        counts = report.counts
        typer.echo(
            f"would render {counts['render']} cards, {counts['cached']} cached "
            f"(dry run: nothing written to {report.out}/)"
        )
    elif not as_json:
        _echo([_summary_line(report)])
    recorder = ctx.find_object(uptodate.Recorder)
    if recorder is not None:
        recorder.note_render(report, _rerun_transcript(report, as_json=as_json))
    if report.failures:
        raise typer.Exit(EXIT_CONTENT)


Line = tuple[bool, str]  # (to stderr, the text of one line of `render`'s output)


def _echo(lines: list[Line]) -> None:
    for err, text in lines:
        typer.echo(text, err=err)


def _event_line(event: Event, *, as_json: bool) -> Line | None:
    """What `render` prints for an event as it happens: every event with --json, else
    only warnings (the progress bar shows the rest)."""
    if as_json:
        return False, json.dumps(event, ensure_ascii=False)
    if event["event"] == "warning":
        return True, f"warning: {event['message']}"
    return None


def _warning_lines(report: RenderReport) -> list[Line]:
    """The cards' warnings, once each, on stderr; they never change the exit code."""
    warnings = [w for card in report.cards for w in card["warnings"]]
    return [(True, f"warning: {warning}") for warning in dict.fromkeys(warnings)]


def _summary_line(report: RenderReport) -> Line:
    counts = report.counts
    failed = f", {counts['failed']} failed" if counts["failed"] else ""
    return False, (
        f"rendered {counts['rendered']} cards, {counts['cached']} cached{failed}, "
        f"into {report.out}/ (manifest: {report.manifest})"
    )


def _rerun_transcript(report: RenderReport, *, as_json: bool) -> list[Line]:
    """What this same render prints when run again with nothing changed (every card
    cached), for the up-to-date stamp to print in its place: the same functions as above
    over the rerun's events and report, so the two cannot drift apart."""
    if not report.rerun_events:
        return []
    lines = [_event_line(event, as_json=as_json) for event in report.rerun_events]
    settled = report.settled()
    closing = _warning_lines(settled) + ([] if as_json else [_summary_line(settled)])
    return [(err, text + "\n") for err, text in [*filter(None, lines), *closing]]


class _Progress:
    """Shows a batch's events: JSON lines, a rich progress bar on a terminal, or nothing."""

    def __init__(self, *, as_json: bool, dry_run: bool) -> None:
        self.as_json = as_json
        self.bar: Any = None
        self.task: Any = None
        self.show_bar = not as_json and not dry_run and sys.stderr.isatty()

    def event(self, event: Event) -> None:
        line = _event_line(event, as_json=self.as_json)
        if line is not None:
            _echo([line])
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
def check(
    selections: Selections = None,
    platform: PlatformOpt = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Warnings (attribution, contrast...) are errors.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Every problem as one JSON document on stdout.")
    ] = False,
) -> None:
    """Verify quotes, attribution, schemas and fit without rendering; lists every problem."""
    import cardgen

    report = _run(lambda: cardgen.check(selections, platforms=platform))
    code = report.exit_code(strict=strict)
    if as_json:
        document = {
            "ok": code == 0,
            "exit_code": code,
            "selections": report.selections,
            "quotes": report.quotes,
            "cards": report.cards,
            "errors": sum(p.severity == "error" for p in report.problems),
            "warnings": sum(p.severity == "warning" for p in report.problems),
            "problems": [p.as_json() for p in report.problems],
        }
        typer.echo(json.dumps(document, indent=2, ensure_ascii=False))
        raise typer.Exit(code)
    for problem in report.problems:
        severity = "error" if strict else problem.severity
        typer.echo(f"{severity}: {problem.message}", err=True)
    errors = sum(p.severity == "error" for p in report.problems)
    warnings = len(report.problems) - errors
    if code == 0:
        typer.echo(f"ok: {report.quotes} quotes verified, {report.cards} cards fit")
    else:
        counted = _plural(errors + (warnings if strict else 0), "error")
        if warnings and not strict:
            counted += ", " + _plural(warnings, "warning")
        typer.echo(
            f"{counted} in {_plural(report.selections, 'selection')} ({report.quotes} quotes "
            f"verified, {report.cards} cards fit)"
        )
    raise typer.Exit(code)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


@app.command()
def init(
    folder: Annotated[
        Path, typer.Argument(help="Folder for the new project (default: this one).")
    ] = Path(),
    name: Annotated[
        str | None, typer.Option("--name", help="Brand name (default: the folder's name).")
    ] = None,
    colors: Annotated[
        str | None,
        typer.Option(
            "--colors",
            help="Brand colours: '#bg,#text,#accent' (in that order) or 'accent=#c33,...'.",
        ),
    ] = None,
    fonts: Annotated[
        str | None,
        typer.Option(
            "--fonts", help="Font families: 'Serif,Sans,Display' (in that order) or 'sans=Inter'."
        ),
    ] = None,
    handle: Annotated[
        str | None, typer.Option("--handle", help="Social handle, e.g. @studio.")
    ] = None,
    logo: Annotated[
        Path | None, typer.Option("--logo", help="Logo file (PNG, JPEG, WebP or SVG), copied in.")
    ] = None,
    website: Annotated[
        str | None, typer.Option("--website", help="Website, for {url} when an article has none.")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Write into a folder that is not empty.")
    ] = False,
) -> None:
    """Write a starter project: a selection and article, a brand kit, .gitignore, README."""
    from cardgen.starter import StarterOptions, init_project

    options = StarterOptions(
        name=name, colors=colors, fonts=fonts, handle=handle, logo=logo, website=website
    )
    written = _run(lambda: init_project(folder, options, force=force))
    for path in written:
        typer.echo(f"wrote {path}")
    typer.echo(f"next: cd {folder} && cardgen check && cardgen render")


@app.command()
def suggest(
    article: Annotated[
        str, typer.Argument(help="An article: .txt, .md or .html, or a web page's http(s) URL.")
    ],
    count: Annotated[
        int, typer.Option("-n", "--count", min=1, max=100, help="How many passages.")
    ] = 10,
    save_in: Annotated[
        Path | None,
        typer.Option(
            "--save-in",
            help="Folder the YAML will be saved in; article.source is relative to it "
            "(default: quotes/ if the article is under it, else the article's folder; for a "
            "URL, quotes/ if there is one, else this folder).",
        ),
    ] = None,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain",
            help="Say why each passage ranked where it did: a YAML comment under each one "
            "lists the features that made its score.",
        ),
    ] = False,
) -> None:
    """Print the most quotable passages of ARTICLE as a selection YAML."""
    from cardgen.source.fetch import ensure_snapshot, is_url
    from cardgen.source.suggest import suggest_selection

    def run() -> str:
        if not is_url(article):
            return suggest_selection(Path(article), count, save_in, explain=explain)
        # A page is fetched once into FOLDER/articles/, next to where the YAML will live.
        folder = save_in or (Path("quotes") if Path("quotes").is_dir() else Path())
        snapshot = ensure_snapshot(article, folder)
        return suggest_selection(snapshot.html, count, folder, explain=explain)

    typer.echo(_run(run), nl=False)


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
    from cardgen.batch.single import render_text

    path = _run(
        lambda: render_text(text, by=by, platform=platform, layout=layout, brand=brand, out=out)
    )
    typer.echo(str(path))


@app.command()
def platforms(as_json: JsonOpt = False) -> None:
    """List platform presets with their sizes and limits."""
    from cardgen.design.platforms import load_platforms

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
def layouts(
    as_json: JsonOpt = False,
    thumbnails: Annotated[
        bool,
        typer.Option(
            "--thumbnails/--no-thumbnails",
            help="Render a square thumbnail of each layout into OUT/layouts/.",
        ),
    ] = True,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("output"),
) -> None:
    """List the layouts (bundled and this project's) and brand kits, with thumbnails."""
    from cardgen.design.layouts import LayoutSource

    source = _run(lambda: LayoutSource.for_project(Path.cwd()))
    names, brands = _run(lambda: (source.layout_names(), source.brand_names()))
    where = {name: source.origin(name) for name in names}
    paths: dict[str, str] = {}
    if thumbnails:
        from cardgen.review.preview import write_thumbnails

        paths = {k: str(v) for k, v in _run(lambda: write_thumbnails(names, out)).items()}
    if as_json:
        typer.echo(
            json.dumps(
                {"layouts": names, "brands": brands, "origin": where, "thumbnails": paths},
                indent=2,
            )
        )
        return
    typer.echo("layouts:")
    for name in names:
        typer.echo(f"  {name:<16} {where[name]:<8} {paths.get(name, '')}".rstrip())
    typer.echo("brands:  " + ", ".join(brands))


@app.command()
def preview(
    selection: Annotated[Path, typer.Argument(help="The selection file.", show_default=False)],
    quote_id: Annotated[
        str | None, typer.Option("--quote", "-q", help="Quote id (default: the first).")
    ] = None,
    platform: Annotated[
        list[str] | None,
        typer.Option("--platform", "-p", help="Platform id (repeatable); default: every one."),
    ] = None,
    layout: Annotated[str | None, typer.Option(help="Layout name (default: the quote's).")] = None,
    brand: Annotated[str | None, typer.Option(help="Brand kit name.")] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Sheet file (default: output/preview/SELECTION/QUOTE.png)."
        ),
    ] = None,
    debug: Annotated[
        bool, typer.Option("--debug", help="Draw element boxes, safe areas and a 10% grid.")
    ] = False,
    watch: Annotated[
        bool,
        typer.Option(
            "--watch", help="Redraw whenever a layout, brand, font or the selection changes."
        ),
    ] = False,
) -> None:
    """Write one contact sheet with a quote on every platform, labelled, for designers."""
    from cardgen.review import preview as previews

    options: dict[str, Any] = {
        "quote_id": quote_id,
        "out": out,
        "platforms": platform,
        "layout": layout,
        "brand": brand,
        "debug": debug,
    }
    if not watch:
        result = _run(lambda: previews.write_preview(selection, **options))
        count = len(result.platforms)
        typer.echo(f"wrote {result.path} ({count} platforms, {result.seconds:.2f} s)")
        for problem in result.problems:
            typer.echo(f"error: {problem}", err=True)
        if result.problems:
            raise typer.Exit(EXIT_CONTENT)
        return

    import time

    def report(result: previews.PreviewResult | CardgenError) -> None:
        stamp = time.strftime("%H:%M:%S")
        if isinstance(result, CardgenError):
            typer.echo(f"{stamp} error: {result.one_line()}", err=True)
        else:
            typer.echo(f"{stamp} refreshed {result.path} in {result.seconds:.2f} s")
            for problem in result.problems:
                typer.echo(f"{stamp} error: {problem}", err=True)

    typer.echo("watching layouts, brands, fonts and the selection; Ctrl-C stops")
    try:
        previews.watch_preview(selection, report, **options)
    except KeyboardInterrupt:
        typer.echo("stopped")


@app.command()
def schema(
    kind: Annotated[
        str,
        typer.Argument(
            help="layout, brand or selection (files you write); manifest or events (what "
            "render writes and prints with --json).",
            show_default=False,
        ),
    ],
) -> None:
    """Print the JSON Schema of a file type, for completion in editors."""
    import difflib

    from cardgen.batch import records
    from cardgen.design.layouts import SCHEMA_KINDS, json_schema

    written = {"manifest": records.manifest_schema, "events": records.events_schema}

    def made() -> dict[str, Any]:
        if kind in written:
            return written[kind]()
        if kind in SCHEMA_KINDS:
            return json_schema(kind)
        kinds = [*SCHEMA_KINDS, *written]
        close = difflib.get_close_matches(kind, kinds, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"use {', '.join(kinds)}"
        raise InputError(f"no schema named {kind!r}", hint=hint)

    typer.echo(json.dumps(_run(made), indent=2))


@app.command()
def fonts(
    as_json: JsonOpt = False,
    system: Annotated[
        bool, typer.Option("--system", help="Also list system fonts (fontconfig fallbacks).")
    ] = False,
) -> None:
    """List the font families and faces cardgen can use."""
    from cardgen.typography.fontfiles import font_folders
    from cardgen.typography.fonts import registry_for

    registry = _run(lambda: registry_for(font_folders(Path.cwd())))
    faces = registry.all_faces() if system else registry.faces
    if as_json:
        rows = [
            {
                "family": f.family,
                "style": f.style_name,
                "weight": f.weight,
                "italic": f.italic,
                "path": str(f.path),
            }
            for f in faces
        ]
        typer.echo(json.dumps(rows, indent=2))
        return
    for family in sorted({f.family for f in faces}):
        styles = list(dict.fromkeys(f.style_name for f in faces if f.family == family))
        typer.echo(f"{family}: {', '.join(styles)}")


@app.command()
def serve(
    port: Annotated[int, typer.Option("--port", help="Port (0: any free one).")] = 8400,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to serve.")] = Path("output"),
) -> None:
    """Serve OUT's review gallery on 127.0.0.1; the page reloads after each render."""
    from cardgen.design.platforms import load_platforms
    from cardgen.review.serve import make_server

    server = _run(lambda: make_server(out, port, platforms=load_platforms(Path.cwd())))
    typer.echo(f"serving {out}/ at {server.url} (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        typer.echo("stopped")
    finally:
        server.server_close()


@app.command()
def gallery(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("output"),
) -> None:
    """Rewrite OUT/index.html from OUT/manifest.json without rendering again."""
    from cardgen.design.platforms import load_platforms
    from cardgen.review.gallery import write_gallery_from_manifest

    path = _run(lambda: write_gallery_from_manifest(out, load_platforms(Path.cwd())))
    typer.echo(str(path))


@app.command()
def export(
    to: Annotated[
        str, typer.Option("--to", help="buffer, hootsuite, later or csv (cardgen's own).")
    ],
    file: Annotated[Path, typer.Option("--out", "-o", help="The bulk-upload file to write.")],
    approved: Annotated[
        bool, typer.Option("--approved", help="Export the cards approved in `cardgen serve`.")
    ] = False,
    folder: Annotated[Path, typer.Option("--from", help="Output folder holding the cards.")] = Path(
        "output"
    ),
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="Where OUT is published: image URLs instead of paths."),
    ] = None,
    slots: Annotated[
        str | None,
        typer.Option("--slots", help='Weekly times, e.g. "Mon 09:00, Wed 12:00, Fri 17:00".'),
    ] = None,
    timezone: Annotated[
        str | None, typer.Option("--timezone", help="IANA zone of --slots (default: local).")
    ] = None,
) -> None:
    """Write the approved cards as a scheduler's bulk-upload file (one quote per slot)."""
    from cardgen.errors import InputError
    from cardgen.review.export import export as run_export

    if not approved:
        _fail(
            InputError(
                "only approved cards are exported",
                hint="pass --approved (review in `cardgen serve`)",
            ).one_line(),
            EXIT_INPUT,
        )
    report = _run(
        lambda: run_export(folder, to, file, base_url=base_url, slots=slots, zone=timezone)
    )
    when = ""
    if report.first is not None and report.last is not None:
        when = f", {report.first:%a %Y-%m-%d %H:%M} to {report.last:%a %Y-%m-%d %H:%M %Z}"
    typer.echo(f"wrote {report.posts} posts of {report.quotes} quotes to {report.path}{when}")
    if report.gone:
        typer.echo(
            f"note: {report.gone} decisions in {folder / 'review.json'} are for cards no longer "
            "in the manifest (kept, not exported)",
            err=True,
        )


def main(recorder: uptodate.Recorder | None = None) -> None:
    """Console entry point; `recorder` keeps what a render's up-to-date stamp needs."""
    try:
        app(obj=recorder)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(EXIT_INTERRUPTED)
    except OSError as exc:  # printing itself failed (stdout on a full disk): one line, no traceback
        with contextlib.suppress(OSError):
            sys.stderr.write(f"error: {os_error_line(exc)}\n")
        sys.exit(EXIT_INPUT)
