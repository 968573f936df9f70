"""`cardgen serve`: the output folder on 127.0.0.1, the reload endpoint, a clean Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from cardgen.errors import InputError
from cardgen.review.gallery import write_gallery
from cardgen.review.serve import (
    RELOAD_PATH,
    VERSION_PATH,
    GalleryServer,
    make_server,
    version,
)
from tests.helpers import run_cli
from tests.servekit import PLATFORMS, PNG, card_record, serving


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    (folder / "s" / "a").mkdir(parents=True)
    (folder / "s" / "a" / "x.png").write_bytes(PNG)
    (folder / "manifest.json").write_text('{"cards": []}\n', encoding="utf-8")
    write_gallery(folder, [card_record("a")], PLATFORMS)
    (tmp_path / "secret.txt").write_text("outside the output folder", encoding="utf-8")
    return folder


@pytest.fixture
def server(out: Path) -> Iterator[GalleryServer]:
    with serving(out) as server:
        yield server


def get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], b""


def test_serves_gallery_with_reload_script_and_cards(server: GalleryServer, out: Path) -> None:
    assert server.url.startswith("http://127.0.0.1:")
    status, kind, body = get(server.url)
    assert status == 200 and kind.startswith("text/html")
    html = body.decode("utf-8")
    stamp = f'<script src="{RELOAD_PATH}" data-version="{version(out)}"></script>'
    assert html.count(stamp) == 1
    assert html.index(RELOAD_PATH) < html.index("</body>")
    # The file on disk stays static: only the served copy gains the script.
    assert RELOAD_PATH not in (out / "index.html").read_text(encoding="utf-8")
    assert get(server.url + "s/a/x.png")[2] == PNG
    status, kind, body = get(server.url + RELOAD_PATH.lstrip("/"))
    assert status == 200 and "javascript" in kind and b"location.reload()" in body


def test_version_changes_when_a_render_finishes(server: GalleryServer, out: Path) -> None:
    def served_version() -> str:
        status, kind, body = get(server.url + VERSION_PATH.lstrip("/"))
        assert status == 200 and kind == "application/json; charset=utf-8"
        return str(json.loads(body)["version"])

    first = served_version()
    assert served_version() == first == version(out)  # stable while nothing changes
    time.sleep(0.01)
    write_gallery(out, [card_record("a"), card_record("b")], PLATFORMS)
    assert served_version() != first


def raw(server: GalleryServer, request: bytes) -> bytes:
    """Send bytes as they are; the whole reply (the server closes after it)."""
    host, port = server.server_address[:2]
    with socket.create_connection((str(host), port), timeout=5) as conn:
        conn.sendall(request)
        return conn.makefile("rb").read()


def test_nothing_outside_the_output_folder_is_served(server: GalleryServer) -> None:
    port = server.server_address[1]
    for path in (b"/../secret.txt", b"/%2e%2e/secret.txt", b"/s/..%2f..%2fsecret.txt"):
        reply = raw(
            server,
            b"GET " + path + b" HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n" % port,
        )
        assert reply.startswith((b"HTTP/1.1 400", b"HTTP/1.1 404")), reply[:40]
        assert b"outside the output folder" not in reply


def test_waiting_page_before_the_first_render(tmp_path: Path) -> None:
    with serving(tmp_path) as server:
        status, _, body = get(server.url)
        assert status == 200
        assert b"No gallery yet" in body and RELOAD_PATH.encode() in body


def test_page_built_from_the_manifest_when_index_html_is_missing(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text(
        json.dumps({"cards": [card_record("from-manifest")]}), encoding="utf-8"
    )
    with serving(tmp_path) as server:
        status, _, body = get(server.url)
        assert status == 200
        assert b"from-manifest" in body and b"No gallery yet" not in body
        assert RELOAD_PATH.encode() in body


def test_missing_folder_and_busy_port_are_clear_errors(out: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        make_server(tmp_path / "nope", 0)
    with pytest.raises(InputError, match="not a port number"):
        make_server(out, 70000)
    first = make_server(out, 0)
    try:
        port = first.server_address[1]
        with pytest.raises(InputError, match=f"cannot listen on 127.0.0.1:{port}"):
            make_server(out, port)
    finally:
        first.server_close()
    code, _, stderr = run_cli("serve", "--out", str(tmp_path / "nope"))
    assert code == 2
    assert stderr.startswith("error: output folder") and "cardgen render" in stderr


def test_cli_serves_until_ctrl_c(out: Path) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "cardgen", "serve", "--port", "0", "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith(f"serving {out}/ at http://127.0.0.1:"), line
        url = line.split(" at ", 1)[1].split()[0]
        assert get(url)[0] == 200
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, stderr
    assert stdout.strip() == "stopped"
    assert "Traceback" not in stderr
