"""The gallery in a real browser: Playwright driving Debian's Chromium, headless.

Screenshots at phone and desktop width go to tests/_artifacts/ for a human to look at.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Request, Route, sync_playwright

from cardgen.batch.captions import count
from cardgen.batch.plan import Project
from cardgen.batch.runner import render
from cardgen.review.serve import GalleryHandler, GalleryServer, serve_in_thread
from tests.gallery_project import HOSTILE_AUTHOR, HOSTILE_QUOTE, HOSTILE_TITLE, make_project
from tests.servekit import CHROMIUM, CHROMIUM_ARGS, PLATFORMS, serving

ARTIFACTS = Path(__file__).resolve().parent / "_artifacts"

if not CHROMIUM.exists() and not os.environ.get("CI"):
    pytest.skip(
        f"{CHROMIUM} not found: apt-get install chromium (make test does, as root) or "
        "playwright install chromium",
        allow_module_level=True,
    )


pytestmark = pytest.mark.slow

# Thumbnails load lazily: every image on screen has loaded (those below wait for a scroll).
IMAGES_LOADED = """() => Array.from(document.images)
    .filter(i => { const r = i.getBoundingClientRect();
                   return r.width > 0 && r.top < innerHeight && r.bottom > 0; })
    .every(i => i.complete && i.naturalWidth > 0)"""
ALL_IMAGES_LOADED = (
    """() => Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)"""
)
AXE = Path(importlib.util.find_spec("axe_playwright_python").origin).parent / "axe.min.js"  # type: ignore[arg-type, union-attr]


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now (WCAG 2.x A and AA, best practices)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """() => axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations.map(
            v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target)})))"""
    )
    return list(result)


def scroll_through(page: Page) -> None:
    """Scroll to the bottom in screenfuls so every lazy image loads, then back to the top."""
    page.evaluate(
        """async () => { for (let y = 0; y < document.body.scrollHeight; y += innerHeight / 2) {
            window.scrollTo(0, y); await new Promise(r => setTimeout(r, 30)); }
          window.scrollTo(0, 0); }"""
    )
    page.wait_for_function(ALL_IMAGES_LOADED, timeout=15_000)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, GalleryServer]]:
    root = tmp_path_factory.mktemp("project")
    make_project(root)
    out = root / "out"
    render(None, out=out, project=Project.open(root))
    with serving(out) as server:
        yield out, server


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
        self.logged: list[str] = []
        self.requests: list[str] = []
        self.documents = 0  # main-frame documents loaded so far
        self.started: dict[Request, int] = {}  # each request: the document it was made from
        self.failed: list[Request] = []
        self.page.on(
            "console",
            lambda m: self.logged.append(m.text) if m.type in ("error", "warning") else None,
        )
        self.page.on("pageerror", lambda e: self.logged.append(str(e)))
        self.page.on("request", self._requested)
        self.page.on("requestfailed", lambda r: self.failed.append(r))
        self.page.on("domcontentloaded", lambda _: self._loaded())

    def _requested(self, request: Request) -> None:
        self.requests.append(request.url)
        self.started[request] = self.documents

    def _loaded(self) -> None:
        self.documents += 1

    @property
    def errors(self) -> list[str]:
        """What the page logged as errors, and every request that failed.

        A fetch still running when the test moves to another page is aborted by the
        browser (net::ERR_ABORTED): that is the test leaving, not the page failing, so a
        request aborted after a newer document loaded is left out. Under load the review
        page's first fetches are often still running when a test reloads it.
        """
        failed = [
            f"failed: {request.url} ({request.failure})"
            for request in self.failed
            if not (
                request.failure == "net::ERR_ABORTED"
                and self.documents > self.started.get(request, self.documents)
            )
        ]
        return self.logged + failed

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
    scroll_through(page)
    images = page.evaluate(
        """() => Array.from(document.images).map(i => ({src: i.getAttribute('src'),
            card: i.closest('.card').dataset.path, loading: i.loading,
            link: i.closest('a').getAttribute('href'),
            natural: [i.naturalWidth, i.naturalHeight], shown: [i.clientWidth, i.clientHeight],
            alt: i.alt}))"""
    )
    cards = {c["path"]: c for c in manifest(out)}
    assert len(images) == len(cards) == 12
    for image in images:
        card = cards[image["card"]]
        # A small thumbnail, lazily loaded; the full card a click away.
        assert image["src"] == f".cardgen/thumbs/{card['sha256']}.webp"
        assert image["loading"] == "lazy" and image["link"] == card["path"]
        assert max(image["natural"]) <= 360
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
    card = next(c for c in cards if c["path"] == first.get_attribute("data-path"))
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
    page.wait_for_function("() => document.body.classList.contains('reviewing')")
    page.keyboard.press("Tab")
    assert page.evaluate(focused) == ["A", "skip", ""]
    page.keyboard.press("Tab")
    assert page.evaluate(focused) == ["INPUT", "", "filter-text"]
    page.keyboard.press("Tab")
    assert page.evaluate(focused) == ["SELECT", "", "filter-platform"]
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    assert page.evaluate(focused) == ["SELECT", "", "filter-layout"]
    first_platform = page.evaluate("document.querySelector('#filter-platform').value")
    assert page.locator(".card:not([hidden])").count() == 3
    platforms = page.eval_on_selector_all(
        ".card:not([hidden])", "cards => cards.map(c => c.dataset.platform)"
    )
    assert set(platforms) == {first_platform}
    # Onwards: fold-all, the jump list, then (one platform: cards flow without their quote
    # headings) the first card's full-size link and its copy button.
    page.keyboard.press("Tab")
    assert page.evaluate(focused)[1] == "fold-all"
    page.keyboard.press("Tab")
    assert page.evaluate(focused)[0] == "SUMMARY"  # the zip downloads (served only)
    page.keyboard.press("Tab")
    assert page.evaluate(focused)[0] == "SUMMARY"  # the jump list
    # Served, each card has its review toggles first.
    page.keyboard.press("Tab")
    assert page.evaluate(focused)[1] == "approve"
    page.keyboard.press("Tab")
    assert page.evaluate(focused)[1] == "reject"
    page.keyboard.press("Tab")
    assert page.evaluate(focused)[1] == "thumb"
    page.keyboard.press("Tab")
    assert page.evaluate(focused)[1] == "copy"
    page.keyboard.press("Enter")
    src = page.locator(".card:not([hidden])").first.get_attribute("data-path")
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
    # Only the page's script and the server's reload and review scripts exist; no <b> or
    # <img> from the YAML.
    assert page.evaluate("document.scripts.length") == 3
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


VISIBLE = (
    "() => Array.from(document.querySelectorAll('.card'))"
    ".filter(c => c.offsetParent !== null).map(c => c.dataset.path)"
)


def test_search_box_matches_quote_text_attribution_and_ids(
    watched: Watched, site: tuple[Path, GalleryServer]
) -> None:
    _, server = site
    page = watched.open(server.url)
    page.fill("#filter-text", "long ROAD")  # words of the quote, any case, any order
    assert page.locator(".quote:not([hidden]) .said p").first.text_content() == (
        "Small steps every day add up to a long road walked."
    )
    assert page.locator(".quote:not([hidden])").count() == 1
    assert page.locator("#shown").text_content() == "Showing 4 of 12 cards"
    assert page.url.endswith("#q=long%20ROAD")
    page.fill("#filter-text", "review-page")  # an id
    assert page.locator(".quote:not([hidden]) h2 .qid").text_content() == "review-page"
    page.fill("#filter-text", "O'Brien")  # the attribution (every quote has it)
    assert page.locator(".quote:not([hidden])").count() == 3
    page.fill("#filter-text", "o'brien tom")
    assert page.locator(".quote:not([hidden]) h2 .qid").text_content() == "hostile"
    # The jump list follows the search.
    assert page.locator(".jump li:not([hidden])").count() == 1
    page.fill("#filter-text", "no such words anywhere")
    assert page.locator(".none-shown").is_visible()
    page.fill("#filter-text", "")
    assert len(page.evaluate(VISIBLE)) == 12
    assert watched.errors == []


def test_jump_list_and_folding_groups(watched: Watched, site: tuple[Path, GalleryServer]) -> None:
    _, server = site
    page = watched.open(f"{server.url}#layout=classic")
    page.locator(".jump summary").click()
    page.locator(".jump a", has_text="review-page").click()
    target = page.locator("section.quote", has=page.locator("h2 .qid", has_text="review-page"))
    assert page.evaluate("() => document.activeElement.closest('section').id") == (
        target.get_attribute("id")
    )
    top = target.evaluate("s => s.getBoundingClientRect().top")
    assert -2 <= top < 200  # scrolled to it (to the sub-pixel)
    assert page.url.endswith("#layout=classic")  # the filters stay
    # A group folds and unfolds with its heading's button (a disclosure, keyboard first).
    fold = target.locator("button.fold")
    fold.focus()
    page.keyboard.press("Enter")
    assert fold.get_attribute("aria-expanded") == "false"
    assert target.locator(".card").first.is_hidden()
    page.keyboard.press("Space")
    assert fold.get_attribute("aria-expanded") == "true"
    assert target.locator(".card").first.is_visible()
    page.get_by_role("button", name="Collapse all quotes").click()
    assert page.locator("button.fold[aria-expanded='true']").count() == 0
    assert page.get_by_role("button", name="Expand all quotes").get_attribute("aria-pressed") == (
        "true"
    )
    page.get_by_role("button", name="Expand all quotes").click()
    assert page.locator("button.fold[aria-expanded='false']").count() == 0
    assert watched.errors == []


def test_one_platform_flows_across_quotes(
    watched: Watched, site: tuple[Path, GalleryServer]
) -> None:
    _, server = site
    page = watched.open(server.url)
    page.select_option("#filter-platform", "x")
    tops = page.evaluate(
        """() => Array.from(document.querySelectorAll('.card')).filter(c => !c.hidden)
            .map(c => Math.round(c.getBoundingClientRect().top))"""
    )
    assert len(tops) == 3 and len(set(tops)) == 1  # one row, not one card per row
    # Each card names its quote, since the quote headings are not shown.
    assert page.locator(".card:not([hidden]) .qref").first.is_visible()
    assert not page.locator("section.quote h2").first.is_visible()
    assert watched.errors == []


@pytest.mark.parametrize(
    "fragment",
    [
        "#platform=%",
        "#platform=%E0%A4%A",
        "#=x&&layout",
        "#platform=x=y",
        "#%",
        "#q=%zz&layout=bold",
    ],
)
def test_malformed_fragments_never_break_the_filters(
    watched: Watched, site: tuple[Path, GalleryServer], fragment: str
) -> None:
    _, server = site
    page = watched.open(server.url + fragment)
    assert watched.errors == []
    page.fill("#filter-text", "")
    page.select_option("#filter-layout", "")
    page.select_option("#filter-platform", "x")
    shown = page.eval_on_selector_all(
        ".card:not([hidden])", "cards => cards.map(c => c.dataset.platform)"
    )
    assert shown == ["x", "x", "x"]
    assert page.url.endswith("#platform=x")
    assert watched.errors == []


def test_a_fetch_cut_off_by_a_reload_is_not_an_error_but_one_cut_off_in_place_is(
    watched: Watched, site: tuple[Path, GalleryServer]
) -> None:
    _, server = site
    pending: list[Route] = []
    # Held unanswered, as a slow server would hold it, until the page reloads.
    watched.page.route("**/__cardgen/decisions", lambda route: pending.append(route))
    page = watched.open(server.url)
    page.wait_for_function("() => true")  # let the page's fetch reach the route
    assert pending and watched.errors == []
    page.unroute("**/__cardgen/decisions")
    page.reload(wait_until="load")
    assert watched.errors == []  # the held fetch was aborted by the reload: not the page's
    page.evaluate(
        """() => { const stop = new AbortController();
                   fetch('/__cardgen/decisions?again', {signal: stop.signal}).catch(() => {});
                   stop.abort(); }"""
    )
    page.wait_for_timeout(200)
    assert [e for e in watched.errors if "decisions?again" in e], watched.errors


def test_no_sideways_scroll_from_320_to_1440_px(
    watched: Watched, site: tuple[Path, GalleryServer]
) -> None:
    _, server = site
    page = watched.open(server.url)
    for fragment in ("", "#platform=x"):
        page.goto(server.url + fragment)
        page.locator(".jump summary").click()
        for width in (320, 360, 390, 480, 768, 1024, 1280, 1440):
            page.set_viewport_size({"width": width, "height": 800})
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width, (fragment, width, scroll)
    assert watched.errors == []


def test_axe_finds_no_violations(watched: Watched, site: tuple[Path, GalleryServer]) -> None:
    _, server = site
    page = watched.open(server.url)
    scroll_through(page)
    assert axe_violations(page) == []
    page.locator(".jump summary").click()
    page.select_option("#filter-platform", "x")
    page.get_by_role("button", name="Collapse all quotes").click()
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 390, "height": 800})
    assert axe_violations(page) == []


def test_a_reload_revalidates_instead_of_downloading_again(
    watched: Watched, site: tuple[Path, GalleryServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, server = site
    page = watched.open(server.url)
    scroll_through(page)
    answered: list[tuple[str, int]] = []

    def counting(self: GalleryHandler, code: int | str = "-", size: int | str = "-") -> None:
        answered.append((self.path, int(code)))  # every reply, as http.server logs it

    monkeypatch.setattr(GalleryHandler, "log_request", counting)
    page.reload(wait_until="load")
    scroll_through(page)
    images = [(path, status) for path, status in answered if path.endswith((".png", ".webp"))]
    # Each card either revalidated (304) or, for thumbnails (immutable), not asked for at all.
    assert [p for p, status in images if status != 304] == []
    assert watched.errors == []


def test_polling_backs_off_and_gives_up_when_the_server_stops(
    browser: Browser, tmp_path: Path
) -> None:
    root = tmp_path / "project"
    make_project(root)
    out = root / "out"
    render(None, out=out, project=Project.open(root), platforms=["x"])
    server, thread = serve_in_thread(out)
    context = browser.new_context()
    page = context.new_page()
    polls: list[float] = []
    page.on("request", lambda r: polls.append(time.monotonic()) if "version" in r.url else None)
    try:
        page.clock.install()
        page.goto(server.url, wait_until="load")
        page.clock.run_for(3_000)
        page.wait_for_timeout(300)
        assert polls, "the page polls while the server runs"
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        # Two minutes of page time: the backoff gives up and says so.
        for _ in range(40):
            page.clock.run_for(5_000)
            page.wait_for_timeout(60)
        note = page.locator("#cardgen-offline")
        assert "has stopped" in (note.text_content() or "")
        assert note.get_attribute("role") == "status"
        count = len(polls)
        page.clock.run_for(600_000)
        page.wait_for_timeout(300)
        assert len(polls) == count  # no more polling
        assert count < 15  # backed off: not one poll every second
    finally:
        context.close()


@pytest.fixture
def review_site(
    site: tuple[Path, GalleryServer], tmp_path: Path
) -> Iterator[tuple[Path, GalleryServer]]:
    """A private copy of the rendered batch, served: review tests write review.json."""
    out = tmp_path / "out"
    shutil.copytree(site[0], out, symlinks=True)
    (out / "review.json").unlink(missing_ok=True)
    with serving(out) as server:
        yield out, server


def review_page(context: BrowserContext, url: str) -> Page:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, wait_until="load")
    page.wait_for_function("() => document.body.classList.contains('reviewing')", timeout=10_000)
    page.evaluate("() => { window.__errors = []; }")
    return page


def test_approve_reject_and_edit_a_caption_with_a_live_count(
    browser: Browser, review_site: tuple[Path, GalleryServer]
) -> None:
    out, server = review_site
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        page = review_page(context, server.url)
        cards = page.locator(".card[data-platform='x']")
        first, second = cards.nth(0), cards.nth(1)
        first.get_by_role("button", name="Approve").click()
        expect_pressed = "button.approve[aria-pressed='true']"
        page.wait_for_selector(f".card[data-platform='x'] {expect_pressed}")
        second.get_by_role("button", name="Reject").click()
        page.wait_for_function(
            "() => document.querySelector('#review-tally').textContent"
            ".startsWith('1 approved, 1 rejected')"
        )
        # Edit the first card's caption: the count is the server's, the CLI's way.
        first.get_by_role("button", name="Edit caption").click()
        area = first.locator("textarea")
        assert area.evaluate("a => a === document.activeElement")
        text = "Short \U0001f469\u200d\U0001f4bb caption with https://example.com/a/long/path"
        area.fill(text)
        counter = first.locator(".live-count")
        expected = count(text, PLATFORMS["x"])
        page.wait_for_function(
            f"el => el.textContent.startsWith('{expected} of 280')", arg=counter.element_handle()
        )
        area.fill("y" * 300)
        page.wait_for_function(
            "el => el.textContent === '300 of 280: over the limit'", arg=counter.element_handle()
        )
        assert axe_violations(page) == []  # the editor too
        area.fill(text)
        first.get_by_role("button", name="Save caption").click()
        page.wait_for_function(
            f"el => el.textContent === {json.dumps(text)}",
            arg=first.locator("p.text.caption").element_handle(),
        )
        held = json.loads((out / "review.json").read_text(encoding="utf-8"))["cards"]
        sha_first = first.get_attribute("data-sha")
        assert held[sha_first] == {
            "status": "approved",
            "caption": text,
            "path": first.get_attribute("data-path"),
            "updated": held[sha_first]["updated"],
        }
        assert held[second.get_attribute("data-sha")]["status"] == "rejected"
        # The copy button copies the edited caption; a reload shows every decision again.
        page.reload(wait_until="load")
        page.wait_for_function("() => document.body.classList.contains('reviewing')")
        first = page.locator(".card[data-platform='x']").nth(0)
        assert first.locator("p.text.caption").text_content() == text
        assert first.locator("button.approve").get_attribute("aria-pressed") == "true"
        assert page.locator("#review-tally").text_content() == (
            "1 approved, 1 rejected of 12 cards"
        )
        # Approve again to clear it.
        first.get_by_role("button", name="Approve").click()
        page.wait_for_function(
            "() => document.querySelector('#review-tally').textContent.startsWith('0 approved')"
        )
        assert axe_violations(page) == []
    finally:
        context.close()


def test_two_tabs_never_lose_one_another(
    browser: Browser, review_site: tuple[Path, GalleryServer]
) -> None:
    out, server = review_site
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        one, two = review_page(context, server.url), review_page(context, server.url)
        for n in range(4):
            one.locator(".card").nth(n).get_by_role("button", name="Approve").click()
            two.locator(".card").nth(n + 4).get_by_role("button", name="Reject").click()
        for tab in (one, two):
            tab.wait_for_function(
                "() => document.querySelectorAll('button[aria-pressed=\"true\"]').length === 4"
            )
        held = json.loads((out / "review.json").read_text(encoding="utf-8"))["cards"]
        assert sorted(d["status"] for d in held.values()) == ["approved"] * 4 + ["rejected"] * 4
        one.reload(wait_until="load")
        one.wait_for_function("() => document.body.classList.contains('reviewing')")
        assert one.locator("#review-tally").text_content() == "4 approved, 4 rejected of 12 cards"
    finally:
        context.close()


def test_zip_downloads_from_the_page(
    browser: Browser, review_site: tuple[Path, GalleryServer]
) -> None:
    _, server = review_site
    context = browser.new_context(accept_downloads=True)
    try:
        page = review_page(context, server.url)
        page.locator(".downloads summary").click()
        with page.expect_download() as info:
            page.get_by_role("link", name="X (Twitter) post image (zip)").click()
        with zipfile.ZipFile(info.value.path()) as archive:
            assert sum(n.endswith(".png") for n in archive.namelist()) == 3
        with page.expect_download() as info:
            page.locator(".quote-zip").first.click()
        with zipfile.ZipFile(info.value.path()) as archive:
            assert sum(n.endswith(".png") for n in archive.namelist()) == 4
    finally:
        context.close()


def test_the_static_file_has_no_review_controls(
    watched: Watched, site: tuple[Path, GalleryServer]
) -> None:
    out, _ = site
    page = watched.open((out / "index.html").as_uri())
    assert page.locator("button.approve, .downloads, .quote-zip").count() == 0
    assert watched.errors == []


@pytest.fixture(scope="module")
def carousel_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, GalleryServer]]:
    from tests.test_carousels import CAROUSEL
    from tests.test_carousels import make_project as make_garden

    root = make_garden(tmp_path_factory.mktemp("carousel"), CAROUSEL)
    out = root / "out"
    render(None, out=out, project=Project.open(root))
    server, thread = serve_in_thread(out)
    yield out, server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_carousels_show_as_strips_with_downloads(
    browser: Browser, carousel_site: tuple[Path, GalleryServer]
) -> None:
    out, server = carousel_site
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    watched = Watched(context)
    try:
        page = watched.open(server.url)
        scroll_through(page)
        strips = page.locator(".carousel")
        assert strips.count() == 3
        carousels = json.loads((out / "manifest.json").read_text("utf-8"))["carousels"]
        for n, record in enumerate(carousels):
            strip = strips.nth(n)
            alts = strip.locator(".slide img").evaluate_all("els => els.map(e => e.alt)")
            assert alts == [s["alt_text"] for s in record["slides"]]  # in slide order
            link = strip.get_by_role("link", name=re.compile("Download"))
            response = page.request.get(server.url + str(link.get_attribute("href")))
            assert response.status == 200
            kind = "application/pdf" if record["kind"] == "pdf" else "application/zip"
            assert response.headers["content-type"].startswith(kind)
        thread = strips.nth(2)
        assert thread.locator(".post").count() == 6  # each post of the X thread
        assert axe_violations(page) == []
        for width in (320, 390, 768, 1440):
            page.set_viewport_size({"width": width, "height": 800})
            assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert axe_violations(page) == []
        ARTIFACTS.mkdir(exist_ok=True)
        for width in (390, 1440):
            page.set_viewport_size({"width": width, "height": 900})
            strips.nth(0).scroll_into_view_if_needed()
            page.wait_for_function(IMAGES_LOADED, timeout=15_000)
            strips.nth(0).screenshot(path=str(ARTIFACTS / f"carousel-strip-{width}.png"))
        assert watched.errors == []
    finally:
        context.close()
