"""What the review server answers with, apart from the server: request paths checked,
files found inside the output folder, and whole replies (text, JSON) with their headers.
The server (`serve`) and its review API (`api`) both build on these."""

from __future__ import annotations

import hashlib
import json
import mimetypes
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from urllib.parse import unquote

THUMBS_PREFIX = ".cardgen/thumbs/"


def csp(script_sources: str) -> str:
    return (
        "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
        f"script-src {script_sources}; connect-src 'self'; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    )


# Files (cards, captions, manifest) run no script at all.
FILE_CSP = csp("'none'")


class BadRequest(Exception):
    """A request this server will not try to answer (400)."""


def url_to_parts(raw_path: str) -> list[str]:
    """The decoded, checked segments of a request path ('' for `/`): BadRequest if it has
    a NUL or control character, a backslash, a `..`/`.` segment or undecodable UTF-8."""
    path = raw_path.split("?", 1)[0].split("#", 1)[0]
    if not path.startswith("/"):
        raise BadRequest("the path must start with /")
    try:
        decoded = unquote(path, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise BadRequest("the path is not UTF-8") from None
    if any(ord(c) < 32 or ord(c) == 127 for c in decoded) or "\\" in decoded:
        raise BadRequest("the path holds a control character or a backslash")
    parts = [p for p in decoded.split("/") if p]
    if any(p in (".", "..") for p in parts):
        raise BadRequest("the path climbs out of the folder")
    return parts


def contained_file(root: str, parts: list[str]) -> str | None:
    """The real path of OUT/parts if it is a regular file inside `root` (OUT's real path),
    else None. Dot segments are hidden (the lock, the journal, temporary files), except
    the thumbnails under `.cardgen/thumbs/`."""
    relative = "/".join(parts)
    if any(p.startswith(".") for p in parts) and not (
        relative.startswith(THUMBS_PREFIX) and not any(p.startswith(".") for p in parts[2:])
    ):
        return None
    real = Path(root).joinpath(*parts).resolve()  # every symlink followed
    if not real.is_relative_to(root) or not real.is_file():
        return None
    return str(real)


@dataclass(frozen=True)
class Reply:
    """A complete response body, its type and caching headers."""

    body: bytes
    content_type: str
    status: HTTPStatus = HTTPStatus.OK
    etag: str | None = None
    last_modified: float | None = None
    cache: str = "no-cache"  # revalidate every time: a render rewrites files in place
    csp: str = FILE_CSP
    extra: tuple[tuple[str, str], ...] = ()


def content_type(path: str) -> str:
    """The MIME type of a served file, with `charset=utf-8` on every text type."""
    guessed = mimetypes.guess_type(path)[0] or "application/octet-stream"
    if path.endswith(".webp"):
        guessed = "image/webp"
    if guessed.startswith("text/") or guessed in ("application/json", "application/javascript"):
        return f"{guessed}; charset=utf-8"
    return guessed


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def text_reply(text: str, status: HTTPStatus = HTTPStatus.OK) -> Reply:
    return Reply(text.encode("utf-8"), "text/plain; charset=utf-8", status, cache="no-store")


def json_reply(
    value: object, status: HTTPStatus = HTTPStatus.OK, *, cache: str = "no-store"
) -> Reply:
    """A JSON answer (the review API's are never cached); `value`: anything `json.dumps`
    writes."""
    body = json.dumps(value, ensure_ascii=False).encode("utf-8")
    return Reply(body, "application/json; charset=utf-8", status, cache=cache)
