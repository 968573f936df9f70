"""`cardgen serve` left running: what it refuses, the headers it always sends, and how it
holds connections (the threat model in the README, point by point)."""

from __future__ import annotations

import http.client
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cardgen.review.gallery import write_gallery
from cardgen.review.serve import (
    BACKLOG,
    BadRequest,
    GalleryHandler,
    GalleryServer,
    url_to_parts,
)
from tests.servekit import PLATFORMS, PNG, card_record, serving

CAPTION = "\u201cCaf\u00e9 cr\u00e8me\u201d \u2014 \u00e0 bient\u00f4t \U0001f600\n"


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    (folder / "s" / "a").mkdir(parents=True)
    (folder / "s" / "a" / "x.png").write_bytes(PNG)
    (folder / "s" / "a" / "x.txt").write_text(CAPTION, encoding="utf-8")
    (folder / "manifest.json").write_text('{"cards": []}\n', encoding="utf-8")
    (folder / ".cardgen").mkdir()
    (folder / ".cardgen" / "lock").write_text("12345\n", encoding="utf-8")
    (folder / ".cardgen" / "thumbs").mkdir()
    (folder / ".cardgen" / "thumbs" / f"{'ab' * 32}.webp").write_bytes(b"RIFF fake webp")
    record = card_record(caption="Caption", alt_text="Alt", sha256="ab" * 32)
    write_gallery(folder, [record], PLATFORMS)
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "passwd").write_text("root:x:0:0\n", encoding="utf-8")
    return folder


@pytest.fixture
def server(out: Path) -> Iterator[GalleryServer]:
    with serving(out) as server:
        yield server


def port_of(server: GalleryServer) -> int:
    return int(server.server_address[1])


def request(
    server: GalleryServer,
    path: str,
    *,
    method: str = "GET",
    host: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port_of(server), timeout=5)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        if host != "":
            conn.putheader("Host", host or f"127.0.0.1:{port_of(server)}")
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.endheaders()
        response = conn.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        conn.close()


def raw(server: GalleryServer, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port_of(server)), timeout=5) as conn:
        conn.sendall(data)
        return conn.makefile("rb").read()


# --- only files whose real path is inside OUT ---------------------------------------------


def test_symlinks_leaving_the_folder_are_refused(server: GalleryServer, out: Path) -> None:
    secret = out.parent / "secret"
    (out / "etc-link").symlink_to(secret, target_is_directory=True)
    (out / "passwd-link").symlink_to(secret / "passwd")
    (out / "s" / "inside-link.png").symlink_to(out / "s" / "a" / "x.png")
    for path in ("/etc-link/", "/etc-link/passwd", "/passwd-link", "/etc-link"):
        status, _, body = request(server, path)
        assert status == 404, path
        assert b"root:x" not in body
    # A link that stays inside OUT is an ordinary file.
    assert request(server, "/s/inside-link.png")[2] == PNG


def test_no_directory_listings_and_no_state_files(server: GalleryServer) -> None:
    for path in (
        "/s/",
        "/s",
        "/s/a/",
        "/.cardgen/",
        "/.cardgen/lock",
        "/.cardgen",
        "/.cardgen/thumbs/",
        "/s/.hidden",
    ):
        status, headers, body = request(server, path)
        assert status == 404, path
        assert b"12345" not in body and b"<a href" not in body
    # The thumbnails are the one dot-folder served.
    status, headers, body = request(server, f"/.cardgen/thumbs/{'ab' * 32}.webp")
    assert status == 200 and headers["content-type"] == "image/webp"
    assert "immutable" in headers["cache-control"]


# --- the Host allow-list --------------------------------------------------------------------


def test_only_loopback_host_names_are_answered(server: GalleryServer) -> None:
    port = port_of(server)
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", f"LOCALHOST:{port}"):
        assert request(server, "/", host=host)[0] == 200, host
    refused = [
        f"evil.example:{port}",
        "evil.example",
        f"127.0.0.1:{port + 1}",
        f"127.0.0.1.evil.example:{port}",
        "127.0.0.1",
        "",
    ]
    for host in refused:
        status, headers, body = request(server, "/s/a/x.png", host=host)
        assert status == 403, host
        assert body != PNG
        assert "frame-ancestors 'none'" in headers["content-security-policy"]


# --- headers on every response ----------------------------------------------------------------


def test_security_headers_on_every_response(server: GalleryServer) -> None:
    cases = [
        ("/", {}, 200),
        ("/s/a/x.png", {}, 200),
        ("/s/a/x.txt", {}, 200),
        ("/manifest.json", {}, 200),
        ("/missing", {}, 404),
        ("/a%00b", {}, 400),
        ("/__cardgen/version", {}, 200),
        ("/__cardgen/reload.js", {}, 200),
        ("/__cardgen/nothing", {}, 404),
    ]
    for path, headers, expected in cases:
        status, got, _ = request(server, path, headers=headers)
        assert status == expected, path
        csp = got["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp, path
        assert got["x-content-type-options"] == "nosniff", path
        assert got["x-frame-options"] == "DENY", path
    # The request parser's own errors too.
    reply = raw(server, b"NONSENSE\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 400") or reply.startswith(b"HTTP/1.0 400")
    head = reply.split(b"\r\n\r\n", 1)[0].lower()
    assert b"frame-ancestors 'none'" in head and b"x-content-type-options: nosniff" in head
    # Card files run no script at all; the page only its own.
    assert "script-src 'none'" in request(server, "/s/a/x.png")[1]["content-security-policy"]
    page_csp = request(server, "/")[1]["content-security-policy"]
    assert "script-src 'self' 'sha256-" in page_csp and "unsafe-eval" not in page_csp


def test_text_is_served_as_utf_8(server: GalleryServer) -> None:
    for path, kind in (
        ("/s/a/x.txt", "text/plain"),
        ("/manifest.json", "application/json"),
        ("/", "text/html"),
        ("/__cardgen/reload.js", "text/javascript"),
    ):
        headers = request(server, path)[1]
        assert headers["content-type"] == f"{kind}; charset=utf-8", path
    assert request(server, "/s/a/x.txt")[2].decode("utf-8") == CAPTION
    assert request(server, "/s/a/x.png")[1]["content-type"] == "image/png"


# --- bad paths ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/a%00b",
        "/%ff%fe",
        "/s/%2e%2e/%2e%2e/secret/passwd",
        "/a%5cb",
        "/a%0d%0aX:%201",
        "/s/./a/x.png",
        "//..//secret",
    ],
)
def test_bad_paths_are_400_never_a_traceback(
    server: GalleryServer, path: str, capfd: pytest.CaptureFixture[str]
) -> None:
    status, headers, body = request(server, path)
    assert status == 400
    assert headers["content-type"] == "text/plain; charset=utf-8"
    assert b"root:x" not in body
    # The server goes on answering.
    assert request(server, "/s/a/x.png")[0] == 200
    assert "Traceback" not in capfd.readouterr().err


def test_url_to_parts_table() -> None:
    assert url_to_parts("/") == []
    assert url_to_parts("/s/a/x.png?x=1#y") == ["s", "a", "x.png"]
    assert url_to_parts("/caf%C3%A9/x%20y.png") == ["caf\u00e9", "x y.png"]
    for bad in ("/a%00b", "/%ff", "/../x", "/a/%2E%2E/b", "x", "/a%7f"):
        with pytest.raises(BadRequest):
            url_to_parts(bad)


# --- HEAD, revalidation, connections ----------------------------------------------------------


def test_head_matches_get(server: GalleryServer) -> None:
    for path in ("/", "/s/a/x.png", "/s/a/x.txt", "/missing", "/a%00b", "/__cardgen/version"):
        get_status, get_headers, get_body = request(server, path)
        head_status, head_headers, head_body = request(server, path, method="HEAD")
        assert head_status == get_status, path
        assert head_body == b""
        for name in (
            "content-type",
            "content-length",
            "etag",
            "last-modified",
            "cache-control",
            "content-security-policy",
        ):
            assert head_headers.get(name) == get_headers.get(name), (path, name)
        assert int(get_headers["content-length"]) == len(get_body)


def test_cards_and_page_are_revalidated_not_downloaded_again(
    server: GalleryServer, out: Path
) -> None:
    for path in ("/s/a/x.png", "/"):
        status, headers, body = request(server, path)
        assert status == 200 and body
        assert headers["cache-control"] == "no-cache"  # revalidate, never no-store
        etag = headers["etag"]
        status, again, body = request(server, path, headers={"If-None-Match": etag})
        assert status == 304 and body == b"" and again["etag"] == etag
    modified = request(server, "/s/a/x.png")[1]["last-modified"]
    assert request(server, "/s/a/x.png", headers={"If-Modified-Since": modified})[0] == 304
    # A new render changes the card: the old tag no longer matches.
    etag = request(server, "/s/a/x.png")[1]["etag"]
    time.sleep(0.01)
    (out / "s" / "a" / "x.png").write_bytes(PNG + b"changed")
    status, _, body = request(server, "/s/a/x.png", headers={"If-None-Match": etag})
    assert status == 200 and body.endswith(b"changed")


def test_the_page_is_gzipped_for_browsers_that_ask(server: GalleryServer) -> None:
    plain = request(server, "/")
    zipped = request(server, "/", headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped[1]["content-encoding"] == "gzip"
    import gzip

    assert gzip.decompress(zipped[2]) == plain[2]
    assert (
        request(server, "/s/a/x.png", headers={"Accept-Encoding": "gzip"})[1].get(
            "content-encoding"
        )
        is None
    )


def test_keep_alive_and_threads_with_timeouts(out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(GalleryHandler, "timeout", 0.5)
    with serving(out) as server:
        assert server.request_queue_size == BACKLOG >= 64
        assert server.daemon_threads
        # A client that connects and says nothing holds no one up, and is dropped.
        idle = socket.create_connection(("127.0.0.1", port_of(server)), timeout=5)
        started = time.monotonic()
        # Two requests over one connection (keep-alive) while the idle one waits.
        conn = http.client.HTTPConnection("127.0.0.1", port_of(server), timeout=5)
        for path in ("/s/a/x.png", "/s/a/x.txt"):
            conn.request("GET", path)
            response = conn.getresponse()
            assert response.status == 200 and response.read()
            assert response.getheader("Connection") != "close"
        conn.close()
        assert idle.recv(1) == b""  # closed by the server after its timeout
        assert time.monotonic() - started < 4
        idle.close()


def test_a_half_sent_request_times_out(out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(GalleryHandler, "timeout", 0.5)
    with (
        serving(out) as server,
        socket.create_connection(("127.0.0.1", port_of(server)), timeout=5) as conn,
    ):
        conn.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # headers never finish
        assert conn.recv(100) == b""


def test_server_runs_as_the_user_that_started_it_only_on_loopback(server: GalleryServer) -> None:
    assert server.server_address[0] == "127.0.0.1"
    assert os.getpid() > 0


def test_a_refused_post_never_leaks_its_body_into_the_next_request(server: GalleryServer) -> None:
    port = port_of(server)
    smuggled = b"GET /s/a/x.png HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % port
    body = b'{"x": 1}' + smuggled
    request_bytes = (
        b"POST /__cardgen/decision HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
        b"Origin: http://evil.example\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % (port, len(body))
    ) + body
    reply = raw(server, request_bytes)
    assert reply.startswith(b"HTTP/1.1 403")
    assert reply.count(b"HTTP/1.1 ") == 1  # the body was not read as a second request
    too_long = b"POST /__cardgen/decision HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" % port
    too_long += b"Content-Type: application/json\r\nContent-Length: 5000000\r\n\r\n{}"
    reply = raw(server, too_long)
    assert reply.startswith(b"HTTP/1.1 400") and b"too long" in reply
