"""Articles from a URL: fetched once from a local server, then read from the snapshot."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from cardgen.source import fetch
from tests.helpers import run_cli

ARTICLE = """<!doctype html><html><head><meta charset="utf-8">
<title>Notes from the Bakery</title><meta name="author" content="Jo Writer"></head>
<body><nav>Home | About | Shop</nav><article><h1>Notes from the Bakery</h1>
<p>Maria Lopez runs a bakery near the river, and she opens at five every morning.</p>
<p>\u201cBread teaches patience to everyone who bakes it,\u201d she says.</p>
<p>Good work is slow work, and nobody in this kitchen is in a hurry to finish.</p>
</article><footer>Copyright 2026</footer></body></html>"""

LATIN1 = (
    ARTICLE.replace('charset="utf-8"', 'charset="iso-8859-1"')
    .replace("near the river", "pr\u00e8s de la rivi\u00e8re")
    .replace("\u201c", '"')
    .replace("\u201d", '"')
)

EMPTY = (
    "<html><head><title>Log in</title></head><body><form><input type=password></form></body></html>"
)


class Pages(BaseHTTPRequestHandler):
    hits: list[str] = []  # noqa: RUF012 (one list for the test module's server)

    def do_GET(self) -> None:
        Pages.hits.append(self.path)
        routes = {
            "/post": (200, "text/html; charset=utf-8", ARTICLE.encode("utf-8")),
            "/latin": (200, "text/html", LATIN1.encode("iso-8859-1")),
            "/empty": (200, "text/html", EMPTY.encode()),
            "/big": (200, "text/html", b"<p>" + b"x" * 3000 + b"</p>"),
            "/image": (200, "image/png", b"\x89PNG\r\n"),
            "/gone": (404, "text/html", b"not here"),
        }
        if self.path == "/moved":
            self._redirect("/post")
        elif self.path.startswith("/loop"):
            self._redirect(f"/loop{len(self.path)}")
        elif self.path == "/to-ftp":
            self._redirect("ftp://127.0.0.1/file")
        elif self.path == "/slow":
            time.sleep(1.5)
            self._send(200, "text/html", ARTICLE.encode())
        else:
            self._send(*routes.get(self.path, (404, "text/plain", b"no")))

    def _redirect(self, where: str) -> None:
        self.send_response(302)
        self.send_header("Location", where)
        self.end_headers()

    def _send(self, status: int, kind: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def project(tmp_path: Path, source: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "quotes").mkdir()
    (tmp_path / "quotes" / "web.yaml").write_text(
        f"article:\n  source: {source}\ndefaults:\n  platforms: [x]\nquotes:\n"
        "  - id: slow\n    find: Good work is slow work\n"
        "  - id: bread\n    find: teaches patience\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_a_url_article_is_fetched_once_then_read_from_its_snapshot(
    tmp_path: Path, server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tmp_path, f"{server}/moved", monkeypatch)
    Pages.hits.clear()
    code, _, stderr = run_cli("check")
    assert (code, stderr) == (0, ""), stderr
    assert Pages.hits == ["/moved", "/post"]  # one redirect followed
    articles = sorted(files(root / "quotes" / "articles"))
    assert len(articles) == 2 and articles[0].endswith(".html") and articles[1].endswith(".json")
    assert articles[0].startswith("127-0-0-1-moved-")
    meta = json.loads((root / "quotes" / "articles" / articles[1]).read_text())
    assert meta["url"] == f"{server}/moved" and meta["final_url"] == f"{server}/post"
    assert meta["fetched_at"].endswith("Z") and meta["status"] == 200
    html = (root / "quotes" / "articles" / articles[0]).read_text(encoding="utf-8")
    assert "Bread teaches patience" in html

    from cardgen.source.quotes import load_selection

    selection = load_selection(root / "quotes" / "web.yaml")
    assert selection.url == f"{server}/moved"  # the page names none: the address it came from
    assert {q.id: q.attribution for q in selection.quotes}["bread"] == "Maria Lopez"

    # From now on the snapshot answers, even with the server gone (offline).
    monkeypatch.setattr(fetch, "fetch_page", _no_network)
    Pages.hits.clear()
    assert run_cli("check")[0] == 0 and Pages.hits == []
    assert run_cli("render", "-j", "1")[0] == 0


def _no_network(*args: object, **kwargs: object) -> object:
    raise AssertionError("the network was used although a snapshot exists")


def test_a_page_in_another_charset_is_kept_as_utf8(
    tmp_path: Path, server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tmp_path, f"{server}/latin", monkeypatch)
    assert run_cli("check")[0] == 0
    html = next((root / "quotes" / "articles").glob("*.html")).read_text(encoding="utf-8")
    assert "pr\u00e8s de la rivi\u00e8re" in html


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/gone", "answered HTTP 404 Not Found"),
        ("/image", "is image/png, not an HTML page"),
        ("/empty", "has no article body cardgen can find"),
        ("/loop", "redirects more than 5 times"),
        ("/to-ftp", "not http(s)"),
    ],
)
def test_bad_pages_exit_2_and_write_nothing(
    tmp_path: Path, server: str, monkeypatch: pytest.MonkeyPatch, path: str, message: str
) -> None:
    root = project(tmp_path, f"{server}{path}", monkeypatch)
    before = files(root)
    code, _, stderr = run_cli("check")
    assert code == 2 and len(stderr.splitlines()) == 1, stderr
    assert stderr.startswith("error: quotes/web.yaml:2 article.source: ") and message in stderr
    assert files(root) == before


@pytest.mark.parametrize(
    ("limit", "value", "path", "message"),
    [
        pytest.param("MAX_PAGE_BYTES", 1000, "/big", "is larger than 1,000 bytes", id="size"),
        pytest.param("FETCH_SECONDS", 0.3, "/slow", "did not answer within 0.3 s", id="time"),
    ],
)
def test_a_page_past_a_limit_is_refused(
    tmp_path: Path,
    server: str,
    monkeypatch: pytest.MonkeyPatch,
    limit: str,
    value: float,
    path: str,
    message: str,
) -> None:
    monkeypatch.setattr(fetch, limit, value)
    root = project(tmp_path, f"{server}{path}", monkeypatch)
    code, _, stderr = run_cli("check")
    assert code == 2 and message in stderr
    assert files(root) == {"quotes/web.yaml"}


def test_offline_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on: connection refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    root = project(tmp_path, f"http://127.0.0.1:{port}/post", monkeypatch)
    code, stdout, stderr = run_cli("render")
    assert code == 2 and stdout == "" and len(stderr.splitlines()) == 1
    assert f"cannot fetch http://127.0.0.1:{port}/post" in stderr and "(offline?)" in stderr
    assert files(root) == {"quotes/web.yaml"}


@pytest.mark.parametrize(
    "source",
    ["ftp://example.com/a.html", "file:///etc/passwd", "javascript://x", "https:///nohost"],
)
def test_only_http_and_https_addresses_are_fetched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    monkeypatch.setattr(fetch, "fetch_page", _no_network)
    project(tmp_path, source, monkeypatch)
    code, _, stderr = run_cli("check")
    assert code == 2 and "is not an http:// or https:// address" in stderr


def test_suggest_fetches_a_url_and_keeps_the_snapshot(
    tmp_path: Path, server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "quotes").mkdir()
    code, stdout, stderr = run_cli("suggest", f"{server}/post", "-n", "2")
    assert code == 0, stderr
    snapshot = next((tmp_path / "quotes" / "articles").glob("*.html"))
    assert "source: articles/" + snapshot.name in stdout
    (tmp_path / "quotes" / "web.yaml").write_text(stdout, encoding="utf-8")
    monkeypatch.setattr(fetch, "fetch_page", _no_network)
    assert run_cli("check")[0] == 0
    code, _, stderr = run_cli("suggest", "ftp://example.com/x")
    assert code == 2 and "is not an http:// or https:// address" in stderr
