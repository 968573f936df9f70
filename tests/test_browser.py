"""The gallery in a real browser: Playwright driving Debian's Chromium, headless.

Screenshots at phone and desktop width go to tests/_artifacts/ for a human to look at.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from cardgen.batch.plan import Project, render
from cardgen.review.serve import GalleryServer, serve_in_thread
from tests.gallery_project import HOSTILE_AUTHOR, HOSTILE_QUOTE, HOSTILE_TITLE, make_project

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "_artifacts"
# Without the background-networking flags Chromium keeps calling home, which on a
# closed network floods it with refused connections.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if not CHROMIUM.exists() and not os.environ.get("CI"):
    pytest.skip(
        f"{CHROMIUM} not found: install Debian's chromium (`make test` does) to run browser tests",
        allow_module_level=True,
    )


pytestmark = pytest.mark.slow

IMAGES_LOADED = """() => Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, GalleryServer]]:
    root = tmp_path_factory.mktemp("project")
    make_project(root)
    out = root / "out"
    render(None, out=out, project=Project.open(root))
    server, thread = serve_in_thread(out)
    yield out, server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


class Watched:
    """A page with everything it logged and requested."""

    def __init__(self, context: BrowserContext) -> None:
        self.context = context
        self.page: Page = context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on(
            "console",
            lambda m: self.errors.append(m.text) if m.type in ("error", "warning") else None,
        )
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url}"))
        self.page.on("request", lambda r: self.requests.append(r.url))

    def open(self, url: str) -> Page:
        self.page.goto(url, wait_until="load")
        self.page.wait_for_function(IMAGES_LOADED, timeout=15_000)
        return self.page


@pytest.fixture
def watched(browser: Browser, site: tuple[Path, GalleryServer]) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site[1].url)
    yield Watched(context)
    context.close()


def manifest(out: Path) -> list[dict[str, Any]]:
    cards: list[dict[str, Any]] = json.loads((out / "manifest.json").read_text("utf-8"))["cards"]
    return cards


def test_page_loads_clean_every_image_loads_screenshots(
    watched: Watched, site: tuple[Path, GalleryServer]
) -> None:
    out, server = site
    page = watched.open(server.url)
    images = page.evaluate(
        """() => Array.from(document.images).map(i => ({src: i.getAttribute('src'),
            natural: [i.naturalWidth, i.naturalHeight], shown: [i.clientWidth, i.clientHeight],
            alt: i.alt}))"""
    )
    cards = {c["path"]: c for c in manifest(out)}
    assert len(images) == len(cards) == 12
    for image in images:
        card = cards[image["src"]]
        assert image["natural"] == [card["width"], card["height"]]
        assert image["alt"] == card["alt_text"]
        # Thumbnails keep the card's true aspect ratio.
        shown_ratio = image["shown"][0] / image["shown"][1]
        assert shown_ratio == pytest.approx(card["width"] / card["height"], rel=0.03)
    ARTIFACTS.mkdir(exist_ok=True)
    for width in (1440, 390):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scroll
        path = ARTIFACTS / f"gallery-{width}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000
    assert watched.errors == []
    # Only the page itself, its cards and the live-reload endpoints: nothing off the machine.
    assert all(u.startswith((server.url, "data:")) for u in watched.requests), watched.requests


def test_opened_as_a_file_it_needs_nothing_but_the_images(
    watched: Watched, site: tuple[Path, GalleryServer]
) -> None:
    out, _ = site
    page = watched.open((out / "index.html").as_uri())
    assert page.evaluate("document.images.length") == 12
    assert watched.errors == []
    assert all(u.startswith(("file://", "data:")) for u in watched.requests), watched.requests
    assert not [u for u in watched.requests if "__cardgen" in u]


def test_filters_by_platform_and_layout(watched: Watched, site: tuple[Path, GalleryServer]) -> None:
    _, server = site
    page = watched.open(server.url)
    visible = (
        "() => Array.from(document.querySelectorAll('.card:not([hidden])'))"
        ".map(c => [c.dataset.platform, c.dataset.layout])"
    )
    assert len(page.evaluate(visible)) == 12
    page.select_option("#filter-platform", "x")
    shown = page.evaluate(visible)
    assert len(shown) == 3 and {p for p, _ in shown} == {"x"}
    assert page.locator("#shown").text_content() == "Showing 3 of 12 cards"
    assert page.locator("main .card:not([hidden])").count() == 3
    page.select_option("#filter-layout", "bold")
    assert page.evaluate(visible) == [["x", "bold"]]
    # Quotes with no visible card are hidden whole.
    assert page.locator(".quote:not([hidden])").count() == 1
    assert page.locator(".quote:not([hidden]) .qid").text_content() == "small-steps"
    assert page.url.endswith("#platform=x&layout=bold")
    # The filtered view survives a reload (it is in the address).
    page.reload(wait_until="load")
    assert page.evaluate(visible) == [["x", "bold"]]
    page.select_option("#filter-platform", "")
    page.select_option("#filter-layout", "classic")
    shown = page.evaluate(visible)
    assert len(shown) == 8 and {layout for _, layout in shown} == {"classic"}
    page.select_option("#filter-layout", "")
    assert len(page.evaluate(visible)) == 12
    assert page.locator("#shown").text_content() == "Showing all 12 cards"
    assert watched.errors == []


def test_copy_buttons_put_caption_and_alt_text_on_the_clipboard(
    watched: Watched, site: tuple[Path, GalleryServer]
) -> None:
    out, server = site
    page = watched.open(server.url)
    cards = manifest(out)
    first = page.locator(".card").first
    card = next(c for c in cards if c["path"] == first.locator("img").get_attribute("src"))
    first.get_by_role("button", name="Copy caption").click()
    assert page.evaluate("navigator.clipboard.readText()") == card["caption"]
    assert first.get_by_role("button", name="Copied").count() == 1
    assert page.locator("#copied").text_content() == "caption copied to the clipboard"
    first.get_by_role("button", name="Copy alt text").click()
    assert page.evaluate("navigator.clipboard.readText()") == card["alt_text"]
    assert watched.errors == []


def test_keyboard_alone_reaches_filters_and_copy_buttons(
    watched: Watched, site: tuple[Path, GalleryServer]
) -> None:
    out, server = site
    page = watched.open(server.url)
    focused = "() => { const e = document.activeElement; return [e.tagName, e.className, e.id]; }"
    page.keyboard.press("Tab")
    assert page.evaluate(focused) == ["A", "skip", ""]
    page.keyboard.press("Tab")
    assert page.evaluate(focused) == ["SELECT", "", "filter-platform"]
    # Arrow keys change a focused select; the filter follows.
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    assert page.evaluate(focused) == ["SELECT", "", "filter-layout"]
    first_platform = page.evaluate("document.querySelector('#filter-platform').value")
    assert page.locator(".card:not([hidden])").count() == 3
    platforms = page.eval_on_selector_all(
        ".card:not([hidden])", "cards => cards.map(c => c.dataset.platform)"
    )
    assert set(platforms) == {first_platform}
    # Onwards: the quote's source link, the first card's full-size link, its copy button.
    page.keyboard.press("Tab")
    source = page.evaluate("() => document.activeElement.getAttribute('href')")
    assert source.startswith("https://example.com/a?b=1")
    page.keyboard.press("Tab")
    assert page.evaluate(focused)[1] == "thumb"
    page.keyboard.press("Tab")
    assert page.evaluate(focused)[1] == "copy"
    page.keyboard.press("Enter")
    src = page.locator(".card:not([hidden]) img").first.get_attribute("src")
    card = next(c for c in manifest(out) if c["path"] == src)
    assert page.evaluate("navigator.clipboard.readText()") == card["caption"]
    # The focus ring is visible (not removed by the styles).
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    assert watched.errors == []


def test_hostile_text_is_text_in_the_dom(
    watched: Watched, site: tuple[Path, GalleryServer]
) -> None:
    _, server = site
    page = watched.open(server.url)
    assert page.evaluate("window.__pwned") is None
    section = page.locator("section.quote", has=page.locator(".qid", has_text="hostile"))
    assert section.locator(".said p").first.text_content() == HOSTILE_QUOTE
    by = section.locator(".said .by").text_content() or ""
    assert HOSTILE_AUTHOR in by and HOSTILE_TITLE in by
    assert section.locator("a[href^='javascript']").count() == 0
    # Only the page's script and the live-reload script exist; no <b> or <img> from the YAML.
    assert page.evaluate("document.scripts.length") == 2
    assert section.locator(".said b, .said img").count() == 0
    assert watched.errors == []


def test_text_contrast_is_readable(watched: Watched, site: tuple[Path, GalleryServer]) -> None:
    _, server = site
    page = watched.open(server.url)
    # WCAG 2 contrast of every text element against its nearest opaque background.
    worst = page.evaluate(
        """() => {
      const rgb = s => s.match(/[\\d.]+/g).map(Number);
      const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255;
          return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
      const background = el => { for (; el; el = el.parentElement) {
          const c = rgb(getComputedStyle(el).backgroundColor);
          if (c.length < 4 || c[3] === 1) return c; } return [255, 255, 255]; };
      let worst = [99, ""];
      for (const el of document.querySelectorAll("body *")) {
        const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
        if (!own || !el.getClientRects().length) continue;
        const style = getComputedStyle(el);
        if (style.visibility === "hidden" || el.closest(".visually-hidden, .skip")) continue;
        const [a, b] = [lum(rgb(style.color)), lum(background(el))];
        const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        if (ratio < worst[0]) worst = [ratio, el.tagName + "." + el.className];
      }
      return worst;
    }"""
    )
    assert worst[0] >= 4.5, worst


def test_page_reloads_when_a_render_finishes(
    watched: Watched, site: tuple[Path, GalleryServer], tmp_path: Path
) -> None:
    out, server = site
    page = watched.open(server.url)
    page.evaluate("window.__before_reload = true")
    # A narrower render into the same folder, as `cardgen render --platform x` would do.
    backup = tmp_path / "backup"
    shutil.copytree(out, backup)
    try:
        root = out.parent
        render(None, out=out, platforms=["x"], force=True, project=Project.open(root))
        # Cards of other platforms are kept, so the page lists every card of the manifest.
        listed = len(json.loads((out / "manifest.json").read_text(encoding="utf-8"))["cards"])
        page.wait_for_function(
            "() => window.__before_reload === undefined"
            f" && document.querySelectorAll('.card').length === {listed}",
            timeout=10_000,
        )
        page.wait_for_function(IMAGES_LOADED)
    finally:
        shutil.rmtree(out)
        shutil.copytree(backup, out)
    assert watched.errors == []
