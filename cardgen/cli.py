"""The `cardgen` command: a thin shell over the library.

It parses arguments, calls `cardgen`, prints results, and turns a
CardgenError into one line on stderr and an exit code. Heavy imports happen
inside the commands so that `cardgen --help` stays fast.
"""

from __future__ import annotations

import json
import sys
import traceback
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from cardgen import __version__
from cardgen.errors import (
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    CardgenError,
    internal_error_line,
    is_file_system_error,
    os_error_line,
)

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
    selections: Selections = None,
    platform: PlatformOpt = None,
    layout: Annotated[str | None, typer.Option(help="Layout name for every card.")] = None,
    brand: Annotated[str | None, typer.Option(help="Brand kit name for every card.")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("output"),
    fmt: Annotated[
        str | None, typer.Option("--format", help="png, jpeg or webp (default: the platform's).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Render every quote of the selections for every platform into OUT."""
    import cardgen

    if fmt is not None and fmt not in ("png", "jpeg", "webp"):
        typer.echo(f"error: --format {fmt!r}: use png, jpeg or webp", err=True)
        raise typer.Exit(EXIT_INPUT)
    report = _run(
        lambda: cardgen.render(
            selections, out=out, platforms=platform, layout=layout, brand=brand, fmt=fmt
        )
    )
    if as_json:
        for card in report.cards:
            typer.echo(json.dumps({"event": "card", **_brief(card)}, ensure_ascii=False))
        typer.echo(
            json.dumps(
                {"event": "done", "cards": len(report.cards), "manifest": str(report.manifest)}
            )
        )
        return
    typer.echo(f"rendered {len(report.cards)} cards into {out}/ (manifest: {report.manifest})")


def _brief(card: dict[str, Any]) -> dict[str, Any]:
    keys = ("selection", "quote_id", "platform", "path", "status", "width", "height", "bytes")
    return {k: card[k] for k in keys}


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

    source = _run(lambda: LayoutSource.for_project(Path.cwd()))
    names, brands = _run(lambda: (source.layout_names(), source.brand_names()))
    if as_json:
        typer.echo(json.dumps({"layouts": names, "brands": brands}, indent=2))
        return
    typer.echo("layouts: " + ", ".join(names))
    typer.echo("brands:  " + ", ".join(brands))


@app.command()
def fonts(as_json: JsonOpt = False) -> None:
    """List the font families and faces cardgen can use."""
    from cardgen.fonts import font_folders, registry_for

    registry = _run(lambda: registry_for(font_folders(Path.cwd())))
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
        sys.exit(EXIT_INTERRUPTED)
