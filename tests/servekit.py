"""Shared helpers of the tests (and the gallery benchmark) that serve an output folder:
the server in a thread, a manifest record, and the headless Chromium that opens pages."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cardgen.design.platforms import BUILTIN
from cardgen.review.serve import GalleryServer, serve_in_thread

PLATFORMS = {p.id: p for p in BUILTIN}
PNG = b"\x89PNG\r\n\x1a\n fake card bytes"  # served as it is, never decoded


def _chromium() -> Path:
    """Debian's chromium, else the one `playwright install chromium` put in user space
    (`.ci/system-deps` does that where it cannot install Debian's)."""
    debian = Path("/usr/bin/chromium")
    if debian.exists():
        return debian
    cache = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH", Path.home() / ".cache/ms-playwright"))
    found = sorted(cache.glob("chromium-*/chrome-*/chrome")) + sorted(
        cache.glob("chromium-*/chrome-mac*/Chromium.app/Contents/MacOS/Chromium")
    )
    return found[-1] if found else debian


CHROMIUM = _chromium()
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


@contextmanager
def serving(out: Path) -> Iterator[GalleryServer]:
    """`cardgen serve`'s server on `out` in a thread, stopped and joined after the block."""
    server, thread = serve_in_thread(out)
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert not thread.is_alive()


def card_record(quote_id: str = "a", **fields: Any) -> dict[str, Any]:
    """A manifest record of the card `s/QUOTE_ID/x.png` (selection `s`, platform x)."""
    return {
        "selection": "quotes/s.yaml",
        "quote_id": quote_id,
        "platform": "x",
        "layout": "classic",
        "path": f"s/{quote_id}/x.png",
        "width": 1600,
        "height": 900,
        "text": f"Quote {quote_id}.",
        "attribution": None,
        "source": {},
        "caption": f"Caption {quote_id}",
        "alt_text": f"Alt {quote_id}",
        **fields,
    }
