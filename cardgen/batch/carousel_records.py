"""Carousels as the manifest lists them: which selection names one, those of the manifest
on disk, and their rows of captions.csv."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cardgen.errors import CardgenError

if TYPE_CHECKING:
    from cardgen.batch.records import CaptionRow


def relative(path: Path, root: Path) -> str:
    """A selection as the manifest names it (as its cards' records do)."""
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def old_carousels(out: Path) -> list[dict[str, Any]]:
    """The `carousels` of the manifest on disk (none when it is missing or unreadable)."""
    from cardgen.batch.folder import MANIFEST, read_regular

    try:
        raw = read_regular(out / MANIFEST, missing_ok=True)
        body = json.loads(raw) if raw else {}
    except (CardgenError, OSError, ValueError, RecursionError):
        return []
    found = body.get("carousels") if isinstance(body, dict) else None
    return [c for c in found if isinstance(c, dict)] if isinstance(found, list) else []


def caption_rows(carousels: Sequence[dict[str, Any]]) -> list[CaptionRow]:
    """captions.csv rows: one a post (a whole image carousel or document; each post of a
    thread), in the card rows' columns, `quote_id` naming the carousel."""
    rows: list[CaptionRow] = []
    for record in carousels:
        platform, selection = str(record["platform"]), str(record["selection"])
        if record.get("kind") == "thread":
            for slide in record.get("slides", []):
                rows.append(
                    {
                        "platform": platform,
                        "path": str(slide.get("path") or ""),
                        "caption": str(slide.get("post", "")),
                        "alt_text": str(slide.get("alt_text", "")),
                        "quote_id": f"{record['carousel_id']}#{int(slide.get('index', 0)):02d}",
                        "selection": selection,
                    }
                )
        else:
            alts = [str(s.get("alt_text", "")) for s in record.get("slides", [])]
            rows.append(
                {
                    "platform": platform,
                    "path": str(record.get("path") or ""),
                    "caption": str(record.get("caption") or ""),
                    "alt_text": " | ".join(alts),
                    "quote_id": str(record["carousel_id"]),
                    "selection": selection,
                }
            )
    return rows
