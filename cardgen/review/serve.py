"""`cardgen serve`: the output folder over HTTP on 127.0.0.1, reloading the gallery after a render.

The gallery page itself makes no requests; when this server sends it, a small
script is added that polls `/__cardgen/version` (a fingerprint of the
manifest and index.html) and reloads the page when a render has finished.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cardgen.design.platforms import BUILTIN, Platform
from cardgen.errors import InputError

HOST = "127.0.0.1"
DEFAULT_PORT = 8400
VERSION_PATH = "/__cardgen/version"
RELOAD_PATH = "/__cardgen/reload.js"
# Files whose change means "a render finished": render writes index.html, then the manifest.
WATCHED = ("manifest.json", "index.html")
POLL_MS = 700

# The page compares against the version stamped on its own script tag when it was served,
# so a reload that lands between two writes of one render still reloads once more.
RELOAD_SCRIPT = f""""use strict";
(function () {{
  var seen = document.currentScript.dataset.version;
  function poll() {{
    fetch("{VERSION_PATH}", {{cache: "no-store"}})
      .then(function (r) {{ return r.ok ? r.json() : null; }})
      .then(function (body) {{
        if (body && body.version !== seen) {{ location.reload(); }}
      }})
      .catch(function () {{ /* the server is restarting or stopped: keep trying */ }})
      .then(function () {{ window.setTimeout(poll, {POLL_MS}); }});
  }}
  poll();
}})();
"""

WAITING_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Waiting for a render</title><link rel="icon" href="data:,"></head>
<body style="font: 18px/1.5 system-ui, sans-serif; margin: 2rem; color: #1b1b1f">
<h1>No gallery yet</h1>
<p>Run <code>cardgen render</code> (or <code>cardgen preview --watch</code>) into this folder;
this page reloads when the render finishes.</p>
</body></html>
"""


def version(out: Path) -> str:
    """A fingerprint of the last finished render: it changes whenever a render rewrites OUT."""
    digest = hashlib.sha256()
    for name in WATCHED:
        try:
            stat = (out / name).stat()
        except OSError:
            digest.update(f"{name}:missing;".encode())
            continue
        digest.update(f"{name}:{stat.st_mtime_ns}:{stat.st_size};".encode())
    return digest.hexdigest()[:16]


def inject_reload(html: str, served_version: str) -> str:
    """The page plus the reload script (before `</body>`, or at the end if there is none)."""
    tag = f'<script src="{RELOAD_PATH}" data-version="{served_version}"></script>\n'
    at = html.lower().rfind("</body>")
    return html + tag if at < 0 else html[:at] + tag + html[at:]


class GalleryHandler(SimpleHTTPRequestHandler):
    """Static files from the output folder, the gallery with live reload, and the version."""

    out: Path
    platforms: Mapping[str, Platform]

    def __init__(
        self, *args: Any, out: Path, platforms: Mapping[str, Platform], **kwargs: Any
    ) -> None:
        self.out = out
        self.platforms = platforms
        super().__init__(*args, directory=str(out), **kwargs)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if path == VERSION_PATH:
            body = json.dumps({"version": version(self.out)}).encode()
            self._send(body, "application/json")
        elif path == RELOAD_PATH:
            self._send(RELOAD_SCRIPT.encode(), "text/javascript; charset=utf-8")
        elif path in ("/", "/index.html"):
            index = self.out / "index.html"
            # Taken before reading: if the file changes in between, the page reloads again.
            served_version = version(self.out)
            try:
                html = index.read_text(encoding="utf-8")
            except FileNotFoundError:
                html = self._page_from_manifest()
            self._send(
                inject_reload(html, served_version).encode("utf-8"), "text/html; charset=utf-8"
            )
        else:
            super().do_GET()

    def _page_from_manifest(self) -> str:
        """No index.html (a tool that writes only cards and a manifest): build the page here."""
        from cardgen.review.gallery import render_gallery

        try:
            manifest = json.loads((self.out / "manifest.json").read_text(encoding="utf-8"))
            return render_gallery(manifest["cards"], self.platforms)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return WAITING_PAGE

    def end_headers(self) -> None:
        # Cards are rewritten in place by each render: never show a stale one.
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the CLI prints what matters, the library prints nothing."""

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class GalleryServer(ThreadingHTTPServer):
    """A threading HTTP server whose request threads never keep the process alive."""

    daemon_threads = True
    block_on_close = False

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/"


def make_server(
    out: Path,
    port: int = DEFAULT_PORT,
    host: str = HOST,
    platforms: Mapping[str, Platform] | None = None,
) -> GalleryServer:
    """A server for OUT, bound to host:port (port 0 picks a free one); call serve_forever()."""
    if platforms is None:
        platforms = {p.id: p for p in BUILTIN}
    if not out.is_dir():
        raise InputError(
            f"output folder {out} does not exist",
            hint="run `cardgen render` first, or pass --out",
        )
    if not 0 <= port <= 65535:
        raise InputError(f"--port {port} is not a port number", hint="use 1-65535, or 0 for any")
    try:
        return GalleryServer(
            (host, port), partial(GalleryHandler, out=out.resolve(), platforms=platforms)
        )
    except OSError as exc:
        raise InputError(
            f"cannot listen on {host}:{port}: {exc.strerror}",
            hint="choose another --port (0 picks a free one)",
        ) from None


def serve_in_thread(
    out: Path, port: int = 0, platforms: Mapping[str, Platform] | None = None
) -> tuple[GalleryServer, threading.Thread]:
    """Start a server in a background thread (for tests and tools); stop with shutdown()."""
    server = make_server(out, port, platforms=platforms)
    thread = threading.Thread(target=server.serve_forever, name="cardgen-serve", daemon=True)
    thread.start()
    return server, thread
