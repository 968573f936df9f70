"""Shards: a deterministic part of a batch's plan, so N machines each render one part.

A card belongs to shard `hash(card key) mod N`, its key being what names its file
(selection, quote id, platform): adding or removing a quote moves only that quote's cards,
never another card from one shard to another. Each shard's manifest carries the plan's
digest (every card's cache key) so `cardgen merge` can refuse parts of different inputs.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from cardgen.errors import InputError

if TYPE_CHECKING:
    from cardgen.batch.records import ShardHeader

T = TypeVar("T")

_SPEC = re.compile(r"\s*(\d{1,9})\s*/\s*(\d{1,9})\s*")
_HINT = (
    "write K/N with 1 <= K <= N: --shard 1/4 ... --shard 4/4 together render every card "
    "(a 0-based index such as a Kubernetes JOB_COMPLETION_INDEX: add 1)"
)


@dataclass(frozen=True)
class Shard:
    """Part `index` (1-based) of `count`."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def holds(self, selection: str, quote_id: str, platform: str) -> bool:
        return shard_of(selection, quote_id, platform, self.count) == self.index


def parse_shard(text: str) -> Shard:
    """`K/N` as given to `--shard`; anything else is an InputError (exit 2)."""
    match = _SPEC.fullmatch(text)
    if match is None:
        raise InputError(f"--shard {text!r} is not K/N", hint=_HINT)
    index, count = int(match.group(1)), int(match.group(2))
    if count < 1:
        raise InputError(f"--shard {text}: N must be at least 1", hint=_HINT)
    if not 1 <= index <= count:
        raise InputError(f"--shard {text}: K must be between 1 and {count}", hint=_HINT)
    return Shard(index, count)


def shard_of(selection: str, quote_id: str, platform: str, count: int) -> int:
    """The 1-based shard of a card: stable across runs, machines and Python versions
    (sha256, not `hash()`, which is salted per process)."""
    key = f"{selection}\x00{quote_id}\x00{platform}".encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:8], "big") % count + 1


def plan_digest(cards: Iterable[tuple[str, str, str, str]]) -> str:
    """One hash of a whole plan: (selection, quote id, platform, cache key) of every card,
    in any order. Two shards made from the same inputs by the same cardgen agree on it."""
    digest = hashlib.sha256()
    for card in sorted(cards):
        digest.update("\x00".join(card).encode("utf-8") + b"\n")
    return digest.hexdigest()


def shard_header(shard: Shard, digest: str, planned: int, in_shard: int) -> ShardHeader:
    """What a shard's manifest says of it (`"shard": {...}` beside `"cards"`)."""
    return {
        "index": shard.index,
        "count": shard.count,
        "plan": digest,
        "planned": planned,
        "cards": in_shard,
    }


def take_shard(
    jobs: Sequence[T],
    shard: Shard,
    card_key: Callable[[T], tuple[str, str, str]],
    cache_key: Callable[[T], str],
) -> tuple[list[T], ShardHeader]:
    """The jobs of `shard` (plan order kept) and its manifest header.

    `card_key(job)`: (selection name, quote id, platform); `cache_key(job)`: its cache key.
    """
    keys = [card_key(job) for job in jobs]
    digest = plan_digest((*key, cache_key(job)) for key, job in zip(keys, jobs, strict=True))
    mine = [job for key, job in zip(keys, jobs, strict=True) if shard.holds(*key)]
    return mine, shard_header(shard, digest, len(jobs), len(mine))
