"""No `Any` across a module boundary (issue 15): what one module hands another is typed.

A seam is what another module can use: a public function's or method's parameters and
return type, a public class's fields (class-level annotations and `self.x: T` in its
methods), a public module-level name's annotation or alias (`Records = Mapping[str, Any]`),
and a private name that another cardgen module imports all the same. `Any` there is
flagged, in annotations and in string annotations alike; inside a function body or a
private helper it is the module's own business.

Data that really is arbitrary before it is checked has a type of its own:
`cardgen.plaindata.JsonValue` / `YamlValue` for parsed documents, `object` for what is
only passed on (to `json.dumps`) or narrowed with `isinstance`.

Where a library forces `Any`, it is recognised by the code's shape, never by a list of
names (so nothing new slips in under an old name):
- a method overriding a method of a base class from outside cardgen (e.g.
  `BaseHTTPRequestHandler.log_message(format, *args: Any)`): its signature is the
  library's, and Liskov's rule keeps it so;
- a pydantic validator that receives raw input (`@model_validator(mode="before")`,
  `@field_validator(..., mode="before"|"wrap"|"plain")`, or a function given to
  `BeforeValidator`/`WrapValidator`/`PlainValidator`): pydantic calls it with whatever
  the file held, before any type applies.
"""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "cardgen"
_RAW_MODES = {"before", "wrap", "plain"}
_RAW_WRAPPERS = {"BeforeValidator", "WrapValidator", "PlainValidator"}
_ANY_WORD = re.compile(r"\bAny\b")
# Not a library whose signature one inherits: every class has `object`'s `__init__`, and
# `Generic`/`Protocol` add only machinery.
_NO_LIBRARY = {"builtins", "typing", "typing_extensions", "abc"}


@dataclass(frozen=True)
class Seam:
    module: str  # dotted name
    line: int
    where: str  # what carries the Any: `f(x)`, `f -> `, `Class.field`, `Alias = ...`
    cls: str | None = None  # the class of a method (for the library-override check)
    method: str | None = None


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def mentions_any(node: ast.AST | None) -> bool:
    """Whether an annotation (or an alias's value) names `typing.Any`."""
    if node is None:
        return False
    for part in ast.walk(node):
        if isinstance(part, ast.Name) and part.id == "Any":
            return True
        if isinstance(part, ast.Attribute) and part.attr == "Any":
            return True
        is_text = isinstance(part, ast.Constant) and isinstance(part.value, str)
        if is_text and _ANY_WORD.search(part.value):  # a string annotation, a forward ref
            return True
    return False


def _raw_input_validators(tree: ast.Module) -> set[str]:
    """Names of functions pydantic calls with raw input (`mode="before"` and kin)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _called_name(node.func) in _RAW_WRAPPERS:
            names.update(arg.id for arg in node.args if isinstance(arg, ast.Name))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for decorator in node.decorator_list:
                if not isinstance(decorator, ast.Call):
                    continue
                if _called_name(decorator.func) not in ("model_validator", "field_validator"):
                    continue
                modes = [
                    k.value.value
                    for k in decorator.keywords
                    if k.arg == "mode" and isinstance(k.value, ast.Constant)
                ]
                if set(modes) & _RAW_MODES:
                    names.add(node.name)
    return names


def _called_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _signature_seams(
    fn: ast.FunctionDef | ast.AsyncFunctionDef, module: str, owner: str | None
) -> Iterator[Seam]:
    label = f"{owner}.{fn.name}" if owner else fn.name
    args = fn.args
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    for arg in every:
        if arg is not None and mentions_any(arg.annotation):
            yield Seam(module, arg.lineno, f"{label}({arg.arg})", owner, fn.name)
    if mentions_any(fn.returns):
        yield Seam(module, fn.lineno, f"{label} -> ", owner, fn.name)


def _self_fields(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[tuple[int, str]]:
    for node in ast.walk(fn):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Attribute)
            and isinstance(node.target.value, ast.Name)
            and node.target.value.id == "self"
            and not is_private(node.target.attr)
            and mentions_any(node.annotation)
        ):
            yield node.lineno, node.target.attr


def module_seams(source: str, module: str, imported: set[str] = frozenset()) -> list[Seam]:
    """Every `Any` at a seam of one module's source (`imported`: its private names that
    other modules import, seams all the same). Raw-input validators are left out here;
    library overrides are decided by `library_override` (it needs the classes)."""
    tree = ast.parse(source)
    raw = _raw_input_validators(tree)
    private_module = any(is_private(part) for part in module.split("."))
    found: list[Seam] = []

    def public(name: str) -> bool:
        return (not private_module and not is_private(name)) or name in imported

    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if public(node.name) and node.name not in raw:
                found.extend(_signature_seams(node, module, None))
        elif isinstance(node, ast.ClassDef) and public(node.name):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    if not is_private(item.name) and item.name not in raw:
                        found.extend(_signature_seams(item, module, node.name))
                    for line, name in _self_fields(item):
                        found.append(Seam(module, line, f"{node.name}.{name}"))
                elif (
                    isinstance(item, ast.AnnAssign)
                    and isinstance(item.target, ast.Name)
                    and not is_private(item.target.id)
                    and mentions_any(item.annotation)
                ):
                    found.append(Seam(module, item.lineno, f"{node.name}.{item.target.id}"))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            name = node.target.id
            if public(name) and (mentions_any(node.annotation) or _is_alias(node, node.value)):
                found.append(Seam(module, node.lineno, f"{name}: ..."))
        elif isinstance(node, ast.Assign) and mentions_any(node.value):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            if any(public(name) for name in names):
                found.append(Seam(module, node.lineno, f"{', '.join(names)} = ..."))
    return found


def _is_alias(node: ast.AnnAssign, value: ast.expr | None) -> bool:
    """`X: TypeAlias = ...Any...`."""
    return "TypeAlias" in ast.unparse(node.annotation) and mentions_any(value)


def library_override(seam: Seam) -> bool:
    """Whether the method of `seam` overrides one a base class from outside cardgen
    defines: its signature is then the library's."""
    if seam.cls is None or seam.method is None:
        return False
    cls = getattr(importlib.import_module(seam.module), seam.cls)
    return any(
        seam.method in vars(base)
        for base in cls.__mro__[1:]
        if base.__module__.split(".")[0] not in {"cardgen", *_NO_LIBRARY}
    )


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _privately_imported(sources: dict[str, str]) -> dict[str, set[str]]:
    """module -> its private names that another cardgen module imports."""
    imported: dict[str, set[str]] = {}
    for source in sources.values():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("cardgen"):
                for alias in node.names:
                    if is_private(alias.name):
                        imported.setdefault(node.module or "", set()).add(alias.name)
    return imported


def cardgen_seams() -> list[Seam]:
    sources = {_module_name(p): p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py")}
    imported = _privately_imported(sources)
    found = []
    for module, source in sorted(sources.items()):
        found.extend(module_seams(source, module, imported.get(module, set())))
    return [seam for seam in found if not library_override(seam)]


def test_no_any_crosses_a_module_boundary() -> None:
    seams = cardgen_seams()
    listed = "\n".join(f"  {s.module.replace('.', '/')}.py:{s.line} {s.where}" for s in seams)
    assert not seams, (
        f"`Any` at {len(seams)} seams (give them real types: a model, a TypedDict, a "
        f"Protocol, plaindata.JsonValue/YamlValue for unchecked documents):\n{listed}"
    )


# --- the checker itself, on small sources --------------------------------------------------

FLAGGED = {
    "parameter": "def f(x: Any) -> int: ...",
    "return": "def f() -> dict[str, Any]: ...",
    "string annotation": "def f(x: 'list[Any]') -> None: ...",
    "typing.Any": "import typing\ndef f(x: typing.Any) -> None: ...",
    "star args": "def f(*args: Any, **kwargs: Any) -> None: ...",
    "method": "class C:\n    def m(self, x: Any) -> None: ...",
    "class field": "class C:\n    x: Any",
    "self field": "class C:\n    def __init__(self) -> None:\n        self.bar: Any = None",
    "alias": "Records = Mapping[str, Any]",
    "type alias": "Value: TypeAlias = 'int | Any'",
    "annotated module name": "TABLE: dict[str, Any] = {}",
    "dunder": "def __getattr__(name: str) -> Any: ...",
}
CLEAN = {
    "private function": "def _f(x: Any) -> Any: ...",
    "private class": "class _C:\n    x: Any\n    def m(self, y: Any) -> None: ...",
    "private method": "class C:\n    def _m(self, y: Any) -> None: ...",
    "private field": "class C:\n    _x: Any",
    "body": "def f(x: int) -> int:\n    y: Any = x\n    return int(y)",
    "object": "def f(x: object) -> dict[str, object]: ...",
    "a word in a docstring": 'def f() -> None:\n    """Any caller."""',
    "before validator": (
        "class M(BaseModel):\n"
        "    @model_validator(mode='before')\n"
        "    @classmethod\n"
        "    def fill(cls, data: Any) -> Any: ..."
    ),
    "field validator": (
        "class M(BaseModel):\n"
        "    @field_validator('x', mode='wrap')\n"
        "    def fill(cls, v: Any, handler: Any) -> Any: ..."
    ),
    "BeforeValidator": (
        "def finite(v: Any) -> Any: ...\nLength = Annotated[float, BeforeValidator(finite)]"
    ),
}


@pytest.mark.parametrize("source", FLAGGED.values(), ids=FLAGGED.keys())
def test_the_checker_flags(source: str) -> None:
    assert module_seams(source, "cardgen.example"), source


@pytest.mark.parametrize("source", CLEAN.values(), ids=CLEAN.keys())
def test_the_checker_leaves(source: str) -> None:
    assert module_seams(source, "cardgen.example") == [], source


def test_an_after_validator_is_a_seam_like_any_function() -> None:
    """Only raw input is pydantic's to give: an after validator gets the typed value."""
    source = "def check(v: Any) -> Any: ...\nLength = Annotated[float, AfterValidator(check)]"
    assert [s.where for s in module_seams(source, "cardgen.example")] == [
        "check(v)",
        "check -> ",
    ]


def test_a_private_name_another_module_imports_is_a_seam() -> None:
    source = "def _helper(x: Any) -> None: ..."
    assert module_seams(source, "cardgen.example", {"_helper"})
    assert not module_seams(source, "cardgen.example", set())


def test_a_private_module_is_not_a_seam() -> None:
    assert not module_seams("def f(x: Any) -> None: ...", "example._inner")


def test_only_an_override_of_a_library_method_is_forced() -> None:
    """`serve.GalleryHandler.log_message` overrides http.server's; `GalleryServer.url`
    overrides nothing, and a method of cardgen's own base class is cardgen's to type."""
    handler = Seam("cardgen.review.serve", 1, "", "GalleryHandler", "log_message")
    own = Seam("cardgen.review.serve", 1, "", "GalleryServer", "gzipped")
    plain = Seam("cardgen.yamlio", 1, "", "YamlDocument", "__init__")  # object's is no excuse
    assert library_override(handler)
    assert not library_override(own)
    assert not library_override(plain)
    assert not library_override(Seam("cardgen.review.serve", 1, "", None, None))
