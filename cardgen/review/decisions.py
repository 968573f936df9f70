"""Review decisions: `OUT/review.json`, approvals and edited captions keyed by card hash.

A decision belongs to the exact card that was reviewed: it is keyed by the
card's sha256, so a re-rendered card that changed has no decision (its
approval is cleared) while an unchanged one keeps it. Decisions for cards no
longer in the manifest stay in the file (nothing is lost) and are reported.
Every change is merged card by card under a lock and written atomically, so
two tabs (or two servers) never lose one another's decisions.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeGuard

from cardgen.errors import InputError
from cardgen.plaindata import JsonObject, JsonValue

REVIEW_FILE = "review.json"
LOCK_FILE = "review.lock"  # in OUT/.cardgen/
FORMAT = 1
STATUSES = ("approved", "rejected")
MAX_CAPTION = 100_000  # far above any platform's limit: a guard, not a rule
MAX_REVIEW_BYTES = 200_000_000  # 1,000 cards with 100 kB captions each
_HASH_CHARS = frozenset("0123456789abcdef")
_THREAD_LOCK = threading.Lock()


@dataclass(frozen=True)
class Decision:
    """What the reviewer decided about one card: a status and/or an edited caption."""

    status: str | None = None  # "approved", "rejected" or None (undecided)
    caption: str | None = None  # the edited caption; None keeps the rendered one
    path: str | None = None  # where the card was, for people reading the file
    updated: str | None = None  # ISO 8601, UTC

    def to_json(self) -> JsonObject:
        fields: JsonObject = {
            "status": self.status,
            "caption": self.caption,
            "path": self.path,
            "updated": self.updated,
        }
        return {k: v for k, v in fields.items() if v is not None}


def review_path(out: Path) -> Path:
    return out / REVIEW_FILE


def load(out: Path) -> dict[str, Decision]:
    """Every decision in `OUT/review.json` ({} when there is none yet).

    A file edited into nonsense is an InputError naming the file and the line; it is
    never overwritten while it is unreadable.
    """
    from cardgen.inputs import read_input

    path = review_path(out)
    if not path.exists() and not path.is_symlink():
        return {}
    raw = read_input(path, what="review decisions", shown=str(path), limit=MAX_REVIEW_BYTES)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _bad(path, None, "is not UTF-8 text") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        line = getattr(exc, "lineno", None)
        raise _bad(path, line, f"is not valid JSON ({getattr(exc, 'msg', exc)})") from None
    return parse(path, data)


def parse(path: Path, data: JsonValue) -> dict[str, Decision]:
    """Decisions from review.json's JSON value, checked key by key."""
    cards = data.get("cards") if isinstance(data, dict) else None
    if not isinstance(cards, dict):
        raise _bad(path, None, 'must be an object with a "cards" object')
    decisions: dict[str, Decision] = {}
    for sha, entry in cards.items():
        where = f"cards.{sha[:12]}"
        if not is_hash(sha):
            raise _bad(path, None, f"{where}: {sha!r} is not a card's sha256 (64 hex digits)")
        if not isinstance(entry, dict):
            raise _bad(path, None, f"{where}: must be an object")
        unknown = set(entry) - {"status", "caption", "path", "updated"}
        if unknown:
            raise _bad(path, None, f"{where}: unknown key {sorted(unknown)[0]!r}")
        status, caption = entry.get("status"), entry.get("caption")
        if status is not None and status not in STATUSES:
            raise _bad(path, None, f"{where}.status: {status!r} is not approved or rejected")
        if caption is not None and not isinstance(caption, str):
            raise _bad(path, None, f"{where}.caption: must be text")
        texts = {key: entry.get(key) for key in ("path", "updated")}
        for key, text in texts.items():
            if text is not None and not isinstance(text, str):
                raise _bad(path, None, f"{where}.{key}: must be text")
        decisions[sha] = Decision(
            _text(status), caption, _text(texts["path"]), _text(texts["updated"])
        )
    return decisions


def _text(value: JsonValue) -> str | None:
    """A value checked to be text or null, as the type checker knows it."""
    return value if isinstance(value, str) else None


def is_hash(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and len(value) == 64 and set(value) <= _HASH_CHARS


def update(
    out: Path,
    sha: str,
    changes: Mapping[str, JsonValue],
    *,
    known: Mapping[str, Mapping[str, object]],
    now: dt.datetime | None = None,
) -> Decision:
    """Merge `changes` ({"status": ..., "caption": ...}, either or both) into the decision
    for card `sha`, which must be one of `known` (sha -> manifest record); returns it.

    Read, merge and write happen under a lock (a thread lock and an flock on
    `OUT/.cardgen/review.lock`), so concurrent edits of other cards or other fields
    are kept. `"caption": null` goes back to the rendered caption.
    """
    from cardgen.batch.output import STATE_DIR, pretty_json, write_atomic

    if not is_hash(sha):
        raise InputError(f"{sha!r} is not a card's sha256")
    if sha not in known:
        raise InputError(
            f"no card with sha256 {sha[:12]}... in {out / 'manifest.json'}",
            hint="the card was re-rendered or removed: reload the page",
        )
    unknown = set(changes) - {"status", "caption"}
    if unknown or not changes:
        raise InputError("a decision changes `status` and/or `caption`, nothing else")
    status = changes.get("status")
    if "status" in changes and status is not None and status not in STATUSES:
        raise InputError(f"status {status!r} is not approved, rejected or null")
    caption = changes.get("caption")
    if "caption" in changes and caption is not None:
        if not isinstance(caption, str) or len(caption) > MAX_CAPTION:
            raise InputError(f"a caption must be text of at most {MAX_CAPTION:,} characters")
        caption = caption.replace("\r\n", "\n")
        if caption == known[sha].get("caption"):
            caption = None  # the rendered caption again: nothing to keep
    stamp = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0).isoformat()
    with _locked(out / STATE_DIR / LOCK_FILE):
        decisions = load(out)
        held = decisions.get(sha, Decision())
        merged = Decision(
            _text(status) if "status" in changes else held.status,
            _text(caption) if "caption" in changes else held.caption,
            str(known[sha].get("path") or held.path or ""),
            stamp,
        )
        if merged.status is None and merged.caption is None:
            decisions.pop(sha, None)
        else:
            decisions[sha] = merged
        body = {"format": FORMAT, "cards": {k: v.to_json() for k, v in sorted(decisions.items())}}
        write_atomic(review_path(out), pretty_json(body))
    return merged


@contextlib.contextmanager
def _locked(lock: Path) -> Iterator[None]:
    with _THREAD_LOCK:
        try:
            lock.parent.mkdir(parents=True, exist_ok=True)
            handle = lock.open("a")
        except OSError as exc:
            raise InputError(f"cannot lock {lock}: {exc.strerror}") from None
        with handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _bad(path: Path, line: int | None, message: str) -> InputError:
    return InputError(
        f"{message}",
        file=path,
        line=line,
        hint="fix it by hand, or move it away to start the review afresh; "
        "cardgen leaves it as it is until then",
    )


def summary(
    decisions: Mapping[str, Decision], records: Mapping[str, Mapping[str, object]]
) -> dict[str, int]:
    """Counts for the page and the CLI: approved/rejected cards that still exist, and
    decisions for cards that are gone (kept in the file)."""
    approved = sum(1 for s, d in decisions.items() if d.status == "approved" and s in records)
    rejected = sum(1 for s, d in decisions.items() if d.status == "rejected" and s in records)
    return {
        "approved": approved,
        "rejected": rejected,
        "cards": len(records),
        "gone": sum(1 for s in decisions if s not in records),
    }


MAX_MANIFEST_BYTES = 500_000_000


def read_manifest_bytes(manifest: Path) -> bytes:
    """`OUT/manifest.json`'s bytes, read as any input is (a regular file, capped);
    FileNotFoundError when there is none."""
    from cardgen.inputs import read_input

    if not manifest.exists():
        raise FileNotFoundError(manifest)
    return read_input(manifest, what="manifest", shown=str(manifest), limit=MAX_MANIFEST_BYTES)
