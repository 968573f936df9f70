"""The `cardgen` command: a thin shell over the library.

It parses arguments, calls `cardgen`, prints results, and turns a
CardgenError into one line on stderr and an exit code. Heavy imports happen
inside the commands so that `cardgen --help` stays fast.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import traceback
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Protocol, TypedDict, TypeVar

import typer
from typer.core import TyperCommand

from cardgen import __version__
from cardgen.batch import uptodate
from cardgen.errors import (
    EXIT_CONTENT,
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    INTERRUPTED_LINE,
    CardgenError,
    InputError,
    internal_error_line,
    is_file_system_error,
    is_interrupt,
    os_error_line,
)

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from cardgen.batch.plan import Failure, RenderReport
    from cardgen.batch.records import Event
    from cardgen.config import Settings, SettingValue
    from cardgen.plaindata import JsonObject
    from cardgen.review.preview import PreviewResult

app = typer.Typer(
    name="cardgen",
    help="Turn articles into verified, branded quote cards for every social platform.",
    no_args_is_help=False,
    # Plain help, as git and ruff print it: `--force` alone, `--out DIR`, never `<bool>`.
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    pretty_exceptions_enable=False,
)

T = TypeVar("T")
EXIT_PIPE = 141  # the reader of stdout left (`| head`): 128 + SIGPIPE, as shells report it


Selections = Annotated[
    list[Path] | None,
    typer.Argument(
        metavar="FILE",
        help="Selection files (default: every quotes/*.yaml).",
        show_default=False,
    ),
]


def _platform_ids(incomplete: str) -> list[str]:
    """Shell completion of --platform: the built-in presets' ids."""
    from cardgen.design.platforms import BUILTIN

    return [p.id for p in BUILTIN if p.id.startswith(incomplete)]


def _platform_flag(default: str) -> Any:
    """`--platform`/`-p ID`, repeatable, completed from the presets; `default`: what none
    given means for this command."""
    return typer.Option(
        "--platform",
        "-p",
        metavar="ID",
        autocompletion=_platform_ids,
        help=f"Platform id (repeatable); default: the project's, else {default}.",
        show_default=False,
    )


PlatformOpt = Annotated[list[str] | None, _platform_flag("each quote's own")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
OutDir = Annotated[
    Path | None,
    typer.Option(
        "--out",
        "-o",
        metavar="DIR",
        help="Output folder (default: the project's, else output).",
        show_default=False,
    ),
]


def _examples(*lines: str) -> str:
    """A command's help ends with real examples, kept as written (click's \\b)."""
    return "Examples:\n\n\b\n" + "\n".join(f"  {line}" for line in lines)


class _ReaderGone(BaseException):
    """stdout's reader left (`cardgen render --json | head -2`).

    A BaseException, as Ctrl-C is: a batch stops at once, keeping its finished cards and a
    manifest of them, and nothing mistakes it for an error to report.
    """


def _pipe_closed() -> typing.NoReturn:
    # Whatever is still buffered for the closed pipe goes nowhere, so exiting prints nothing.
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    raise _ReaderGone


def _interrupted() -> typing.NoReturn:
    """The user stopped the run (Ctrl-C, SIGTERM): one line and exit 130, as
    `cardgen.__main__` ends one that reaches it."""
    _echo(INTERRUPTED_LINE, err=True)
    raise typer.Exit(EXIT_INTERRUPTED) from None


def _echo(text: str, *, err: bool = False, nl: bool = True) -> None:
    """Print a line; a closed stdout ends the run quietly with exit 141."""
    try:
        typer.echo(text, err=err, nl=nl)
    except BrokenPipeError:
        _pipe_closed()


def _data(text: str, *, nl: bool = True) -> None:
    """What the command produces (listings, YAML, JSON, paths): stdout, even with -q."""
    _echo(text, nl=nl)


@dataclass
class Invocation:
    """One run of the command line: how much it says (-q, -v, --no-color), where the user
    stands (the project may be a folder above) and the up-to-date stamp's recorder. Typer's
    context object (`ctx.obj`), set up by the main callback and handed to every command:
    nothing of a run outlives it in this module."""

    recorder: uptodate.Recorder | None = None
    verbose: int = 0
    quiet: bool = False
    color: bool = True
    here: Path | None = None  # where the user stood, when the project is above it

    def note(self, text: str) -> None:
        """A message for the person at the terminal: stderr, not with -q."""
        if not self.quiet:
            _echo(text, err=True)

    def detail(self, text: str) -> None:
        """More detail, with -v."""
        if self.verbose and not self.quiet:
            _echo(text, err=True)

    def summary(self, text: str) -> None:
        """A run's one-line result: on stdout, as check's is, but not with -q (errors only)."""
        if not self.quiet:
            _echo(text)

    def label(self, word: str, colour: str) -> str:
        """`error:` or `warning:`, coloured on a terminal unless NO_COLOR or --no-color."""
        if not self.color or not sys.stderr.isatty():
            return f"{word}:"
        return typer.style(f"{word}:", fg=colour, bold=True)

    def run(self, action: Callable[[], T]) -> T:
        """Call the library; any failure becomes one line on stderr and an exit code.

        A CardgenError is the user's to fix (exit 1 or 2); a Ctrl-C, however a library
        wrapped it, is `interrupted` (exit 130); an OSError the library did not
        anticipate is the machine's (exit 2); anything else is a bug in cardgen (exit
        70). `-vv` adds the traceback in every case but Ctrl-C.
        """
        try:
            return action()
        except _ReaderGone:
            raise typer.Exit(EXIT_PIPE) from None
        except CardgenError as exc:  # (even one raised while stopping: it says what to fix)
            self.fail(exc.one_line(), exc.exit_code)
        except (KeyboardInterrupt, BaseExceptionGroup, Exception) as exc:
            # A Ctrl-C however a library wrapped it (a RuntimeError from it, a group) ends
            # as one, before any error it may look like.
            if is_interrupt(exc):
                _interrupted()
            if not isinstance(exc, Exception):
                raise  # a group of other base exceptions (SystemExit): not an error to report
            if isinstance(exc, BrokenPipeError):
                _pipe_closed()
            if isinstance(exc, OSError) and is_file_system_error(exc):
                self.fail(os_error_line(exc), EXIT_INPUT)
            self.fail(internal_error_line(exc), EXIT_INTERNAL)

    def fail(self, line: str, code: int) -> typing.NoReturn:
        if self.verbose >= 2:
            traceback.print_exc()
        _echo(f"{self.label('error', 'red')} {line}", err=True)
        raise typer.Exit(code) from None

    def given(self, path: Path) -> Path:
        """A path the user typed, relative to where they stand (the project may be above)."""
        if self.here is None or path.is_absolute():
            return path
        return Path(os.path.relpath(self.here / path, Path.cwd()))

    def settings(self, **flags: SettingValue) -> Settings:
        """The effective project settings (`cardgen config`) with these flags over them."""
        from cardgen.config import load_settings

        return self.run(lambda: load_settings(Path.cwd(), flags=flags))


def _invocation(ctx: typer.Context) -> Invocation:
    """This run's `Invocation` (a command's context finds its parent's)."""
    return ctx.ensure_object(Invocation)


def _version(value: bool) -> None:
    if value:
        _data(f"cardgen {__version__}")
        raise typer.Exit()


@app.callback(
    epilog=_examples(
        "cardgen check",
        "cardgen -q render --keep-going",
        "cardgen -C ~/cards render --out 'output/{week}' --pick 3",
    )
)
def main_options(
    ctx: typer.Context,
    project: Annotated[
        Path | None,
        typer.Option(
            "--project",
            "-C",
            metavar="DIR",
            help="Run as if cardgen was started in DIR.",
            show_default=False,
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print errors only.")] = False,
    verbose: Annotated[
        int,
        typer.Option(
            "--verbose",
            "-v",
            count=True,
            help="More detail; -vv adds tracebacks.",
            show_default=False,
        ),
    ] = 0,
    no_color: Annotated[
        bool, typer.Option("--no-color", help="No colours (also when NO_COLOR is set).")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Turn articles into verified, branded quote cards for every social platform.

    The project is the current folder or the nearest one above it with a cardgen.toml, a
    pyproject.toml with [tool.cardgen], or a quotes/ folder; paths you type stay relative
    to where you are.
    """
    cli = _invocation(ctx)  # `main` hands one in, with the recorder
    cli.verbose, cli.quiet = verbose, quiet
    cli.color = not no_color and not os.environ.get("NO_COLOR")
    recorder = cli.recorder
    if no_color:
        os.environ["NO_COLOR"] = "1"  # rich (the progress bar) honours it too
    started = Path.cwd()
    if project is not None:
        try:
            os.chdir(project)
        except OSError as exc:
            cli.fail(f"--project {project}: {exc.strerror or exc} (give a folder)", EXIT_INPUT)
    here = Path.cwd()
    if ctx.invoked_subcommand not in (None, "init"):  # `init` makes a project where told
        from cardgen.config import find_project

        root = find_project(here)
        if root != here:
            os.chdir(root)
            cli.here = here
    if Path.cwd() != started:
        # The up-to-date check answers only runs started in the project (or -C it).
        if recorder is not None and recorder.cwd != str(Path.cwd()):
            recorder.disarm()
        ctx.call_on_close(lambda: os.chdir(started))  # a caller in this process stays put


FORMATS = ("png", "jpeg", "webp")


LayoutOpt = Annotated[
    str | None,
    typer.Option(
        "--layout",
        metavar="NAME",
        help="Layout for every card (see `cardgen layouts`).",
        show_default=False,
    ),
]
BrandOpt = Annotated[
    str | None,
    typer.Option("--brand", metavar="NAME", help="Brand kit for every card.", show_default=False),
]


@app.command(
    epilog=_examples(
        "cardgen render",
        "cardgen render quotes/post.yaml -p x -p linkedin --layout bold",
        "cardgen render --out 'output/{week}' --pick 3 --keep-going --json > render.log",
    )
)
def render(
    ctx: typer.Context,
    selections: Selections = None,
    platform: PlatformOpt = None,
    layout: LayoutOpt = None,
    brand: BrandOpt = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            metavar="DIR",
            help="Output folder; may hold {date}, {week}, {year}, {month}, {day} "
            "(default: the project's, else output).",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            metavar="[png|jpeg|webp]",
            autocompletion=lambda: list(FORMATS),
            help="Image format (default: the platform's).",
            show_default=False,
        ),
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            metavar="N",
            help="Worker processes (default: the project's, else the CPU count).",
            show_default=False,
        ),
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
        typer.Option(
            "--pick",
            min=1,
            metavar="N",
            help="Only the N quotes least recently rendered.",
            show_default=False,
        ),
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
    shard: Annotated[
        str | None,
        typer.Option(
            "--shard",
            metavar="PART",
            help="K/N: only part K of N of the cards (join the parts with merge).",
        ),
    ] = None,
    cache: Annotated[
        str | None,
        typer.Option(
            "--cache",
            metavar="DIR|URL",
            help="Cards drawn before, shared by machines: a folder or fsspec URL (s3://...).",
        ),
    ] = None,
    executor: Annotated[
        str,
        typer.Option(
            "--executor",
            metavar="[local|dask|dask-local]",
            help="Who draws: local processes, or Dask (the cardgen[dask] extra).",
        ),
    ] = "local",
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", metavar="ADDRESS", help="Dask scheduler: tcp://HOST:8786."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", metavar="N", help="Worker processes of --executor dask-local (default 2)."
        ),
    ] = None,
) -> None:
    """Render the quotes of the selections as cards for every platform.

    Cards, captions, the review page and manifest.json go into OUT; unchanged cards are
    kept, and a run with nothing to do is answered at once.
    """
    cli = _invocation(ctx)
    import cardgen
    from cardgen.config import render_options

    if fmt is not None and fmt not in FORMATS:  # one line, as every bad input is
        cli.fail(f"--format {fmt!r}: use png, jpeg or webp", EXIT_INPUT)
    settings = cli.settings(
        out=None if out is None else str(cli.given(out)),
        jobs=jobs,
        platforms=platform,
        layout=layout,
        brand=brand,
    )
    # The flags by their names, which are RenderOptions' fields: one list of the options.
    options = render_options(settings, locals())
    files = [cli.given(path) for path in selections or []] or None
    progress = _Progress(cli, as_json=as_json, dry_run=dry_run)
    try:
        report = cli.run(lambda: cardgen.render(files, options=options, on_event=progress.event))
    finally:
        progress.close()
    _print_lines(_warning_lines(report, cli))
    if report.failures:
        _failure_table(report.failures)
    if report.dry_run and not as_json:
        for card in report.planned:
            _data(f"{card['status']:<7} {card['path']}")
        counts = report.counts
        cli.summary(
            f"would render {counts['render']} cards, {counts['cached']} cached "
            f"(dry run: nothing written to {report.out}/)"
        )
    elif not as_json:
        _print_lines([*_card_lines(report, cli), *_summary_lines(report, cli)])
    if cli.recorder is not None:
        cli.recorder.note_render(report, _rerun_transcript(report, cli, as_json=as_json))
    if report.failures:
        raise typer.Exit(EXIT_CONTENT)


Line = tuple[bool, str]  # (to stderr, the text of one line of `render`'s output)


def _print_lines(lines: list[Line]) -> None:
    for err, text in lines:
        _echo(text, err=err)


def _event_line(event: Event, cli: Invocation, *, as_json: bool) -> Line | None:
    """What `render` prints for an event as it happens: every event with --json, else
    only warnings (not with -q; the progress bar shows the rest)."""
    if as_json:
        return False, json.dumps(event, ensure_ascii=False)
    if event["event"] == "warning" and not cli.quiet:
        return True, f"warning: {event['message']}"
    return None


def _warning_lines(report: RenderReport, cli: Invocation) -> list[Line]:
    """The cards' warnings, once each, on stderr (not with -q); never an exit code."""
    if cli.quiet:
        return []
    warnings = [w for card in report.cards for w in card["warnings"]]
    return [(True, f"warning: {warning}") for warning in dict.fromkeys(warnings)]


def _card_lines(report: RenderReport, cli: Invocation) -> list[Line]:
    """With -v: each card's status and path, on stderr."""
    if not cli.verbose or cli.quiet:
        return []
    return [(True, f"{card['status']:<8} {card['path']}") for card in report.cards]


def _summary_lines(report: RenderReport, cli: Invocation) -> list[Line]:
    """The run's one-line result on stdout (not with -q)."""
    if cli.quiet:
        return []
    counts = report.counts
    failed = f", {counts['failed']} failed" if counts["failed"] else ""
    return [
        (
            False,
            f"rendered {counts['rendered']} cards, {counts['cached']} cached{failed}, "
            f"into {report.out}/ (manifest: {report.manifest})",
        )
    ]


def _rerun_transcript(report: RenderReport, cli: Invocation, *, as_json: bool) -> list[Line]:
    """What this same render prints when run again with nothing changed (every card
    cached), for the up-to-date stamp to print in its place: the same functions as above
    over the rerun's events and report, so the two cannot drift apart (-q and -v too)."""
    if not report.rerun_events:
        return []
    lines = [_event_line(event, cli, as_json=as_json) for event in report.rerun_events]
    settled = report.settled()
    closing = _warning_lines(settled, cli)
    if not as_json:
        closing += [*_card_lines(settled, cli), *_summary_lines(settled, cli)]
    return [(err, text + "\n") for err, text in [*filter(None, lines), *closing]]


class _Progress:
    """Shows a batch's events: JSON lines, a rich progress bar on a terminal, or nothing."""

    def __init__(self, cli: Invocation, *, as_json: bool, dry_run: bool) -> None:
        self.cli = cli
        self.as_json = as_json
        self.bar: Progress | None = None
        self.task: TaskID | None = None
        self.show_bar = not as_json and not dry_run and not cli.quiet and sys.stderr.isatty()

    def event(self, event: Event) -> None:
        line = _event_line(event, self.cli, as_json=self.as_json)
        if line is not None:
            _print_lines([line])
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
        elif event["event"] == "card" and self.bar is not None and self.task is not None:
            self.bar.advance(self.task)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def _failure_table(failures: list[Failure]) -> None:
    """The cards that failed, one line each, as a table on stderr."""
    rows = [("selection", "quote", "platform", "error")]
    rows += [(f.selection, f.quote_id, f.platform, f.message) for f in failures]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    _echo(f"{len(failures)} failed:", err=True)
    for row in rows:
        cells = [row[i].ljust(widths[i]) for i in range(3)]
        _echo("  " + "  ".join([*cells, row[3]]), err=True)


@app.command(
    epilog=_examples(
        "cardgen check",
        "cardgen check quotes/post.yaml --platform x --strict",
        "cardgen check --json | jq '.problems[] | select(.kind == \"quote-not-found\")'",
    )
)
def check(
    ctx: typer.Context,
    selections: Selections = None,
    platform: PlatformOpt = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Warnings (attribution, contrast...) are errors.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Every problem as one JSON document on stdout.")
    ] = False,
) -> None:
    """Verify quotes, attribution and fit; renders nothing.

    Lists every problem of every selection (file, line, quote), then a summary; exits 1
    for content problems, 2 for unusable input.
    """
    cli = _invocation(ctx)
    import cardgen

    platforms = cli.settings(platforms=platform)["platforms"]
    files = [cli.given(path) for path in selections or []] or None
    report = cli.run(lambda: cardgen.check(files, platforms=platforms))
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
            "credits": [c.as_json() for c in report.credits],
        }
        _data(json.dumps(document, indent=2, ensure_ascii=False))
        raise typer.Exit(code)
    for problem in report.problems:
        severity = "error" if strict else problem.severity
        if severity == "error" or not cli.quiet:
            colour = "red" if severity == "error" else "yellow"
            _echo(f"{cli.label(severity, colour)} {problem.message}", err=True)
    errors = sum(p.severity == "error" for p in report.problems)
    warnings = len(report.problems) - errors
    if code == 0:
        if not cli.quiet:
            _data(f"ok: {report.quotes} quotes verified, {report.cards} cards fit")
            credits = report.credit_summary()
            if credits:
                _data(credits)
    else:
        counted = _plural(errors + (warnings if strict else 0), "error")
        if warnings and not strict:
            counted += ", " + _plural(warnings, "warning")
        _data(
            f"{counted} in {_plural(report.selections, 'selection')} ({report.quotes} quotes "
            f"verified, {report.cards} cards fit)"
        )
    raise typer.Exit(code)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


@app.command(
    epilog=_examples(
        "cardgen init",
        'cardgen init my-cards --name "Acme Studio" --colors "#fdf6e3,#073642,#cb4b16"',
        'cardgen init my-cards --fonts "Noto Serif,Inter" --handle @acme --logo logo.svg',
    )
)
def init(
    ctx: typer.Context,
    folder: Annotated[
        Path,
        typer.Argument(metavar="DIR", help="Folder for the new project (default: this one)."),
    ] = Path(),
    name: Annotated[
        str | None,
        typer.Option(
            "--name",
            metavar="NAME",
            help="Brand name (default: the folder's name).",
            show_default=False,
        ),
    ] = None,
    colors: Annotated[
        str | None,
        typer.Option(
            "--colors",
            metavar="COLOURS",
            help="Brand colours: '#bg,#text,#accent' (in that order) or 'accent=#c33,...'.",
            show_default=False,
        ),
    ] = None,
    fonts: Annotated[
        str | None,
        typer.Option(
            "--fonts",
            metavar="FAMILIES",
            help="Font families: 'Serif,Sans,Display' (in that order) or 'sans=Inter'.",
            show_default=False,
        ),
    ] = None,
    handle: Annotated[
        str | None,
        typer.Option(
            "--handle", metavar="HANDLE", help="Social handle, e.g. @studio.", show_default=False
        ),
    ] = None,
    logo: Annotated[
        Path | None,
        typer.Option(
            "--logo",
            metavar="FILE",
            help="Logo file (PNG, JPEG, WebP or SVG), copied in.",
            show_default=False,
        ),
    ] = None,
    website: Annotated[
        str | None,
        typer.Option(
            "--website",
            metavar="URL",
            help="Website, for {url} when an article has none.",
            show_default=False,
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Write into a folder that is not empty.")
    ] = False,
) -> None:
    """Start a project: a selection, an article and a brand kit.

    Writes quotes/welcome.yaml and its article, layouts/brands/NAME.yaml, a .gitignore
    and a README paragraph into DIR.
    """
    cli = _invocation(ctx)
    from cardgen.starter import StarterOptions, init_project

    options = StarterOptions(
        name=name, colors=colors, fonts=fonts, handle=handle, logo=logo, website=website
    )
    written = cli.run(lambda: init_project(folder, options, force=force))
    for path in written:
        cli.summary(f"wrote {path}")
    cli.summary(f"next: cd {folder} && cardgen check && cardgen render")


@app.command(
    epilog=_examples(
        "cardgen suggest quotes/articles/post.md > quotes/post.yaml",
        "cardgen suggest https://example.com/post -n 5 --explain",
        "cardgen suggest article.txt --json | jq -r '.suggestions[].text'",
    )
)
def suggest(
    ctx: typer.Context,
    article: Annotated[
        str,
        typer.Argument(
            metavar="FILE|URL",
            help="An article: .txt, .md or .html, or a web page's http(s) URL.",
            show_default=False,
        ),
    ],
    count: Annotated[
        int,
        typer.Option(
            "-n", "--count", min=1, max=100, metavar="N", help="How many passages, 1 to 100."
        ),
    ] = 10,
    save_in: Annotated[
        Path | None,
        typer.Option(
            "--save-in",
            metavar="DIR",
            help="Folder the YAML will be saved in; article.source is relative to it "
            "(default: quotes/ if the article is under it, else the article's folder; for a "
            "URL, quotes/ if there is one, else this folder).",
            show_default=False,
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
    as_json: Annotated[
        bool,
        typer.Option("--json", help="The passages as one JSON document instead of YAML."),
    ] = False,
    carousel: Annotated[
        int | None,
        typer.Option(
            "--carousel",
            metavar="N",
            help="Propose a carousel instead: the N best passages in reading order, with a "
            "cover and a closing slide.",
        ),
    ] = None,
) -> None:
    """Suggest quotable passages of an article, as YAML.

    Prints a selection file with the best passages, best first, ready for
    quotes/NAME.yaml.
    """
    cli = _invocation(ctx)
    from cardgen.source.fetch import ensure_snapshot, is_url
    from cardgen.source.suggest import suggest_selection

    folder = None if save_in is None else cli.given(save_in)

    def one(path: Path, where: Path | None) -> str:
        if carousel is None:
            return suggest_selection(path, count, where, explain=explain, as_json=as_json)
        from cardgen.source.carousel_suggest import suggest_carousel

        return suggest_carousel(path, carousel, where)

    def run() -> str:
        if not is_url(article):
            return one(cli.given(Path(article)), folder)
        # A page is fetched once into FOLDER/articles/, next to where the YAML will live.
        where = folder or (Path("quotes") if Path("quotes").is_dir() else Path())
        snapshot = ensure_snapshot(article, where)
        return one(snapshot.html, where)

    _data(cli.run(run), nl=False)


@app.command(
    epilog=_examples(
        'cardgen quote "Small steps, every day." --by "A. Person"',
        'cardgen quote "Small steps, every day." -p x -p linkedin --layout bold --out cards',
        'cardgen quote "Less, but better." --platform instagram-story --out story.png',
    )
)
def quote(
    ctx: typer.Context,
    text: Annotated[
        str, typer.Argument(metavar="TEXT", help="The quote to put on a card.", show_default=False)
    ],
    by: Annotated[
        str | None,
        typer.Option("--by", metavar="NAME", help="Attribution.", show_default=False),
    ] = None,
    platform: Annotated[list[str] | None, _platform_flag("instagram-square")] = None,
    layout: LayoutOpt = None,
    brand: BrandOpt = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            metavar="FILE|DIR",
            help="The card's file (one platform), or a folder for the cards "
            "(default: output/quotes/).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Render one quote typed here as cards.

    One card per --platform, each with its post and alt text beside it (.txt); the text
    is not checked against an article.
    """
    cli = _invocation(ctx)
    from cardgen.batch.single import render_quote

    settings = cli.settings(platforms=platform, layout=layout, brand=brand)
    written = cli.run(
        lambda: render_quote(
            text,
            by=by,
            platforms=settings["platforms"] or ["instagram-square"],
            layout=settings["layout"] or "classic",
            brand=settings["brand"],
            out=None if out is None else cli.given(out),
        )
    )
    for card, caption in written:
        _data(str(card))
        cli.detail(f"caption: {caption}")


def human_size(count: float) -> str:
    """Bytes in the units people read (decimal, as platforms state limits): `16.8 MB`."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= size:
            return f"{count / size:.3g} {unit}"
    return f"{int(count)} bytes"


@app.command(
    epilog=_examples(
        "cardgen platforms",
        "cardgen platforms --json | jq '.[] | {id, width, height}'",
    )
)
def platforms(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List the platform presets with their sizes and limits."""
    cli = _invocation(ctx)
    from cardgen.design.platforms import load_platforms

    presets = cli.run(lambda: load_platforms(Path.cwd()))
    if as_json:
        rows = []
        for p in presets.values():
            row = dict(p.__dict__)
            row["safe"] = list(p.safe_box)
            row["aspect_class"] = p.aspect_class
            rows.append(row)
        _data(json.dumps(rows, indent=2))
        return
    for p in presets.values():
        limit = f"{p.caption_limit:,}" if p.caption_limit else "-"
        _data(
            f"{p.id:<20} {p.width}x{p.height:<6} {p.aspect_class:<9} "
            f"file <= {human_size(p.file_limit):<8}  caption {limit}"
        )


@app.command(
    epilog=_examples(
        "cardgen layouts",
        "cardgen layouts --thumbnails --out output",
        "cardgen layouts --json",
    )
)
def layouts(
    ctx: typer.Context,
    as_json: JsonOpt = False,
    thumbnails: Annotated[
        bool,
        typer.Option(
            "--thumbnails/--no-thumbnails",
            help="Also render a square thumbnail of each into OUT/layouts/.",
        ),
    ] = False,
    out: OutDir = None,
) -> None:
    """List the layouts and brand kits.

    Bundled layouts and this project's, with where each comes from; --thumbnails also
    renders a square thumbnail of each.
    """
    cli = _invocation(ctx)
    from cardgen.design.layouts import LayoutSource

    source = cli.run(lambda: LayoutSource.for_project(Path.cwd()))
    names, brands = cli.run(lambda: (source.layout_names(), source.brand_names()))
    where = {name: source.origin(name) for name in names}
    paths: dict[str, str] = {}
    if thumbnails:
        from cardgen.review.preview import write_thumbnails

        folder = Path(cli.settings(out=None if out is None else str(cli.given(out)))["out"])
        paths = {k: str(v) for k, v in cli.run(lambda: write_thumbnails(names, folder)).items()}
    if as_json:
        _data(
            json.dumps(
                {"layouts": names, "brands": brands, "origin": where, "thumbnails": paths},
                indent=2,
            )
        )
        return
    _data("layouts:")
    for name in names:
        _data(f"  {name:<16} {where[name]:<8} {paths.get(name, '')}".rstrip())
    _data("brands:  " + ", ".join(brands))


@app.command(
    epilog=_examples(
        "cardgen preview quotes/post.yaml",
        "cardgen preview quotes/post.yaml --quote seesaw --layout photo --debug",
        "cardgen preview quotes/post.yaml --watch",
    )
)
def preview(
    ctx: typer.Context,
    selection: Annotated[
        Path, typer.Argument(metavar="FILE", help="The selection file.", show_default=False)
    ],
    quote_id: Annotated[
        str | None,
        typer.Option(
            "--quote",
            "-q",
            metavar="ID",
            help="Quote id (default: the first).",
            show_default=False,
        ),
    ] = None,
    platform: Annotated[list[str] | None, _platform_flag("every one")] = None,
    layout: Annotated[
        str | None,
        typer.Option(
            "--layout", metavar="NAME", help="Layout (default: the quote's).", show_default=False
        ),
    ] = None,
    brand: BrandOpt = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            metavar="FILE",
            help="Sheet file (default: output/preview/SELECTION/QUOTE.png).",
            show_default=False,
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
    as_json: Annotated[
        bool,
        typer.Option("--json", help="One JSON record per sheet written on stdout."),
    ] = False,
) -> None:
    """Draw one quote on every platform, on one sheet.

    A labelled PNG contact sheet for designers; --watch redraws it on every save.
    """
    cli = _invocation(ctx)
    from cardgen.review import preview as previews

    settings = cli.settings(platforms=platform, layout=layout, brand=brand)
    options: _SheetOptions = {
        "quote_id": quote_id,
        "out": None if out is None else cli.given(out),
        "platforms": settings["platforms"],
        "layout": settings["layout"],
        "brand": settings["brand"],
        "debug": debug,
    }
    selection = cli.given(selection)
    if not watch:
        result = cli.run(lambda: previews.write_preview(selection, **options))
        if as_json:
            _data(json.dumps(_preview_record(result), ensure_ascii=False))
        else:
            count = len(result.platforms)
            _data(f"wrote {result.path} ({count} platforms, {result.seconds:.2f} s)")
        for problem in result.problems:
            _echo(f"{cli.label('error', 'red')} {problem}", err=True)
        if result.problems:
            raise typer.Exit(EXIT_CONTENT)
        return

    import time

    def report(result: previews.PreviewResult | CardgenError) -> None:
        stamp = time.strftime("%H:%M:%S")
        if as_json:
            record = (
                {"event": "error", "message": result.one_line()}
                if isinstance(result, CardgenError)
                else _preview_record(result)
            )
            _data(json.dumps({"time": stamp, **record}, ensure_ascii=False))
            return
        if isinstance(result, CardgenError):
            _echo(f"{stamp} error: {result.one_line()}", err=True)
        else:
            _data(f"{stamp} refreshed {result.path} in {result.seconds:.2f} s")
            for problem in result.problems:
                _echo(f"{stamp} error: {problem}", err=True)

    cli.note("watching layouts, brands, fonts and the selection; Ctrl-C stops")
    try:
        previews.watch_preview(selection, report, **options)
    except KeyboardInterrupt:
        cli.note("stopped")


class _SheetOptions(TypedDict):
    """`preview`'s choices, the same for one sheet and for --watch."""

    quote_id: str | None
    out: Path | None
    platforms: list[str] | None
    layout: str | None
    brand: str | None
    debug: bool


class _SheetRecord(TypedDict):
    """A written sheet, as `preview --json` prints it (README: "Machine-readable output")."""

    event: Literal["sheet"]
    path: str
    quote_id: str
    platforms: list[str]
    seconds: float
    problems: list[str]


def _preview_record(result: PreviewResult) -> _SheetRecord:
    return {
        "event": "sheet",
        "path": str(result.path),
        "quote_id": result.quote_id,
        "platforms": list(result.platforms),
        "seconds": round(result.seconds, 3),
        "problems": list(result.problems),
    }


@app.command(
    epilog=_examples(
        "cardgen schema layout > layout.schema.json",
        "cardgen schema selection",
    )
)
def schema(
    ctx: typer.Context,
    kind: Annotated[
        str,
        typer.Argument(
            metavar="[layout|brand|selection|manifest|events]",
            help="A file you write (layout, brand, selection), or what render writes "
            "(manifest) and prints with --json (events).",
            show_default=False,
        ),
    ],
) -> None:
    """Print a file type's JSON Schema, for editors and scripts."""
    cli = _invocation(ctx)
    from cardgen.batch import records
    from cardgen.design.layouts import SCHEMA_KINDS, json_schema
    from cardgen.errors import did_you_mean

    written = {"manifest": records.manifest_schema, "events": records.events_schema}

    def made() -> JsonObject:
        if kind in written:
            return written[kind]()
        if kind in SCHEMA_KINDS:
            return json_schema(kind)
        kinds = [*SCHEMA_KINDS, *written]
        hint = did_you_mean(kind, kinds, f"use {', '.join(kinds)}")
        raise InputError(f"no schema named {kind!r}", hint=hint)

    _data(json.dumps(cli.run(made), indent=2))


# Style names by weight class, 100 (Thin) to 900 (Black).
_WEIGHTS = (
    "Thin",
    "Extra Light",
    "Light",
    "Regular",
    "Medium",
    "Semi Bold",
    "Bold",
    "Extra Bold",
    "Black",
)


def style_name(weight: int, italic: bool) -> str:
    """`Regular`, `Italic`, `Bold Italic`: a face's style from its weight and slant."""
    name = _WEIGHTS[min(9, max(1, round(weight / 100))) - 1]
    if italic:
        return "Italic" if name == "Regular" else f"{name} Italic"
    return name


@app.command(
    epilog=_examples(
        "cardgen fonts",
        "cardgen fonts --system",
        "cardgen fonts --json | jq -r '.[].path'",
    )
)
def fonts(
    ctx: typer.Context,
    as_json: JsonOpt = False,
    system: Annotated[
        bool, typer.Option("--system", help="Also list system fonts (fontconfig fallbacks).")
    ] = False,
) -> None:
    """List the font families cardgen can use."""
    cli = _invocation(ctx)
    from cardgen.typography.fontfiles import font_folders
    from cardgen.typography.fonts import registry_for

    registry = cli.run(lambda: registry_for(font_folders(Path.cwd())))
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
        _data(json.dumps(rows, indent=2))
        return
    for family in sorted({f.family for f in faces}):
        ordered = sorted((f.weight, f.italic) for f in faces if f.family == family)
        styles = dict.fromkeys(style_name(weight, italic) for weight, italic in ordered)
        _data(f"{family} ({', '.join(styles)})")


@app.command(
    epilog=_examples(
        "cardgen serve",
        "cardgen serve --port 0 --out preview",
    )
)
def serve(
    ctx: typer.Context,
    port: Annotated[
        int, typer.Option("--port", metavar="N", help="Port (0: any free one).")
    ] = 8400,
    out: OutDir = None,
) -> None:
    """Serve the review page on 127.0.0.1.

    The page reloads after each render into OUT.
    """
    cli = _invocation(ctx)
    from cardgen.design.platforms import load_platforms
    from cardgen.review.serve import make_server

    folder = Path(cli.settings(out=None if out is None else str(cli.given(out)))["out"])
    server = cli.run(lambda: make_server(folder, port, platforms=load_platforms(Path.cwd())))
    _data(f"serving {folder}/ at {server.url} (Ctrl-C to stop)")  # the URL: data for a script
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        cli.summary("stopped")
    finally:
        server.server_close()


@app.command(
    epilog=_examples(
        "cardgen merge parts/1 parts/2 parts/3 parts/4 --out output",
        "cardgen merge weekly-a weekly-b --out weekly --wait",
    )
)
def merge(
    ctx: typer.Context,
    folders: Annotated[
        list[Path],
        typer.Argument(metavar="FOLDER", help="Output folders of the shards (render --shard K/N)."),
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", metavar="DIR", help="The merged output folder.")
    ],
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait for another run on OUT instead of exiting 2.")
    ] = False,
) -> None:
    """Join shard outputs into one folder: cards and carousels checked by hash, one manifest."""
    cli = _invocation(ctx)
    from cardgen.batch.merge import merge as merge_outputs
    from cardgen.design.platforms import load_platforms

    sources = [cli.given(folder) for folder in folders]
    target = cli.given(out)
    report = cli.run(
        lambda: merge_outputs(sources, target, platforms=load_platforms(Path.cwd()), wait=wait)
    )
    carousels = f" and {report.carousels} carousels" if report.carousels else ""
    cli.summary(
        f"merged {report.cards} cards{carousels} from {report.sources} folders into "
        f"{report.out}/ ({report.copied} copied; manifest: {report.manifest})"
    )


@app.command(
    epilog=_examples(
        "cardgen gallery",
        "cardgen gallery --out preview",
    )
)
def gallery(ctx: typer.Context, out: OutDir = None) -> None:
    """Rewrite OUT/index.html from the manifest."""
    cli = _invocation(ctx)
    from cardgen.design.platforms import load_platforms
    from cardgen.review.gallery import write_gallery_from_manifest

    folder = Path(cli.settings(out=None if out is None else str(cli.given(out)))["out"])
    path = cli.run(lambda: write_gallery_from_manifest(folder, load_platforms(Path.cwd())))
    _data(str(path))


@app.command(
    epilog=_examples(
        "cardgen export --approved --to buffer --out buffer.csv",
        'cardgen export --approved --to later --out later.csv --slots "Mon 09:00, Thu 17:00"',
        "cardgen export --approved --to csv --out posts.csv --base-url https://cdn.example/cards",
    )
)
def export(
    ctx: typer.Context,
    to: Annotated[
        str,
        typer.Option(
            "--to",
            metavar="[buffer|hootsuite|later|csv]",
            help="The scheduler's format (csv: cardgen's own).",
            show_default=False,
        ),
    ],
    file: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            metavar="FILE",
            help="The bulk-upload file to write.",
            show_default=False,
        ),
    ],
    approved: Annotated[
        bool, typer.Option("--approved", help="Export the cards approved in `cardgen serve`.")
    ] = False,
    folder: Annotated[
        Path | None,
        typer.Option(
            "--from",
            metavar="DIR",
            help="Output folder holding the cards (default: the project's, else output).",
            show_default=False,
        ),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            metavar="URL",
            help="Where OUT is published: image URLs instead of paths.",
            show_default=False,
        ),
    ] = None,
    slots: Annotated[
        str | None,
        typer.Option(
            "--slots",
            metavar="TIMES",
            help='Weekly times, e.g. "Mon 09:00, Wed 12:00, Fri 17:00".',
            show_default=False,
        ),
    ] = None,
    timezone: Annotated[
        str | None,
        typer.Option(
            "--timezone",
            metavar="ZONE",
            help="IANA zone of --slots (default: local).",
            show_default=False,
        ),
    ] = None,
    day_first: Annotated[
        bool,
        typer.Option("--day-first", help="Hootsuite: DD/MM/YYYY dates (default MM/DD/YYYY)."),
    ] = False,
) -> None:
    """Export approved cards for a scheduler.

    Writes a bulk upload, one quote per weekly slot. Buffer and Hootsuite: one CSV per
    platform when several are approved (each upload goes to one social account). Later
    has no CSV import: --out names a new folder of the images in posting order, their
    captions and a posts.csv checklist.
    """
    cli = _invocation(ctx)
    from cardgen.errors import InputError
    from cardgen.review.export import export as run_export

    if not approved:
        cli.fail(
            InputError(
                "only approved cards are exported",
                hint="pass --approved (review in `cardgen serve`)",
            ).one_line(),
            EXIT_INPUT,
        )
    source = Path(cli.settings(out=None if folder is None else str(cli.given(folder)))["out"])
    report = cli.run(
        lambda: run_export(
            source,
            to,
            cli.given(file),
            base_url=base_url,
            slots=slots,
            zone=timezone,
            day_first=day_first,
        )
    )
    when = ""
    if report.first is not None and report.last is not None:
        when = f", {report.first:%a %Y-%m-%d %H:%M} to {report.last:%a %Y-%m-%d %H:%M %Z}"
    cli.summary(f"wrote {report.posts} posts of {report.quotes} quotes{when}:")
    for path in report.paths:
        cli.summary(f"  {path}")
    if report.gone:
        cli.note(
            f"note: {report.gone} decisions in {source / 'review.json'} are for cards no longer "
            "in the manifest (kept, not exported)"
        )


@app.command(
    name="config",
    epilog=_examples(
        "cardgen config",
        "CARDGEN_JOBS=2 cardgen config --json",
        "cardgen -C ~/cards config --out build",
    ),
)
def config_command(
    ctx: typer.Context,
    platform: PlatformOpt = None,
    layout: LayoutOpt = None,
    brand: BrandOpt = None,
    out: OutDir = None,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs", "-j", min=1, metavar="N", help="Worker processes.", show_default=False
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Show the effective settings and their sources.

    Flags win over CARDGEN_OUT and CARDGEN_JOBS, which win over the project's cardgen.toml
    (or [tool.cardgen] in pyproject.toml), which wins over the built-in defaults.
    """
    cli = _invocation(ctx)
    settings = cli.settings(
        out=None if out is None else str(cli.given(out)),
        jobs=jobs,
        platforms=platform,
        layout=layout,
        brand=brand,
    )
    if as_json:
        _data(json.dumps(settings.as_json(), indent=2, ensure_ascii=False))
        return
    _data(f"{'project':<10} {settings.root}")
    _data(f"{'file':<10} {settings.file or '(none: cardgen.toml or [tool.cardgen] sets defaults)'}")
    for setting in settings.values.values():
        _data(f"{setting.key:<10} {setting.shown:<30} {setting.source}")


@app.command(
    epilog=_examples(
        "cardgen doctor",
        "cardgen doctor --json > doctor.json",
    )
)
def doctor(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Check this machine: versions, fonts, fallbacks, browser.

    Python, Pillow with raqm, HarfBuzz, FriBiDi and FreeType, the fonts found and where,
    colour emoji and CJK fallbacks, and the tests' browser; for each missing piece, what to
    install. Exits 1 when something cards need is missing. Bug reports start with it.
    """
    cli = _invocation(ctx)
    from cardgen.doctor import examine

    findings = cli.run(lambda: examine(Path.cwd()))
    missing = [f for f in findings if not f.ok and f.required]
    if as_json:
        _data(json.dumps([f.as_json() for f in findings], indent=2, ensure_ascii=False))
    else:
        for finding in findings:
            mark = "ok" if finding.ok else ("MISSING" if finding.required else "missing")
            _data(f"{mark:<8} {finding.name:<16} {finding.found}")
            if finding.fix:
                _data(f"{'':<8} {'':<16} fix: {finding.fix}")
    if missing:
        raise typer.Exit(EXIT_CONTENT)


class _ManualCommand(TyperCommand):
    """Help as a manual prints it: an argument by what to type (`[FILE]...`), never a type
    name such as `<list[Path]>`; options as click shows them (flags alone, `--out DIR`)."""

    # The types of these overrides are typer's vendored click's, which it does not export:
    # Any, forced by the library.
    def format_options(self, ctx: Any, formatter: Any) -> None:
        arguments, options = [], []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                arguments.append((_argument_usage(param), getattr(param, "help", None) or ""))
            else:
                record = param.get_help_record(ctx)
                if record is not None:  # ranges (`[x>=1]`) read as algebra: the help says it
                    options.append((record[0], _RANGE.sub("", record[1]).replace(" []", "")))
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)

    def invoke(self, ctx: Any) -> Any:
        # Ctrl-C anywhere in a command, bare or wrapped by a library, ends as one line and
        # exit 130 (typer alone would exit 130 without a word, a wrapped one with a
        # traceback); `Invocation.run` ends one inside its call the same way.
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.BadParameter):
            raise  # (our own `_interrupted` ends with an Exit made while handling one)
        except (KeyboardInterrupt, BaseExceptionGroup, Exception) as exc:
            if is_interrupt(exc):
                _interrupted()
            raise

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = ["[OPTIONS]"] if self.get_params(ctx) else []
        return pieces + [
            _argument_usage(p) for p in self.get_params(ctx) if p.param_type_name == "argument"
        ]


_RANGE = re.compile(r";? ?(?:[0-9.]+<=?)?x(?:[<>]=?[0-9.]+)?(?=[];])")


class _Argument(Protocol):
    """What usage needs of a command's argument (typer's vendored click `Parameter`)."""

    @property
    def metavar(self) -> str | None: ...
    @property
    def name(self) -> str | None: ...
    @property
    def required(self) -> bool: ...
    @property
    def nargs(self) -> int: ...


def _argument_usage(param: _Argument) -> str:
    name = str(param.metavar or param.name).upper()
    name = name if param.required else f"[{name}]"
    return name + ("..." if param.nargs != 1 else "")


for _info in app.registered_commands:  # every command, whoever added it above
    if _info.cls in (None, TyperCommand):
        _info.cls = _ManualCommand


def main(recorder: uptodate.Recorder | None = None) -> None:
    """Console entry point; `recorder` keeps what a render's up-to-date stamp needs."""
    try:
        app(obj=Invocation(recorder=recorder))
    except _ReaderGone:
        sys.exit(EXIT_PIPE)
    except BrokenPipeError:
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(EXIT_PIPE)
    except OSError as exc:  # printing itself failed (stdout on a full disk): one line, no traceback
        with contextlib.suppress(OSError):
            sys.stderr.write(f"error: {os_error_line(exc)}\n")
        sys.exit(EXIT_INPUT)
