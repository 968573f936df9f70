"""YAML files in, validated models out, with file:line in every error.

YAML is read with PyYAML's safe loader, keeping the line of every key and
list item so that a pydantic validation error can name the exact spot.
"""

from __future__ import annotations

import re
import types
import typing
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from cardgen.errors import InputError, clipped, did_you_mean
from cardgen.inputs import decode_utf8, read_input
from cardgen.limits import MAX_YAML_BYTES, MAX_YAML_DEPTH, MAX_YAML_NODES
from cardgen.plaindata import YamlValue

Model = TypeVar("Model", bound=BaseModel)
PathKey = tuple[str | int, ...]

# libyaml's parser when PyYAML has it (much faster: layouts are read for every platform of
# a run); it gives the same nodes and marks, and errors are re-read with the pure parser.
_Loader = yaml.SafeLoader | yaml.CSafeLoader
_LOADER: type[_Loader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _new_loader(kind: type[_Loader], text: str, shown: str) -> _Loader:
    try:
        return kind(text)
    except yaml.YAMLError as exc:
        # The pure reader refuses control characters before parsing starts.
        raise InputError(
            f"invalid YAML: {' '.join(str(exc).split())}",
            file=shown,
            hint="remove control characters from the file",
        ) from None


class YamlDocument:
    """Plain data read from one YAML file plus the line of every key."""

    def __init__(self, path: Path, data: YamlValue, lines: dict[PathKey, int]) -> None:
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


def refuse_repeated_ids(
    doc: YamlDocument, section: str, ids: list[str], shown: str, *, what: str, hint: str
) -> None:
    """Exit 2 at the first id of `section` (a list of mappings with `id:`) seen before."""
    seen: set[str] = set()
    for index, item_id in enumerate(ids):
        if item_id in seen:
            raise InputError(
                f"duplicate {what} id '{item_id}'",
                file=shown,
                line=doc.line_of((section, index, "id")),
                key=f"{section}[{index}].id",
                hint=hint,
            )
        seen.add(item_id)


def display_path(path: Path) -> str:
    """The path as a user typed it: relative to the current folder when inside it."""
    try:  # as written first: a link's own name, not the file it points to
        return str(path.absolute().relative_to(Path.cwd().absolute()))
    except ValueError:
        pass
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read_yaml(path: Path) -> YamlDocument:
    """Parse `path` safely; duplicate keys and syntax errors become InputError."""
    shown = display_path(path)
    raw = read_input(path, what="file", shown=shown, limit=MAX_YAML_BYTES, hint="check the path")
    text = decode_utf8(raw, "file", shown)
    loader = _new_loader(_LOADER, text, shown)
    try:
        try:
            node = loader.get_single_node()
        except (yaml.YAMLError, ValueError, OverflowError):
            if _LOADER is yaml.SafeLoader:
                raise
            # Errors are rare: re-read with the pure parser, whose messages we explain.
            loader.dispose()
            loader = _new_loader(yaml.SafeLoader, text, shown)
            node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        hint = "indent with spaces, not tabs" if "'\\t'" in str(exc) else None
        if "another document" in problem:
            problem, hint = "more than one document", "a file holds one document: remove '---'"
        raise InputError(
            f"invalid YAML: {problem}",
            file=shown,
            line=mark.line + 1 if mark else None,
            hint=hint or "check the indentation and quoting around this line",
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {' '.join(str(exc).split())}", file=shown) from None
    except (ValueError, OverflowError):
        # PyYAML's scanner calls chr() on "\U7fffffff"-style escapes without checking them
        # (the pure parser's re-read: only it has marks).
        mark = loader.get_mark() if isinstance(loader, yaml.SafeLoader) else None
        raise InputError(
            "invalid YAML: an escape in a double-quoted string names no character",
            file=shown,
            line=mark.line + 1 if mark else None,
            hint="check the \\x, \\u and \\U escapes, or use single quotes",
        ) from None
    except RecursionError:
        # PyYAML's parser recurses once per nesting level: "[[[[..." exhausts the stack.
        raise InputError(
            f"YAML nested more than {MAX_YAML_DEPTH} levels deep", file=shown
        ) from None
    finally:
        loader.dispose()
    if node is None:
        raise InputError("file is empty", file=shown, hint="see the README for an example")
    _check_expansion(node, shown)
    lines: dict[PathKey, int] = {(): node.start_mark.line + 1}
    counter = [0]
    try:
        data = _build(node, (), lines, loader, shown, counter)
    except yaml.MarkedYAMLError as exc:
        # A tag the safe loader refuses (!!python/object) or cannot read (!!int abc).
        mark = exc.problem_mark or exc.context_mark
        raise InputError(
            f"invalid YAML value: {exc.problem or exc.context or exc}",
            file=shown,
            line=mark.line + 1 if mark else None,
            hint="remove the '!!' tag or quote the value",
        ) from None
    except InputError:
        raise
    except Exception as exc:
        # PyYAML's constructors let plain exceptions through for `!!int abc`, `!!timestamp x`.
        raise InputError(
            f"invalid YAML value: {exc}", file=shown, hint="remove the '!!' tag or quote the value"
        ) from None
    return YamlDocument(path, data, lines)


def _check_expansion(root: yaml.Node, shown: str) -> None:
    """Refuse alias bombs and recursive aliases before anything is built.

    Aliases share nodes, so the composed graph stays small while its
    expansion can be exponential; the expanded size is counted with one
    memoised walk over the graph, never by expanding it.
    """
    sizes: dict[int, int] = {}
    active: set[int] = set()
    # Iterative post-order walk: a deep document must not exhaust Python's stack.
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    depth_of: dict[int, int] = {id(root): 0}
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = _children(node)
        if done:
            active.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in children)
            if sizes[key] > MAX_YAML_NODES:
                raise InputError(
                    f"YAML expands to more than {MAX_YAML_NODES:,} values "
                    "(aliases repeat too much)",
                    file=shown,
                    line=node.start_mark.line + 1,
                    hint="write the values out instead of nesting aliases",
                )
            continue
        if key in sizes:
            continue
        if key in active:
            raise InputError(
                "recursive alias: a value contains itself",
                file=shown,
                line=node.start_mark.line + 1,
                hint="an alias may only refer to an anchor outside it",
            )
        depth = depth_of.get(key, 0)
        if depth > MAX_YAML_DEPTH:
            raise InputError(
                f"YAML nested more than {MAX_YAML_DEPTH} levels deep",
                file=shown,
                line=node.start_mark.line + 1,
            )
        active.add(key)
        stack.append((node, True))
        for child in children:
            if id(child) in active:
                raise InputError(
                    "recursive alias: a value contains itself",
                    file=shown,
                    line=child.start_mark.line + 1,
                    hint="an alias may only refer to an anchor outside it",
                )
            if id(child) not in sizes:
                depth_of[id(child)] = depth + 1
                stack.append((child, False))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


_SURROGATE = re.compile("[\ud800-\udfff]")
_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


def _build(
    node: yaml.Node,
    key: PathKey,
    lines: dict[PathKey, int],
    loader: _Loader,
    shown: str,
    counter: list[int],
    merged: dict[int, int] | None = None,
) -> YamlValue:
    merged = {} if merged is None else merged
    counter[0] += 1
    if counter[0] > MAX_YAML_NODES or len(key) > MAX_YAML_DEPTH:
        raise InputError(
            "YAML too large or too deeply nested (aliases expand too far?)",
            file=shown,
            line=node.start_mark.line + 1,
        )
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode) and node.tag not in _PLAIN_TAGS:
        # Tags on lists and mappings (!!python/object/apply, !!set) are not ours to honour.
        raise InputError(
            f"unsupported YAML tag '{node.tag}'",
            file=shown,
            line=node.start_mark.line + 1,
            hint="remove the '!' tag: cardgen reads plain mappings and lists",
        )
    if isinstance(node, yaml.MappingNode):
        if id(node) not in merged:
            own = sum(1 for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge")
            loader.flatten_mapping(node)
            # Keys brought in by `<<:` come first and may be overridden; only the
            # mapping's own keys must be unique.
            merged[id(node)] = len(node.value) - own
        result: dict[str, YamlValue] = {}
        own_names: set[str] = set()
        for position, (key_node, value_node) in enumerate(node.value):
            name = _construct(loader, key_node, shown)
            line = key_node.start_mark.line + 1
            if not isinstance(name, str | int | float | bool) or name is None:
                raise InputError("keys must be plain words", file=shown, line=line)
            name = str(name) if not isinstance(name, str) else name
            if position >= merged[id(node)] and name in own_names:
                raise InputError(
                    f"duplicate key '{name}'",
                    file=shown,
                    line=line,
                    hint="each key may appear once; remove or merge the repeats",
                )
            if position >= merged[id(node)]:
                own_names.add(name)
            lines[(*key, name)] = line
            result[name] = _build(value_node, (*key, name), lines, loader, shown, counter, merged)
        return result
    if isinstance(node, yaml.SequenceNode):
        items: list[YamlValue] = []
        for index, item in enumerate(node.value):
            lines[(*key, index)] = item.start_mark.line + 1
            items.append(_build(item, (*key, index), lines, loader, shown, counter, merged))
        return items
    return _construct(loader, node, shown)


def _construct(loader: _Loader, node: yaml.Node, shown: str) -> YamlValue:
    """One value; a tag the safe loader refuses or cannot read becomes an InputError."""
    try:
        value: YamlValue = loader.construct_object(node, deep=True)
    except InputError:
        raise
    except Exception as exc:
        # PyYAML lets plain exceptions through for values like `!!int abc`.
        if isinstance(exc, yaml.MarkedYAMLError):
            problem = exc.problem or exc.context or str(exc)
        else:
            problem = f"cannot read {node.value!r} as {node.tag.rsplit(':', 1)[-1]}"
        raise InputError(
            f"invalid YAML value: {problem}",
            file=shown,
            line=node.start_mark.line + 1,
            hint="remove the '!!' tag or quote the value",
        ) from None
    if isinstance(value, str) and _SURROGATE.search(value):
        # "\ud800" escapes half a character: no font draws it and UTF-8 cannot store it.
        raise InputError(
            "invalid YAML value: a '\\uD800'-style escape names half a character (a surrogate)",
            file=shown,
            line=node.start_mark.line + 1,
            hint="write the character itself, or its \\U0001XXXX escape",
        )
    return value


def validate(
    doc: YamlDocument, model: type[Model], *, context: dict[str, object] | None = None
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
    key = dotted(data_path)
    line = doc.line_of(data_path)
    if error["type"] == "extra_forbidden":
        name = str(data_path[-1]) if data_path else "?"
        allowed = _allowed_keys(model, data_path[:-1], doc.data)
        listed = f"allowed keys: {', '.join(sorted(allowed))}" if allowed else None
        hint = did_you_mean(name, allowed, listed)
        return InputError(f"unknown key '{name}'", file=shown, line=line, key=key, hint=hint)
    if error["type"] == "missing":
        return InputError("required key is missing", file=shown, line=line, key=key)
    message = str(error["msg"])
    message = message.removeprefix("Value error, ")
    value = error.get("input")
    hint = None
    if error["type"] == "string_pattern_mismatch":
        message = "not a valid name"
        hint = "use lower-case letters, digits and single dashes, like 'my-quote'"
    if (
        error["type"] not in ("missing",)
        and isinstance(value, str | int | float)
        and repr(value) not in message
        and clipped(value) not in message
    ):
        message = f"{clipped(value)}: {message}"
    return InputError(message, file=shown, line=line, key=key, hint=hint)


def _data_path(model: type[BaseModel], data: YamlValue, loc: tuple[int | str, ...]) -> PathKey:
    """Map a pydantic error location onto keys present in the data.

    A discriminated union adds its tag (`text`, `rect`...) to `loc`; it is not
    in the file, so it is skipped by walking the model alongside the data.
    """
    path: list[str | int] = []
    annotation: object = model
    current = data
    for index, part in enumerate(loc):
        models = [
            m for m in _members(annotation) if isinstance(m, type) and issubclass(m, BaseModel)
        ]
        tagged = [m for m in models if _tag_of(m) == part] if len(models) > 1 else []
        if tagged:
            annotation = tagged[0]
            continue
        child = _item(current, part)
        if child is not None:
            path.append(part)
            current = child[0]
            annotation = _descend(annotation, part, current)
        elif index == len(loc) - 1 and isinstance(current, dict):
            path.append(part)  # an unknown or missing key
        else:
            break
    return tuple(path)


def _item(data: YamlValue, part: str | int) -> tuple[YamlValue] | None:
    """The value at key or index `part` of `data`, if it has one (in a 1-tuple: a value
    may be None)."""
    if isinstance(data, dict) and isinstance(part, str) and part in data:
        return (data[part],)
    if isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
        return (data[part],)
    return None


def _tag_of(model: type[BaseModel]) -> object:
    field = model.model_fields.get("type")
    if field is None:
        return None
    args = typing.get_args(field.annotation)
    return args[0] if len(args) == 1 else None


def dotted(path: PathKey) -> str:
    """`quotes[2].text`: a key path as errors show it."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _allowed_keys(model: type[BaseModel], parent: PathKey, data: YamlValue) -> list[str]:
    """The field names (and aliases) of the model found at `parent`, if any."""
    target: object = model
    current = data
    for part in parent:
        if isinstance(current, dict):
            current = current.get(part) if isinstance(part, str) else None
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


def _members(annotation: object) -> list[object]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _members(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        out: list[object] = []
        for arg in typing.get_args(annotation):
            out.extend(_members(arg))
        return out
    return [annotation]


def _pick_member(models: list[type[BaseModel]], value: YamlValue) -> type[BaseModel]:
    """Choose the union member a value was meant to be, by its `type` tag if any."""
    if isinstance(value, dict) and "type" in value:
        for candidate in models:
            field = candidate.model_fields.get("type")
            if field is not None and value["type"] in typing.get_args(field.annotation):
                return candidate
    if isinstance(value, dict):
        return max(models, key=lambda m: len(set(value) & set(m.model_fields)))
    return models[0]


def _descend(annotation: object, part: str | int, value: YamlValue) -> object:
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
