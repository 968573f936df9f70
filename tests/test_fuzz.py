"""Fuzzing the loaders: whatever the files hold, the only exception is a CardgenError.

`make test` runs each target on a small budget (a few seconds in all);
`make fuzz` runs them for FUZZ_SECONDS (default 600) in total, split evenly:

    CARDGEN_FUZZ_SECONDS=600 pytest tests/test_fuzz.py

Targets: the YAML reader, the selection loader (with its article and quote
verification), the layout, brand and platform loaders with layout resolution
and scene building, the article loader, text fields and article metadata (what
loads is free of control, bidi and zero-width characters), and templates (only
plain `{field}` names pass).
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cardgen.batch.plan import Project, check
from cardgen.design.cardtext import CardText
from cardgen.design.layouts import LayoutSource, load_brand, resolve_layout
from cardgen.design.platforms import BUILTIN, load_platforms
from cardgen.drawing.composition import build_scene
from cardgen.errors import CardgenError
from cardgen.source.articles import load_article
from cardgen.source.invisible import find_unsafe, web_address_problem
from cardgen.source.matching import ArticleIndex, normalise
from cardgen.source.quotes import load_selection
from cardgen.templates import template_fields
from cardgen.typography.fontfiles import font_folders
from cardgen.typography.fonts import registry_for
from cardgen.yamlio import read_yaml

TARGETS = 12  # the number of fuzz tests below, to split a long budget evenly
BUDGET = float(os.environ.get("CARDGEN_FUZZ_SECONDS", "0")) / TARGETS
QUICK = settings(
    max_examples=int(os.environ.get("CARDGEN_FUZZ_EXAMPLES", "30")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
LONG = settings(QUICK, max_examples=500)

ARTICLE = """A Title Line

It’s here, and it is short -- but “quoted” well.

The second paragraph says something quotable about patience and time. Then another sentence!

日本語の段落です。とても短い。
"""
PLATFORMS = [p for p in BUILTIN if p.id in ("x", "instagram-story", "instagram-square")]
REGISTRY = registry_for(font_folders(None))


def fuzz(test: Callable[..., None]) -> Callable[..., None]:
    """Run a hypothesis test once (quick), or again and again for its share of the budget."""
    configured = (LONG if BUDGET > 0 else QUICK)(test)

    @functools.wraps(test)
    def run(**fixtures: Any) -> None:
        deadline = time.monotonic() + BUDGET
        configured(**fixtures)
        while time.monotonic() < deadline:
            configured(**fixtures)

    return run


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz")
    (root / "quotes" / "articles").mkdir(parents=True)
    (root / "layouts" / "brands").mkdir(parents=True)
    (root / "quotes" / "articles" / "a.txt").write_text(ARTICLE, encoding="utf-8")
    return root


def only_cardgen_errors(action: Callable[[], Any]) -> Any:
    """Run `action`; a CardgenError is a fine answer, anything else fails the test."""
    try:
        return action()
    except CardgenError as exc:
        line = exc.one_line()
        assert line and "\n" not in line
        return None


# --- strategies ---------------------------------------------------------------

WEIRD_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"])
    | st.sampled_from("\t\n\r :-#&*!|>'\"[]{},%@`"),
    max_size=80,
)
# Characters that hide, reorder or break a line: refused in YAML, cleaned from articles.
HOSTILE_CHARS = st.sampled_from(
    ["\u202e", "\u202a", "\u2066", "\u200b", "\u2060", "\ufeff", "\x07", "\x1b", "\x00",
     "\n", "\r", "\t", "\u2028", "\u0085", "\x7f", "\u200d", "\u200f"]
)  # fmt: skip
HOSTILE_TEXT = st.lists(HOSTILE_CHARS | st.text(max_size=8), max_size=8).map("".join)
URLS = st.sampled_from(
    ["https://ok.example/a", "http://x.example", "https://ok.example\n\nURGENT: https://evil",
     "javascript:alert(1)", "https:///etc/passwd", "ftp://x.example", "https://a b.example",
     "example.com", "https://ok.example/\u202e", ""]
) | HOSTILE_TEXT  # fmt: skip
HUGE_NUMBERS = st.sampled_from(
    [float("nan"), float("inf"), -float("inf"), 1e308, -1e308, 1e12, 10**30, -(10**20)]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**12), max_value=10**12)
    | st.floats(allow_nan=True, allow_infinity=True)
    | HUGE_NUMBERS
    | WEIRD_TEXT
)
SELECTION_KEYS = [
    "article", "source", "title", "author", "url", "publisher", "defaults", "layout", "brand",
    "platforms", "hashtags", "quotes", "id", "text", "find", "attribution",
]  # fmt: skip
LAYOUT_KEYS = [
    "name", "description", "brand", "background", "color", "gradient", "kind", "angle", "stops",
    "elements", "type", "id", "role", "text", "box", "x", "y", "w", "h", "font", "family",
    "weight", "style", "size", "min", "max", "line_height", "align", "valign", "uppercase",
    "hide_if_empty", "char", "fill", "radius", "opacity", "thickness", "orientation", "extends",
    "overrides", "colors", "fonts", "serif", "sans", "display", "logo", "handle", "website",
]  # fmt: skip
LENGTHS = (
    st.sampled_from(
        ["10%", "50%", "100%", "0", "-5%", "3%s", "8%s", "40px", "0.1%h", "1e9", "5000%s", "99999",
         "1e308%", "9" * 400 + "%", "-" + "9" * 40 + "px", "1000%s", "1001%"]
    )
    | st.floats(-1e6, 1e6)
    | st.integers(-(10**9), 10**9)
    | HUGE_NUMBERS
)  # fmt: skip
SHADOWS = st.fixed_dictionaries(
    {}, optional={"dx": LENGTHS, "dy": LENGTHS, "blur": LENGTHS, "color": st.just("#00000055")}
)
COLOURS = st.sampled_from(["#000", "#ffffff", "#12345", "brand.text", "brand.nope", "white", "red"])


def tree(keys: list[str], leaves: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Nested mappings and lists using the schema's own key names, so validation goes deep."""
    names = st.sampled_from(keys) | WEIRD_TEXT
    return st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(names, inner, max_size=6),
        max_leaves=25,
    )


def quote_entries() -> st.SearchStrategy[dict[str, Any]]:
    paragraph_bits = st.sampled_from(
        ["It's here", "It’s here, and it is short", "patience", "Then another sentence!",
         "短い", "quoted\" well", "-- but", "not in the article", "", "   "]
    )  # fmt: skip
    selector = st.one_of(
        st.fixed_dictionaries({"text": paragraph_bits | WEIRD_TEXT}),
        st.fixed_dictionaries({"find": paragraph_bits | WEIRD_TEXT}),
        st.fixed_dictionaries({}, optional={"text": paragraph_bits, "find": paragraph_bits}),
    )
    rest = st.fixed_dictionaries(
        {"id": st.sampled_from(["one", "two", "a-b", "../x", "A B", ""])},
        optional={
            "attribution": WEIRD_TEXT,
            "platforms": st.lists(st.sampled_from(["x", "og", "tiktok"]), max_size=2),
            "layout": st.sampled_from(["classic", "bold", "nope"]),
        },
    )
    return st.tuples(rest, selector).map(lambda pair: {**pair[0], **pair[1]})


SELECTIONS = st.fixed_dictionaries(
    {
        "article": st.fixed_dictionaries(
            {"source": st.sampled_from(["articles/a.txt", "../a.txt", "/etc/hostname", "x.txt"])},
            optional={"title": WEIRD_TEXT, "author": WEIRD_TEXT, "url": SCALARS},
        ),
        "quotes": st.lists(quote_entries(), min_size=1, max_size=4),
    },
    optional={
        "defaults": st.fixed_dictionaries(
            {},
            optional={
                "layout": st.sampled_from(["classic", "bold", "nope", "../x"]),
                "brand": st.sampled_from(["happy-as-a-mother", "nope"]),
                "platforms": st.lists(st.sampled_from(["x", "og", "tiktok"]), max_size=2),
                "hashtags": st.lists(WEIRD_TEXT, max_size=2),
            },
        )
        | tree(SELECTION_KEYS, SCALARS),
    },
)

BOXES = st.fixed_dictionaries({"x": LENGTHS, "y": LENGTHS, "w": LENGTHS, "h": LENGTHS})
FONTS = st.fixed_dictionaries(
    {},
    optional={
        "family": st.sampled_from(["brand.fonts.serif", "Inter", "Nope", "brand.fonts.x"]),
        "weight": st.sampled_from(["regular", "bold", "black"]),
        "style": st.sampled_from(["normal", "italic"]),
    },
)
ELEMENT_IDS = st.sampled_from(["quote", "mark", "band"])
TEXT_ELEMENTS = st.fixed_dictionaries(
    {
        "type": st.just("text"),
        "box": BOXES,
        "text": st.sampled_from(
            [
                "{quote}",
                "{attribution} — {title}",
                "{nope}",
                "{",
                "}{",
                "{quote:>300000000}",
                "{quote!r}",
                "{title.__class__}",
                "{quote[0]}",
                "{0}",
            ]
        ),
    },
    optional={
        "id": ELEMENT_IDS,
        "color": COLOURS,
        "font": FONTS,
        "size": st.fixed_dictionaries({"min": LENGTHS, "max": LENGTHS}),
        "line_height": st.floats(0, 4) | st.sampled_from([0.8, 1.2, 3.0]),
        "align": st.sampled_from(["left", "center", "right", "justify"]),
        "valign": st.sampled_from(["top", "middle", "bottom"]),
        "uppercase": st.booleans(),
        "role": st.sampled_from(["quote", "attribution", "x"]),
        "shadow": SHADOWS,
        "z": st.integers(-5, 5) | HUGE_NUMBERS,
    },
)
SHAPE_ELEMENTS = st.one_of(
    st.fixed_dictionaries(
        {"type": st.just("rect"), "box": BOXES},
        optional={"id": ELEMENT_IDS, "fill": COLOURS, "radius": LENGTHS,
                  "opacity": st.floats(-1, 2) | HUGE_NUMBERS, "shadow": SHADOWS},
    ),
    st.fixed_dictionaries(
        {"type": st.just("line"), "box": BOXES},
        optional={"id": ELEMENT_IDS, "color": COLOURS, "thickness": LENGTHS,
                  "orientation": st.sampled_from(["horizontal", "vertical", "diagonal"])},
    ),
    st.fixed_dictionaries(
        {"type": st.just("quote_mark"), "box": BOXES},
        optional={"id": ELEMENT_IDS, "color": COLOURS, "font": FONTS,
                  "char": st.sampled_from(["“", "«", "", "abc", "\u202e"])},
    ),
)  # fmt: skip
ELEMENTS = TEXT_ELEMENTS | SHAPE_ELEMENTS
LAYOUTS = st.fixed_dictionaries(
    {"elements": st.lists(ELEMENTS, max_size=4)},
    optional={
        "name": WEIRD_TEXT,
        "brand": st.sampled_from(["happy-as-a-mother", "nope", "../x"]),
        "background": st.fixed_dictionaries(
            {},
            optional={
                "color": COLOURS,
                "gradient": st.fixed_dictionaries(
                    {"stops": st.lists(COLOURS, max_size=9)},
                    optional={
                        "kind": st.sampled_from(["linear", "radial", "conic"]),
                        "angle": st.floats(allow_nan=True) | HUGE_NUMBERS,
                    },
                ),
            },
        ),
        "extends": st.sampled_from(["classic", "bold", "fuzzed", "missing"]),
        "overrides": st.dictionaries(
            st.sampled_from(["square", "tall", "landscape", "x", "instagram-story"]),
            tree(LAYOUT_KEYS, SCALARS | LENGTHS),
            max_size=2,
        ),
    },
)


def dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def mutate(text: str, edits: list[tuple[int, int, str]]) -> str:
    """Apply (position, delete, insert) edits: near-valid files reach deep into the loaders."""
    for position, delete, insert in edits:
        at = position % (len(text) + 1)
        text = text[:at] + insert + text[at + delete :]
    return text


EDITS = st.lists(
    st.tuples(st.integers(0, 10_000), st.integers(0, 5), WEIRD_TEXT | st.sampled_from(
        ["&a ", "*a", "<<: *a", "!!int ", "!!python/name:os.system", "\t", "---\n", "? ", "- ",
         '"\\U80000000"', '"\\ud800"', '"\\x', "\u202e", "%YAML 1.1\n", "!!binary "]
    )),
    max_size=4,
)  # fmt: skip
GOOD_SELECTION = dump(
    {
        "article": {"source": "articles/a.txt", "title": "A Title", "author": "Ada"},
        "defaults": {"platforms": ["x"], "layout": "classic"},
        "quotes": [{"id": "one", "text": "It's here"}, {"id": "two", "find": "patience"}],
    }
)


# --- targets ----------------------------------------------------------------------


@fuzz
@given(text=st.text(max_size=400) | WEIRD_TEXT, raw=st.binary(max_size=200))
def test_yaml_reader(project: Path, text: str, raw: bytes) -> None:
    path = project / "any.yaml"
    path.write_text(text, encoding="utf-8")
    only_cardgen_errors(lambda: read_yaml(path))
    path.write_bytes(raw)
    only_cardgen_errors(lambda: read_yaml(path))


@fuzz
@given(data=SELECTIONS)
def test_selection_loader_structured(project: Path, data: dict[str, Any]) -> None:
    path = project / "quotes" / "sel.yaml"
    path.write_text(dump(data), encoding="utf-8")
    only_cardgen_errors(lambda: load_selection(path))


@fuzz
@given(data=SELECTIONS, platform=st.sampled_from(["x", "instagram-story", "bluesky"]))
def test_check_end_to_end(project: Path, data: dict[str, Any], platform: str) -> None:
    """Selections through plan, fit, captions and alt text, as `cardgen check` runs them."""
    path = project / "quotes" / "sel.yaml"
    path.write_text(dump(data), encoding="utf-8")
    only_cardgen_errors(lambda: check([path], project=Project.open(project), platforms=[platform]))


@fuzz
@given(edits=EDITS)
def test_selection_loader_mutated(project: Path, edits: list[tuple[int, int, str]]) -> None:
    path = project / "quotes" / "mut.yaml"
    path.write_text(mutate(GOOD_SELECTION, edits), encoding="utf-8")
    only_cardgen_errors(lambda: load_selection(path))


def _render_layout(project: Path, text: str) -> None:
    (project / "layouts" / "fuzzed.yaml").write_text(text, encoding="utf-8")
    source = LayoutSource.for_project(project)
    content = CardText(quote="It’s here, and it is short.", attribution="Ada", title="T")
    for platform in PLATFORMS:
        layout = resolve_layout(source, "fuzzed", platform)
        brand = load_brand(source, layout.brand)
        build_scene(content, layout, brand, platform, REGISTRY, label="fuzz")


@fuzz
@given(data=LAYOUTS)
def test_layout_loader_structured(project: Path, data: dict[str, Any]) -> None:
    only_cardgen_errors(lambda: _render_layout(project, dump(data)))


@fuzz
@given(edits=EDITS, which=st.sampled_from(["classic", "bold"]))
def test_layout_loader_mutated(
    project: Path, edits: list[tuple[int, int, str]], which: str
) -> None:
    bundled = LayoutSource.for_project(None).find(which, "layout").read_text(encoding="utf-8")
    only_cardgen_errors(lambda: _render_layout(project, mutate(bundled, edits)))


@fuzz
@given(data=tree(LAYOUT_KEYS, SCALARS | COLOURS), edits=EDITS)
def test_brand_loader(project: Path, data: Any, edits: list[tuple[int, int, str]]) -> None:
    path = project / "layouts" / "brands" / "fuzzed.yaml"
    path.write_text(mutate(dump(data), edits), encoding="utf-8")
    only_cardgen_errors(lambda: load_brand(LayoutSource.for_project(project), "fuzzed"))


@fuzz
@given(
    data=st.fixed_dictionaries(
        {
            "platforms": st.dictionaries(
                st.sampled_from(["x", "og", "poster", "../p", "A B"]) | WEIRD_TEXT,
                tree(["width", "height", "safe", "format", "file_limit", "name"], SCALARS),
                max_size=3,
            )
        }
    )
)
def test_platforms_loader(tmp_path_factory: pytest.TempPathFactory, data: Any) -> None:
    root = tmp_path_factory.mktemp("platforms")
    (root / "layouts").mkdir()
    (root / "layouts" / "platforms.yaml").write_text(dump(data), encoding="utf-8")
    only_cardgen_errors(lambda: load_platforms(root))


MARKUP = st.sampled_from(
    [
        "<p>",
        "</p>",
        "<article>",
        "<nav>menu</nav>",
        "<script>x()</script>",
        "&amp;",
        "&#0;",
        "<!--",
        "# ",
        "* ",
        "[a](b)",
        "![i](p.png)",
        "`",
        "\n\n",
        "\r\n",
        "---\n",
        "title: t\n",
        '<meta name="author" content="A">',
        "\u00a0",
        "\u200b",
    ]
)
MARKED_UP = st.lists(MARKUP | st.text(max_size=20), max_size=30).map(
    lambda parts: "".join(parts).encode("utf-8")
)


@fuzz
@given(
    raw=st.binary(max_size=300)
    | st.text(max_size=300).map(lambda t: t.encode("utf-8"))
    | MARKED_UP,
    suffix=st.sampled_from([".txt", ".md", ".html"]),
    wanted=st.text(max_size=40),
    find=st.booleans(),
)
def test_article_loader(project: Path, raw: bytes, suffix: str, wanted: str, find: bool) -> None:
    path = project / "quotes" / "articles" / f"fuzz{suffix}"
    path.write_bytes(raw)
    article = only_cardgen_errors(lambda: load_article(path))
    if article is None:
        return
    index = ArticleIndex(article)
    index.locate(wanted, find=find)
    # Every paragraph of an article with visible text is found in that article.
    for paragraph in article.paragraphs[:3]:
        if normalise(paragraph)[0]:
            assert index.locate(paragraph, find=False) is not None, paragraph


# --- text fields, article metadata, templates ------------------------------------------


def _safe(value: str | None) -> bool:
    return value is None or find_unsafe(value) is None


TEXT_FIELD_SELECTIONS = st.fixed_dictionaries(
    {
        "article": st.fixed_dictionaries(
            {"source": st.just("articles/a.txt")},
            optional={
                "title": HOSTILE_TEXT, "author": HOSTILE_TEXT, "publisher": HOSTILE_TEXT,
                "url": URLS,
            },
        ),
        "quotes": st.lists(
            st.fixed_dictionaries(
                {"id": st.just("one"), "text": st.just("It's here")},
                optional={
                    "attribution": HOSTILE_TEXT,
                    "hashtags": st.lists(HOSTILE_TEXT, max_size=2),
                },
            ),
            min_size=1,
            max_size=1,
        ),
    },
    optional={"defaults": st.fixed_dictionaries({"hashtags": st.lists(HOSTILE_TEXT, max_size=3)})},
)  # fmt: skip


@fuzz
@given(data=TEXT_FIELD_SELECTIONS)
def test_text_fields(project: Path, data: dict[str, Any]) -> None:
    """Whatever a selection's text fields hold, what loads is one clean line each."""
    path = project / "quotes" / "fields.yaml"
    path.write_text(dump(data), encoding="utf-8")
    loaded = only_cardgen_errors(lambda: load_selection(path))
    if loaded is None:
        return
    quote = loaded.quotes[0]
    for value in (
        loaded.title,
        loaded.author,
        loaded.publisher,
        quote.attribution,
        *quote.hashtags,
    ):
        assert _safe(value), value
    assert loaded.url is None or web_address_problem(loaded.url) is None, loaded.url


@fuzz
@given(
    meta=st.dictionaries(
        st.sampled_from(["title", "author", "authors", "url", "link", "publisher", "date"]),
        HOSTILE_TEXT | URLS | SCALARS,
        max_size=5,
    ),
    html=st.booleans(),
)
def test_article_metadata(project: Path, meta: dict[str, Any], html: bool) -> None:
    """An article's own title, author, url and publisher come out clean, with warnings."""
    if html:
        path = project / "quotes" / "articles" / "meta.html"
        tags = "".join(
            f'<meta name="{k}" content="{str(v).replace(chr(34), "")}">' for k, v in meta.items()
        )
        path.write_text(
            f"<html><head>{tags}<title>{meta.get('title', '')}</title></head><body><article>"
            "<p>It is a quotable sentence, long enough to be the body of the page.</p>"
            "</article></body></html>",
            encoding="utf-8",
            errors="replace",
        )
    else:
        path = project / "quotes" / "articles" / "meta.md"
        path.write_text("---\n" + dump(meta) + "---\n\nIt is here.\n", encoding="utf-8")
    article = only_cardgen_errors(lambda: load_article(path))
    if article is None:
        return
    for value in (article.title, article.author, article.publisher):
        assert _safe(value), value
    assert article.url is None or web_address_problem(article.url) is None, article.url


TEMPLATE_PIECES = st.sampled_from(
    ["{", "}", "{{", "}}", "quote", "title", ":", "!", "r", ">", "300000000", ".", "[0]", " ", "x"]
)


@fuzz
@given(template=st.lists(TEMPLATE_PIECES | WEIRD_TEXT, max_size=12).map("".join))
def test_templates(template: str) -> None:
    """A template is refused with a short message, or has plain names that fill plainly."""
    try:
        names = template_fields(template, ["quote", "title"], "template")
    except ValueError as exc:
        assert len(str(exc)) < 400
        return
    filled = template.format_map({"quote": "Q", "title": "T"})
    assert set(names) <= {"quote", "title"}
    assert len(filled) <= len(template)  # no padding, no repr: names shrink to one letter
