"""YAML files in, validated models out, with file:line in every error.

YAML is read with PyYAML's safe loader, keeping the line of every key and
list item so that a pydantic validation error can name the exact spot.
"""

from __future__ import annotations

import difflib
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from cardgen.errors import InputError

Model = TypeVar("Model", bound=BaseModel)
PathKey = tuple[str | int, ...]

# libyaml's parser when PyYAML has it (much faster: layouts are read for every platform of
# a run); it gives the same nodes and marks, and errors are re-read with the pure parser.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_YAML_BYTES = 2_000_000
MAX_DEPTH = 50
MAX_NODES = 100_000


class YamlDocument:
    """Plain data read from one YAML file plus the line of every key."""

    def __init__(self, path: Path, data: Any, lines: dict[PathKey, int]) -> None:
        self.path = path
        self.data = data
        self.lines = lines

    def line_of(self, key: PathKey) -> int | None:
        """The line of `key`, or of its nearest ancestor that has one."""
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return self.lines.get((), None)


def display_path(path: Path) -> str:
    """The path as a user typed it: relative to the current folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read_yaml(path: Path) -> YamlDocument:
    """Parse `path` safely; duplicate keys and syntax errors become InputError."""
    shown = display_path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", file=shown, hint="check the path") from None
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", file=shown) from None
    if len(raw) > MAX_YAML_BYTES:
        raise InputError(
            f"file is {len(raw):,} bytes, more than the {MAX_YAML_BYTES:,} allowed", file=shown
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 text (byte {exc.start})", file=shown, hint="save the file as UTF-8"
        ) from None
    loader = _LOADER(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.YAMLError:
            if _LOADER is yaml.SafeLoader:
                raise
            # Errors are rare: re-read with the pure parser, whose messages we explain.
            loader.dispose()
            loader = yaml.SafeLoader(text)
            node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        hint = "indent with spaces, not tabs" if "'\\t'" in str(exc) else None
        raise InputError(
            f"invalid YAML: {problem}",
            file=shown,
            line=mark.line + 1 if mark else None,
            hint=hint or "check the indentation and quoting around this line",
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}", file=shown) from None
    finally:
        loader.dispose()
    if node is None:
        raise InputError("file is empty", file=shown, hint="see the README for an example")
    lines: dict[PathKey, int] = {(): node.start_mark.line + 1}
    counter = [0]
    data = _build(node, (), lines, loader, shown, counter)
    return YamlDocument(path, data, lines)


def _build(
    node: yaml.Node,
    key: PathKey,
    lines: dict[PathKey, int],
    loader: Any,
    shown: str,
    counter: list[int],
) -> Any:
    counter[0] += 1
    if counter[0] > MAX_NODES or len(key) > MAX_DEPTH:
        raise InputError(
            "YAML too large or too deeply nested (aliases expand too far?)",
            file=shown,
            line=node.start_mark.line + 1,
        )
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            name = loader.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if not isinstance(name, str | int | float | bool) or name is None:
                raise InputError("keys must be plain words", file=shown, line=line)
            name = str(name) if not isinstance(name, str) else name
            if name in result:
                raise InputError(
                    f"duplicate key '{name}'",
                    file=shown,
                    line=line,
                    hint="each key may appear once; remove or merge the repeats",
                )
            lines[(*key, name)] = line
            result[name] = _build(value_node, (*key, name), lines, loader, shown, counter)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            lines[(*key, index)] = item.start_mark.line + 1
            items.append(_build(item, (*key, index), lines, loader, shown, counter))
        return items
    return loader.construct_object(node, deep=True)


def validate(
    doc: YamlDocument, model: type[Model], *, context: dict[str, Any] | None = None
) -> Model:
    """Validate `doc.data` as `model`; the first error becomes a one-line InputError."""
    shown = display_path(doc.path)
    if not isinstance(doc.data, dict):
        raise InputError(
            f"expected a mapping of keys at the top, found {type(doc.data).__name__}",
            file=shown,
            line=doc.line_of(()),
        )
    try:
        return model.model_validate(doc.data, context=context)
    except ValidationError as exc:
        raise _explain(exc, doc, model, shown) from None


def _explain(
    exc: ValidationError, doc: YamlDocument, model: type[BaseModel], shown: str
) -> InputError:
    # Prefer the most specific error: unknown keys first, they are typos.
    errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    error = errors[0]
    data_path = _data_path(model, doc.data, tuple(error["loc"]))
    dotted = _dotted(data_path)
    line = doc.line_of(data_path)
    if error["type"] == "extra_forbidden":
        name = str(data_path[-1]) if data_path else "?"
        allowed = _allowed_keys(model, data_path[:-1], doc.data)
        close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
        hint = (
            f"did you mean '{close[0]}'?"
            if close
            else (f"allowed keys: {', '.join(sorted(allowed))}" if allowed else None)
        )
        return InputError(f"unknown key '{name}'", file=shown, line=line, key=dotted, hint=hint)
    if error["type"] == "missing":
        return InputError("required key is missing", file=shown, line=line, key=dotted)
    message = str(error["msg"])
    message = message.removeprefix("Value error, ")
    value = error.get("input")
    if (
        error["type"] not in ("missing",)
        and isinstance(value, str | int | float)
        and repr(value) not in message
    ):
        message = f"{value!r}: {message}"
    return InputError(message, file=shown, line=line, key=dotted)


def _data_path(model: type[BaseModel], data: Any, loc: tuple[Any, ...]) -> PathKey:
    """Map a pydantic error location onto keys present in the data.

    A discriminated union adds its tag (`text`, `rect`...) to `loc`; it is not
    in the file, so it is skipped by walking the model alongside the data.
    """
    path: list[str | int] = []
    annotation: Any = model
    current = data
    for index, part in enumerate(loc):
        models = [
            m for m in _members(annotation) if isinstance(m, type) and issubclass(m, BaseModel)
        ]
        tagged = [m for m in models if _tag_of(m) == part] if len(models) > 1 else []
        if tagged:
            annotation = tagged[0]
            continue
        in_dict = isinstance(current, dict) and part in current
        in_list = isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current)
        if in_dict or in_list:
            path.append(part)
            current = current[part]
            annotation = _descend(annotation, part, current)
        elif index == len(loc) - 1 and isinstance(current, dict):
            path.append(part)  # an unknown or missing key
        else:
            break
    return tuple(path)


def _tag_of(model: type[BaseModel]) -> Any:
    field = model.model_fields.get("type")
    if field is None:
        return None
    args = typing.get_args(field.annotation)
    return args[0] if len(args) == 1 else None


def _dotted(path: PathKey) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _allowed_keys(model: type[BaseModel], parent: PathKey, data: Any) -> list[str]:
    """The field names (and aliases) of the model found at `parent`, if any."""
    target: Any = model
    current = data
    for part in parent:
        if isinstance(current, dict):
            current = current.get(part)
        elif isinstance(current, list) and isinstance(part, int):
            current = current[part]
        else:
            current = None
        target = _descend(target, part, current)
        if target is None:
            return []
    models = [m for m in _members(target) if isinstance(m, type) and issubclass(m, BaseModel)]
    if not models:
        return []
    chosen = _pick_member(models, current)
    names = []
    for name, field in chosen.model_fields.items():
        names.append(field.alias or name)
    return names


def _members(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _members(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        out: list[Any] = []
        for arg in typing.get_args(annotation):
            out.extend(_members(arg))
        return out
    return [annotation]


def _pick_member(models: list[type[BaseModel]], value: Any) -> type[BaseModel]:
    """Choose the union member a value was meant to be, by its `type` tag if any."""
    if isinstance(value, dict) and "type" in value:
        for candidate in models:
            field = candidate.model_fields.get("type")
            if field is not None and value["type"] in typing.get_args(field.annotation):
                return candidate
    if isinstance(value, dict):
        return max(models, key=lambda m: len(set(value) & set(m.model_fields)))
    return models[0]


def _descend(annotation: Any, part: str | int, value: Any) -> Any:
    for member in _members(annotation):
        origin = typing.get_origin(member)
        args = typing.get_args(member)
        if isinstance(member, type) and issubclass(member, BaseModel) and isinstance(part, str):
            field = member.model_fields.get(part)
            if field is None:
                for candidate in member.model_fields.values():
                    if candidate.alias == part:
                        field = candidate
            if field is not None:
                return field.annotation
        if origin in (list, tuple) and isinstance(part, int) and args:
            return args[0]
        if origin is dict and isinstance(part, str) and len(args) == 2:
            return args[1]
    return None
