"""`cardgen serve`: the output folder over HTTP on 127.0.0.1, reloading the gallery after a render.

A server meant to be left running while a batch is reviewed: it answers only
requests addressed to the loopback names (DNS rebinding), serves only files
whose real path is inside OUT (no symlink leaves it, no listing, no dotfile but
the thumbnails), sends a Content-Security-Policy that forbids framing on every
response, and turns any bad request into a 4xx, never a traceback. The threat
model is in the README ("The review server").
"""

from __future__ import annotations

import contextlib
import email.utils
import gzip
import hashlib
import json
import socket
import sys
import threading
import typing
from collections.abc import Callable, Mapping
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

from cardgen.design.platforms import BUILTIN, Platform
from cardgen.errors import CardgenError, InputError
from cardgen.plaindata import JsonValue
from cardgen.review.replies import (
    FILE_CSP,
    THUMBS_PREFIX,
    BadRequest,
    Reply,
    contained_file,
    content_type,
    csp,
    etag_of,
    json_reply,
    text_reply,
    url_to_parts,
)

HOST = "127.0.0.1"
DEFAULT_PORT = 8400
API = "/__cardgen/"
VERSION_PATH = API + "version"
RELOAD_PATH = API + "reload.js"
REVIEW_SCRIPT_PATH = API + "review.js"
# Files whose change means "a render finished": render writes index.html, then the manifest.
WATCHED = ("manifest.json", "index.html")
# The only dot-folder served: content-addressed thumbnails (`cardgen.review.thumbs`).
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
# A request line, header or body slower than this drops the connection (half-open clients).
TIMEOUT_SECONDS = 20
BACKLOG = 128
MAX_BODY = 1_000_000  # a caption edit is a few kB; nothing the page sends comes near this
GZIP_MIN = 1024
GZIP_TYPES = ("text/", "application/json", "application/javascript", "image/svg+xml")


WAITING_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Waiting for a render</title><link rel="icon" href="data:,"></head>
<body style="font: 18px/1.5 system-ui, sans-serif; margin: 2rem; color: #1b1b1f">
<main>
<h1>No gallery yet</h1>
<p>Run <code>cardgen render</code> (or <code>cardgen preview --watch</code>) into this folder;
this page reloads when the render finishes.</p>
</main>
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


def inject_scripts(html: str, served_version: str) -> str:
    """The page plus the reload and review scripts before `</body>` (or at the end)."""
    tags = f'<script src="{RELOAD_PATH}" data-version="{served_version}"></script>\n'
    tags += f'<script src="{REVIEW_SCRIPT_PATH}"></script>\n'
    at = html.lower().rfind("</body>")
    return html + tags if at < 0 else html[:at] + tags + html[at:]


def allowed_host(host: str | None, port: int) -> bool:
    """Whether a Host header names this server by a loopback name (and its port)."""
    if not host:
        return False
    host = host.strip().lower()
    return any(host in (f"{name}:{port}", name if port == 80 else None) for name in LOOPBACK_NAMES)


Route = Callable[["GalleryHandler", dict[str, list[str]]], Reply]


class GalleryHandler(BaseHTTPRequestHandler):
    """Files from the output folder, the gallery with live reload, and the review API."""

    protocol_version = "HTTP/1.1"  # keep-alive: every reply carries its Content-Length
    # No HTTP/0.9: a garbled request line still gets a status line and the headers.
    default_request_version = "HTTP/1.0"
    timeout = TIMEOUT_SECONDS
    server_version = "cardgen-serve"
    sys_version = ""
    out: Path
    root: str
    platforms: Mapping[str, Platform]
    _csp_value: str = FILE_CSP
    _body_read: bool = False

    def __init__(
        self,
        request: socket.socket,
        client_address: object,  # what the socket module gives: (host, port, ...)
        server: GalleryServer,
        *,
        out: Path,
        platforms: Mapping[str, Platform],
    ) -> None:
        self.out = out
        self.root = str(out.resolve())
        self.platforms = platforms
        super().__init__(request, client_address, server)

    @property
    def gallery(self) -> GalleryServer:
        """The server this request came to."""
        return typing.cast(GalleryServer, self.server)

    # --- dispatch ------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def do_POST(self) -> None:
        self._body_read = False
        if not self._check_host():
            self.close_connection = True
            return
        self._guarded(self._post, head=False)

    def _post_reply(self, reply: Reply) -> Reply:
        # A body left unread would be taken for the next request on a kept-alive connection.
        if not self._body_read:
            self.close_connection = True
        return reply

    def _answer(self, *, head: bool) -> None:
        if not self._check_host():
            return
        self._guarded(lambda: self._get(), head=head)

    def _guarded(self, make: Callable[[], Reply], *, head: bool) -> None:
        try:
            reply = make()
        except BadRequest as exc:
            reply = text_reply(f"Bad request: {exc}.\n", HTTPStatus.BAD_REQUEST)
        except CardgenError as exc:
            reply = json_reply({"error": exc.one_line()}, HTTPStatus.UNPROCESSABLE_ENTITY)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            return
        except Exception as exc:  # a bug: one line on the terminal, a 500 to the page
            sys.stderr.write(f"cardgen serve: {self.command} {self.path!r}: {exc!r}\n")
            reply = text_reply("Internal error.\n", HTTPStatus.INTERNAL_SERVER_ERROR)
        self._send(reply, head=head)

    def _check_host(self) -> bool:
        if allowed_host(self.headers.get("Host"), self._port()):
            return True
        self._send(
            text_reply(
                "Forbidden: this server answers only to 127.0.0.1, localhost and [::1].\n",
                HTTPStatus.FORBIDDEN,
            ),
            head=self.command == "HEAD",
        )
        return False

    def _port(self) -> int:
        return int(self.gallery.server_port)

    def _get(self) -> Reply:
        parts = url_to_parts(self.path)
        query = parse_qs(self.path.partition("?")[2]) if "?" in self.path else {}
        path = "/" + "/".join(parts)
        if path.startswith(API):
            route = self.get_routes().get(path)
            if route is None:
                return text_reply("Not found.\n", HTTPStatus.NOT_FOUND)
            return route(self, query)
        if path in ("/", "/index.html"):
            return self._page()
        real = contained_file(self.root, parts)
        if real is None:
            return text_reply("Not found.\n", HTTPStatus.NOT_FOUND)
        return self._file(real, immutable="/".join(parts).startswith(THUMBS_PREFIX))

    def _post(self) -> Reply:
        try:
            parts = url_to_parts(self.path)
            route = self.post_routes().get("/" + "/".join(parts))
            if route is None:
                return self._post_reply(text_reply("Not found.\n", HTTPStatus.NOT_FOUND))
            refusal = self._cross_site()
            if refusal:
                return self._post_reply(
                    text_reply(f"Forbidden: {refusal}.\n", HTTPStatus.FORBIDDEN)
                )
            return self._post_reply(route(self, {}))
        except Exception:  # answered by _guarded; the connection must not go on either way
            self._post_reply(text_reply("", HTTPStatus.BAD_REQUEST))
            raise

    def _cross_site(self) -> str | None:
        """Why a POST is refused: the page's own requests are same-origin JSON."""
        origin = self.headers.get("Origin")
        if origin is not None and not allowed_host(origin.removeprefix("http://"), self._port()):
            return "the request comes from another site"
        if self.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
            return "the request comes from another site"
        if (self.headers.get("Content-Type") or "").split(";")[0].strip() != "application/json":
            return "the body must be application/json"
        return None

    def get_routes(self) -> dict[str, Route]:
        """GET endpoints under /__cardgen/: the live scripts and the review API."""
        from cardgen.review import api

        return {
            VERSION_PATH: lambda h, q: json_reply({"version": version(h.out)}, cache="no-store"),
            RELOAD_PATH: lambda h, q: _asset_reply("reload.js"),
            REVIEW_SCRIPT_PATH: lambda h, q: _asset_reply("review.js"),
            **api.GET_ROUTES,
        }

    def post_routes(self) -> dict[str, Route]:
        """POST endpoints under /__cardgen/: the review API's changes."""
        from cardgen.review import api

        return dict(api.POST_ROUTES)

    def read_json_body(self) -> JsonValue:
        """The request's JSON body (BadRequest when missing, too long or not JSON)."""
        try:
            length = int(self.headers.get("Content-Length") or "")
        except ValueError:
            raise BadRequest("a JSON body with a Content-Length is needed") from None
        if not 0 <= length <= MAX_BODY:
            raise BadRequest("the body is too long")  # left unread: the connection closes
        data = self.rfile.read(length)
        self._body_read = len(data) == length
        try:
            body: JsonValue = json.loads(data.decode("utf-8"))
            return body
        except (UnicodeDecodeError, ValueError):
            raise BadRequest("the body is not JSON") from None

    # --- pages and files -----------------------------------------------------------------

    def _page(self) -> Reply:
        """index.html (or one built from the manifest) with the live scripts."""
        from cardgen.review.gallery import script_csp_source

        served_version = version(self.out)  # taken first: a change in between reloads again
        try:
            html = (self.out / "index.html").read_text(encoding="utf-8")
        except FileNotFoundError:
            html = self._page_from_manifest()
        body = inject_scripts(html, served_version).encode("utf-8")
        return Reply(
            body,
            "text/html; charset=utf-8",
            etag=etag_of(body),
            csp=csp(f"'self' '{script_csp_source()}'"),
        )

    def _page_from_manifest(self) -> str:
        """No index.html (a tool that writes only cards and a manifest): build the page here."""
        from cardgen.batch.output import spooled_manifest
        from cardgen.review.gallery import render_gallery

        try:  # read a card at a time into a spool on disk, not the whole manifest
            cards = spooled_manifest(self.out / "manifest.json")
        except (OSError, ValueError, KeyError, TypeError, AttributeError, CardgenError):
            return WAITING_PAGE
        try:
            return render_gallery(cards, self.platforms, out=self.out)
        except (OSError, ValueError, KeyError, TypeError, AttributeError, CardgenError):
            return WAITING_PAGE
        finally:
            cards.file.close()

    def _file(self, real: str, *, immutable: bool) -> Reply:
        stat = Path(real).stat()
        etag = f'"{stat.st_size:x}-{stat.st_mtime_ns:x}"'
        cache = "public, max-age=31536000, immutable" if immutable else "no-cache"
        if self._not_modified(etag, stat.st_mtime):
            return Reply(b"", "", HTTPStatus.NOT_MODIFIED, etag, stat.st_mtime, cache)
        with open(real, "rb") as handle:
            body = handle.read()
        return Reply(body, content_type(real), etag=etag, last_modified=stat.st_mtime, cache=cache)

    def _not_modified(self, etag: str, mtime: float | None) -> bool:
        match = self.headers.get("If-None-Match")
        if match is not None:
            return etag in [m.strip().removeprefix("W/") for m in match.split(",")] or match == "*"
        since = self.headers.get("If-Modified-Since")
        if since and mtime is not None:
            try:
                parsed = email.utils.parsedate_to_datetime(since)
            except (TypeError, ValueError, IndexError):
                return False
            return parsed is not None and int(mtime) <= parsed.timestamp()
        return False

    # --- sending -------------------------------------------------------------------------

    def _send(self, reply: Reply, *, head: bool) -> None:
        if (
            reply.etag
            and reply.status == HTTPStatus.OK
            and self._not_modified(reply.etag, reply.last_modified)
        ):
            reply = Reply(
                b"",
                "",
                HTTPStatus.NOT_MODIFIED,
                reply.etag,
                reply.last_modified,
                reply.cache,
                reply.csp,
            )
        body = reply.body
        encoding = None
        if (
            len(body) >= GZIP_MIN
            and reply.content_type.startswith(GZIP_TYPES)
            and "gzip" in (self.headers.get("Accept-Encoding") or "")
        ):
            body = self.gallery.gzipped(body, reply.etag)
            encoding = "gzip"
        self._csp_value = reply.csp
        try:
            self.send_response(reply.status)
            if reply.content_type:
                self.send_header("Content-Type", reply.content_type)
            if encoding:
                self.send_header("Content-Encoding", encoding)
            if reply.content_type.startswith(GZIP_TYPES):
                self.send_header("Vary", "Accept-Encoding")
            if reply.status != HTTPStatus.NOT_MODIFIED:
                self.send_header("Content-Length", str(len(body)))
            if reply.etag:
                self.send_header("ETag", reply.etag)
            if reply.last_modified is not None:
                self.send_header(
                    "Last-Modified", email.utils.formatdate(reply.last_modified, usegmt=True)
                )
            self.send_header("Cache-Control", reply.cache)
            for name, value in reply.extra:
                self.send_header(name, value)
            self.end_headers()
            if not head and reply.status != HTTPStatus.NOT_MODIFIED:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def end_headers(self) -> None:
        # Every response, errors from the request parser included.
        self.send_header("Content-Security-Policy", self._csp_value)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("X-Frame-Options", "DENY")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cross-Origin-Resource-Policy", "same-origin")
        super().end_headers()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The parser's own errors (bad request line, too long headers): plain text, closed."""
        self._csp_value = FILE_CSP
        self.close_connection = True
        text = f"{code} {message or HTTPStatus(code).phrase}\n".encode()
        try:
            self.send_response(code, message)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(text)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD" and code >= 200 and code not in (204, 304):
                self.wfile.write(text)
        except OSError:
            pass

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the CLI prints what matters, the library prints nothing."""


def _asset_reply(name: str) -> Reply:
    from cardgen.review.gallery import asset

    body = asset(name).encode("utf-8")
    return Reply(body, "text/javascript; charset=utf-8", etag=etag_of(body))


class GalleryServer(ThreadingHTTPServer):
    """A threading HTTP server whose request threads never keep the process alive."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = BACKLOG

    def __init__(
        self,
        address: tuple[str, int],
        handler: Callable[[socket.socket, object, GalleryServer], GalleryHandler],
    ) -> None:
        from cardgen.review.api import ManifestCards

        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self.cards = ManifestCards()  # what the review API reads of the manifest
        self._gzipped: dict[str, bytes] = {}
        self._gzip_lock = threading.Lock()
        super().__init__(address, handler)

    def gzipped(self, body: bytes, etag: str | None) -> bytes:
        """gzip at a fast level; the page (up to megabytes) is compressed once per version."""
        if etag is None:
            return gzip.compress(body, 5, mtime=0)
        with self._gzip_lock:
            held = self._gzipped.get(etag)
        if held is None:
            held = gzip.compress(body, 5, mtime=0)
            with self._gzip_lock:
                self._gzipped.clear()  # one page at a time is enough
                self._gzipped[etag] = held
        return held

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/"

    def get_request(self) -> tuple[socket.socket, object]:
        connection, address = super().get_request()
        with self._connections_lock:
            self._connections.add(connection)
        return connection, address

    def shutdown_request(self, request: socket.socket | tuple[bytes, socket.socket]) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def server_close(self) -> None:
        """Stop listening and end kept-alive connections too: a stopped server answers none."""
        super().server_close()
        with self._connections_lock:
            open_now = list(self._connections)
        for connection in open_now:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: object
    ) -> None:
        """A dropped or timed-out connection is no news; anything else is one line."""
        error = sys.exc_info()[1]
        if isinstance(error, (OSError, TimeoutError)):
            return
        sys.stderr.write(f"cardgen serve: {error!r}\n")


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
