"""Project defaults: which folder is the project, and the settings its files, the environment
and the command line give, each with where it came from.

Settings are layered: the command's flags over the environment (`CARDGEN_OUT`,
`CARDGEN_JOBS`) over the project's file (`cardgen.toml`, else the `[tool.cardgen]` table of
`pyproject.toml`) over the built-in defaults. Only the standard library is imported here:
the up-to-date check (`batch.uptodate`) reads the settings before anything heavy loads.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeAlias, overload

from cardgen.batch.options import RenderOptions
from cardgen.errors import InputError, did_you_mean
from cardgen.plaindata import JsonObject, JsonValue

CONFIG_FILE = "cardgen.toml"
PYPROJECT = "pyproject.toml"
TABLE = "tool.cardgen"
# The environment variables read, by setting: a scheduler sets these per job.
ENVIRONMENT = {"out": "CARDGEN_OUT", "jobs": "CARDGEN_JOBS"}
# A setting's value: out, brand and layout are text, jobs a number, platforms a list of ids;
# None where nothing sets it and the command decides.
SettingValue: TypeAlias = str | int | list[str] | None
# What each setting is when nothing sets it, in words (None: the command decides).
BUILT_IN: dict[str, tuple[SettingValue, str]] = {
    "out": ("output", "output"),
    "jobs": (None, "the CPU count"),
    "platforms": (None, "each quote's own"),
    "brand": (None, "each selection's"),
    "layout": (None, "each selection's"),
}
KEYS = tuple(BUILT_IN)
MAX_JOBS = 1024
_TABLE_HEADER = re.compile(r"^\s*\[\s*tool\s*\.\s*cardgen\s*\]", re.MULTILINE)
_MAX_FILE_BYTES = 1 << 20  # a project's settings file is a few lines; a huge one is a mistake


@dataclass(frozen=True)
class Setting:
    """One effective value and where it came from (`--out`, `CARDGEN_JOBS`, a file, built-in)."""

    key: str
    value: SettingValue
    source: str

    @property
    def shown(self) -> str:
        if self.value is None:
            return BUILT_IN[self.key][1]
        if isinstance(self.value, list):
            return ", ".join(self.value)
        return str(self.value)


@dataclass(frozen=True)
class Settings:
    """The effective settings of a project folder."""

    root: Path
    file: str | None  # "cardgen.toml" or "pyproject.toml [tool.cardgen]", None without one
    values: dict[str, Setting]

    @overload
    def __getitem__(self, key: Literal["out"]) -> str: ...
    @overload
    def __getitem__(self, key: Literal["jobs"]) -> int | None: ...
    @overload
    def __getitem__(self, key: Literal["platforms"]) -> list[str] | None: ...
    @overload
    def __getitem__(self, key: Literal["brand", "layout"]) -> str | None: ...

    def __getitem__(self, key: str) -> SettingValue:
        # The types of the overloads are those `_checked`, `_from_environment` and the
        # CLI's flags give each key.
        return self.values[key].value

    def as_json(self) -> JsonObject:
        settings: JsonObject = {}
        for key, setting in self.values.items():
            value = setting.value
            shown: JsonValue = [*value] if isinstance(value, list) else value
            settings[key] = {"value": shown, "source": setting.source}
        return {"root": str(self.root), "file": self.file, "settings": settings}


def render_options(settings: Settings, choices: Mapping[str, object]) -> RenderOptions:
    """The one `RenderOptions` of a render: the settings (out, jobs, platforms, brand,
    layout, each from its flag, the environment, the project's file or the default) over
    the render's own choices (`fmt`, `force`, `keep_going`..., by name: the CLI's flags)."""
    platforms = settings["platforms"]
    return RenderOptions.from_values(
        {
            **choices,
            "out": Path(settings["out"]),
            "jobs": settings["jobs"],
            "platforms": tuple(platforms) if platforms else None,
            "brand": settings["brand"],
            "layout": settings["layout"],
        }
    )


def is_project(folder: Path) -> bool:
    """A folder with `cardgen.toml`, a `pyproject.toml` with `[tool.cardgen]`, or `quotes/`."""
    if (folder / CONFIG_FILE).is_file() or (folder / "quotes").is_dir():
        return True
    return _has_table(folder / PYPROJECT)


def find_project(start: Path) -> Path:
    """The project `start` is in: itself or its nearest parent that is one, as git finds its
    repository; `start` itself when no folder up to the root is a project."""
    start = start.absolute()
    for folder in (start, *start.parents):
        try:
            if is_project(folder):
                return folder
        except OSError:  # a parent we may not look into ends the search
            break
    return start


def _has_table(path: Path) -> bool:
    try:
        if not path.is_file() or path.stat().st_size > _MAX_FILE_BYTES:
            return False
        return bool(_TABLE_HEADER.search(path.read_text(encoding="utf-8", errors="replace")))
    except OSError:
        return False


def load_settings(
    root: Path,
    environ: Mapping[str, str] | None = None,
    flags: Mapping[str, SettingValue] | None = None,
) -> Settings:
    """Flags (those not None) over the environment over the project's file over built-ins.

    Raises InputError (exit 2) for a file that is not TOML, an unknown key, a value of the
    wrong type, or a `CARDGEN_JOBS` that is not a whole number.
    """
    environ = os.environ if environ is None else environ
    file, table = _project_table(root)
    values = {key: Setting(key, default, "built-in") for key, (default, _) in BUILT_IN.items()}
    if file is not None:
        shown = _file_label(file)
        for key, value in table.items():
            values[key] = Setting(key, _checked(key, value, root / file, shown), shown)
    for key, name in ENVIRONMENT.items():
        raw = environ.get(name, "").strip()
        if raw:
            values[key] = Setting(key, _from_environment(key, name, raw), name)
    for key, value in (flags or {}).items():
        if value is not None and value != []:
            values[key] = Setting(key, value, _flag_name(key))
    return Settings(root=root, file=None if file is None else _file_label(file), values=values)


def _file_label(file: str) -> str:
    return file if file == CONFIG_FILE else f"{PYPROJECT} [{TABLE}]"


def _flag_name(key: str) -> str:
    return "--platform" if key == "platforms" else f"--{key}"


def _project_table(root: Path) -> tuple[str | None, dict[str, object]]:
    """(file name, settings table) of the project; `cardgen.toml` wins over pyproject.toml."""
    own = root / CONFIG_FILE
    if own.is_file():
        return CONFIG_FILE, _known_keys(_read_toml(own), own, None)
    pyproject = root / PYPROJECT
    if not _has_table(pyproject):
        return None, {}
    tool = _read_toml(pyproject).get("tool")
    table = tool.get("cardgen") if isinstance(tool, dict) else None
    if not isinstance(table, dict):
        raise InputError(
            f"[{TABLE}] must be a table of settings", file=PYPROJECT, hint=_keys_hint()
        )
    return PYPROJECT, _known_keys(table, pyproject, TABLE)


def _read_toml(path: Path) -> dict[str, object]:
    shown = path.name
    try:
        if path.stat().st_size > _MAX_FILE_BYTES:
            raise InputError(f"larger than {_MAX_FILE_BYTES:,} bytes", file=shown)
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", file=shown) from None
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", file=shown) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", file=shown) from None


def _known_keys(table: dict[str, object], path: Path, prefix: str | None) -> dict[str, object]:
    for key in table:
        if key not in KEYS:
            raise InputError(
                f"unknown key {key!r}",
                file=_where(path, key, prefix),
                key=f"[{prefix}]" if prefix else None,
                hint=did_you_mean(key, KEYS, _keys_hint()),
            )
    return table


def _keys_hint() -> str:
    return "known keys: " + ", ".join(KEYS)


def _where(path: Path, key: str, prefix: str | None) -> str:
    """`file:line` of `key = ...` (in `[prefix]` when given), or the file alone."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return path.name
    inside = prefix is None
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for number, line in enumerate(lines, 1):
        if line.lstrip().startswith("["):
            inside = prefix is not None and bool(_TABLE_HEADER.match(line))
        elif inside and pattern.match(line):
            return f"{path.name}:{number}"
    return path.name


def _checked(key: str, value: object, path: Path, shown: str) -> SettingValue:
    where = _where(path, key, None if shown == CONFIG_FILE else TABLE)

    def wrong(expected: str) -> InputError:
        return InputError(f"{key} = {value!r}: {expected}", file=where)

    if key == "jobs":
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_JOBS:
            raise wrong(f"must be a whole number of worker processes from 1 to {MAX_JOBS}")
        return value
    if key == "platforms":
        if isinstance(value, str):
            value = [value]
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) and v.strip() for v in value)
        ):
            raise wrong('must be a list of platform ids, e.g. ["x", "linkedin"]')
        return [v.strip() for v in value]
    if not isinstance(value, str) or not value.strip():
        raise wrong("must be a non-empty string")
    return value.strip()


def _from_environment(key: str, name: str, raw: str) -> SettingValue:
    if key != "jobs":
        return raw
    try:
        jobs = int(raw)
    except ValueError:
        jobs = 0
    if not 1 <= jobs <= MAX_JOBS:
        raise InputError(
            f"{name}={raw!r} is not a number of worker processes",
            hint=f"set it to a whole number from 1 to {MAX_JOBS}, e.g. {name}=4, or unset it",
        )
    return jobs
