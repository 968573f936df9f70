"""A cache of drawn cards shared by machines: `--cache DIR` or an fsspec URL (`s3://...`).

Keyed by a card's content-addressed cache key (`cachekeys.cache_key`: text, resolved layout
and brand, images, platform, fonts, encoder, cardgen version), so a card any machine has
drawn is copied, not drawn again. An entry is one file, `KEY[:2]/KEY.card`: a header line
(format, size, sha256, the facts its manifest record needs) and the card's bytes. Entries
are written under a temporary name and renamed, and each is checked against its own sha256
when read: concurrent writers, a killed one or a torn upload never serve a partial card.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast
from urllib.parse import unquote, urlsplit

from cardgen.errors import InputError

if TYPE_CHECKING:
    from cardgen.batch.records import SceneFacts

_MAGIC = b"cardgen-card 1\n"
_KEY = re.compile(r"[0-9a-f]{64}")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
MAX_ENTRY_BYTES = 1_100_000_000  # a card may be up to a platform's file limit (1 GB at most)


@dataclass(frozen=True)
class CachedCard:
    data: bytes
    fmt: str  # the format it was encoded in (a card re-encoded to fit its limit differs)
    facts: SceneFacts  # `plan.scene_facts` of its scene: sizes, texts, boxes, warnings


class SharedCache(Protocol):
    where: str

    def has(self, key: str) -> bool: ...
    def get(self, key: str) -> CachedCard | None: ...
    def put(self, key: str, card: CachedCard) -> None: ...


def pack(card: CachedCard) -> bytes:
    header = {
        "format": card.fmt,
        "bytes": len(card.data),
        "sha256": hashlib.sha256(card.data).hexdigest(),
        "facts": card.facts,
    }
    line = json.dumps(header, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return _MAGIC + line + b"\n" + card.data


def unpack(blob: bytes) -> CachedCard | None:
    """The card of an entry, or None when it is not one whole entry."""
    if not blob.startswith(_MAGIC):
        return None
    end = blob.find(b"\n", len(_MAGIC))
    if end < 0:
        return None
    try:
        header = json.loads(blob[len(_MAGIC) : end])
        data = blob[end + 1 :]
        whole = len(data) == header["bytes"] and (
            hashlib.sha256(data).hexdigest() == header["sha256"]
        )
        facts = header["facts"]
        if not whole or not isinstance(facts, dict):
            return None
        # The facts `pack` wrote with these bytes (their sha256 checked just above).
        return CachedCard(data, str(header["format"]), cast("SceneFacts", facts))
    except (ValueError, KeyError, TypeError, RecursionError):
        return None


def entry_name(key: str) -> str:
    if not _KEY.fullmatch(key):
        raise ValueError(f"not a cache key: {key!r}")
    return f"{key[:2]}/{key}.card"


class FolderCache:
    """A local (or NFS) folder: temporary file, then an atomic rename into place."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.where = str(root)
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(
                f"--cache {root}: cannot use it as a cache folder: {exc.strerror}",
                hint="pass a folder cardgen may write to, or an fsspec URL",
            ) from None

    def has(self, key: str) -> bool:
        return (self.root / entry_name(key)).is_file()

    def get(self, key: str) -> CachedCard | None:
        path = self.root / entry_name(key)
        try:
            with path.open("rb") as handle:
                blob = handle.read(MAX_ENTRY_BYTES + 1)
        except OSError:
            return None
        return unpack(blob) if len(blob) <= MAX_ENTRY_BYTES else None

    def put(self, key: str, card: CachedCard) -> None:
        path = self.root / entry_name(key)
        path.parent.mkdir(exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}-{os.urandom(4).hex()}.tmp")
        try:
            with tmp.open("xb") as handle:
                handle.write(pack(card))
            tmp.replace(path)  # a reader sees the old entry or the new, never half
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()


class FsspecCache:
    """Any fsspec file system (`s3://bucket/cards`, `gs://...`, `memory://` for tests)."""

    def __init__(self, url: str) -> None:
        import fsspec

        self.where = url
        try:
            self.fs, root = fsspec.core.url_to_fs(url)
        except ImportError as exc:
            raise InputError(
                f"--cache {url}: its file system needs a package that is not installed ({exc})",
                hint="install it (s3fs for s3://, gcsfs for gs://, adlfs for az://)",
            ) from None
        self.root = root.rstrip("/")

    def _path(self, key: str) -> str:
        return f"{self.root}/{entry_name(key)}"

    def has(self, key: str) -> bool:
        try:
            return bool(self.fs.exists(self._path(key)))
        except (OSError, ValueError):
            return False

    def get(self, key: str) -> CachedCard | None:
        try:
            blob = self.fs.cat_file(self._path(key))
        except (OSError, ValueError):  # missing, or the store could not be reached
            return None
        return unpack(bytes(blob))

    def put(self, key: str, card: CachedCard) -> None:
        path = self._path(key)
        tmp = f"{path}.{os.getpid()}-{os.urandom(4).hex()}.tmp"
        # Uploaded under a name of its own, then moved: on object stores the move is a
        # copy that appears whole; a reader that catches a torn upload finds no entry.
        self.fs.pipe_file(tmp, pack(card))
        try:
            self.fs.mv(tmp, path)
        finally:
            with contextlib.suppress(OSError, ValueError):
                if self.fs.exists(tmp):
                    self.fs.rm(tmp)


def open_cache(spec: str) -> SharedCache:
    """`--cache`: a folder, `file://` URL or any URL fsspec knows; else InputError (exit 2)."""
    match = _SCHEME.match(spec)
    if match is None:
        return FolderCache(Path(spec).expanduser())
    scheme = match.group(1).lower()
    if scheme in ("file", "local"):
        parts = urlsplit(spec)
        return FolderCache(Path(unquote(parts.netloc + parts.path)))
    try:
        import fsspec
    except ImportError:  # pragma: no cover - fsspec is a dependency
        raise InputError("--cache URL needs fsspec", hint="pip install fsspec") from None
    if scheme not in fsspec.available_protocols():
        raise InputError(
            f"--cache {spec}: unknown scheme {scheme + '://'!r}",
            hint="use a folder, file://, or a URL of a file system fsspec knows "
            "(s3://, gs://, az://, ...)",
        )
    return FsspecCache(spec)
