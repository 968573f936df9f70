"""Articles from the web: a page is fetched once and kept as a snapshot beside the selection.

`article.source: https://...` (and `cardgen suggest URL`) fetch the page with httpx
(http and https only, bounded redirects, timeouts, a size cap), check that it has an
article body, and write `articles/<slug>.html` (the page, as UTF-8) with
`articles/<slug>.json` (its URL, the address it came from after redirects, and the
fetch time). From then on the snapshot is read and the network is never used, so a
check is reproducible offline and a quote keeps pointing at what the page said.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from cardgen.errors import InputError
from cardgen.limits import FETCH_CONNECT_SECONDS, FETCH_SECONDS, MAX_PAGE_BYTES, MAX_REDIRECTS

HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True)
class Snapshot:
    """Where a page's snapshot lies: the HTML and its sidecar."""

    html: Path
    meta: Path

    @property
    def exists(self) -> bool:
        return self.html.is_file()


def is_url(source: str) -> bool:
    """A source that names a web address (or any `scheme://`) rather than a file."""
    return bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", source.strip()))


def check_web_address(url: str) -> str:
    """The URL if it is http(s) with a host; else an InputError saying so."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InputError(
            f"article source {url!r} is not an http:// or https:// address",
            hint="give a web page's address, or a .txt, .md or .html file next to the selection",
        )
    return url.strip()


def snapshot_for(url: str, folder: Path) -> Snapshot:
    """`folder/articles/<slug>.html` and `.json` for `url`: readable, and one per address."""
    parts = urlsplit(url)
    words = re.findall(r"[a-z0-9]+", f"{parts.hostname or ''} {parts.path}".lower())
    words = [w for w in words if w not in ("www", "html", "htm", "php", "index")]
    slug = "-".join(words)[:60].strip("-") or "page"
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:8]
    stem = f"{slug}-{digest}"
    return Snapshot(folder / "articles" / f"{stem}.html", folder / "articles" / f"{stem}.json")


def ensure_snapshot(url: str, folder: Path, *, shown: str | None = None) -> Snapshot:
    """The page's snapshot under `folder`, fetched and written now if there is none."""
    url = check_web_address(url)
    snapshot = snapshot_for(url, folder)
    if snapshot.exists:
        return snapshot
    page = fetch_page(url, shown=shown)
    _has_article_body(page, url)
    _write_snapshot(snapshot, page)
    return snapshot


@dataclass(frozen=True)
class Page:
    url: str  # as asked for
    final_url: str  # after redirects
    text: str  # the HTML, decoded
    status: int
    content_type: str
    charset: str
    fetched_at: str  # ISO 8601, UTC


def fetch_page(url: str, *, shown: str | None = None) -> Page:
    """GET an http(s) page; every failure is an InputError (exit 2) naming the URL."""
    import httpx

    where = shown or url
    timeout = httpx.Timeout(FETCH_SECONDS, connect=FETCH_CONNECT_SECONDS)
    headers = {"User-Agent": "cardgen (quote cards; fetches one article once)"}
    try:
        with (
            httpx.Client(
                follow_redirects=True, max_redirects=MAX_REDIRECTS, timeout=timeout
            ) as client,
            client.stream("GET", url, headers=headers) as response,
        ):
            if response.status_code >= 400:
                raise InputError(
                    f"{url} answered HTTP {response.status_code} {response.reason_phrase}",
                    file=where,
                    hint="check the address in a browser",
                )
            content_type = response.headers.get("content-type", "").split(";")[0].strip()
            if content_type and content_type.lower() not in HTML_TYPES:
                raise InputError(
                    f"{url} is {content_type}, not an HTML page",
                    file=where,
                    hint="give the address of the article's web page",
                )
            declared = int(response.headers.get("content-length") or 0)
            if declared > MAX_PAGE_BYTES:
                raise _too_big(url, where)
            body = bytearray()
            for chunk in response.iter_bytes():
                body.extend(chunk)
                if len(body) > MAX_PAGE_BYTES:
                    raise _too_big(url, where)
            charset = response.charset_encoding or _meta_charset(bytes(body)) or "utf-8"
            try:
                text = bytes(body).decode(charset, errors="replace")
            except LookupError:
                charset, text = "utf-8", bytes(body).decode("utf-8", errors="replace")
            return Page(
                url=url,
                final_url=str(response.url),
                text=text,
                status=response.status_code,
                content_type=content_type or "text/html",
                charset=charset,
                fetched_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            )
    except httpx.TooManyRedirects:
        raise InputError(
            f"{url} redirects more than {MAX_REDIRECTS} times", file=where, hint="check the address"
        ) from None
    except httpx.TimeoutException:
        raise InputError(
            f"{url} did not answer within {FETCH_SECONDS:g} s",
            file=where,
            hint="try again later, or save the page next to the selection and give its path",
        ) from None
    except (httpx.ConnectError, httpx.NetworkError, httpx.ProxyError) as exc:
        raise InputError(
            f"cannot fetch {url}: {_reason(exc)} (offline?)",
            file=where,
            hint="connect to the network once; after that the snapshot is used",
        ) from None
    except httpx.UnsupportedProtocol:
        raise InputError(f"{url} redirects to an address that is not http(s)", file=where) from None
    except httpx.HTTPError as exc:
        raise InputError(f"cannot fetch {url}: {_reason(exc)}", file=where) from None


def _too_big(url: str, where: str) -> InputError:
    return InputError(
        f"{url} is larger than {MAX_PAGE_BYTES:,} bytes",
        file=where,
        hint="save the article itself next to the selection and give its path",
    )


def _reason(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _meta_charset(body: bytes) -> str | None:
    match = re.search(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_-]+)", body[:4096], re.IGNORECASE)
    return match.group(1).decode("ascii") if match else None


def _has_article_body(page: Page, url: str) -> None:
    from cardgen.source.html_text import html_article

    try:
        html_article(Path("page.html"), page.text, url)
    except InputError as exc:
        raise InputError(
            f"{url} has no article body cardgen can find ({exc.message})",
            hint="give the article's own page, or save its text as .txt or .md",
        ) from None


def _write_snapshot(snapshot: Snapshot, page: Page) -> None:
    """The HTML and its sidecar, each whole; the sidecar last, and both or neither."""
    meta = {
        "url": page.url,
        "final_url": page.final_url,
        "fetched_at": page.fetched_at,
        "status": page.status,
        "content_type": page.content_type,
        "charset": page.charset,
        "sha256": hashlib.sha256(page.text.encode("utf-8")).hexdigest(),
    }
    _write_whole(snapshot.html, page.text.encode("utf-8"))
    try:
        _write_whole(snapshot.meta, (json.dumps(meta, indent=2) + "\n").encode("utf-8"))
    except BaseException:
        snapshot.html.unlink(missing_ok=True)
        raise


def _write_whole(path: Path, data: bytes) -> None:
    """Write to a temporary name beside `path`, then rename: whole or not at all."""
    import os
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            Path(tmp).chmod(0o644)
            Path(tmp).replace(path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise InputError(f"cannot write the snapshot {path}: {exc.strerror}") from None
